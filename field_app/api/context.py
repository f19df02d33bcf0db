"""Per-request helpers shared by the API blueprints."""

from __future__ import annotations

from flask import current_app

from field_app.services.attendance import Verifier
from field_app.services.checks import face_settings
from field_app.timeutil import now_utc


def verifier() -> Verifier:
    """The verification settings, engine and clock for this request."""
    cfg = current_app.config
    return Verifier(
        face_settings=face_settings(cfg),
        engine=current_app.extensions.get("face_engine"),
        accuracy_factor=cfg["GEOFENCE_ACCURACY_FACTOR"],
        max_attempts=cfg["FACE_MAX_ATTEMPTS"],
        max_minutes=cfg["VISIT_MAX_MINUTES"],
        now=now_utc(),
        keep_selfies=cfg["SELFIE_RETENTION_DAYS"] > 0,
    )
