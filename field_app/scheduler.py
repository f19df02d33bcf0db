"""The around-the-clock scheduler (``flask scheduler``): its own process, never inside web workers.

Jobs are data: a name, a module-level function and a trigger. Each runs in an app context and owns its
commit; the database lock (scanning.lock) keeps a second scheduler started by mistake from scanning
at the same time, and a scheduler killed mid-scan leaves a cursor the next one resumes from.

A scan skipped because another scheduler holds the lock is not left for its next regular time (the
open-visits check runs every 15 minutes, the full scan nightly): its next run is pulled forward to
``FIELD_APP_SCAN_INTERVAL_SECONDS`` from now, and again after each skip, until it gets the lock; then
its interval continues from there. The holder renews its lease while it scans, so waiting for the
lease's expiry would be no sooner.

SIGTERM (a service manager's stop) and SIGINT (Ctrl-C) set ``jobs.STOP``: a scan in progress stops
after its current chunk (at most ``FIELD_APP_SCAN_CHUNK_SIZE`` visits), marks its run interrupted and
gives the lease back; jobs not started yet are dropped; the process exits 0. The next scheduler resumes
the interrupted run from its cursor. A second signal is not caught: it ends the process at once, as a
kill does (the lease then expires, the run is resumed the same way).
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from field_app.extensions import db
from field_app.scanning import jobs
from field_app.timeutil import now_utc
from field_app.transaction import unit_of_work

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], Any]
    trigger: str
    trigger_args: Callable[[dict], dict]  #: from the app config
    run_at_start: bool = False
    retry_when_locked: bool = False  #: a scan: returning None means another scheduler held the lock


JOBS = (
    Job(
        "incremental_scan",
        jobs.incremental_scan,
        "interval",
        lambda cfg: {"seconds": cfg["SCAN_INTERVAL_SECONDS"]},
        run_at_start=True,
        retry_when_locked=True,
    ),
    Job(
        "nightly_full_scan",
        jobs.nightly_full_scan,
        "cron",
        lambda cfg: {"hour": cfg["FULL_SCAN_HOUR"]},
        retry_when_locked=True,
    ),
    Job(
        "open_visits_check",
        jobs.open_visits_check,
        "interval",
        lambda cfg: {"minutes": 15},
        run_at_start=True,
        retry_when_locked=True,
    ),
    Job("purge_selfies", jobs.purge_selfies, "interval", lambda cfg: {"hours": 1}, run_at_start=True),
    Job(
        "purge_rate_counters",
        jobs.purge_rate_counters,
        "interval",
        lambda cfg: {"seconds": cfg["RATE_WINDOW_SECONDS"]},
    ),
)


def run_in_app(
    app: Flask, func: Callable[[], Any], on_skipped: Callable[[], None] | None = None
) -> Callable[[], None]:
    """Wrap a job: push an app context, commit or roll back, never let an error kill the scheduler.
    ``on_skipped`` is called when the job returns None (a scan that did not get the lock)."""

    def wrapped() -> None:
        if jobs.STOP.is_set():
            return  # stopping: a job queued behind the scan being stopped is not started
        with app.app_context():
            try:
                with unit_of_work():
                    result = func()
            except Exception:
                log.exception("job %s failed; it runs again at its next time", func.__name__)
                return
            finally:
                db.session.remove()
        if result is None and on_skipped is not None and not jobs.STOP.is_set():
            on_skipped()

    wrapped.__name__ = func.__name__
    return wrapped


def _retry_soon(scheduler: BackgroundScheduler, job_id: str, seconds: int) -> None:
    """Pull the job's next run forward to ``seconds`` from now, unless it is due sooner anyway."""
    job = scheduler.get_job(job_id)
    soon = now_utc() + timedelta(seconds=seconds)
    if job is not None and job.next_run_time is not None and job.next_run_time > soon:
        scheduler.modify_job(job_id, next_run_time=soon)
        log.info("%s skipped for the lock; it tries again in %s s", job_id, seconds)


def build_scheduler(app: Flask) -> BackgroundScheduler:
    # One worker thread: jobs queue behind each other instead of racing for the scan lock (and the
    # lock's holder id is one per process, so two scans of this process at once would both get it).
    scheduler = BackgroundScheduler(
        timezone=app.config["TIMEZONE"], executors={"default": ThreadPoolExecutor(1)}
    )
    retry_seconds = app.config["SCAN_INTERVAL_SECONDS"]
    for job in JOBS:
        extra = {"next_run_time": now_utc()} if job.run_at_start else {}
        retry = partial(_retry_soon, scheduler, job.name, retry_seconds)
        wrapped = run_in_app(app, job.func, retry if job.retry_when_locked else None)
        scheduler.add_job(
            wrapped,
            job.trigger,
            id=job.name,
            name=job.name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=300,
            **job.trigger_args(app.config),
            **extra,
        )
    return scheduler


def _request_stop(signum: int, _frame) -> None:
    # Only set the flag here: the main thread does the shutting down. A second signal is not caught.
    jobs.STOP.set()
    signal.signal(signum, signal.SIG_DFL)


def run_until_stopped(scheduler: BackgroundScheduler, poll_seconds: float = 0.2) -> None:
    """Run the jobs until SIGTERM or SIGINT, then wait for the job in progress (a scan stops after its
    current chunk) and shut down. Call from the main thread (signal handlers are installed there)."""
    jobs.STOP.clear()
    previous = {sig: signal.signal(sig, _request_stop) for sig in STOP_SIGNALS}
    scheduler.start()
    try:
        while not jobs.STOP.is_set():
            time.sleep(poll_seconds)  # not Event.wait: the handler's set() could deadlock inside it
        log.info("stop requested: waiting for the job in progress")
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
