"""Care plans (护理计划), versioned: a change is a new version effective from a day.

The previous version ends the day before (or is ``superseded`` when the new one starts on or before its
own start); visits keep the version they ran under (``visits.care_plan_id``), planned visits of the
replaced version from the new start on are cancelled and the schedule regenerates from the new one.
The monthly cap and the fund's share come from the scheme table by the client's care type and grade.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from field_app.errors import Invalid
from field_app.extensions import db
from field_app.masterdata import records as r
from field_app.masterdata.scheme import rate_for
from field_app.masterdata.shapes import CarePlanIn
from field_app.models import (
    Caregiver,
    CarePlan,
    CarePlanCaregiver,
    CarePlanLine,
    Client,
    PlannedVisit,
    ServiceItem,
)
from field_app.models.plan import CANCELLED, PLANNED, PRIMARY, SUBSTITUTE

SUPERSEDED, ENDED, ACTIVE = "superseded", "ended", "active"


def as_json(plan: CarePlan) -> dict:
    codes = {a.caregiver_id: a for a in plan.assignments}
    return {
        "id": plan.id,
        "client_id": plan.client_id,
        "insured_id": plan.client.insured_id,
        "plan_no": plan.plan_no,
        "version": plan.version,
        "status": plan.status,
        "effective_from": r.plain(plan.valid_from),
        "effective_until": r.plain(plan.valid_until),
        "items": [
            {"code": line.service_item.code, "per_week": line.per_week, "minutes": line.minutes}
            for line in plan.lines
        ],
        "visits_per_week": plan.visits_per_week,
        "visit_days": plan.visit_days or [],
        "visit_time": plan.visit_time,
        "visit_minutes": plan.visit_minutes,
        "caregivers": [{"caregiver_id": cid, "role": codes[cid].role} for cid in plan.caregiver_ids],
        "allow_overlap": plan.allow_overlap,
        "monthly_cap_yuan": float(plan.monthly_cap_yuan),
        "fund_share": float(plan.fund_share),
        "scheme_rate_id": plan.scheme_rate_id,
    }


def _content(plan: CarePlan) -> dict:
    """What makes two versions the same plan (for idempotent re-imports)."""
    roles = {a.caregiver_id: a.role for a in plan.assignments}
    return {
        "valid_until": plan.valid_until,
        "lines": sorted((line.service_item_id, line.per_week, line.minutes) for line in plan.lines),
        "visit_days": sorted(plan.visit_days or []),
        "visit_time": plan.visit_time,
        "visit_minutes": plan.visit_minutes,
        "caregivers": sorted(roles.items()),
        "allow_overlap": plan.allow_overlap,
    }


def _lines(data: CarePlanIn) -> list[CarePlanLine]:
    items = {
        i.code: i
        for i in db.session.scalars(
            select(ServiceItem).where(ServiceItem.code.in_([x.code for x in data.items]))
        )
    }
    lines = []
    for n, line in enumerate(data.items):
        item = items.get(line.code)
        if item is None:
            raise r.quiet(
                Invalid(
                    "unknown_service_item",
                    "No service item {key} in the catalogue.",
                    f"items[{n}].code",
                    key=line.code,
                )
            )
        lines.append(
            CarePlanLine(
                service_item=item,
                service_item_id=item.id,
                per_week=line.per_week,
                minutes=line.minutes or item.min_minutes,
            )
        )
    return lines


def _assignments(data: CarePlanIn, client: Client) -> list[CarePlanCaregiver]:
    out = []
    for code, role in [(data.primary_caregiver, PRIMARY), *((c, SUBSTITUTE) for c in data.substitutes)]:
        field = "primary_caregiver" if role == PRIMARY else "substitutes"
        caregiver = r.caregiver_by_code(code, field)
        if caregiver.agency_id != client.agency_id or caregiver.status != "active":
            raise r.quiet(
                Invalid(
                    "caregiver_not_eligible",
                    "Caregiver {key} is not an active caregiver of the client's agency.",
                    field,
                    key=code,
                )
            )
        out.append(CarePlanCaregiver(caregiver_id=caregiver.id, role=role))
    return out


def current(client_id: int, plan_no: str) -> CarePlan | None:
    stmt = (
        select(CarePlan)
        .where(CarePlan.client_id == client_id, CarePlan.plan_no == plan_no, CarePlan.status != SUPERSEDED)
        .order_by(CarePlan.version.desc())
    )
    return db.session.scalars(stmt).first()


def _new_version(data: CarePlanIn, client: Client, version: int, actor: r.Actor) -> CarePlan:
    if client.grade is None:
        raise r.quiet(
            Invalid(
                "client_without_grade",
                "Client {id} has no valid disability grade: no plan can be made.",
                "insured_id",
                id=client.insured_id,
            )
        )
    rate = rate_for(client.care_type, client.grade, data.effective_from)
    plan = CarePlan(
        client_id=client.id,
        plan_no=data.plan_no,
        version=version,
        status=ACTIVE,
        valid_from=data.effective_from,
        valid_until=data.effective_until,
        visits_per_week=len(data.visit_days),
        visit_days=sorted(data.visit_days),
        visit_time=data.visit_time,
        visit_minutes=data.visit_minutes,
        allow_overlap=data.allow_overlap,
        monthly_cap_yuan=rate.monthly_cap_yuan,
        fund_share=rate.fund_share,
        scheme_rate_id=rate.id,
        created_by=actor.name,
        created_at=actor.now,
    )
    plan.lines = _lines(data)
    plan.items = [line.service_item for line in plan.lines]
    plan.assignments = _assignments(data, client)
    return plan


def save(data: CarePlanIn, actor: r.Actor) -> tuple[CarePlan, str]:
    """The plan as sent becomes the current version, unless it already is (then nothing changes)."""
    client = r.client_by_insured_id(data.insured_id)
    prior = current(client.id, data.plan_no)
    plan = _new_version(data, client, (prior.version + 1) if prior else 1, actor)
    if prior is not None and prior.valid_from == plan.valid_from and _content(prior) == _content(plan):
        return prior, r.UNCHANGED
    if prior is not None:
        _close(prior, data.effective_from)
        _cancel_planned(prior, data.effective_from, actor, plan.version)
    db.session.add(plan)
    db.session.flush()
    after = as_json(plan)
    r.record_change(
        actor,
        "care_plan.create" if prior is None else "care_plan.new_version",
        "care_plan",
        f"{client.insured_id}/{plan.plan_no}",
        {
            "version": (prior.version if prior else None, plan.version),
            "plan": (as_json(prior) if prior else None, after),
        },
    )
    return plan, r.INSERTED if prior is None else r.UPDATED


def _close(prior: CarePlan, new_start) -> None:
    if new_start <= prior.valid_from:
        prior.status = SUPERSEDED
    else:
        prior.valid_until = min(prior.valid_until or new_start, new_start - timedelta(days=1))
        prior.status = ENDED


def _cancel_planned(prior: CarePlan, new_start, actor: r.Actor, version: int) -> None:
    db.session.execute(
        update(PlannedVisit)
        .where(
            PlannedVisit.care_plan_id == prior.id,
            PlannedVisit.status == PLANNED,
            PlannedVisit.visit_id.is_(None),
            PlannedVisit.slot_key.not_like("manual:%"),
            PlannedVisit.starts_at >= actor.now,
        )
        .values(status=CANCELLED, reason=f"care plan version {version}", changed_at=actor.now)
    )


def end(plan: CarePlan, actor: r.Actor, reason: str) -> CarePlan:
    """End a plan today (deactivate): later planned visits are cancelled; the plan stays for its visits."""
    changed = r.assign(plan, {"valid_until": actor.today, "status": ENDED})
    _cancel_planned(plan, actor.today, actor, plan.version)
    if changed:
        r.record_change(
            actor,
            "care_plan.end",
            "care_plan",
            f"{plan.client.insured_id}/{plan.plan_no}",
            changed | {"reason": (None, reason)},
        )
    db.session.flush()
    return plan


def as_input(plan: CarePlan) -> dict:
    """The version as a ``CarePlanIn`` (the base an update is merged onto)."""
    codes = {a.caregiver_id: a for a in plan.assignments}

    staff = {c.id: c.code for c in db.session.scalars(select(Caregiver).where(Caregiver.id.in_(list(codes))))}
    ordered = plan.caregiver_ids
    return {
        "insured_id": plan.client.insured_id,
        "plan_no": plan.plan_no,
        "effective_from": plan.valid_from,
        "effective_until": plan.valid_until,
        "items": [
            {"code": line.service_item.code, "per_week": line.per_week, "minutes": line.minutes}
            for line in plan.lines
        ],
        "visit_days": plan.visit_days or [],
        "visit_time": plan.visit_time or "09:00",
        "visit_minutes": plan.visit_minutes or 60,
        "primary_caregiver": staff[ordered[0]] if ordered else "",
        "substitutes": [staff[c] for c in ordered[1:]],
        "allow_overlap": plan.allow_overlap,
    }
