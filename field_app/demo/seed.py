"""Demo data: two Jiaxing agencies, caregivers enrolled with real faces, clients, and a day of visits.

Visits go through the same services as the API (real face and geofence checks), so the demo shows
what the product really concludes; a few visits are deliberately dishonest so the rules have work.
"""

from __future__ import annotations

import base64
import io
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from PIL import Image, ImageOps
from sqlalchemy import func, select

from field_app.demo import gps
from field_app.demo.faces import astronaut_jpeg, shared_people
from field_app.domain.shapes import CheckInIn, CheckOutIn, ItemsIn, TrailBatchIn
from field_app.extensions import db
from field_app.models import Agency, Caregiver, CarePlan, Client, Device, ServiceItem
from field_app.models.user import ADMIN, AUDITOR, CAREGIVER, FAMILY, SUPERVISOR
from field_app.services import attendance, trail
from field_app.services.accounts import create_user
from field_app.services.catalogue import load_catalogue
from field_app.services.enrolment import enrol_initial
from field_app.verification.datum import GCJ02, from_wgs84

JIAXING = (30.75, 120.75)
AGENCIES = [("JX-A01", "嘉兴市康乐居家护理服务中心"), ("JX-A02", "嘉兴市颐和护理站")]
DAILY_SETS = [["L01", "L04", "L09"], ["L03", "L13"], ["L05", "L06", "L11"], ["L15"], ["L02", "L10"]]


@dataclass
class SeedSummary:
    agencies: int = 0
    caregivers: int = 0
    clients: int = 0
    visits: int = 0
    faces_from: str = ""


def _people() -> tuple[list[tuple[str, list[bytes]]], str]:
    """Caregiver faces: one person per folder of ../shared/faces, else the packaged portrait."""
    people = shared_people()
    if people:
        return [(name, [p.read_bytes() for p in paths]) for name, paths in people.items()], "../shared/faces"
    return [("astronaut", [astronaut_jpeg(0), astronaut_jpeg(12)])], "scikit-image astronaut"


def _selfies(photos: list[bytes]) -> list[bytes]:
    """Distinct check-in selfies from a person's other photos: each as taken and mirrored.

    A phone selfie is never the same picture twice; re-using one is what rule F03 looks for.
    """
    out = []
    for raw in photos[1:] or photos:
        image = Image.open(io.BytesIO(raw)).convert("RGB")
        for variant in (image, ImageOps.mirror(image)):
            buffer = io.BytesIO()
            variant.save(buffer, format="JPEG", quality=90)
            out.append(buffer.getvalue())
    return out


def _caregivers(agencies: list[Agency], settings, engine) -> list[tuple[Caregiver, list[bytes]]]:
    people, _ = _people()
    out = []
    for n, (person, photos) in enumerate(people, start=1):
        caregiver = Caregiver(
            agency_id=agencies[n % len(agencies)].id,
            code=f"CG{n:03d}",
            name=person,
            certificate_no=f"ZJ-HL-{n:05d}",
            certificate_expires_on=date(2028, 12, 31),
            is_nurse=n % 3 == 0,
            address_key=f"demo-caregiver-{n}",
        )
        caregiver.devices.append(Device(device_id=f"phone-{n:03d}"))
        db.session.add(caregiver)
        db.session.flush()
        enrol_initial(caregiver, photos[:1], settings, "system:seed", engine)
        out.append((caregiver, _selfies(photos)))
    return out


def _clients(rng: random.Random, agencies: list[Agency], per_agency: int) -> list[tuple[Client, tuple]]:
    daily = db.session.scalars(select(ServiceItem).where(ServiceItem.group == "daily_life")).all()
    out = []
    for agency in agencies:
        for k in range(per_agency):
            home = gps.offset(*JIAXING, rng.uniform(-4000, 4000), rng.uniform(-4000, 4000))
            glat, glng = from_wgs84(*home, GCJ02)  # geocoded addresses arrive in GCJ-02
            client = Client(
                agency_id=agency.id,
                insured_id=f"3304{agency.id:02d}{k:06d}",
                name=f"参保人{agency.id}-{k}",
                grade=rng.choice(["severe_1", "severe_2", "severe_3", "dementia"]),
                address=f"嘉兴市南湖区示范路{k + 1}号",
                address_key=f"demo-client-{agency.id}-{k}",
                home_lat=glat,
                home_lng=glng,
                home_datum=GCJ02,
                home_lat_wgs84=home[0],
                home_lng_wgs84=home[1],
            )
            client.care_plans.append(
                CarePlan(
                    visits_per_week=rng.choice([3, 5, 7]),
                    monthly_cap_yuan=Decimal("1500"),
                    fund_share=Decimal("0.8"),
                    valid_from=date(2026, 1, 1),
                    items=daily,
                )
            )
            db.session.add(client)
            out.append((client, home))
    db.session.flush()
    return out


def seed_demo(
    day: date, tz: str, verifier: attendance.Verifier, clients_per_agency: int = 6, seed: int = 7
) -> SeedSummary:
    """Create the demo world once; a second call finds it and does nothing."""
    if db.session.scalar(select(func.count()).select_from(Agency)):
        return SeedSummary(faces_from="already seeded")
    rng = random.Random(seed)
    load_catalogue()
    agencies = [Agency(code=c, name=n) for c, n in AGENCIES]
    db.session.add_all(agencies)
    db.session.flush()
    caregivers = _caregivers(agencies, verifier.face_settings, verifier.engine)
    clients = _clients(rng, agencies, clients_per_agency)
    visits = 0
    for caregiver, selfies in caregivers:
        mine = [c for c in clients if c[0].agency_id == caregiver.agency_id]
        start = datetime.combine(day, time(8, 0), ZoneInfo(tz))
        n_visits = min(3, len(mine), max(1, len(selfies) // 2))
        for k, (client, home) in enumerate(rng.sample(mine, k=n_visits)):
            honest = visits != 3  # one short, off-site visit for the rules to catch
            pair = (selfies[2 * k % len(selfies)], selfies[(2 * k + 1) % len(selfies)])
            _visit(rng, verifier, caregiver, client, home, pair, start, honest, tz)
            start += timedelta(minutes=150)
            visits += 1
    _demo_users(agencies, [c for c, _ in caregivers], [c for c, _ in clients])
    _, faces_from = _people()
    return SeedSummary(len(agencies), len(caregivers), len(clients), visits, faces_from)


DEMO_PASSWORD = "demo-pass-2026"  # printed by seed-demo; the demo is not for production data


def _demo_users(agencies: list[Agency], caregivers: list[Caregiver], clients: list[Client]) -> None:
    """An admin, a supervisor and an auditor per agency, every caregiver, one family account."""
    create_user("admin", DEMO_PASSWORD, ADMIN)
    for agency in agencies:
        create_user(f"supervisor-{agency.code.lower()}", DEMO_PASSWORD, SUPERVISOR, agencies=[agency])
        create_user(f"auditor-{agency.code.lower()}", DEMO_PASSWORD, AUDITOR, agencies=[agency])
    for caregiver in caregivers:
        create_user(caregiver.code.lower(), DEMO_PASSWORD, CAREGIVER, caregiver=caregiver)
    create_user("family-1", DEMO_PASSWORD, FAMILY, client=clients[0])


def _visit(
    rng,
    v: attendance.Verifier,
    caregiver,
    client,
    home,
    selfies: tuple[bytes, bytes],
    start: datetime,
    honest: bool,
    tz: str,
) -> None:
    """One visit through the real services: check-in, trail, items, check-out."""
    items = rng.choice(DAILY_SETS)
    minutes = 75 if honest else 12
    end = start + timedelta(minutes=minutes)
    uuid = f"demo-{caregiver.code}-{start:%Y%m%d%H%M}"
    where = home if honest else gps.offset(*home, 420, 310)
    phone = caregiver.devices[0].device_id
    common = {"caregiver_id": caregiver.id, "device_id": phone}
    caller = attendance.Caller(caregiver.id, phone)
    fix = gps.noisy_fix(rng, *where, start)
    sent = start + timedelta(seconds=rng.randint(2, 20))  # the phone sends a little after the fix
    result = attendance.check_in(
        uuid,
        CheckInIn.model_validate(
            {
                **common,
                "attempt_id": f"{uuid}-in",
                "client_id": client.id,
                "device_time": sent.isoformat(),
                "selfie": base64.b64encode(selfies[0]).decode(),
                "fix": fix.as_json(),
            }
        ),
        caller,
        replace(v, now=sent),
    )
    visit = result.visit
    db.session.flush()
    points = gps.trail(rng, *where, start, end)
    trail.add_trail(
        visit,
        TrailBatchIn.model_validate({"points": [p.as_json() for p in points]}),
        end,
        48,
        1.0,
        timedelta(0),
    )
    trail.add_items(
        visit,
        ItemsIn.model_validate(
            {
                "items": [
                    {"code": c, "started_at": (start + timedelta(minutes=5 + 10 * n)).isoformat()}
                    for n, c in enumerate(items)
                ]
            }
        ),
        end,
        48,
        v.max_minutes,
        tz,
    )
    fix = gps.noisy_fix(rng, *where, end)
    sent = end + timedelta(seconds=rng.randint(2, 20))
    attendance.check_out(
        uuid,
        CheckOutIn.model_validate(
            {
                **common,
                "attempt_id": f"{uuid}-out",
                "device_time": sent.isoformat(),
                "selfie": base64.b64encode(selfies[1]).decode(),
                "fix": fix.as_json(),
            }
        ),
        caller,
        replace(v, now=sent),
    )
    db.session.flush()
