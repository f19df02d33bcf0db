"""Drive visits through the public caregiver API as phones do: selfies, noisy fixes, batched trails.

A ``VisitPlan`` says what happened at a visit (who, where, when, which items) and what the phone
sends differently when someone cheats (a colleague's face, a spoofed or far-away fix, a skewed
clock...); ``VisitDriver.drive`` turns it into the requests a phone makes. The simulated day lies in the
past, so every upload is a late one: fix and item times are the visit's, ``device_time`` is the
phone's clock when sending (now), as for a phone that was offline.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from field_app.demo import gps
from field_app.demo.simulate_world import ADMIN_USER, PASSWORD, SimCaregiver, SimClient, World
from field_app.demo.synthetic_faces import synthetic_selfie
from field_app.verification.datum import WGS84, from_wgs84

STRANGER = 900_000  #: face identities from here on belong to nobody enrolled


class SimulationError(RuntimeError):
    """The API answered a simulated request in a way the simulation did not plan for."""


@dataclass
class Api:
    """The API as the caregivers' phones and the agency's staff use it, over the Flask test client.

    Every caregiver signs in once per phone (tokens are bound to the phone) from that phone's own
    address, as sign-ins are rate-limited per address; staff work is done as the simulation's admin.
    """

    client: FlaskClient
    nonces: count = field(default_factory=lambda: count(1))
    #: ``(person, nonce, faces) -> bytes``: synthetic selfies, or ``real_faces.RealFaceSource``
    face_source: Callable[..., bytes] = synthetic_selfie
    tokens: dict[tuple[str, str | None], str] = field(default_factory=dict)
    addresses: dict[str, int] = field(default_factory=dict)

    def _address(self, username: str) -> str:
        n = self.addresses.setdefault(username, len(self.addresses))
        return f"10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}"

    def _request(self, path: str, body: dict, username: str, headers: dict, ok: tuple[int, ...]) -> dict:
        response = self.client.post(
            f"/api/v1{path}",
            json=body,
            headers=headers,
            environ_base={"REMOTE_ADDR": self._address(username)},
        )
        if response.status_code not in ok:
            raise SimulationError(
                f"POST {path}: {response.status_code} {response.get_data(as_text=True)[:300]}"
            )
        return response.get_json()

    def _token(self, username: str, device_id: str | None) -> str:
        key = (username, device_id)
        if key not in self.tokens:
            body = {
                "username": username,
                "password": PASSWORD,
                **({"device_id": device_id} if device_id else {}),
            }
            self.tokens[key] = self._request("/auth/sign-in", body, username, {}, (200,))["access_token"]
        return self.tokens[key]

    def post(
        self,
        path: str,
        body: dict,
        *,
        user: str = ADMIN_USER,
        device: str | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> dict:
        """POST as ``user`` (signed in from ``device``); an unplanned status raises SimulationError."""
        headers = {"Authorization": f"Bearer {self._token(user, device)}"}
        return self._request(path, body, user, headers, ok)

    def selfie(self, person: int, faces: int = 1) -> bytes:
        """A fresh selfie (a nonce never used before) of ``person``."""
        return self.face_source(person, next(self.nonces), faces)

    def enrol(self, caregiver: SimCaregiver) -> None:
        """Enrolment is done in person at the agency, by staff: three fresh photos (a gallery)."""
        real = getattr(self.face_source, "enrolment", lambda _: None)(caregiver.person)
        photos = [b64(p) for p in real] if real else [b64(self.selfie(caregiver.person)) for _ in range(3)]
        self.post(f"/caregivers/{caregiver.id}/face-enrolments", {"photos": photos}, ok=(201,))

    def registry(self, kind: str, rows: list[dict]) -> dict:
        return self.post(f"/registry/{kind}", {"rows": rows})

    def feedback(self, family: str, uuid: str, confirmed: bool, rating: int) -> dict:
        """The client's family confirms (or denies) a finished visit and rates it (参保人评价反馈)."""
        return self.post(
            f"/visits/{uuid}/feedback", {"confirmed": confirmed, "rating": rating}, user=family, ok=(201,)
        )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def fix_json(
    lat: float, lng: float, accuracy: float, at: datetime, datum: str = WGS84, mock: bool | None = False
) -> dict:
    """A fix as the phone sends it: in its SDK's datum, 7 decimals, with or without a mock flag."""
    if datum != WGS84:
        lat, lng = from_wgs84(lat, lng, datum)
    return {
        "lat": round(lat, 7),
        "lng": round(lng, 7),
        "accuracy_m": accuracy,
        "datum": datum,
        "time": at.isoformat(),
        "mock": mock,
    }


def phone_fix(rng: random.Random, where: tuple[float, float], at: datetime, sigma_m: float = 10.0) -> tuple:
    """(lat, lng, accuracy) of a real phone near ``where``: now and then a coarse Wi-Fi fix."""
    if rng.random() < 0.05:
        fix = gps.noisy_fix(rng, *where, at, sigma_m=25.0)
        return fix.lat, fix.lng, round(rng.uniform(45, 65), 1)
    fix = gps.noisy_fix(rng, *where, at, sigma_m=sigma_m)
    return fix.lat, fix.lng, fix.accuracy_m


def stay_trail(rng: random.Random, where: tuple[float, float], start: datetime, end: datetime) -> list[tuple]:
    """(lat, lng, accuracy, time) every ~60 s while the caregiver stays near ``where``."""
    sigma = rng.uniform(5, 15)
    out, at = [], start + timedelta(seconds=rng.uniform(40, 80))
    while at < end - timedelta(seconds=20):
        out.append((*phone_fix(rng, where, at, sigma), at))
        at += timedelta(seconds=rng.uniform(55, 65))
    return out


@dataclass
class VisitPlan:
    """One visit as it happened, and how the phone reports it."""

    uuid: str
    caregiver: SimCaregiver
    client: SimClient
    start: datetime
    end: datetime | None  #: None: never checked out
    items: list[tuple[str, float]]  #: (code, minutes after the start)
    where_in: tuple[float, float] | None = None  #: default: the client's home
    where_out: tuple[float, float] | None = None
    trail: list[tuple] | None = None  #: (lat, lng, accuracy, time); default: ``stay_trail`` at home
    faces_in: list[int] | None = None  #: face identity per check-in attempt (-1: no face, -2: two faces)
    selfie_in: bytes | None = None  #: a given (re-used) check-in selfie instead of a fresh one
    face_out: int | None = None
    device_id: str | None = None
    clock_skew: timedelta = timedelta(0)
    mock: bool | None = None  #: overrides the phone's mock flag on every fix
    fixed_accuracy: float | None = None  #: a spoofer reporting one accuracy for every fix
    late_batches: bool = False  #: hold the last trail batch until after check-out


def _matched(answer: dict) -> bool:
    return bool((answer.get("attempt") or {}).get("face", {}).get("matched"))


class VisitDriver:
    """Sends one ``VisitPlan`` as check-in, trail batches, items and check-out."""

    def __init__(self, api: Api, rng: random.Random, retry_faces: int = 0):
        """``retry_faces``: attempts per visit end a caregiver makes when her own face fails (a real
        phone asks for a retake; 0 = none, as with synthetic faces, which never fail by accident)."""
        self.api, self.rng, self.retry_faces = api, rng, retry_faces

    def _selfie(self, plan: VisitPlan, face: int) -> bytes:
        if face == -1:
            return self.api.selfie(plan.caregiver.person, faces=0)
        if face == -2:
            return self.api.selfie(plan.caregiver.person, faces=2)
        return self.api.selfie(face)

    def _fix(self, plan: VisitPlan, lat: float, lng: float, accuracy: float, at: datetime) -> dict:
        mock = plan.mock if plan.mock is not None else (None if plan.caregiver.ios else False)
        return fix_json(lat, lng, plan.fixed_accuracy or accuracy, at, plan.caregiver.datum, mock)

    def _attempt(self, plan: VisitPlan, kind: str, n: int, selfie: bytes, where, at: datetime) -> dict:
        sent = datetime.now(UTC) + plan.clock_skew + timedelta(seconds=self.rng.uniform(-20, 20))
        body = {
            "attempt_id": f"{plan.uuid}-{kind}-{n}",
            "caregiver_id": plan.caregiver.id,
            "device_id": plan.device_id or plan.caregiver.device_id,
            "device_time": sent.isoformat(),
            "fix": self._fix(plan, *phone_fix(self.rng, where, at), at),
            "selfie": b64(selfie),
        }
        if kind == "check-in":
            body["client_id"] = plan.client.id
        return self.api.post(
            f"/visits/{plan.uuid}/{kind}",
            body,
            user=plan.caregiver.username,
            device=body["device_id"],
            ok=(200,),
        )

    def _check_in(self, plan: VisitPlan) -> None:
        where = plan.where_in or plan.client.home
        faces = plan.faces_in or [plan.caregiver.person]
        for n, face in enumerate(faces):
            selfie = plan.selfie_in if plan.selfie_in and n == len(faces) - 1 else self._selfie(plan, face)
            answer = self._attempt(plan, "check-in", n, selfie, where, plan.start + timedelta(seconds=40 * n))
        self._retake(plan, "check-in", faces[-1], answer, len(faces), where, plan.start)

    def _retake(
        self, plan: VisitPlan, kind: str, face: int, answer: dict, n: int, where, at: datetime
    ) -> None:
        """The caregiver's own face failed: retake fresh selfies while attempts are left."""
        while face == plan.caregiver.person and n < self.retry_faces and not _matched(answer):
            answer = self._attempt(
                plan, kind, n, self._selfie(plan, face), where, at + timedelta(seconds=40 * n)
            )
            n += 1

    def _batches(self, plan: VisitPlan) -> list[list[dict]]:
        """Trail batches as phones send them: every 20-40 fixes (20-40 min), some out of order or sent twice."""
        end = plan.end or plan.start + timedelta(minutes=60)
        fixes = (
            plan.trail if plan.trail is not None else stay_trail(self.rng, plan.client.home, plan.start, end)
        )
        points = [self._fix(plan, *f) for f in fixes]
        batches, k = [], 0
        while k < len(points):
            size = self.rng.randint(20, 40)
            batch = points[k : k + size]
            if self.rng.random() < 0.2:
                batch = batch[::-1]  # a phone flushing its queue newest first
            batches.append(batch)
            if self.rng.random() < 0.15:
                batches.append(list(batch))  # re-sent after a lost response
            k += size
        return batches

    def drive(self, plan: VisitPlan) -> str:
        """Send the whole visit; returns its uuid."""
        getattr(self.api.face_source, "new_visit", lambda _: None)(plan.caregiver.person)
        self._check_in(plan)
        batches = self._batches(plan)
        held = batches.pop() if plan.late_batches and batches else None
        for batch in batches:
            self._send_trail(plan, batch)
        if plan.items:
            items = [
                {"code": code, "started_at": (plan.start + timedelta(minutes=m)).isoformat()}
                for code, m in plan.items
            ]
            self.api.post(
                f"/visits/{plan.uuid}/items",
                {"items": items},
                user=plan.caregiver.username,
                device=plan.device_id or plan.caregiver.device_id,
            )
        if plan.end is not None:
            face = plan.face_out if plan.face_out is not None else plan.caregiver.person
            where = plan.where_out or plan.client.home
            answer = self._attempt(plan, "check-out", 0, self._selfie(plan, face), where, plan.end)
            self._retake(plan, "check-out", face, answer, 1, where, plan.end)
        if held:
            self._send_trail(plan, held)
        return plan.uuid

    def _send_trail(self, plan: VisitPlan, points: list[dict]) -> None:
        device = plan.device_id or plan.caregiver.device_id
        self.api.post(
            f"/visits/{plan.uuid}/trail",
            {"device_id": device, "points": points},
            user=plan.caregiver.username,
            device=device,
        )


@dataclass
class Scene:
    """What the honest day and the injected frauds share: the world, the phones, the clock, the catalogue."""

    world: World
    api: Api
    driver: VisitDriver
    rng: random.Random
    day: date  #: the simulated local day
    tz: str
    minutes: dict[str, tuple[int, bool]]  #: catalogue code -> (minimum minutes, needs a nurse)
    serial: count = field(default_factory=lambda: count(1))

    def at(self, hour: int, minute: int = 0, days_before: int = 0) -> datetime:
        """A local clock time on the simulated day (or ``days_before`` it), as an aware datetime."""
        return datetime.combine(self.day - timedelta(days=days_before), time(hour, minute), ZoneInfo(self.tz))

    def caregiver(self, agency_id: int, **kw) -> SimCaregiver:
        """A new caregiver, enrolled through the API."""
        caregiver = self.world.add_caregiver(agency_id, **kw)
        self.api.enrol(caregiver)
        return caregiver

    def required(self, codes: list[str]) -> int:
        return sum(self.minutes[c][0] for c in codes)

    def daily_codes(self, client: SimClient, k: int) -> list[str]:
        return self.rng.sample([c for c in client.plan if not self.minutes[c][1]], k)

    def visit(
        self,
        caregiver: SimCaregiver,
        client: SimClient,
        start: datetime,
        *,
        codes: list[str] | None = None,
        minutes: float | None = None,
        open_visit: bool = False,
        **plan_kw,
    ) -> str:
        """Drive one visit; by default 2-3 planned items and 15-40 minutes more than they need."""
        if codes is None:
            codes = self.daily_codes(client, self.rng.randint(2, 3))
            while minutes is not None and len(codes) > 1 and self.required(codes) > minutes - 10:
                codes.pop()  # a visit of a given length claims only items that fit in it
        if minutes is None:
            minutes = self.required(codes) + self.rng.uniform(15, 40)
        end = None if open_visit else start + timedelta(minutes=minutes)
        span = max(minutes - 7, 1)
        items = [(code, 2 + span * i / len(codes)) for i, code in enumerate(codes)]
        uuid = f"sim-{caregiver.code}-{start:%m%d%H%M}-{next(self.serial)}"
        return self.driver.drive(VisitPlan(uuid, caregiver, client, start, end, items, **plan_kw))
