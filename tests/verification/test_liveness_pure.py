"""The yaw proxy and the burst verdict on plain values (the API tests run the real engine)."""

from __future__ import annotations

import math

import numpy as np

from field_app.verification.liveness import (
    TURN_LEFT,
    TURN_RIGHT,
    FrameFace,
    LivenessSettings,
    judge_burst,
    yaw_proxy,
)


def _landmarks(nose_offset: float, angle_deg: float = 0.0, scale: float = 1.0, shift=(0.0, 0.0)) -> dict:
    """Eyes 1 apart on the x axis, the nose tip ``nose_offset`` along it, then rotated/scaled/shifted."""
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])

    def place(x, y):
        p = rot @ np.array([x, y]) * scale + np.array(shift)
        return (float(p[0]), float(p[1]))

    return {
        "left_eye": [place(-0.5, 0.0)] * 6,
        "right_eye": [place(0.5, 0.0)] * 6,
        "nose_bridge": [place(0.0, 0.3), place(nose_offset, 0.6)],
    }


def test_the_yaw_proxy_ignores_moving_scaling_and_rotating_a_photo():
    base = yaw_proxy(_landmarks(0.2))
    assert math.isclose(base, 0.2)
    for moved in (_landmarks(0.2, 25, 1.7, (300, -40)), _landmarks(0.2, -40, 0.4, (-5, 9))):
        assert math.isclose(yaw_proxy(moved), base, abs_tol=1e-9)


def _face(yaw: float, person: float = 0.0, n: int = 0) -> FrameFace:
    encoding = np.full(128, person) + np.arange(128) * 1e-4 * n
    return FrameFace(encoding, yaw, f"frame-{n}-{yaw}-{person}")


ENROLLED = [np.zeros(128)]


def test_a_turn_of_the_threshold_or_more_the_asked_way_passes():
    s = LivenessSettings(yaw_threshold=0.14)
    honest = [_face(0.0, n=0), _face(-0.05, n=1), _face(-0.15, n=2)]
    assert judge_burst(honest, [TURN_LEFT], ENROLLED, 0.5, s).passed
    assert judge_burst(honest, [TURN_RIGHT], ENROLLED, 0.5, s).code == "liveness_action_not_seen"
    small = [_face(0.0, n=0), _face(-0.05, n=1), _face(-0.13, n=2)]
    assert not judge_burst(small, [TURN_LEFT], ENROLLED, 0.5, s).passed


def test_two_movements_must_come_in_the_asked_order():
    frames = [_face(0.0, n=0), _face(0.2, n=1), _face(-0.2, n=2)]
    assert judge_burst(frames, [TURN_RIGHT, TURN_LEFT], ENROLLED, 0.5).passed
    assert not judge_burst(frames, [TURN_LEFT, TURN_RIGHT], ENROLLED, 0.5).passed


def test_two_people_and_a_stranger_fail_before_the_movement_is_looked_at():
    two = [_face(0.0, n=0), _face(0.3, person=0.1, n=1), _face(0.3, n=2)]  # 0.1 x sqrt(128) = 1.13 apart
    assert judge_burst(two, [TURN_RIGHT], ENROLLED, 0.5).code == "liveness_several_people"
    stranger = [_face(0.0, 0.05, 0), _face(0.3, 0.05, 1), _face(0.3, 0.05, 2)]  # 0.57 from the enrolment
    assert judge_burst(stranger, [TURN_RIGHT], ENROLLED, 0.5).code == "liveness_not_caregiver"
