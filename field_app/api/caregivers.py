"""Caregiver endpoints: face enrolment."""

from __future__ import annotations

from flask import Blueprint, current_app

from field_app.api import error_codes as codes
from field_app.api import responses as out
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.schemas import EnrolmentIn
from field_app.errors import NotFound
from field_app.models.user import ADMIN, SUPERVISOR
from field_app.security import current_user, require, sees_agency
from field_app.services.checks import face_settings
from field_app.services.enrolment import enrol
from field_app.services.lookup import caregiver_or_404

bp = Blueprint("caregivers", __name__)


@bp.post("/caregivers/<int:caregiver_id>/face-enrolments")
@require(ADMIN, SUPERVISOR)
@documented(
    "Enrol a caregiver's face from one or more photos",
    body=EnrolmentIn,
    responses={201: out.EnrolmentOut},
    errors=("caregiver_not_found", *codes.PHOTO, "no_face", "multiple_faces", "face_too_small"),
)
def enrol_face(caregiver_id: int):
    """Each photo must show exactly one face large enough to trust; one bad photo stores nothing.
    Enrolment happens in person at the agency: supervisors of the caregiver's agency and admins."""
    body = parse_body(EnrolmentIn)
    caregiver = caregiver_or_404(caregiver_id)
    if not sees_agency(current_user(), caregiver.agency_id):
        raise NotFound("caregiver_not_found", f"No active caregiver {caregiver_id}.", "caregiver_id")
    created = enrol(
        caregiver, body.photos, face_settings(current_app.config), current_app.extensions.get("face_engine")
    )
    enrolled = out.EnrolmentOut(
        caregiver_id=caregiver.id,
        enrolments=[out.EnrolmentItemOut.of(e) for e in created],
        total=len(caregiver.enrolments),
    )
    return out.answer(enrolled, 201)
