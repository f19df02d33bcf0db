"""trail_points grown to a month of a province: the ingest upsert and the replay read timed at each size.

Run: .venv/bin/python bench/trail_table.py [--small] [--rows 50000000] [--steps 1000000,10000000,25000000]
         [--days 30] [--ops 300] [--keep] [--pg-url URL] [--db field_app_bench_trail_table]

The table as migrated (B-tree primary key on id, B-tree unique (visit_id, fix_time), no partitions), in a
dedicated database on scripts/pg.sh's server, grown in steps up to --rows, server-side: INSERT ... SELECT
FROM generate_series, one transaction per ~1 M points, each chunk's visits inserted first and every
point's foreign key checked, as in production. The shape: --rows / 60 closed visits over the --days days
before today, 07:00-19:00 Asia/Shanghai, visit ids increasing with check-in time; 60 points a minute
apart per visit, sent in 3 uploads of 20 (at +20, +40 and +60 minutes) and stored in upload order, so a
visit's points share heap pages with the uploads of the visits open at the same time, as the API stores
them. After each step: VACUUM (ANALYZE) of trail_points (timed; autovacuum is off on the bench tables so
that it cannot run during the timings), the sizes and the unique index's B-tree levels, then
  - cold: the table and its indexes are written out and dropped from the OS page cache (posix_fadvise on
    this database's files only; needs the server's data directory on this machine, else "first touch":
    128 MB of shared buffers against a table of gigabytes) and --ops random visits across the month are
    replayed (services/replay.py's query), and --ops other old visits get their 60 points re-sent (an
    offline phone's re-send: all duplicates);
  - warm: the same visits replayed again;
  - new: --ops new visits of today get a 60-point batch each, then the same batch again (all duplicates).
Upserts are field_app's own code, services/upserts.insert_ignoring_duplicates as services/trail.py
calls it, and the commit, through SQLAlchemy in an app context: the timings follow whatever SQL it sends
(ON CONFLICT (visit_id, fix_time) DO NOTHING RETURNING id), with its Python but without the rest of the
request (ingest.py has that). Replays are the replay service's SELECT, compiled from the model, through
psycopg. Every 4th operation of a kind runs under EXPLAIN ANALYZE instead (an engine hook for the
upsert), for the database's own planning + execution time, which a busy machine does not blur. After
the last step the oldest day is deleted (retention without partitions) and the VACUUM after it timed.
It prints a table row per step and ends with one line of headline figures. The database is dropped at
the end (also on failure or Ctrl-C) unless --keep.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import os
import random
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import _pg as pg
import _procs as procs
import _world as w  # first: puts the repository on sys.path
import psycopg
from _trail_month import POINTS, POINTS_SQL, SETUP_SQL, TODAY_SQL, VISITS_SQL, Month, first_morning
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from field_app.extensions import db
from field_app.models import TrailPoint
from field_app.services.upserts import insert_ignoring_duplicates

CHUNK_ROWS = 1_000_000  #: points per bulk transaction
BYTES_PER_ROW = 250  #: table + indexes, for the free-space check (~235 measured) ...
WAL_BYTES = 3 * 2**30  #: ... plus WAL (max_wal_size 1 GB, and some slack)
UNIQUE_INDEX = "uq_trail_points_visit_id_fix_time"
RELATIONS = ("trail_points", "pk_trail_points", UNIQUE_INDEX)
EXPLAIN_EVERY = 4  #: every 4th operation of a kind runs under EXPLAIN ANALYZE, for the database's own time
EXPLAIN = "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) "
KINDS = ("new", "resent", "old_resent", "replay_cold", "replay_warm")


def replay_sql() -> tuple[str, list[str]]:
    """services/replay.py's query of a visit's points, compiled as SQLAlchemy sends it through psycopg."""
    stmt = (
        select(TrailPoint).where(TrailPoint.visit_id == bindparam("visit_id")).order_by(TrailPoint.fix_time)
    )
    return str(stmt.compile(dialect=pg_psycopg.dialect())), [c.name for c in stmt.selected_columns]


class Upserts:
    """field_app's own upsert, called as services/trail.py calls it, and the commit, in an app context on
    the bench database; with ``explain`` its statement runs under EXPLAIN ANALYZE instead (engine hooks),
    so the figures follow whatever SQL services/upserts.py sends."""

    def __init__(self, app) -> None:
        self.app, self.explain, self.plan = app, False, None
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._before, retval=True)
            event.listen(db.engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.explain and statement.lstrip().upper().startswith("INSERT INTO TRAIL_POINTS"):
            return EXPLAIN + statement, parameters
        return statement, parameters

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(EXPLAIN):
            self.plan = cursor.fetchone()[0][
                0
            ]  # the upsert's own fetch then finds no rows: the plan counts them

    def __call__(self, rows: list[dict], explain: bool) -> tuple[float, int, dict | None]:
        """(wall s of the upsert + commit, rows stored, the plan when explained); in an app context."""
        self.explain, self.plan = explain, None
        started = time.perf_counter()
        stored = insert_ignoring_duplicates(TrailPoint, rows, ["visit_id", "fix_time"])
        db.session.commit()
        return time.perf_counter() - started, stored, self.plan

    def flush_stats(self) -> None:
        """Have this session's backend publish its I/O counts too (it does when it goes idle)."""
        db.session.execute(text("SELECT pg_stat_force_next_flush()"))
        db.session.commit()


def evict(conn: psycopg.Connection) -> bool:
    """Write the table and its indexes out and drop them from the OS page cache (this database's files only)."""
    conn.execute("CHECKPOINT")
    try:
        data = Path(conn.execute("SHOW data_directory").fetchone()[0])
        for rel in RELATIONS:
            base = data / conn.execute("SELECT pg_relation_filepath(%s)", (rel,)).fetchone()[0]
            for path in [base, *base.parent.glob(f"{base.name}.*"), *base.parent.glob(f"{base.name}_*")]:
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                finally:
                    os.close(fd)
    except (OSError, psycopg.Error):
        return False
    return True


def explained(n: int) -> bool:
    return n % EXPLAIN_EVERY == EXPLAIN_EVERY - 1


def server_seconds(plan: dict) -> float:
    return (plan["Planning Time"] + plan["Execution Time"]) / 1000


def blocks_read(conn: psycopg.Connection) -> int:
    """Blocks of trail_points and its indexes read from outside shared buffers so far (OS cache or disk)."""
    conn.execute(
        "SELECT pg_stat_force_next_flush()"
    )  # flushed when this backend goes idle, before the next query
    return conn.execute(
        "SELECT coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0) FROM pg_statio_user_tables"
        " WHERE relname = 'trail_points'"
    ).fetchone()[0]


@dataclass
class Step:
    rows: int
    load_rows: int = 0
    load_s: float = 0.0
    vacuum_s: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)
    levels: int | None = None
    seconds: dict[str, list[float]] = field(
        default_factory=lambda: {k: [] for k in KINDS}
    )  #: wall, timed here
    #: planning + execution as EXPLAIN ANALYZE reports them (every EXPLAIN_EVERY-th operation): the
    #: database's own work, without parsing, the wire, psycopg, or waiting for a core on a busy machine
    server: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    reads: dict[str, int] = field(default_factory=dict)  #: blocks read from outside shared buffers, per kind

    def ms(self, kind: str) -> tuple[float, float]:
        p50, p95, _ = w.pct(self.seconds[kind])
        return p50, p95

    def server_ms(self, kind: str) -> float:
        return w.pct(self.server[kind])[0]

    def reads_per_op(self, kind: str) -> float:
        return self.reads.get(kind, 0) / max(1, len(self.seconds[kind]) + len(self.server[kind]))


class Bench:
    """The bench database's table, grown in steps, and the operations timed on it."""

    def __init__(self, conn: psycopg.Connection, app, month: Month, ops: int, seed: int = 11) -> None:
        self.conn, self.app, self.month, self.ops = conn, app, month, ops
        self.upserts = Upserts(app)
        self.rng = random.Random(seed)
        self.replay_sql, names = replay_sql()
        self.fix_col = names.index("fix_time")
        self.loaded = 0  #: bulk visits g = 1..loaded are stored
        self.next_id = 1  #: the next visit id (bulk and today's visits share the sequence's order)
        self.firsts: list[int] = []  #: first g of each bulk range ...
        self.offsets: list[int] = []  #: ... and its visit id - g
        self.checks = {k: [0, 0] for k in ("new", "resent", "old_resent", "replay")}  #: kind -> [bad, total]
        self.evicted = True

    def setup(self) -> None:
        for sql in SETUP_SQL:
            self.conn.execute(sql, self.month.params())
        for table, n in self.month.counts().items():
            self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", (n,))
        for table in ("trail_points", "visits"):
            self.conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        with contextlib.suppress(psycopg.Error):  # without it the B-tree levels are not reported
            self.conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")

    def grow(self, visits: int, step: Step) -> None:
        """Store bulk visits loaded+1 .. visits with their points, a transaction per chunk."""
        offset = self.next_id - (self.loaded + 1)
        self.firsts.append(self.loaded + 1)
        self.offsets.append(offset)
        params = {**self.month.params(), "offset": offset}
        chunk = CHUNK_ROWS // POINTS
        started = time.perf_counter()
        for g0 in range(self.loaded + 1, visits + 1, chunk):
            g1 = min(visits, g0 + chunk - 1)
            with self.conn.transaction():
                self.conn.execute(VISITS_SQL, {**params, "g0": g0, "g1": g1})
                self.conn.execute(POINTS_SQL, {**params, "g0": g0, "g1": g1})
        step.load_s = time.perf_counter() - started
        step.load_rows = (visits - self.loaded) * POINTS
        self.next_id += visits - self.loaded
        self.loaded = visits
        self.conn.execute("SELECT setval(pg_get_serial_sequence('visits', 'id'), %s)", (self.next_id - 1,))

    def measure_table(self, step: Step) -> None:
        self.conn.execute("VACUUM (ANALYZE) visits")
        started = time.perf_counter()
        self.conn.execute("VACUUM (ANALYZE) trail_points")
        step.vacuum_s = time.perf_counter() - started
        row = self.conn.execute(
            f"SELECT pg_total_relation_size('trail_points'), pg_relation_size('trail_points'),"
            f" pg_relation_size('{UNIQUE_INDEX}'), pg_relation_size('pk_trail_points')"
        ).fetchone()
        step.sizes = dict(zip(("total", "heap", "unique", "pkey"), row, strict=True))
        try:
            step.levels = self.conn.execute(f"SELECT level + 1 FROM bt_metap('{UNIQUE_INDEX}')").fetchone()[0]
        except psycopg.Error:
            step.levels = None

    # ------------------------------------------------------------ the timed operations

    def _replay(self, step: Step, kind: str, n: int, visit_id: int) -> tuple[int, list[tuple] | None]:
        """The replay's query, timed, or (every EXPLAIN_EVERY-th) under EXPLAIN ANALYZE: (points, the rows if timed)."""
        if explained(n):
            plan = self.conn.execute(EXPLAIN + self.replay_sql, {"visit_id": visit_id}).fetchone()[0][0]
            step.server[kind].append(server_seconds(plan))
            return plan["Plan"]["Actual Rows"], None
        started = time.perf_counter()
        points = self.conn.execute(self.replay_sql, {"visit_id": visit_id}).fetchall()
        step.seconds[kind].append(time.perf_counter() - started)
        return len(points), points

    def _upsert(self, step: Step, kind: str, n: int, rows: list[dict]) -> int:
        """field_app's upsert of one batch, timed or explained; returns the rows stored."""
        wall, stored, plan = self.upserts(rows, explained(n))
        if plan is None:
            step.seconds[kind].append(wall)
            return stored
        step.server[kind].append(server_seconds(plan))
        return plan["Plan"]["Actual Rows"]

    def _reads(self) -> int:
        self.upserts.flush_stats()
        return blocks_read(self.conn)

    def _check(self, kind: str, ok: bool) -> None:
        self.checks[kind][0] += not ok
        self.checks[kind][1] += 1

    def _rows(self, visit_id: int, first: datetime, now: datetime) -> list[dict]:
        home = (30.75 + self.rng.uniform(-0.05, 0.05), 120.75 + self.rng.uniform(-0.05, 0.05))
        rows = []
        for j in range(POINTS):
            lat, lng = home[0] + self.rng.gauss(0, 1e-4), home[1] + self.rng.gauss(0, 1e-4)
            rows.append(
                dict(
                    visit_id=visit_id,
                    fix_time=first + timedelta(minutes=j),
                    lat=lat,
                    lng=lng,
                    datum="WGS84",
                    lat_wgs84=lat,
                    lng_wgs84=lng,
                    accuracy_m=self.rng.uniform(5, 25),
                    mock=False,
                    altitude_m=15.0,
                    speed_mps=self.rng.uniform(0, 1.5),
                    bearing_deg=self.rng.uniform(0, 360),
                    geofence_status="inside",
                    distance_m=round(self.rng.uniform(2, 60), 1),
                    received_at=now,
                )
            )
        return rows

    def visit_id(self, g: int) -> int:
        return g + self.offsets[bisect.bisect_right(self.firsts, g) - 1]

    def replays(self, step: Step, kind: str, visits: list[int]) -> None:
        before = self._reads()
        for n, g in enumerate(visits):
            count, points = self._replay(step, kind, n, self.visit_id(g))
            times = [p[self.fix_col] for p in points or []]
            self._check(
                "replay",
                count == POINTS
                and (points is None or times == sorted(set(times)) and times[0] == self.month.check_in(g)),
            )
        step.reads[kind] = self._reads() - before

    def old_resends(self, step: Step, visits: list[int]) -> None:
        """Bulk visits' points sent again, as an offline phone re-sends a day: every row a duplicate."""
        before = self._reads()
        now = w.now_utc()
        for n, g in enumerate(visits):
            stored = self._upsert(
                step, "old_resent", n, self._rows(self.visit_id(g), self.month.check_in(g), now)
            )
            self._check("old_resent", stored == 0)
        step.reads["old_resent"] = self._reads() - before

    def new_batches(self, step: Step) -> None:
        """Today's new visits (created untimed, as the check-in does) get a batch each, then the same again."""
        now = w.now_utc().replace(microsecond=0)
        first = now - timedelta(minutes=POINTS + 1)
        ids = range(self.next_id, self.next_id + self.ops)
        self.conn.execute(TODAY_SQL, {**self.month.counts(), "at": first, "v0": ids[0], "v1": ids[-1]})
        self.next_id += self.ops
        self.conn.execute("SELECT setval(pg_get_serial_sequence('visits', 'id'), %s)", (self.next_id - 1,))
        for n, visit_id in enumerate(ids):
            rows = self._rows(visit_id, first, now)
            for kind, expected in (("new", POINTS), ("resent", 0)):
                self._check(kind, self._upsert(step, kind, n, rows) == expected)

    def drop_oldest_day(self) -> tuple[int, float, float]:
        """Retention without partitions: DELETE the first day's points (found through visits.check_in_at),
        then the VACUUM that reclaims them, which reads both indexes whole. Returns (rows, s, s)."""
        started = time.perf_counter()
        deleted = self.conn.execute(
            "DELETE FROM trail_points WHERE visit_id IN (SELECT id FROM visits WHERE check_in_at < %s)",
            (self.month.start + timedelta(days=1),),
        ).rowcount
        mid = time.perf_counter()
        self.conn.execute("VACUUM (INDEX_CLEANUP ON) trail_points")  # as for any delete over 2 % of the pages
        return deleted, mid - started, time.perf_counter() - mid

    def measure_ops(self, step: Step) -> None:
        sample = self.rng.sample(range(1, self.loaded + 1), min(self.loaded, 2 * self.ops))
        replayed, resent = sample[: self.ops], sample[self.ops :]
        self.evicted = evict(self.conn) and self.evicted
        with self.app.app_context():
            self.replays(step, "replay_cold", replayed)
            self.old_resends(step, resent)
            self.replays(step, "replay_warm", replayed)
            self.new_batches(step)


# ---------------------------------------------------------------- reporting

LEGEND = (
    "latency cells: p50/p95 ms wall, as this process sees it (p50 ms of planning + execution in EXPLAIN"
    " ANALYZE, every 4th operation);"
    " blk/op: blocks of trail_points and its indexes read from outside shared buffers per operation"
)
HEADER = (
    f"{'rows':>12} {'load rows/s':>11} {'vacuum s':>8} {'heap GB':>7} {'uq GB':>5} {'pk GB':>5} {'B/row':>5}"
    f" {'lvl':>3} | {'new batch':>15} {'re-sent':>15} | {'old re-sent':>15} {'blk/op':>6} {'replay cold':>15}"
    f" {'blk/op':>6} | {'replay warm':>15}"
)
LABELS = {
    "new": "insert",
    "resent": "resent",
    "old_resent": "old_resent_cold",
    "replay_cold": "replay_cold",
    "replay_warm": "replay_warm",
}


def row_line(s: Step) -> str:
    gb = {k: v / 1e9 for k, v in s.sizes.items()}

    def cell(kind: str) -> str:
        p50, p95 = s.ms(kind)
        return f"{p50:.1f}/{p95:.1f} ({s.server_ms(kind):.1f})"

    return (
        f"{s.rows:>12,} {s.load_rows / s.load_s:>11,.0f} {s.vacuum_s:>8.1f} {gb['heap']:>7.2f} {gb['unique']:>5.2f}"
        f" {gb['pkey']:>5.2f} {s.sizes['total'] / s.rows:>5.0f} {s.levels or '?':>3} | {cell('new'):>15}"
        f" {cell('resent'):>15} | {cell('old_resent'):>15} {s.reads_per_op('old_resent'):>6.1f}"
        f" {cell('replay_cold'):>15} {s.reads_per_op('replay_cold'):>6.1f} | {cell('replay_warm'):>15}"
    )


def latency_figures(first: Step, last: Step) -> dict[str, float]:
    """p50/p95 wall and p50 server ms of every kind at the last step, p50s at the first for comparison."""
    figures = {}
    for kind, name in LABELS.items():
        p50, p95 = last.ms(kind)
        figures[f"{name}_p50_ms_at_max"], figures[f"{name}_p95_ms_at_max"] = round(p50, 2), round(p95, 2)
        figures[f"{name}_server_p50_ms_at_max"] = round(last.server_ms(kind), 2)
    for kind in ("new", "replay_cold"):
        figures[f"{LABELS[kind]}_p50_ms_at_min"] = round(first.ms(kind)[0], 2)
        figures[f"{LABELS[kind]}_server_p50_ms_at_min"] = round(first.server_ms(kind), 2)
    return figures


def retention_line(deleted: int, delete_s: float, vacuum_s: float, last: Step) -> str:
    indexes_gb = (last.sizes["unique"] + last.sizes["pkey"]) / 1e9
    return (
        f"retention without partitions: DELETE of the oldest day's {deleted:,} points (found through"
        f" visits.check_in_at) {delete_s:.1f} s, then VACUUM {vacuum_s:.1f} s (it reads both indexes whole,"
        f" {indexes_gb:.2f} GB); a month's partition would be detached and dropped in milliseconds"
    )


def headline(steps: list[Step], bench: Bench, args, retention: tuple[int, float, float]) -> str:
    first, last = steps[0], steps[-1]
    load_s = sum(s.load_s for s in steps)
    figures = {
        "rows_max": last.rows,
        "steps": len(steps),
        "days": args.days,
        "ops": args.ops,
        "load_rows_per_s": round(last.rows / load_s),
        "load_rows_per_s_last_step": round(last.load_rows / last.load_s),
        "vacuum_s_at_max": round(last.vacuum_s, 1),
        "table_gb": round(last.sizes["total"] / 1e9, 2),
        "heap_gb": round(last.sizes["heap"] / 1e9, 2),
        "uq_index_gb": round(last.sizes["unique"] / 1e9, 2),
        "bytes_per_row": round(last.sizes["total"] / last.rows),
        "btree_levels": last.levels,
        **latency_figures(first, last),
        "replay_cold_blocks_per_op_at_max": round(last.reads_per_op("replay_cold"), 1),
        "retention_day_rows": retention[0],
        "retention_delete_s": round(retention[1], 1),
        "retention_vacuum_s": round(retention[2], 1),
        "cold": "os_cache_dropped" if bench.evicted else "first_touch",
        "loadavg_1m": round(w.loadavg(), 1),
    }
    figures.update({f"bad_{kind}": bad for kind, (bad, _) in bench.checks.items()})
    return " ".join(f"{k}={v}" for k, v in figures.items())


# ---------------------------------------------------------------- main


def plan(args) -> list[int]:
    """Row counts of the steps, whole visits of 60 points: --steps plus --rows, or a default ladder."""
    if args.steps:
        sizes = [int(s) for s in args.steps.split(",")]
    else:
        sizes = [args.rows // 2] if args.small else [args.rows // 50, args.rows // 5, args.rows // 2]
    return sorted({max(POINTS, n // POINTS * POINTS) for n in [*sizes, args.rows] if n <= args.rows})


def check_space(conn: psycopg.Connection, rows: int) -> None:
    """Refuse a run that would fill the server's disk (when its data directory is on this machine)."""
    data = conn.execute("SHOW data_directory").fetchone()[0]
    if Path(data).exists():
        need, free = rows * BYTES_PER_ROW + WAL_BYTES, shutil.disk_usage(data).free
        if need > free:
            raise SystemExit(
                f"{rows:,} rows need ~{need / 1e9:.0f} GB, {free / 1e9:.0f} GB free under {data}"
            )


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(pg.db_url(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", help="any URL on the PostgreSQL server to use (default: scripts/pg.sh's)")
    parser.add_argument("--db", default="field_app_bench_trail_table")
    parser.add_argument("--rows", type=int, default=50_000_000, help="trail points at the last step")
    parser.add_argument(
        "--steps", help="row counts to measure at, comma-separated (default: 2%%, 20%%, 50%%)"
    )
    parser.add_argument("--days", type=int, default=30, help="the days the points are spread over")
    parser.add_argument("--ops", type=int, default=300, help="operations of each kind timed per step")
    parser.add_argument("--keep", action="store_true", help="leave the database for inspection")
    parser.add_argument("--small", action="store_true", help="a CI-sized run: 150,000 rows, 2 steps, 32 ops")
    args = parser.parse_args()
    if args.small:
        args.rows, args.ops = 150_000, 32
    return args


def run_steps(bench: Bench, sizes: list[int], laps: w.Laps) -> list[Step]:
    print(LEGEND)
    print(HEADER, flush=True)
    steps = []
    for n in sizes:
        step = Step(n)
        bench.grow(n // POINTS, step)
        laps.lap(f"load {n:,}")
        bench.measure_table(step)
        bench.measure_ops(step)
        laps.lap(f"measure {n:,}")
        steps.append(step)
        print(row_line(step), flush=True)
    return steps


def main() -> bool:
    args = parse_args()
    laps, server, url = w.begin(args.pg_url, args.db)
    if not args.keep:
        procs.on_cleanup(lambda: drop_database(server, args.db))
    app = w.make_app(url)
    w.migrate(app)
    procs.on_cleanup(lambda: w.dispose(app))
    sizes = plan(args)
    month = Month(sizes[-1] // POINTS, args.days, first_morning(args.days))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        check_space(conn, sizes[-1])
        bench = Bench(conn, app, month, args.ops)
        bench.setup()
        laps.lap("setup")
        print(
            f"month: {month.visits:,} visits of {POINTS} points over {args.days} days from {month.start:%Y-%m-%d}"
            f" ({month.per_day:,} a day, {month.counts()['caregivers']:,} caregivers, {month.counts()['clients']:,}"
            f" clients); steps {', '.join(f'{n:,}' for n in sizes)} rows; {args.ops} operations of each kind a step"
        )
        steps = run_steps(bench, sizes, laps)
        db_gb = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 1e9
        retention = bench.drop_oldest_day()
        laps.lap("retention")
    print(retention_line(*retention, steps[-1]))
    print(laps.line())
    print(
        f"database {args.db}: {db_gb:.2f} GB" + ("" if args.keep else " (dropped at exit; --keep leaves it)")
    )
    print(
        "checks: "
        + ", ".join(f"{kind} {total - bad}/{total} ok" for kind, (bad, total) in bench.checks.items())
    )
    print(headline(steps, bench, args, retention))
    return all(bad == 0 for bad, _ in bench.checks.values())


if __name__ == "__main__":
    procs.guarded_main(main)
