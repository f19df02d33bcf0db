"""Clients (参保人): the bureau's records, upserted by insurance number; homes converted to WGS-84."""

from __future__ import annotations

from sqlalchemy import select

from field_app import identity
from field_app.extensions import db
from field_app.masterdata import records as r
from field_app.masterdata.shapes import ClientIn
from field_app.models import Client, FamilyMember
from field_app.verification.datum import to_wgs84

FIELDS = (
    "insured_id",
    "name",
    "id_masked",
    "birth_date",
    "grade",
    "grade_valid_until",
    "care_type",
    "address",
    "home_lat",
    "home_lng",
    "home_datum",
    "home_lat_wgs84",
    "home_lng_wgs84",
    "fence_radius_m",
    "fence_polygon_wgs84",
    "trail_consent",
    "status",
)


def as_json(client: Client) -> dict:
    return {
        "id": client.id,
        "agency_id": client.agency_id,
        "agency_code": client.agency.code,
        **r.snapshot(client, FIELDS),
        "family": [
            {"id": m.id, "name": m.name, "relation": m.relation, "phone": m.phone, "user_id": m.user_id}
            for m in client.family_members
        ],
    }


def as_input(client: Client) -> dict:
    data = {k: getattr(client, k) for k in ClientIn.model_fields if hasattr(client, k) and k != "family"}
    data.pop("id_number", None)
    polygon = client.fence_polygon_wgs84
    data.update(agency_code=client.agency.code, fence_polygon=None)
    if polygon:  # stored in WGS-84: give it back in that datum with the home converted alike
        data.update(fence_polygon=polygon, home_lat=client.home_lat_wgs84, home_lng=client.home_lng_wgs84)
        data["home_datum"] = "WGS84"
    return data


def _home(data: ClientIn) -> dict:
    lat, lng = to_wgs84(data.home_lat, data.home_lng, data.home_datum)
    polygon = None
    if data.fence_polygon:
        polygon = [list(reversed(to_wgs84(plat, plng, data.home_datum))) for plng, plat in data.fence_polygon]
    return {
        "home_lat": data.home_lat,
        "home_lng": data.home_lng,
        "home_datum": data.home_datum,
        "home_lat_wgs84": lat,
        "home_lng_wgs84": lng,
        "fence_polygon_wgs84": polygon,
    }


def _values(data: ClientIn, actor: r.Actor) -> dict:
    values = data.model_dump(
        exclude={"agency_code", "id_number", "family", "home_lat", "home_lng", "home_datum", "fence_polygon"}
    )
    if data.id_number and data.birth_date is None:
        values["birth_date"] = identity.birth_date_of(data.id_number)
    if data.birth_date is None and not data.id_number:
        values.pop("birth_date")  # keep what is stored
    return values | _home(data) | r.id_fields(data.id_number, actor.id_key)


def _family(client: Client, members) -> dict:
    if members is None:
        return {}
    before = [m.name for m in client.family_members]
    by_name = {m.name: m for m in client.family_members}
    kept = []
    for member in members:
        row = by_name.get(member.name) or FamilyMember(name=member.name)
        row.relation, row.phone = member.relation, member.phone
        kept.append(row)
    client.family_members = kept
    after = [m.name for m in kept]
    return {"family": (before, after)} if before != after else {}


def save(data: ClientIn, actor: r.Actor) -> tuple[Client, str]:
    agency = r.agency_by_code(data.agency_code)
    client = db.session.scalar(select(Client).where(Client.insured_id == data.insured_id))
    created = client is None
    if created:
        client = Client(insured_id=data.insured_id, agency_id=agency.id)
        db.session.add(client)
    changed = r.assign(client, {"agency_id": agency.id, **_values(data, actor)})
    changed |= _family(client, data.family)
    db.session.flush()
    if changed:
        action = "client.create" if created else "client.update"
        r.record_change(actor, action, "client", client.insured_id, changed)
    return client, r.outcome(created, changed)


def deactivate(client: Client, actor: r.Actor, reason: str, status: str = "left") -> Client:
    changed = r.assign(client, {"status": status})
    if changed:
        r.record_change(
            actor, "client.deactivate", "client", client.insured_id, changed | {"reason": (None, reason)}
        )
    db.session.flush()
    return client
