"""bench/trail_table.py in small mode on a real PostgreSQL: the upsert and the replay on a grown trail table.

Only correctness is asserted (new batches stored whole, re-sent ones not at all, replays complete and in
order), never timings. Runs in the PostgreSQL pass only (``TEST_DATABASE_URL``), like the other benches.
"""

from __future__ import annotations

import os
import re

import pytest

from tests.bench.test_bench_small import last_line, run_bench

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not TEST_DATABASE_URL.startswith(("postgresql", "postgres:")),
        reason="the trail table bench needs PostgreSQL: set TEST_DATABASE_URL (scripts/test's second pass does)",
    ),
]


def test_trail_table_stores_new_batches_once_skips_resent_ones_and_replays_every_visit_in_order():
    out = run_bench("trail_table.py", "--db", "field_app_bench_ci_trail_table", timeout_s=180)
    headline = dict(item.split("=", 1) for item in last_line(out).split())
    assert headline["rows_max"] == "150000" and headline["steps"] == "2"
    assert [headline[f"bad_{k}"] for k in ("new", "resent", "old_resent", "replay")] == ["0"] * 4
    checks = dict(
        re.findall(
            r"(\w+) (\d+/\d+) ok", next(line for line in out.splitlines() if line.startswith("checks: "))
        )
    )
    # 2 steps x 32 operations: new batches store 60 rows, every re-send 0, every replay 60 points in order
    assert checks == {"new": "64/64", "resent": "64/64", "old_resent": "64/64", "replay": "128/128"}
