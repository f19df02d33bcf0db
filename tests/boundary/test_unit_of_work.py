"""The request/job boundary: one commit on success, a rollback on failure, evidence kept on refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from field_app.errors import Forbidden
from field_app.extensions import db
from field_app.models import AuditEntry
from field_app.services import audit
from field_app.transaction import unit_of_work


def _actions(app) -> list[str]:
    with app.app_context():
        db.session.remove()
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_unit_of_work_commits_what_it_flushed(app):
    with app.app_context(), unit_of_work():
        audit.record("test", "kept.on.success", "t", 1)
    assert _actions(app) == ["kept.on.success"]


def test_a_refused_unit_of_work_stores_nothing_but_its_evidence(app):
    with app.app_context(), pytest.raises(Forbidden), unit_of_work():
        audit.record("test", "ordinary.write", "t", 1)
        audit.record_evidence("test", "refusal.evidence", "t", 1)
        audit.record("test", "later.write", "t", 1)
        raise Forbidden("nope", "Refused.")
    assert _actions(app) == ["refusal.evidence"]


def test_evidence_is_stored_once_when_the_unit_succeeds(app):
    with app.app_context():
        with unit_of_work():
            audit.record_evidence("test", "evidence", "t", 1)
        with unit_of_work():  # a later unit does not redo an earlier unit's evidence
            pass
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_api_handlers_do_not_commit_themselves():
    """One commit per request: the API modules and services leave it to the boundary."""
    from pathlib import Path

    root = Path(__file__).parents[2] / "field_app"
    offenders = [
        str(p.relative_to(root))
        for folder in ("api", "services")
        for p in (root / folder).rglob("*.py")
        if ".commit()" in p.read_text() or ".rollback()" in p.read_text()
    ]
    assert offenders == []
