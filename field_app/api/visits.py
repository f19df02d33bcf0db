"""Caregiver endpoints of a visit: check-in, trail, care tasks, check-out, and reading it back."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy.exc import IntegrityError

from field_app.api import responses as out
from field_app.api.context import verifier
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.schemas import CheckInIn, CheckOutIn, ItemsIn, TrailBatchIn
from field_app.api.serializers import attempt_json, family_visit_json, item_json, visit_json
from field_app.errors import ApiError
from field_app.extensions import db
from field_app.metrics import TRAIL_POINTS, VERIFICATIONS
from field_app.models.user import CAREGIVER
from field_app.security import current_token, current_user, ensure_self, ensure_visible, require
from field_app.services import attendance, audit, ratelimit, trail
from field_app.services.lookup import visit_or_none
from field_app.timeutil import now_utc

bp = Blueprint("visits", __name__)
ATTEMPT_ERRORS = (403, 404, 409, 413, 415, 429)


def _guard_caller(body) -> None:
    """The caregiver acts as themself, from the phone the token is bound to."""
    user, cfg = current_user(), current_app.config
    ensure_self(user, body.caregiver_id)
    if body.device_id != current_token().device_id:
        audit.record(
            f"user:{user.id}", "visit.device_mismatch", "user", user.id, policy=cfg["UNREGISTERED_DEVICE"]
        )
        if cfg["UNREGISTERED_DEVICE"] == "refuse":
            db.session.commit()  # the refusal itself is evidence
            raise ApiError(
                403,
                "device_mismatch",
                "This attempt comes from another phone than the one signed in.",
                "device_id",
            )


def _count_attempt(body) -> None:
    """A new attempt counts against the per-caregiver and per-phone limits (429 beyond them)."""
    user, cfg, now = current_user(), current_app.config, now_utc()
    for key in (f"attempt:user:{user.id}", f"attempt:device:{body.device_id}"):
        ratelimit.hit(key, cfg["ATTEMPT_LIMIT"], cfg["RATE_WINDOW_SECONDS"], now)


def own_visit(visit_id: str):
    """The caller's visit, or the same 404 as for a visit that does not exist."""
    visit = visit_or_none(visit_id)
    ensure_visible(current_user(), visit, ApiError(404, "visit_not_found", f"No visit {visit_id}."))
    return visit


def _run_attempt(service, visit_id: str, body):
    """Run a check-in/out; two copies of one attempt racing each other end as one stored attempt.

    A re-sent attempt is answered from storage before the rate limits are counted (the service counts
    only new ones): a phone re-sending a day of offline data must get the answers it already has, not 429."""
    _guard_caller(body)
    count = partial(_count_attempt, body)
    try:
        return _attempt_response(service(visit_id, body, verifier(), before_new=count))
    except IntegrityError:
        db.session.rollback()  # the other copy won: answer from what it stored
        return _attempt_response(service(visit_id, body, verifier(), before_new=count))


def _attempt_response(result: attendance.AttemptResult):
    if result.replayed and result.attempt.response_body is not None:
        return jsonify(result.attempt.response_body), result.status
    used = len(result.visit.attempts_of(result.attempt.kind))
    body = {
        "attempt": attempt_json(result.attempt),
        "visit": visit_json(result.visit),
        "retries_left": max(0, current_app.config["FACE_MAX_ATTEMPTS"] - used),
    }
    if result.error is not None:
        body["error"] = result.error.body()["error"]
    attendance.remember_response(result, body)
    db.session.commit()
    attempt = result.attempt
    VERIFICATIONS.labels(attempt.kind, attempt.face_status, attempt.geofence_status).inc()
    return jsonify(body), result.status


@bp.post("/visits/<visit_id>/check-in")
@require(CAREGIVER)
@documented(
    "Check in at the client's home (selfie + GPS)",
    body=CheckInIn,
    responses={200: out.AttemptResultOut, 422: out.AttemptRefusedOut},
    errors=ATTEMPT_ERRORS,
)
def check_in(visit_id: str):
    """The first attempt opens the visit whatever its outcome; a re-sent attempt_id gets the same answer.
    A selfie with no face or several faces is stored as an attempt and answered 422 with the attempt."""
    body = parse_body(CheckInIn)
    return _run_attempt(attendance.check_in, visit_id, body)


@bp.post("/visits/<visit_id>/check-out")
@require(CAREGIVER)
@documented(
    "Check out (selfie + GPS); closes the visit",
    body=CheckOutIn,
    responses={200: out.AttemptResultOut, 422: out.AttemptRefusedOut},
    errors=ATTEMPT_ERRORS,
)
def check_out(visit_id: str):
    """Closes the visit unless the face check failed and a retry is left; checks the duration."""
    request.max_content_length = current_app.config["MAX_CONTENT_LENGTH"] * 2  # and a client selfie
    body = parse_body(CheckOutIn)
    return _run_attempt(attendance.check_out, visit_id, body)


@bp.post("/visits/<visit_id>/trail")
@require(CAREGIVER)
@documented(
    "Upload a batch of trail points",
    body=TrailBatchIn,
    responses={200: out.UploadOut},
    errors=(404, 409, 413),
)
def add_trail(visit_id: str):
    """Points may arrive late, out of order and more than once; stored points are skipped."""
    body = parse_body(TrailBatchIn)
    visit = own_visit(visit_id)
    cfg = current_app.config
    result = trail.add_trail(
        visit,
        body,
        now_utc(),
        cfg["TRAIL_GRACE_HOURS"],
        cfg["GEOFENCE_ACCURACY_FACTOR"],
        timedelta(minutes=cfg["TRAIL_RESCAN_MINUTES"]),
    )
    db.session.commit()
    TRAIL_POINTS.inc(result.stored)
    return jsonify(result.__dict__)


@bp.post("/visits/<visit_id>/items")
@require(CAREGIVER)
@documented(
    "Report the care items done (护理服务项目)",
    body=ItemsIn,
    responses={200: out.ItemsOut},
    errors=(404, 409),
)
def add_items(visit_id: str):
    """Items outside the care plan, or medical items by a non-nurse, are stored and marked."""
    body = parse_body(ItemsIn)
    visit = own_visit(visit_id)
    cfg = current_app.config
    result = trail.add_items(
        visit, body, now_utc(), cfg["TRAIL_GRACE_HOURS"], cfg["VISIT_MAX_MINUTES"], cfg["TIMEZONE"]
    )
    db.session.commit()
    return jsonify({**result.__dict__, "items": [item_json(i) for i in visit.items]})


@bp.get("/visits/<visit_id>")
@require()
@documented("A visit with its attempts, items and trail", responses={200: out.VisitViewOut}, errors=(404,))
def get_visit(visit_id: str):
    """Open visits (never checked out) are returned too, with state "open". Family accounts get the
    visit without other people's data (no fixes, faces, devices or trail)."""
    visit = own_visit(visit_id)
    if current_user().role == "family":
        return jsonify(family_visit_json(visit))
    return jsonify(visit_json(visit, with_trail=True))
