"""Fixed-window rate limits counted in the database, so every worker process shares them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite

from field_app.errors import TooMany
from field_app.extensions import db
from field_app.models import RateCounter
from field_app.transaction import keep_on_refusal


def hit(key: str, limit: int, window_seconds: int, now: datetime) -> int:
    """Count one request for ``key``; refused (TooMany) when the window already holds ``limit`` of them."""
    window = int(now.timestamp()) // window_seconds * window_seconds
    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(RateCounter).values(key=key, window_start=window, count=1)
    same_window = RateCounter.window_start == stmt.excluded.window_start
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={
            "count": case((same_window, RateCounter.count + 1), else_=1),
            "window_start": stmt.excluded.window_start,
        },
    ).returning(RateCounter.count)
    # counted even when the request is refused later (a wrong password, a bad selfie): that is the point
    count = keep_on_refusal(lambda: db.session.execute(stmt).scalar_one())
    if count > limit:
        retry = window + window_seconds - int(now.timestamp())
        raise TooMany(
            "rate_limited",
            "Too many requests; try again in {retry_after_seconds} s.",
            details={"retry_after_seconds": retry},
            retry_after_seconds=retry,
        )
    return count
