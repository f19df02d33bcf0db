"""A realistic simulated day of home care, driven through the public API, with every fraud pattern in it.

``simulate_day(app)`` builds a world (three Jiaxing agencies, a dozen caregivers and thirty clients
each), lets every caregiver make 3-5 honest visits between 07:00 and 19:00 on the local day before
today with real-phone GPS noise, then injects each rule's fraud pattern (``simulate_frauds``) on
caregivers and clients of its own. It returns the ground truth: the honest visits and, per pattern,
the rule expected to fire and the visits its alert must name. ``score`` compares that with the
alerts a scan wrote. Faces are synthetic (``synthetic_faces``): set
``app.extensions["face_engine"] = SyntheticFaceEngine()`` first.

Honest visits include the legitimate look-alikes the rules are meant to leave alone: a first selfie
with no face then a matching retry, a short walk to the pharmacy, coarse Wi-Fi fixes, phones
reporting GCJ-02, iPhones that cannot say whether a fix is mocked, trail batches late, reversed or
sent twice, three clients in one building, clients without trail consent, families confirming and
rating a third of the visits.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from field_app.demo import gps
from field_app.demo.simulate_frauds import Expected, Truth
from field_app.demo.simulate_patterns import inject_all
from field_app.demo.simulate_visits import Api, Scene, VisitDriver, stay_trail
from field_app.demo.simulate_world import SimCaregiver, SimClient, World, catalogue_minutes, plan_start
from field_app.demo.synthetic_faces import SyntheticFaceEngine, synthetic_selfie
from field_app.extensions import db
from field_app.models import Alert, Visit, alert_visits
from field_app.rules.base import HIT


def simulate_day(
    app: Flask,
    seed: int = 2026,
    day: date | None = None,
    agencies: int = 3,
    caregivers_per_agency: int = 12,
    clients_per_agency: int = 30,
    face_source=None,
    retry_faces: int = 0,
) -> Truth:
    """Build the world, drive the honest day and the frauds through the API; returns the ground truth.

    ``face_source`` (default: synthetic selfies) makes the phones' selfies, e.g. a
    ``real_faces.RealFaceSource`` with ``real_faces.CompositeFaceEngine``; ``retry_faces`` lets a
    caregiver whose own face failed retake it up to that many attempts per visit end."""
    if not isinstance(app.extensions.get("face_engine"), SyntheticFaceEngine):
        raise ValueError('simulated selfies need app.extensions["face_engine"] = SyntheticFaceEngine()')
    tz = app.config["TIMEZONE"]
    day = day or datetime.now(ZoneInfo(tz)).date() - timedelta(days=1)
    rng = random.Random(seed)
    api = Api(app.test_client(), face_source=face_source or synthetic_selfie)
    world = World(app, rng, plan_start(day))
    world.add_agencies(agencies)  # loads the catalogue too
    scene = Scene(world, api, VisitDriver(api, rng, retry_faces), rng, day, tz, catalogue_minutes(app))
    populate(scene, caregivers_per_agency, clients_per_agency)
    truth = Truth(honest=honest_day(scene))
    inject_all(scene, truth)
    return truth


def populate(scene: Scene, caregivers_per_agency: int, clients_per_agency: int) -> None:
    """Enrolled caregivers (every fourth a nurse) and clients per agency, three of them in one building."""
    world = scene.world
    for agency_id in world.agencies:
        for n in range(caregivers_per_agency):
            scene.caregiver(agency_id, is_nurse=n % 4 == 0)
        for n in range(clients_per_agency):
            world.add_client(agency_id, trail_consent=n != 7)  # one client per agency refused trails
    building = gps.offset(*world.clients[0].home, 900, -700)
    for _ in range(3):  # neighbours in one block of flats, served by the same agency
        world.add_client(
            world.agencies[0], home=gps.offset(*building, scene.rng.uniform(-8, 8), scene.rng.uniform(-8, 8))
        )


def _codes(scene: Scene, caregiver: SimCaregiver, client: SimClient) -> list[str]:
    """2-3 planned daily items, plus a planned medical one when a nurse visits."""
    codes = scene.daily_codes(client, scene.rng.randint(2, 3))
    medical = [c for c in client.plan if scene.minutes[c][1]]
    if caregiver.is_nurse and medical and scene.rng.random() < 0.6:
        codes.append(scene.rng.choice(medical))
    return codes


def _look_alikes(
    scene: Scene, caregiver: SimCaregiver, client: SimClient, start: datetime, minutes: float
) -> dict:
    """Now and then a legitimate oddity: a no-face selfie retaken, a pharmacy walk, a late batch."""
    rng, kw = scene.rng, {}
    if rng.random() < 0.08:
        kw["faces_in"] = [-1, caregiver.person]
    if rng.random() < 0.06 and client.trail_consent:
        out_at = start + timedelta(minutes=minutes * rng.uniform(0.3, 0.6))
        back_at = out_at + timedelta(minutes=rng.uniform(5, 10))
        shop = gps.offset(*client.home, rng.uniform(200, 300), rng.uniform(-100, 100))
        end = start + timedelta(minutes=minutes)
        kw["trail"] = (
            stay_trail(rng, client.home, start, out_at)
            + stay_trail(rng, shop, out_at, back_at)
            + stay_trail(rng, client.home, back_at, end)
        )
    kw["late_batches"] = rng.random() < 0.25
    return kw


def honest_day(scene: Scene) -> list[str]:
    """3-5 visits per caregiver, 07:00-19:00, travel between them, clients spread over the agency."""
    visits: Counter[int] = Counter()
    uuids = []
    for caregiver in list(scene.world.caregivers):
        clients = sorted(
            scene.world.clients_of(caregiver.agency_id), key=lambda c: (visits[c.id], scene.rng.random())
        )
        start = scene.at(7) + timedelta(minutes=scene.rng.uniform(0, 60))
        budget = getattr(scene.api.face_source, "visit_budget", lambda _: None)(caregiver.person)
        count = scene.rng.randint(3, 5)  # drawn always: a budget must not shift the day's random stream
        for client in clients[: count if budget is None else min(count, budget)]:
            codes = _codes(scene, caregiver, client)
            minutes = scene.required(codes) + scene.rng.uniform(15, 40)
            if start + timedelta(minutes=minutes) > scene.at(19):
                break
            kw = _look_alikes(scene, caregiver, client, start, minutes)
            uuids.append(scene.visit(caregiver, client, start, codes=codes, minutes=minutes, **kw))
            if scene.rng.random() < 0.3:  # a third of families confirm and rate the visit
                scene.api.feedback(
                    scene.world.family_of(client), uuids[-1], True, scene.rng.choice((3, 4, 5, 5))
                )
            visits[client.id] += 1
            start += timedelta(minutes=minutes + scene.rng.uniform(20, 45))
    return uuids


@dataclass
class Score:
    """How the alerts compare with the ground truth."""

    caught: list[Expected]
    missed: list[Expected]
    honest: int
    flagged_honest: dict[str, list[str]]  #: honest visit uuid -> rule codes of the hits naming it
    hits: int  #: hit alerts in all
    hits_on_frauds: int  #: hit alerts naming at least one injected visit

    @property
    def recall(self) -> float:
        return len(self.caught) / max(1, len(self.caught) + len(self.missed))

    @property
    def precision(self) -> float:
        """The share of honest visits that no alert names ("honest visits stay quiet")."""
        return 1 - len(self.flagged_honest) / max(1, self.honest)

    @property
    def alert_precision(self) -> float:
        """The share of hit alerts that name an injected visit (the rest name honest visits only)."""
        return self.hits_on_frauds / max(1, self.hits)

    def false_positives_by_rule(self) -> Counter[str]:
        return Counter(code for codes in self.flagged_honest.values() for code in codes)

    def summary(self) -> str:
        fps = ", ".join(f"{k}={v}" for k, v in sorted(self.false_positives_by_rule().items())) or "none"
        missed = ", ".join(f"{e.code}{list(e.visits)}" for e in self.missed) or "none"
        return (
            f"recall={self.recall:.3f} ({len(self.caught)}/{len(self.caught) + len(self.missed)} patterns) "
            f"precision={self.precision:.3f} ({self.honest - len(self.flagged_honest)}/{self.honest} honest "
            f"visits quiet) alert_precision={self.alert_precision:.3f} ({self.hits_on_frauds}/{self.hits} hit "
            f"alerts name an injected visit); false positives by rule: {fps}; missed: {missed}"
        )


def _hits() -> list[tuple[str, str, set[str]]]:
    """(rule code, subject key, uuids of the visits it names) of every hit alert. Needs an app context."""
    named: dict[int, set[str]] = defaultdict(set)
    rows = db.session.execute(
        select(alert_visits.c.alert_id, Visit.uuid).join(Visit, Visit.id == alert_visits.c.visit_id)
    )
    for alert_id, uuid in rows:
        named[alert_id].add(uuid)
    alerts = db.session.execute(
        select(Alert.id, Alert.rule_code, Alert.subject_key).where(Alert.outcome == HIT)
    )
    return [(code, key, named[alert_id]) for alert_id, code, key in alerts]


def score(truth: Truth) -> Score:
    """Recall over the injected patterns and quiet honest visits, from the alerts in the database."""
    hits = _hits()
    caught, missed = [], []
    for exp in truth.expected:
        found = any(
            code == exp.code and key.startswith(exp.subject) and set(exp.visits) <= uuids
            for code, key, uuids in hits
        )
        (caught if found else missed).append(exp)
    honest, injected = set(truth.honest), set(truth.injected)
    flagged: dict[str, list[str]] = defaultdict(list)
    for code, _, uuids in hits:
        for uuid in uuids & honest:
            flagged[uuid].append(code)
    on_frauds = sum(1 for _, _, uuids in hits if uuids & injected)
    return Score(caught, missed, len(honest), dict(flagged), len(hits), on_frauds)
