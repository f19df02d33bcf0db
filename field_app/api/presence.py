"""Presence endpoints: liveness challenges and bursts (caregivers), bedside tags (agency staff and the
bureau), two-way confirmation (family). Error codes per operation are in each docstring."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint, current_app, jsonify, request
from pydantic import Field, StringConstraints

from field_app.api import error_codes as codes
from field_app.api.context import challenge_settings, presence_settings
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.responses import ErrorBody, Out
from field_app.api.schemas import StrictModel
from field_app.domain.scope import sees_agency
from field_app.domain.shapes import BurstIn
from field_app.errors import NotFound
from field_app.i18n.web import localise_error
from field_app.models.user import ADMIN, AUDITOR, CAREGIVER, SUPERVISOR
from field_app.security import current_user, ensure_self, require
from field_app.services import challenges, tags
from field_app.services.checks import face_settings
from field_app.services.lookup import caregiver_or_404, client_or_404, visit_or_none
from field_app.timeutil import isoformat, now_utc

bp = Blueprint("presence", __name__)


class ChallengeIn(StrictModel):
    caregiver_id: int
    kind: Literal["check_in", "check_out"] = Field(description="The step the burst is for")


class ChallengeOut(Out):
    """A one-time liveness challenge: perform ``actions`` in order while the phone takes the burst."""

    challenge_id: str
    actions: list[str] = Field(description="turn_left / turn_right: the nose moves that way in the frame")
    expires_at: str
    required: bool = Field(description="Whether this check-in/out needs a passed burst (the policy)")
    frames_min: int
    frames_max: int


class BurstOut(Out):
    """The verdict on a burst; the challenge is spent either way."""

    challenge_id: str
    passed: bool
    code: str | None
    message: str
    yaws: list[float]
    error: ErrorBody | None = None


class TagIn(StrictModel):
    uid: Annotated[str, StringConstraints(strip_whitespace=True, min_length=14, max_length=14)] = Field(
        description="The tag's 7-byte UID, 14 hex digits"
    )


class TagOut(Out):
    """A registered tag; its keys are never returned."""

    tag_id: int
    uid: str
    client_id: int
    active: bool
    last_counter: int
    registered_at: str


class TagsOut(Out):
    tags: list[TagOut]


@bp.post("/visits/<visit_id>/challenge")
@require(CAREGIVER)
@documented(
    "Ask for a liveness challenge (活体检测)",
    body=ChallengeIn,
    responses={201: ChallengeOut},
    errors=("not_yourself", "visit_not_found", "caregiver_not_found"),
)
def issue_challenge(visit_id: str):
    """Issued before a check-in or check-out: a one-time nonce living ``LIVENESS_CHALLENGE_SECONDS``
    and a random head movement (two when configured). Errors: 403 not_yourself, 404 visit_not_found
    (another caregiver's visit), 404 caregiver_not_found."""
    body = parse_body(ChallengeIn)
    ensure_self(current_user(), body.caregiver_id)
    caregiver = caregiver_or_404(body.caregiver_id)
    visit = visit_or_none(visit_id)
    if visit is not None and visit.caregiver_id != caregiver.id:
        raise NotFound("visit_not_found", "No visit {visit_id} of this caregiver.", visit_id=visit_id)
    s = challenge_settings()
    challenge = challenges.issue(caregiver, visit_id, body.kind, now_utc(), s)
    required = challenges.required(caregiver, visit_id, s)
    return jsonify(
        {
            "challenge_id": challenge.nonce,
            "actions": challenge.actions,
            "expires_at": isoformat(challenge.expires_at),
            "required": required,
            "frames_min": s.burst.min_frames,
            "frames_max": s.burst.max_frames,
        }
    ), 201


@bp.post("/challenges/<challenge_id>/burst")
@require(CAREGIVER)
@documented(
    "Send the burst of frames for a liveness challenge",
    body=BurstIn,
    responses={200: BurstOut, 422: BurstOut},
    errors=(
        *codes.PHOTO,
        *codes.LIVENESS_VERDICTS,
        "burst_size",
        "challenge_not_found",
        "challenge_used",
        "challenge_expired",
        "not_enrolled",
        "caregiver_not_found",
        "no_face",
        "multiple_faces",
        "face_too_small",
    ),
)
def send_burst(challenge_id: str):
    """3-5 frames taken while performing the challenge's movements. 200 passed; 422 failed with a code:
    liveness_duplicate_frames, liveness_several_people, liveness_not_caregiver,
    liveness_action_not_seen, liveness_frame_unusable (the failed verdict is stored; the challenge is
    spent), burst_size. 404 challenge_not_found, 409 challenge_used (a replayed burst or nonce),
    409 challenge_expired, 409 not_enrolled, 413 image_too_large, 422 image_invalid."""
    cfg = current_app.config
    request.max_content_length = cfg["MAX_CONTENT_LENGTH"] * 5  # a burst carries up to five photos
    body = parse_body(BurstIn)
    user = current_user()
    challenge = challenges.own_challenge(challenge_id, user.caregiver_id)
    caregiver = caregiver_or_404(user.caregiver_id)
    enrolments = [e.encoding for e in caregiver.enrolments]
    engine = current_app.extensions.get("face_engine")
    # a replayed burst is refused 409 challenge_used; its audit entry is kept (audit.record_evidence)
    result = challenges.judge(
        challenge, body.frames, enrolments, face_settings(cfg), challenge_settings(), now_utc(), engine
    )
    out = {
        "challenge_id": challenge.nonce,
        **{k: result.as_json()[k] for k in ("passed", "code", "message", "yaws")},
    }
    if not result.passed:
        message = localise_error(result.code, result.message, {}, "frames")
        out["error"] = {"code": result.code, "message": message, "field": "frames"}
    return jsonify(out), 200 if result.passed else 422


def visible_client(client_id: int):
    client = client_or_404(client_id)
    if not sees_agency(current_user(), client.agency_id):
        raise NotFound("client_not_found", "No client {client_id}.", "client_id", client_id=client_id)
    return client


def _tag_json(t) -> dict:
    return {
        "tag_id": t.id,
        "uid": t.uid,
        "client_id": t.client_id,
        "active": t.active,
        "last_counter": t.last_counter,
        "registered_at": isoformat(t.registered_at),
    }


@bp.post("/clients/<int:client_id>/tags")
@require(SUPERVISOR, ADMIN)
@documented(
    "Register a bedside NFC tag (NTAG 424 DNA) to a client's home",
    body=TagIn,
    responses={201: TagOut},
    errors=("client_not_found", "tag_exists", "tag_uid_invalid"),
    tag="presence",
)
def register_tag(client_id: int):
    """By the client's agency staff or the bureau. Its keys are derived from the master key and stored
    encrypted; they are never returned. Errors: 404 client_not_found, 409 tag_exists, 422 tag_uid_invalid."""
    body = parse_body(TagIn)
    client = visible_client(client_id)
    s = presence_settings()
    tag = tags.register(client.id, body.uid, f"user:{current_user().id}", s.tag_master, now_utc())
    return jsonify(_tag_json(tag)), 201


@bp.get("/clients/<int:client_id>/tags")
@require(SUPERVISOR, AUDITOR, ADMIN)
@documented(
    "The tags registered to a client's home",
    responses={200: TagsOut},
    errors=("client_not_found",),
    tag="presence",
)
def list_tags(client_id: int):
    """Errors: 404 client_not_found (also for another agency's client)."""
    client = visible_client(client_id)
    rows = tags.of_client(client.id)
    return jsonify({"tags": [_tag_json(t) for t in rows]})
