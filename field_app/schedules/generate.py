"""Planned visits for the next days, from every care plan version in force: one per plan and visit day.

Idempotent: a slot (plan number, version, day) is generated once per client, so running the job twice,
or every night for the next N days, adds only what is missing; visits the agency moved or cancelled
stay as the agency left them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from field_app.extensions import db
from field_app.models import CarePlan, Client, PlannedVisit
from field_app.models.plan import PLANNED

SUPERSEDED = "superseded"


@dataclass
class Generated:
    days: int
    created: int
    existing: int


def slot_key(plan: CarePlan, day: date) -> str:
    return f"{plan.plan_no}v{plan.version}:{day.isoformat()}"


def local_start(day: date, hhmm: str, tz: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


def _plans(first: date, last: date, agency_ids: set[int] | None):
    stmt = (
        select(CarePlan)
        .join(Client, Client.id == CarePlan.client_id)
        .where(
            CarePlan.status != SUPERSEDED,
            CarePlan.visit_days.is_not(None),
            CarePlan.valid_from <= last,
            or_(CarePlan.valid_until.is_(None), CarePlan.valid_until >= first),
            Client.status == "active",
        )
    )
    if agency_ids is not None:
        stmt = stmt.where(Client.agency_id.in_(agency_ids))
    return db.session.scalars(stmt).all()


def _existing(client_ids: list[int], first: datetime) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for n in range(0, len(client_ids), 900):
        stmt = select(PlannedVisit.client_id, PlannedVisit.slot_key).where(
            PlannedVisit.client_id.in_(client_ids[n : n + 900]),
            PlannedVisit.starts_at >= first - timedelta(days=1),
        )
        found.update(db.session.execute(stmt).tuples())
    return found


def generate(first: date, days: int, tz: str, now: datetime, agency_ids: set[int] | None = None) -> Generated:
    """Planned visits for ``days`` local days from ``first`` (agencies in ``agency_ids``, or all)."""
    last = first + timedelta(days=days - 1)
    plans = _plans(first, last, agency_ids)
    existing = _existing(sorted({p.client_id for p in plans}), local_start(first, "00:00", tz))
    created = seen = 0
    for plan in plans:
        primary = plan.caregiver_ids[:1]
        if not primary:
            continue
        for offset in range(days):
            day = first + timedelta(days=offset)
            if day.isoweekday() not in plan.visit_days or not _in_force(plan, day):
                continue
            key = slot_key(plan, day)
            if (plan.client_id, key) in existing:
                seen += 1
                continue
            starts = local_start(day, plan.visit_time, tz)
            db.session.add(
                PlannedVisit(
                    slot_key=key,
                    client_id=plan.client_id,
                    caregiver_id=primary[0],
                    agency_id=plan.client.agency_id,
                    care_plan_id=plan.id,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=plan.visit_minutes or 60),
                    status=PLANNED,
                    source="plan",
                    created_at=now,
                    changed_at=now,
                )
            )
            existing.add((plan.client_id, key))
            created += 1
    db.session.flush()
    return Generated(days, created, seen)


def _in_force(plan: CarePlan, day: date) -> bool:
    return plan.valid_from <= day and (plan.valid_until is None or day <= plan.valid_until)
