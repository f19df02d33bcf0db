"""Face quality measures (pure): pose from landmarks, sharpness, exposure, size."""

from __future__ import annotations

import numpy as np
import pytest

from field_app.verification.quality import QualityLimits, assess, laplacian_variance, retake_json, yaw_ratio

EYES = {"left_eye": [(40.0, 50.0), (50.0, 50.0)], "right_eye": [(90.0, 50.0), (100.0, 50.0)]}


@pytest.mark.parametrize(("nose_x", "yaw"), [(70.0, 0.0), (82.0, 0.24), (52.0, -0.36)])
def test_yaw_is_the_nose_offset_over_the_eye_distance(nose_x, yaw):
    assert yaw_ratio({**EYES, "nose_tip": [(nose_x, 80.0)]}) == pytest.approx(yaw)


def test_yaw_without_a_nose_is_unknown():
    assert yaw_ratio(EYES) is None


def test_a_flat_image_has_no_sharpness_and_noise_has_plenty():
    assert laplacian_variance(np.full((50, 50), 120.0)) == 0.0
    assert laplacian_variance(np.random.default_rng(1).integers(0, 255, (50, 50)).astype(float)) > 1000


def test_assess_lists_every_problem_it_sees():
    rgb = np.full((200, 200, 3), 20, dtype=np.uint8)  # dark and flat
    turned = {**EYES, "nose_tip": [(95.0, 80.0)]}
    quality = assess(rgb, (10, 60, 60, 10), turned, QualityLimits())
    assert set(quality.problems) == {"small", "blurred", "dark", "turned_away"}
    assert quality.as_json()["face_px"] == 50


def test_retake_advice_has_a_hint_per_reason_and_a_generic_one_for_a_plain_mismatch():
    assert retake_json(None) is None
    assert len(retake_json(["dark", "small"])["hints"]) == 2
    assert retake_json([])["reasons"] == [] and "review" in retake_json([])["hints"][0]
