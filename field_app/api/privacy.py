"""Personal data endpoints: stored selfies for auditors, a client's consent to GPS trails."""

from __future__ import annotations

from flask import Blueprint, Response
from pydantic import Field

from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.responses import Out, answer
from field_app.api.schemas import StrictModel
from field_app.errors import NotFound
from field_app.models.user import ADMIN, AUDITOR, SUPERVISOR
from field_app.security import current_user, require, sees_agency
from field_app.services import consent, selfies
from field_app.services.lookup import client_or_404

bp = Blueprint("privacy", __name__)


class ConsentIn(StrictModel):
    trail_consent: bool = Field(description="The client agrees to GPS trail collection during visits")


class ConsentOut(Out):
    client_id: int
    trail_consent: bool
    trail_points_deleted: int = Field(description="Stored trail points deleted by this withdrawal (PIPL)")


@bp.get("/attempts/<attempt_id>/selfie")
@require(SUPERVISOR, AUDITOR)
@documented(
    "A check-in/out selfie, if retention is configured (every read is audited)",
    responses={200: "The photo (image/jpeg or image/png)"},
    errors=("selfie_not_found",),
    tag="review",
)
def get_selfie(attempt_id: str):
    selfie = selfies.read(current_user(), attempt_id)
    return Response(selfie.data, mimetype=selfie.content_type, headers={"Cache-Control": "no-store"})


@bp.put("/clients/<int:client_id>/consent")
@require(SUPERVISOR, ADMIN)
@documented(
    "Record the client's consent to GPS trails; withdrawal deletes the trail already stored",
    body=ConsentIn,
    responses={200: ConsentOut},
    errors=("client_not_found",),
    tag="review",
)
def put_consent(client_id: int):
    body = parse_body(ConsentIn)
    client = client_or_404(client_id)
    if not sees_agency(current_user(), client.agency_id):
        raise NotFound("client_not_found", f"No client {client_id}.", "client_id")
    deleted = consent.set_trail_consent(f"user:{current_user().id}", client, body.trail_consent)
    return answer(
        ConsentOut(client_id=client.id, trail_consent=client.trail_consent, trail_points_deleted=deleted)
    )
