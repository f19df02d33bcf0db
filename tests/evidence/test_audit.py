"""``flask evidence audit`` finds rows changed, deleted or inserted behind the application's back.

Each tampering is raw SQL on the database the suite runs on (SQLite, or PostgreSQL with
TEST_DATABASE_URL), as someone at a database console would do it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from field_app.extensions import db


def audit(runner) -> tuple[int, list[str]]:
    result = runner.invoke(args=["evidence", "audit"])
    return result.exit_code, result.output.splitlines()


def raw(app, *statements: str) -> None:
    with app.app_context(), db.engine.begin() as conn:
        for sql in statements:
            conn.execute(text(sql))


def scalar(app, sql: str):
    with app.app_context():
        return db.session.execute(text(sql)).scalar()


def postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


@pytest.fixture
def signed(app, visit, runner):
    assert runner.invoke(args=["evidence", "sign"]).exit_code == 0
    code, lines = audit(runner)
    assert code == 0, lines  # an honest database audits clean
    return visit


def test_an_honest_log_audits_clean_and_a_changed_trail_point_is_found(app, signed, runner):
    point = scalar(app, "SELECT min(id) FROM trail_points")
    raw(app, f"UPDATE trail_points SET lat = lat + 0.001 WHERE id = {point}")
    code, lines = audit(runner)
    assert code == 1
    assert any(line.startswith(f"changed: trail_points:{point} ") for line in lines), lines
    assert lines[-1] == "1 discrepancies"


def test_a_deleted_item_an_inserted_point_and_an_edited_visit_are_each_found(app, signed, runner):
    item = scalar(app, "SELECT min(id) FROM performed_items")
    visit_id = scalar(app, "SELECT id FROM visits")
    raw(
        app,
        f"DELETE FROM performed_items WHERE id = {item}",
        f"UPDATE visits SET verification_status = 'verified', check_out_at = check_in_at WHERE id = {visit_id}",
        "INSERT INTO trail_points (id, visit_id, fix_time, lat, lng, datum, lat_wgs84, lng_wgs84, accuracy_m,"
        " geofence_status, distance_m, received_at) SELECT 99999, visit_id, received_at, lat, lng, datum,"
        " lat_wgs84, lng_wgs84, accuracy_m, geofence_status, distance_m, received_at FROM trail_points"
        " WHERE id = (SELECT min(id) FROM trail_points)",
    )
    code, lines = audit(runner)
    assert code == 1
    assert any(line.startswith(f"deleted: performed_items:{item} ") for line in lines), lines
    assert any(line.startswith(f"changed: visits:{visit_id} ") for line in lines), lines
    assert any(line.startswith("inserted: trail_points:99999 ") for line in lines), lines


def test_a_truncated_trail_and_a_rewritten_audit_entry_are_found(app, signed, runner):
    points = scalar(app, "SELECT count(*) FROM trail_points")
    entry = scalar(app, "SELECT min(id) FROM audit_log")
    if postgres(app):  # TRUNCATE skips the audit log's row triggers
        raw(app, "TRUNCATE trail_points", "TRUNCATE audit_log")
        audit_words = f"deleted: audit_log:{entry} "
    else:  # REPLACE deletes the old row without firing the delete trigger
        raw(
            app,
            "DELETE FROM trail_points",
            "INSERT OR REPLACE INTO audit_log (id, at, actor, action, subject_type, subject_id, details)"
            f" SELECT id, at, 'someone-else', action, subject_type, subject_id, details FROM audit_log WHERE id = {entry}",
        )
        audit_words = f"changed: audit_log:{entry} "
    code, lines = audit(runner)
    assert code == 1
    assert sum(line.startswith("deleted: trail_points:") for line in lines) == points == 120
    assert any(line.startswith(audit_words) for line in lines), lines


def test_a_rewritten_or_emptied_log_no_longer_matches_its_signed_heads(app, signed, runner):
    leaves = scalar(app, "SELECT count(*) FROM evidence_leaves")
    if postgres(app):
        raw(app, "TRUNCATE evidence_leaves")
        code, lines = audit(runner)
        assert any(line.startswith("head_mismatch: evidence_tree_heads:") for line in lines), lines
        assert (
            sum(line.startswith("inserted: ") for line in lines) >= leaves - 10
        )  # nothing logs the rows now
    else:
        raw(
            app,
            "DROP TRIGGER evidence_leaves_sequence_only",
            'UPDATE evidence_leaves SET data = replace(data, \'"op":"insert"\', \'"op":"update"\') WHERE id = 1',
        )
        code, lines = audit(runner)
        assert any(line.startswith("leaf_altered: evidence_leaves:1 ") for line in lines), lines
        assert any(line.startswith("head_mismatch: evidence_tree_heads:") for line in lines), lines
    assert code == 1


def test_the_log_tables_refuse_update_and_delete_from_a_console(app, signed):
    for sql in (
        "DELETE FROM evidence_leaves",
        "UPDATE evidence_leaves SET seq = seq + 1000",
        "UPDATE evidence_nodes SET hash = hash",
        "DELETE FROM evidence_tree_heads",
    ):
        with pytest.raises(Exception, match="append-only"):
            raw(app, sql)
