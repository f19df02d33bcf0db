"""A caregiver's phones: registration request -> agency approval -> replacement -> revocation.

Only an ``active`` phone signs in and checks in (``services.accounts.bind_device``). A caregiver has at
most ``Agency.phones_per_caregiver`` active phones (1 unless the agency allows more); a phone active for
one caregiver cannot be registered to another (shared phones are what rule X04 looks for). Revoking or
replacing a phone ends the sign-ins bound to it at once.
"""

from __future__ import annotations

from sqlalchemy import select, update

from field_app.errors import Conflict
from field_app.extensions import db
from field_app.masterdata import records as r
from field_app.masterdata.shapes import PhoneIn
from field_app.models import ApiToken, Caregiver, Device, User
from field_app.models.caregiver import ACTIVE, REJECTED, REPLACED, REQUESTED, REVOKED


def as_json(device: Device) -> dict:
    return {
        "id": device.id,
        "caregiver_id": device.caregiver_id,
        "caregiver_code": device.caregiver.code,
        "device_id": device.device_id,
        "model": device.model,
        "status": device.status,
        "registered_at": r.plain(device.registered_at),
        "decided_at": r.plain(device.decided_at),
        "decided_by": device.decided_by,
        "ended_at": r.plain(device.ended_at),
        "replaces_id": device.replaces_id,
        "reason": device.reason,
    }


def _audit(actor: r.Actor, action: str, device: Device, before: str | None, **extra) -> None:
    changed = {"status": (before, device.status), **{k: (None, v) for k, v in extra.items()}}
    r.record_change(actor, action, "device", device.id, changed)


def _guard_free(device_id: str, caregiver: Caregiver) -> None:
    other = db.session.scalar(
        select(Device).where(
            Device.device_id == device_id, Device.status == ACTIVE, Device.caregiver_id != caregiver.id
        )
    )
    if other is not None:
        raise Conflict("phone_in_use", "This phone is registered to another caregiver.", "device_id")


def request(data: PhoneIn, actor: r.Actor, approve: bool = False) -> tuple[Device, str]:
    """A registration request (the caregiver's new phone); agency staff may approve it at once."""
    caregiver = r.caregiver_by_code(data.caregiver_code)
    _guard_free(data.device_id, caregiver)
    device = next((d for d in caregiver.devices if d.device_id == data.device_id), None)
    if device is not None and device.status in (ACTIVE, REQUESTED):
        if approve and device.status == REQUESTED:
            return decide(device, True, actor), r.UPDATED
        return device, r.UNCHANGED
    if device is None:
        device = Device(device_id=data.device_id, registered_at=actor.now)
        caregiver.devices.append(device)
    before = device.status if device.id else None
    device.status, device.model, device.ended_at, device.reason = REQUESTED, data.model, None, None
    db.session.flush()
    _audit(actor, "device.request", device, before, device_id=data.device_id)
    if approve:
        decide(device, True, actor)
    return device, r.INSERTED


def _active_count(caregiver: Caregiver, besides: Device | None = None) -> int:
    return sum(1 for d in caregiver.devices if d.is_active and d is not besides)


def decide(device: Device, approve: bool, actor: r.Actor, reason: str | None = None) -> Device:
    """Approve or reject a request; approval respects the agency's phone limit."""
    if device.status != REQUESTED:
        raise Conflict("phone_not_requested", "Only a requested phone can be approved or rejected.", None)
    caregiver = device.caregiver
    if approve:
        _guard_free(device.device_id, caregiver)
        limit = caregiver.agency.phones_per_caregiver
        if _active_count(caregiver) >= limit:
            raise r.quiet(
                Conflict(
                    "phone_limit_reached",
                    "The caregiver already has {limit} active phone(s); replace or revoke one first.",
                    None,
                    limit=limit,
                )
            )
    device.status = ACTIVE if approve else REJECTED
    device.decided_at, device.decided_by, device.reason = actor.now, actor.name, reason
    db.session.flush()
    _audit(actor, "device.approve" if approve else "device.reject", device, REQUESTED, reason=reason)
    return device


def replace(old: Device, data: PhoneIn, actor: r.Actor) -> Device:
    """A new phone takes over from an active one in one step (lost or broken phone)."""
    if not old.is_active:
        raise Conflict("phone_not_active", "Only an active phone can be replaced.", None)
    _end(old, REPLACED, actor, f"replaced by {data.device_id}")
    new, _ = request(data.model_copy(update={"caregiver_code": old.caregiver.code}), actor)
    new.replaces_id = old.id
    return decide(new, True, actor) if new.status == REQUESTED else new


def revoke(device: Device, actor: r.Actor, reason: str) -> Device:
    if device.status in (REVOKED, REPLACED, REJECTED):
        return device
    _end(device, REVOKED, actor, reason)
    return device


def _end(device: Device, status: str, actor: r.Actor, reason: str) -> None:
    before = device.status
    device.status, device.ended_at, device.reason = status, actor.now, reason
    users = select(User.id).where(User.caregiver_id == device.caregiver_id)
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.device_id == device.device_id, ApiToken.user_id.in_(users), ApiToken.revoked_at.is_(None)
        )
        .values(revoked_at=actor.now)
    )
    db.session.flush()
    _audit(actor, f"device.{status}", device, before, reason=reason)
