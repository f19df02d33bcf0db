"""The simulated world: agencies, caregivers and clients around Jiaxing, written straight to the database.

There is no API for registering agencies, caregivers or clients (the insurer's systems hold them),
so the world is written as the demo seed writes it; everything a phone does afterwards goes through
the public API (``simulate_visits``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from field_app.demo import gps
from field_app.extensions import db
from field_app.models import Agency, Caregiver, CarePlan, Client, Device, ServiceItem, User
from field_app.models.user import ADMIN, CAREGIVER, FAMILY
from field_app.services.catalogue import load_catalogue
from field_app.verification.datum import GCJ02, WGS84, from_wgs84, to_wgs84

JIAXING = (30.75, 120.75)  #: WGS-84
DAILY = tuple(f"L{n:02d}" for n in range(1, 17))  #: daily-life care (生活照料)
LIGHT_MEDICAL = ("M01", "M02", "M09", "M10")  #: 10-minute medical items a nurse may add
ADMIN_USER, PASSWORD = "sim-admin", "simulated-password"
#: Simulated accounts share one cheap hash: scrypt (accounts.create_user) costs ~0.14 s a user and as
#: much again per sign-in, seconds for a simulated day; the sign-in path checks either the same way.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@dataclass(frozen=True)
class SimCaregiver:
    """A caregiver as the simulation knows her: database id, face identity and phone."""

    id: int
    code: str
    agency_id: int
    person: int  #: the identity in her synthetic selfies
    device_id: str
    datum: str  #: the datum her phone's location SDK reports (GCJ-02 with a Chinese map SDK)
    is_nurse: bool
    ios: bool  #: iOS cannot say whether a fix is mocked: ``mock`` is sent as None

    @property
    def username(self) -> str:
        return self.code.lower()


@dataclass(frozen=True)
class SimClient:
    """A client with the WGS-84 home every check uses and the care plan's items."""

    id: int
    insured_id: str
    agency_id: int
    home: tuple[float, float]
    plan: tuple[str, ...]
    visits_per_week: int
    trail_consent: bool = True


@dataclass
class World:
    """Creates and remembers the simulated agencies, caregivers and clients; one commit per entity."""

    app: Flask
    rng: random.Random
    plan_from: date
    agencies: list[int] = field(default_factory=list)
    caregivers: list[SimCaregiver] = field(default_factory=list)
    clients: list[SimClient] = field(default_factory=list)
    families: set[str] = field(default_factory=set)
    _serial: int = 0

    def _next(self) -> int:
        self._serial += 1
        return self._serial

    def add_agencies(self, count: int) -> list[int]:
        with self.app.app_context():
            load_catalogue()
            rows = [Agency(code=f"SIM-A{n + 1:02d}", name=f"嘉兴模拟护理机构{n + 1}") for n in range(count)]
            db.session.add_all(rows)
            db.session.add(User(username=ADMIN_USER, password_hash=_CHEAP_HASH, role=ADMIN))
            db.session.commit()
            self.agencies = [a.id for a in rows]
        return self.agencies

    def add_caregiver(
        self,
        agency_id: int,
        *,
        is_nurse: bool = False,
        address_key: str | None = None,
        certificate_until: date = date(2029, 12, 31),
        also_device: str | None = None,
    ) -> SimCaregiver:
        """A caregiver with her phone (and ``also_device``, a phone registered to a colleague too) and an
        account; her face is enrolled through the API afterwards."""
        n = self._next()
        code, device = f"SIM{n:04d}", f"phone-sim-{n:04d}"
        with self.app.app_context():
            row = Caregiver(
                agency_id=agency_id,
                code=code,
                name=f"护理员{n}",
                is_nurse=is_nurse,
                certificate_no=f"ZJ-HL-{n:05d}",
                certificate_expires_on=certificate_until,
                address_key=address_key or f"sim-caregiver-{n}",
            )
            row.devices.extend(Device(device_id=d) for d in (device, also_device) if d)
            db.session.add(row)
            db.session.flush()
            db.session.add(
                User(username=code.lower(), password_hash=_CHEAP_HASH, role=CAREGIVER, caregiver_id=row.id)
            )
            db.session.commit()
            caregiver = SimCaregiver(
                row.id,
                code,
                agency_id,
                n,
                device,
                self.rng.choice((WGS84, GCJ02)),
                is_nurse,
                ios=self.rng.random() < 0.3,
            )
        self.caregivers.append(caregiver)
        return caregiver

    def add_client(
        self,
        agency_id: int,
        *,
        home: tuple[float, float] | None = None,
        plan: tuple[str, ...] | None = None,
        visits_per_week: int | None = None,
        trail_consent: bool = True,
        address_key: str | None = None,
    ) -> SimClient:
        """A client whose home was geocoded from an address: stored in GCJ-02, converted to WGS-84."""
        n = self._next()
        home = home or gps.offset(*JIAXING, self.rng.uniform(-5000, 5000), self.rng.uniform(-5000, 5000))
        glat, glng = from_wgs84(*home, GCJ02)
        wgs = to_wgs84(glat, glng, GCJ02)
        plan = plan or self.random_plan()
        per_week = visits_per_week or self.rng.choice((3, 5, 7))
        with self.app.app_context():
            items = db.session.scalars(select(ServiceItem).where(ServiceItem.code.in_(plan))).all()
            row = Client(
                agency_id=agency_id,
                insured_id=f"330400{n:06d}",
                name=f"参保人{n}",
                grade=self.rng.choice(("severe_1", "severe_2", "severe_3", "dementia")),
                address=f"嘉兴市南湖区模拟路{n}号",
                address_key=address_key or f"sim-client-{n}",
                home_lat=glat,
                home_lng=glng,
                home_datum=GCJ02,
                home_lat_wgs84=wgs[0],
                home_lng_wgs84=wgs[1],
                trail_consent=trail_consent,
            )
            row.care_plans.append(
                CarePlan(
                    visits_per_week=per_week,
                    monthly_cap_yuan=Decimal("1500"),
                    fund_share=Decimal("0.8"),
                    valid_from=self.plan_from,
                    items=items,
                )
            )
            db.session.add(row)
            db.session.commit()
            client = SimClient(
                row.id, row.insured_id, agency_id, wgs, tuple(sorted(plan)), per_week, trail_consent
            )
        self.clients.append(client)
        return client

    def family_of(self, client: SimClient) -> str:
        """The username of the client's family account (参保人端), created on first use."""
        username = f"family-{client.insured_id}"
        if username not in self.families:
            with self.app.app_context():
                db.session.add(
                    User(username=username, password_hash=_CHEAP_HASH, role=FAMILY, client_id=client.id)
                )
                db.session.commit()
            self.families.add(username)
        return username

    def random_plan(self) -> tuple[str, ...]:
        """Eight daily-life items, and for a third of the clients two light medical ones."""
        plan = self.rng.sample(DAILY, 8)
        if self.rng.random() < 0.35:
            plan += self.rng.sample(LIGHT_MEDICAL, 2)
        return tuple(plan)

    def caregivers_of(self, agency_id: int) -> list[SimCaregiver]:
        return [c for c in self.caregivers if c.agency_id == agency_id]

    def clients_of(self, agency_id: int) -> list[SimClient]:
        return [c for c in self.clients if c.agency_id == agency_id]


def catalogue_minutes(app: Flask) -> dict[str, tuple[int, bool]]:
    """Catalogue code -> (minimum minutes, needs a nurse)."""
    with app.app_context():
        return {s.code: (s.min_minutes, s.needs_nurse) for s in db.session.scalars(select(ServiceItem))}


def plan_start(day: date) -> date:
    """Care plans in force well before the simulated history begins."""
    return day - timedelta(days=90)
