"""Face verification with the real dlib engine on real faces (the astronaut always, ../shared when present)."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data as skimage_data

from field_app.verification.face import (
    FaceError,
    FaceSample,
    FaceSettings,
    analyse_selfie,
    best_other_match,
    default_engine,
    match_face,
)
from field_app.verification.images import hash_distance
from tests.verification.conftest import encode, exif_rotated, on_canvas

REPO = Path(__file__).resolve().parents[2]


def distance(a: FaceSample, b: FaceSample) -> float:
    return float(np.linalg.norm(a.encoding - b.encoding))


def face_error(photo: bytes, settings: FaceSettings | None = None) -> FaceError:
    with pytest.raises(FaceError) as caught:
        analyse_selfie(photo, settings or FaceSettings())
    return caught.value


# --- matching maths (no engine) ---------------------------------------------------------------


def unit(axis: int, scale: float = 1.0) -> np.ndarray:
    vector = np.zeros(128)
    vector[axis] = scale
    return vector


def test_match_face_takes_the_closest_enrolment_and_includes_the_threshold():
    match = match_face(unit(0), [unit(0, 2.0), unit(0, 1.5), unit(1)], threshold=0.5)
    assert (match.matched, match.distance, match.threshold, match.enrolment_index) == (True, 0.5, 0.5, 1)


def test_match_face_reports_the_closest_distance_when_nothing_matches():
    match = match_face(unit(0), [unit(1), unit(0, 1.8)], threshold=0.5)
    assert not match.matched and match.distance == pytest.approx(0.8) and match.enrolment_index == 1


def test_match_face_refuses_an_empty_enrolment_list_and_wrong_shapes():
    with pytest.raises(ValueError):
        match_face(unit(0), [], threshold=0.5)
    with pytest.raises(ValueError):
        match_face(np.zeros(64), [unit(0)], threshold=0.5)
    with pytest.raises(ValueError):
        match_face(unit(0), [np.zeros(64)], threshold=0.5)


def test_best_other_match_names_the_closest_person():
    others = {7: [unit(1), unit(2)], 9: [unit(0, 1.3)], 11: []}
    assert best_other_match(unit(0), others) == (9, pytest.approx(0.3))


def test_best_other_match_with_nobody_enrolled_is_none_and_infinitely_far():
    assert best_other_match(unit(0), {}) == (None, math.inf)
    assert best_other_match(unit(0), {3: []}) == (None, math.inf)


def test_settings_refuse_nonsense():
    with pytest.raises(ValueError):
        FaceSettings(match_threshold=0)
    with pytest.raises(ValueError):
        FaceSettings(model="sift")
    with pytest.raises(ValueError):
        FaceSettings(min_face_px=0)


def test_a_sample_encoding_is_a_read_only_128_vector():
    sample = FaceSample(encoding=[0.0] * 128, box=(0, 1, 1, 0), image_hash="0" * 16, image_size=(1, 1))
    assert sample.encoding.dtype == np.float64 and not sample.encoding.flags.writeable
    with pytest.raises(ValueError):
        FaceSample(encoding=np.zeros(3), box=(0, 1, 1, 0), image_hash="0" * 16, image_size=(1, 1))


# --- the engine, on the public-domain astronaut (always runs) ------------------------------------


def test_importing_the_module_does_not_load_face_recognition():
    code = "import sys, field_app.verification.face as f; f.default_engine(); print('face_recognition' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_default_engine_is_one_per_process():
    assert default_engine() is default_engine()


def test_the_astronaut_has_one_encodable_face(astronaut_sample):
    sample = astronaut_sample
    assert sample.encoding.shape == (128,) and sample.encoding.dtype == np.float64
    assert sample.image_size == (250, 300)
    top, right, bottom, left = sample.box
    assert 0 <= left < right <= 250 and 0 <= top < bottom <= 300
    assert len(sample.image_hash) == 16


@pytest.mark.parametrize(
    ("box", "size"),
    [((60, 0, 400, 340), (578, 578)), ((130, 10, 380, 310), (250, 300))],
    ids=["wider-crop-upscaled", "shifted-crop"],
)
def test_another_crop_of_the_astronaut_matches_her_enrolment(analyse, astronaut_sample, box, size):
    crop = Image.fromarray(skimage_data.astronaut()).crop(box).resize(size, Image.Resampling.BICUBIC)
    match = match_face(analyse(encode(crop)).encoding, [astronaut_sample.encoding], 0.5)
    assert match.matched and match.distance < 0.15  # measured 0.08


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_a_selfie_turned_upright_by_its_exif_tag_matches(analyse, astronaut, astronaut_sample, orientation):
    sample = analyse(exif_rotated(astronaut, orientation))
    assert sample.image_size == (250, 300)
    assert distance(sample, astronaut_sample) < 0.15  # measured 0.04-0.08: JPEG loss only


def test_without_its_exif_tag_a_sideways_face_is_not_found(astronaut):
    # Why the tag matters: HOG only finds upright faces.
    sideways = encode(astronaut.transpose(Image.Transpose.ROTATE_90))
    assert face_error(sideways).code == "no_face"


def test_a_mirrored_front_camera_selfie_still_matches(analyse, astronaut, astronaut_sample):
    mirrored = analyse(encode(astronaut.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    assert distance(mirrored, astronaut_sample) < 0.3  # measured 0.19


def test_a_12_megapixel_selfie_is_analysed_at_800_px_and_matches(analyse, astronaut, astronaut_sample):
    sample = analyse(on_canvas(astronaut, height=2400, at=(1000, 300)))
    assert sample.image_size == (800, 600)
    assert distance(sample, astronaut_sample) < 0.15  # measured 0.06


def test_a_heic_selfie_matches(analyse, astronaut, astronaut_sample):
    sample = analyse(encode(astronaut, "HEIF", quality=90))
    assert distance(sample, astronaut_sample) < 0.15


def test_a_face_shrunk_into_a_corner_of_a_big_frame_is_too_small(astronaut):
    # ~43 px at 800 px: invisible to the first pass, found by the upsampled retry, then refused.
    photo = on_canvas(astronaut, height=600, at=(0, 0))
    error = face_error(photo)
    assert error.code == "face_too_small" and "800x600" in error.message
    assert face_error(photo, FaceSettings(retry_upsample=0)).code == "no_face"


def test_two_faces_side_by_side_are_refused(astronaut):
    pair = Image.new("RGB", (500, 300))
    pair.paste(astronaut, (0, 0))
    pair.paste(astronaut.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (250, 0))
    error = face_error(encode(pair))
    assert error.code == "multiple_faces" and error.message.startswith("2 faces")


def test_the_full_astronaut_portrait_is_refused_for_its_mission_patch():
    # Real engine behaviour: HOG takes the patch on her suit for a second face once JPEG-compressed.
    assert face_error(encode(Image.fromarray(skimage_data.astronaut()))).code == "multiple_faces"


@pytest.mark.parametrize("picture", ["coffee", "chelsea", "rocket"])
def test_pictures_without_a_person_have_no_face(picture):
    photo = encode(Image.fromarray(getattr(skimage_data, picture)()).convert("RGB"))
    assert face_error(photo).code == "no_face"


def test_concurrent_analyses_give_the_same_encodings(analyse, astronaut):
    photos = [encode(astronaut), exif_rotated(astronaut, 6)]
    settings = FaceSettings()
    with ThreadPoolExecutor(max_workers=2) as pool:
        samples = list(pool.map(lambda photo: analyse_selfie(photo, settings), photos))
    for photo, sample in zip(photos, samples, strict=True):
        assert np.array_equal(sample.encoding, analyse(photo).encoding)


# --- the shared real photos ----------------------------------------------------------------------


def pairs(people: dict[str, FaceSample], same: bool) -> list[tuple[float, str, str]]:
    """(distance, a, b) for every pair of photos of the same (or of different) people."""
    found = []
    for a, b in itertools.combinations(people, 2):
        if (a.split("/")[0] == b.split("/")[0]) == same:
            found.append((distance(people[a], people[b]), a, b))
    return sorted(found)


@pytest.mark.faces
def test_every_shared_photo_has_one_face_big_enough(people, face_settings):
    assert len(people) == 16
    for name, sample in people.items():
        top, right, bottom, left = sample.box
        assert min(bottom - top, right - left) >= face_settings.min_face_px, name
        assert max(sample.image_size) <= face_settings.limits.max_side, name


@pytest.mark.faces
def test_photos_of_the_same_person_are_within_the_threshold(people, face_settings):
    worst = pairs(people, same=True)[-1]
    assert worst[0] <= face_settings.match_threshold - 0.05, worst  # measured 0.44 (obama 2 vs 3)


@pytest.mark.faces
def test_photos_of_different_people_are_well_beyond_the_threshold(people, face_settings):
    closest = pairs(people, same=False)[0]
    # measured 0.70 here; 0.616 over more_people too, which the threshold keeps 0.05 below
    assert closest[0] >= face_settings.match_threshold + 0.1, closest


@pytest.mark.faces
def test_obama_matches_obama_and_not_biden(people):
    assert match_face(people["obama/1"].encoding, [people["obama/2"].encoding], 0.5).matched
    biden = match_face(
        people["obama/1"].encoding, [people["biden/1"].encoding, people["biden/2"].encoding], 0.5
    )
    assert not biden.matched and biden.distance > 0.6


@pytest.mark.faces
def test_a_substitute_is_named_by_best_other_match(people):
    # A biden selfie checked in as obama: who is it really? (代签)
    others = {
        1: [people["biden/2"].encoding],
        2: [people["rose_leslie/1"].encoding, people["kit_harington/1"].encoding],
    }
    person, how_far = best_other_match(people["biden/1"].encoding, others)
    assert person == 1 and how_far < 0.5


@pytest.mark.faces
@pytest.mark.parametrize("name", ["two_faces_kit_rose.jpg", "two_faces_obama_biden.jpg"])
def test_a_photo_with_two_people_is_refused(faces_dir, name):
    assert face_error((faces_dir / "edge" / name).read_bytes()).code == "multiple_faces"


@pytest.mark.faces
def test_a_face_cut_by_the_frame_edge_is_accepted_and_still_matches(faces_dir, analyse, people):
    # Real behaviour: dlib finds the face and clips its box at the left edge; the encoding moved
    # 0.23 from the uncut photo (obama/1) but stays within every obama enrolment, far from biden.
    sample = analyse((faces_dir / "edge" / "partial_face_obama.jpg").read_bytes())
    assert sample.box[3] == 0
    obamas = [s.encoding for n, s in people.items() if n.startswith("obama/")]
    assert match_face(sample.encoding, obamas, 0.5).distance < 0.3
    assert max(np.linalg.norm(np.asarray(obamas) - sample.encoding, axis=1)) < 0.5
    assert best_other_match(sample.encoding, {1: [people["biden/1"].encoding]})[1] > 0.7


@pytest.mark.faces
def test_the_rgba_png_of_a_photo_is_the_same_selfie(faces_dir, analyse, people):
    sample = analyse((faces_dir / "edge" / "rgba_32bit_obama.png").read_bytes())
    assert distance(sample, people["obama/2"]) < 0.06  # measured 0.04
    assert hash_distance(sample.image_hash, people["obama/2"].image_hash) <= 2  # measured 0


@pytest.mark.faces
def test_different_photos_have_distant_hashes(people):
    closest = min(
        hash_distance(a.image_hash, b.image_hash) for a, b in itertools.combinations(people.values(), 2)
    )
    assert closest >= 10  # measured 19


@pytest.mark.faces
def test_an_exif_rotated_obama_selfie_matches(analyse, obama, people):
    sample = analyse(exif_rotated(obama, 6))
    assert sample.image_size == people["obama/1"].image_size
    assert match_face(sample.encoding, [people["obama/2"].encoding], 0.5).matched


@pytest.mark.faces
def test_a_12_megapixel_obama_selfie_is_downscaled_and_matches(analyse, obama, people):
    sample = analyse(on_canvas(obama, height=3000, at=(800, 0)))
    assert sample.image_size == (800, 600)
    assert match_face(sample.encoding, [people["obama/2"].encoding], 0.5).matched


@pytest.mark.faces
def test_a_heic_obama_selfie_matches(analyse, obama, people):
    small = obama.resize((400, 500), Image.Resampling.LANCZOS)  # x265 is slow: keep it small
    sample = analyse(encode(small, "HEIF", quality=80))
    assert match_face(sample.encoding, [people["obama/2"].encoding], 0.5).matched


@pytest.mark.faces
def test_a_small_obama_face_in_a_big_frame_is_too_small(obama):
    assert face_error(on_canvas(obama, height=1000, at=(3100, 1950))).code == "face_too_small"


@pytest.mark.faces
def test_a_small_photo_is_not_upscaled(people):
    assert people["obama/6_small"].image_size == (320, 240)
