"""Tests of the alert review workflow (疑点确认), family feedback (参保人) and ratings; shared helpers."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from field_app.extensions import db
from field_app.models import Alert, Visit
from field_app.rules import get_rule
from tests import factories as f

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
_keys = itertools.count(1)


def add_alert(
    agency_id: int | None,
    rule: str = "T04",
    status: str = "open",
    occurred_at: datetime = T0,
    visit_ids: tuple[int, ...] = (),
    score: int | None = None,
    **columns,
) -> int:
    """An alert as the scanner would store it; severity and score from the rule unless given."""
    r = get_rule(rule)
    alert = Alert(
        rule_code=rule,
        subject_type="visit",
        subject_key=f"test:{next(_keys)}",
        outcome=columns.pop("outcome", "hit"),
        severity=columns.pop("severity", r.severity),
        score=r.score if score is None else score,
        message=f"{r.title_en}.",
        evidence=columns.pop("evidence", {"n": 1}),
        evidence_hash="h1",
        status=status,
        agency_id=agency_id,
        occurred_at=occurred_at,
        params={},
        **columns,
    )
    alert.visits = [db.session.get(Visit, v) for v in visit_ids]
    db.session.add(alert)
    db.session.flush()
    return alert.id


def visit(
    app, side, uuid: str, start: datetime = T0, minutes: float | None = 45, caregiver=None, client=None
) -> int:
    with app.app_context():
        vid = f.add_visit(
            uuid, caregiver or side.caregiver, client or side.client, side.agency, start, minutes
        )
        db.session.commit()
        return vid


def alert(app, agency_id, **kw) -> int:
    with app.app_context():
        aid = add_alert(agency_id, **kw)
        db.session.commit()
        return aid
