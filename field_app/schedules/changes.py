"""The agency changes its schedule: move a planned visit, add one, cancel one; always with a reason."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from field_app.errors import Conflict, Invalid
from field_app.extensions import db
from field_app.masterdata import records as r
from field_app.models import Caregiver, CarePlan, Client, PlannedVisit
from field_app.models.plan import CANCELLED, PLANNED


def _guard_open(pv: PlannedVisit) -> None:
    if pv.status != PLANNED or pv.visit_id is not None:
        raise r.quiet(
            Conflict(
                "planned_visit_closed",
                "This planned visit is {status}: only a waiting one can change.",
                None,
                status="done" if pv.visit_id else pv.status,
            )
        )


def _caregiver_for(plan: CarePlan, caregiver: Caregiver | None, fallback: int) -> int:
    if caregiver is None:
        return fallback
    if caregiver.id not in plan.caregiver_ids:
        raise r.quiet(
            Invalid(
                "caregiver_not_in_plan",
                "Caregiver {staff} is not assigned to this client's care plan (primary or substitute).",
                "caregiver_id",
                staff=caregiver.code,
            )
        )
    return caregiver.id


def _audit(actor: r.Actor, action: str, pv: PlannedVisit, before: dict, reason: str) -> None:
    after = {"starts_at": r.plain(pv.starts_at), "caregiver_id": pv.caregiver_id, "status": pv.status}
    changed = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
    r.record_change(actor, action, "planned_visit", pv.id, changed | {"reason": (None, reason)})


def _state(pv: PlannedVisit) -> dict:
    return {"starts_at": r.plain(pv.starts_at), "caregiver_id": pv.caregiver_id, "status": pv.status}


def move(
    pv: PlannedVisit, starts_at: datetime | None, caregiver: Caregiver | None, reason: str, actor: r.Actor
):
    """A new time and/or a substitute caregiver for one planned visit."""
    _guard_open(pv)
    before = _state(pv)
    length = pv.ends_at - pv.starts_at
    if starts_at is not None:
        pv.starts_at, pv.ends_at = starts_at, starts_at + length
    pv.caregiver_id = _caregiver_for(pv.care_plan, caregiver, pv.caregiver_id)
    pv.reason, pv.changed_at = reason, actor.now
    db.session.flush()
    _audit(actor, "planned_visit.move", pv, before, reason)
    return pv


def cancel(pv: PlannedVisit, reason: str, actor: r.Actor) -> PlannedVisit:
    _guard_open(pv)
    before = _state(pv)
    pv.status, pv.reason, pv.changed_at = CANCELLED, reason, actor.now
    db.session.flush()
    _audit(actor, "planned_visit.cancel", pv, before, reason)
    return pv


def add(
    client: Client,
    starts_at: datetime,
    minutes: int,
    caregiver: Caregiver | None,
    reason: str,
    actor: r.Actor,
):
    """An extra visit (a make-up for a missed one, a one-off need), under the client's current plan."""
    plan = client.current_plan(starts_at.date())
    if plan is None or not plan.caregiver_ids:
        raise r.quiet(
            Invalid(
                "no_care_plan",
                "Client {insured} has no care plan in force that day.",
                "client_id",
                insured=client.insured_id,
            )
        )
    pv = PlannedVisit(
        slot_key=f"manual:{secrets.token_hex(6)}",
        client_id=client.id,
        caregiver_id=_caregiver_for(plan, caregiver, plan.caregiver_ids[0]),
        agency_id=client.agency_id,
        care_plan_id=plan.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=PLANNED,
        source="agency",
        reason=reason,
        created_at=actor.now,
        changed_at=actor.now,
    )
    db.session.add(pv)
    db.session.flush()
    _audit(actor, "planned_visit.add", pv, {}, reason)
    return pv
