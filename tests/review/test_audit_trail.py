"""The audit trail of an alert: every step in order with who, when, from, to and why; and it cannot be
rewritten, neither through the API (no such operation) nor in the database itself (triggers)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from field_app.extensions import db
from field_app.models import AuditEntry, User
from tests.review import alert
from tests.review.test_workflow import step


def user_id(app, username) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def test_the_trail_lists_every_step_in_order(app, rw, as_):
    aid = alert(app, rw.A.agency)
    step(as_("supervisor_A"), aid, "start", "looking")
    step(as_("supervisor_A"), aid, "propose_confirm", "mask on the selfie")
    as_("auditor_A").post(f"/api/v1/alerts/{aid}/comments", json={"text": "seen"})
    step(as_("supervisor_A2"), aid, "confirm", "agreed")
    step(as_("supervisor_A"), aid, "reopen", "appeal by the agency")
    trail = as_("auditor_A").get(f"/api/v1/alerts/{aid}").get_json()["trail"]
    s1, s2, aud = (user_id(app, n) for n in ("sup1-A", "sup2-A", "aud-A"))
    assert [(e["actor"], e["action"], e["from"], e["to"], e["reason"]) for e in trail] == [
        (f"user:{s1}", "alert.start", "open", "in_review", "looking"),
        (f"user:{s1}", "alert.propose_confirm", "in_review", "pending_second_review", "mask on the selfie"),
        (f"user:{aud}", "alert.comment", None, None, None),
        (f"user:{s2}", "alert.confirm", "pending_second_review", "confirmed", "agreed"),
        (f"user:{s1}", "alert.reopen", "confirmed", "open", "appeal by the agency"),
    ]
    times = [e["at"] for e in trail]
    assert times == sorted(times) and all(t.endswith("Z") for t in times)


def test_refused_steps_leave_no_trace(app, rw, as_):
    aid = alert(app, rw.A.agency)
    assert step(as_("supervisor_A"), aid, "confirm").status_code == 409
    assert step(as_("auditor_A"), aid, "start").status_code == 403
    with app.app_context():
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "alert")).all() == []


def test_other_alerts_entries_are_not_in_the_trail(app, rw, as_):
    one, other = alert(app, rw.A.agency), alert(app, rw.A.agency)
    step(as_("supervisor_A"), other, "dismiss", "other one")
    assert as_("supervisor_A").get(f"/api/v1/alerts/{one}").get_json()["trail"] == []


@pytest.mark.parametrize("sql", ["UPDATE audit_log SET action = 'alert.nothing'", "DELETE FROM audit_log"])
def test_the_database_refuses_to_rewrite_the_audit_log(app, rw, as_, sql):
    """Runs on whichever database the suite uses: SQLite by default, PostgreSQL via TEST_DATABASE_URL."""
    aid = alert(app, rw.A.agency)
    step(as_("supervisor_A"), aid, "dismiss", "noise")
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(sql))
        db.session.rollback()
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.subject_id == str(aid))).all()
        assert [e.action for e in entries] == ["alert.dismiss"]


def test_the_orm_cannot_edit_an_entry_either(app, rw, as_):
    aid = alert(app, rw.A.agency)
    step(as_("supervisor_A"), aid, "dismiss", "noise")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.subject_id == str(aid)))
        entry.details = {"from": "open", "to": "dismissed", "reason": "rewritten"}
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.flush()
        db.session.rollback()


def test_no_endpoint_offers_to_edit_or_delete_the_trail(app, rw, as_):
    rules = list(app.url_map.iter_rules())
    assert not [r.rule for r in rules if "audit" in r.rule]  # ("trail" in a URL is the GPS trail)
    alert_rules = [r for r in rules if r.rule.startswith("/api/v1/alerts")]
    assert {m for r in alert_rules for m in r.methods} <= {"GET", "HEAD", "OPTIONS", "POST"}
    posts = sorted(r.rule for r in alert_rules if "POST" in r.methods)
    assert posts == [
        "/api/v1/alerts/<int:alert_id>/comments",
        "/api/v1/alerts/<int:alert_id>/review",
        "/api/v1/alerts/bulk-dismiss",
    ]
    aid = alert(app, rw.A.agency)
    c = as_("supervisor_A")
    for method in ("put", "patch", "delete"):
        assert getattr(c, method)(f"/api/v1/alerts/{aid}", json={}).status_code == 405
    spec = c.get("/api/v1/openapi.json").get_json()
    assert not [p for p in spec["paths"] if "audit" in p]
