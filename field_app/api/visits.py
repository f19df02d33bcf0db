"""Caregiver endpoints of a visit: check-in, trail, care tasks, check-out, and reading it back."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, jsonify, request

from field_app.api import error_codes as codes
from field_app.api import responses as out
from field_app.api.context import caller, verifier
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.schemas import CheckInIn, CheckOutIn, ItemsIn, TrailBatchIn
from field_app.domain.views import FamilyVisitOut, ItemOut, VisitOut
from field_app.errors import NotFound
from field_app.i18n.web import request_language
from field_app.metrics import TRAIL_POINTS, VERIFICATIONS
from field_app.models.user import CAREGIVER
from field_app.security import current_token, current_user, ensure_visible, require
from field_app.services import attendance, trail
from field_app.services.attempts import sender_of_batch
from field_app.services.lookup import visit_or_none
from field_app.timeutil import now_utc

bp = Blueprint("visits", __name__)
#: what a check-in/out refuses with (a stored attempt always answers 200)
#: presence problems inside the answer (liveness, tag), and malformed tag data refused outright
PRESENCE = (
    *codes.PRESENCE_IN_ANSWER,
    "challenge_used",
    "challenge_expired",
    "challenge_not_found",
    "tag_data_invalid",
)
CHECK_IN_ERRORS = (
    *PRESENCE,
    *codes.ATTEMPT,
    "caregiver_not_found",
    "client_not_found",
    "visit_conflict",
    "already_checked_in",
    "planned_visit_mismatch",
)
CHECK_OUT_ERRORS = (*codes.ATTEMPT, *PRESENCE, "caregiver_not_found", "check_out_before_check_in")


def own_visit(visit_id: str):
    """The caller's visit, or the same 404 as for a visit that does not exist."""
    visit = visit_or_none(visit_id)
    ensure_visible(
        current_user(), visit, NotFound("visit_not_found", "No visit {visit_id}.", visit_id=visit_id)
    )
    return visit


def _answer(result: attendance.AttemptResult) -> Response:
    """Every stored attempt answers 200 with the bytes stored with it (a re-send gets the same ones)."""
    if not result.replayed:
        attempt = result.attempt
        VERIFICATIONS.labels(attempt.kind, attempt.face_status, attempt.geofence_status).inc()
    return Response(result.answer, 200, mimetype="application/json")


@bp.post("/visits/<visit_id>/check-in")
@require(CAREGIVER)
@documented(
    "Check in at the client's home (selfie + GPS)",
    body=CheckInIn,
    responses={200: out.AttemptResultOut},
    errors=CHECK_IN_ERRORS,
)
def check_in(visit_id: str):
    """The first attempt opens the visit whatever its outcome; a re-sent attempt_id gets the same answer.
    Every stored attempt answers 200; ``attempt.face.matched`` false with ``error`` when the face was not
    verified (mismatch, no face, several faces, too small)."""
    body = parse_body(CheckInIn)
    who = caller(current_user(), current_token())
    return _answer(attendance.check_in(visit_id, body, who, verifier()))


@bp.post("/visits/<visit_id>/check-out")
@require(CAREGIVER)
@documented(
    "Check out (selfie + GPS); closes the visit",
    body=CheckOutIn,
    responses={200: out.AttemptResultOut},
    errors=CHECK_OUT_ERRORS,
)
def check_out(visit_id: str):
    """Closes the visit unless the face check failed and a retry is left; checks the duration."""
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"] * 2  # and a client selfie
    body = parse_body(CheckOutIn)
    who = caller(current_user(), current_token())
    return _answer(attendance.check_out(visit_id, body, who, verifier()))


@bp.post("/visits/<visit_id>/trail")
@require(CAREGIVER)
@documented(
    "Upload a batch of trail points",
    body=TrailBatchIn,
    responses={200: out.UploadOut},
    errors=(
        "visit_not_found",
        "visit_closed",
        "device_mismatch",
        "outside_visit_window",
        *codes.FIX,
        *codes.TIMES,
    ),
)
def add_trail(visit_id: str):
    """Points may arrive late, out of order and more than once; stored points are skipped. They must lie
    within the visit (check-in to check-out, or now, ± FIELD_APP_VISIT_WINDOW_SLACK_MINUTES), and a
    batch that names its phone must name the token's."""
    body = parse_body(TrailBatchIn)
    visit = own_visit(visit_id)
    cfg = current_app.config
    if body.device_id is not None:
        sender_of_batch(body.device_id, caller(current_user(), current_token()), verifier())
    result = trail.add_trail(
        visit,
        body,
        now_utc(),
        cfg["TRAIL_GRACE_HOURS"],
        cfg["GEOFENCE_ACCURACY_FACTOR"],
        timedelta(minutes=cfg["TRAIL_RESCAN_MINUTES"]),
        timedelta(minutes=cfg["VISIT_WINDOW_SLACK_MINUTES"]),
    )
    TRAIL_POINTS.inc(result.stored)
    return out.answer(out.UploadOut(**result.__dict__))


@bp.post("/visits/<visit_id>/items")
@require(CAREGIVER)
@documented(
    "Report the care items done (护理服务项目)",
    body=ItemsIn,
    responses={200: out.ItemsOut},
    errors=(
        "visit_not_found",
        "visit_closed",
        "unknown_service_item",
        "item_ends_before_start",
        "outside_visit_window",
        *codes.TIMES,
    ),
)
def add_items(visit_id: str):
    """Items outside the care plan, or medical items by a non-nurse, are stored and marked."""
    body = parse_body(ItemsIn)
    visit = own_visit(visit_id)
    cfg = current_app.config
    result = trail.add_items(
        visit,
        body,
        now_utc(),
        cfg["TRAIL_GRACE_HOURS"],
        cfg["VISIT_MAX_MINUTES"],
        cfg["TIMEZONE"],
        timedelta(minutes=cfg["VISIT_WINDOW_SLACK_MINUTES"]),
    )
    items = [ItemOut.of(i) for i in visit.items]
    return out.answer(out.ItemsOut(**result.__dict__, items=items))


@bp.get("/visits/<visit_id>")
@require()
@documented(
    "A visit with its attempts, items and trail",
    responses={200: out.VisitViewOut},
    errors=("visit_not_found",),
)
def get_visit(visit_id: str):
    """Open visits (never checked out) are returned too, with state "open". Family accounts get the
    visit without other people's data (no fixes, faces, devices or trail)."""
    visit = own_visit(visit_id)
    if current_user().role == "family":
        return out.answer(FamilyVisitOut.of(visit))
    return jsonify(VisitOut.of(visit, with_trail=True, lang=request_language()).json())
