"""Caregiver endpoints: face enrolment, and the second person's decision on a re-enrolment."""

from __future__ import annotations

from flask import Blueprint, current_app

from field_app.api import error_codes as codes
from field_app.api import responses as out
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.schemas import EnrolmentDecisionIn, EnrolmentIn
from field_app.errors import NotFound
from field_app.models.user import ADMIN, ROLES, SUPERVISOR
from field_app.security import current_user, require, sees_agency
from field_app.services import enrolment
from field_app.services.checks import face_settings
from field_app.services.lookup import caregiver_or_404
from field_app.timeutil import now_utc
from field_app.verification.quality import QualityLimits

bp = Blueprint("caregivers", __name__)
#: who may change faces: the agency's supervisors and the bureau (reviewer once helper m adds it)
ENROLLERS = tuple(role for role in (ADMIN, SUPERVISOR, "reviewer") if role in ROLES)
PHOTO_CHECKS = ("no_face", "multiple_faces", "face_too_small", "too_few_photos", "enrolment_photos_rejected")


@bp.post("/caregivers/<int:caregiver_id>/face-enrolments")
@require(*ENROLLERS)
@documented(
    "Enrol a caregiver's face from 3-5 photos (a re-enrolment by the agency waits for a second person)",
    body=EnrolmentIn,
    responses={201: out.EnrolmentOut, 202: out.EnrolmentOut},
    errors=("caregiver_not_found", *codes.PHOTO, *PHOTO_CHECKS, "enrolment_photos_disagree"),
)
def enrol_face(caregiver_id: int):
    """Each photo must show exactly one sharp, well-lit, frontal face large enough to trust; the answer
    says so photo by photo, and one bad photo stores nothing. The first enrolment (in person at the
    agency) and the bureau's apply at once (201); an agency's re-enrolment of a caregiver who already
    has a face is stored as a pending change (202) for another supervisor or the bureau to decide."""
    body = parse_body(EnrolmentIn)
    caregiver = caregiver_or_404(caregiver_id)
    user = current_user()
    if not sees_agency(user, caregiver.agency_id):
        raise NotFound("caregiver_not_found", f"No active caregiver {caregiver_id}.", "caregiver_id")
    config = current_app.config
    change = enrolment.request_enrolment(
        user,
        caregiver,
        body.photos,
        face_settings(config),
        min_photos=config["FACE_ENROL_MIN_PHOTOS"],
        limits=QualityLimits(),
        now=now_utc(),
        engine=current_app.extensions.get("face_engine"),
    )
    return out.answer(out.EnrolmentOut.of(change), 201 if change.status == enrolment.APPLIED else 202)


@bp.get("/enrolment-changes/<int:change_id>")
@require(*ENROLLERS)
@documented(
    "An enrolment change: its photos' quality and its state",
    responses={200: out.EnrolmentOut},
    errors=("enrolment_change_not_found",),
)
def get_change(change_id: int):
    user = current_user()
    change = enrolment.change_or_404(change_id, lambda agency_id: sees_agency(user, agency_id))
    return out.answer(out.EnrolmentOut.of(change))


@bp.post("/enrolment-changes/<int:change_id>/decision")
@require(*ENROLLERS)
@documented(
    "Approve (apply) or reject a pending re-enrolment: a second person, not the requester",
    body=EnrolmentDecisionIn,
    responses={200: out.EnrolmentOut},
    errors=("enrolment_change_not_found", "enrolment_change_decided", "second_person_required"),
)
def decide_change(change_id: int):
    """Another supervisor of the caregiver's agency, or the bureau, decides; the requester gets 403
    ``second_person_required``. Approval replaces the caregiver's gallery; both are audited."""
    body = parse_body(EnrolmentDecisionIn)
    user = current_user()
    change = enrolment.change_or_404(change_id, lambda agency_id: sees_agency(user, agency_id))
    enrolment.decide(user, change, body.approve, body.reason, now_utc())
    return out.answer(out.EnrolmentOut.of(change))
