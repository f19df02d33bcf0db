"""Fixed-window rate limits counted in the database, so every worker process shares them.

A request refused by a limit is not counted (``hit`` counts only below the limit, in one statement),
so a client hammering a closed door keeps it closed only for the rest of its window, and cannot push
someone else's counter. Counters carry their window and are purged once it is over
(``purge_expired``, a scheduler job).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, delete, not_
from sqlalchemy.dialects import postgresql, sqlite

from field_app.errors import TooMany
from field_app.extensions import db
from field_app.models import RateCounter
from field_app.transaction import keep_on_refusal


def _window(now: datetime, window_seconds: int) -> int:
    return int(now.timestamp()) // window_seconds * window_seconds


def _refuse(window: int, window_seconds: int, now: datetime) -> TooMany:
    retry = max(1, window + window_seconds - int(now.timestamp()))
    return TooMany(
        "rate_limited",
        "Too many requests; try again in {retry_after_seconds} s.",
        details={"retry_after_seconds": retry},
        retry_after_seconds=retry,
    )


def _upsert(key: str, window: int, limit: int | None):
    """Count one for ``key`` in ``window``; with a ``limit``, only while the window holds fewer."""
    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(RateCounter).values(key=key, window_start=window, count=1)
    same_window = RateCounter.window_start == stmt.excluded.window_start
    full = and_(same_window, RateCounter.count >= limit) if limit is not None else None
    return stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "count": case((same_window, RateCounter.count + 1), else_=1),
            "window_start": stmt.excluded.window_start,
        },
        where=not_(full) if full is not None else None,
    ).returning(RateCounter.count)


def hit(key: str, limit: int, window_seconds: int, now: datetime) -> int:
    """Count one request for ``key``; a request beyond ``limit`` in the window is refused (TooMany)
    and not counted."""
    window = _window(now, window_seconds)
    stmt = _upsert(key, window, limit)
    # counted even when the request is refused later (a bad selfie): that is the point
    count = keep_on_refusal(lambda: db.session.execute(stmt).scalar_one_or_none())
    if count is None:
        raise _refuse(window, window_seconds, now)
    return count


def check(key: str, limit: int, window_seconds: int, now: datetime) -> None:
    """Refuse (TooMany) when ``key`` already holds ``limit`` in the window; count nothing."""
    window = _window(now, window_seconds)
    row = db.session.get(RateCounter, key)
    if row is not None and row.window_start == window and row.count >= limit:
        raise _refuse(window, window_seconds, now)


def count_failure(key: str, window_seconds: int, now: datetime) -> None:
    """Count a failure that happened (a wrong password): it was not refused, so it counts, and the
    request's own rollback does not undo it (keep_on_refusal)."""
    stmt = _upsert(key, _window(now, window_seconds), None)
    keep_on_refusal(lambda: db.session.execute(stmt))


def purge_expired(now: datetime, window_seconds: int) -> int:
    """Delete the counters whose window is over; returns how many."""
    stale = delete(RateCounter).where(RateCounter.window_start < _window(now, window_seconds))
    return db.session.execute(stale).rowcount or 0
