"""Helpers shared by the cross-visit rules (pure; the helpers of every rule are in ``rules.support``).

- ``group_by``: bucket items by a key, keeping first-seen order.
- ``day_getter``: ``support.local_day`` for one zone, looked up once (population scans call it for
  hundreds of thousands of attempts).
- ``iso_week`` / ``month_key``: ``2026-W47`` / ``2026-11`` labels for subject keys.
- ``group_finding``: a ``Finding`` about several visits, with the caregiver / client / agency id
  filled in when all the visits share one.
- ``required_minutes``: the summed catalogue minimum minutes of a visit's performed items, as
  ``verification.duration`` counts them (an unknown code counts 0).
- ``first_attempt``: the first attempt of a kind the server received (``support.final_attempt`` is
  the last).
- ``check_in_fix`` / ``check_out_fix``: where and when a visit started / ended, from the first
  check-in / final check-out attempt, else the client's home at ``check_in_at`` / ``check_out_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from field_app.rules.base import HIT, Finding
from field_app.rules.facts import Attempt, Fix, ServiceItem, Visit
from field_app.rules.support import final_attempt

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def group_by(items: Iterable[T], key: Callable[[T], K]) -> dict[K, list[T]]:
    """``{key: [items...]}`` in first-seen key order, items in input order."""
    groups: dict[K, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def day_getter(tz_name: str) -> Callable[[datetime], date]:
    """A function giving the local calendar day of an aware datetime in ``tz_name``, memoised per
    15-minute slot of UTC: every zone's offsets and transitions fall on quarter hours, so all the
    instants of a slot share one local day (``astimezone`` costs ~5 us; a province's day has 600,000
    attempts)."""
    tz = ZoneInfo(tz_name)
    memo: dict[int, date] = {}

    def day_of(dt: datetime) -> date:
        slot = int(dt.timestamp() // 900)
        day = memo.get(slot)
        if day is None:
            day = memo[slot] = dt.astimezone(tz).date()
        return day

    return day_of


def iso_week(day: date) -> str:
    """The ISO week label of a day: ``2026-W47`` (ISO year, which differs at year ends)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _shared(values: Iterable[int | None]) -> int | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def group_finding(
    subject_key: str,
    message: str,
    evidence: Mapping[str, Any],
    visits: Sequence[Visit],
    *,
    occurred_at: datetime | None = None,
    outcome: str = HIT,
) -> Finding:
    """A finding about several visits; the subject type is the key's prefix (``caregiver_day`` ...)."""
    return Finding(
        subject_type=subject_key.split(":", 1)[0],
        subject_key=subject_key,
        message=message,
        evidence=dict(evidence),
        visit_ids=tuple(sorted({v.id for v in visits})),
        caregiver_id=_shared(v.caregiver_id for v in visits),
        client_id=_shared(v.client_id for v in visits),
        agency_id=_shared(v.agency_id for v in visits),
        occurred_at=occurred_at or min((v.check_in_at for v in visits), default=None),
        outcome=outcome,
    )


def required_minutes(visit: Visit, catalogue: Mapping[str, ServiceItem]) -> int:
    """Sum of the performed items' catalogue minimum minutes (unknown codes count 0)."""
    return sum(catalogue[i.code].min_minutes if i.code in catalogue else 0 for i in visit.items)


def first_attempt(visit: Visit, kind: str) -> Attempt | None:
    """The first attempt of ``kind`` the server received, if any."""
    return min(
        (a for a in visit.attempts if a.kind == kind), key=lambda a: (a.received_at, a.id), default=None
    )


def _home_fix(visit: Visit, at: datetime, clients: Mapping) -> Fix | None:
    client = clients.get(visit.client_id)
    if client is None:
        return None
    # The home centre stands in for a missing fix; its fence radius is the honest uncertainty.
    return Fix(lat=client.home.lat, lng=client.home.lng, accuracy_m=client.home.radius_m, at=at)


def check_in_fix(visit: Visit, clients: Mapping) -> tuple[int | None, Fix | None]:
    """(attempt id or None, fix) where the visit started."""
    attempt = first_attempt(visit, "check_in")
    if attempt is not None:
        return attempt.id, attempt.fix
    return None, _home_fix(visit, visit.check_in_at, clients)


def check_out_fix(visit: Visit, clients: Mapping) -> tuple[int | None, Fix | None]:
    """(attempt id or None, fix) where the visit ended; (None, None) while it is open."""
    if visit.check_out_at is None:
        return None, None
    attempt = final_attempt(visit, "check_out")
    if attempt is not None:
        return attempt.id, attempt.fix
    return None, _home_fix(visit, visit.check_out_at, clients)
