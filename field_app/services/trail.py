"""Trail points and performed care items: late, out of order and re-sent uploads from offline phones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from field_app.domain.shapes import ItemsIn, TrailBatchIn
from field_app.errors import Conflict, Invalid
from field_app.extensions import db
from field_app.models import Caregiver, PerformedItem, ServiceItem, TrailPoint, Visit
from field_app.models.visit import CLOSED
from field_app.services import visit_state
from field_app.services.checks import client_fence
from field_app.services.upserts import insert_ignoring_duplicates
from field_app.timeutil import local_date
from field_app.verification.datum import to_wgs84
from field_app.verification.geofence import check_fixes


@dataclass(frozen=True)
class UploadResult:
    received: int
    stored: int  #: new rows
    duplicates: int  #: already stored, skipped
    discarded: int = 0  #: dropped on purpose (no trail consent)


def _guard_upload_window(visit: Visit, now: datetime, grace_hours: float) -> None:
    if visit.state == CLOSED and now > visit.check_out_at + timedelta(hours=grace_hours):
        raise Conflict(
            "visit_closed",
            f"The visit was checked out more than {grace_hours:g} hours ago; late uploads are closed.",
        )


def _guard_in_visit(
    visit: Visit, times: list[tuple[datetime | None, str]], now: datetime, slack: timedelta
) -> None:
    """Points and items belong to the visit: from ``slack`` before its check-in to ``slack`` after its
    check-out (an open visit: after now). A point from 29 days earlier is another day, not this visit."""
    earliest = visit.check_in_at - slack
    latest = (visit.check_out_at or now) + slack
    for at, field in times:
        if at is not None and not earliest <= at <= latest:
            raise Invalid(
                "outside_visit_window",
                "The time lies outside the visit: check-in to check-out, with the configured slack either side.",
                field,
            )


def add_trail(
    visit: Visit,
    batch: TrailBatchIn,
    now: datetime,
    grace_hours: float,
    accuracy_factor: float,
    rescan_open_after: timedelta,
    slack: timedelta = timedelta(minutes=60),
) -> UploadResult:
    """Store new trail points with their geofence status; points already stored are skipped.

    New points mark the visit changed, so that the incremental scan judges its trail again, but an
    open visit at most once per ``rescan_open_after``: a phone sends a batch every few minutes, and
    re-reading a whole trail for every batch would cost the scanner more than the ingest itself.
    Its check-out marks it changed anyway, so a closed visit is always judged on its whole trail.
    """
    _guard_upload_window(visit, now, grace_hours)
    _guard_in_visit(visit, [(p.time, f"points[{n}].time") for n, p in enumerate(batch.points)], now, slack)
    received = len(batch.points)
    if not visit.client.trail_consent:
        # Without the client's consent only check-in/out fixes are kept (PIPL); the rules say so.
        return UploadResult(received, 0, 0, discarded=received)
    unique = {p.time: p for p in batch.points}  # a fix time occurs once per visit
    points = list(unique.values())
    coords = [to_wgs84(p.lat, p.lng, p.datum) for p in points]
    fences = check_fixes(
        client_fence(visit.client),
        [c[0] for c in coords],
        [c[1] for c in coords],
        [p.accuracy_m for p in points],
        accuracy_factor,
    )
    rows = [
        dict(
            visit_id=visit.id,
            fix_time=p.time,
            lat=p.lat,
            lng=p.lng,
            datum=p.datum,
            lat_wgs84=lat,
            lng_wgs84=lng,
            accuracy_m=p.accuracy_m,
            mock=p.mock,
            altitude_m=p.altitude_m,
            speed_mps=p.speed_mps,
            bearing_deg=p.bearing_deg,
            geofence_status=f.status,
            distance_m=round(f.distance_m, 1),
            received_at=now,
        )
        for p, (lat, lng), f in zip(points, coords, fences, strict=True)
    ]
    stored = insert_ignoring_duplicates(TrailPoint, rows, ["visit_id", "fix_time"])
    if stored and (
        visit.state == CLOSED or visit.changed_at is None or now - visit.changed_at >= rescan_open_after
    ):
        visit.changed_at = now
    return UploadResult(received, stored, received - stored)


def add_items(
    visit: Visit,
    body: ItemsIn,
    now: datetime,
    grace_hours: float,
    max_minutes: int,
    tz: str,
    slack: timedelta = timedelta(minutes=60),
) -> UploadResult:
    """Store performed items, marking those outside the care plan or needing a nurse the caregiver is not."""
    _guard_upload_window(visit, now, grace_hours)
    times = [(i.started_at, f"items[{n}].started_at") for n, i in enumerate(body.items)]
    times += [(i.ended_at, f"items[{n}].ended_at") for n, i in enumerate(body.items)]
    _guard_in_visit(visit, times, now, slack)
    codes = {i.code for i in body.items}
    catalogue = {
        s.code: s for s in db.session.scalars(select(ServiceItem).where(ServiceItem.code.in_(codes)))
    }
    for n, item in enumerate(body.items):
        if item.code not in catalogue:
            raise Invalid(
                "unknown_service_item",
                f"{item.code} is not in the service catalogue.",
                f"items[{n}].code",
            )
    plan = visit.client.current_plan(local_date(visit.check_in_at, tz))
    authorised = {s.code for s in plan.items} if plan else set()
    caregiver = db.session.get(Caregiver, visit.caregiver_id)
    rows = [
        dict(
            visit_id=visit.id,
            service_code=i.code,
            started_at=i.started_at,
            ended_at=i.ended_at,
            in_care_plan=i.code in authorised,
            nurse_required=catalogue[i.code].needs_nurse and not caregiver.is_nurse,
            received_at=now,
        )
        for i in {(i.code, i.started_at): i for i in body.items}.values()
    ]
    stored = insert_ignoring_duplicates(PerformedItem, rows, ["visit_id", "service_code", "started_at"])
    if stored:
        db.session.expire(visit, ["items"])
        visit_state.refresh(visit, max_minutes)
    return UploadResult(len(body.items), stored, len(body.items) - stored)
