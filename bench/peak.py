"""Morning peak (07:00-10:00) on the production shape: phones check in with real selfies, send trail
and items, check out; ~5 % of requests re-sent. Then every accepted row is counted.

Run: .venv/bin/python bench/peak.py [--small] [--phones 50] [--visits 2] [--workers 2] [--seconds 300]
Each phone (a thread with a keep-alive requests.Session) signs in, then per visit: check-in with a
~150-300 KB JPEG selfie (a real face of ../shared/faces, as a phone app sends it after its own
compression), 2-3 trail batches (60 points a visit), items, check-out. A re-sent request carries the
same attempt id / points / items and must get the same answer, storing nothing. The face step's CPU
cost is the limit: the headline gives check-ins per second per core. The last line holds the
headline figures; ``lost=0 doubled=0 mismatched_replays=0`` is the correctness outcome.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import _pg as pg
import _procs as procs
import _world as w
import numpy as np
import requests

from field_app.demo.seed import DAILY_SETS

CHECK_IN, TRAIL, ITEMS, CHECK_OUT, SIGN_IN = "check-in", "trail", "items", "check-out", "sign-in"
ENDPOINTS = (SIGN_IN, CHECK_IN, TRAIL, ITEMS, CHECK_OUT)
ITEM_SETS = DAILY_SETS  # the demo's honest item sets: their minimum minutes fit in a visit
VISIT_MINUTES = 75  # longer than any item set's minimum minutes: honest visits


@dataclass
class Record:
    endpoint: str
    visit: str
    keys: list  #: attempt id, trail fix times or (code, started_at) items
    answer: w.Answer
    dup: bool = False  #: a re-send of the request before it
    original: w.Answer | None = None  #: for a re-send: the answer it repeats


@dataclass
class Log:
    records: list[Record] = field(default_factory=list)
    visits_done: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)


def visit_requests(world: w.World, phone: w.Phone, k: int, start, rng: random.Random) -> tuple[str, list]:
    """The requests of one visit, in order: (endpoint, keys, body builder) triples."""
    visit = f"pk-{phone.n:05d}-{k:03d}-{uuid.uuid4().hex[:10]}"
    client_id = phone.clients[k % len(phone.clients)]
    home = world.homes[client_id]
    person = world.people[phone.person]
    end = start + w.minutes(VISIT_MINUTES)

    def attempt(kind: str, at, selfie_n: int) -> tuple[str, list, Callable[[], bytes]]:
        attempt_id = uuid.uuid4().hex
        selfie = person.selfies[selfie_n % len(person.selfies)]
        fix = w.fix(rng, home, at)

        def body() -> bytes:
            data = {
                "attempt_id": attempt_id,
                "caregiver_id": phone.caregiver_id,
                "device_id": phone.device_id,
                "device_time": w.iso(w.now_utc()),
                "fix": fix,
                "selfie": w.b64(selfie),
            }
            if kind == CHECK_IN:
                data["client_id"] = client_id
            return json.dumps(data).encode()

        return kind, [attempt_id], body

    steps = [attempt(CHECK_IN, start, 2 * (phone.n + k))]
    fixes = [w.fix(rng, home, start + w.minutes(m + 1)) for m in range(60)]
    cuts = sorted(rng.sample(range(10, 50), rng.choice((1, 2))))  # 2-3 batches
    for part in np.split(np.arange(60), cuts):
        batch = [fixes[i] for i in part]
        body = json.dumps({"device_id": phone.device_id, "points": batch}).encode()
        steps.append((TRAIL, [f["time"] for f in batch], lambda b=body: b))
    items = [
        {"code": c, "started_at": w.iso(start + w.minutes(5 + 12 * n))}
        for n, c in enumerate(rng.choice(ITEM_SETS))
    ]
    items_body = json.dumps({"items": items}).encode()
    steps.append((ITEMS, [(i["code"], i["started_at"]) for i in items], lambda: items_body))
    steps.append(attempt(CHECK_OUT, end, 2 * (phone.n + k) + 1))
    return visit, steps


def run_phones(
    base: str,
    world: w.World,
    phones: list[w.Phone],
    visits: int,
    resend: float,
    seconds: float,
    log: Log,
    deadline_s: float = 120.0,
    start_offset_min: float = 0.0,
) -> float:
    """Every phone does its visits concurrently (new visits stop after ``seconds``); returns wall seconds."""
    stop_at = time.monotonic() + seconds

    def phone_loop(phone: w.Phone) -> None:
        rng = random.Random(phone.n)
        with requests.Session() as session:
            for k in range(visits):
                if time.monotonic() > stop_at:
                    return
                start = w.now_utc() - w.minutes(start_offset_min + (visits - k) * (VISIT_MINUTES + 20))
                visit, steps = visit_requests(world, phone, k, start, rng)
                for endpoint, keys, body in steps:
                    url = f"{base}/api/v1/visits/{visit}/{endpoint}"
                    data = body()
                    answer = w.call(session, "POST", url, data, phone.token, deadline_s=deadline_s)
                    log.add(Record(endpoint, visit, keys, answer))
                    if rng.random() < resend:  # the answer was lost on the way: the phone sends it again
                        again = w.call(session, "POST", url, data, phone.token, deadline_s=deadline_s)
                        log.add(Record(endpoint, visit, keys, again, dup=True, original=answer))
                with log.lock:
                    log.visits_done += 1

    threads = [threading.Thread(target=phone_loop, args=(p,), daemon=True) for p in phones]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 20 * deadline_s)
    return time.perf_counter() - started


def calibrate(base: str, world: w.World, phone: w.Phone, n: int, pids: list[int], log: Log) -> float:
    """Worker CPU milliseconds of one check-in request, from ``n`` check-ins sent one at a time."""
    rng = random.Random(99)
    cpu0 = procs.cpu_seconds(pids)
    with requests.Session() as session:
        for k in range(n):
            visit, steps = visit_requests(world, phone, 100 + k, w.now_utc() - w.minutes(30), rng)
            endpoint, keys, body = steps[0]
            answer = w.call(session, "POST", f"{base}/api/v1/visits/{visit}/{endpoint}", body(), phone.token)
            log.add(Record(endpoint, visit, keys, answer))
    return (procs.cpu_seconds(pids) - cpu0) / n * 1000


def sign_in_all(base: str, phones: list[w.Phone], log: Log) -> None:
    def one(phone: w.Phone) -> None:
        with requests.Session() as session:
            log.add(Record(SIGN_IN, "", [], w.sign_in(session, base, phone)))

    threads = [threading.Thread(target=one, args=(p,), daemon=True) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)


# ---------------------------------------------------------------- checking what was stored


def _stored(app) -> dict[str, set]:
    ms = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS'"
    attempts = w.query(app, "SELECT a.uuid FROM visit_attempts a")
    points = w.query(
        app,
        f"SELECT v.uuid, to_char(t.fix_time AT TIME ZONE 'UTC', {ms}) FROM trail_points t "
        "JOIN visits v ON v.id = t.visit_id",
    )
    items = w.query(
        app,
        f"SELECT v.uuid, i.service_code, to_char(i.started_at AT TIME ZONE 'UTC', {ms}) "
        "FROM performed_items i JOIN visits v ON v.id = i.visit_id",
    )
    return {
        CHECK_IN: {r[0] for r in attempts},
        "attempt_rows": len(attempts),
        TRAIL: {(u, t + "+00:00") for u, t in points},
        "trail_rows": len(points),
        ITEMS: {(u, c, t + "+00:00") for u, c, t in items},
        "items_rows": len(items),
    }


def _keys(record: Record) -> set:
    if record.endpoint in (CHECK_IN, CHECK_OUT):
        return set(record.keys)
    if record.endpoint == TRAIL:
        return {(record.visit, t) for t in record.keys}
    return {(record.visit, c, t) for c, t in record.keys}


def _accepted(record: Record) -> bool:
    """The phone was told its data is stored: 200 (an attempt whose face was not verified included)."""
    return record.answer.status == 200


def _replay_ok(record: Record) -> bool:
    """A re-send is answered like the original (attempts: the very same answer), storing nothing new."""
    a, o = record.answer, record.original
    if o is None or o.status is None or not _accepted(Record(record.endpoint, "", [], o)):
        return True  # the original got no usable answer: nothing to compare with
    if record.endpoint in (CHECK_IN, CHECK_OUT):
        return a.status == o.status and a.body == o.body
    return a.status == 200 and a.body["stored"] == 0 and a.body["duplicates"] == a.body["received"]


def verify(app, log: Log) -> dict:
    """lost: accepted but not stored; doubled: stored more than once, or stored again by a re-send."""
    stored = _stored(app)
    accepted: dict[str, set] = {CHECK_IN: set(), TRAIL: set(), ITEMS: set()}
    sent: dict[str, set] = {CHECK_IN: set(), TRAIL: set(), ITEMS: set()}
    bad_replays, resend_stored, errors = [], 0, {}
    for r in log.records:
        if r.endpoint == SIGN_IN:
            continue
        group = CHECK_IN if r.endpoint == CHECK_OUT else r.endpoint
        sent[group] |= _keys(r)
        if _accepted(r):
            accepted[group] |= _keys(r)
        else:
            key = f"{r.endpoint} {r.answer.status} {r.answer.code}"
            errors[key] = errors.get(key, 0) + 1
        if r.dup and not _replay_ok(r):
            bad_replays.append(f"{r.endpoint} {r.visit}: {r.original.status} then {r.answer.status}")
        if r.dup and r.endpoint in (TRAIL, ITEMS) and r.answer.status == 200:
            resend_stored += r.answer.body["stored"]
    lost = {g: len(accepted[g] - stored[g]) for g in accepted}
    invented = {g: len(stored[g] - sent[g]) for g in accepted}  # rows no phone ever sent
    doubled = (
        (stored["attempt_rows"] - len(stored[CHECK_IN]))
        + (stored["trail_rows"] - len(stored[TRAIL]))
        + (stored["items_rows"] - len(stored[ITEMS]))
        + resend_stored
        + sum(invented.values())
    )
    return {
        "lost": sum(lost.values()),
        "lost_by_kind": lost,
        "doubled": doubled,
        "invented": invented,
        "bad_replays": bad_replays,
        "errors": errors,
        "accepted": {g: len(v) for g, v in accepted.items()},
        "rows": {g: len(stored[g]) for g in accepted},
        "unanswered_but_stored": {g: len((stored[g] & sent[g]) - accepted[g]) for g in accepted},
    }


def print_check(check: dict) -> None:
    print(f"accepted by phones: {check['accepted']} (check-in = all attempts); stored: {check['rows']}")
    print(
        f"lost {check['lost_by_kind']}, doubled {check['doubled']}, rows no phone sent {check['invented']}, "
        f"stored without the phone seeing an answer {check['unanswered_but_stored']}"
    )
    if check["errors"]:
        print(f"requests not accepted: {check['errors']}")
    for line in check["bad_replays"][:10]:
        print(f"  re-send answered differently: {line}")


# ---------------------------------------------------------------- reporting


def latency_table(records: list[Record]) -> dict[str, tuple]:
    out = {}
    for endpoint in ENDPOINTS:
        times = [r.answer.seconds for r in records if r.endpoint == endpoint and not r.dup and _accepted(r)]
        if times:
            out[endpoint] = (len(times), *w.pct(times))
            print(
                f"  {endpoint:10} n={len(times):5}  p50 {out[endpoint][1]:7.0f} ms  p95 {out[endpoint][2]:7.0f} ms"
                f"  p99 {out[endpoint][3]:7.0f} ms"
            )
    dups = [r.answer.seconds for r in records if r.dup]
    if dups:
        print(f"  re-sends    n={len(dups):5}  p50 {w.pct(dups)[0]:7.0f} ms")
    return out


def face_outcomes(records: list[Record]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in records:
        if (
            r.endpoint in (CHECK_IN, CHECK_OUT)
            and not r.dup
            and isinstance(r.answer.body, dict)
            and "attempt" in r.answer.body
        ):
            key = f"{r.endpoint}:{r.answer.body['attempt']['face']['status']}/{r.answer.body['attempt']['geofence']['status']}"
            out[key] = out.get(key, 0) + 1
    return out


def face_search_figures(caregivers: int = 40_000, per: int = 3, chunk: int = 1000) -> str:
    """1:N search as rule X05 does it (one float32 matrix product over every enrolment)."""
    from field_app.rules.cross_visit.face_substitution import _distances

    rng = np.random.default_rng(0)
    matrix = rng.normal(0, 0.1, (caregivers * per, 128)).astype(np.float32)
    norms = (matrix**2).sum(axis=1)
    attempts = rng.normal(0, 0.1, (chunk, 128))
    _distances(attempts[:1], matrix, norms)
    t = time.perf_counter()
    for _ in range(5):
        _distances(attempts[:1], matrix, norms)
    one = (time.perf_counter() - t) / 5 * 1000
    t = time.perf_counter()
    _distances(attempts, matrix, norms)
    many = (time.perf_counter() - t) * 1000
    return (
        f"1:N face search (rule X05's numpy product), {caregivers:,} caregivers x {per} = {len(matrix):,} "
        f"encodings ({matrix.nbytes / 2**20:.0f} MB float32): 1 attempt {one:.1f} ms, {chunk} attempts {many:.0f} ms "
        f"({many / chunk:.2f} ms each)"
    )


def main() -> bool:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", help="any URL on the PostgreSQL server to use (default: scripts/pg.sh's)")
    parser.add_argument("--db", default="field_app_bench_load")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--visits", type=int, default=2, help="visits per phone")
    parser.add_argument("--seconds", type=float, default=300, help="no new visit starts after this")
    parser.add_argument("--resend", type=float, default=0.05, help="share of requests sent twice")
    parser.add_argument("--no-scheduler", action="store_true")
    parser.add_argument("--small", action="store_true", help="a CI-sized run (well under a minute)")
    args = parser.parse_args()
    if args.small:
        args.phones, args.visits, args.seconds, args.workers = 6, 1, 30, 2

    laps, server, url = w.begin(args.pg_url, args.db)
    app = w.make_app(url)
    w.migrate(app)
    laps.lap("database")
    warm = args.workers  # a first check-in loads dlib's models in a worker: not part of the figures
    world = w.build_world(
        app,
        args.phones + warm,
        clients_per_phone=args.visits,
        people_list=w.people(variants=1 if args.small else 2),
    )
    laps.lap("world")
    sizes = [len(s) for p in world.people for s in p.selfies]
    print(
        f"world: {args.phones} phones (+{warm} warm-up), faces from {world.faces_from}; selfies "
        f"{min(sizes) // 1024}-{max(sizes) // 1024} KB JPEG, 1280 px"
    )
    shape = w.Shape(url, workers=args.workers, scheduler=not args.no_scheduler).start()
    laps.lap("start")
    phones, warmers = world.phones[: args.phones], world.phones[args.phones :]
    log, warm_log = Log(), Log()
    sign_in_all(shape.base, world.phones, log)
    laps.lap("sign-in")
    run_phones(shape.base, world, warmers, 1, 0.0, 60, warm_log)
    laps.lap("warm-up")
    w.dispose(app)  # the bench's own connection is closed: the database's busy backends are the API's
    pids = shape.worker_pids()
    cpu0, metrics0 = procs.cpu_seconds(pids), shape.route_seconds()
    pg0 = procs.cpu_seconds(pg.backend_pids(server, args.db))
    wall = run_phones(shape.base, world, phones, args.visits, args.resend, args.seconds, log)
    cpu = procs.cpu_seconds(pids) - cpu0
    pg_cpu = (
        procs.cpu_seconds(pg.backend_pids(server, args.db)) - pg0
    )  # backends of this run (and the scheduler's)
    laps.lap("load")
    metrics = shape.route_seconds()
    timed = list(log.records)
    one_checkin_ms = calibrate(shape.base, world, warmers[0], 3 if args.small else 12, pids, warm_log)
    laps.lap("calibration")
    log.records.extend(warm_log.records)
    check = verify(app, log)
    laps.lap("count")
    shape.stop()
    w.dispose(app)
    laps.lap("stop")
    print(laps.line())
    return report(args, timed, wall, (cpu, pg_cpu), metrics0, metrics, check, one_checkin_ms)


def report(
    args,
    records: list[Record],
    wall: float,
    cpus: tuple[float, float],
    m0: dict,
    m1: dict,
    check: dict,
    one_checkin_ms: float,
) -> bool:
    print("latency per endpoint (first sends, accepted; client side, queueing included):")
    latency_table(records)
    print(f"face outcomes: {face_outcomes(records)}")
    print("server-side mean per request (from /metrics, this run):")
    for (route, status), (total, count) in sorted(m1.items()):
        before = m0.get((route, status), (0.0, 0))
        n = count - before[1]
        if n and "visits" in route:
            print(
                f"  {route.rsplit('/', 1)[1]:10} {status}  n={n:5}  {(total - before[0]) / n * 1000:7.0f} ms"
            )
    print_check(check)
    faces = sum(1 for r in records if r.endpoint in (CHECK_IN, CHECK_OUT) and not r.dup and _accepted(r))
    visits = sum(1 for r in records if r.endpoint == CHECK_OUT and not r.dup and _accepted(r))
    requests_n = sum(1 for r in records if r.endpoint != SIGN_IN)
    cores = w.os.cpu_count()
    cpu, pg_cpu = cpus
    cpu_per_visit = cpu / max(1, visits)
    print(
        f"gunicorn workers' CPU during the load: {cpu:.0f} s = {cpu_per_visit * 1000:.0f} ms per visit "
        f"(2 face checks, trail, items); {faces / wall:.2f} face checks/s on this {cores}-core machine "
        f"= {faces / wall / cores:.2f} per core, shared with PostgreSQL, these phones and the scheduler"
    )
    print(
        f"PostgreSQL backends' CPU during the load: {pg_cpu:.1f} s = {pg_cpu / max(1, visits) * 1000:.0f} ms per visit "
        f"({pg_cpu / max(cpu, 1e-9) * 100:.0f} % of the workers')"
    )
    print(
        f"one check-in at a time: {one_checkin_ms:.0f} ms of worker CPU -> {1000 / one_checkin_ms:.1f} check-ins/s "
        f"per core given to the API"
    )
    if not args.small:
        print(face_search_figures())
    ok = check["lost"] == 0 and check["doubled"] == 0 and not check["bad_replays"]
    print(
        f"blas={_blas()} nproc={cores} workers={args.workers} phones={args.phones} visits={visits} "
        f"seconds={wall:.0f} visits_per_min={visits / wall * 60:.0f} req_per_s={requests_n / wall:.1f} "
        f"face_checks_per_s={faces / wall:.2f} cpu_ms_per_visit={cpu_per_visit * 1000:.0f} "
        f"pg_cpu_ms_per_visit={pg_cpu / max(1, visits) * 1000:.0f} "
        f"cpu_ms_per_checkin={one_checkin_ms:.0f} checkins_per_s_per_core={1000 / one_checkin_ms:.1f} "
        f"loadavg_1m={w.loadavg():.1f} "
        f"lost={check['lost']} doubled={check['doubled']} mismatched_replays={len(check['bad_replays'])}"
    )
    return ok


def _blas() -> bool:
    import dlib

    return bool(dlib.DLIB_USE_BLAS)


if __name__ == "__main__":
    procs.guarded_main(main)
