"""The unit of work: services only flush; one wrapper per request or job commits on success and rolls
back on failure (as Indico's request boundary does).

Some writes are evidence that must outlive a refusal: a rate-limit count (a refused sign-in must still
count against the next one) and the audit entry of a refused phone. A service makes that explicit with
``keep_on_refusal(write)``: the write is done now and, when the unit of work fails, redone after the
rollback and committed alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from field_app.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")
_KEPT = "field_app.kept_on_refusal"


def keep_on_refusal(write: Callable[[], T]) -> T:
    """Do ``write`` now; if this request or job fails, it is redone after the rollback and committed."""
    result = write()
    db.session.info.setdefault(_KEPT, []).append(write)
    return result


def _commit_kept(kept: list[Callable[[], object]]) -> None:
    if not kept:
        return
    try:
        for write in kept:
            write()
        db.session.commit()
    except SQLAlchemyError:  # e.g. the database is down: the refusal still answers
        db.session.rollback()
        log.warning("evidence of a refused request could not be stored", exc_info=True)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block flushed, or roll it back (keeping the evidence) if it raises."""
    session = db.session
    session.info.pop(_KEPT, None)
    try:
        yield
        session.commit()
    except BaseException:
        kept = session.info.pop(_KEPT, [])
        session.rollback()
        _commit_kept(kept)
        raise
    finally:
        session.info.pop(_KEPT, None)


def committed(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn`` (a view or a job) as one unit of work."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        with unit_of_work():
            return fn(*args, **kwargs)

    return wrapper
