"""Face and photo fixtures: the shared test photos, a public-domain face, and cached analyses."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image
from skimage import data as skimage_data

from field_app.verification.face import FaceSample, FaceSettings, analyse_selfie

FACES_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "faces"

# Pixels stored for each EXIF orientation so that a viewer, applying the tag, shows them upright.
STORED_FOR_ORIENTATION = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,  # tag 6 says "rotate 90° clockwise to view"
    8: Image.Transpose.ROTATE_270,
}


def encode(image: Image.Image, fmt: str = "JPEG", **params) -> bytes:
    """The image saved in ``fmt`` (JPEG at quality 90 unless told otherwise)."""
    if fmt == "JPEG":
        params.setdefault("quality", 90)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def exif_rotated(upright: Image.Image, orientation: int) -> bytes:
    """A JPEG whose pixels are rotated and whose EXIF Orientation tag turns them back upright."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    return encode(upright.transpose(STORED_FOR_ORIENTATION[orientation]), exif=exif.tobytes())


def on_canvas(image: Image.Image, height: int, at: tuple[int, int], size=(4000, 3000)) -> bytes:
    """A 12 MP phone-like JPEG with ``image`` rescaled to ``height`` pixels and pasted at ``at``."""
    canvas = Image.new("RGB", size, (96, 104, 112))
    width = round(image.width * height / image.height)
    canvas.paste(image.resize((width, height), Image.Resampling.BICUBIC), at)
    return encode(canvas)


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The shared real photos, or a skip when this checkout has no ../shared next to it."""
    if not (FACES_DIR / "people").is_dir():
        pytest.skip(
            f"../shared/faces is absent ({FACES_DIR}): the real test photos are kept outside the "
            "repository; the astronaut tests still exercise the real face engine"
        )
    return FACES_DIR


@pytest.fixture(scope="session")
def face_settings() -> FaceSettings:
    return FaceSettings()


@pytest.fixture(scope="session")
def analyse(face_settings) -> Callable[[bytes], FaceSample]:
    """``analyse_selfie`` with the default settings, cached by photo bytes (an encoding costs ~0.15 s)."""
    cache: dict[str, FaceSample] = {}

    def run(photo: bytes) -> FaceSample:
        key = hashlib.sha256(photo).hexdigest()
        if key not in cache:
            cache[key] = analyse_selfie(photo, face_settings)
        return cache[key]

    return run


@pytest.fixture(scope="session")
def people(faces_dir, analyse) -> dict[str, FaceSample]:
    """Every photo under people/ analysed once, keyed "obama/1"."""
    photos = sorted(p for p in (faces_dir / "people").glob("*/*") if p.suffix in (".jpg", ".png"))
    return {f"{p.parent.name}/{p.stem}": analyse(p.read_bytes()) for p in photos}


@pytest.fixture(scope="session")
def obama(faces_dir) -> Image.Image:
    """people/obama/1.jpg, decoded (910x1137, no rotation)."""
    return Image.open(faces_dir / "people" / "obama" / "1.jpg").convert("RGB")


@pytest.fixture(scope="session")
def astronaut() -> Image.Image:
    """Eileen Collins' head from skimage's public-domain NASA portrait (250x300).

    The full 512x512 portrait is refused as ``multiple_faces``: HOG also takes the mission patch on
    her suit for a face once the image is JPEG-compressed, so the tests crop to the head.
    """
    return Image.fromarray(np.ascontiguousarray(skimage_data.astronaut())).crop((100, 0, 350, 300))


@pytest.fixture(scope="session")
def astronaut_sample(astronaut, analyse) -> FaceSample:
    """The astronaut's head as an enrolment photo."""
    return analyse(encode(astronaut))
