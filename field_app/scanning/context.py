"""Build what the rules see for one chunk of target visits: the visits, their neighbours, the context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from field_app.extensions import db
from field_app.models import Visit
from field_app.rules.facts import RuleContext
from field_app.rules.facts import Visit as VisitFacts
from field_app.scanning import loader


@dataclass
class ChunkFacts:
    targets: list[VisitFacts]  #: with trail points: the visit-scope rules' subjects
    caregiver_window: list[VisitFacts]  #: the targets' caregivers' visits around the targets' days
    client_window: list[VisitFacts]  #: the targets' clients' visits in the targets' months
    ctx: RuleContext

    @property
    def points(self) -> int:
        return sum(len(v.points) for v in self.targets)


def day_bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants of the start of ``first`` and the end of ``last`` on the local clock."""
    zone = ZoneInfo(tz)
    return (
        datetime.combine(first, time.min, zone),
        datetime.combine(last + timedelta(days=1), time.min, zone),
    )


def local_days(visits: list[VisitFacts], tz: str) -> set[date]:
    zone = ZoneInfo(tz)
    return {v.check_in_at.astimezone(zone).date() for v in visits}


def _ids_where(column, keys: set[int], start: datetime, end: datetime) -> set[int]:
    ids: set[int] = set()
    keys_list = sorted(keys)
    for n in range(0, len(keys_list), 900):
        stmt = select(Visit.id).where(
            column.in_(keys_list[n : n + 900]), Visit.check_in_at >= start, Visit.check_in_at < end
        )
        ids.update(db.session.scalars(stmt))
    return ids


def _reuse(loaded: dict[int, VisitFacts], ids: set[int]) -> list[VisitFacts]:
    """Visits by id, taking already loaded ones (with points) and loading the rest without points."""
    missing = ids - loaded.keys()
    extra = {v.id: v for v in loader.load_visits(missing, with_points=False)} if missing else {}
    return [loaded.get(i) or extra[i] for i in sorted(ids)]


def build_chunk(visit_ids: list[int], now: datetime, tz: str, context_days: int) -> ChunkFacts:
    targets = loader.load_visits(visit_ids, with_points=True)
    days = local_days(targets, tz)
    first, last = min(days), max(days)
    start, end = day_bounds(first - timedelta(days=context_days), last + timedelta(days=1), tz)
    by_id = {v.id: v for v in targets}
    caregivers = {v.caregiver_id for v in targets}
    clients = {v.client_id for v in targets}
    caregiver_window = _reuse(by_id, _ids_where(Visit.caregiver_id, caregivers, start, end))
    month_start, _ = day_bounds(first.replace(day=1), first, tz)
    month_end = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
    client_window = _reuse(
        by_id,
        _ids_where(
            Visit.client_id,
            clients,
            month_start - timedelta(days=7),
            day_bounds(month_end, month_end, tz)[0] + timedelta(days=7),
        ),
    )
    everyone = caregiver_window + client_window
    ctx = RuleContext(
        now=now,
        clients=loader.load_clients({v.client_id for v in everyone}, last),
        caregivers=loader.load_caregivers({v.caregiver_id for v in everyone}),
        catalogue=loader.load_catalogue(),
        enrolments=loader.load_enrolments({v.agency_id for v in targets}),
        prior_attempts=loader.load_prior_attempts(caregivers, clients, start, end),
        enrolment_changes=loader.load_enrolment_changes(caregivers),
        timezone=tz,
    )
    return ChunkFacts(targets, caregiver_window, client_window, ctx)


def build_population(days: set[date], now: datetime, tz: str) -> tuple[list[VisitFacts], RuleContext]:
    """All visits of the given local days (no trail points) for the population-scope rules."""
    ids: set[int] = set()
    for day in days:
        start, end = day_bounds(day, day, tz)
        ids.update(
            db.session.scalars(select(Visit.id).where(Visit.check_in_at >= start, Visit.check_in_at < end))
        )
    visits = loader.load_visits(ids, with_points=False)
    ctx = RuleContext(
        now=now,
        clients=loader.load_clients({v.client_id for v in visits}, max(days)),
        caregivers=loader.load_caregivers({v.caregiver_id for v in visits}),
        catalogue=loader.load_catalogue(),
        timezone=tz,
    )
    return visits, ctx
