"""How usable a face photo is: size, sharpness, exposure and pose of the one face (pure, numpy only).

Enrolment photos are the reference every later check-in is compared with, so they must be better
than a selfie merely good enough to encode: a blurred, dark or turned-away enrolment photo carries
its defect into every distance. A check-in selfie that fails to match gets the same measures back
as a retake hint ("too dark", "turned away"), so the caregiver knows what to change.

The limits (``QualityLimits``) were measured on every labelled photo of ``../shared/faces`` with
``bench/face_threshold.py`` (its "quality" table): every one of those 36 photos passes, and each
limit sits below the worst of them with a margin, so the checks refuse only photos clearly worse
than the worst real portrait we have (measured values in the README, "Face enrolment").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: (top, right, bottom, left) in pixels, face_recognition's order
Box = tuple[int, int, int, int]
Point = tuple[float, float]

#: the side the face crop is resized to before the sharpness measure, so that a big face and a
#: small one are judged alike (the Laplacian's variance grows with resolution)
_SHARPNESS_SIDE = 96


@dataclass(frozen=True)
class QualityLimits:
    """Where a photo stops being usable; see the module docstring for how they were measured."""

    min_face_px: int = 80  #: face box side at the detection size (800 px)
    min_sharpness: float = 40.0  #: variance of the Laplacian of the face at 96 px
    min_brightness: float = 50.0  #: mean grey level of the face, 0-255
    max_brightness: float = 220.0
    max_yaw: float = 0.30  #: |nose offset from the eyes' midpoint| / distance between the eyes


@dataclass(frozen=True)
class FaceQuality:
    """The measures of one face and the problems they show (empty ``problems``: usable)."""

    face_px: int
    sharpness: float
    brightness: float
    yaw: float | None  #: None when no landmarks were available
    problems: tuple[str, ...]

    def as_json(self) -> dict:
        return {
            "face_px": self.face_px,
            "sharpness": round(self.sharpness, 1),
            "brightness": round(self.brightness, 1),
            "yaw": None if self.yaw is None else round(self.yaw, 3),
            "problems": list(self.problems),
        }


#: what to tell a caregiver for each problem; codes are stable, the text is for people
RETAKE_HINTS = {
    "small": "The face is too small: hold the phone closer.",
    "blurred": "The photo is blurred: hold the phone still and let it focus.",
    "dark": "The photo is too dark: face the light or move to a brighter spot.",
    "overexposed": "The photo is too bright: do not stand against a window or a lamp.",
    "turned_away": "The face is turned away: look straight at the camera.",
    "no_face": "No face was found: hold the phone at eye level, facing you, in good light.",
    "multiple_faces": "Several faces were found: only you may be in the selfie.",
}
#: for a selfie that did not match although nothing visible is wrong with it
UNEXPLAINED_MISMATCH_HINT = (
    "The face did not match your enrolment: retake it facing the camera in even light, without a mask "
    "or sunglasses. If it still fails, the visit goes to your agency for review."
)


def retake_json(reasons: tuple[str, ...] | list[str] | None) -> dict | None:
    """The retake advice of an answer: reasons (stable codes) and hints (for people); None if matched."""
    if reasons is None:
        return None
    hints = [RETAKE_HINTS.get(r, r) for r in reasons] or [UNEXPLAINED_MISMATCH_HINT]
    return {"reasons": list(reasons), "hints": hints}


def assess(
    rgb: np.ndarray, box: Box, landmarks: Mapping[str, Sequence[Point]] | None, limits: QualityLimits
) -> FaceQuality:
    """Measure the face in ``box`` and list what falls outside ``limits``."""
    grey = _grey(rgb)
    crop = _crop(grey, box)
    face_px = min(box[2] - box[0], box[1] - box[3])
    sharpness = laplacian_variance(_resize(crop, _SHARPNESS_SIDE))
    brightness = float(crop.mean()) if crop.size else 0.0
    yaw = yaw_ratio(landmarks) if landmarks else None
    problems = []
    if face_px < limits.min_face_px:
        problems.append("small")
    if sharpness < limits.min_sharpness:
        problems.append("blurred")
    if brightness < limits.min_brightness:
        problems.append("dark")
    if brightness > limits.max_brightness:
        problems.append("overexposed")
    if yaw is not None and abs(yaw) > limits.max_yaw:
        problems.append("turned_away")
    return FaceQuality(face_px, sharpness, brightness, yaw, tuple(problems))


def yaw_ratio(landmarks: Mapping[str, Sequence[Point]]) -> float | None:
    """Horizontal offset of the nose tip from the eyes' midpoint over the eyes' distance.

    About 0 for a frontal face, about ±0.2 for a clear head turn (obama/2 and /4 in ``../shared``),
    growing towards ±0.5 in profile; None when the landmarks lack eyes or nose."""
    try:
        left = np.mean(np.asarray(landmarks["left_eye"], dtype=float), axis=0)
        right = np.mean(np.asarray(landmarks["right_eye"], dtype=float), axis=0)
        nose = np.mean(np.asarray(landmarks["nose_tip"], dtype=float), axis=0)
    except (KeyError, ValueError):
        return None
    eyes = float(np.linalg.norm(right - left))
    if eyes < 1:
        return None
    return float((nose[0] - (left[0] + right[0]) / 2) / eyes)


def laplacian_variance(grey: np.ndarray) -> float:
    """The variance of the 4-neighbour Laplacian: low when edges are soft (blur, focus)."""
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    g = grey.astype(np.float64)
    lap = g[1:-1, :-2] + g[1:-1, 2:] + g[:-2, 1:-1] + g[2:, 1:-1] - 4 * g[1:-1, 1:-1]
    return float(lap.var())


def _grey(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def _crop(grey: np.ndarray, box: Box) -> np.ndarray:
    top, right, bottom, left = box
    return grey[max(0, top) : max(0, bottom), max(0, left) : max(0, right)]


def _resize(grey: np.ndarray, side: int) -> np.ndarray:
    """Resize to ``side`` x ``side`` (bilinear after a box reduction)."""
    if grey.size == 0:
        return grey
    from PIL import Image

    image = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8))
    return np.asarray(
        image.resize((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0), dtype=np.float64
    )
