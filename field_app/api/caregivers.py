"""Caregiver endpoints: face enrolment, and the second person's decision on a re-enrolment."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from field_app.api import responses as out
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.schemas import EnrolmentDecisionIn, EnrolmentIn
from field_app.api.serializers import enrolment_change_json
from field_app.errors import NotFound
from field_app.extensions import db
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


@bp.post("/caregivers/<int:caregiver_id>/face-enrolments")
@require(*ENROLLERS)
@documented(
    "Enrol a caregiver's face from 3-5 photos (a re-enrolment by the agency waits for a second person)",
    body=EnrolmentIn,
    responses={201: out.EnrolmentOut, 202: out.EnrolmentOut},
    errors=(404, 413, 415),
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
    db.session.commit()
    return jsonify(enrolment_change_json(change)), 201 if change.status == enrolment.APPLIED else 202


@bp.get("/enrolment-changes/<int:change_id>")
@require(*ENROLLERS)
@documented(
    "An enrolment change: its photos' quality and its state", responses={200: out.EnrolmentOut}, errors=(404,)
)
def get_change(change_id: int):
    user = current_user()
    change = enrolment.change_or_404(change_id, lambda agency_id: sees_agency(user, agency_id))
    return jsonify(enrolment_change_json(change))


@bp.post("/enrolment-changes/<int:change_id>/decision")
@require(*ENROLLERS)
@documented(
    "Approve (apply) or reject a pending re-enrolment: a second person, not the requester",
    body=EnrolmentDecisionIn,
    responses={200: out.EnrolmentOut},
    errors=(404, 409),
)
def decide_change(change_id: int):
    """Another supervisor of the caregiver's agency, or the bureau, decides; the requester gets 403
    ``second_person_required``. Approval replaces the caregiver's gallery; both are audited."""
    body = parse_body(EnrolmentDecisionIn)
    user = current_user()
    change = enrolment.change_or_404(change_id, lambda agency_id: sees_agency(user, agency_id))
    enrolment.decide(user, change, body.approve, body.reason, now_utc())
    db.session.commit()
    return jsonify(enrolment_change_json(change))
