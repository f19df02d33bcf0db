"""Which visits a scan looks at: what changed since the watermark, what late registry data touches,
or a date range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import CertificateRecord, DeathRecord, GradeChange, HospitalStay, PlannedVisit, Visit

#: registry rows may describe events long past; visits this far back are re-checked
REGISTRY_LOOKBACK = timedelta(days=120)


def changed_visit_ids(since: datetime, until: datetime) -> set[int]:
    """Visits with a new attempt, point, item or state change in (since, until]."""
    stmt = select(Visit.id).where(Visit.changed_at > since, Visit.changed_at <= until)
    return set(db.session.scalars(stmt))


def _client_visits(client_first_day: dict[int, datetime], floor: datetime) -> set[int]:
    ids: set[int] = set()
    for client_id, first in client_first_day.items():
        start = max(first, floor)
        ids.update(
            db.session.scalars(
                select(Visit.id).where(Visit.client_id == client_id, Visit.check_in_at >= start)
            )
        )
    return ids


def _as_start(day) -> datetime:
    """A day boundary with a day of slack either side of any time zone."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=1)


def registry_visit_ids(since: datetime, until: datetime, now: datetime) -> set[int]:
    """Visits touched by registry rows imported in (since, until]: late data re-checks old visits."""
    floor = now - REGISTRY_LOOKBACK
    window = lambda model: (model.imported_at > since, model.imported_at <= until)  # noqa: E731
    first: dict[int, datetime] = {}
    for model, day in (
        (HospitalStay, HospitalStay.admitted_on),
        (DeathRecord, DeathRecord.died_on),
        (GradeChange, GradeChange.effective_on),
    ):
        for client_id, earliest in db.session.execute(
            select(model.client_id, func.min(day)).where(*window(model)).group_by(model.client_id)
        ):
            start = _as_start(earliest)
            first[client_id] = min(first.get(client_id, start), start)
    ids = _client_visits(first, floor)
    caregivers = set(
        db.session.scalars(select(CertificateRecord.caregiver_id).where(*window(CertificateRecord)))
    )
    if caregivers:
        ids.update(
            db.session.scalars(
                select(Visit.id).where(Visit.caregiver_id.in_(caregivers), Visit.check_in_at >= floor)
            )
        )
    return ids


def range_visit_ids(since: datetime, until: datetime) -> set[int]:
    """Visits checked in within [since, until)."""
    return set(
        db.session.scalars(select(Visit.id).where(Visit.check_in_at >= since, Visit.check_in_at < until))
    )


def ordered_targets(ids: set[int]) -> list[tuple[int, int]]:
    """(caregiver_id, visit_id) pairs in a stable order, so a killed scan can resume after a cursor."""
    out: list[tuple[int, int]] = []
    id_list = sorted(ids)
    for start in range(0, len(id_list), 900):
        chunk = id_list[start : start + 900]
        out.extend(
            db.session.execute(select(Visit.caregiver_id, Visit.id).where(Visit.id.in_(chunk))).tuples()
        )
    return sorted(out)


def open_visit_ids(opened_before: datetime) -> set[int]:
    """Visits still open that were checked in before ``opened_before`` (never checked out?)."""
    stmt = select(Visit.id).where(Visit.state == "open", Visit.check_in_at < opened_before)
    return set(db.session.scalars(stmt))


#: a planned visit is due for the missed-visit rule once its start is this far past (S01's default grace;
#: a larger configured grace is still honoured by the rule, which re-checks the time itself)
PLANNED_LOOKBACK = timedelta(days=2)


def planned_days_due(since: datetime | None, until: datetime, now: datetime, tz: str) -> set:
    """Local days of waiting planned visits that started in the scanned window (or, for the incremental
    scan, in the last two days): no check-in means no changed visit, so these days are added explicitly."""
    from field_app.rules.support import local_day

    start = min(since, now - PLANNED_LOOKBACK) if since else now - PLANNED_LOOKBACK
    stmt = select(PlannedVisit.starts_at).where(
        PlannedVisit.status == "planned",
        PlannedVisit.visit_id.is_(None),
        PlannedVisit.starts_at >= start,
        PlannedVisit.starts_at <= min(until, now),
    )
    return {local_day(at, tz) for at in db.session.scalars(stmt)}
