"""The evidence log's cost: trail ingest with and without it (A/B, CPU per batch), proofs and bundles at 10 M leaves.

Run: .venv/bin/python bench/evidence.py --pg-url postgresql://postgres@127.0.0.1:54329 [--small]
         [--leaves 10000000] [--batches 600] [--phones 40] [--keep]

1. A/B ingest on PostgreSQL: 60-point trail batches through the real API stack (Flask test client in this
   process: routing, auth, parsing, geofence, the upsert, the commit with the log's capture) into open
   visits, in alternating rounds with ``EVIDENCE_LOG`` on and off. The machine is shared and busy, so the
   figure is CPU time per batch, not wall time: this process's CPU plus the CPU of this database's
   PostgreSQL backends (from /proc), and with the log also the sequencer's run after each round (the
   scheduler's minute job), so the cost is what the log adds wherever it runs. Overhead = extra CPU per
   batch / CPU per batch without the log; on CPU-bound ingest that is the throughput lost.
2. A log of --leaves leaves (default 10 M) is built server-side (INSERT ... SELECT from generate_series,
   leaf hashes and perfect subtrees computed by PostgreSQL's sha256(), level by level), the bench's own
   leaves sequenced after them, then timed: the root, inclusion proofs of random leaves, consistency
   proofs between random sizes (each verified), and bundle export of an ingested visit (+ offline verify).
The database is dropped at the end unless --keep. Ends with one line of headline figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta

import _pg as pg
import _procs as procs
import _world as w  # first: puts the repository on sys.path
from sqlalchemy import text

from field_app.extensions import db

DBNAME = "field_app_bench_evidence"


def backend_cpu(app) -> float:
    pids = [r[0] for r in w.query(app, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")]
    return procs.cpu_seconds(pids)


def cpu_now(app) -> float:
    return time.process_time() + backend_cpu(app)


def send_round(app, client, visits, tokens, start, n, offset):
    """n batches of 60 points, each to the next visit; returns CPU seconds (ours + PostgreSQL's) of the
    requests and of the sequencer run after them (0 without the log)."""
    before = cpu_now(app)
    for k in range(n):
        uuid, phone = visits[(offset + k) % len(visits)]
        base = start + timedelta(seconds=60 * ((offset + k) // len(visits)))  # a visit: a batch a minute
        points = [
            {"lat": 30.75 + 1e-5 * i, "lng": 120.75, "accuracy_m": 8.0, "datum": "WGS84",
             "time": w.iso(base + timedelta(milliseconds=900 * i))}
            for i in range(60)
        ]  # fmt: skip
        resp = client.post(f"/api/v1/visits/{uuid}/trail", json={"points": points},
                           headers={"Authorization": f"Bearer {tokens[phone]}"})  # fmt: skip
        assert resp.status_code == 200, resp.get_json()
    requests_done = cpu_now(app)
    if app.config["EVIDENCE_LOG"]:
        with app.app_context():
            from field_app.evidence import log

            log.sequence()
            db.session.commit()
    return requests_done - before, cpu_now(app) - requests_done


def ab_ingest(app, args):
    world = w.build_world(app, args.phones, clients_per_phone=1, users=False)
    w.issue_tokens(app, world)
    start = w.now_utc() - timedelta(hours=3)
    visits = [(u, p) for u, p, _c in w.insert_open_visits(app, world, 1, start)]
    tokens = {p.n: p.token for p in world.phones}
    client = app.test_client()
    per_round, rounds = args.batches // 10, 10
    cpu, sequencer = {True: [], False: []}, []
    send_round(app, client, visits, tokens, start, per_round, 0)  # warm-up: caches, prepared statements
    for r in range(rounds):
        on = r % 2 == 0 if r % 4 < 2 else r % 2 == 1  # ABBA order: drift of a busy machine cancels
        app.config["EVIDENCE_LOG"] = on
        used, sequenced = send_round(app, client, visits, tokens, start, per_round, (r + 1) * per_round)
        cpu[on].append((used + sequenced) / per_round)
        if on:
            sequencer.append(sequenced / per_round)
    app.config["EVIDENCE_LOG"] = True
    with_log, without = statistics.mean(cpu[True]), statistics.mean(cpu[False])
    print(f"ingest CPU per 60-point batch: with log {with_log * 1000:.2f} ms (of which the sequencer "
          f"{statistics.mean(sequencer) * 1000:.2f} ms), without {without * 1000:.2f} ms "
          f"(rounds with: {[round(x * 1000, 2) for x in cpu[True]]}, without: {[round(x * 1000, 2) for x in cpu[False]]})")  # fmt: skip
    return with_log, without, visits


BUILD_SQL = [
    # leaves 0..n-1: small canonical JSON each, hashed as RFC 6962 leaves by PostgreSQL
    """INSERT INTO evidence_leaves (seq, table_name, op, row_key, data, leaf_hash, created_at)
       SELECT s, 'bench', 'insert', s::text, d, sha256('\\x00'::bytea || convert_to(d, 'UTF8')), now()
       FROM (SELECT s, '{"bench":' || s || ',"table":"bench"}' AS d FROM generate_series(0, :n - 1) s) q""",
]
# One ordered pass per level (lead() pairs each left child with its right sibling): a self-join
# planned on stale statistics became a nested loop over millions of rows.
LEVEL_SQL = """INSERT INTO evidence_nodes (level, index, hash)
   SELECT :lv, i / 2, sha256('\\x01'::bytea || h || r)
   FROM (SELECT i, h, lead(h) OVER (ORDER BY i) AS r FROM {src} s) q
   WHERE i % 2 = 0 AND r IS NOT NULL"""


def build_log(app, n: int) -> float:
    t0 = time.monotonic()
    with app.app_context():
        db.session.execute(text(BUILD_SQL[0]), {"n": n})
        db.session.commit()
        src, level = "(SELECT seq AS i, leaf_hash AS h FROM evidence_leaves WHERE table_name = 'bench')", 1
        while (n >> level) > 0:
            db.session.execute(text(LEVEL_SQL.format(src=src)), {"lv": level})
            db.session.commit()
            src = f"(SELECT index AS i, hash AS h FROM evidence_nodes WHERE level = {level})"
            level += 1
        db.session.execute(text("ANALYZE evidence_leaves; ANALYZE evidence_nodes"))
        db.session.commit()
    return time.monotonic() - t0


def time_proofs(app, size: int, count: int = 200) -> tuple[float, float]:
    from field_app.evidence import log
    from field_app.evidence.verifier import verify_consistency, verify_inclusion

    rng = random.Random(5)
    with app.app_context():
        root = log.root(size)
        inc = []
        for _ in range(count):
            m = rng.randrange(size)
            t0 = time.perf_counter()
            proof = log.inclusion_proof(m, size)
            inc.append(time.perf_counter() - t0)
            leaf = db.session.execute(
                text("SELECT leaf_hash FROM evidence_leaves WHERE seq = :m"), {"m": m}
            ).scalar()
            verify_inclusion(m, size, bytes(leaf), proof, root)
        con = []
        for _ in range(count // 4):
            m = rng.randrange(1, size)
            t0 = time.perf_counter()
            proof = log.consistency_proof(m, size)
            con.append(time.perf_counter() - t0)
            verify_consistency(m, size, log.root(m), root, proof)
        db.session.rollback()
    return statistics.median(inc), statistics.median(con)


def time_bundle(app, visit_uuid: str) -> tuple[float, float, int]:
    from field_app.evidence import service
    from field_app.evidence.verifier import verify_bundle

    with app.app_context():
        t0 = time.perf_counter()
        bundle = service.export_bundle(visit_uuid, w.now_utc())
        export_s = time.perf_counter() - t0
        db.session.commit()
        t0 = time.perf_counter()
        verify_bundle(bundle)
        return export_s, time.perf_counter() - t0, bundle["tree_head"]["tree_size"]


def main() -> bool:
    args = parse_args()
    laps, server, url = w.begin(args.pg_url, DBNAME)
    if not args.keep:
        procs.on_cleanup(lambda: pg.drop_database(server, DBNAME))
    app = w.make_app(url)
    w.migrate(app)
    build_s = build_log(app, args.leaves)
    print(f"log of {args.leaves:,} leaves built server-side in {build_s:.1f} s")
    laps.lap("build log")
    with_log, without, visits = ab_ingest(app, args)
    laps.lap("A/B ingest")
    inc, con = time_proofs(app, args.leaves)
    export_s, verify_s, size = time_bundle(app, visits[0][0])
    laps.lap("proofs and bundle")
    overhead = (with_log - without) / without * 100
    print(f"at {size:,} leaves: inclusion proof {inc * 1000:.2f} ms, consistency proof {con * 1000:.2f} ms (medians), "
          f"bundle export {export_s * 1000:.0f} ms (signs a head: root over the whole log), offline verify {verify_s * 1000:.1f} ms")  # fmt: skip
    print(laps.line())
    print(
        f"ingest_cpu_ms_per_batch_with_log={with_log * 1000:.2f} ingest_cpu_ms_per_batch_without={without * 1000:.2f} "
        f"log_overhead_pct={overhead:.1f} points_per_cpu_s_with_log={60 / with_log:.0f} leaves={size} "
        f"inclusion_proof_ms={inc * 1000:.2f} consistency_proof_ms={con * 1000:.2f} "
        f"bundle_export_ms={export_s * 1000:.0f} bundle_verify_ms={verify_s * 1000:.1f} loadavg_1m={w.loadavg():.1f}"
    )
    return True


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--pg-url", help="PostgreSQL server (loopback); default scripts/pg.sh's")
    p.add_argument("--small", action="store_true", help="100k leaves, 200 batches: a quick check")
    p.add_argument("--leaves", type=int, default=10_000_000)
    p.add_argument("--batches", type=int, default=600)
    p.add_argument("--phones", type=int, default=40)
    p.add_argument("--keep", action="store_true", help="keep the bench database")
    args = p.parse_args()
    if args.small:
        args.leaves, args.batches = 100_000, 200
    return args


if __name__ == "__main__":
    procs.guarded_main(main)
