"""The written presence policy (verification.presence), one line at a time."""

from __future__ import annotations

import pytest

from field_app.verification.presence import (
    LivenessPolicy,
    PresenceParts,
    decide,
    liveness_required,
    sampled,
    trail_part,
)

CASES = [
    # (parts, decision, reason)
    (dict(face="mismatch", fence="inside", tag="valid"), "not_present", "face_not_matched"),
    (
        dict(face="matched", fence="inside", liveness_required=True),
        "not_present",
        "liveness_required_not_passed",
    ),
    (dict(face="matched", fence="inside", liveness="failed"), "not_present", "liveness_failed"),
    (dict(face="matched", fence="inside", tag="replayed"), "not_present", "tag_refused"),
    (dict(face="matched", fence="inside", confirmation="denied"), "not_present", "client_denied"),
    (dict(face="matched", fence="outside"), "not_present", "outside_fence"),
    (dict(face="matched", fence="outside", tag="valid"), "undetermined", "outside_fence_tag_valid"),
    (dict(face="matched", fence="inside", tag_required=True), "undetermined", "tag_required_missing"),
    (dict(face="matched", fence="inside"), "present", "inside_fence"),
    (dict(face="matched", fence="uncertain", tag="valid"), "present", "uncertain_fence_tag_valid"),
    (
        dict(face="matched", fence="uncertain", confirmation="confirmed"),
        "present",
        "uncertain_fence_confirmed",
    ),
    (dict(face="matched", fence="uncertain", trail="inside"), "present", "uncertain_fence_trail_inside"),
    (dict(face="matched", fence="uncertain", trail="mixed"), "undetermined", "uncertain_fence"),
    (
        dict(face="matched", fence="inside", liveness="passed", liveness_required=True),
        "present",
        "inside_fence",
    ),
]


@pytest.mark.parametrize(("parts", "decision", "reason"), CASES, ids=[c[2] + "-" + c[1] for c in CASES])
def test_policy_line(parts, decision, reason):
    d = decide(PresenceParts(**parts))
    assert (d.decision, d.reason) == (decision, reason)


def test_liveness_policy_always_by_agency_and_by_risk():
    assert liveness_required(LivenessPolicy("always"), 1, 0, "v", "s")
    assert not liveness_required(LivenessPolicy("off"), 1, 999, "v", "s")
    by_agency = LivenessPolicy("agencies", agencies=(2,))
    assert liveness_required(by_agency, 2, 0, "v", "s") and not liveness_required(by_agency, 1, 0, "v", "s")
    risk = LivenessPolicy("risk", risk_min_score=50)
    assert liveness_required(risk, 1, 50, "v", "s") and not liveness_required(risk, 1, 49, "v", "s")


def test_the_random_sample_is_reproducible_and_near_its_rate():
    draws = [sampled("secret", f"visit-{i}", 0.2) for i in range(2000)]
    assert draws == [sampled("secret", f"visit-{i}", 0.2) for i in range(2000)]
    assert 0.17 < sum(draws) / len(draws) < 0.23
    assert draws != [
        sampled("other-secret", f"visit-{i}", 0.2) for i in range(2000)
    ]  # unpredictable without the key


def test_trail_part():
    assert trail_part([]) == "none"
    assert trail_part(["inside"] * 8 + ["outside"] * 2) == "inside"
    assert trail_part(["inside"] * 6 + ["outside"] * 4) == "mixed"
    assert trail_part(["inside"] * 4 + ["outside"] * 6) == "outside"
