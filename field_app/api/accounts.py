"""Accounts through the API: the bureau's admin creates any; agency staff create their caregivers'."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint, jsonify
from pydantic import Field

from field_app.api.auth import UserOut
from field_app.api.master_context import ensure_in_scope
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.schemas import StrictModel
from field_app.errors import Conflict, Forbidden, Invalid
from field_app.extensions import db
from field_app.masterdata import records as r
from field_app.models import Agency, Caregiver, Client, FamilyMember, User
from field_app.models.user import ADMIN, CAREGIVER, ROLES, SUPERVISOR
from field_app.security import current_user, require
from field_app.services import audit
from field_app.services.accounts import create_user

bp = Blueprint("accounts", __name__)


class UserIn(StrictModel):
    username: Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]
    password: Annotated[str, Field(min_length=8, max_length=256)]
    role: Literal[ROLES]  # type: ignore[valid-type]
    caregiver_id: int | None = Field(None, description="A caregiver account acts as this caregiver")
    client_id: int | None = Field(None, description="A family account reads this client's visits")
    family_member_id: int | None = Field(None, description="The relative the family account belongs to")
    agency_ids: list[int] = Field(default_factory=list, max_length=100)
    all_agencies: bool = False


def _binding(body: UserIn) -> dict:
    caregiver = client = None
    if body.caregiver_id is not None:
        caregiver = r.get_or_404(Caregiver, body.caregiver_id, "caregiver_not_found", "caregiver")
        ensure_in_scope(caregiver.agency_id, "caregiver_not_found", "caregiver", body.caregiver_id)
    if body.client_id is not None:
        client = r.get_or_404(Client, body.client_id, "client_not_found", "client")
    agencies = [r.get_or_404(Agency, a, "agency_not_found", "agency") for a in body.agency_ids]
    return {"caregiver": caregiver, "client": client, "agencies": agencies, "all_agencies": body.all_agencies}


@bp.post("/users")
@require(ADMIN, SUPERVISOR)
@documented(
    "Create an account",
    body=UserIn,
    responses={201: UserOut},
    errors=(
        "username_taken",
        "invalid_account",
        "family_member_mismatch",
        "caregiver_not_found",
        "client_not_found",
        "agency_not_found",
    ),
    tag="auth",
)
def create_account():
    """Admins create any account; supervisors only caregiver accounts for their agency's caregivers.
    A caregiver account needs caregiver_id, a family account client_id, supervisors/auditors agencies."""
    body = parse_body(UserIn)
    if current_user().role == SUPERVISOR and body.role != CAREGIVER:
        raise Forbidden("forbidden", "Agency staff create caregiver accounts only.")
    if db.session.query(User.id).filter(User.username == body.username).first():
        raise r.quiet(
            Conflict("username_taken", "The username {name} is taken.", "username", name=body.username)
        )
    try:
        user = create_user(body.username, body.password, body.role, **_binding(body))
    except ValueError as exc:
        raise Invalid("invalid_account", str(exc), "role") from None
    if body.family_member_id is not None:
        member = db.session.get(FamilyMember, body.family_member_id)
        if member is None or member.client_id != body.client_id:
            raise Invalid(
                "family_member_mismatch", "That relative is not listed for this client.", "family_member_id"
            )
        member.user_id = user.id
    audit.record(f"user:{current_user().id}", "user.create", "user", user.id, role=body.role)
    return jsonify(UserOut.of(user).model_dump()), 201
