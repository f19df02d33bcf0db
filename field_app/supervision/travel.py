"""Travel between a caregiver's consecutive visits: straight-line distance, gap and implied speed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from field_app.geodesy import haversine_m


@dataclass(frozen=True)
class Leg:
    """From one visit's check-out fix to the next visit's check-in fix."""

    distance_m: float | None
    gap_minutes: float | None
    speed_kmh: float | None  #: None when the gap is zero or negative (overlapping visits)


def leg(
    out_at: datetime | None, out_fix: tuple[float, float] | None, in_at: datetime, in_fix: tuple[float, float]
) -> Leg:
    """The leg from a check-out (None when the earlier visit was never checked out) to a check-in."""
    if out_at is None or out_fix is None:
        return Leg(None, None, None)
    distance = haversine_m(out_fix[0], out_fix[1], in_fix[0], in_fix[1])
    gap = (in_at - out_at).total_seconds() / 60
    speed = distance / 1000 / (gap / 60) if gap > 0 else None
    return Leg(distance, gap, speed)
