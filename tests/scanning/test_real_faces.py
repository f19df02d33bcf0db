"""The real-face source of bench/detection.py: distinct real photos per visit, routing by image."""

from __future__ import annotations

import numpy as np
import pytest

from field_app.demo.real_faces import CompositeFaceEngine, RealFaceSource, distinct_shots, person_photos
from field_app.demo.synthetic_faces import synthetic_selfie
from field_app.verification.face import FaceSettings, analyse_selfie

pytestmark = pytest.mark.skipif(not person_photos("obama"), reason="../shared/faces is absent")


def test_crops_of_one_portrait_count_as_one_shot():
    photos = [p.read_bytes() for p in person_photos("obama")]
    assert len(photos) == 6 and len(distinct_shots(photos)) == 4  # 1, 5 and 6_small are one portrait


def test_each_visit_checks_in_with_a_photo_no_other_visit_used():
    source = RealFaceSource()
    source.assign(7, "obama")
    assert len(source.enrolment(7)) == 3 and source.visit_budget(7) == 2
    firsts = []
    for _ in range(2):
        source.new_visit(7)
        firsts.append(source(7, 0))
        assert source(7, 0) != firsts[-1]  # the check-out: another frame of the same moment
    assert firsts[0] != firsts[1] and source.visit_budget(7) == 0
    assert source(8, 3) == synthetic_selfie(8, 3)  # not a real person: synthetic


def test_the_composite_engine_sends_real_photos_to_dlib_and_synthetic_ones_to_the_synthetic_engine():
    engine, settings = CompositeFaceEngine(), FaceSettings()
    real = analyse_selfie(person_photos("obama")[1].read_bytes(), settings, engine)
    dlib = analyse_selfie(person_photos("obama")[1].read_bytes(), settings)
    assert np.allclose(real.encoding, dlib.encoding)
    fake = analyse_selfie(synthetic_selfie(5, 1), settings, engine)
    assert np.linalg.norm(fake.encoding - real.encoding) > 0.7
