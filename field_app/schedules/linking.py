"""Which planned visit a check-in fulfils: the one the phone names, or the nearest waiting one of the
same caregiver and client within a window of its planned start."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from field_app.errors import Invalid
from field_app.extensions import db
from field_app.masterdata.records import quiet
from field_app.models import PlannedVisit, Visit
from field_app.models.plan import DONE, PLANNED

#: a check-in this far from a planned start still belongs to it (earlier: the caregiver came early)
MATCH_WINDOW = timedelta(hours=3)


def _named(planned_visit_id: int, visit: Visit) -> PlannedVisit:
    pv = db.session.get(PlannedVisit, planned_visit_id)
    if pv is None or pv.client_id != visit.client_id or pv.agency_id != visit.agency_id:
        raise quiet(
            Invalid(
                "planned_visit_mismatch",
                "Planned visit {id} is not a visit of this client on this caregiver's schedule.",
                "planned_visit_id",
                id=planned_visit_id,
            )
        )
    return pv


def _nearest(visit: Visit, at: datetime) -> PlannedVisit | None:
    stmt = select(PlannedVisit).where(
        PlannedVisit.caregiver_id == visit.caregiver_id,
        PlannedVisit.client_id == visit.client_id,
        PlannedVisit.status == PLANNED,
        PlannedVisit.visit_id.is_(None),
        PlannedVisit.starts_at >= at - MATCH_WINDOW,
        PlannedVisit.starts_at <= at + MATCH_WINDOW,
    )
    return min(db.session.scalars(stmt), key=lambda pv: abs(pv.starts_at - at), default=None)


def link(visit: Visit, planned_visit_id: int | None, at: datetime) -> PlannedVisit | None:
    """Link a new visit to its planned visit and to the care plan version in force (for history)."""
    db.session.flush()  # the visit needs its id
    pv = _named(planned_visit_id, visit) if planned_visit_id is not None else _nearest(visit, at)
    if pv is not None and pv.visit_id is None:
        pv.visit_id, pv.status, pv.changed_at = visit.id, DONE, at
        visit.planned_visit_id = pv.id
        visit.care_plan_id = pv.care_plan_id
    if visit.care_plan_id is None and visit.client is not None:
        plan = visit.client.current_plan(at.date())
        visit.care_plan_id = plan.id if plan else None
    return pv
