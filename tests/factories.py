"""Model factories and request builders for tests. Faces are real: encodings come from the dlib engine."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from types import SimpleNamespace

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from field_app.demo.faces import astronaut_jpeg, shared_people
from field_app.extensions import db
from field_app.models import Agency, Caregiver, CarePlan, Client, Device, FaceEnrolment, ServiceItem, User
from field_app.services.accounts import issue_pair
from field_app.services.catalogue import load_catalogue
from field_app.verification.datum import to_wgs84
from field_app.verification.face import FaceSettings, analyse_selfie

HOME = (30.75, 120.75)  # Jiaxing, WGS-84
PASSWORD = "test-password-1"


@cache
def encoding_of(photo: bytes):
    """The real engine's encoding of a photo, computed once per test session."""
    return analyse_selfie(photo, FaceSettings())


@cache
def photo(person: str, n: int = 0) -> bytes:
    """Photo n of a person in ../shared/faces, or the packaged astronaut (any person, when absent)."""
    people = shared_people()
    if not people:
        return astronaut_jpeg(12 * n)
    return people[person][n].read_bytes()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def add_agency(code: str = "A1") -> Agency:
    agency = Agency(code=code, name=f"Agency {code}")
    db.session.add(agency)
    db.session.flush()
    return agency


def add_caregiver(
    agency: Agency,
    code: str = "CG1",
    enrol_photo: bytes | None = None,
    is_nurse: bool = False,
    device_id: str = "phone-1",
) -> Caregiver:
    caregiver = Caregiver(
        agency_id=agency.id,
        code=code,
        name=code,
        is_nurse=is_nurse,
        certificate_no=f"C-{code}",
        certificate_expires_on=date(2030, 1, 1),
    )
    caregiver.devices.append(Device(device_id=device_id))
    if enrol_photo is not None:
        sample = encoding_of(enrol_photo)
        caregiver.enrolments.append(FaceEnrolment(encoding=sample.encoding, image_hash=sample.image_hash))
    db.session.add(caregiver)
    db.session.flush()
    return caregiver


def add_client(
    agency: Agency,
    insured_id: str = "330400000001",
    home=HOME,
    datum: str = "WGS84",
    radius_m: float | None = None,  #: None: FIELD_APP_GEOFENCE_DEFAULT_RADIUS_M
    plan_codes: list[str] | None = None,
    visits_per_week: int = 3,
    trail_consent: bool = True,
    polygon_wgs84: list | None = None,
) -> Client:
    lat, lng = to_wgs84(home[0], home[1], datum)
    client = Client(
        agency_id=agency.id,
        insured_id=insured_id,
        name=insured_id,
        grade="severe_2",
        home_lat=home[0],
        home_lng=home[1],
        home_datum=datum,
        home_lat_wgs84=lat,
        home_lng_wgs84=lng,
        **({} if radius_m is None else {"fence_radius_m": radius_m}),
        fence_polygon_wgs84=polygon_wgs84,
        trail_consent=trail_consent,
    )
    codes = plan_codes if plan_codes is not None else [f"L{n:02d}" for n in range(1, 17)]
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.code.in_(codes))).all()
    client.care_plans.append(
        CarePlan(
            visits_per_week=visits_per_week,
            monthly_cap_yuan=Decimal("1500"),
            fund_share=Decimal("0.8"),
            valid_from=date(2020, 1, 1),
            items=items,
        )
    )
    db.session.add(client)
    db.session.flush()
    return client


@cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")


def add_user(role: str, username: str | None = None, **binding) -> User:
    """An account with the test password (hashed once per session: scrypt is slow on purpose)."""
    caregiver, client = binding.get("caregiver"), binding.get("client")
    user = User(
        username=username or f"{role}-{secrets.token_hex(3)}",
        password_hash=_password_hash(),
        role=role,
        caregiver_id=caregiver.id if caregiver else None,
        client_id=client.id if client else None,
        all_agencies=binding.get("all_agencies", False),
        agencies=list(binding.get("agencies", [])),
    )
    db.session.add(user)
    db.session.flush()
    return user


def token_for(user: User, device_id: str | None = None) -> str:
    """A fresh access token for the user (bound to a phone for caregivers)."""
    now = datetime.now(UTC)
    pair = issue_pair(user, device_id, now, timedelta(hours=1), timedelta(days=1))
    db.session.flush()
    return pair.access_token


def sign_in(test_client, token: str) -> None:
    """Every later request of this test client carries the bearer token."""
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"


def world(app, test_client=None, enrol_photo: bytes | None = None, **client_kw) -> SimpleNamespace:
    """Catalogue, one agency, one enrolled caregiver with an account on phone-1, one client at the Jiaxing
    home; returns ids and the caregiver's token (and signs ``test_client`` in with it when given)."""
    with app.app_context():
        load_catalogue()
        agency = add_agency()
        caregiver = add_caregiver(agency, enrol_photo=enrol_photo or photo("obama", 0))
        client = add_client(agency, **client_kw)
        user = add_user("caregiver", caregiver=caregiver)
        token = token_for(user, "phone-1")
        db.session.commit()
        w = SimpleNamespace(
            agency_id=agency.id, caregiver_id=caregiver.id, client_id=client.id, user_id=user.id, token=token
        )
    if test_client is not None:
        sign_in(test_client, token)
    return w


def switch_caregiver(app, test_client, w: SimpleNamespace, code: str = "CG2", **caregiver_kw) -> None:
    """A second caregiver of the world's agency, without an enrolled face unless given, takes over
    phone-1: ``test_client`` is signed in as them and ``w.caregiver_id`` is theirs."""
    with app.app_context():
        other = add_caregiver(
            db.session.get(Agency, w.agency_id), code=code, device_id="phone-1", **caregiver_kw
        )
        sign_in(test_client, token_for(add_user("caregiver", caregiver=other), "phone-1"))
        db.session.commit()
        w.caregiver_id = other.id


def fix(
    at: datetime,
    lat: float = HOME[0],
    lng: float = HOME[1],
    accuracy_m: float = 10.0,
    datum: str = "WGS84",
    **extra,
) -> dict:
    return {"lat": lat, "lng": lng, "accuracy_m": accuracy_m, "datum": datum, "time": at.isoformat(), **extra}


def attempt_body(
    w: SimpleNamespace, attempt_id: str, selfie: bytes, at: datetime, with_client: bool = True, **fix_kw
) -> dict:
    body = {
        "attempt_id": attempt_id,
        "caregiver_id": w.caregiver_id,
        "device_id": "phone-1",
        "device_time": at.isoformat(),
        "fix": fix(at, **fix_kw),
        "selfie": b64(selfie),
    }
    if with_client:
        body["client_id"] = w.client_id
    return body


def minutes_ago(n: float, now: datetime) -> datetime:
    return now - timedelta(minutes=n)


def add_visit(
    visit_uuid: str,
    caregiver_id: int,
    client_id: int,
    agency_id: int,
    start: datetime,
    minutes: float | None,
    where=HOME,
    items: tuple[str, ...] = (),
    points: int = 0,
    face_status: str = "matched",
    geofence_status: str = "inside",
) -> int:
    """A visit stored as the services would store it, with recorded verification results (no selfies).

    For scanner tests: the rules read recorded results, so no face engine is needed here.
    """
    from field_app.models import PerformedItem, TrailPoint, Visit, VisitAttempt

    end = None if minutes is None else start + timedelta(minutes=minutes)
    visit = Visit(
        uuid=visit_uuid,
        caregiver_id=caregiver_id,
        client_id=client_id,
        agency_id=agency_id,
        state="open" if end is None else "closed",
        verification_status="verified",
        check_in_at=start,
        check_out_at=end,
        changed_at=datetime.now(start.tzinfo),
    )
    for n, (kind, at) in enumerate((("check_in", start), ("check_out", end))):
        if at is None:
            continue
        visit.attempts.append(
            VisitAttempt(
                uuid=f"{visit_uuid}-{n}",
                kind=kind,
                caregiver_id=caregiver_id,
                device_id=f"phone-{caregiver_id}",
                lat=where[0],
                lng=where[1],
                datum="WGS84",
                lat_wgs84=where[0],
                lng_wgs84=where[1],
                accuracy_m=10.0,
                fix_time=at,
                device_time=at,
                received_at=at,
                face_status=face_status,
                face_distance=0.3,
                face_threshold=0.5,
                geofence_status=geofence_status,
                distance_m=0.0,
            )
        )
    for k, code in enumerate(items):
        visit.items.append(
            PerformedItem(
                service_code=code,
                started_at=start + timedelta(minutes=k),
                in_care_plan=True,
                nurse_required=False,
            )
        )
    db.session.add(visit)
    db.session.flush()
    for k in range(points):  # a phone lying still indoors: metres of jitter, changing accuracy
        lat, lng = where[0] + (k * 7 % 5 - 2) * 3e-5, where[1] + (k * 3 % 7 - 3) * 3e-5
        db.session.add(
            TrailPoint(
                visit_id=visit.id,
                fix_time=start + timedelta(seconds=60 * (k + 1)),
                lat=lat,
                lng=lng,
                datum="WGS84",
                lat_wgs84=lat,
                lng_wgs84=lng,
                accuracy_m=8.0 + k % 7,
                geofence_status="inside",
                distance_m=5.0,
            )
        )
    db.session.flush()
    return visit.id
