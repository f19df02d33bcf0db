"""Caregiver endpoints of a visit: check-in, trail, care tasks, check-out, and reading it back."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import IntegrityError

from field_app.api import responses as out
from field_app.api.context import verifier
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.schemas import CheckInIn, CheckOutIn, ItemsIn, TrailBatchIn
from field_app.api.serializers import attempt_json, item_json, visit_json
from field_app.extensions import db
from field_app.services import attendance, trail
from field_app.services.lookup import visit_or_404
from field_app.timeutil import now_utc

bp = Blueprint("visits", __name__)
ATTEMPT_ERRORS = (403, 404, 409, 413, 415, 429)


def _run_attempt(service, visit_id: str, body):
    """Run a check-in/out; two copies of one attempt racing each other end as one stored attempt."""
    try:
        return _attempt_response(service(visit_id, body, verifier()))
    except IntegrityError:
        db.session.rollback()  # the other copy won: answer from what it stored
        return _attempt_response(service(visit_id, body, verifier()))


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
    return jsonify(body), result.status


@bp.post("/visits/<visit_id>/check-in")
@documented("Check in at the client's home (selfie + GPS)", body=CheckInIn,
            responses={200: out.AttemptResultOut}, errors=ATTEMPT_ERRORS)
def check_in(visit_id: str):
    """The first attempt opens the visit whatever its outcome; a re-sent attempt_id gets the same answer.
    A selfie with no face or several faces is stored as an attempt and answered 422 with the attempt."""
    body = parse_body(CheckInIn)
    return _run_attempt(attendance.check_in, visit_id, body)


@bp.post("/visits/<visit_id>/check-out")
@documented("Check out (selfie + GPS); closes the visit", body=CheckOutIn,
            responses={200: out.AttemptResultOut}, errors=ATTEMPT_ERRORS)
def check_out(visit_id: str):
    """Closes the visit unless the face check failed and a retry is left; checks the duration."""
    body = parse_body(CheckOutIn)
    return _run_attempt(attendance.check_out, visit_id, body)


@bp.post("/visits/<visit_id>/trail")
@documented("Upload a batch of trail points", body=TrailBatchIn, responses={200: out.UploadOut},
            errors=(404, 409, 413))
def add_trail(visit_id: str):
    """Points may arrive late, out of order and more than once; stored points are skipped."""
    body = parse_body(TrailBatchIn)
    visit = visit_or_404(visit_id)
    cfg = current_app.config
    result = trail.add_trail(visit, body, now_utc(), cfg["TRAIL_GRACE_HOURS"], cfg["GEOFENCE_ACCURACY_FACTOR"])
    db.session.commit()
    return jsonify(result.__dict__)


@bp.post("/visits/<visit_id>/items")
@documented("Report the care items done (护理服务项目)", body=ItemsIn, responses={200: out.ItemsOut},
            errors=(404, 409))
def add_items(visit_id: str):
    """Items outside the care plan, or medical items by a non-nurse, are stored and marked."""
    body = parse_body(ItemsIn)
    visit = visit_or_404(visit_id)
    cfg = current_app.config
    result = trail.add_items(visit, body, now_utc(), cfg["TRAIL_GRACE_HOURS"], cfg["VISIT_MAX_MINUTES"],
                             cfg["TIMEZONE"])
    db.session.commit()
    return jsonify({**result.__dict__, "items": [item_json(i) for i in visit.items]})


@bp.get("/visits/<visit_id>")
@documented("A visit with its attempts, items and trail", responses={200: out.VisitOut}, errors=(404,))
def get_visit(visit_id: str):
    """Open visits (never checked out) are returned too, with state "open"."""
    return jsonify(visit_json(visit_or_404(visit_id), with_trail=True))
