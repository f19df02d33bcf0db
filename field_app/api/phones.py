"""Caregivers' phones: a request (by the caregiver from a signed-in phone, or by agency staff), the
agency's approval or rejection, replacement and revocation (``masterdata.phones``)."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, jsonify
from pydantic import Field
from sqlalchemy import select

from field_app.api import error_codes as codes
from field_app.api import master_out as mo
from field_app.api.master_context import actor, ensure_in_scope, scope
from field_app.api.master_data import ListQuery
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body, parse_query
from field_app.api.schemas import StrictModel
from field_app.extensions import db
from field_app.masterdata import phones, policy
from field_app.masterdata import records as r
from field_app.masterdata.shapes import PhoneIn
from field_app.models import Caregiver, Device
from field_app.models.user import CAREGIVER
from field_app.security import current_user, require

bp = Blueprint("phones", __name__)
WRITE, READ = policy.WRITE["phones"], policy.READ["phones"]


class PhoneRequestIn(StrictModel):
    device_id: Annotated[str, Field(min_length=1, max_length=128)]
    model: Annotated[str, Field(max_length=100)] | None = None


class StaffPhoneIn(PhoneRequestIn):
    approved: bool = Field(False, description="Approve at once (the phone is in the agency's hands)")


class ReasonIn(StrictModel):
    reason: Annotated[str, Field(min_length=1, max_length=200)]


class DecisionIn(StrictModel):
    reason: Annotated[str, Field(max_length=200)] | None = None


def _phone(phone_id: int) -> Device:
    device = r.get_or_404(Device, phone_id, "phone_not_found", "phone")
    ensure_in_scope(device.caregiver.agency_id, "phone_not_found", "phone", phone_id)
    return device


def _done(device: Device, status: int = 200):
    return jsonify(phones.as_json(device)), status


@bp.post("/caregivers/<int:caregiver_id>/phones")
@require(*WRITE)
@documented(
    "Register a phone for a caregiver",
    body=StaffPhoneIn,
    responses={201: mo.PhoneOut, 200: mo.PhoneOut},
    errors=("caregiver_not_found", "unknown_caregiver", *codes.PHONE_DECISION),
    tag="phones",
)
def register_phone(caregiver_id: int):
    """Agency staff register a phone (approved at once with ``approved: true``); one active phone per
    caregiver unless the agency allows more; a phone active for another caregiver is refused (409)."""
    body = parse_body(StaffPhoneIn)
    caregiver = r.get_or_404(Caregiver, caregiver_id, "caregiver_not_found", "caregiver")
    ensure_in_scope(caregiver.agency_id, "caregiver_not_found", "caregiver", caregiver_id)
    data = PhoneIn(caregiver_code=caregiver.code, device_id=body.device_id, model=body.model)
    device, outcome = phones.request(data, actor(), approve=body.approved)
    return _done(device, 201 if outcome == r.INSERTED else 200)


@bp.post("/me/phones")
@require(CAREGIVER)
@documented(
    "Ask the agency to register a new phone",
    body=PhoneRequestIn,
    responses={201: mo.PhoneOut, 200: mo.PhoneOut},
    errors=("unknown_caregiver", "phone_in_use"),
    tag="phones",
)
def request_phone():
    """From the phone the caregiver is signed in on: the new one works once the agency approves it."""
    body = parse_body(PhoneRequestIn)
    caregiver = db.session.get(Caregiver, current_user().caregiver_id)
    data = PhoneIn(caregiver_code=caregiver.code, device_id=body.device_id, model=body.model)
    device, outcome = phones.request(data, actor())
    return _done(device, 201 if outcome == r.INSERTED else 200)


@bp.get("/phones")
@require(*READ)
@documented(
    "List phones (filter status=requested for the approval queue)",
    query=ListQuery,
    responses={200: mo.page_of(mo.PhoneOut)},
    tag="phones",
)
def list_phones():
    q = parse_query(ListQuery)
    stmt = select(Device).join(Caregiver, Caregiver.id == Device.caregiver_id)
    allowed = scope()
    if allowed is not None:
        stmt = stmt.where(Caregiver.agency_id.in_(allowed))
    if q.status:
        stmt = stmt.where(Device.status == q.status)
    if q.agency_id:
        stmt = stmt.where(Caregiver.agency_id == q.agency_id)
    if q.q:
        stmt = stmt.where(Caregiver.code.ilike(f"%{q.q}%") | Device.device_id.ilike(f"%{q.q}%"))
    page = r.paginate(stmt.order_by(Device.id), q.page, q.per_page)
    return jsonify(
        {
            "items": [phones.as_json(d) for d in page.items],
            "total": page.total,
            "page": page.page,
            "per_page": page.per_page,
        }
    )


@bp.post("/phones/<int:phone_id>/approve")
@require(*WRITE)
@documented(
    "Approve a requested phone",
    body=DecisionIn,
    responses={200: mo.PhoneOut},
    errors=codes.PHONE_DECISION,
    tag="phones",
)
def approve_phone(phone_id: int):
    body = parse_body(DecisionIn)
    return _done(phones.decide(_phone(phone_id), True, actor(), body.reason))


@bp.post("/phones/<int:phone_id>/reject")
@require(*WRITE)
@documented(
    "Reject a requested phone",
    body=ReasonIn,
    responses={200: mo.PhoneOut},
    errors=("phone_not_found", "phone_not_requested"),
    tag="phones",
)
def reject_phone(phone_id: int):
    body = parse_body(ReasonIn)
    return _done(phones.decide(_phone(phone_id), False, actor(), body.reason))


@bp.post("/phones/<int:phone_id>/revoke")
@require(*WRITE)
@documented(
    "Revoke a phone (lost, stolen, left): its sign-ins end at once",
    body=ReasonIn,
    responses={200: mo.PhoneOut},
    errors=("phone_not_found",),
    tag="phones",
)
def revoke_phone(phone_id: int):
    body = parse_body(ReasonIn)
    return _done(phones.revoke(_phone(phone_id), actor(), body.reason))


@bp.post("/phones/<int:phone_id>/replace")
@require(*WRITE)
@documented(
    "Replace an active phone with a new one (approved at once)",
    body=PhoneRequestIn,
    responses={200: mo.PhoneOut},
    errors=("phone_not_active", "unknown_caregiver", *codes.PHONE_DECISION),
    tag="phones",
)
def replace_phone(phone_id: int):
    """The old phone is marked replaced and its sign-ins end; the answer is the new phone."""
    body = parse_body(PhoneRequestIn)
    old = _phone(phone_id)
    data = PhoneIn(caregiver_code=old.caregiver.code, device_id=body.device_id, model=body.model)
    return _done(phones.replace(old, data, actor()))
