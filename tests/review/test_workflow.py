"""The review workflow through the API: two reviewers, reasons, illegal steps, scope and roles."""

from __future__ import annotations

import pytest

from field_app.api.alert_models import AlertDetailOut, AlertOut
from field_app.extensions import db
from field_app.models import Alert
from tests.api.shapes import assert_shape
from tests.review import alert


def step(client, alert_id, action, reason="checked the evidence"):
    return client.post(f"/api/v1/alerts/{alert_id}/review", json={"action": action, "reason": reason})


def status_of(app, alert_id) -> Alert:
    with app.app_context():
        a = db.session.get(Alert, alert_id)
        db.session.expunge(a)
        return a


def test_two_reviewers_confirm_an_alert(app, rw, as_):
    aid = alert(app, rw.A.agency)
    first = as_("supervisor_A")
    assert assert_shape(step(first, aid, "start"), AlertOut)["status"] == "in_review"
    body = assert_shape(step(first, aid, "propose_confirm", "face differs from the enrolment"), AlertOut)
    assert (body["status"], body["review"]["state"], body["review"]["first_review_outcome"]) == (
        "in_review",
        "pending_second_review",
        "confirm",
    )
    second = as_("supervisor_A2")
    body = assert_shape(step(second, aid, "confirm", "agree: substitute caregiver"), AlertOut)
    assert body["status"] == body["review"]["state"] == "confirmed"
    assert body["review"]["decision_reason"] == "agree: substitute caregiver"
    a = status_of(app, aid)
    assert (
        a.first_reviewer_id != a.decided_by_id
        and a.decided_at is not None
        and a.first_reviewed_at is not None
    )


def test_the_first_reviewer_cannot_confirm_alone(app, rw, as_):
    aid = alert(app, rw.A.agency)
    c = as_("supervisor_A")
    step(c, aid, "start")
    step(c, aid, "propose_confirm")
    resp = step(c, aid, "confirm")
    assert resp.status_code == 409
    assert assert_shape(resp)["error"]["code"] == "second_reviewer_required"
    assert status_of(app, aid).status == "in_review" and status_of(app, aid).decided_by_id is None


def test_dismissal_records_the_evidence_hash_and_reopen_clears_the_review(app, rw, as_):
    aid = alert(app, rw.A.agency)
    c = as_("supervisor_A")
    assert step(c, aid, "dismiss", "caregiver's phone GPS drifts indoors").get_json()["status"] == "dismissed"
    a = status_of(app, aid)
    assert (a.dismissed_evidence_hash, a.decision_reason) == ("h1", "caregiver's phone GPS drifts indoors")
    assert step(c, aid, "reopen", "new photo evidence").get_json()["status"] == "open"
    a = status_of(app, aid)
    assert (a.dismissed_evidence_hash, a.decided_by_id, a.first_reviewer_id) == (None, None, None)


@pytest.mark.parametrize("start_from", ["open", "in_review"])
def test_escalate_from_undecided_states(app, rw, as_, start_from):
    aid = alert(app, rw.A.agency, status=start_from)
    assert (
        step(as_("supervisor_A"), aid, "escalate", "hand to the insurance bureau").get_json()["status"]
        == "escalated"
    )


ILLEGAL = [
    ("open", "propose_confirm", "open", "pending_second_review"),
    ("open", "confirm", "open", "confirmed"),
    ("open", "reopen", "open", "open"),
    ("in_review", "start", "in_review", "in_review"),
    ("in_review", "confirm", "in_review", "confirmed"),
    ("in_review", "reopen", "in_review", "open"),
    ("confirmed", "start", "confirmed", "in_review"),
    ("confirmed", "dismiss", "confirmed", "dismissed"),
    ("confirmed", "escalate", "confirmed", "escalated"),
    ("confirmed", "confirm", "confirmed", "confirmed"),
    ("dismissed", "dismiss", "dismissed", "dismissed"),
    ("dismissed", "confirm", "dismissed", "confirmed"),
    ("dismissed", "propose_confirm", "dismissed", "pending_second_review"),
    ("escalated", "dismiss", "escalated", "dismissed"),
    ("escalated", "start", "escalated", "in_review"),
    ("cleared", "start", "cleared", "in_review"),
    ("cleared", "dismiss", "cleared", "dismissed"),
    ("cleared", "reopen", "cleared", "open"),
]


@pytest.mark.parametrize(
    ("status", "action", "source", "target"), ILLEGAL, ids=[f"{s}-{a}" for s, a, _, _ in ILLEGAL]
)
def test_illegal_transitions_are_refused_naming_from_and_to(app, rw, as_, status, action, source, target):
    aid = alert(app, rw.A.agency, status=status)
    resp = step(as_("supervisor_A"), aid, action)
    assert resp.status_code == 409
    error = assert_shape(resp)["error"]
    assert error["code"] == "invalid_transition"
    assert f"from {source} to {target}" in error["message"]
    assert status_of(app, aid).status == status


def test_proposing_twice_is_refused(app, rw, as_):
    aid = alert(app, rw.A.agency, status="in_review")
    c = as_("supervisor_A")
    step(c, aid, "propose_confirm")
    resp = step(as_("supervisor_A2"), aid, "propose_confirm")
    assert resp.status_code == 409
    assert "from pending_second_review to pending_second_review" in resp.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"action": "start"},
        {"action": "start", "reason": ""},
        {"action": "start", "reason": "   "},
        {"action": "start", "reason": "x" * 2001},
        {"action": "approve", "reason": "why"},
        {"action": "start", "reason": "why", "extra": 1},
    ],
)
def test_every_step_needs_a_reason_and_a_known_action(app, rw, as_, body):
    aid = alert(app, rw.A.agency)
    resp = as_("supervisor_A").post(f"/api/v1/alerts/{aid}/review", json=body)
    assert resp.status_code == 422
    assert assert_shape(resp)["error"]["code"] in {"missing_field", "invalid_field", "unknown_field"}
    assert status_of(app, aid).status == "open"


def test_auditors_read_and_comment_but_do_not_decide(app, rw, as_):
    aid = alert(app, rw.A.agency)
    c = as_("auditor_A")
    assert c.get(f"/api/v1/alerts/{aid}").status_code == 200
    for action in ("start", "dismiss", "escalate"):
        resp = step(c, aid, action)
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (403, "forbidden")
    resp = c.post("/api/v1/alerts/bulk-dismiss", json={"alert_ids": [aid], "reason": "noise"})
    assert resp.status_code == 403
    assert c.post(f"/api/v1/alerts/{aid}/comments", json={"text": "checked the trail"}).status_code == 201
    assert status_of(app, aid).status == "open"


def test_admins_read_every_agency_but_do_not_review(app, rw, as_):
    aid = alert(app, rw.B.agency)
    c = as_("admin")
    assert c.get(f"/api/v1/alerts/{aid}").status_code == 200
    assert step(c, aid, "start").status_code == 403
    assert c.post(f"/api/v1/alerts/{aid}/comments", json={"text": "x"}).status_code == 403


def test_another_agencys_supervisor_gets_404_like_a_missing_alert(app, rw, as_):
    aid = alert(app, rw.A.agency)
    c = as_("supervisor_B")
    for resp in (
        c.get(f"/api/v1/alerts/{aid}"),
        step(c, aid, "start"),
        c.post(f"/api/v1/alerts/{aid}/comments", json={"text": "x"}),
    ):
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "alert_not_found")
    missing = c.get("/api/v1/alerts/999999").get_json()
    assert missing["error"]["code"] == "alert_not_found"
    assert status_of(app, aid).status == "open"


def test_comments_are_listed_in_the_detail_in_order(app, rw, as_):
    aid = alert(app, rw.A.agency)
    as_("supervisor_A").post(f"/api/v1/alerts/{aid}/comments", json={"text": "  call the family  "})
    as_("auditor_A").post(f"/api/v1/alerts/{aid}/comments", json={"text": "family confirms the visit"})
    body = assert_shape(as_("admin").get(f"/api/v1/alerts/{aid}"), AlertDetailOut)
    assert [(c["username"], c["text"]) for c in body["comments"]] == [
        ("sup1-A", "call the family"),
        ("aud-A", "family confirms the visit"),
    ]
    assert [e["action"] for e in body["trail"]] == ["alert.comment", "alert.comment"]
