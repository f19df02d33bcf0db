"""Shared setup of the load benches: a world of phones, the production shape, phones' HTTP, reporting.

The production shape is what ``scripts/prod`` runs, started here on a free loopback port against a
dedicated database: ``gunicorn -c gunicorn.conf.py "field_app:create_app()"`` with process workers
(``WORKERS``/``BIND``), ``flask scheduler`` as its own process and ``PROMETHEUS_MULTIPROC_DIR``.
Every process started here is registered and stopped by ``cleanup()``, which ``guarded_main`` runs on
success, failure, Ctrl-C and SIGTERM. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import requests
from _pg import pg_server, recreate_database
from _procs import REPO, children, end, free_port, on_cleanup, spawn

BIN = REPO / ".venv" / "bin"
sys.path.insert(0, str(REPO))  # a plain script: make field_app importable without installing it

PASSWORD = "bench-pass-2026"
JIAXING = (30.75, 120.75)


def begin(pg_url: str | None, dbname: str) -> tuple[Laps, str, str]:
    """A bench's start: its machine line printed, its lap clock, the server and a fresh database there."""
    print(machine_line())
    laps = Laps()
    server = pg_server(pg_url)
    return laps, server, recreate_database(server, dbname)


# ---------------------------------------------------------------- the app in this process (setup, counting)


def make_app(url: str):
    from field_app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1)})


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def dispose(app) -> None:
    from field_app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def query(app, sql: str, **params) -> list[tuple]:
    from sqlalchemy import text

    from field_app.extensions import db

    with app.app_context():
        rows = [tuple(r) for r in db.session.execute(text(sql), params)]
        db.session.rollback()
        return rows


def table_counts(
    app, tables=("visits", "visit_attempts", "trail_points", "performed_items", "audit_log", "alerts")
) -> dict[str, int]:
    return {t: query(app, f"SELECT count(*) FROM {t}")[0][0] for t in tables}


# ---------------------------------------------------------------- faces and selfies


@dataclass
class Person:
    name: str
    enrolment: np.ndarray  #: encoding of the enrolment photo
    image_hash: str
    selfies: list[bytes]  #: phone-like JPEGs of other photos of the same person


def phone_jpeg(raw: bytes, seed: int, long_side: int = 1280, quality: int = 90) -> bytes:
    """A photo as a phone app sends it after its own compression: 1280 px, JPEG, sensor noise (a few
    hundred KB; the noise also makes every variant a different file)."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(raw))).convert("RGB")
    scale = long_side / max(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BICUBIC)
    noise = np.random.default_rng(seed).normal(0, 4, (image.height, image.width, 3))
    pixels = np.clip(np.asarray(image, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def people(variants: int = 2) -> tuple[list[Person], str]:
    """Enrolment encodings and check-in selfies: the 6 people of ../shared/faces, else the astronaut.

    A person is enrolled from their first photo; selfies come from their other photos (distances
    0.32-0.44 to the enrolment, under the 0.5 threshold), or from the only photo when there is one.
    """
    from field_app.demo.faces import astronaut_jpeg, shared_people

    shared = shared_people()
    if shared:
        sources = {name: [p.read_bytes() for p in paths] for name, paths in shared.items()}
        where = "../shared/faces (6 people, photos re-used across caregivers)"
    else:
        sources = {"astronaut": [astronaut_jpeg(0), astronaut_jpeg(12)]}
        where = "scikit-image astronaut (../shared/faces absent)"
    out = []
    for n, (name, photos) in enumerate(sources.items()):
        encoding, image_hash = enrolment_of(photos[0])
        selfies = [
            phone_jpeg(raw, seed=1000 * n + 10 * k + v)
            for k, raw in enumerate(photos[1:] or photos)
            for v in range(variants)
        ]
        out.append(Person(name, encoding, image_hash, selfies))
    return out, where


def enrolment_of(photo: bytes) -> tuple[np.ndarray, str]:
    """The real engine's encoding of a photo, cached in the temp folder by photo and engine version
    (loading dlib's models and encoding six photos costs seconds on every small CI run otherwise)."""
    import hashlib

    import dlib

    from field_app.verification.face import FaceSettings, analyse_selfie

    key = hashlib.sha256(photo + f"{dlib.__version__}{FaceSettings()}".encode()).hexdigest()
    path = Path(tempfile.gettempdir()) / "field_app_bench_encodings.json"
    cache = {}
    with contextlib.suppress(OSError, ValueError):
        cache = json.loads(path.read_text())
    if key not in cache:
        sample = analyse_selfie(photo, FaceSettings())
        cache[key] = [sample.encoding.tolist(), sample.image_hash]
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cache))
        tmp.replace(path)
    encoding, image_hash = cache[key]
    return np.asarray(encoding, dtype=np.float64), image_hash


# ---------------------------------------------------------------- the world


@dataclass
class Phone:
    n: int
    caregiver_id: int
    agency_id: int
    username: str
    device_id: str
    person: int  #: index into World.people
    clients: list[int]
    token: str | None = None


@dataclass
class World:
    phones: list[Phone]
    homes: dict[int, tuple[float, float]]  #: client id -> WGS-84 home
    people: list[Person]
    faces_from: str
    plan_codes: list[str] = field(default_factory=list)


def build_world(
    app,
    phones: int,
    clients_per_phone: int = 2,
    agencies: int = 5,
    seed: int = 7,
    people_list: tuple[list[Person], str] | None = None,
    users: bool = True,
    enrol_noise: float = 0.0,
) -> World:
    """Agencies, caregivers (each with a user, a registered phone and an enrolled real face), clients.

    Caregivers share the few real people's enrolment photos; ``enrol_noise`` (per dimension) makes
    their stored encodings distinct, as different people's would be (for scans, not for selfies).
    """
    from sqlalchemy import select

    from field_app.extensions import db
    from field_app.models import Agency, Caregiver, CarePlan, Client, Device, FaceEnrolment, ServiceItem
    from field_app.models.user import CAREGIVER
    from field_app.services.accounts import create_user
    from field_app.services.catalogue import load_catalogue
    from field_app.verification.datum import GCJ02, from_wgs84

    rng = random.Random(seed)
    persons, faces_from = people_list or people()
    with app.app_context():
        load_catalogue()
        daily = db.session.scalars(select(ServiceItem).where(ServiceItem.group == "daily_life")).all()
        agency_rows = [Agency(code=f"BENCH-{k:03d}", name=f"Bench agency {k}") for k in range(agencies)]
        db.session.add_all(agency_rows)
        db.session.flush()
        out, homes = [], {}
        for n in range(phones):
            agency = agency_rows[n % agencies]
            person = n % len(persons)
            caregiver = Caregiver(
                agency_id=agency.id,
                code=f"BCG{n:05d}",
                name=f"{persons[person].name}-{n}",
                certificate_no=f"ZJ-HL-B{n:05d}",
                certificate_expires_on=date(2030, 12, 31),
                is_nurse=n % 3 == 0,
            )
            device_id = f"bench-phone-{n:05d}"
            caregiver.devices.append(Device(device_id=device_id))
            encoding = persons[person].enrolment
            if enrol_noise:
                encoding = encoding + np.random.default_rng(seed * 100_000 + n).normal(0, enrol_noise, 128)
            caregiver.enrolments.append(
                FaceEnrolment(encoding=encoding, image_hash=persons[person].image_hash)
            )
            db.session.add(caregiver)
            db.session.flush()
            username = f"bench-cg-{n:05d}"
            if users:
                create_user(username, PASSWORD, CAREGIVER, caregiver=caregiver)
            client_ids = []
            for k in range(clients_per_phone):
                home = _offset(JIAXING, rng.uniform(-6000, 6000), rng.uniform(-6000, 6000))
                glat, glng = from_wgs84(*home, GCJ02)  # geocoded addresses arrive in GCJ-02
                client = Client(
                    agency_id=agency.id,
                    insured_id=f"3304B{n:05d}{k:02d}",
                    name=f"参保人B{n}-{k}",
                    grade="severe_2",
                    home_lat=glat,
                    home_lng=glng,
                    home_datum=GCJ02,
                    home_lat_wgs84=home[0],
                    home_lng_wgs84=home[1],
                    fence_radius_m=100.0,
                )
                client.care_plans.append(
                    CarePlan(
                        visits_per_week=7,
                        monthly_cap_yuan=Decimal("1500"),
                        fund_share=Decimal("0.8"),
                        valid_from=date(2020, 1, 1),
                        items=daily,
                    )
                )
                db.session.add(client)
                db.session.flush()
                homes[client.id] = home
                client_ids.append(client.id)
            out.append(Phone(n, caregiver.id, agency.id, username, device_id, person, client_ids))
        db.session.commit()
        codes = sorted(s.code for s in daily)
    return World(out, homes, persons, faces_from, codes)


def _offset(point: tuple[float, float], north_m: float, east_m: float) -> tuple[float, float]:
    from field_app.demo.gps import offset

    return offset(point[0], point[1], north_m, east_m)


def fix(rng: random.Random, home: tuple[float, float], at: datetime, sigma_m: float = 8.0) -> dict:
    """A phone-like WGS-84 fix near ``home`` (the demo's GPS model), its time to the millisecond."""
    from field_app.demo.gps import noisy_fix

    return {**noisy_fix(rng, *home, at, sigma_m).as_json(), "time": iso(at)}


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def insert_open_visits(
    app, world: World, per_phone: int, check_in_at: datetime, seed: int = 3
) -> list[tuple]:
    """Open visits stored directly as the check-in service stores them (one matched, inside-the-fence
    check-in attempt each); returns (visit uuid, phone index, client id) triples."""
    from sqlalchemy import insert

    from field_app.extensions import db
    from field_app.models import Visit, VisitAttempt

    rng = random.Random(seed)
    now = datetime.now(UTC)
    visits, plan = [], []
    for phone in world.phones:
        for k in range(per_phone):
            client_id = phone.clients[k % len(phone.clients)]
            plan.append((f"ingest-{phone.n:05d}-{k:05d}-{uuid.uuid4().hex[:8]}", phone, client_id))
    with app.app_context():
        for start in range(0, len(plan), 2000):
            part = plan[start : start + 2000]
            # changed_at as the check-in left it: the first batch after it marks the visit for re-judging
            rows = [
                dict(
                    uuid=u,
                    caregiver_id=p.caregiver_id,
                    client_id=c,
                    agency_id=p.agency_id,
                    state="open",
                    verification_status="pending",
                    check_in_at=check_in_at,
                    created_at=now,
                    changed_at=check_in_at,
                )
                for u, p, c in part
            ]
            ids = (
                db.session.execute(insert(Visit).returning(Visit.id, sort_by_parameter_order=True), rows)
                .scalars()
                .all()
            )
            attempts = []
            for vid, (u, p, c) in zip(ids, part, strict=True):
                f = fix(rng, world.homes[c], check_in_at)
                attempts.append(
                    dict(
                        uuid=f"{u}-in",
                        visit_id=vid,
                        kind="check_in",
                        caregiver_id=p.caregiver_id,
                        device_id=p.device_id,
                        device_registered=True,
                        lat=f["lat"],
                        lng=f["lng"],
                        datum="WGS84",
                        lat_wgs84=f["lat"],
                        lng_wgs84=f["lng"],
                        accuracy_m=f["accuracy_m"],
                        fix_time=check_in_at,
                        device_time=check_in_at,
                        received_at=check_in_at,
                        face_status="matched",
                        face_distance=0.35,
                        face_threshold=0.5,
                        face_encoding=world.people[p.person].enrolment,
                        image_hash="0" * 16,
                        geofence_status="inside",
                        distance_m=8.0,
                    )
                )
            db.session.execute(insert(VisitAttempt), attempts)
            visits.extend((u, p.n, c) for u, p, c in part)
        db.session.commit()
    return visits


def issue_tokens(app, world: World, hours: float = 12) -> None:
    """Caregiver accounts and access tokens stored directly, for worlds of thousands of phones (signing
    in through the API is one scrypt each, ~0.1 s; peak.py times that path). The accounts have no
    usable password."""
    from field_app.extensions import db
    from field_app.models import User
    from field_app.models.user import CAREGIVER
    from field_app.services.accounts import issue_pair

    now = datetime.now(UTC)
    with app.app_context():
        users = [
            User(username=p.username, password_hash="!", role=CAREGIVER, caregiver_id=p.caregiver_id)
            for p in world.phones
        ]
        db.session.add_all(users)
        db.session.flush()
        for phone, user in zip(world.phones, users, strict=True):
            phone.token = issue_pair(
                user, phone.device_id, now, timedelta(hours=hours), timedelta(hours=hours)
            ).access_token
        db.session.commit()


# ---------------------------------------------------------------- the production shape


class Shape:
    """gunicorn (process workers) + ``flask scheduler`` on a loopback port, as scripts/prod runs them."""

    def __init__(
        self,
        url: str,
        workers: int = 2,
        scheduler: bool = True,
        extra_env: dict | None = None,
        app_spec: str = "field_app:create_app()",
        api: bool = True,
    ) -> None:
        self.url, self.workers, self.want_scheduler, self.app_spec = url, workers, scheduler, app_spec
        self.api = api
        self.tmp = Path(tempfile.mkdtemp(prefix="field_app_bench_shape_"))
        on_cleanup(
            lambda: (
                shutil.rmtree(self.tmp, ignore_errors=True) if not os.environ.get("BENCH_KEEP_LOGS") else None
            )
        )
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        metrics = self.tmp / "metrics"
        metrics.mkdir()
        self.metrics_token = secrets.token_urlsafe(24)
        self.env = {
            **os.environ,
            "FLASK_APP": "field_app",
            "FIELD_APP_ENV": "production",
            "FIELD_APP_SECRET_KEY": secrets.token_urlsafe(32),
            "FIELD_APP_METRICS_TOKEN": self.metrics_token,
            "DATABASE_URL": url,
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
            "BIND": f"127.0.0.1:{self.port}",
            "WORKERS": str(workers),
            # every simulated phone signs in from 127.0.0.1: the per-address sign-in limit is for the internet
            "FIELD_APP_SIGN_IN_LIMIT": "100000",
            "PYTHONPATH": str(REPO),
            # as scripts/prod: one BLAS thread per process (gunicorn.conf.py says why)
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1"),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
            **(extra_env or {}),
        }
        self.gunicorn: subprocess.Popen | None = None
        self.scheduler: subprocess.Popen | None = None
        self.scheduler_starts = 0

    def _spawn(self, program: str, *args: str, log: str) -> subprocess.Popen:
        """One of the shape's processes: a program of the venv with the shape's environment and log folder."""
        return spawn([str(BIN / program), *args], self.env, self.tmp / log)

    def start(self) -> Shape:
        if self.api:
            self.gunicorn = self._spawn(
                "gunicorn", "-c", "gunicorn.conf.py", self.app_spec, log="gunicorn.log"
            )
        if self.want_scheduler:
            self.start_scheduler()
        if self.api:
            self.wait_ready()
        return self

    def start_scheduler(self) -> subprocess.Popen:
        self.scheduler_starts += 1
        self.scheduler = self._spawn("flask", "scheduler", log=f"scheduler-{self.scheduler_starts}.log")
        return self.scheduler

    def kill_scheduler(self, sig: int = signal.SIGKILL) -> None:
        end(self.scheduler, sig=sig, wait_s=10)
        self.scheduler = None

    def wait_ready(self, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.gunicorn.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.tmp / 'gunicorn.log'}\n" + self.log_tail())
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.base + "/ready", timeout=5).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError("the API did not become ready\n" + self.log_tail())

    def log_tail(self, name: str = "gunicorn.log", lines: int = 30) -> str:
        path = self.tmp / name
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def log_text(self, pattern: str = "*.log") -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.tmp.glob(pattern)))

    def worker_pids(self) -> list[int]:
        return children(self.gunicorn.pid) if self.gunicorn else []

    def stop(self) -> None:
        self.kill_scheduler(signal.SIGTERM)
        end(self.gunicorn, signal.SIGTERM, wait_s=35)  # graceful: gunicorn's graceful_timeout is 30 s
        self.gunicorn = None

    def route_seconds(self) -> dict[tuple[str, str], tuple[float, int]]:
        """Server-side (sum seconds, count) per (route, status) from /metrics, all workers together."""
        from prometheus_client.parser import text_string_to_metric_families

        out: dict[tuple[str, str], list[float]] = {}
        auth = {"Authorization": f"Bearer {self.metrics_token}"}
        text = requests.get(self.base + "/metrics", headers=auth, timeout=30).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                kind = {"field_app_request_seconds_sum": 0, "field_app_request_seconds_count": 1}.get(
                    sample.name
                )
                if kind is not None:
                    key = (sample.labels["route"], sample.labels["status"])
                    out.setdefault(key, [0.0, 0.0])[kind] += sample.value
        return {k: (v[0], int(v[1])) for k, v in out.items()}


# ---------------------------------------------------------------- HTTP as a phone does it


@dataclass
class Answer:
    status: int | None  #: None: no answer at all (connection refused/reset, gave up)
    body: dict | None
    seconds: float  #: wall time including retries
    tries: int = 1
    retried: list[str] = field(default_factory=list)  #: why each retry happened

    @property
    def code(self) -> str | None:
        return (self.body or {}).get("error", {}).get("code") if isinstance(self.body, dict) else None


RETRY_STATUS = {502, 503, 504}


def call(
    session: requests.Session,
    method: str,
    url: str,
    body: bytes | None = None,
    token: str | None = None,
    deadline_s: float = 120.0,
    retry: bool = True,
    timeout_s: float = 120.0,
) -> Answer:
    """One request with a phone's retry policy: a connection error or 502/503/504 is retried with
    backoff (honouring Retry-After) until ``deadline_s``; any other answer is final."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    retried: list[str] = []
    tries = 0
    while True:
        tries += 1
        wait = None
        try:
            resp = session.request(method, url, data=body, headers=headers, timeout=timeout_s)
            try:
                payload = resp.json()
            except ValueError:
                payload = None
            if not (retry and resp.status_code in RETRY_STATUS):
                return Answer(resp.status_code, payload, time.perf_counter() - started, tries, retried)
            code = (payload or {}).get("error", {}).get("code") if isinstance(payload, dict) else None
            retried.append(f"{resp.status_code} {code}")
            with contextlib.suppress(TypeError, ValueError):
                wait = float(resp.headers.get("Retry-After"))
        except requests.RequestException as exc:
            if not retry:
                return Answer(None, None, time.perf_counter() - started, tries, [type(exc).__name__])
            retried.append(type(exc).__name__)
        elapsed = time.perf_counter() - started
        if elapsed >= deadline_s:
            return Answer(None, None, elapsed, tries, retried)
        backoff = min(4.0, 0.25 * 2 ** min(tries - 1, 5)) * random.uniform(0.8, 1.2)
        time.sleep(min(wait if wait is not None else backoff, max(0.0, deadline_s - elapsed)))


def sign_in(session: requests.Session, base: str, phone: Phone) -> Answer:
    body = json.dumps(
        {"username": phone.username, "password": PASSWORD, "device_id": phone.device_id}
    ).encode()
    answer = call(session, "POST", base + "/api/v1/auth/sign-in", body)
    if answer.status == 200:
        phone.token = answer.body["access_token"]
    return answer


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ---------------------------------------------------------------- reporting


def pct(values: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds of values in seconds (nan when empty)."""
    if not values:
        return (float("nan"),) * 3
    p = np.percentile(np.asarray(values) * 1000, [50, 95, 99])
    return float(p[0]), float(p[1]), float(p[2])


def machine_line() -> str:
    import platform

    import dlib

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    return (
        f"machine: nproc={os.cpu_count()} cpu={model!r} mem_gb={os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f}"
        f" loadavg_1m={loadavg():.1f} python={platform.python_version()} dlib={dlib.__version__} DLIB_USE_BLAS={dlib.DLIB_USE_BLAS}"
    )


class Laps:
    """Wall seconds of a script's phases, printed as one line (where the minutes of a run go)."""

    def __init__(self) -> None:
        self.last = time.monotonic()
        self.laps: list[tuple[str, float]] = []

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps.append((name, now - self.last))
        self.last = now

    def line(self) -> str:
        return "phases (s): " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in self.laps)


def loadavg() -> float:
    """The 1-minute load average: other work on the machine skews the figures (2 cores are easily full)."""
    return os.getloadavg()[0]


def now_utc() -> datetime:
    return datetime.now(UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
