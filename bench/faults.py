"""Faults under load on the production shape: (a) PostgreSQL restarted mid-run, (b) the scheduler
SIGKILLed mid-scan and restarted, (c) a phone re-sending a whole day of offline data twice, (d)
PostgreSQL restarted while the scheduler scans.

Run: .venv/bin/python bench/faults.py [--small] [--only pg-restart|scheduler-kill|offline-day|scan-outage ...]
(a), (c) and (d) run on a private throw-away PostgreSQL cluster (same binaries and options as
scripts/pg.sh), so that restarting it disturbs nobody else's tests on the shared server; (b) uses two
databases on the scripts/pg.sh server (or --pg-url): the scanned one and a copy scanned cleanly as
the reference. (d) keeps the production lease (600 s): the scheduler must resume at its next scan,
not when the lease expires.
Each part prints ``<part>: ... lost=0 doubled=0`` style markers and the last line holds the
headline figures.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import _pg as pg
import _procs as procs
import _world as w
import numpy as np
import peak
import requests

PARTS = ("pg-restart", "scheduler-kill", "offline-day", "scan-outage")


# ---------------------------------------------------------------- (a) PostgreSQL restarted mid-run


def watch_ready(base: str, stop: threading.Event, seen: list) -> None:
    """Poll /ready (what a load balancer does) and keep each change of answer."""
    last = None
    with requests.Session() as session:
        while not stop.is_set():
            try:
                resp = session.get(base + "/ready", timeout=5)
                now = resp.status_code, (resp.json().get("error") or {}).get("code")
            except (requests.RequestException, ValueError) as exc:
                now = None, type(exc).__name__
            if now != last:
                seen.append((time.monotonic(), *now))
                last = now
            stop.wait(0.2)


def pg_restart(args, cluster: pg.PrivateCluster, shape: w.Shape, app, world: w.World, phones) -> bool:
    log, stop, ready_seen, outage = peak.Log(), threading.Event(), [], {}
    total = len(phones) * args.visits

    def restart() -> None:
        deadline = time.monotonic() + args.seconds
        while log.visits_done < max(1, total // 4) and time.monotonic() < deadline:
            time.sleep(0.1)
        outage["at_records"] = len(log.records)
        outage["start"] = time.monotonic()
        cluster.stop("fast")  # what `scripts/pg.sh stop` does; in-flight transactions are cut off
        time.sleep(args.outage)
        cluster.start()
        outage["end"] = time.monotonic()

    threads = [
        threading.Thread(target=restart, daemon=True),
        threading.Thread(target=watch_ready, args=(shape.base, stop, ready_seen), daemon=True),
    ]
    for t in threads:
        t.start()
    wall = peak.run_phones(
        shape.base, world, phones, args.visits, args.resend, args.seconds, log, deadline_s=args.retry_deadline
    )
    threads[0].join(120)
    restarted_at = w.now_utc() - timedelta(seconds=time.monotonic() - outage.get("end", time.monotonic()))
    time.sleep(1)
    stop.set()
    threads[1].join(10)
    check = peak.verify(app, log)
    reasons = collections.Counter(x for r in log.records for x in r.answer.retried)
    retried = [r for r in log.records if r.answer.retried]
    unanswered = sum(1 for r in log.records if r.answer.status is None)
    internal = sum(1 for r in log.records if r.answer.status == 500)
    ready = [f"{s}{' ' + c if c else ''}" for _, s, c in ready_seen]
    longest = max((r.answer.seconds for r in retried), default=0.0)
    print(
        f"pg-restart: PostgreSQL stopped after {outage.get('at_records', 0)} requests for "
        f"{outage.get('end', 0) - outage.get('start', 0):.1f} s (down {args.outage:.0f} s + start-up); "
        f"/ready answered in turn: {' -> '.join(ready)}"
    )
    print(
        f"pg-restart: {len(retried)} requests retried by the phones, why: {dict(reasons)}; longest until "
        f"success {longest:.1f} s; no answer after {args.retry_deadline:.0f} s: {unanswered}; 500s: {internal}"
    )
    peak.latency_table(log.records)
    peak.print_check(check)
    scheduler_alive = shape.scheduler is not None and shape.scheduler.poll() is None
    print(
        f"pg-restart: the scheduler {'survived' if scheduler_alive else 'DIED'}; {_scans_after(app, restarted_at)}"
    )
    saw_outage = bool(reasons) and any(s == 503 for _, s, _c in ready_seen)
    ok = (
        check["lost"] == 0
        and check["doubled"] == 0
        and not check["bad_replays"]
        and unanswered == 0
        and internal == 0
        and saw_outage
        and scheduler_alive
    )
    print(
        f"pg-restart: visits={log.visits_done} seconds={wall:.0f} retried={len(retried)} "
        f"saw_503={'yes' if saw_outage else 'no'} scheduler_alive={scheduler_alive} unanswered={unanswered} "
        f"errors_500={internal} lost={check['lost']} doubled={check['doubled']} "
        f"mismatched_replays={len(check['bad_replays'])} -> {'OK' if ok else 'FAILED'}"
    )
    return ok


def _scans_after(app, restarted_at: datetime, timeout_s: float = 30) -> str:
    """Does the scheduler scan again soon after the database came back? (Every 2 s here.) A scan cut
    off by the outage cannot release its lease; the same process's next scan takes it back."""

    def done_after():
        rows = w.query(
            app, "SELECT count(*) FROM scan_runs WHERE status = 'done' AND started_at > :t", t=restarted_at
        )
        return rows[0][0] or None

    t = time.monotonic()
    found = _wait(done_after, timeout_s, 0.5)
    if found:
        return f"first scan finished {time.monotonic() - t:.0f} s after the run (scans every 2 s)"
    lock = w.query(app, "SELECT holder, expires_at FROM scan_locks WHERE name='scanner'")
    return (
        f"NO scan finished within {timeout_s:.0f} s after the restart; lease {lock} "
        f"(a scan cut off by the outage keeps its lease until it expires)"
    )


# ---------------------------------------------------------------- (c) a day of offline data re-sent twice


def offline_day(args, shape: w.Shape, app, world: w.World, phones) -> bool:
    """Each phone uploads a day of visits at once, then re-sends every request twice, in order."""
    sent: list[tuple[w.Phone, str, str, bytes, w.Answer]] = []
    first_pass = peak.Log()
    with requests.Session() as session:
        for phone in phones:
            rng = random.Random(1000 + phone.n)
            for k in range(args.offline_visits):
                start = w.now_utc() - w.minutes(30 + (args.offline_visits - k) * (peak.VISIT_MINUTES + 20))
                visit, steps = peak.visit_requests(world, phone, k, start, rng)
                for endpoint, keys, body in steps:
                    url, data = f"{shape.base}/api/v1/visits/{visit}/{endpoint}", body()
                    answer = w.call(session, "POST", url, data, phone.token)
                    sent.append((phone, endpoint, url, data, answer))
                    first_pass.add(peak.Record(endpoint, visit, keys, answer))
        counts = [
            w.table_counts(app, ("visits", "visit_attempts", "trail_points", "performed_items", "audit_log"))
        ]
        differing: list[str] = []
        statuses = collections.Counter()
        for _round in range(2):
            for phone, endpoint, url, data, first in sent:
                again = w.call(session, "POST", url, data, phone.token)
                statuses[again.status] += 1
                if again.status != first.status or again.body != _expected_replay(endpoint, first):
                    differing.append(
                        f"{endpoint} {url.rsplit('/', 2)[1]}: first {first.status} {first.code}, "
                        f"re-sent {again.status} {again.code}"
                    )
            counts.append(
                w.table_counts(
                    app, ("visits", "visit_attempts", "trail_points", "performed_items", "audit_log")
                )
            )
    first_ok = sum(1 for *_x, a in sent if a.status == 200)
    changed = [c for c in counts[1:] if c != counts[0]]
    lost = peak.verify(app, first_pass)["lost"]  # accepted by the first upload, not stored
    print(
        f"offline-day: {len(phones)} phones x {args.offline_visits} visits = {len(sent)} requests "
        f"({first_ok} answered 200), then re-sent twice: answers {dict(statuses)}"
    )
    print(
        f"offline-day: rows after the upload {counts[0]}; after re-send 1 {counts[1]}; after re-send 2 {counts[2]}"
    )
    for line in differing[:10]:
        print(f"  differing answer: {line}")
    ok = first_ok == len(sent) and not differing and not changed and lost == 0
    print(
        f"offline-day: requests={len(sent)} resent={2 * len(sent)} differing_answers={len(differing)} "
        f"rows_changed={len(changed)} lost={lost} doubled={0 if not changed else 'yes'} -> {'OK' if ok else 'FAILED'}"
        if first_ok == len(sent)
        else "offline-day: the first upload was refused in part -> FAILED"
    )
    return ok


def _expected_replay(endpoint: str, first: w.Answer):
    """Attempts: the very same answer. Trail and items: the same, with everything counted as a duplicate."""
    if endpoint in (peak.TRAIL, peak.ITEMS) and isinstance(first.body, dict) and first.status == 200:
        return {**first.body, "stored": 0, "duplicates": first.body["received"]}
    return first.body


# ---------------------------------------------------------------- (b) the scheduler killed mid-scan


@dataclass
class Planned:
    """One seeded visit: who, when, and what is wrong with it (``kind`` < 0.12 is dishonest)."""

    phone: w.Phone
    start: datetime
    client: int
    kind: float
    minutes: float
    id: int = 0
    uuid: str = ""

    @property
    def open(self) -> bool:  # never checked out (T04)
        return 0.05 <= self.kind < 0.07

    @property
    def outside(self) -> bool:  # checked in and out 500 m from the home (G01)
        return 0.07 <= self.kind < 0.10

    @property
    def end(self) -> datetime | None:
        return None if self.open else self.start + timedelta(minutes=self.minutes)


def _plan(world: w.World, visits: int, days: int, rng: random.Random) -> list[Planned]:
    """Up to five visits a day per caregiver over the last days (a short one now and then: T01)."""
    tz = ZoneInfo("Asia/Shanghai")
    today = datetime.now(tz).date()
    slots = [(8, 0), (10, 0), (13, 0), (15, 30), (17, 30)]
    per_day = max(1, min(len(slots), visits // (days * len(world.phones))))
    plan = []
    for d in range(days, 0, -1):
        for phone in world.phones:
            for hour, minute in slots[:per_day]:
                start = datetime.combine(today - timedelta(days=d), clock(hour, minute), tz)
                start += timedelta(minutes=rng.uniform(-20, 20))  # now and then overlapping: X01
                kind = rng.random()
                plan.append(
                    Planned(
                        phone,
                        start.astimezone(UTC),
                        rng.choice(phone.clients),
                        kind,
                        20 if kind < 0.05 else rng.uniform(65, 80),
                    )
                )
    return plan


def _attempt_rows(v: Planned, where, face, rng: random.Random) -> list[dict]:
    rows = []
    for k, (label, at) in enumerate((("check_in", v.start), ("check_out", v.end))):
        if at is None:
            continue
        fix = w.fix(rng, where, at)
        rows.append(
            dict(
                uuid=f"{v.uuid}-{k}",
                visit_id=v.id,
                kind=label,
                caregiver_id=v.phone.caregiver_id,
                device_id=v.phone.device_id,
                device_registered=True,
                lat=fix["lat"],
                lng=fix["lng"],
                datum="WGS84",
                lat_wgs84=fix["lat"],
                lng_wgs84=fix["lng"],
                accuracy_m=fix["accuracy_m"],
                mock=True if 0.11 <= v.kind < 0.12 else None,
                fix_time=at,
                device_time=at,
                received_at=at,
                face_status="matched",
                face_distance=0.3,
                face_threshold=0.5,
                face_encoding=face + np.random.default_rng(v.id * 2 + k).normal(0, 0.01, 128),
                image_hash=f"{rng.getrandbits(64):016x}",
                geofence_status="outside" if v.outside else "inside",
                distance_m=500.0 if v.outside else 8.0,
            )
        )
    return rows


def _point_rows(v: Planned, where, rng: random.Random) -> list[dict]:
    rows = []
    for m in range(2, int(v.minutes) - 3, 8):
        fix = w.fix(rng, where, v.start + timedelta(minutes=m))
        rows.append(
            dict(
                visit_id=v.id,
                fix_time=v.start + timedelta(minutes=m),
                lat=fix["lat"],
                lng=fix["lng"],
                datum="WGS84",
                lat_wgs84=fix["lat"],
                lng_wgs84=fix["lng"],
                accuracy_m=fix["accuracy_m"],
                geofence_status="inside",
                distance_m=10.0,
                received_at=v.start,
            )
        )
    return rows


def seed_scan_data(app, world: w.World, visits: int, days: int, seed: int = 11) -> int:
    """Closed and open visits stored directly over the last days, with recorded verification results,
    trail points and items, some of them dishonest (short, outside the fence, never checked out,
    a colleague's face, overlapping, mock GPS) so the rules have work."""
    from sqlalchemy import insert, select

    from field_app.extensions import db
    from field_app.models import FaceEnrolment, PerformedItem, TrailPoint, Visit, VisitAttempt

    rng = random.Random(seed)
    plan = _plan(world, visits, days, rng)
    colleagues = collections.defaultdict(list)
    for phone in world.phones:
        colleagues[phone.agency_id].append(phone)
    with app.app_context():
        enrolled = {e.caregiver_id: e.encoding for e in db.session.scalars(select(FaceEnrolment))}
        for n in range(0, len(plan), 1000):
            part = plan[n : n + 1000]
            rows = [
                dict(
                    uuid=f"scan-{uuid.uuid4().hex}",
                    caregiver_id=v.phone.caregiver_id,
                    client_id=v.client,
                    agency_id=v.phone.agency_id,
                    state="open" if v.open else "closed",
                    verification_status="verified",
                    check_in_at=v.start,
                    check_out_at=v.end,
                    created_at=v.start,
                    changed_at=datetime.now(UTC),
                )
                for v in part
            ]
            ids = db.session.execute(
                insert(Visit).returning(Visit.id, sort_by_parameter_order=True), rows
            ).scalars()
            attempts, points, items = [], [], []
            for v, vid, row in zip(part, ids, rows, strict=True):
                v.id, v.uuid = vid, row["uuid"]
                where = w._offset(world.homes[v.client], 420, 300) if v.outside else world.homes[v.client]
                face_of = v.phone
                if 0.10 <= v.kind < 0.11:  # a colleague (another person) signs in: X05
                    face_of = rng.choice(
                        [p for p in colleagues[v.phone.agency_id] if p.person != v.phone.person] or [v.phone]
                    )
                attempts += _attempt_rows(v, where, enrolled[face_of.caregiver_id], rng)
                points += _point_rows(v, where, rng)
                items += [
                    dict(
                        visit_id=vid,
                        service_code=code,
                        started_at=v.start + timedelta(minutes=5 + 12 * j),
                        in_care_plan=True,
                        nurse_required=False,
                        received_at=v.start,
                    )
                    for j, code in enumerate(rng.choice(peak.ITEM_SETS))
                ]
            db.session.execute(insert(VisitAttempt), attempts)
            db.session.execute(insert(TrailPoint), points)
            db.session.execute(insert(PerformedItem), items)
            db.session.commit()
    return len(plan)


#: a short lease so the restarted scheduler takes over soon (production: 600 s); scans every 3 s
SCAN_ENV = {"FIELD_APP_SCAN_LOCK_SECONDS": "5", "FIELD_APP_SCAN_INTERVAL_SECONDS": "2"}


def _runs(app) -> list[tuple]:
    return w.query(
        app, "SELECT id, kind, status, visits_scanned, cursor IS NOT NULL FROM scan_runs ORDER BY id"
    )


def _wait(predicate, timeout_s: float, step: float = 0.1):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def _incremental_done(app, run_id: int | None = None) -> bool:
    """The given incremental run (else the first one) is done. The open-visits check is not waited
    for: a restarted scheduler skips it while the dead one's lease runs and retries it a scan interval later."""
    inc = [r for r in _runs(app) if r[1] == "incremental" and (run_id is None or r[0] == run_id)]
    return bool(inc) and inc[0][2] == "done"


def _after_sigterm(app) -> tuple[bool, str]:
    """What a SIGTERM (a service manager's stop) left behind: the lease must be free and no run 'running'."""
    lock = w.query(app, "SELECT holder IS NOT NULL, expires_at FROM scan_locks WHERE name='scanner'")
    held = bool(lock and lock[0][0])
    running = [r[0] for r in _runs(app) if r[2] == "running"]
    return not (held or running), (
        f"lease still held: {held}"
        + (f" until {lock[0][1]:%H:%M:%S}" if held else "")
        + f", runs left running: {running}"
    )


def _alerts(app, scans_from: datetime) -> dict[tuple[str, str], tuple[str, str]]:
    """(rule, subject) -> (status, evidence), the scan's own clock in the evidence (T04's and X01's
    ``now`` for a visit never closed) replaced by a placeholder: two scans never run at the same instant."""
    rows = w.query(app, "SELECT rule_code, subject_key, status, evidence::text FROM alerts")
    return {
        (r[0], r[1]): (r[2], json.dumps(_unclock(json.loads(r[3]), scans_from), sort_keys=True)) for r in rows
    }


def _unclock(value, scans_from: datetime):
    if isinstance(value, dict):
        return {k: _unclock(v, scans_from) for k, v in value.items()}
    if isinstance(value, list):
        return [_unclock(v, scans_from) for v in value]
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return "<scan clock>" if datetime.fromisoformat(value) >= scans_from else value
        except ValueError:
            return value
    return value


def _kill_mid_scan(app, shape: w.Shape, total: int) -> tuple | None:
    """Wait for the first incremental scan to commit a chunk, then SIGKILL the scheduler."""

    def mid_scan():
        runs = [r for r in _runs(app) if r[1] == "incremental" and r[2] == "running" and r[4]]
        return runs[0] if runs and 0 < runs[0][3] < total else None

    started = time.monotonic()
    caught = _wait(mid_scan, 300, 0.05)
    if caught is None:
        print(f"scheduler-kill: no scan was caught half-way (runs: {_runs(app)}) -> FAILED")
        return None
    shape.kill_scheduler()  # SIGKILL: no clean-up, the lease stays taken
    state = [r for r in _runs(app) if r[0] == caught[0]][0]
    lock = w.query(app, "SELECT holder IS NOT NULL, expires_at FROM scan_locks WHERE name='scanner'")
    print(
        f"scheduler-kill: SIGKILL {time.monotonic() - started:.1f} s after the start, run {state[0]} at "
        f"{state[3]}/{total} visits (status {state[2]}); lease still taken: {lock[0][0]} until "
        f"{lock[0][1]:%H:%M:%S}"
    )
    return state


def _compare(got: dict, want: dict) -> tuple[set, set, int, int, int]:
    """Missing and extra (rule, subject) pairs, other statuses, and other evidence where it does not
    depend on the scan's clock (T04's open hours and X01's overlap with a visit never closed do)."""
    lost, extra = want.keys() - got.keys(), got.keys() - want.keys()
    common = want.keys() & got.keys()
    status_diff = sum(1 for k in common if want[k][0] != got[k][0])
    timeless = [k for k in common if "<scan clock>" not in want[k][1]]
    return lost, extra, status_diff, sum(1 for k in timeless if want[k][1] != got[k][1]), len(timeless)


def scheduler_kill(args, server: str) -> bool:
    url = pg.recreate_database(server, args.scan_db)
    scans_from = w.now_utc()
    app = w.make_app(url)
    w.migrate(app)
    world = w.build_world(
        app,
        args.scan_caregivers,
        clients_per_phone=3,
        agencies=max(1, args.scan_caregivers // 40),
        users=False,
        enrol_noise=0.02,
        people_list=w.people(variants=0),
    )
    total = seed_scan_data(app, world, args.scan_visits, days=5)
    w.dispose(app)
    ref_url = pg.recreate_database(server, args.scan_db + "_ref", template=args.scan_db)
    print(f"scheduler-kill: {total} visits seeded, with a copy for the reference scan")
    app, ref_app = w.make_app(url), w.make_app(ref_url)
    shape = w.Shape(url, scheduler=True, api=False, extra_env=SCAN_ENV).start()
    caught = _kill_mid_scan(app, shape, total)
    if caught is None:
        return False
    killed_at, run_id = time.monotonic(), caught[0]
    shape.start_scheduler()
    ref_shape = w.Shape(
        ref_url, scheduler=True, api=False, extra_env=SCAN_ENV
    ).start()  # meanwhile, on the copy
    done = _wait(lambda: _incremental_done(app, run_id), args.resume_timeout, 0.5)
    resumed_in = time.monotonic() - killed_at
    if not done:
        print(
            f"scheduler-kill: not finished {resumed_in:.0f} s after the kill; runs {_runs(app)}; scheduler log:\n"
            + shape.log_tail(f"scheduler-{shape.scheduler_starts}.log", 40)
        )
    ref_done = _wait(lambda: _incremental_done(ref_app), args.resume_timeout, 0.5)
    shape.stop()
    ref_shape.stop()
    clean_stop, left = _after_sigterm(app)
    print(f"scheduler-kill: after SIGTERM to the restarted scheduler: {left}")
    runs = _runs(app)
    final = [r for r in runs if r[0] == run_id][0]
    others = [r for r in runs if r[1] == "incremental" and r[0] < run_id]
    got, want = _alerts(app, scans_from), _alerts(ref_app, scans_from)
    w.dispose(app)
    w.dispose(ref_app)
    lost, extra, status_diff, evidence_diff, timeless = _compare(got, want)
    print(
        f"scheduler-kill: run {run_id} resumed and finished {resumed_in:.1f} s after the kill (the dead "
        f"scheduler's {SCAN_ENV['FIELD_APP_SCAN_LOCK_SECONDS']} s lease must expire first): status {final[2]}, "
        f"visits scanned {final[3]}/{total}; earlier incremental runs: {len(others)}"
    )
    print(
        f"scheduler-kill: alerts after kill+resume {len(got)}, reference scan of the copy {len(want)} "
        f"{dict(sorted(collections.Counter(k[0] for k in want).items()))}: missing {len(lost)}, extra {len(extra)}, "
        f"other status {status_diff}; evidence differs for {evidence_diff} of the {timeless} alerts whose "
        f"evidence does not depend on the scan's clock"
    )
    for key in sorted(lost | extra)[:10]:
        print(f"  differs: {key}")
    ok = (
        bool(done and ref_done)
        and final[2] == "done"
        and final[3] == total
        and not (lost or extra or others)
        and status_diff == 0
        and evidence_diff == 0
        and clean_stop
    )
    print(
        f"scheduler-kill: visits={total} killed_at={caught[3]} resumed_run={run_id} resume_seconds={resumed_in:.0f} "
        f"alerts={len(got)} reference_alerts={len(want)} lost={len(lost)} doubled={len(extra)} "
        f"-> {'OK' if ok else 'FAILED'}"
    )
    return ok


def scan_outage(args, cluster: pg.PrivateCluster) -> bool:
    """PostgreSQL restarted while the scheduler scans, with the production lease (600 s): does the
    scheduler scan again once the database is back, not only when its lease expires?"""
    url = pg.recreate_database(cluster.server, "field_app_bench_scan_outage")
    app = w.make_app(url)
    w.migrate(app)
    world = w.build_world(
        app,
        args.scan_caregivers,
        clients_per_phone=3,
        agencies=max(1, args.scan_caregivers // 40),
        users=False,
        enrol_noise=0.02,
        people_list=w.people(variants=0),
    )
    total = seed_scan_data(app, world, args.scan_visits, days=5)
    shape = w.Shape(
        url, scheduler=True, api=False, extra_env={"FIELD_APP_SCAN_INTERVAL_SECONDS": "2"}
    ).start()
    caught = _wait(
        lambda: [r for r in _runs(app) if r[1] == "incremental" and r[2] == "running" and 0 < r[3] < total],
        300,
        0.05,
    )
    if not caught:
        print("scan-outage: no scan caught half-way -> FAILED")
        return False
    cluster.stop("fast")
    time.sleep(args.outage)
    cluster.start()
    back = time.monotonic()
    done = _wait(lambda: _incremental_done(app, caught[0][0]), args.resume_timeout, 0.5)
    waited = time.monotonic() - back
    shape.stop()
    log = shape.log_text("scheduler-*.log")
    skipped = log.count("holds the lock")
    print(
        f"scan-outage: PostgreSQL stopped for {args.outage:.0f} s while run {caught[0][0]} had scanned "
        f"{caught[0][3]}/{total} visits; {'finished' if done else 'NOT finished'} {waited:.0f} s after the "
        f"database came back; scans skipped for the lock: {skipped} (FIELD_APP_SCAN_LOCK_SECONDS=600)"
    )
    print(
        f"scan-outage: resumed={'yes' if done else 'no'} wait_seconds={waited:.0f} skipped_for_lock={skipped} "
        f"-> {'OK' if done else 'FAILED'}"
    )
    w.dispose(app)
    return bool(done)


# ---------------------------------------------------------------- main


def api_faults(args, parts: list[str], cluster: pg.PrivateCluster, laps: w.Laps) -> dict[str, bool]:
    """(a) and (c), on one API in the production shape against the private cluster."""
    url = pg.recreate_database(cluster.server, "field_app_bench_faults")
    app = w.make_app(url)
    w.migrate(app)
    world = w.build_world(
        app,
        args.phones + args.offline_phones,
        clients_per_phone=max(args.visits, args.offline_visits),
        people_list=w.people(variants=1),
    )
    shape = w.Shape(url, workers=args.workers, extra_env=SCAN_ENV).start()
    peak.sign_in_all(shape.base, world.phones, peak.Log())
    phones, offline = world.phones[: args.phones], world.phones[args.phones :]
    laps.lap("private cluster+world+start")
    results = {}
    if "pg-restart" in parts:
        results["pg-restart"] = pg_restart(args, cluster, shape, app, world, phones)
        laps.lap("pg-restart")
    if "offline-day" in parts:
        results["offline-day"] = offline_day(args, shape, app, world, offline)
        laps.lap("offline-day")
    shape.stop()
    w.dispose(app)
    return results


def main() -> bool:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this part (repeatable)")
    parser.add_argument("--pg-url", help="server for the scan databases (default: scripts/pg.sh's)")
    parser.add_argument("--scan-db", default="field_app_bench_fault_scan")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--phones", type=int, default=30)
    parser.add_argument("--visits", type=int, default=2, help="visits per phone in the restart test")
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--resend", type=float, default=0.05)
    parser.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL stays down")
    parser.add_argument(
        "--retry-deadline", type=float, default=120.0, help="a phone gives up a request after this"
    )
    parser.add_argument("--offline-phones", type=int, default=3)
    parser.add_argument("--offline-visits", type=int, default=5, help="visits in the offline day of a phone")
    parser.add_argument("--scan-caregivers", type=int, default=400)
    parser.add_argument("--scan-visits", type=int, default=8000)
    parser.add_argument(
        "--resume-timeout", type=float, default=180, help="seconds the restarted scheduler gets"
    )
    parser.add_argument("--small", action="store_true", help="a CI-sized run (well under a minute)")
    args = parser.parse_args()
    if args.small:
        args.phones, args.visits, args.seconds, args.outage = 6, 1, 60, 3.0
        args.offline_phones, args.offline_visits = 1, 3
        args.scan_caregivers, args.scan_visits = 60, 600
    parts = args.only or list(PARTS)
    print(w.machine_line())
    laps, results = w.Laps(), {}
    if "scheduler-kill" in parts:
        results["scheduler-kill"] = scheduler_kill(args, pg.pg_server(args.pg_url))
        laps.lap("scheduler-kill")
    cluster = pg.PrivateCluster() if {"pg-restart", "offline-day", "scan-outage"} & set(parts) else None
    if {"pg-restart", "offline-day"} & set(parts):
        results.update(api_faults(args, parts, cluster, laps))
    if "scan-outage" in parts:
        results["scan-outage"] = scan_outage(args, cluster)
        laps.lap("scan-outage")
    print(laps.line())
    print(
        " ".join(f"{k}={'ok' if v else 'FAILED'}" for k, v in results.items())
        + f" all={'ok' if all(results.values()) else 'FAILED'}"
    )
    return all(results.values())


if __name__ == "__main__":
    procs.guarded_main(main)
