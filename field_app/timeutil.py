"""One clock for the whole app: timezone-aware UTC inside, local time only at the edges."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

UTC = UTC


def now_utc() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def parse_datetime(value: str) -> datetime:
    """Parse ISO 8601 with an offset (or 'Z') into aware UTC; naive times are refused."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("timestamp needs a UTC offset, e.g. 2026-11-20T08:30:00+08:00")
    return parsed.astimezone(UTC)


def local_date(moment: datetime, tz_name: str) -> date:
    """The calendar day of ``moment`` on the clock face of ``tz_name``."""
    return moment.astimezone(ZoneInfo(tz_name)).date()


def isoformat(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with a 'Z', or None."""
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
