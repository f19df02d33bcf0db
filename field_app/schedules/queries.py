"""What the phone and the agency read of the schedule: a caregiver's day, their clients, planned visits."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from field_app.extensions import db
from field_app.models import CarePlan, CarePlanCaregiver, Client, PlannedVisit, Visit
from field_app.models.visit import OPEN
from field_app.schedules.generate import local_start
from field_app.timeutil import isoformat
from field_app.verification.datum import GCJ02, from_wgs84


def home_json(client: Client) -> dict:
    """The home in both datums: GCJ-02 for the map SDKs (AMap, Tencent), WGS-84 as phones measure."""
    glat, glng = from_wgs84(client.home_lat_wgs84, client.home_lng_wgs84, GCJ02)
    return {
        "gcj02": {"lat": round(glat, 7), "lng": round(glng, 7)},
        "wgs84": {"lat": round(client.home_lat_wgs84, 7), "lng": round(client.home_lng_wgs84, 7)},
        "fence_radius_m": client.fence_radius_m,
        "has_polygon": bool(client.fence_polygon_wgs84),
    }


def client_json(client: Client) -> dict:
    return {
        "client_id": client.id,
        "insured_id": client.insured_id,
        "name": client.name,
        "address": client.address,
        "home": home_json(client),
        "trail_consent": client.trail_consent,
    }


def items_json(plan: CarePlan | None) -> list[dict]:
    if plan is None:
        return []
    return [
        {
            "code": line.service_item.code,
            "name_zh": line.service_item.name_zh,
            "name_en": line.service_item.name_en,
            "minutes": line.minutes,
            "per_week": line.per_week,
        }
        for line in plan.lines
    ]


def _visit_json(visit: Visit | None) -> dict | None:
    if visit is None:
        return None
    return {
        "visit_id": visit.uuid,
        "client_id": visit.client_id,
        "state": visit.state,
        "verification_status": visit.verification_status,
        "check_in_at": isoformat(visit.check_in_at),
        "check_out_at": isoformat(visit.check_out_at),
    }


def planned_json(pv: PlannedVisit, visits: dict[int, Visit]) -> dict:
    return {
        "planned_visit_id": pv.id,
        "starts_at": isoformat(pv.starts_at),
        "ends_at": isoformat(pv.ends_at),
        "status": pv.status,
        "source": pv.source,
        "reason": pv.reason,
        "care_plan_id": pv.care_plan_id,
        "client": client_json(pv.client),
        "items": items_json(pv.care_plan),
        "visit": _visit_json(visits.get(pv.visit_id)) if pv.visit_id else None,
    }


def visits_by_id(ids) -> dict[int, Visit]:
    ids = [i for i in ids if i]
    return {v.id: v for v in db.session.scalars(select(Visit).where(Visit.id.in_(ids)))} if ids else {}


def caregiver_day(caregiver_id: int, day: date, tz: str) -> dict:
    """The caregiver's planned visits of a local day (cancelled ones too, marked) and their open visit."""
    start = local_start(day, "00:00", tz)
    stmt = (
        select(PlannedVisit)
        .where(
            PlannedVisit.caregiver_id == caregiver_id,
            PlannedVisit.starts_at >= start,
            PlannedVisit.starts_at < start + timedelta(days=1),
        )
        .order_by(PlannedVisit.starts_at, PlannedVisit.id)
    )
    planned = list(db.session.scalars(stmt))
    visits = visits_by_id(pv.visit_id for pv in planned)
    open_visit = db.session.scalars(
        select(Visit)
        .where(Visit.caregiver_id == caregiver_id, Visit.state == OPEN)
        .order_by(Visit.check_in_at.desc())
    ).first()
    return {
        "date": day.isoformat(),
        "caregiver_id": caregiver_id,
        "planned_visits": [planned_json(pv, visits) for pv in planned],
        "open_visit": _visit_json(open_visit),
    }


def caregiver_clients(caregiver_id: int, day: date) -> list[dict]:
    """Clients whose care plan in force on ``day`` assigns the caregiver (primary or substitute)."""
    stmt = (
        select(CarePlan, CarePlanCaregiver.role)
        .join(CarePlanCaregiver, CarePlanCaregiver.care_plan_id == CarePlan.id)
        .where(
            CarePlanCaregiver.caregiver_id == caregiver_id,
            CarePlan.status != "superseded",
            CarePlan.valid_from <= day,
            or_(CarePlan.valid_until.is_(None), CarePlan.valid_until >= day),
        )
    )
    out = []
    for plan, role in db.session.execute(stmt).tuples():
        if plan.client.status in ("left", "deceased"):
            continue
        out.append(
            {**client_json(plan.client), "role": role, "care_plan_id": plan.id, "items": items_json(plan)}
        )
    return sorted(out, key=lambda c: c["name"])


def planned_visits(
    start: datetime, end: datetime, agency_ids: set[int] | None, **filters
) -> list[PlannedVisit]:
    stmt = select(PlannedVisit).where(PlannedVisit.starts_at >= start, PlannedVisit.starts_at < end)
    if agency_ids is not None:
        stmt = stmt.where(PlannedVisit.agency_id.in_(agency_ids))
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(PlannedVisit, name) == value)
    return list(db.session.scalars(stmt.order_by(PlannedVisit.starts_at, PlannedVisit.id).limit(5000)))
