"""Stay statistics of a visit's positions (驻留分析): time inside the fence, absences, distance, gaps.

A visit's positions are its check-in/out fixes and trail points in time order, all WGS-84. The time
between two consecutive fixes is attributed to the geofence status of the earlier one: that is what
the phone knew for that stretch, and it makes every second of the visit count exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from field_app.geodesy import haversine_m
from field_app.rules.facts import INSIDE, OUTSIDE, UNCERTAIN


@dataclass(frozen=True)
class Position:
    """One fix of a visit: where, when, how precise, and its geofence status."""

    at: datetime
    lat: float
    lng: float
    status: str  #: INSIDE | OUTSIDE | UNCERTAIN
    accuracy_m: float = 10.0


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True)
class DwellStats:
    inside_minutes: float
    outside_minutes: float
    uncertain_minutes: float
    longest_absence: Span | None  #: the longest continuous run of outside fixes
    distance_m: float  #: along the fixes, straight between consecutive ones
    fixes: int
    gaps: list[Span]  #: intervals between consecutive fixes longer than the gap limit


def ordered(positions: list[Position]) -> list[Position]:
    """Positions by time, one per instant (the first given wins: callers pass trail points first)."""
    seen: dict[datetime, Position] = {}
    for p in positions:
        seen.setdefault(p.at, p)
    return sorted(seen.values(), key=lambda p: p.at)


def speeds_mps(positions: list[Position]) -> list[float | None]:
    """Speed into each fix from the one before (None for the first and for a zero time step)."""
    out: list[float | None] = [None]
    for prev, cur in zip(positions, positions[1:], strict=False):
        seconds = (cur.at - prev.at).total_seconds()
        out.append(haversine_m(prev.lat, prev.lng, cur.lat, cur.lng) / seconds if seconds > 0 else None)
    return out


def dwell(positions: list[Position], gap_minutes: float) -> DwellStats:
    """Statistics over time-ordered positions (use ``ordered`` first)."""
    minutes = {INSIDE: 0.0, OUTSIDE: 0.0, UNCERTAIN: 0.0}
    distance, gaps = 0.0, []
    for prev, cur in zip(positions, positions[1:], strict=False):
        step = (cur.at - prev.at).total_seconds() / 60
        minutes[prev.status] = minutes.get(prev.status, 0.0) + step
        distance += haversine_m(prev.lat, prev.lng, cur.lat, cur.lng)
        if step > gap_minutes:
            gaps.append(Span(prev.at, cur.at))
    return DwellStats(
        minutes[INSIDE],
        minutes[OUTSIDE],
        minutes[UNCERTAIN],
        longest_absence(positions),
        distance,
        len(positions),
        gaps,
    )


def longest_absence(positions: list[Position]) -> Span | None:
    """The longest run of consecutive outside fixes, from its first fix to the next fix not outside
    (or to its own last fix when the trail ends outside); the earliest wins a tie."""
    best: Span | None = None
    start: int | None = None
    for n, p in enumerate(positions + [None]):  # a sentinel closes a run at the end
        if p is not None and p.status == OUTSIDE:
            start = n if start is None else start
            continue
        if start is not None:
            end_at = p.at if p is not None else positions[n - 1].at
            run = Span(positions[start].at, end_at)
            if best is None or run.minutes > best.minutes:
                best = run
            start = None
    return best
