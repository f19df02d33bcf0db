"""Whether a visit lasted as long as its service items require (pure, no I/O)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

OK, TOO_SHORT, TOO_LONG, OPEN = "ok", "too_short", "too_long", "open"


@dataclass(frozen=True)
class DurationResult:
    """A visit's duration against the minimum its items require and the longest allowed."""

    status: str  #: "ok" | "too_short" | "too_long" | "open"
    minutes: float | None  #: None while the visit is open
    required_minutes: int  #: sum of the performed items' minimum minutes
    max_minutes: int


def check_duration(
    check_in_at: datetime,
    check_out_at: datetime | None,
    item_minimum_minutes: Iterable[int],
    max_minutes: int,
    tolerance_minutes: float = 0.0,
) -> DurationResult:
    """Compare check-in to check-out with the items' summed minimum minutes and ``max_minutes``."""
    _require_aware("check_in_at", check_in_at)
    required = _required_minutes(item_minimum_minutes)
    _check_limits(max_minutes, tolerance_minutes)
    if check_out_at is None:
        return DurationResult(OPEN, None, required, max_minutes)
    _require_aware("check_out_at", check_out_at)
    if check_out_at < check_in_at:
        raise ValueError(
            f"check_out_at {check_out_at.isoformat()} is before check_in_at {check_in_at.isoformat()}"
        )
    minutes = (check_out_at - check_in_at).total_seconds() / 60
    # Too short wins when both hold (items summing past the maximum): billing for care that was not
    # given is the fraud the scheme cares most about.
    if minutes + tolerance_minutes < required:
        status = TOO_SHORT
    elif minutes > max_minutes:
        status = TOO_LONG
    else:
        status = OK
    return DurationResult(status, minutes, required, max_minutes)


def _require_aware(name: str, value: datetime) -> None:
    # A naive datetime is ambiguous (UTC? the phone's clock face?) and would shift a visit by hours.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _check_limits(max_minutes: int, tolerance_minutes: float) -> None:
    if max_minutes <= 0:
        raise ValueError(f"max_minutes must be > 0, got {max_minutes!r}")
    if not (math.isfinite(tolerance_minutes) and tolerance_minutes >= 0):
        raise ValueError(f"tolerance_minutes must be a finite number >= 0, got {tolerance_minutes!r}")


def _required_minutes(item_minimum_minutes: Iterable[int]) -> int:
    minimums = list(item_minimum_minutes)
    if any(m < 0 for m in minimums):
        raise ValueError(f"item minimum minutes must be >= 0, got {minimums}")
    return sum(minimums)
