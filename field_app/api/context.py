"""Per-request helpers shared by the API blueprints."""

from __future__ import annotations

from flask import current_app

from field_app.services import challenges, confirmations, tags
from field_app.services.attendance import Verifier
from field_app.services.checks import face_settings
from field_app.services.presence import PresenceSettings
from field_app.timeutil import now_utc
from field_app.verification.liveness import LivenessSettings
from field_app.verification.presence import LivenessPolicy


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
        presence=presence_settings(),
    )


def presence_settings() -> PresenceSettings:
    """Liveness, tag and confirmation settings from the config (README "Presence")."""
    cfg = current_app.config
    return PresenceSettings(
        challenges=challenge_settings(),
        confirmations=confirmations.ConfirmationSettings(
            cfg["CONFIRMATION_POLICY"],
            cfg["CONFIRMATION_SAMPLE_RATE"],
            cfg["CONFIRMATION_MINUTES"],
            cfg["SECRET_KEY"],
        ),
        tag_master=tags.master_key(cfg["TAG_MASTER_KEY"], cfg["SECRET_KEY"]),
        tag_required=cfg["TAG_REQUIRED"],
        face=face_settings(cfg),
        engine=current_app.extensions.get("face_engine"),
    )


def challenge_settings() -> challenges.ChallengeSettings:
    cfg = current_app.config
    policy = LivenessPolicy(
        cfg["LIVENESS_POLICY"],
        cfg["LIVENESS_AGENCIES"],
        cfg["LIVENESS_RISK_MIN_SCORE"],
        cfg["LIVENESS_SAMPLE_RATE"],
    )
    return challenges.ChallengeSettings(
        policy=policy,
        lifetime_seconds=cfg["LIVENESS_CHALLENGE_SECONDS"],
        actions=cfg["LIVENESS_ACTIONS"],
        burst=LivenessSettings(yaw_threshold=cfg["LIVENESS_YAW_THRESHOLD"]),
        secret=cfg["SECRET_KEY"],
    )
