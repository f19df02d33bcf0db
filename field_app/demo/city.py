"""The living city of the demo: the sample master-data files imported through the services, a fortnight
of schedules, and a simulated week of visits with the patterns every rule family looks for.

DEMO ONLY, labelled so: the agencies carry ``demo = True`` and （演示） in their names, every person in
``fixtures/master`` is invented. The week's visits are driven through the real check-in services, but
their selfies are synthetic and read by ``SyntheticFaceEngine`` (a few hundred distinct faces exist
nowhere else); the engine is swapped only inside this function: the app's live check-in path always
runs the real dlib engine, and the caregivers enrolled from real photos by ``demo.seed`` check in
with it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from field_app.demo.synthetic_faces import SyntheticFaceEngine, synthetic_selfie
from field_app.extensions import db
from field_app.masterdata import records as r
from field_app.masterdata.importer import import_rows, read
from field_app.models import Agency, Caregiver, Client, PlannedVisit, Visit
from field_app.registries.imports import import_rows as import_registry
from field_app.schedules.generate import generate
from field_app.services import feedback
from field_app.services.accounts import create_user
from field_app.services.enrolment import enrol_initial

MASTER = Path(__file__).resolve().parents[2] / "fixtures" / "master"
FILES = (
    ("agencies", "agencies.csv"),
    ("caregivers", "caregivers.csv"),
    ("phones", "phones.csv"),
    ("clients", "clients.xlsx"),
    ("care_plans", "care_plans.csv"),
)
PERSON_BASE = 5000  #: synthetic person ids of the city's caregivers (5000 + caregiver id)


@dataclass
class CityStats:
    caregivers: int = 0
    clients: int = 0
    planned: int = 0
    visits: int = 0
    missed: int = 0
    late: int = 0


def import_samples(actor: r.Actor) -> None:
    """The sample files, in dependency order, through the same import as ``flask import``."""
    for kind, name in FILES:
        with (MASTER / name).open("rb") as stream:
            result = import_rows(kind, read(stream, name.rsplit(".", 1)[1]), actor, source=f"seed:{name}")
        if result.errors:
            raise RuntimeError(f"sample file {name}: {result.errors[:3]}")
    db.session.execute(update(Agency).values(demo=True))


def _home(client: Client) -> tuple[float, float]:
    return client.home_lat_wgs84, client.home_lng_wgs84


class Week:
    """Drives the planned visits of the past days through the services, with a pattern now and then."""

    def __init__(self, rng: random.Random, verifier, tz: str, visit):
        self.rng, self.tz, self.visit = rng, tz, visit
        self.v = replace(verifier, engine=SyntheticFaceEngine())
        self.nonce = 0
        self.stats = CityStats()

    def selfies(self, caregiver: Caregiver, person: int | None = None) -> tuple[bytes, bytes]:
        self.nonce += 2
        pid = person if person is not None else PERSON_BASE + caregiver.id
        return synthetic_selfie(pid, self.nonce), synthetic_selfie(pid, self.nonce + 1)

    def drive(self, pv: PlannedVisit, at: datetime, honest: bool = True, **kw) -> str:
        caregiver, client = db.session.get(Caregiver, pv.caregiver_id), db.session.get(Client, pv.client_id)
        selfies = kw.pop("selfies", None) or self.selfies(caregiver)
        kw.setdefault("items", [line.service_item.code for line in pv.care_plan.lines])
        self.stats.visits += 1
        return self.visit(
            self.rng, self.v, caregiver, client, _home(client), selfies, at, honest, self.tz, **kw
        )

    def run(self, planned: list[PlannedVisit]) -> list[str]:
        """Most visits on time; some late, some missed, a few short and off-site or another face."""
        done = []
        for n, pv in enumerate(planned):
            roll = self.rng.random()
            if roll < 0.06:
                self.stats.missed += 1
                continue
            late = roll < 0.12
            self.stats.late += late
            at = pv.starts_at + timedelta(minutes=50 if late else self.rng.randint(-5, 10))
            other = self.selfies(pv.caregiver, PERSON_BASE + 999) if n % 53 == 7 else None
            done.append(self.drive(pv, at, honest=n % 41 != 5, selfies=other, planned_visit_id=pv.id))
        return done


def _patterns(week: Week, planned: list[PlannedVisit], day: date, tz: str) -> None:
    """One of each pattern the week's ordinary flow does not produce: overlap, after hours, a medical item by
    a non-nurse, a hospital stay reported late, a family denial."""
    zone = ZoneInfo(tz)
    first = next(pv for pv in planned if pv.visit_id is not None)
    week.drive(first, first.starts_at + timedelta(minutes=20), planned_visit_id=None)  # X01: two at once
    evening = datetime.combine(day, time(21, 30), zone)
    week.drive(planned[-1], evening, planned_visit_id=None)  # T03 (and S04: unplanned)
    nurse_free = next(
        pv for pv in planned if not pv.caregiver.is_nurse and pv.visit_id is None and pv.status == "planned"
    )
    week.drive(nurse_free, nurse_free.starts_at, items=["M01", "L01"], planned_visit_id=nurse_free.id)  # I02
    stay_from = datetime.combine(day - timedelta(days=3), time.min, zone)
    stay_client = next(pv.client for pv in planned if pv.visit_id is not None and pv.starts_at >= stay_from)
    import_registry(
        "hospital_stays",
        [
            (
                1,
                {
                    "insured_id": stay_client.insured_id,
                    "admitted_on": str(day - timedelta(days=3)),
                    "discharged_on": str(day - timedelta(days=1)),
                },
            )
        ],
        week.v.now,
        day,
        actor="seed",
        source="demo",
    )


def _family(clients: list[Client], week: Week) -> None:
    """A family account per agency's first client; one denies a visit (C01), others rate theirs."""
    for n, client in enumerate(clients[:2]):
        user = create_user(f"family-{n + 1}", "demo-pass-2026", "family", client=client)
        visits = db.session.scalars(
            select(Visit).where(Visit.client_id == client.id, Visit.state == "closed")
        ).all()
        for k, visit in enumerate(visits):
            feedback.submit(user, visit, not (n == 0 and k == 0), 5 - (k % 2), None, week.v.now)


def build_city(day: date, tz: str, verifier, actor: r.Actor, seed: int = 11) -> CityStats:
    """Import the samples, plan two weeks around ``day``, run the week up to ``day``."""
    from field_app.demo.seed import _visit

    import_samples(actor)
    week = Week(random.Random(seed), verifier, tz, _visit)
    for caregiver in db.session.scalars(select(Caregiver).where(Caregiver.code.like("JX-CG%"))):
        enrol_initial(
            caregiver,
            [synthetic_selfie(PERSON_BASE + caregiver.id, 0)],
            verifier.face_settings,
            "system:seed",
            week.v.engine,
        )
        week.stats.caregivers += 1
    first = day - timedelta(days=6)
    first -= timedelta(days=first.weekday())  # whole ISO weeks: the plan frequency is judged per week
    generate(first, (day - first).days + 8, tz, actor.now)
    end = datetime.combine(day + timedelta(days=1), time.min, ZoneInfo(tz))
    start = datetime.combine(first, time.min, ZoneInfo(tz))
    planned = list(
        db.session.scalars(
            select(PlannedVisit)
            .where(PlannedVisit.starts_at >= start, PlannedVisit.starts_at < end)
            .order_by(PlannedVisit.starts_at)
        )
    )
    week.stats.planned = db.session.query(PlannedVisit).count()
    week.run(planned)
    _patterns(week, planned, day, tz)
    clients = list(
        db.session.scalars(select(Client).where(Client.insured_id.like("3304%")).order_by(Client.id))
    )
    week.stats.clients = len(clients)
    _family(clients, week)
    db.session.flush()
    return week.stats
