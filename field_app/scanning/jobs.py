"""Scan jobs as the scheduler and the CLI run them: take the lock, run or resume a scan, let go."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app

from field_app.extensions import db
from field_app.metrics import SCAN_SECONDS
from field_app.models import ScanRun
from field_app.scanning import lock
from field_app.scanning.evaluate import RuleSet
from field_app.scanning.scanner import FULL, INCREMENTAL, OPEN_VISITS, ScanSettings, run_scan, start_run
from field_app.timeutil import now_utc

log = logging.getLogger(__name__)


def settings_from_config() -> ScanSettings:
    cfg = current_app.config
    return ScanSettings(tz=cfg["TIMEZONE"], context_days=cfg["SCAN_CONTEXT_DAYS"],
                        first_scan_days=cfg["FULL_SCAN_DAYS"])


def scan(kind: str, since: datetime | None = None, until: datetime | None = None,
         progress: Callable[[int, int], None] | None = None, holder: str | None = None) -> ScanRun | None:
    """Run one scan under the database lock; None when another scanner holds it."""
    cfg = current_app.config
    holder = holder or lock.holder_id()
    lease = cfg["SCAN_LOCK_SECONDS"]
    now = now_utc()
    if not lock.acquire(holder, now, lease):
        log.info("another scanner holds the lock; %s scan skipped", kind)
        return None
    try:
        run = start_run(kind, now, settings_from_config(), since, until)
        rules = RuleSet.from_config(cfg["RULE_OVERRIDES"])
        with SCAN_SECONDS.labels(kind).time():
            return run_scan(run, rules, now, settings_from_config(), progress,
                            heartbeat=lambda: lock.acquire(holder, now_utc(), lease))
    except Exception:
        db.session.rollback()  # the run stays "running" with its cursor: the next scan resumes it
        log.exception("%s scan failed", kind)
        raise
    finally:
        lock.release(holder)


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
