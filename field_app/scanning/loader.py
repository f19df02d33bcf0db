"""Load rule facts from the database in bulk (core selects, not ORM objects: millions of points)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select

from field_app.evidence.media import loading as clip_facts
from field_app.extensions import db
from field_app.models import (
    Caregiver,
    CarePlan,
    CertificateRecord,
    Client,
    DeathRecord,
    EnrolmentChange,
    FaceEnrolment,
    GradeChange,
    HospitalStay,
    PerformedItem,
    PlannedVisit,
    ServiceItem,
    TrailPoint,
    Visit,
    VisitAttempt,
    VisitFeedback,
    care_plan_items,
)
from field_app.rules import facts as f
from field_app.scanning.presence_facts import presence_by_visit

CHUNK = 900  # stay under SQLite's bound-parameter limit in IN (...) lists


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _rows(stmt_for, ids: Iterable[int]):
    """Run ``stmt_for(chunk)`` over the ids in chunks and yield every row."""
    for chunk in _chunks(sorted(set(ids))):
        yield from db.session.execute(stmt_for(chunk))


def _attempt(r) -> f.Attempt:
    encoding = None if r.face_encoding is None else tuple(r.face_encoding.tolist())
    return f.Attempt(
        id=r.id,
        visit_id=r.visit_id,
        kind=r.kind,
        caregiver_id=r.caregiver_id,
        device_id=r.device_id,
        fix=f.Fix(r.lat_wgs84, r.lng_wgs84, r.accuracy_m, r.fix_time, r.mock),
        received_at=r.received_at,
        device_time=r.device_time,
        face_status=r.face_status,
        face_distance=r.face_distance,
        face_threshold=r.face_threshold,
        face_encoding=encoding,
        image_hash=r.image_hash,
        geofence_status=r.geofence_status,
        distance_m=r.distance_m,
    )


def attempts_by_visit(visit_ids: Iterable[int]) -> dict[int, list[f.Attempt]]:
    out: dict[int, list[f.Attempt]] = defaultdict(list)
    cols = VisitAttempt.__table__.c
    for r in _rows(lambda c: select(cols).where(cols.visit_id.in_(c)).order_by(cols.id), visit_ids):
        out[r.visit_id].append(_attempt(r))
    return out


def points_by_visit(visit_ids: Iterable[int]) -> dict[int, list[f.TrailPoint]]:
    out: dict[int, list[f.TrailPoint]] = defaultdict(list)
    t = TrailPoint
    cols = (
        t.visit_id,
        t.lat_wgs84,
        t.lng_wgs84,
        t.accuracy_m,
        t.fix_time,
        t.mock,
        t.altitude_m,
        t.speed_mps,
        t.bearing_deg,
        t.geofence_status,
        t.distance_m,
    )
    stmt = lambda c: select(*cols).where(t.visit_id.in_(c)).order_by(t.visit_id, t.fix_time)  # noqa: E731
    for r in _rows(stmt, visit_ids):
        fix = f.Fix(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])
        out[r[0]].append(f.TrailPoint(fix, r[9], r[10]))
    return out


def items_by_visit(visit_ids: Iterable[int]) -> dict[int, list[f.PerformedItem]]:
    out: dict[int, list[f.PerformedItem]] = defaultdict(list)
    p = PerformedItem
    stmt = lambda c: select(p.visit_id, p.service_code, p.started_at, p.ended_at).where(p.visit_id.in_(c))  # noqa: E731
    for r in _rows(stmt, visit_ids):
        out[r[0]].append(f.PerformedItem(r[1], r[2], r[3]))
    return out


def confirmations_by_visit(visit_ids: Iterable[int]) -> dict[int, bool]:
    """The client's or family's answer per visit (参保人确认), for visits that have one."""
    fb = VisitFeedback
    return dict(_rows(lambda c: select(fb.visit_id, fb.confirmed).where(fb.visit_id.in_(c)), visit_ids))


def load_visits(visit_ids: Iterable[int], with_points: bool) -> list[f.Visit]:
    """Visits with attempts and items, and trail points when asked; sorted by check-in time."""
    ids = sorted(set(visit_ids))
    v = Visit
    heads = list(
        _rows(
            lambda c: select(
                v.id,
                v.uuid,
                v.caregiver_id,
                v.client_id,
                v.agency_id,
                v.check_in_at,
                v.check_out_at,
                v.planned_visit_id,
            ).where(v.id.in_(c)),
            ids,
        )
    )
    attempts, items, confirmed = attempts_by_visit(ids), items_by_visit(ids), confirmations_by_visit(ids)
    points = points_by_visit(ids) if with_points else {}
    clips, missed = clip_facts.clips_by_visit(ids), clip_facts.missed_requests_by_visit(ids)
    presence = presence_by_visit(ids, _rows)
    visits = [
        f.Visit(
            id=h.id,
            uuid=h.uuid,
            caregiver_id=h.caregiver_id,
            client_id=h.client_id,
            agency_id=h.agency_id,
            check_in_at=h.check_in_at,
            check_out_at=h.check_out_at,
            attempts=tuple(attempts.get(h.id, ())),
            points=tuple(points.get(h.id, ())),
            items=tuple(items.get(h.id, ())),
            family_confirmed=confirmed.get(h.id),
            clips=tuple(clips.get(h.id, ())),
            missed_clip_requests=tuple(missed.get(h.id, ())),
            planned_visit_id=h.planned_visit_id,
            **presence.get(h.id, {}),
        )
        for h in heads
    ]
    return sorted(visits, key=lambda x: (x.check_in_at, x.id))


def load_catalogue() -> dict[str, f.ServiceItem]:
    return {
        s.code: f.ServiceItem(s.code, s.group, s.min_minutes, s.needs_nurse, float(s.unit_price_yuan))
        for s in db.session.scalars(select(ServiceItem))
    }


def _plans(client_ids: list[int], on: date) -> dict[int, f.CarePlan]:
    """The care plan in force on ``on`` for each client (the latest one starting before it)."""
    plans: dict[int, CarePlan] = {}
    for plan in db.session.scalars(
        select(CarePlan).where(CarePlan.client_id.in_(client_ids)).order_by(CarePlan.valid_from)
    ):
        in_force = plan.valid_from <= on and (plan.valid_until is None or on <= plan.valid_until)
        if in_force and plan.status != "superseded":
            plans[plan.client_id] = plan
    codes: dict[int, set[str]] = defaultdict(set)
    link = care_plan_items.c
    rows = db.session.execute(
        select(link.care_plan_id, ServiceItem.code)
        .join(ServiceItem, ServiceItem.id == link.service_item_id)
        .where(link.care_plan_id.in_([p.id for p in plans.values()]))
    )
    for plan_id, code in rows:
        codes[plan_id].add(code)
    return {
        cid: f.CarePlan(
            frozenset(codes[p.id]),
            p.visits_per_week,
            float(p.monthly_cap_yuan),
            float(p.fund_share),
            caregiver_ids=frozenset(p.caregiver_ids),
            scheduled=bool(p.visit_days),
            allow_overlap=p.allow_overlap,
        )
        for cid, p in plans.items()
    }


def _lapsed_on(changes: list[GradeChange]) -> date | None:
    """The day the grade lapsed, if the latest decision is a lapse."""
    latest = max(changes, key=lambda g: g.effective_on, default=None)
    return latest.effective_on if latest is not None and latest.grade is None else None


def load_clients(client_ids: Iterable[int], on: date) -> dict[int, f.Client]:
    """Clients with their care plan on ``on`` and what the registries say of them."""
    out: dict[int, f.Client] = {}
    for chunk in _chunks(sorted(set(client_ids))):
        plans = _plans(chunk, on)
        stays, deaths, grades = defaultdict(list), {}, defaultdict(list)
        for s in db.session.scalars(select(HospitalStay).where(HospitalStay.client_id.in_(chunk))):
            stays[s.client_id].append(f.Period(s.admitted_on, s.discharged_on))
        for d in db.session.scalars(select(DeathRecord).where(DeathRecord.client_id.in_(chunk))):
            deaths[d.client_id] = d.died_on
        for g in db.session.scalars(select(GradeChange).where(GradeChange.client_id.in_(chunk))):
            grades[g.client_id].append(g)
        for c in db.session.scalars(select(Client).where(Client.id.in_(chunk))):
            polygon = tuple(tuple(p) for p in c.fence_polygon_wgs84) if c.fence_polygon_wgs84 else None
            out[c.id] = f.Client(
                id=c.id,
                agency_id=c.agency_id,
                grade=c.grade or "lapsed",
                care_plan=plans.get(c.id),
                home=f.Home(c.home_lat_wgs84, c.home_lng_wgs84, c.fence_radius_m, polygon),
                address_key=c.address_key,
                trail_consent=c.trail_consent,
                hospital_stays=tuple(stays[c.id]),
                death_date=deaths.get(c.id),
                grade_lapsed_on=_lapsed_on(grades[c.id]),
            )
    return out


def _certificates(caregiver: Caregiver, records: list[CertificateRecord]) -> tuple[f.Period, ...]:
    """Registry certificates when the registry knows the caregiver, else the one the agency registered."""
    if records:
        periods = []
        for r in records:
            end = r.valid_until
            if r.revoked_on is not None and (end is None or r.revoked_on <= end):
                end = date.fromordinal(r.revoked_on.toordinal() - 1)
            periods.append(f.Period(r.valid_from, end))
        return tuple(periods)
    if caregiver.certificate_no:
        return (
            f.Period(caregiver.certificate_valid_from or date(1970, 1, 1), caregiver.certificate_expires_on),
        )
    return ()


def load_caregivers(caregiver_ids: Iterable[int]) -> dict[int, f.Caregiver]:
    out: dict[int, f.Caregiver] = {}
    for chunk in _chunks(sorted(set(caregiver_ids))):
        records = defaultdict(list)
        for r in db.session.scalars(
            select(CertificateRecord).where(CertificateRecord.caregiver_id.in_(chunk))
        ):
            records[r.caregiver_id].append(r)
        for c in db.session.scalars(select(Caregiver).where(Caregiver.id.in_(chunk))):
            out[c.id] = f.Caregiver(
                c.id, c.agency_id, c.is_nurse, _certificates(c, records[c.id]), c.address_key
            )
    return out


def load_enrolments(agency_ids: Iterable[int]) -> dict[int, tuple[tuple[float, ...], ...]]:
    """Enrolled encodings of every caregiver of these agencies (the substitution rule's 1:N search)."""
    out: dict[int, list] = defaultdict(list)
    stmt = (
        select(FaceEnrolment.caregiver_id, FaceEnrolment.encoding)
        .join(Caregiver, Caregiver.id == FaceEnrolment.caregiver_id)
        .where(Caregiver.agency_id.in_(sorted(set(agency_ids))))
    )
    for caregiver_id, encoding in db.session.execute(stmt):
        out[caregiver_id].append(tuple(encoding.tolist()))
    return {k: tuple(v) for k, v in out.items()}


def load_enrolment_changes(caregiver_ids: Iterable[int]) -> dict[int, tuple[f.EnrolmentChange, ...]]:
    """Applied gallery changes of these caregivers that were measured against past selfies."""
    out: dict[int, list] = defaultdict(list)
    stmt = select(EnrolmentChange).where(
        EnrolmentChange.caregiver_id.in_(sorted(set(caregiver_ids))),
        EnrolmentChange.status == "applied",
        EnrolmentChange.past_selfies > 0,
    )
    for c in db.session.scalars(stmt):
        out[c.caregiver_id].append(
            f.EnrolmentChange(
                c.id,
                c.caregiver_id,
                c.decided_at or c.requested_at,
                c.past_selfies,
                c.past_distance,
                c.requested_by,
                c.decided_by,
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def load_prior_attempts(
    caregiver_ids: Iterable[int], client_ids: Iterable[int], since: datetime, until: datetime
) -> tuple[f.Attempt, ...]:
    """Attempts with a selfie in [since, until) by these caregivers or at these clients' visits.

    The re-used selfie rule compares against these: the same caregiver's earlier selfies and those taken
    at the same homes. A province-wide near-duplicate search needs a vector index (see README).
    """
    a, v = VisitAttempt.__table__.c, Visit.__table__.c
    found: dict[int, f.Attempt] = {}
    for key, ids in ((a.caregiver_id, caregiver_ids), (v.client_id, client_ids)):
        stmt_for = lambda c, key=key: (  # noqa: E731
            select(a)
            .join(Visit.__table__, v.id == a.visit_id)
            .where(key.in_(c), a.fix_time >= since, a.fix_time < until, a.face_encoding.is_not(None))
        )
        for r in _rows(stmt_for, ids):
            found[r.id] = _attempt(r)
    return tuple(sorted(found.values(), key=lambda x: x.id))


def _planned(r) -> f.PlannedVisit:
    return f.PlannedVisit(
        r.id, r.client_id, r.caregiver_id, r.agency_id, r.starts_at, r.ends_at, r.status, r.visit_id
    )


def load_planned(ids: Iterable[int]) -> dict[int, f.PlannedVisit]:
    """Planned visits by id (those the scanned visits fulfil)."""
    cols = PlannedVisit.__table__.c
    return {r.id: _planned(r) for r in _rows(lambda c: select(cols).where(cols.id.in_(c)), ids)}


def load_planned_between(start: datetime, end: datetime) -> dict[int, f.PlannedVisit]:
    """Every planned visit starting in [start, end): the missed-visit rule's subjects."""
    cols = PlannedVisit.__table__.c
    rows = db.session.execute(select(cols).where(cols.starts_at >= start, cols.starts_at < end))
    return {r.id: _planned(r) for r in rows}
