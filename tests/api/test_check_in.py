"""Check-in through the API with the real face engine and geofence."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from field_app.api.responses import AttemptResultOut
from field_app.extensions import db
from field_app.models import AuditEntry, Visit, VisitAttempt
from field_app.verification.datum import GCJ02, from_wgs84
from tests import factories as f
from tests.api.conftest import check_in, needs_shared_faces
from tests.api.shapes import assert_shape


def count(app, model, **filters):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**filters))


def test_honest_check_in_at_home_is_matched_and_inside(client, app, w, now, same_person):
    resp = check_in(client, w, "att-00000001", same_person, now - timedelta(seconds=20))
    body = assert_shape(resp, AttemptResultOut)
    assert resp.status_code == 200
    assert body["attempt"]["face"]["matched"] is True
    assert body["attempt"]["face"]["distance"] < body["attempt"]["face"]["threshold"] == 0.56
    assert body["attempt"]["geofence"]["status"] == "inside"
    assert body["visit"]["state"] == "open" and body["visit"]["verification_status"] == "pending"
    assert count(app, VisitAttempt) == 1 and count(app, AuditEntry, action="visit.check_in") == 1


def test_a_resent_check_in_gets_the_same_answer_and_is_stored_once(client, app, w, now, same_person):
    first = check_in(client, w, "att-00000001", same_person, now)
    again = check_in(client, w, "att-00000001", same_person, now)
    assert again.status_code == first.status_code == 200
    assert again.data == first.data  # byte for byte, from storage
    assert count(app, VisitAttempt) == 1 and count(app, Visit) == 1


def test_attempt_id_reused_for_another_visit_is_a_conflict(client, app, w, now, same_person):
    check_in(client, w, "att-00000001", same_person, now)
    resp = check_in(client, w, "att-00000001", same_person, now, visit="visit-0002")
    assert resp.status_code == 409 and assert_shape(resp)["error"]["code"] == "attempt_id_reused"
    assert count(app, Visit) == 1


@needs_shared_faces
def test_other_person_is_a_mismatch_kept_as_unverified_and_may_retry(client, app, w, now, same_person):
    resp = check_in(client, w, "att-00000001", f.photo("biden", 0), now)
    body = assert_shape(resp, AttemptResultOut)
    assert resp.status_code == 200
    assert body["attempt"]["face"]["status"] == "mismatch" and body["attempt"]["face"]["distance"] > 0.5
    assert body["attempt"]["face"]["matched"] is False and body["error"]["code"] == "face_mismatch"
    assert body["visit"]["verification_status"] == "unverified" and body["retries_left"] == 2
    retry = check_in(client, w, "att-00000002", same_person, now)
    assert retry.get_json()["attempt"]["face"]["matched"] is True
    assert retry.get_json()["visit"]["verification_status"] == "pending"
    assert count(app, VisitAttempt) == 2 and count(app, Visit) == 1


@needs_shared_faces
def test_attempts_beyond_the_limit_are_refused_and_the_visit_kept(client, app, w, now):
    for n in range(3):
        assert check_in(client, w, f"att-0000000{n}", f.photo("biden", 0), now).status_code == 200
    resp = check_in(client, w, "att-00000009", f.photo("biden", 0), now)
    assert resp.status_code == 429 and assert_shape(resp)["error"]["code"] == "too_many_attempts"
    assert count(app, VisitAttempt) == 3 and count(app, Visit, verification_status="unverified") == 1


def test_a_check_in_after_a_matched_one_is_refused(client, w, now, same_person):
    check_in(client, w, "att-00000001", same_person, now)
    resp = check_in(client, w, "att-00000002", same_person, now)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_checked_in"


def test_gcj02_fix_at_the_home_is_inside_but_the_same_numbers_as_wgs84_are_outside(
    client, app, now, same_person
):
    w = f.world(app, client)
    glat, glng = from_wgs84(*f.HOME, GCJ02)  # what a phone using AMap reports at the home
    inside = check_in(client, w, "att-00000001", same_person, now, lat=glat, lng=glng, datum="GCJ02")
    assert inside.get_json()["attempt"]["geofence"]["status"] == "inside"
    naive = check_in(client, w, "att-00000002", same_person, now, visit="visit-0002", lat=glat, lng=glng)
    fence = naive.get_json()["attempt"]["geofence"]
    assert fence["status"] == "outside" and 400 < fence["distance_m"] < 600


def test_a_low_accuracy_fix_is_uncertain_and_the_visit_needs_review(client, w, now, same_person):
    resp = check_in(client, w, "att-00000001", same_person, now, accuracy_m=300)
    body = resp.get_json()
    assert body["attempt"]["geofence"]["status"] == "uncertain"
    assert body["visit"]["verification_status"] == "needs_review"


def test_a_check_in_far_away_is_outside_and_unverified(client, w, now, same_person):
    resp = check_in(client, w, "att-00000001", same_person, now, lat=f.HOME[0] + 0.0054, accuracy_m=20)
    body = resp.get_json()
    assert (
        body["attempt"]["geofence"]["status"] == "outside" and body["attempt"]["geofence"]["distance_m"] > 550
    )
    assert body["visit"]["verification_status"] == "unverified"


def test_two_faces_are_not_verified_but_the_attempt_is_kept_as_evidence(client, app, w, now, two_faces_photo):
    """A face that is not verified answers like any stored attempt: 200, face.matched false, and why."""
    resp = check_in(client, w, "att-00000001", two_faces_photo, now)
    body = assert_shape(resp, AttemptResultOut)
    assert resp.status_code == 200 and body["error"]["code"] == "multiple_faces"
    assert body["attempt"]["face"] == {
        **body["attempt"]["face"],
        "status": "multiple_faces",
        "matched": False,
    }
    assert body["visit"]["verification_status"] == "unverified" and body["retries_left"] == 2
    assert count(app, VisitAttempt, face_status="multiple_faces") == 1
    again = check_in(client, w, "att-00000001", two_faces_photo, now)
    assert again.status_code == 200 and again.data == resp.data and count(app, VisitAttempt) == 1


def test_checking_in_as_someone_else_is_403_and_an_unknown_client_404(client, w, now, same_person):
    body = f.attempt_body(w, "att-00000001", same_person, now)
    resp = client.post("/api/v1/visits/v-00000001/check-in", json={**body, "caregiver_id": 999})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "not_yourself"
    resp = client.post("/api/v1/visits/v-00000001/check-in", json={**body, "client_id": 999})
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "client_not_found"


def test_a_caregiver_without_enrolled_face_cannot_check_in(client, app, now, same_person):
    w = f.world(app, client)
    f.switch_caregiver(app, client, w)  # without an enrolled face
    resp = check_in(client, w, "att-00000001", same_person, now)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_enrolled"
    assert count(app, Visit) == 0
