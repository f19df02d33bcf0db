"""Caregivers (护理员): managed by their agency's staff, upserted by staff number."""

from __future__ import annotations

from sqlalchemy import select

from field_app.errors import Conflict
from field_app.extensions import db
from field_app.masterdata import records as r
from field_app.masterdata.shapes import CaregiverIn
from field_app.models import Caregiver

FIELDS = (
    "code",
    "name",
    "id_masked",
    "phone",
    "qualification",
    "is_nurse",
    "certificate_no",
    "certificate_valid_from",
    "certificate_expires_on",
    "employed_from",
    "employed_until",
    "status",
)


def as_json(caregiver: Caregiver) -> dict:
    """Never the ID number: only its masked form."""
    return {
        "id": caregiver.id,
        "agency_id": caregiver.agency_id,
        "agency_code": caregiver.agency.code,
        **r.snapshot(caregiver, FIELDS),
        "phones": [
            {"id": d.id, "device_id": d.device_id, "status": d.status, "model": d.model}
            for d in caregiver.devices
        ],
        "enrolled_faces": len(caregiver.enrolments),
    }


def as_input(caregiver: Caregiver) -> dict:
    data = {k: getattr(caregiver, k) for k in CaregiverIn.model_fields if hasattr(caregiver, k)}
    data.update(agency_code=caregiver.agency.code, certificate_valid_until=caregiver.certificate_expires_on)
    data.pop("id_number", None)
    return data


def _values(data: CaregiverIn, actor: r.Actor) -> dict:
    values = data.model_dump(exclude={"agency_code", "id_number", "certificate_valid_until"})
    values["certificate_expires_on"] = data.certificate_valid_until
    values["is_nurse"] = data.qualification == "nurse"
    values["active"] = data.status == "active"
    return values | r.id_fields(data.id_number, actor.id_key)


def save(data: CaregiverIn, actor: r.Actor, agency_scope: set[int] | None = None) -> tuple[Caregiver, str]:
    """Insert or update by staff number. ``agency_scope``: the agencies the actor may write (None: all);
    moving a caregiver to another agency needs both in scope."""
    agency = r.agency_by_code(data.agency_code)
    caregiver = db.session.scalar(select(Caregiver).where(Caregiver.code == data.code))
    for agency_id in {agency.id, caregiver.agency_id if caregiver else agency.id}:
        if agency_scope is not None and agency_id not in agency_scope:
            raise r.quiet(
                Conflict(
                    "caregiver_code_taken" if caregiver else "agency_out_of_scope",
                    "Staff number {key} belongs to an agency you do not manage."
                    if caregiver
                    else "You do not manage agency {key}.",
                    "code" if caregiver else "agency_code",
                    key=data.code if caregiver else data.agency_code,
                )
            )
    created = caregiver is None
    if created:
        caregiver = Caregiver(code=data.code, agency_id=agency.id)
        db.session.add(caregiver)
    changed = r.assign(caregiver, {"agency_id": agency.id, **_values(data, actor)})
    db.session.flush()
    if changed:
        action = "caregiver.create" if created else "caregiver.update"
        r.record_change(actor, action, "caregiver", caregiver.code, changed)
    return caregiver, r.outcome(created, changed)


def deactivate(caregiver: Caregiver, actor: r.Actor, reason: str) -> Caregiver:
    """The caregiver left: kept (visits reference them), no longer active; their phones are revoked."""
    from field_app.masterdata import phones

    changed = r.assign(caregiver, {"status": "left", "active": False, "employed_until": actor.today})
    for device in caregiver.devices:
        if device.is_active:
            phones.revoke(device, actor, f"caregiver left: {reason}")
    if changed:
        r.record_change(
            actor, "caregiver.deactivate", "caregiver", caregiver.code, changed | {"reason": (None, reason)}
        )
    db.session.flush()
    return caregiver
