"""The load benches (bench/ingest.py, peak.py, faults.py) in small mode on a real PostgreSQL.

They start the production shape (gunicorn workers + scheduler) on loopback against their own
databases on the test server, so they run only in the PostgreSQL pass (``TEST_DATABASE_URL``).
Only correctness outcomes are asserted (nothing lost or doubled, re-sends answered alike, the scan
resumed), never timings.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not TEST_DATABASE_URL.startswith(("postgresql", "postgres:")),
        reason="the load benches need PostgreSQL: set TEST_DATABASE_URL (scripts/test's second pass does)",
    ),
]


def run_bench(script: str, *args: str, timeout_s: float = 240) -> str:
    """Run a bench in small mode; on a timeout it gets SIGTERM first, so it stops what it started."""
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "bench" / script), "--small", "--pg-url", TEST_DATABASE_URL, *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.terminate()
        out, _ = proc.communicate(timeout=90)
        pytest.fail(f"{script} did not finish in {timeout_s} s:\n{out[-4000:]}")
    assert proc.returncode == 0, f"{script} exited {proc.returncode}:\n{out[-4000:]}"
    return out


def last_line(out: str) -> str:
    return out.strip().splitlines()[-1]


def test_trail_ingest_stores_every_accepted_point_once_and_skips_resent_batches():
    out = run_bench("ingest.py", "--db", "field_app_bench_ci_ingest")
    assert "lost=0 doubled=0" in last_line(out)
    resent = re.search(r"re-sent batches answered stored=0 duplicates=60: (\d+)/(\d+)", out)
    assert resent and resent[1] == resent[2], resent
    # every one of the 40 open visits got a batch, which marks it for the scheduler to re-judge
    rescanned = re.search(r"scheduler: (\d+) visits re-judged during the load", out)
    assert rescanned and int(rescanned[1]) >= 40, out[-2000:]


def test_morning_peak_stores_every_accepted_attempt_point_and_item_once():
    out = run_bench("peak.py", "--db", "field_app_bench_ci_peak")
    assert "lost=0 doubled=0 mismatched_replays=0" in last_line(out)


def test_faults_database_restart_scheduler_kill_and_offline_resend_lose_and_double_nothing():
    out = run_bench("faults.py", "--scan-db", "field_app_bench_ci_fault_scan", timeout_s=420)
    assert last_line(out) == "scheduler-kill=ok pg-restart=ok offline-day=ok scan-outage=ok all=ok"
    markers = {line.split(":")[0]: line for line in out.splitlines() if line.endswith(("-> OK", "-> FAILED"))}
    for part in ("pg-restart", "scheduler-kill", "offline-day"):
        assert "lost=0 doubled=0" in markers[part] and markers[part].endswith("OK"), markers[part]
    # the scheduler resumed the scan the outage cut off at its next scan, not after its 600 s lease
    assert "resumed=yes" in markers["scan-outage"], markers["scan-outage"]
    assert "lease still held: False, runs left running: []" in out  # SIGTERM stopped it cleanly
