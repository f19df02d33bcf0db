"""The around-the-clock scheduler (``flask scheduler``): its own process, never inside web workers.

Jobs are data: a name, a module-level function and a trigger. Each runs in an app context and owns its
commit; the database lock (scanning.lock) keeps a second scheduler started by mistake from scanning
at the same time, and a scheduler killed mid-scan leaves a cursor the next one resumes from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from field_app.extensions import db
from field_app.scanning import jobs
from field_app.timeutil import now_utc

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], Any]
    trigger: str
    trigger_args: Callable[[dict], dict]  #: from the app config
    run_at_start: bool = False


JOBS = (
    Job("incremental_scan", jobs.incremental_scan, "interval",
        lambda cfg: {"seconds": cfg["SCAN_INTERVAL_SECONDS"]}, run_at_start=True),
    Job("nightly_full_scan", jobs.nightly_full_scan, "cron", lambda cfg: {"hour": cfg["FULL_SCAN_HOUR"]}),
    Job("open_visits_check", jobs.open_visits_check, "interval", lambda cfg: {"minutes": 15}, run_at_start=True),
    Job("purge_selfies", jobs.purge_selfies, "interval", lambda cfg: {"hours": 1}, run_at_start=True),
)


def run_in_app(app: Flask, func: Callable[[], Any]) -> Callable[[], None]:
    """Wrap a job: push an app context, commit or roll back, never let an error kill the scheduler."""

    def wrapped() -> None:
        with app.app_context():
            try:
                func()
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("job %s failed; it runs again at its next time", func.__name__)
            finally:
                db.session.remove()

    wrapped.__name__ = func.__name__
    return wrapped


def build_scheduler(app: Flask) -> BlockingScheduler:
    # One worker thread: jobs queue behind each other instead of racing for the scan lock.
    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"], executors={"default": ThreadPoolExecutor(1)})
    for job in JOBS:
        extra = {"next_run_time": now_utc()} if job.run_at_start else {}
        scheduler.add_job(run_in_app(app, job.func), job.trigger, id=job.name, name=job.name,
                          coalesce=True, max_instances=1, misfire_grace_time=300,
                          **job.trigger_args(app.config), **extra)
    return scheduler
