"""Trail ingest on PostgreSQL through the API, in the production shape (gunicorn workers + scheduler).

Run: .venv/bin/python bench/ingest.py [--small] [--workers 4] [--phones 8000] [--clients 8] [--seconds 60]
         [--profile]
--phones caregivers, each with one open visit at a client's home (inserted directly, as the check-in
service stores it, with an access token: this bench measures the trail path, not the face step or
sign-in), post batches of 60 points through --clients senders (threads, one keep-alive
requests.Session each); ~5 % of batches are re-sent. At the end every accepted point is looked up:
lost/doubled must be 0. The last line holds the headline figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import _ingest_variants as variants
import _pg as pg
import _procs as procs
import _world as w
import requests


@dataclass
class Batch:
    visit: str
    phone: int
    times: list[str]
    body: bytes


@dataclass
class Sent:
    batch: Batch
    resend: bool
    answer: w.Answer


@dataclass
class Results:
    sent: list[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: Sent) -> None:
        with self.lock:
            self.sent.append(item)


def build_batches(
    world: w.World, visits: list[tuple], per_visit: int, points: int, check_in_at, seed: int = 5
) -> dict[int, list[Batch]]:
    """Per phone, its visits' batches in sending order (batch b of every visit before batch b+1)."""
    rng = random.Random(seed)
    out: dict[int, list[Batch]] = {p.n: [] for p in world.phones}
    for b in range(per_visit):
        for uuid, phone_n, client_id in visits:
            home = world.homes[client_id]
            fixes = [
                w.fix(rng, home, check_in_at + w.minutes(b * points + k + 1), sigma_m=rng.choice((8, 8, 60)))
                for k in range(points)
            ]
            body = json.dumps({"device_id": world.phones[phone_n].device_id, "points": fixes}).encode()
            out[phone_n].append(Batch(uuid, phone_n, [f["time"] for f in fixes], body))
    return out


def run_load(
    base: str,
    world: w.World,
    batches: dict[int, list[Batch]],
    senders: int,
    max_batches: int,
    seconds: float,
    resend: float,
) -> tuple[Results, float]:
    """Sender k sends for phones k, k + senders, ...: every phone's first batch, then every second one."""
    results = Results()
    budget = itertools.count()
    deadline = time.monotonic() + seconds

    def sender_loop(k: int) -> None:
        rng = random.Random(k)
        url = base + "/api/v1/visits/{}/trail"
        mine = world.phones[k::senders]
        rounds = max((len(batches[p.n]) for p in mine), default=0)
        queue = [batches[p.n][b] for b in range(rounds) for p in mine if b < len(batches[p.n])]
        with requests.Session() as session:
            for batch in queue:
                if time.monotonic() > deadline or next(budget) >= max_batches:
                    return
                token = world.phones[batch.phone].token
                answer = w.call(session, "POST", url.format(batch.visit), batch.body, token, deadline_s=60)
                results.add(Sent(batch, False, answer))
                if rng.random() < resend:  # the phone did not see the answer, or lost its sent-marker
                    results.add(
                        Sent(
                            batch,
                            True,
                            w.call(
                                session, "POST", url.format(batch.visit), batch.body, token, deadline_s=60
                            ),
                        )
                    )

    threads = [threading.Thread(target=sender_loop, args=(k,), daemon=True) for k in range(senders)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 180)
    return results, time.perf_counter() - started


def verify(app, results: Results) -> dict:
    """Every point the clients saw accepted is stored once; re-sends stored nothing."""
    accepted: set[tuple[str, str]] = set()
    unsure: set[tuple[str, str]] = set()
    claimed = resend_stored = refused = 0
    for s in results.sent:
        keys = {(s.batch.visit, t) for t in s.batch.times}
        if s.answer.status == 200:
            accepted |= keys
            claimed += s.answer.body["stored"]
            if s.resend:
                resend_stored += s.answer.body["stored"]
        elif s.answer.status is None or s.answer.status >= 500:
            unsure |= keys  # no answer: it may or may not have been stored
        else:
            refused += 1
    rows = w.query(
        app,
        "SELECT v.uuid, to_char(t.fix_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') "
        "FROM trail_points t JOIN visits v ON v.id = t.visit_id",
    )
    stored = {(u, t + "+00:00") for u, t in rows}
    return {
        "rows": len(rows),
        "accepted_points": len(accepted),
        "claimed_stored": claimed,
        "lost": len(accepted - stored),
        "unexpected": len(stored - accepted - unsure),
        "doubled": (len(rows) - len(stored)) + max(0, claimed - len(stored)) + resend_stored,
        "refused": refused,
    }


def report(
    results: Results, wall: float, check: dict, args, routes: dict, cpu: dict[str, float], rescanned: int
) -> None:
    first = [s for s in results.sent if not s.resend]
    ok = [s.answer.seconds for s in first if s.answer.status == 200]
    p50, p95, p99 = w.pct(ok)
    resent = [s for s in results.sent if s.resend]
    dup_ok = sum(
        1
        for s in resent
        if s.answer.status == 200 and s.answer.body["duplicates"] == s.answer.body["received"]
    )
    statuses: dict[str, int] = {}
    for s in results.sent:
        key = str(s.answer.status) if s.answer.status != 200 else "200"
        statuses[key] = statuses.get(key, 0) + 1
    points_per_s = check["claimed_stored"] / wall
    req_per_s = len(results.sent) / wall
    print(
        f"requests: {len(results.sent)} ({len(first)} batches + {len(resent)} re-sent), statuses {statuses}"
    )
    print(f"re-sent batches answered stored=0 duplicates=60: {dup_ok}/{len(resent)}")
    print(
        f"rows: {check['rows']} trail points stored; accepted by clients {check['accepted_points']}; "
        f"lost {check['lost']}, doubled {check['doubled']}, stored without an answer {check['unexpected']}"
    )
    server = routes.get(("/api/v1/visits/<visit_id>/trail", "200"))
    if server:
        print(
            f"server-side mean per batch (from /metrics): {server[0] / server[1] * 1000:.1f} ms over {server[1]}"
        )
    n = max(1, len(results.sent))
    per = {k: v / n * 1000 for k, v in cpu.items()}
    server_ms = per["workers"] + per["postgres"] + per["scheduler"]
    projected = 60 * 1000 / server_ms * w.os.cpu_count()
    print(
        f"CPU per request (ms): gunicorn workers {per['workers']:.1f}, PostgreSQL {per['postgres']:.1f}, "
        f"scheduler {per['scheduler']:.1f}, this client {per['client']:.1f}; "
        f"workers {cpu['workers'] / wall:.2f} cores busy on average"
    )
    print(
        f"projected on {w.os.cpu_count()} cores serving only the API, the scheduler and PostgreSQL "
        f"(phones elsewhere): {projected:.0f} points/s"
    )
    # In production a visit's batches come ~20 minutes apart, more than TRAIL_RESCAN_MINUTES: every batch
    # leads to one re-scan of its visit, however many batches this short run packed into one scan.
    per_scan = cpu["scheduler"] / max(1, rescanned) * 1000
    one_scan_each = 60 * 1000 / (per["workers"] + per["postgres"] + per_scan) * w.os.cpu_count()
    print(
        f"scheduler: {rescanned} visits re-judged during the load, {per_scan:.1f} ms of its CPU each; with one "
        f"re-scan per batch, as batches 20 minutes apart cause: {one_scan_each:.0f} points/s projected"
    )
    print(
        f"upsert={args.upsert} scheduler={'off' if args.no_scheduler else 'on'} loadavg_1m={w.loadavg():.1f} "
        f"workers={args.workers} clients={args.clients} batches={len(first)} resent={len(resent)} "
        f"points={check['claimed_stored']} seconds={wall:.1f} points_per_s={points_per_s:.0f} "
        f"req_per_s={req_per_s:.0f} cpu_ms_per_batch={server_ms:.1f} projected_points_per_s={projected:.0f} "
        f"projected_one_rescan_per_batch={one_scan_each:.0f} p50_ms={p50:.0f} p95_ms={p95:.0f} p99_ms={p99:.0f} "
        f"lost={check['lost']} doubled={check['doubled']}"
    )


def stage_times(app, world: w.World, visits: list[tuple], check_in_at, n: int = 150) -> str:
    """CPU milliseconds per 60-point batch of each stage of the trail request, run in this process on
    the same database without a profiler (which inflates SQLAlchemy's many small calls)."""
    from field_app.api.parsing import validation_context
    from field_app.domain.shapes import TrailBatchIn
    from field_app.extensions import db
    from field_app.services import accounts, trail
    from field_app.services.checks import client_fence
    from field_app.services.lookup import visit_or_none
    from field_app.verification import geofence
    from field_app.verification.datum import to_wgs84

    rng, spent = random.Random(8), {}
    original = trail.insert_ignoring_duplicates

    def timed(name, func, *a):
        t = time.process_time()
        out = func(*a)
        spent[name] = spent.get(name, 0.0) + time.process_time() - t
        return out

    def stages(uuid, phone_n, client_id, k, upsert, name):
        frac = 0.5 / (1 + k // 2)  # between the load's whole minutes, a new set for every round
        body = json.dumps(
            {
                "points": [
                    w.fix(rng, world.homes[client_id], check_in_at + w.minutes(j + frac + 60 * (k % 2)))
                    for j in range(60)
                ]
            }
        ).encode()
        data = timed("json", json.loads, body)
        batch = timed("pydantic", lambda: TrailBatchIn.model_validate(data, context=validation_context()))
        timed("token", accounts.resolve, world.phones[phone_n].token, accounts.ACCESS, w.now_utc())
        visit = timed("visit+client", lambda: (v := visit_or_none(uuid), client_fence(v.client))[0])
        points = list(batch.points)

        def fence_test():
            coords = [to_wgs84(p.lat, p.lng, p.datum) for p in points]
            return geofence.check_fixes(
                client_fence(visit.client),
                [c[0] for c in coords],
                [c[1] for c in coords],
                [p.accuracy_m for p in points],
            )

        timed("geofence", fence_test)  # a circle: no per-home projection, so no cache to miss
        trail.insert_ignoring_duplicates = lambda *a: timed(name, upsert, *a)
        timed(
            "add_trail (all but the insert)",
            trail.add_trail,
            visit,
            batch,
            w.now_utc(),
            48,
            1.0,
            w.minutes(10),
        )
        timed("commit", db.session.commit)

    with app.app_context():
        try:
            for i in range(n):
                uuid, phone_n, client_id = visits[i % len(visits)]
                upsert, name = (
                    (original, "insert (field_app's)"),
                    (variants.jsonb_upsert, "insert (jsonb_to_recordset)"),
                    (variants.values_upsert, "insert (before 7948651)"),
                )[i % 3]
                stages(uuid, phone_n, client_id, i // len(visits), upsert, name)
        finally:
            trail.insert_ignoring_duplicates = original
            db.session.rollback()
    per = {k: v / (n / 3 if k.startswith("insert") else n) * 1000 for k, v in spent.items()}
    inserts = sum(v for k, v in spent.items() if k.startswith("insert"))
    per["add_trail (all but the insert)"] = (spent["add_trail (all but the insert)"] - inserts) / n * 1000
    return "stages (CPU ms per 60-point batch, one process): " + ", ".join(
        f"{k} {v:.2f}" for k, v in per.items()
    )


def wait_for_scans(app, started_after, timeout_s: float = 240) -> None:
    """Until a scan run started after ``started_after`` has finished and none is in progress (the
    scheduler scans at start and then every SCAN_INTERVAL_SECONDS)."""
    deadline = time.monotonic() + timeout_s
    sql = (
        "SELECT count(*) FILTER (WHERE started_at >= :t AND status <> 'running'),"
        " count(*) FILTER (WHERE status = 'running') FROM scan_runs"
    )
    while time.monotonic() < deadline:
        finished, running = w.query(app, sql, t=started_after)[0]
        if finished and not running:
            break
        time.sleep(0.5)
    w.dispose(app)


def print_profile(path: str, top: int = 30) -> None:
    import pstats

    stats = pstats.Stats(path)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(
        r"field_app/|pydantic/main|flask/json|prometheus_client/(metrics|values)", top
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", help="any URL on the PostgreSQL server to use (default: scripts/pg.sh's)")
    parser.add_argument("--db", default="field_app_bench_load")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--phones", type=int, default=8000, help="caregivers, one open visit each")
    parser.add_argument("--clients", type=int, default=8, help="concurrent senders (threads)")
    parser.add_argument("--batches-per-visit", type=int, default=2)
    parser.add_argument("--points", type=int, default=60, help="points per batch")
    parser.add_argument("--max-batches", type=int, default=20000, help="stop after this many batches")
    parser.add_argument("--seconds", type=float, default=60, help="... or after this long")
    parser.add_argument("--resend", type=float, default=0.05, help="share of batches sent twice")
    parser.add_argument("--no-scheduler", action="store_true")
    parser.add_argument(
        "--scan-interval", type=int, help="the scheduler's SCAN_INTERVAL_SECONDS (default: the app's, 60)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="one worker under cProfile; prints where time goes"
    )
    parser.add_argument(
        "--upsert",
        choices=("current", "values", "unnest", "jsonb"),
        default="current",
        help="store points with field_app's code (current), its previous version (values) or a "
        "variant (unnest, jsonb = jsonb_to_recordset), patched into the bench's workers",
    )
    parser.add_argument(
        "--stages",
        action="store_true",
        help="time the request's stages in this process (always, unless --small)",
    )
    parser.add_argument("--small", action="store_true", help="a CI-sized run (well under a minute)")
    args = parser.parse_args()
    if args.small:
        args.workers, args.clients, args.phones, args.max_batches, args.seconds = 2, 4, 40, 60, 20
        args.scan_interval = args.scan_interval or 3  # the closing scan comes soon after the short load
    if args.profile:
        args.workers = 1
    return args


def server_env(args) -> tuple[dict[str, str], str]:
    """Extra environment of the production shape and its app spec (the bench's own for patched workers)."""
    extra, spec = {}, "field_app:create_app()"
    if args.profile:
        extra["BENCH_PROFILE"] = f"/tmp/field_app_ingest_{procs.free_port()}.prof"
        procs.on_cleanup(lambda: Path(extra["BENCH_PROFILE"]).unlink(missing_ok=True))
    if args.upsert != "current":
        extra["BENCH_UPSERT"] = args.upsert
    if extra:
        spec = "bench._ingest_variants:bench_app()"
    if args.scan_interval:
        extra["FIELD_APP_SCAN_INTERVAL_SECONDS"] = str(args.scan_interval)
    return extra, spec


def main() -> bool:
    args = parse_args()
    laps, server, url = w.begin(args.pg_url, args.db)
    app = w.make_app(url)
    w.migrate(app)
    world = w.build_world(
        app, args.phones, clients_per_phone=1, people_list=w.people(variants=0), users=False
    )
    w.issue_tokens(app, world)
    check_in_at = w.now_utc() - w.minutes(args.batches_per_visit * args.points + 10)
    visits = w.insert_open_visits(app, world, 1, check_in_at)
    batches = build_batches(world, visits, args.batches_per_visit, args.points, check_in_at)
    laps.lap("setup")
    print(
        f"world: {len(world.phones)} caregivers with a phone, an access token and an open visit each (inserted "
        f"directly); {sum(map(len, batches.values()))} batches of {args.points} points ready"
    )

    extra, spec = server_env(args)
    started = w.now_utc()
    shape = w.Shape(
        url, workers=args.workers, scheduler=not args.no_scheduler, extra_env=extra, app_spec=spec
    ).start()
    laps.lap("start")
    if not args.no_scheduler:
        wait_for_scans(app, started)  # the start-up scan of the open visits is not part of the load
    w.dispose(app)  # the bench's own connection is closed: the database's busy backends are the API's
    pids, scheduler = shape.worker_pids(), [shape.scheduler.pid] if shape.scheduler else []
    cpu0, scheduler0, client0 = procs.cpu_seconds(pids), procs.cpu_seconds(scheduler), time.process_time()
    load_started = w.now_utc()
    results, wall = run_load(
        shape.base, world, batches, args.clients, args.max_batches, args.seconds, args.resend
    )
    cpu = {"workers": procs.cpu_seconds(pids) - cpu0, "client": time.process_time() - client0}
    if (
        not args.no_scheduler
    ):  # every change of the load scanned: the scheduler's CPU and visits counted whole
        wait_for_scans(app, w.now_utc())
    # the scheduler re-judges the visits the batches changed: part of the cost of ingest
    cpu["scheduler"] = procs.cpu_seconds(scheduler) - scheduler0
    # backends of this database live only for this run; the scheduler's is counted too
    cpu["postgres"] = procs.cpu_seconds(pg.backend_pids(server, args.db))
    rescanned = w.query(
        app, "SELECT coalesce(sum(visits_scanned), 0) FROM scan_runs WHERE started_at >= :t", t=load_started
    )[0][0]
    laps.lap("load")
    check = verify(app, results)
    stages = stage_times(app, world, visits, check_in_at) if args.stages or not args.small else ""
    routes = shape.route_seconds()
    shape.stop()
    w.dispose(app)
    laps.lap("count+stop")
    print(laps.line())
    if stages:
        print(stages)
    report(results, wall, check, args, routes, cpu, rescanned)
    if args.profile:
        print_profile(extra["BENCH_PROFILE"])
    return check["lost"] == 0 and check["doubled"] == 0 and check["refused"] == 0


if __name__ == "__main__":
    procs.guarded_main(main)
