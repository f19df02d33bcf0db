"""Small helpers shared by every rule module (pure: no I/O, no Flask, ``now`` always passed in).

- ``local_day`` / ``local_time``: the clock face in the scheme's time zone (Asia/Shanghai).
- ``day_on_or_after``: a visit's local check-in day and its days after a registry date, if not before it.
- ``iso``: a datetime as an ISO string for evidence (``None`` stays ``None``).
- ``visit_finding``: a ``Finding`` about one visit, with the ids filled in from the visit.
- ``pairs``: consecutive pairs of a sequence.
- ``last_evidence_at``: the latest time the visit's phone recorded anything (fix, point, item, plan).
- ``visit_end``: check-out time, or for an open visit its last evidence (capped by ``now`` and by
  check-in + a limit): every time-based rule ends open visits here.
- ``ordered_attempts`` / ``final_attempt``: attempts in arrival order, the last one of a kind.
- ``timed_fixes``: every fix of a visit (attempts and trail points) in time order, with a reference
  (``{"attempt_id": 101}`` or ``{"point_index": 3}``) that evidence can quote.
- ``KIND_LABEL``: "check_in" -> "Check-in", for messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from field_app.rules.base import HIT, Finding
from field_app.rules.facts import Attempt, Fix, Visit

T = TypeVar("T")

KIND_LABEL = {"check_in": "Check-in", "check_out": "Check-out"}


def local_day(dt: datetime, tz_name: str) -> date:
    """The calendar day of an aware datetime on the clock face of ``tz_name``."""
    return dt.astimezone(ZoneInfo(tz_name)).date()


def local_time(dt: datetime, tz_name: str) -> time:
    """The wall-clock time (no tzinfo) of an aware datetime in ``tz_name``."""
    return dt.astimezone(ZoneInfo(tz_name)).time()


def day_on_or_after(visit: Visit, since: date | None, tz_name: str) -> tuple[date, int] | None:
    """``(local check-in day, days after since)`` when the visit is on or after ``since``, else ``None``.

    Registries (death, grade lapse) record whole local days without an hour, so the visit is judged by
    the calendar day of its check-in: an open visit is already a claim, and day 0 (the same day) counts.
    """
    if since is None:
        return None
    day = local_day(visit.check_in_at, tz_name)
    return (day, (day - since).days) if day >= since else None


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 text for evidence, seconds precision."""
    return None if dt is None else dt.isoformat(timespec="seconds")


def visit_finding(
    visit: Visit,
    message: str,
    evidence: Mapping[str, Any],
    *,
    occurred_at: datetime | None = None,
    outcome: str = HIT,
) -> Finding:
    """A finding about one visit (subject ``visit:<id>``); ``occurred_at`` defaults to the check-in."""
    return Finding(
        subject_type="visit",
        subject_key=f"visit:{visit.id}",
        message=message,
        evidence=dict(evidence),
        visit_ids=(visit.id,),
        caregiver_id=visit.caregiver_id,
        client_id=visit.client_id,
        agency_id=visit.agency_id,
        occurred_at=occurred_at or visit.check_in_at,
        outcome=outcome,
    )


def pairs(seq: Iterable[T]) -> Iterator[tuple[T, T]]:
    """Consecutive pairs: ``[a, b, c]`` -> ``(a, b), (b, c)``."""
    return pairwise(seq)


def last_evidence_at(visit: Visit) -> datetime:
    """The latest moment the visit is known to have lasted: its check-in, any attempt's fix (a failed
    check-out too), trail points, items' ends, and its planned end when a schedule gives one."""
    times = [visit.check_in_at, *(a.fix.at for a in visit.attempts), *(p.fix.at for p in visit.points)]
    times += [i.ended_at or i.started_at for i in visit.items]
    if visit.planned_end is not None:
        times.append(visit.planned_end)
    return max(t for t in times if t is not None)


def visit_end(visit: Visit, now: datetime, open_limit: timedelta | None = None) -> datetime:
    """When the visit ended: its check-out; while it is still open, its last evidence (a check-out
    that failed or was never made says nothing of a later departure: an honest 70-minute visit whose
    check-out failed must not "last" 240 minutes), never after ``now`` nor ``check-in + open_limit``."""
    if visit.check_out_at is not None:
        return visit.check_out_at
    end = min(now, last_evidence_at(visit))
    return end if open_limit is None else min(end, visit.check_in_at + open_limit)


def ordered_attempts(attempts: Sequence[Attempt]) -> list[Attempt]:
    """Attempts in the order the server received them (ties by id)."""
    return sorted(attempts, key=lambda a: (a.received_at, a.id))


def final_attempt(visit: Visit, kind: str) -> Attempt | None:
    """The last attempt of ``kind`` ("check_in" / "check_out") the server received, if any."""
    attempts = ordered_attempts(visit.attempts_of(kind))
    return attempts[-1] if attempts else None


def timed_fixes(visit: Visit) -> list[tuple[dict[str, int], Fix]]:
    """Attempt fixes and trail points merged in fix-time order (stable: attempts first on ties)."""
    fixes: list[tuple[dict[str, int], Fix]] = [({"attempt_id": a.id}, a.fix) for a in visit.attempts]
    fixes += [({"point_index": i}, p.fix) for i, p in enumerate(visit.points)]
    fixes.sort(key=lambda rf: rf[1].at)
    return fixes
