"""Per-request helpers shared by the API blueprints."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app

from field_app.i18n.web import request_language
from field_app.services import challenges, confirmations, tags
from field_app.services.attempts import Caller, Verifier, verifier_from
from field_app.services.checks import face_settings
from field_app.services.presence import PresenceSettings
from field_app.timeutil import now_utc
from field_app.verification.liveness import LivenessSettings
from field_app.verification.presence import LivenessPolicy


def verifier() -> Verifier:
    """The verification settings, engine, limits and clock for this request."""
    config, engine = current_app.config, current_app.extensions.get("face_engine")
    base = verifier_from(config, engine, now_utc(), request_language())
    return replace(base, presence=presence_settings())


def caller(user, token) -> Caller:
    """The caregiver and phone the access token speaks for."""
    return Caller(caregiver_id=user.caregiver_id, device_id=token.device_id, user_id=user.id)


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
