"""The scheduler lets go cleanly: SIGTERM stops a scan between chunks and the next scheduler resumes it;
a lease this process could not release is taken back by its next scan; a scan skipped for the lock is
retried soon. Real processes on a real database (SQLite file, or TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from field_app.extensions import db
from field_app.models import Alert, ScanLock, ScanRun
from field_app.rules import all_rules
from field_app.scanning import jobs, lock
from field_app.scanning.alerts import evidence_hash
from field_app.scanning.evaluate import RuleSet
from field_app.scanning.scanner import INCREMENTAL, MANUAL, ScanSettings, dry_run
from field_app.scheduler import build_scheduler
from field_app.timeutil import now_utc
from tests import factories as f
from tests.scanning import test_scanner as sc

world = sc.world  # the scanner tests' fixture: an agency, a caregiver and a client (ids)
OTHER_HOLDER = "another-host:4242:0badf00d"


@pytest.fixture(autouse=True)
def clear_stop():
    jobs.STOP.clear()
    yield
    jobs.STOP.clear()


def seed(app, world, visits: int) -> None:
    """Four visits a day back from yesterday, every third one too short for its items (T01)."""
    with app.app_context():
        for n in range(visits):
            start = sc.yesterday_at(7 + 3 * (n % 4)) - timedelta(days=n // 4)
            f.add_visit(
                f"v-{n:05d}",
                world["caregiver_id"],
                world["client_id"],
                world["agency_id"],
                start,
                12 if n % 3 == 0 else 50,
                items=("L03",),
            )
        db.session.commit()


def since() -> datetime:
    return sc.yesterday_at(0) - timedelta(days=30)


def runs(app) -> list[tuple[int, str, str, int]]:
    with app.app_context():
        stmt = select(ScanRun.id, ScanRun.kind, ScanRun.status, ScanRun.visits_scanned).order_by(ScanRun.id)
        return list(db.session.execute(stmt).tuples())


def lease(app) -> tuple[str | None, datetime | None]:
    with app.app_context():
        row = db.session.get(ScanLock, lock.SCANNER)
        return (row.holder, row.expires_at) if row else (None, None)


def stored_alerts(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return sorted(
            db.session.execute(select(Alert.rule_code, Alert.subject_key, Alert.evidence_hash)).tuples()
        )


def uninterrupted_alerts(app) -> list[tuple[str, str, str]]:
    """What one uninterrupted scan (default chunks) finds over the same visits: rule by rule, dry runs."""
    with app.app_context():
        now, found = now_utc(), []
        for rule in all_rules():
            result = dry_run(RuleSet.from_config({}, only=[rule.code]), since(), now, now, ScanSettings())
            found += [(rule.code, x.subject_key, evidence_hash(x)) for x in result.findings]
        return sorted(found)


def wait_for(predicate, timeout_s: float, step: float = 0.01):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(step)
    return None


# ---------------------------------------------------------------- the stop flag, in this process


def test_a_stop_request_ends_the_scan_after_a_committed_chunk_and_the_next_scan_resumes(app, world):
    seed(app, world, 6)
    app.config["SCAN_CHUNK_SIZE"] = 2
    with app.app_context():
        run = jobs.scan(MANUAL, since(), now_utc(), progress=lambda *_: jobs.STOP.set())
        assert (run.status, run.visits_scanned) == ("interrupted", 2) and run.cursor["visit_id"] == 2
        assert jobs.scan(MANUAL, since(), now_utc()) is None  # stopping: nothing new starts
    assert lease(app) == (None, None)  # given back
    jobs.STOP.clear()
    with app.app_context():
        resumed = jobs.scan(MANUAL, since(), now_utc())
        assert (resumed.id, resumed.status, resumed.visits_scanned) == (run.id, "done", 6)
    assert stored_alerts(app) == uninterrupted_alerts(app)
    assert [a[1] for a in sc.alerts(app) if a[0] == "T01"] == ["visit:1", "visit:4"]


# ---------------------------------------------------------------- one holder id per process


def test_a_lease_this_process_could_not_release_is_taken_back_by_its_next_scan(app, world, monkeypatch):
    seed(app, world, 3)

    def database_down(*_):
        raise OperationalError("UPDATE scan_locks", {}, Exception("connection refused"))

    with monkeypatch.context() as m:  # the release fails, as it does while the database is down
        m.setattr(lock, "release", database_down)
        assert sc.scan(app)[2] == "done"
    assert lease(app)[0] == lock.holder_id() and lease(app)[1] > now_utc() + timedelta(seconds=500)
    with app.app_context():
        assert not lock.acquire(OTHER_HOLDER, now_utc(), 600)  # everybody else waits for the expiry
    started = time.monotonic()
    assert sc.scan(app, MANUAL, since=since(), until=now_utc())[2] == "done"  # we do not
    assert time.monotonic() - started < 5 and lease(app) == (None, None)
    assert lock.holder_id() == lock.holder_id() and f":{os.getpid()}:" in lock.holder_id()


def test_another_process_is_refused_the_lease_this_process_holds(app, world):
    seed(app, world, 1)
    with app.app_context():
        assert lock.acquire(lock.holder_id(), now_utc(), 600)  # a scan of ours that could not let go
    other = subprocess.run(
        [sys.executable, "-m", "flask", "rules", "scan"],
        env=flask_env(app),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other.returncode != 0 and "Another scanner holds the lock" in other.stderr
    assert sc.alerts(app) == [] and sc.scan(app)[1:] == (1, "done")


# ---------------------------------------------------------------- a scan skipped for the lock


def test_a_scan_skipped_for_the_lock_is_retried_after_the_scan_interval(app, world):
    local_hour = datetime.now(sc.TZ).hour
    app.config.update(FULL_SCAN_HOUR=(local_hour + 12) % 24, SCAN_INTERVAL_SECONDS=60)
    scheduler = build_scheduler(app)
    scheduler.start(paused=True)  # jobs get their next run times; none runs unless the test calls it
    try:
        nightly = scheduler.get_job("nightly_full_scan")
        assert nightly.next_run_time > now_utc() + timedelta(hours=11)
        with app.app_context():
            assert lock.acquire(OTHER_HOLDER, now_utc(), 600)
        nightly.func()  # skipped: another scheduler scans
        soon = scheduler.get_job("nightly_full_scan").next_run_time
        assert now_utc() + timedelta(seconds=50) < soon <= now_utc() + timedelta(seconds=60)
        assert runs(app) == []
        with app.app_context():
            lock.release(OTHER_HOLDER)
        scheduler.get_job("nightly_full_scan").func()  # the retry gets the lock and scans
        assert [r[1:3] for r in runs(app)] == [("full", "done")]
    finally:
        scheduler.shutdown(wait=True)


# ---------------------------------------------------------------- SIGTERM to `flask scheduler`


def flask_env(app, **settings: str) -> dict[str, str]:
    """The environment of a `flask` process on the test database (FIELD_APP_DATABASE_URL wins over
    DATABASE_URL, so it is the one set)."""
    env = {
        **os.environ,
        "FLASK_APP": "field_app",
        "FIELD_APP_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
    }
    return env | {f"FIELD_APP_{k}": v for k, v in settings.items()}


def start_scheduler(app, log_path) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "scheduler"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=flask_env(app, SCAN_CHUNK_SIZE="1"),
        )


def stop(proc: subprocess.Popen, timeout_s: float = 10) -> tuple[int, float]:
    """SIGTERM, as a service manager sends; the exit code and how long the process took to exit."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout_s), time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigterm_stops_the_scheduler_between_chunks_and_the_next_one_resumes(app, world, tmp_path):
    total = 24  # one visit a chunk (~0.1 s each): the scan is still going when the signal arrives
    seed(app, world, total)
    log_path = tmp_path / "scheduler.log"
    first = start_scheduler(app, log_path)
    try:
        caught = wait_for(lambda: [r for r in runs(app) if r[1] == INCREMENTAL and r[3] > 0], 90)
        code, took = stop(first)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert caught, log_path.read_text()
    assert code == 0 and took < 5, log_path.read_text()
    run_id = caught[0][0]
    ((_, _, status, scanned),) = [r for r in runs(app) if r[0] == run_id]
    assert status == "interrupted" and 0 < scanned < total, (status, scanned)
    assert "running" not in {r[2] for r in runs(app)}
    assert lease(app) == (None, None)

    second = start_scheduler(app, log_path)
    try:
        done = wait_for(lambda: [r for r in runs(app) if r[0] == run_id and r[2] == "done"], 90, 0.05)
        code, _ = stop(second)
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
    assert done and done[0][3] == total, (runs(app), log_path.read_text())  # nothing scanned twice
    assert code == 0 and lease(app) == (None, None)
    assert {r[2] for r in runs(app)} == {"done"}
    assert stored_alerts(app) == uninterrupted_alerts(app)
    assert len([a for a in sc.alerts(app) if a[0] == "T01"]) == total // 3
