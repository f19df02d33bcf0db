"""Per-request helpers shared by the API blueprints."""

from __future__ import annotations

from flask import current_app

from field_app.i18n.web import request_language
from field_app.services.attempts import Caller, Verifier, verifier_from
from field_app.timeutil import now_utc


def verifier() -> Verifier:
    """The verification settings, engine, limits and clock for this request."""
    config, engine = current_app.config, current_app.extensions.get("face_engine")
    return verifier_from(config, engine, now_utc(), request_language())


def caller(user, token) -> Caller:
    """The caregiver and phone the access token speaks for."""
    return Caller(caregiver_id=user.caregiver_id, device_id=token.device_id, user_id=user.id)
