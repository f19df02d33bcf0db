"""Liveness by challenge through the API, on the real engine and real photos: honest bursts pass; a
static photo, a repeated frame, two people, a replayed burst or nonce and an expired nonce fail."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from field_app.api.presence import BurstOut
from field_app.demo.static_attacks import shifted, static_burst
from field_app.extensions import db
from field_app.models import AuditEntry, LivenessChallenge, VisitAttempt
from field_app.verification.liveness import ACTIONS
from tests import factories as f
from tests.api.conftest import needs_shared_faces
from tests.presence.conftest import attempt, burst, challenge, honest_burst

pytestmark = needs_shared_faces


def _passed_challenge(client, w, kind="check_in", visit="visit-0001") -> str:
    issued = challenge(client, kind, visit, w=w).get_json()
    resp = burst(client, issued["challenge_id"], honest_burst(issued["actions"]))
    assert resp.status_code == 200, resp.get_json()
    return issued["challenge_id"]


def test_a_challenge_is_a_fresh_nonce_with_a_random_head_movement(client, w, app):
    app.config["LIVENESS_ACTIONS"] = 2
    first = challenge(client, w=w)
    body = first.get_json()
    assert first.status_code == 201
    assert set(body["actions"]) == set(ACTIONS) and len(body["actions"]) == 2  # left then right, or reverse
    assert body["frames_min"] == 3 and body["required"] is False  # policy "off" by default
    assert challenge(client, w=w).get_json()["challenge_id"] != body["challenge_id"]


def test_an_honest_burst_passes_and_the_check_in_records_liveness_in_its_presence(client, w, app, now):
    app.config["LIVENESS_POLICY"] = "always"
    cid = _passed_challenge(client, w)
    resp = attempt(client, w, "check-in", "att-live-0001", f.photo("obama", 4), now, challenge_id=cid)
    body = resp.get_json()
    assert resp.status_code == 200, body
    presence = body["attempt"]["presence"]
    assert presence["decision"] == "present" and presence["reason"] == "inside_fence"
    assert presence["parts"]["liveness"] == "passed" and presence["parts"]["liveness_required"] is True
    with app.app_context():
        used = db.session.scalar(select(LivenessChallenge).where(LivenessChallenge.nonce == cid))
        assert used.status == "used" and used.attempt_id is not None


def test_two_movements_in_order_pass(client, w, app):
    app.config["LIVENESS_ACTIONS"] = 2
    issued = challenge(client, w=w).get_json()
    resp = burst(client, issued["challenge_id"], honest_burst(issued["actions"]))
    assert resp.status_code == 200 and resp.get_json()["passed"] is True


def test_the_movement_the_other_way_fails(client, w):
    issued = challenge(client, w=w).get_json()
    wrong = [a for a in ACTIONS if a != issued["actions"][0]]
    resp = burst(client, issued["challenge_id"], honest_burst(wrong))
    assert resp.status_code == 422 and resp.get_json()["code"] == "liveness_action_not_seen"


def test_a_static_photo_moved_shifted_scaled_and_rotated_fails(client, w, app, now):
    """A print or a screen held to the camera: one photo moved in its plane never turns its head."""
    issued = challenge(client, w=w).get_json()
    resp = burst(client, issued["challenge_id"], static_burst(f.photo("obama", 3)))  # even a turned photo
    body = BurstOut.model_validate(resp.get_json()).model_dump()
    assert resp.status_code == 422 and body["code"] == "liveness_action_not_seen" and body["passed"] is False
    app.config["LIVENESS_POLICY"] = "always"
    refused = attempt(
        client, w, "check-in", "att-static-01", f.photo("obama", 4), now, challenge_id=issued["challenge_id"]
    )
    out = refused.get_json()
    assert refused.status_code == 200 and out["error"]["code"] == "liveness_failed"
    assert (
        out["attempt"]["presence"]["decision"] == "not_present"
    )  # the attempt is kept as evidence and answered 200 with the error


def test_the_same_frame_sent_several_times_fails(client, w):
    issued = challenge(client, w=w).get_json()
    same = f.photo("obama", 4)
    resp = burst(client, issued["challenge_id"], [same, same, same])
    assert resp.status_code == 422 and resp.get_json()["code"] == "liveness_duplicate_frames"


def test_a_burst_with_two_different_people_fails(client, w):
    issued = challenge(client, w=w).get_json()
    frames = honest_burst(issued["actions"])
    frames[1] = f.photo("biden", 1)
    resp = burst(client, issued["challenge_id"], frames)
    assert resp.status_code == 422 and resp.get_json()["code"] == "liveness_several_people"


def test_another_persons_live_burst_is_not_the_caregiver(client, w, app):
    issued = challenge(client, w=w).get_json()
    kit = [f.photo("kit_harington", 0), shifted(f.photo("kit_harington", 0)), f.photo("kit_harington", 2)]
    resp = burst(client, issued["challenge_id"], kit)
    assert resp.status_code == 422 and resp.get_json()["code"] == "liveness_not_caregiver"


def test_a_replayed_burst_is_refused_and_recorded(client, w, app):
    issued = challenge(client, w=w).get_json()
    frames = honest_burst(issued["actions"])
    assert burst(client, issued["challenge_id"], frames).status_code == 200
    again = burst(client, issued["challenge_id"], frames)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "challenge_used"
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEntry).where(AuditEntry.action == "liveness.replayed")) is not None
        )


def test_a_replayed_nonce_cannot_serve_a_second_attempt(client, w, app, now):
    cid = _passed_challenge(client, w)
    assert (
        attempt(
            client, w, "check-in", "att-nonce-001", f.photo("obama", 4), now, challenge_id=cid
        ).status_code
        == 200
    )
    again = attempt(client, w, "check-out", "att-nonce-002", f.photo("obama", 4), now, challenge_id=cid)
    body = again.get_json()
    assert again.status_code == 200 and body["error"]["code"] == "challenge_used"
    assert body["attempt"]["presence"]["parts"]["liveness"] == "challenge_used"
    assert body["visit"]["state"] == "open"  # a refused presence check does not close the visit


def test_a_nonce_for_the_check_in_does_not_serve_the_check_out(client, w, now):
    cid = _passed_challenge(client, w, kind="check_in", visit="visit-0001")
    attempt(client, w, "check-in", "att-kind-0001", f.photo("obama", 4), now)
    resp = attempt(client, w, "check-out", "att-kind-0002", f.photo("obama", 4), now, challenge_id=cid)
    assert resp.status_code == 200 and resp.get_json()["error"]["code"] == "challenge_other_visit"


def test_an_expired_nonce_is_refused(client, w, app):
    issued = challenge(client, w=w).get_json()
    with app.app_context():
        row = db.session.scalar(
            select(LivenessChallenge).where(LivenessChallenge.nonce == issued["challenge_id"])
        )
        row.expires_at = row.issued_at - timedelta(seconds=1)
        db.session.commit()
    resp = burst(client, issued["challenge_id"], honest_burst(issued["actions"]))
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "challenge_expired"


def test_a_check_in_without_liveness_where_required_is_kept_with_the_error(client, w, app, now):
    app.config["LIVENESS_POLICY"] = "agencies"
    app.config["LIVENESS_AGENCIES"] = (w.agency_id,)
    resp = attempt(client, w, "check-in", "att-noliv-001", f.photo("obama", 4), now)
    body = resp.get_json()
    assert resp.status_code == 200 and body["error"]["code"] == "liveness_required"
    assert body["attempt"]["presence"]["decision"] == "not_present"
    assert body["attempt"]["presence"]["reason"] == "liveness_required_not_passed"
    with app.app_context():
        assert db.session.scalar(select(VisitAttempt.uuid)) == "att-noliv-001"


def test_another_caregivers_challenge_is_not_found(client, w, app):
    issued = challenge(client, w=w).get_json()
    f.switch_caregiver(app, client, w, enrol_photo=f.photo("biden", 0))
    resp = burst(client, issued["challenge_id"], honest_burst(issued["actions"]))
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "challenge_not_found"


def test_a_burst_of_too_few_frames_is_refused_and_the_challenge_stays_fresh(client, w):
    issued = challenge(client, w=w).get_json()
    resp = burst(client, issued["challenge_id"], [f.photo("obama", 4)])
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "burst_size"
    assert burst(client, issued["challenge_id"], honest_burst(issued["actions"])).status_code == 200
