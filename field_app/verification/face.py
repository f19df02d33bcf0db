"""Find exactly one usable face in a check-in selfie, encode it, and compare it with enrolments (pure).

The engine is dlib's HOG detector and ResNet encoder through ``face_recognition``, behind the small
``FaceEngine`` protocol. Encodings are 128-d vectors; two photos of one person are usually closer
than 0.6 in Euclidean distance (the library's default threshold).

The threshold, 0.56, comes from ``bench/face_threshold.py``: the false-accept / false-reject curve
over every labelled photo of ``../shared/faces`` (32 photos of 10 people, through this module's own
pipeline). The method: the largest threshold on a 0.01 grid with no false accept in any mode and
0.05 below the closest impostor distance seen (0.616, so 0.56). There, one enrolment photo has 0/51
false rejects (the worst genuine pair 0.555; at the old 0.5 it was 2/51, 3.9 %) and a gallery of
3 enrolment photos, matched by the smallest distance, 0/120 (its worst genuine score 0.484): the
gallery, not a looser threshold, is what carries genuine faces, so enrolment asks for 3-5 photos.
face_recognition's README warns that accuracy varies between ethnic groups (its wiki: lower with
Asian faces, and our caregivers are Chinese) and a false accept pays a fraudulent visit: the photos
here are Western public figures, so re-run the curve on real enrolments before trusting 0.56.
"""

from __future__ import annotations

import importlib
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol

import numpy as np
from PIL import ImageFile

from field_app.verification.images import ImageLimits, load_selfie, perceptual_hash
from field_app.verification.quality import FaceQuality, QualityLimits, assess

#: (top, right, bottom, left) in pixels of the detection image, face_recognition's order
Box = tuple[int, int, int, int]
ENCODING_SIZE = 128


class FaceError(Exception):
    """A selfie without exactly one usable face; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class FaceSettings:
    """How selfies are analysed and matched; see the module docstring for the threshold."""

    match_threshold: float = 0.56
    #: Smallest accepted face box side, in detection-image pixels. HOG without upsampling cannot see
    #: a face under ~72 px (its 80 px window), so this only refuses faces that the upsampled retry
    #: found: their boxes were 36-60 px and their encodings drifted 0.15-0.27 from the same face at
    #: full size (0.05-0.15 for 72 px and up), enough to push a genuine 0.43 pair past 0.5.
    #: Every shared test photo's face is 86 px or more at 800 px.
    min_face_px: int = 64
    #: upsampling on the first detection pass; 0 is 4x cheaper than 1 (measured 53 vs 215 ms at 800 px)
    upsample: int = 0
    #: upsampling for one more pass when the first finds no face (0: no retry); it turns a far-away
    #: face into a precise "face_too_small" instead of "no_face", and costs ~0.2 s on that path only
    retry_upsample: int = 1
    model: str = "hog"  #: "hog" (CPU) or "cnn" (needs a GPU to be fast)
    limits: ImageLimits = field(default_factory=ImageLimits)

    def __post_init__(self) -> None:
        if not 0 < self.match_threshold < 2:
            raise ValueError(f"match_threshold must be in (0, 2), got {self.match_threshold}")
        if self.model not in ("hog", "cnn"):
            raise ValueError(f"model must be 'hog' or 'cnn', got {self.model!r}")
        if self.upsample < 0 or self.retry_upsample < 0 or self.min_face_px < 1:
            raise ValueError("upsample and retry_upsample must be >= 0 and min_face_px >= 1")


@dataclass(frozen=True, eq=False)  # eq=False: numpy arrays have no truth value to compare with
class FaceSample:
    """The one face found in a selfie, with what later rules need to compare selfies."""

    encoding: np.ndarray  #: shape (128,), float64, read-only
    box: Box  #: in the detection image
    image_hash: str  #: dHash of the detection image (a re-submitted photo)
    image_size: tuple[int, int]  #: detection image's (width, height)

    def __post_init__(self) -> None:
        encoding = _as_encoding(self.encoding, "encoding").copy()
        encoding.setflags(write=False)
        object.__setattr__(self, "encoding", encoding)


@dataclass(frozen=True)
class FaceMatch:
    """How close a selfie is to a caregiver's enrolments."""

    matched: bool  #: distance <= threshold
    distance: float  #: smallest distance over all enrolments
    threshold: float
    enrolment_index: int | None  #: index of the closest enrolment


class FaceEngine(Protocol):
    """Finds and encodes faces; swap it for another library without touching the callers."""

    def locate(self, rgb: np.ndarray, *, upsample: int = 0, model: str = "hog") -> list[Box]: ...

    def encode(self, rgb: np.ndarray, box: Box) -> np.ndarray: ...


# One lock for the process, not per engine: face_recognition keeps its dlib models in module globals.
_DLIB_LOCK = threading.Lock()
_face_recognition: ModuleType | None = None


def _library() -> ModuleType:
    """Import face_recognition on first use: its import loads ~130 MB of dlib models, ~2 s."""
    global _face_recognition
    if _face_recognition is None:
        _face_recognition = importlib.import_module("face_recognition")
        # Its import sets Pillow's LOAD_TRUNCATED_IMAGES for the whole process, which would let a
        # half-uploaded selfie through as a grey-padded photo: load_selfie needs Pillow's default.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    return _face_recognition


class DlibFaceEngine:
    """The FaceEngine of face_recognition 1.3 (dlib HOG/CNN detector, ResNet encoder)."""

    def load(self) -> None:
        """Load the models now (a worker's start) rather than during the first check-in."""
        with _DLIB_LOCK:
            _library()

    def locate(self, rgb: np.ndarray, *, upsample: int = 0, model: str = "hog") -> list[Box]:
        """Face boxes in ``rgb``, as (top, right, bottom, left)."""
        with _DLIB_LOCK:  # dlib's detectors and networks are not thread-safe
            boxes = _library().face_locations(rgb, number_of_times_to_upsample=upsample, model=model)
        return [(int(t), int(r), int(b), int(left)) for t, r, b, left in boxes]

    def encode(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """The 128-d encoding of the face in ``box``."""
        with _DLIB_LOCK:
            (encoding,) = _library().face_encodings(rgb, known_face_locations=[box])
        return np.asarray(encoding, dtype=np.float64)

    def landmarks(self, rgb: np.ndarray, box: Box) -> dict[str, list[tuple[float, float]]]:
        """dlib's 68 landmarks of the face in ``box``, by feature (eyes, nose tip, ...)."""
        with _DLIB_LOCK:
            (marks,) = _library().face_landmarks(rgb, face_locations=[box])
        return {name: [(float(x), float(y)) for x, y in points] for name, points in marks.items()}


_DEFAULT_ENGINE = DlibFaceEngine()  # cheap: the library is imported on first use


def default_engine() -> DlibFaceEngine:
    """The process-wide engine."""
    return _DEFAULT_ENGINE


def analyse_selfie(data: bytes, settings: FaceSettings, engine: FaceEngine | None = None) -> FaceSample:
    """Decode a selfie, find its single face and encode it; raises ImageError or FaceError."""
    return analyse_photo(data, settings, engine)[0]


def analyse_photo(
    data: bytes, settings: FaceSettings, engine: FaceEngine | None = None, limits: QualityLimits | None = None
) -> tuple[FaceSample, FaceQuality]:
    """``analyse_selfie`` plus the face's quality (size, sharpness, exposure, pose) against ``limits``.

    Pose needs landmarks: an engine without a ``landmarks`` method (the synthetic test engine) gets
    ``yaw=None``, and pose is then not judged."""
    engine = default_engine() if engine is None else engine
    rgb = load_selfie(data, settings.limits)
    box = _single_face(rgb, settings, engine)
    marks = engine.landmarks(rgb, box) if hasattr(engine, "landmarks") else None
    sample = FaceSample(
        encoding=engine.encode(rgb, box),
        box=box,
        image_hash=perceptual_hash(rgb),
        image_size=(rgb.shape[1], rgb.shape[0]),
    )
    return sample, assess(rgb, box, marks, limits or QualityLimits())


#: below this standard deviation of its pixel values an image is flat (black, grey, a covered lens): HOG
#: finds no gradients in it, so the detector and its upsampled retry (~0.3 s) are skipped
FLAT_STD = 2.0


def _single_face(rgb: np.ndarray, settings: FaceSettings, engine: FaceEngine) -> Box:
    """The only face in the image, big enough to encode reliably."""
    if float(rgb[::4, ::4].std()) < FLAT_STD:
        raise FaceError("no_face", "No face was found; take the selfie facing the camera in good light.")
    boxes = engine.locate(rgb, upsample=settings.upsample, model=settings.model)
    if not boxes and settings.retry_upsample > settings.upsample:
        boxes = engine.locate(rgb, upsample=settings.retry_upsample, model=settings.model)
    if not boxes:
        raise FaceError("no_face", "No face was found; take the selfie facing the camera in good light.")
    if len(boxes) > 1:
        raise FaceError(
            "multiple_faces", f"{len(boxes)} faces were found; only the caregiver may be in the selfie."
        )
    side = _box_side(boxes[0])
    if side < settings.min_face_px:
        raise FaceError(
            "face_too_small",
            f"The face is {side} px across in a {rgb.shape[1]}x{rgb.shape[0]} image (at least "
            f"{settings.min_face_px} px are needed); hold the phone closer.",
        )
    return boxes[0]


def _box_side(box: Box) -> int:
    top, right, bottom, left = box
    return min(bottom - top, right - left)


def match_face(encoding: np.ndarray, enrolments: Sequence[np.ndarray], threshold: float) -> FaceMatch:
    """Compare an encoding with one person's enrolments; raises ValueError when there are none."""
    if len(enrolments) == 0:
        # Refuse rather than invent a JSON-unsafe infinite distance: the service must not get here.
        raise ValueError("cannot match a face against no enrolments")
    distances = _distances(encoding, enrolments)
    index = int(np.argmin(distances))
    distance = float(distances[index])
    return FaceMatch(distance <= threshold, distance, threshold, index)


def best_other_match(
    encoding: np.ndarray, enrolments_by_person: Mapping[int, Sequence[np.ndarray]]
) -> tuple[int | None, float]:
    """The closest other person and distance, or ``(None, math.inf)`` when nobody has an enrolment.

    The caller leaves the claimed caregiver out. Infinity makes ``distance <= threshold`` simply
    false; store ``None`` instead of it, since JSON has no infinity.
    """
    people = [person for person, rows in enrolments_by_person.items() for _ in range(len(rows))]
    if not people:
        return None, math.inf
    rows = [row for person_rows in enrolments_by_person.values() for row in person_rows]
    distances = _distances(encoding, rows)
    index = int(np.argmin(distances))
    return people[index], float(distances[index])


def _distances(encoding: np.ndarray, enrolments: Sequence[np.ndarray]) -> np.ndarray:
    """Euclidean distances from one encoding to each enrolment, in one numpy operation."""
    probe = _as_encoding(encoding, "encoding")
    matrix = np.asarray(enrolments, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != ENCODING_SIZE:
        raise ValueError(
            f"enrolments must be {ENCODING_SIZE}-d vectors, got an array of shape {matrix.shape}"
        )
    return np.linalg.norm(matrix - probe, axis=1)


def _as_encoding(value: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.shape != (ENCODING_SIZE,):
        raise ValueError(f"{name} must have shape ({ENCODING_SIZE},), got {array.shape}")
    return array
