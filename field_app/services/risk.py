"""Risk of caregivers and agencies, derived from their alerts' scores.

Open and in-review alerts count at their score, confirmed and escalated ones double (a person agreed),
dismissed and cleared ones not at all: the ranking follows the reviewers' judgement.
"""

from __future__ import annotations

from sqlalchemy import case, func, select

from field_app.extensions import db
from field_app.models import Alert

WEIGHT = case(
    (Alert.status.in_(("confirmed", "escalated")), 2),
    (Alert.status.in_(("open", "in_review")), 1),
    else_=0,
)


def _ranked(column, top: int) -> list[dict]:
    risk = func.sum(Alert.score * WEIGHT)
    stmt = (select(column, risk.label("risk"), func.count().label("alerts"))
            .where(column.is_not(None), Alert.outcome == "hit")
            .group_by(column).order_by(risk.desc(), column).limit(top))
    return [{"id": row[0], "risk": int(row[1] or 0), "alerts": row[2]} for row in db.session.execute(stmt)]


def caregiver_risk(top: int = 20) -> list[dict]:
    """Caregivers with the highest risk first."""
    return _ranked(Alert.caregiver_id, top)


def agency_risk(top: int = 20) -> list[dict]:
    """Agencies with the highest risk first."""
    return _ranked(Alert.agency_id, top)
