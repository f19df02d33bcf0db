"""Client/family confirmation (参保人): one final answer per finished visit, a denial raises C01 at the
next incremental scan, and the stars roll up per caregiver and per agency (星级)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from field_app.api.feedback import FeedbackOut, RatingsOut
from field_app.extensions import db
from field_app.models import Agency, Alert, AuditEntry, Visit, VisitFeedback
from field_app.scanning import jobs
from tests import factories as f
from tests.api.shapes import assert_shape
from tests.review import visit

NOW = datetime.now(UTC).replace(microsecond=0)


def answer(client, uuid, **body):
    return client.post(f"/api/v1/visits/{uuid}/feedback", json={"confirmed": True, **body})


def test_family_confirms_and_rates_a_finished_visit_once(app, rw, as_):
    visit(app, rw.A, "visit-a-1", start=NOW - timedelta(hours=3))
    c = as_("family_A")
    resp = answer(c, "visit-a-1", rating=5, comment="  very kind  ")
    assert resp.status_code == 201
    body = assert_shape(resp, FeedbackOut)
    assert (body["visit_id"], body["confirmed"], body["rating"], body["comment"]) == (
        "visit-a-1",
        True,
        5,
        "very kind",
    )
    again = answer(c, "visit-a-1", confirmed=False)
    assert (again.status_code, assert_shape(again)["error"]["code"]) == (409, "feedback_exists")
    with app.app_context():
        (fb,) = db.session.scalars(select(VisitFeedback)).all()
        assert (fb.confirmed, fb.rating) == (True, 5)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "visit.feedback"))
        assert (entry.subject_id, entry.details) == ("visit-a-1", {"confirmed": True, "rating": 5})


def test_an_open_visit_cannot_be_answered_yet(app, rw, as_):
    visit(app, rw.A, "visit-a-open", start=NOW - timedelta(minutes=20), minutes=None)
    resp = answer(as_("family_A"), "visit-a-open")
    assert (resp.status_code, assert_shape(resp)["error"]["code"]) == (409, "visit_open")


def test_other_clients_visits_are_404_and_staff_may_not_answer(app, rw, as_):
    visit(app, rw.B, "visit-b-1", start=NOW - timedelta(hours=3))
    visit(app, rw.A, "visit-a-1", start=NOW - timedelta(hours=3))
    c = as_("family_A")
    for uuid in ("visit-b-1", "no-such-visit"):
        resp = answer(c, uuid)
        assert (resp.status_code, resp.get_json()["error"]["code"]) == (404, "visit_not_found")
    assert answer(as_("supervisor_A"), "visit-a-1").status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"confirmed": True, "rating": 0},
        {"confirmed": True, "rating": 6},
        {"rating": 3},
        {"confirmed": "maybe"},
        {"confirmed": True, "comment": "x" * 501},
        {"confirmed": True, "stars": 5},
    ],
)
def test_bad_answers_are_422(app, rw, as_, body):
    visit(app, rw.A, "visit-a-1", start=NOW - timedelta(hours=3))
    resp = as_("family_A").post("/api/v1/visits/visit-a-1/feedback", json=body)
    assert resp.status_code == 422 and assert_shape(resp)["error"]["field"]


def c01_alerts(app):
    with app.app_context():
        return [
            (a.subject_key, a.status, a.severity, [v.uuid for v in a.visits])
            for a in db.session.scalars(select(Alert).where(Alert.rule_code == "C01"))
        ]


def scanned_long_ago(app, side, uuid) -> int:
    """A finished visit last changed two hours ago and already scanned: the next incremental scan skips it."""
    vid = visit(app, side, uuid, start=NOW - timedelta(hours=3))
    with app.app_context():
        db.session.get(Visit, vid).changed_at = NOW - timedelta(hours=2)
        db.session.commit()
        jobs.scan("incremental")
    return vid


def test_a_denial_raises_c01_at_the_next_incremental_scan(app, rw, as_):
    vid = scanned_long_ago(app, rw.A, "visit-a-1")
    assert c01_alerts(app) == []
    assert answer(as_("family_A"), "visit-a-1", confirmed=False, comment="nobody came").status_code == 201
    with app.app_context():
        assert db.session.get(Visit, vid).changed_at > NOW - timedelta(minutes=1)  # bumped by the answer
        run = jobs.scan("incremental")
        assert run.status == "done" and run.visits_scanned == 1
    assert c01_alerts(app) == [(f"visit:{vid}", "open", "high", ["visit-a-1"])]


def test_without_the_bump_the_incremental_scan_would_miss_the_denial(app, rw):
    """The control for the test above: a denial stored without touching the visit is not re-scanned."""
    vid = scanned_long_ago(app, rw.A, "visit-a-1")
    with app.app_context():
        db.session.add(VisitFeedback(visit_id=vid, user_id=1, confirmed=False))
        db.session.commit()
        assert jobs.scan("incremental").visits_scanned == 0
    assert c01_alerts(app) == []


def test_a_confirmation_raises_nothing(app, rw, as_):
    visit(app, rw.A, "visit-a-1", start=NOW - timedelta(hours=3))
    answer(as_("family_A"), "visit-a-1", rating=4)
    with app.app_context():
        jobs.scan("incremental")
    assert c01_alerts(app) == []


@pytest.fixture
def rated(app, rw, as_):
    """A's caregivers: CGA 5, 4, (denied, no stars); CGA2 3, 2 (denied); CGA3 one answer without stars.
    B's caregiver: 4 stars."""
    with app.app_context():
        agency = db.session.get(Agency, rw.A.agency)
        cg2 = f.add_caregiver(agency, code="CGA2", device_id="phone-A2").id
        cg3 = f.add_caregiver(agency, code="CGA3", device_id="phone-A3").id
        db.session.commit()
    answers = [
        (rw.A.caregiver, {"rating": 5}),
        (rw.A.caregiver, {"rating": 4}),
        (rw.A.caregiver, {"confirmed": False}),
        (cg2, {"rating": 3}),
        (cg2, {"rating": 2, "confirmed": False}),
        (cg3, {}),
    ]
    c = as_("family_A")
    for n, (caregiver, body) in enumerate(answers):
        visit(app, rw.A, f"visit-a-{n}", start=NOW - timedelta(hours=30 - 2 * n), caregiver=caregiver)
        assert answer(c, f"visit-a-{n}", **body).status_code == 201
    vid_b = visit(app, rw.B, "visit-b-1", start=NOW - timedelta(hours=3))
    with app.app_context():
        db.session.add(VisitFeedback(visit_id=vid_b, user_id=1, confirmed=True, rating=4))
        db.session.commit()
    return {"CGA": rw.A.caregiver, "CGA2": cg2, "CGA3": cg3, "CGB": rw.B.caregiver}


def rows(resp):
    body = assert_shape(resp, RatingsOut)
    return [
        (r["name"], r["average_stars"], r["ratings"], r["feedback"], r["denials"]) for r in body["ratings"]
    ]


def test_caregiver_ratings_hand_computed(as_, rated):
    assert rows(as_("supervisor_A").get("/api/v1/ratings/caregivers")) == [
        ("CGA", 4.5, 2, 3, 1),  # (5 + 4) / 2
        ("CGA2", 2.5, 2, 2, 1),  # (3 + 2) / 2
        ("CGA3", None, 0, 1, 0),  # answered, never rated: last
    ]
    assert rows(as_("supervisor_B").get("/api/v1/ratings/caregivers")) == [("CGB", 4.0, 1, 1, 0)]


def test_agency_ratings_hand_computed(as_, rated):
    # A: (5 + 4 + 3 + 2) / 4 = 3.5 over 6 answers, 2 denials; B: 4 stars once.
    assert rows(as_("admin").get("/api/v1/ratings/agencies")) == [
        ("Agency B", 4.0, 1, 1, 0),
        ("Agency A", 3.5, 4, 6, 2),
    ]
    assert rows(as_("auditor_A").get("/api/v1/ratings/agencies")) == [("Agency A", 3.5, 4, 6, 2)]
    assert as_("family_A").get("/api/v1/ratings/agencies").status_code == 403
