"""Active liveness (活体检测) by challenge: did one live person, the enrolled caregiver, turn their head
as asked, across a short burst of frames? Pure apart from the face engine.

Why a head turn: a printed photo or a phone screen held to the camera can be moved, tilted, scaled and
rotated in the image plane, but it cannot turn the 3-D face on it. The nose tip stands out of the face
plane, so a real yaw moves it sideways relative to the eyes, and a flat picture moved in its plane
does not.

Yaw proxy: the offset of the nose tip (dlib landmark 30, the last ``nose_bridge`` point of
``face_recognition.face_landmarks``) from the eyes' midpoint, projected on the eye axis and divided by
the distance between the eyes. It is invariant to shifting, scaling and in-plane rotation of a photo
(the attack) and grows with sin(yaw) for a real head (by nose depth over eye distance, roughly 0.5-0.6
for adults: about 0.14 for a 15-degree turn, an estimate, not a measurement). Signs are in the frame as
sent: negative = the nose towards the image's left edge. ``turn_left`` asks for the nose to move left
in the frame, ``turn_right`` right (the phone words the instruction for its mirrored preview).

Threshold: the yaw must change by at least ``yaw_threshold`` (0.14) from the first frame, in the
asked direction. Measured by ``bench/liveness_threshold.py`` on the shared photos (README "Presence"):
23 honest bursts (a frontal photo then a turned photo of the same person, poses labelled by eye)
changed by 0.07-0.34, 3 of them (slight turns) by less than 0.14; 31 static bursts (one photo
shifted, scaled and rotated 8 degrees) drifted by at most 0.118, so none passed.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from field_app.verification.face import (
    _DLIB_LOCK,
    FaceEngine,
    FaceError,
    FaceSettings,
    _library,
    _single_face,
    default_engine,
)
from field_app.verification.images import load_selfie

TURN_LEFT, TURN_RIGHT = "turn_left", "turn_right"
ACTIONS = (TURN_LEFT, TURN_RIGHT)
_SIGN = {TURN_LEFT: -1.0, TURN_RIGHT: 1.0}


@dataclass(frozen=True)
class LivenessSettings:
    """Limits of a burst; see the module docstring for the yaw threshold."""

    min_frames: int = 3
    max_frames: int = 5
    yaw_threshold: float = 0.14
    #: two frames further apart than this are two people (same person <= 0.53 on the shared photos,
    #: different people >= 0.61)
    same_person_max: float = 0.6


@dataclass(frozen=True, eq=False)
class FrameFace:
    """The one face of a frame: its encoding and yaw proxy, and a digest of the frame's bytes."""

    encoding: np.ndarray
    yaw: float
    digest: str


@dataclass(frozen=True)
class LivenessResult:
    """The verdict on a burst; ``code`` None when it passed."""

    passed: bool
    code: str | None
    message: str
    yaws: tuple[float, ...] = ()
    distances: tuple[float, ...] = ()  #: each frame's best distance to the enrolments

    def as_json(self) -> dict:
        return {
            "passed": self.passed,
            "code": self.code,
            "message": self.message,
            "yaws": [round(y, 3) for y in self.yaws],
            "distances": [round(d, 3) for d in self.distances],
        }


class FrameError(Exception):
    """A frame that cannot be judged (not an image, no face, two faces); ``code`` is stable."""

    def __init__(self, code: str, message: str, index: int) -> None:
        super().__init__(message)
        self.code, self.message, self.index = code, message, index


def yaw_proxy(landmarks: dict) -> float:
    """Nose-tip offset from the eyes' midpoint along the eye axis, over the eye distance."""
    left = np.mean(np.asarray(landmarks["left_eye"], dtype=float), axis=0)
    right = np.mean(np.asarray(landmarks["right_eye"], dtype=float), axis=0)
    tip = np.asarray(landmarks["nose_bridge"][-1], dtype=float)
    axis = right - left
    span = float(np.linalg.norm(axis))
    if span == 0:
        return 0.0
    return float(np.dot(tip - (left + right) / 2, axis / span) / span)


def _landmarks(engine, rgb: np.ndarray, box) -> dict:
    if hasattr(engine, "landmarks"):
        return engine.landmarks(rgb, box)
    with _DLIB_LOCK:  # face_recognition's own 68-point model, as the encoder uses
        return _library().face_landmarks(rgb, face_locations=[box])[0]


def analyse_frame(data: bytes, settings: FaceSettings, engine: FaceEngine | None = None) -> FrameFace:
    """Decode one frame, find its single face, encode it and measure its yaw (ImageError, FaceError)."""
    engine = default_engine() if engine is None else engine
    rgb = load_selfie(data, settings.limits)
    box = _single_face(rgb, settings, engine)
    return FrameFace(engine.encode(rgb, box), yaw_proxy(_landmarks(engine, rgb, box)), _digest(data))


def analyse_burst(frames: Sequence[bytes], settings: FaceSettings, engine=None) -> list[FrameFace]:
    """Every frame analysed; the first unusable one raises FrameError with its index."""
    out = []
    for index, data in enumerate(frames):
        try:
            out.append(analyse_frame(data, settings, engine))
        except FaceError as exc:
            raise FrameError(exc.code, f"Frame {index + 1}: {exc.message}", index) from None
    return out


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fail(code: str, message: str, faces: Sequence[FrameFace], distances=()) -> LivenessResult:
    return LivenessResult(False, code, message, tuple(f.yaw for f in faces), tuple(distances))


def judge_burst(
    faces: Sequence[FrameFace],
    actions: Sequence[str],
    enrolments: Sequence[np.ndarray],
    match_threshold: float,
    settings: LivenessSettings = LivenessSettings(),
) -> LivenessResult:
    """One person, the enrolled caregiver, performing the actions in order."""
    if len({f.digest for f in faces}) < len(faces):
        return _fail("liveness_duplicate_frames", "The burst repeats the same frame.", faces)
    for a, b in itertools.combinations(faces, 2):
        if float(np.linalg.norm(a.encoding - b.encoding)) > settings.same_person_max:
            return _fail("liveness_several_people", "The frames show more than one person.", faces)
    matrix = np.asarray(enrolments, dtype=float)
    distances = [float(np.min(np.linalg.norm(matrix - f.encoding, axis=1))) for f in faces]
    if max(distances) > match_threshold:
        return _fail(
            "liveness_not_caregiver", "The face in the burst is not the enrolled caregiver.", faces, distances
        )
    if not _actions_seen([f.yaw for f in faces], actions, settings.yaw_threshold):
        return _fail(
            "liveness_action_not_seen",
            "The requested head movement ({actions}) was not seen: turn the head, not the phone.".format(
                actions=", then ".join(a.replace("_", " ") for a in actions)
            ),
            faces,
            distances,
        )
    return LivenessResult(
        True,
        None,
        "Live: one person, the enrolled caregiver, turned as asked.",
        tuple(f.yaw for f in faces),
        tuple(distances),
    )


def _actions_seen(yaws: Sequence[float], actions: Sequence[str], threshold: float) -> bool:
    """Each action in order: a later frame whose yaw moved ``threshold`` from the first, that way."""
    start, position = yaws[0], 0
    for action in actions:
        sign = _SIGN[action]
        position = next(
            (i for i in range(position + 1, len(yaws)) if sign * (yaws[i] - start) >= threshold), None
        )
        if position is None:
            return False
    return True
