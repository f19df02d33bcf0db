"""Two-way confirmation (双向确认) endpoints: the family's pending confirmations and their one-tap
answer; the client's face enrolled with consent, for confirmation by face at check-out."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, current_app, jsonify
from pydantic import Field

from field_app.api import error_codes as codes
from field_app.api.context import presence_settings
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.presence import visible_client
from field_app.api.responses import Out
from field_app.api.schemas import StrictModel
from field_app.domain.shapes import Photo
from field_app.models.user import ADMIN, FAMILY, SUPERVISOR
from field_app.security import current_user, require
from field_app.services import client_faces, confirmations, presence
from field_app.services.checks import face_settings
from field_app.timeutil import isoformat, now_utc

bp = Blueprint("confirmations", __name__)


class ConfirmationOut(Out):
    visit_id: str
    status: str
    reason: str
    method: str = Field(description="family_code | client_face")
    check_in_at: str
    check_out_at: str | None
    expires_at: str
    code: str | None = Field(None, description="The signed one-tap code (pending only)")


class ConfirmationsOut(Out):
    confirmations: list[ConfirmationOut]


class AnswerIn(StrictModel):
    code: str = Field(min_length=10, max_length=400)
    confirmed: bool = Field(description="False: the visit did not happen (raises alert C02)")


class ClientFacesIn(StrictModel):
    photos: list[Photo] = Field(min_length=1, max_length=5)
    consent_by: Literal["client", "family"] = Field(
        description="Who consented: the client, or the family for a client who cannot (recorded)"
    )


class ClientFacesOut(Out):
    client_id: int
    enrolled: int
    total: int


def _confirmation_json(c, code: str | None) -> dict:
    visit = c.visit
    return {
        "visit_id": visit.uuid,
        "status": confirmations.status_of(c, now_utc()),
        "reason": c.reason,
        "method": c.method,
        "check_in_at": isoformat(visit.check_in_at),
        "check_out_at": isoformat(visit.check_out_at),
        "expires_at": isoformat(c.expires_at),
        "code": code,
    }


@bp.get("/me/confirmations")
@require(FAMILY)
@documented(
    "Visits waiting for the family's confirmation (双向确认)", responses={200: ConfirmationsOut}, tag="family"
)
def my_confirmations():
    """Each with a short-lived single-use signed code to answer with one tap."""
    s = presence_settings().confirmations
    rows = confirmations.pending_for(current_user(), now_utc())
    return jsonify(
        {"confirmations": [_confirmation_json(c, confirmations.code_for(c, s.secret)) for c in rows]}
    )


@bp.post("/confirmations/answer")
@require(FAMILY)
@documented(
    "Confirm or deny a visit with its one-tap code",
    body=AnswerIn,
    responses={200: ConfirmationOut},
    errors=(
        "confirmation_expired",
        "confirmation_used",
        "confirmation_not_found",
        "confirmation_code_invalid",
    ),
    tag="family",
)
def answer_confirmation():
    """Errors: 409 confirmation_expired, 409 confirmation_used (single use), 404 confirmation_not_found
    (another client's visit), 422 confirmation_code_invalid (not signed by this server)."""
    body = parse_body(AnswerIn)
    s = presence_settings()
    now = now_utc()
    answered = confirmations.answer(current_user(), body.code, body.confirmed, now, s.confirmations)
    presence.on_answer(answered.visit, now)
    return jsonify(_confirmation_json(answered, None))


@bp.post("/clients/<int:client_id>/face-enrolments")
@require(SUPERVISOR, ADMIN)
@documented(
    "Enrol a client's face, with consent, for two-way confirmation",
    body=ClientFacesIn,
    responses={201: ClientFacesOut},
    errors=(*codes.PHOTO, "client_not_found", "no_face", "multiple_faces", "face_too_small"),
    tag="presence",
)
def enrol_client_face(client_id: int):
    """In person, by the client's agency staff or the bureau, with the client's consent or the family's.
    Errors: 404 client_not_found, 422 no_face / multiple_faces / face_too_small / image_invalid (one bad
    photo stores nothing), 413 image_too_large."""
    body = parse_body(ClientFacesIn)
    client = visible_client(client_id)
    engine = current_app.extensions.get("face_engine")
    actor = f"user:{current_user().id}"
    rows = client_faces.enrol(
        client, body.photos, body.consent_by, actor, face_settings(current_app.config), engine
    )
    return jsonify(
        {"client_id": client.id, "enrolled": len(rows), "total": client_faces.count(client.id)}
    ), 201
