"""Bulk dismissal (all or nothing) and the per-rule false-positive rate from review outcomes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from field_app.api.alert_models import BulkDismissOut, RuleStatsOut
from field_app.extensions import db
from field_app.models import Alert, AuditEntry
from tests.api.shapes import assert_shape
from tests.review import T0, alert


def statuses(app, ids) -> list[str]:
    with app.app_context():
        return [db.session.get(Alert, i).status for i in ids]


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.subject_type == "alert")
        )


def bulk(client, ids, reason="GPS drift at this estate"):
    return client.post("/api/v1/alerts/bulk-dismiss", json={"alert_ids": ids, "reason": reason})


def test_bulk_dismiss_dismisses_all_with_one_audit_entry_each(app, rw, as_):
    ids = [alert(app, rw.A.agency), alert(app, rw.A.agency, status="in_review"), alert(app, rw.A.agency)]
    body = assert_shape(bulk(as_("supervisor_A"), [ids[2], ids[0], ids[1], ids[0]]), BulkDismissOut)
    assert body["dismissed"] == sorted(ids)
    assert statuses(app, ids) == ["dismissed"] * 3
    assert audit_count(app) == 3
    with app.app_context():
        assert {db.session.get(Alert, i).dismissed_evidence_hash for i in ids} == {"h1"}


def test_one_alert_out_of_scope_or_missing_and_nothing_changes(app, rw, as_):
    mine, theirs = alert(app, rw.A.agency), alert(app, rw.B.agency)
    resp = bulk(as_("supervisor_A"), [mine, theirs, 999999])
    assert resp.status_code == 404
    error = assert_shape(resp)["error"]
    assert error["code"] == "alert_not_found" and f"{theirs}, 999999" in error["message"]
    assert str(mine) not in error["message"].split("No alerts ")[1].split(";")[0].split(", ")
    assert statuses(app, [mine, theirs]) == ["open", "open"] and audit_count(app) == 0


def test_one_decided_alert_and_nothing_changes(app, rw, as_):
    ok, done, esc = (
        alert(app, rw.A.agency),
        alert(app, rw.A.agency, status="confirmed"),
        alert(app, rw.A.agency, status="escalated"),
    )
    resp = bulk(as_("supervisor_A"), [ok, done, esc])
    assert resp.status_code == 409
    error = assert_shape(resp)["error"]
    assert error["code"] == "invalid_transition"
    assert f"{done} (confirmed), {esc} (escalated)" in error["message"]
    assert statuses(app, [ok, done, esc]) == ["open", "confirmed", "escalated"] and audit_count(app) == 0


def test_bulk_limits_and_reason(app, rw, as_):
    c = as_("supervisor_A")
    assert bulk(c, list(range(1, 502))).status_code == 422
    assert bulk(c, []).status_code == 422
    assert bulk(c, [alert(app, rw.A.agency)], reason=" ").status_code == 422


def stats(client, query=""):
    body = assert_shape(client.get(f"/api/v1/alerts/stats/rules{query}"), RuleStatsOut)
    return {r["rule_code"]: r for r in body["rules"]}


def test_false_positive_rate_per_rule(app, rw, as_):
    a = rw.A.agency
    # F01: 1 confirmed, 3 dismissed, 1 open -> fp 3 / 4 = 0.75
    for status in ("confirmed", "dismissed", "dismissed", "dismissed", "open"):
        alert(app, a, rule="F01", status=status)
    # G01: 2 confirmed, 1 dismissed, 1 escalated -> fp 1 / 3 = 0.3333
    for status in ("confirmed", "confirmed", "dismissed", "escalated"):
        alert(app, a, rule="G01", status=status)
    # T04: only open and in review -> no decided alert, fp null
    alert(app, a, rule="T04")
    alert(app, a, rule="T04", status="in_review")
    alert(app, rw.B.agency, rule="F01", status="confirmed")  # another agency's: not counted for A
    got = stats(as_("auditor_A"))
    assert sorted(got) == ["F01", "G01", "T04"]
    f01 = got["F01"]
    assert (f01["total"], f01["open"], f01["confirmed"], f01["dismissed"], f01["fp_rate"]) == (
        5,
        1,
        1,
        3,
        0.75,
    )
    assert (got["G01"]["total"], got["G01"]["escalated"], got["G01"]["fp_rate"]) == (4, 1, 0.3333)
    assert (got["T04"]["total"], got["T04"]["in_review"], got["T04"]["fp_rate"]) == (2, 1, None)
    assert got["F01"]["title_zh"] == "人脸比对不通过"
    assert stats(as_("admin"))["F01"]["fp_rate"] == 0.6  # 3 / (2 + 3) with B's confirmation


def test_stats_follow_the_review_and_the_period(app, rw, as_):
    early = alert(app, rw.A.agency, rule="F01", occurred_at=T0 - timedelta(days=10))
    late = alert(app, rw.A.agency, rule="F01", occurred_at=T0)
    c = as_("supervisor_A")
    c.post(f"/api/v1/alerts/{early}/review", json={"action": "dismiss", "reason": "drift"})
    assert stats(c)["F01"]["fp_rate"] == 1.0
    period = stats(c, "?occurred_from=2026-11-19T00:00:00Z")
    assert (period["F01"]["total"], period["F01"]["open"], period["F01"]["fp_rate"]) == (1, 1, None)
    before = stats(c, "?occurred_to=2026-11-19T00:00:00Z")
    assert (before["F01"]["total"], before["F01"]["dismissed"], before["F01"]["fp_rate"]) == (1, 1, 1.0)
    c.post(f"/api/v1/alerts/{late}/review", json={"action": "dismiss", "reason": "drift"})
    assert stats(c)["F01"]["dismissed"] == 2
    assert c.get("/api/v1/alerts/stats/rules?occurred_to=bad").status_code == 422
