"""Risk of caregivers and agencies, derived from their alerts' scores.

Open and in-review alerts count at their score, confirmed and escalated ones double (a person agreed),
dismissed and cleared ones not at all: the ranking follows the reviewers' judgement.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select

from field_app.extensions import db
from field_app.models import Alert

WEIGHT = case(
    (Alert.status.in_(("confirmed", "escalated")), 2),
    (Alert.status.in_(("open", "in_review")), 1),
    else_=0,
)


def _ranked(
    column, top: int, agencies: set[int] | None, since: datetime | None, until: datetime | None
) -> list[dict]:
    risk = func.sum(Alert.score * WEIGHT)
    stmt = (
        select(column, risk.label("risk"), func.count().label("alerts"))
        .where(column.is_not(None), Alert.outcome == "hit")
        .group_by(column)
        .order_by(risk.desc(), column)
        .limit(top)
    )
    if agencies is not None:  # a supervisor's ranking covers only the agencies they see
        stmt = stmt.where(Alert.agency_id.in_(agencies))
    if since is not None:
        stmt = stmt.where(Alert.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(Alert.occurred_at < until)
    return [{"id": row[0], "risk": int(row[1] or 0), "alerts": row[2]} for row in db.session.execute(stmt)]


def caregiver_risk(
    top: int = 20,
    agencies: set[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict]:
    """Caregivers with the highest risk first, optionally within agencies and alerts occurring in [since, until)."""
    return _ranked(Alert.caregiver_id, top, agencies, since, until)


def agency_risk(
    top: int = 20,
    agencies: set[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict]:
    """Agencies with the highest risk first, optionally within agencies and alerts occurring in [since, until)."""
    return _ranked(Alert.agency_id, top, agencies, since, until)
