"""Time a full scan of a synthetic day at several scales, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/scan.py [--scales 2000,20000] [--database sqlite|postgres|both]
         [--points 60] [--fraud 0.03] [--profile]

For each database and scale a fresh database gets one synthetic day (yesterday, Asia/Shanghai),
written directly by bulk inserts (COPY on PostgreSQL, DBAPI executemany on SQLite): agencies
of 500 caregivers, each with a phone, a synthetic 128-d face enrolment and 4 visits between 07:00
and 14:00, one client per visit around the agency's town, a check-in and a check-out attempt per
visit (face results recorded as plain values, as the check-in service stores them), a trail point
a minute (~60 a visit, 5-15 m of noise, 5-25 m accuracy) and 2 care items. A few % of the visits
carry a fraud: check-in 600 m away (G01), mock GPS (G03), items longer than the visit (T01), no
check-out (T04), a colleague's face (F01/X05). Going through the HTTP API for 200,000 visits would
measure the API (face checks, a geofence test per point, a transaction per request), not the
scanner; the API has its own benches (checkin.py, ingest.py).

Then ``jobs.scan("manual", day start, day end)`` runs in an app context as the CLI runs it, and the
script prints visits, points, scan seconds and points per second per scale, the alerts per rule
next to the frauds injected, and ends with one line of headline figures. ``--profile`` prints the
scan's cProfile top functions. PostgreSQL is ``scripts/pg.sh start``'s server, database
``field_app_bench_scan`` (dropped and re-created per scale).
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # a plain script: make field_app importable without installing it

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from field_app import create_app  # noqa: E402
from field_app import models as m  # noqa: E402
from field_app.extensions import db  # noqa: E402
from field_app.scanning import jobs  # noqa: E402
from field_app.services.catalogue import load_catalogue  # noqa: E402
from field_app.verification.datum import GCJ02, from_wgs84  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
JIAXING = (30.75, 120.75)
M_PER_DEG = 111_320.0
PER_AGENCY, PER_CAREGIVER = 500, 4  #: caregivers per agency, visits per caregiver
PLAN = ("L01", "L02", "L03", "L04", "L05", "L06", "L09", "L15")  #: every client's care plan
SHORT = ("L01", "L02", "L04", "L05", "L06", "L09")  #: items of 10-20 minutes: two fit any visit
FRAUDS = ("G01", "G03", "T01", "T04", "F01")
PG_DATABASE = "field_app_bench_scan"


@dataclass
class Town:
    """One agency: its caregivers (id, unit face direction) and its clients (id, WGS-84 home)."""

    agency_id: int
    caregivers: list[tuple[int, np.ndarray]]
    clients: list[tuple[int, float, float]]


@dataclass
class Day:
    """What the generator wrote, for the report."""

    visits: int = 0
    frauds: Counter[str] = field(default_factory=Counter)
    next_id: dict[str, int] = field(default_factory=lambda: Counter({"attempt": 1, "point": 1, "item": 1}))


# ---------------------------------------------------------------- databases


def postgres_server() -> str:
    """scripts/pg.sh's server (started if needed), as a URL without a database."""
    out = subprocess.run(
        [str(REPO / "scripts" / "pg.sh"), "start"], check=True, capture_output=True, text=True
    )
    url = out.stdout.strip().splitlines()[-1]
    return url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)


def fresh_database(kind: str, workdir: Path, scale: int) -> str:
    """A new, empty database URL: a SQLite file, or the PostgreSQL bench database re-created."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'scan-{scale}.sqlite'}"
    server = postgres_server()
    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    engine.dispose()
    return f"{server}/{PG_DATABASE}"


def bench_app(url: str):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
    return app


def _plain(value, sqlite: bool):
    """A value as the driver takes it without SQLAlchemy's type processing (the models' column types)."""
    if isinstance(value, np.ndarray):
        return value.astype("<f8").tobytes()  # models.types.Encoding
    if not sqlite:
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # UTCDateTime, as SQLAlchemy stores it
    if isinstance(value, date):
        return value.isoformat()
    return float(value) if isinstance(value, Decimal) else value  # Numeric: SQLite has no decimal type


def fast_insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows bypass SQLAlchemy's per-value processing (~70 % of generation time otherwise): COPY on
    PostgreSQL, the DBAPI's executemany on SQLite."""
    if not rows:
        return
    raw = db.session.connection().connection
    if db.engine.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_plain(v, False) for v in row])
        return
    marks = ", ".join("?" * len(columns))
    raw.cursor().executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        [tuple(_plain(v, True) for v in row) for row in rows],
    )


def fast_insert_dicts(table: str, rows: list[dict]) -> None:
    if rows:
        columns = tuple(rows[0])
        fast_insert(table, columns, [tuple(r[c] for c in columns) for r in rows])


# ---------------------------------------------------------------- the world


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, 128))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def encoding(direction: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A selfie's encoding as synthetic_faces makes them: ~0.28 from the same person, ~0.9 from others."""
    return 0.6 * direction + 0.2 * unit(rng, 1)[0]


def add_town(n: int, caregivers: int, rng: np.random.Generator, now: datetime) -> Town:
    """An agency with its caregivers (phone, enrolment) and one client per visit of theirs."""
    centre = (JIAXING[0] + rng.uniform(-0.7, 0.7), JIAXING[1] + rng.uniform(-0.7, 0.7))
    agency, first = n + 1, n * PER_AGENCY + 1
    fast_insert(
        "agencies", ("id", "code", "name", "created_at"), [(agency, f"SCAN-{n:04d}", f"Scan agency {n}", now)]
    )
    ids = list(range(first, first + caregivers))
    faces = unit(rng, caregivers)
    fast_insert_dicts(
        "caregivers",
        [
            dict(
                id=c,
                agency_id=agency,
                code=f"SC{c:07d}",
                name=f"护理员{c}",
                certificate_no=f"ZJ-{c}",
                certificate_expires_on=date(2030, 1, 1),
                is_nurse=False,
                address_key=f"cg-{c}",
                active=True,
                created_at=now,
            )
            for c in ids
        ],
    )
    fast_insert_dicts(
        "devices", [dict(id=c, caregiver_id=c, device_id=f"phone-{c}", registered_at=now) for c in ids]
    )
    fast_insert_dicts(
        "face_enrolments",
        [
            dict(id=c, caregiver_id=c, encoding=encoding(f, rng), image_hash=f"{c:016x}", created_at=now)
            for c, f in zip(ids, faces, strict=True)
        ],
    )
    clients = add_clients(
        agency, n * PER_AGENCY * PER_CAREGIVER + 1, caregivers * PER_CAREGIVER, centre, rng, now
    )
    return Town(agency, list(zip(ids, faces, strict=True)), clients)


def add_clients(agency: int, first: int, count: int, centre, rng: np.random.Generator, now: datetime) -> list:
    """Clients within 6 km of the town centre, homes geocoded in GCJ-02, each with a care plan of PLAN."""
    north, east = rng.uniform(-6000, 6000, count), rng.uniform(-6000, 6000, count)
    lats = centre[0] + north / M_PER_DEG
    lngs = centre[1] + east / (M_PER_DEG * math.cos(math.radians(centre[0])))
    ids = list(range(first, first + count))
    rows = []
    for cid, lat, lng in zip(ids, lats, lngs, strict=True):
        glat, glng = from_wgs84(lat, lng, GCJ02)
        rows.append(
            dict(
                id=cid,
                agency_id=agency,
                insured_id=f"3304{cid:010d}",
                name=f"参保人{cid}",
                grade="severe_2",
                address=None,
                address_key=f"cl-{cid}",
                home_lat=glat,
                home_lng=glng,
                home_datum=GCJ02,
                home_lat_wgs84=float(lat),
                home_lng_wgs84=float(lng),
                fence_radius_m=100.0,
                fence_polygon_wgs84=None,
                trail_consent=True,
                status="active",
                created_at=now,
            )
        )
    fast_insert_dicts("clients", rows)
    fast_insert_dicts(
        "care_plans",
        [
            dict(
                id=c,
                client_id=c,
                visits_per_week=7,
                monthly_cap_yuan=Decimal("1500"),
                fund_share=Decimal("0.8"),
                valid_from=date(2020, 1, 1),
                valid_until=None,
            )
            for c in ids
        ],
    )
    items = dict(
        db.session.execute(
            select(m.ServiceItem.code, m.ServiceItem.id).where(m.ServiceItem.code.in_(PLAN))
        ).all()
    )
    fast_insert(
        "care_plan_items",
        ("care_plan_id", "service_item_id"),
        [(c, items[code]) for c in ids for code in PLAN],
    )
    return [(c, float(a), float(b)) for c, a, b in zip(ids, lats, lngs, strict=True)]


# ---------------------------------------------------------------- the day

POINT_COLUMNS = (
    "id",
    "visit_id",
    "fix_time",
    "lat",
    "lng",
    "datum",
    "lat_wgs84",
    "lng_wgs84",
    "accuracy_m",
    "mock",
    "altitude_m",
    "speed_mps",
    "bearing_deg",
    "geofence_status",
    "distance_m",
    "received_at",
)


def fence_status(distance: np.ndarray, accuracy: np.ndarray, radius: float = 100.0) -> np.ndarray:
    """The geofence check's verdict (INSIDE only when the whole accuracy circle is inside)."""
    edge = distance - radius
    return np.where(edge <= -accuracy, "inside", np.where(edge >= accuracy, "outside", "uncertain"))


def near(home: tuple[float, float], rng: np.random.Generator, n: int, sigma: float, shift_m: float = 0.0):
    """(lat, lng, distance m, accuracy m) of ``n`` noisy fixes around a home (shifted north)."""
    north, east = rng.normal(0, sigma, n) + shift_m, rng.normal(0, sigma, n)
    lat = home[0] + north / M_PER_DEG
    lng = home[1] + east / (M_PER_DEG * math.cos(math.radians(home[0])))
    return lat, lng, np.hypot(north, east), np.round(rng.uniform(5, 25, n), 1)


def trail_rows(
    day: Day, visit_id: int, home, start: datetime, minutes: float, mock: bool, rng: np.random.Generator
) -> list[tuple]:
    """A point a minute (±5 s) from check-in to check-out."""
    n = max(1, int(minutes) - 1)
    offsets = np.arange(1, n + 1) * 60 + rng.uniform(-5, 5, n)
    lat, lng, dist, acc = near(home, rng, n, rng.uniform(5, 15))
    status = fence_status(dist, acc)
    first, day.next_id["point"] = day.next_id["point"], day.next_id["point"] + n
    rows = []
    for k in range(n):
        at = start + timedelta(seconds=float(offsets[k]))
        rows.append(
            (
                first + k,
                visit_id,
                at,
                float(lat[k]),
                float(lng[k]),
                "WGS84",
                float(lat[k]),
                float(lng[k]),
                float(acc[k]),
                mock,
                None,
                None,
                None,
                str(status[k]),
                round(float(dist[k]), 1),
                at + timedelta(seconds=30),
            )
        )
    return rows


def attempt_row(
    day: Day,
    visit: dict,
    kind: str,
    at: datetime,
    home,
    face: tuple,
    rng: np.random.Generator,
    shift_m: float = 0.0,
) -> dict:
    """A check-in/out attempt as the service stores it: fix, geofence result, face result."""
    lat, lng, dist, acc = near(home, rng, 1, 10.0, shift_m)
    status, distance, enc = face
    aid, day.next_id["attempt"] = day.next_id["attempt"], day.next_id["attempt"] + 1
    return dict(
        id=aid,
        uuid=f"{visit['uuid']}-{kind}",
        visit_id=visit["id"],
        kind=kind,
        caregiver_id=visit["caregiver_id"],
        device_id=f"phone-{visit['caregiver_id']}",
        device_registered=True,
        lat=float(lat[0]),
        lng=float(lng[0]),
        datum="WGS84",
        lat_wgs84=float(lat[0]),
        lng_wgs84=float(lng[0]),
        accuracy_m=float(acc[0]),
        mock=False,
        fix_time=at,
        device_time=at + timedelta(seconds=5),
        received_at=at + timedelta(seconds=6),
        face_status=status,
        face_distance=distance,
        face_threshold=0.5,
        face_encoding=enc,
        image_hash=f"{int(rng.integers(0, 2**63)):016x}",
        geofence_status=str(fence_status(dist, acc)[0]),
        distance_m=round(float(dist[0]), 1),
    )


def item_rows(day: Day, visit: dict, start: datetime, codes: tuple[str, ...]) -> list[dict]:
    rows = []
    for k, code in enumerate(codes):
        rows.append(
            dict(
                id=day.next_id["item"],
                visit_id=visit["id"],
                service_code=code,
                started_at=start + timedelta(minutes=5 + 20 * k),
                ended_at=None,
                in_care_plan=True,
                nurse_required=False,
                received_at=start + timedelta(minutes=70),
            )
        )
        day.next_id["item"] += 1
    return rows


@dataclass
class Rows:
    visits: list[dict] = field(default_factory=list)
    attempts: list[dict] = field(default_factory=list)
    points: list[tuple] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)


@dataclass
class Slot:
    """Who visits whom, when, and which fraud (if any) the visit carries."""

    agency_id: int
    caregiver: tuple[int, np.ndarray]  #: (id, unit face direction)
    colleague: tuple[int, np.ndarray]  #: whose face a substitute shows (F01/X05)
    client: tuple[int, float, float]  #: (id, WGS-84 home)
    start: datetime
    fraud: str | None


def add_visit(day: Day, rows: Rows, slot: Slot, rng: np.random.Generator, points: int) -> float:
    """One visit and what the phone sent during it; returns its length in minutes."""
    minutes = float(rng.uniform(points - 4, points + 6))
    start, end, fraud = slot.start, slot.start + timedelta(minutes=minutes), slot.fraud
    home, vid, cg = slot.client[1:], day.visits + 1, slot.caregiver
    visit = dict(
        id=vid,
        uuid=f"scan-{vid:07d}",
        caregiver_id=cg[0],
        client_id=slot.client[0],
        agency_id=slot.agency_id,
        state="open" if fraud == "T04" else "closed",
        verification_status="verified",
        check_in_at=start,
        check_out_at=None if fraud == "T04" else end,
        duration_status="ok",
        required_minutes=30,
        created_at=start,
        changed_at=end,
    )
    own = ("matched", 0.28, encoding(cg[1], rng))
    signer = ("mismatch", 0.9, encoding(slot.colleague[1], rng)) if fraud == "F01" else own
    rows.attempts.append(
        attempt_row(day, visit, "check_in", start, home, signer, rng, 600.0 if fraud == "G01" else 0)
    )
    if fraud != "T04":
        rows.attempts.append(attempt_row(day, visit, "check_out", end, home, own, rng))
    rows.points += trail_rows(day, vid, home, start, minutes, fraud == "G03", rng)
    codes = ("L03", "L15") if fraud == "T01" else tuple(str(c) for c in rng.choice(SHORT, 2, replace=False))
    rows.items += item_rows(day, visit, start, codes)
    rows.visits.append(visit)
    day.visits += 1
    day.frauds[fraud or "honest"] += 1
    return minutes


def town_day(
    day: Day, town: Town, day_date: date, rng: np.random.Generator, points: int, fraud_share: float
) -> Rows:
    """Each caregiver's 4 visits from 07:00-08:00 on, 20-40 minutes apart."""
    rows = Rows()
    for k, cg in enumerate(town.caregivers):
        colleague = town.caregivers[(k + 1) % len(town.caregivers)]
        at = datetime.combine(day_date, clock(7), TZ) + timedelta(minutes=float(rng.uniform(0, 60)))
        for v in range(PER_CAREGIVER):
            fraud = FRAUDS[int(rng.integers(len(FRAUDS)))] if rng.random() < fraud_share else None
            slot = Slot(town.agency_id, cg, colleague, town.clients[k * PER_CAREGIVER + v], at, fraud)
            at += timedelta(minutes=add_visit(day, rows, slot, rng, points) + float(rng.uniform(20, 40)))
    return rows


def write_day(rows: Rows) -> None:
    fast_insert_dicts("visits", rows.visits)
    fast_insert_dicts("visit_attempts", rows.attempts)
    fast_insert("trail_points", POINT_COLUMNS, rows.points)
    fast_insert_dicts("performed_items", rows.items)


def generate(app, visits: int, points: int, fraud_share: float, day_date: date, seed: int) -> Day:
    """Write the world and the day, one agency at a time (memory stays flat at any scale)."""
    rng, day, now = np.random.default_rng(seed), Day(), datetime.now(UTC)
    caregivers = math.ceil(visits / PER_CAREGIVER)
    with app.app_context():
        load_catalogue()
        for n in range(math.ceil(caregivers / PER_AGENCY)):
            town = add_town(n, min(PER_AGENCY, caregivers - n * PER_AGENCY), rng, now)
            write_day(town_day(day, town, day_date, rng, points, fraud_share))
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            fix_sequences()
            db.session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would have them
            db.session.commit()
    return day


def fix_sequences() -> None:
    """Rows were written with explicit ids: move the id sequences past them."""
    for table in (
        "agencies",
        "caregivers",
        "devices",
        "face_enrolments",
        "clients",
        "care_plans",
        "visits",
        "visit_attempts",
        "trail_points",
        "performed_items",
    ):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )


# ---------------------------------------------------------------- the scan


def timed_scan(app, day_date: date, profile: bool):
    """Run the manual scan of the day: (status, visits, points, errors), wall s, CPU s, hits per rule, profile."""
    since = datetime.combine(day_date, clock(0), TZ)
    # CPU time, not wall time: on a shared machine waiting for a core would swamp the profile
    profiler = cProfile.Profile(time.process_time) if profile else None
    with app.app_context():
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        run = jobs.scan("manual", since=since, until=since + timedelta(days=1))
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        alerts = Counter(
            dict(
                db.session.execute(
                    select(m.Alert.rule_code, func.count())
                    .where(m.Alert.outcome == "hit")
                    .group_by(m.Alert.rule_code)
                ).all()
            )
        )
        summary = (run.status, run.visits_scanned, run.points_scanned, run.errors)
        db.session.remove()
        db.engine.dispose()
    return summary, wall, cpu, alerts, profiler


def bench_one(kind: str, scale: int, args, workdir: Path) -> dict[str, float]:
    """Generate, scan, report one (database, scale); returns the headline figures."""
    url = fresh_database(kind, workdir, scale)
    app = bench_app(url)
    day_date = datetime.now(TZ).date() - timedelta(days=1)
    started = time.perf_counter()
    day = generate(app, scale, args.points, args.fraud, day_date, args.seed)
    generated = time.perf_counter() - started
    (status, visits, points, errors), wall, cpu, alerts, profiler = timed_scan(app, day_date, args.profile)
    pps = points / wall
    injected = ", ".join(f"{k}={v}" for k, v in sorted(day.frauds.items()) if k != "honest")
    print(
        f"{kind} {scale}: {visits} visits, {points} points (generated in {generated:.0f} s); scan {status} in "
        f"{wall:.1f} s wall / {cpu:.1f} s CPU of this process = {pps:,.0f} points/s, {visits / wall:,.0f} visits/s "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); errors={errors}"
    )
    print(f"  frauds injected: {injected}")
    print(f"  alerts (hits) by rule: {', '.join(f'{k}={v}' for k, v in sorted(alerts.items()))}")
    if profiler:
        for order in ("cumulative", "tottime"):
            pstats.Stats(profiler, stream=sys.stdout).sort_stats(order).print_stats(25)
    return {
        f"{kind}_{scale}_s": round(wall, 2),
        f"{kind}_{scale}_cpu_s": round(cpu, 2),
        f"{kind}_{scale}_pps": round(pps),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="2000,20000", help="visits per day, comma-separated")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--points", type=int, default=60, help="trail points per visit (a point a minute)")
    parser.add_argument("--fraud", type=float, default=0.03, help="share of visits with an injected fraud")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print the scan's cProfile top 25 (CPU time)")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="field_app_bench_scan_") as workdir:
        for kind in kinds:
            for scale in (int(s) for s in args.scales.split(",")):
                figures.update(bench_one(kind, scale, args, Path(workdir)))
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
