"""End-to-end fixtures: the real app served on 127.0.0.1 in a thread, a world with alerts raised by the
real scanner, and Debian's Chromium driven by Playwright.

The whole directory is skipped, saying why, when /usr/bin/chromium (``scripts/e2e-deps.sh``) or the
playwright package (requirements-dev.txt) is missing. Playwright's own browser download is never used:
it cannot work on a machine without internet, and Debian's build is what CI installs.
"""

from __future__ import annotations

import importlib.util
import io
import math
import threading
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from field_app import create_app
from field_app.extensions import db as _db
from field_app.geodesy import haversine_m
from tests.conftest import _fresh_database

HERE = Path(__file__).parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = HERE.parents[1] / "test-artifacts" / "e2e"
# Without the background-networking flags Chromium keeps calling Google's hosts, which this closed
# network refuses; Playwright gives every launch a fresh, empty profile directory of its own.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
SH = ZoneInfo("Asia/Shanghai")


def missing_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (.venv/bin/pip install -r requirements-dev.txt)"
    if not CHROMIUM.is_file():
        return "Debian's chromium is not installed at /usr/bin/chromium (run scripts/e2e-deps.sh)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = missing_browser()
    if reason is None:
        return
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.skip(reason=f"end-to-end tests need a browser: {reason}"))


class LiveServer:
    """A WSGI app on a free port of 127.0.0.1, served by werkzeug in a daemon thread."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="e2e-live-server", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def e2e_app(database_url: str, **config):
    """The app as production runs it, on the test database; sign-ins all come from 127.0.0.1."""
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SIGN_IN_LIMIT": 1000,
            "SELFIE_RETENTION_DAYS": 30,
            **config,
        }
    )


@pytest.fixture(scope="module")
def database_url(schema_source, tmp_path_factory):
    return _fresh_database(schema_source, tmp_path_factory.mktemp("e2e-db"))


@pytest.fixture(scope="module")
def app(database_url):
    app = e2e_app(database_url)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def yesterday_at(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(SH).date() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


def _walk(home: tuple[float, float], radius_m: float):
    """A visit's trail, a fix every 2 minutes: indoors with metres of jitter, then a walk of ~450 m
    north-east and back between minutes 14 and 42 (out one side of the street, back the other)."""
    lat0, lng0 = home
    metres_per_deg = 111_195.0
    for minute in range(2, 60, 2):
        jitter = ((minute * 7) % 5 - 2) * 3.0, ((minute * 3) % 7 - 3) * 3.0
        reach = 450.0 * max(0.0, 1 - abs(minute - 28) / 15) if 14 <= minute <= 42 else 0.0
        side = 0.0 if not reach else 40.0 if minute < 28 else -40.0
        north = reach * 0.707 - side * 0.707 + jitter[0]
        east = reach * 0.707 + side * 0.707 + jitter[1]
        lat = lat0 + north / metres_per_deg
        lng = lng0 + east / (metres_per_deg * math.cos(math.radians(lat0)))
        accuracy = 8.0 + minute % 7
        distance = haversine_m(lat0, lng0, lat, lng)
        status = (
            "outside"
            if distance - accuracy > radius_m
            else "inside"
            if distance + accuracy < radius_m
            else "uncertain"
        )
        yield minute, lat, lng, accuracy, distance, status


def build_world(app) -> SimpleNamespace:
    from field_app.demo.faces import astronaut_jpeg
    from field_app.models import Alert, Selfie, TrailPoint, Visit
    from field_app.scanning import jobs
    from field_app.services.catalogue import load_catalogue
    from field_app.timeutil import now_utc
    from tests import factories as f

    with app.app_context():
        load_catalogue()
        agency = f.add_agency("JX01")
        caregiver = f.add_caregiver(agency, code="CG-E2E", device_id="phone-e2e")
        client = f.add_client(agency, insured_id="330400000777")
        users = {
            name: f.add_user(role, name, agencies=[agency]).id
            for name, role in (("sup-wang", "supervisor"), ("sup-li", "supervisor"), ("aud-zhao", "auditor"))
        }
        users["cg-e2e"] = f.add_user("caregiver", "cg-e2e", caregiver=caregiver).id
        users["fam-e2e"] = f.add_user("family", "fam-e2e", client=client).id
        start = yesterday_at(9)
        trail_visit = f.add_visit(
            "e2e-trail-visit", caregiver.id, client.id, agency.id, start, 60, items=("L01",)
        )
        for minute, lat, lng, accuracy, distance, status in _walk(f.HOME, client.fence_radius_m):
            _db.session.add(
                TrailPoint(
                    visit_id=trail_visit,
                    fix_time=start + timedelta(minutes=minute),
                    lat=lat,
                    lng=lng,
                    datum="WGS84",
                    lat_wgs84=lat,
                    lng_wgs84=lng,
                    accuracy_m=accuracy,
                    geofence_status=status,
                    distance_m=round(distance, 1),
                )
            )
        away = (
            f.HOME[0] + 0.005,
            f.HOME[1],
        )  # ~556 m north: the check-in and check-out of a visit not at home
        away_visit = f.add_visit(
            "e2e-away-visit",
            caregiver.id,
            client.id,
            agency.id,
            yesterday_at(14),
            45,
            where=away,
            geofence_status="outside",
        )
        for attempt in _db.session.get(Visit, away_visit).attempts:
            attempt.distance_m = round(haversine_m(*away, *f.HOME), 1)
        f.add_visit("e2e-late-visit", caregiver.id, client.id, agency.id, yesterday_at(21, 30), 40)
        check_in = _db.session.get(Visit, trail_visit).attempts_of("check_in")[0]
        _db.session.add(Selfie(attempt_id=check_in.id, content_type="image/jpeg", data=astronaut_jpeg()))
        _db.session.commit()
        jobs.scan("manual", since=start - timedelta(days=1), until=now_utc())
        _db.session.commit()
        alerts = {}
        for alert in _db.session.scalars(select(Alert).where(Alert.outcome == "hit")):
            alerts.setdefault(alert.rule_code, alert.id)
        return SimpleNamespace(
            users=users,
            alerts=alerts,
            agency_id=agency.id,
            trail_visit="e2e-trail-visit",
            visits=("e2e-trail-visit", "e2e-away-visit", "e2e-late-visit"),
        )


@pytest.fixture(scope="module")
def world(app):
    """Supervisors wang and li, auditor zhao, a caregiver; yesterday's three visits and the alerts the real
    scanner raised on them (G02 trail out of the fence, G01 check-in outside, T03 outside service hours)."""
    w = build_world(app)
    assert {"G01", "G02", "T03"} <= set(w.alerts), w.alerts
    return w


@pytest.fixture(scope="module")
def live_server(app, world):
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tile_server():
    """A stand-in for a Chinese tile provider: grey 256 px PNG tiles with a grid, on another port."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (226, 232, 222))
    draw = ImageDraw.Draw(image)
    for k in range(0, 256, 64):
        draw.line([(k, 0), (k, 255)], fill=(200, 208, 196))
        draw.line([(0, k), (255, k)], fill=(200, 208, 196))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    png = buffer.getvalue()
    requests: list[str] = []

    def tiles(environ, start_response):
        requests.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "image/png"), ("Content-Length", str(len(png)))])
        return [png]

    server = LiveServer(tiles)
    server.requests = requests
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts (one per person: sessionStorage is per tab), 1280x800, Shanghai time."""
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(viewport=VIEWPORT, locale=locale, timezone_id="Asia/Shanghai")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str, full_page: bool = False) -> Path:
    """Save a screenshot as a test artefact under test-artifacts/e2e/."""
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def screenshot():
    return shot
