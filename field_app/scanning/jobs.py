"""Scan jobs as the scheduler and the CLI run them: take the lock, run or resume a scan, let go.

``STOP`` is set by the scheduler's SIGTERM/SIGINT handler: a scan in progress stops after its current
chunk is committed, marks its run interrupted (the next scan of that kind resumes it from the cursor)
and gives the lease back; a scan not started yet is not started.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from field_app.extensions import db
from field_app.metrics import SCAN_SECONDS
from field_app.models import ScanRun
from field_app.scanning import lock
from field_app.scanning.evaluate import RuleSet
from field_app.scanning.scanner import FULL, INCREMENTAL, OPEN_VISITS, ScanSettings, run_scan, start_run
from field_app.timeutil import now_utc

log = logging.getLogger(__name__)
#: the process is asked to stop (set from a signal handler; read between chunks)
STOP = threading.Event()


def settings_from_config() -> ScanSettings:
    cfg = current_app.config
    return ScanSettings(
        tz=cfg["TIMEZONE"],
        context_days=cfg["SCAN_CONTEXT_DAYS"],
        chunk_size=cfg["SCAN_CHUNK_SIZE"],
        first_scan_days=cfg["FULL_SCAN_DAYS"],
    )


def scan(
    kind: str,
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    holder: str | None = None,
) -> ScanRun | None:
    """Run one scan under the database lock; None when another scanner holds it (or we are stopping)."""
    cfg = current_app.config
    holder = holder or lock.holder_id()
    lease = cfg["SCAN_LOCK_SECONDS"]
    now = now_utc()
    if STOP.is_set():
        return None
    if not lock.acquire(holder, now, lease):
        log.info("another scanner holds the lock; %s scan skipped", kind)
        return None
    try:
        run = start_run(kind, now, settings_from_config(), since, until)
        rules = RuleSet.from_config(cfg["RULE_OVERRIDES"])
        with SCAN_SECONDS.labels(kind).time():
            return run_scan(
                run,
                rules,
                now,
                settings_from_config(),
                progress,
                heartbeat=lambda: lock.acquire(holder, now_utc(), lease),
                stop=STOP.is_set,
            )
    except Exception:
        db.session.rollback()  # the run stays "running" with its cursor: the next scan resumes it
        log.exception("%s scan failed", kind)
        raise
    finally:
        _release(holder)


def _release(holder: str) -> None:
    """Give the lease back; when the database is down that fails, and this process's next scan renews
    the lease it still holds (same holder id), while other processes wait for it to expire."""
    try:
        lock.release(holder)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning(
            "could not release the scan lease (database unavailable?); it is renewed by this "
            "process's next scan or expires after %s s",
            current_app.config["SCAN_LOCK_SECONDS"],
        )


def incremental_scan() -> ScanRun | None:
    return scan(INCREMENTAL)


def nightly_full_scan() -> ScanRun | None:
    now = now_utc()
    return scan(FULL, since=now - timedelta(days=current_app.config["FULL_SCAN_DAYS"]), until=now)


def open_visits_check() -> ScanRun | None:
    return scan(OPEN_VISITS, until=now_utc())


def purge_selfies() -> int:
    """Delete selfies past the retention period (PIPL: keep them only as long as audits need them)."""
    from field_app.services.selfies import purge_expired

    return purge_expired(now_utc(), current_app.config["SELFIE_RETENTION_DAYS"])


def purge_rate_counters(now: datetime | None = None) -> int:
    """Delete rate-limit counters whose window is over: a counter lives one window, so random usernames
    or addresses cannot grow the table (issue 17)."""
    from field_app.services.ratelimit import purge_expired

    return purge_expired(now or now_utc(), current_app.config["RATE_WINDOW_SECONDS"])
