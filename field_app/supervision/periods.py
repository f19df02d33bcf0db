"""Calendar periods from query strings (local dates, Asia/Shanghai) and their UTC bounds."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from field_app.errors import Invalid

MAX_DAYS = 366  # a dashboard or sample over more than a year is a batch job, not a request
#: the years a period may fall in: year 1 or 9999 overflow when turned into UTC instants (and mean nothing)
MIN_YEAR, MAX_YEAR = 1900, 2999


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"the year must be within {MIN_YEAR}-{MAX_YEAR}")


def parse_month(text: str) -> tuple[date, date]:
    """'2026-11' -> (first day, last day) of that month."""
    if not re.fullmatch(r"\d{4}-\d{2}", text):
        raise ValueError("expected YYYY-MM")
    _check_year(int(text[:4]))
    first = date(int(text[:4]), int(text[5:]), 1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def parse_day(text: str) -> date:
    """'2026-11-20' -> that date (only this exact form)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("expected YYYY-MM-DD")
    _check_year(int(text[:4]))
    return date.fromisoformat(text)


def utc_bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants from local midnight of ``first`` to local midnight after ``last``."""
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def check_span(first: date, last: date, field: str = "to") -> None:
    """A period runs forwards, covers at most a year and lies within the supported years."""
    if not (first.year >= MIN_YEAR and last.year <= MAX_YEAR):
        raise Invalid("invalid_period", f"The period must lie within the years {MIN_YEAR}-{MAX_YEAR}.", field)
    if last < first:
        raise Invalid("invalid_period", "The period ends before it starts.", field)
    if (last - first).days >= MAX_DAYS:
        raise Invalid("invalid_period", f"The period is longer than {MAX_DAYS} days.", field)
