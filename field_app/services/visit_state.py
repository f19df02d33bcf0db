"""Keep a visit's derived fields (duration result, verification status) in step with its records."""

from __future__ import annotations

from sqlalchemy import select

from field_app.extensions import db
from field_app.models import ServiceItem, Visit
from field_app.models.visit import CHECK_IN, CHECK_OUT, CLOSED
from field_app.timeutil import now_utc
from field_app.verification.duration import check_duration
from field_app.verification.status import EndOutcome, visit_status


def item_minimum_minutes(visit: Visit) -> list[int]:
    """Catalogue minimum minutes of each performed item of the visit."""
    codes = [item.service_code for item in visit.items]
    if not codes:
        return []
    minutes = dict(
        db.session.execute(
            select(ServiceItem.code, ServiceItem.min_minutes).where(ServiceItem.code.in_(codes))
        ).all()
    )
    return [minutes.get(code, 0) for code in codes]


def refresh(visit: Visit, max_minutes: int) -> None:
    """Recompute the duration check and the verification status; mark the visit changed."""
    if visit.state == CLOSED:
        result = check_duration(
            visit.check_in_at, visit.check_out_at, item_minimum_minutes(visit), max_minutes
        )
        visit.duration_status, visit.required_minutes = result.status, result.required_minutes
    ins, outs = visit.attempts_of(CHECK_IN), visit.attempts_of(CHECK_OUT)
    check_in = EndOutcome(ins[-1].face_status, ins[-1].geofence_status)
    check_out = EndOutcome(outs[-1].face_status, outs[-1].geofence_status) if visit.state == CLOSED else None
    visit.verification_status = visit_status(check_in, check_out, visit.duration_status)
    visit.changed_at = now_utc()
