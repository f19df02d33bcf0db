"""What every check-in/out attempt goes through before and after its checks: who sends it from which
phone, the answer to a re-sent attempt, the rate limits of new ones, and the answer stored with it.

The phone generates an ``attempt_id`` per attempt and re-sends it until it gets an answer (offline, a
lost response). A re-sent attempt is answered with exactly the bytes stored with it, before any limit is
counted: re-sends never count and are never refused with ``rate_limited``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from field_app import i18n
from field_app.domain.shapes import AttemptIn
from field_app.domain.views import AttemptOut, AttemptResultOut, ErrorBody, VisitOut
from field_app.errors import Conflict, DomainError, Forbidden, Invalid
from field_app.extensions import db
from field_app.models import Visit, VisitAttempt
from field_app.services import audit, ratelimit
from field_app.services.checks import face_settings


@dataclass(frozen=True)
class Verifier:
    """What the checks need besides the request: settings, the engine, the limits and the clock."""

    face_settings: Any
    engine: Any
    accuracy_factor: float
    max_attempts: int
    max_minutes: int
    now: datetime
    keep_selfies: bool = False  #: store the photo itself (only when a retention period is configured)
    attempt_limit: int | None = None  #: new attempts per caregiver and per phone per window; None: uncounted
    rate_window_seconds: int = 300
    device_policy: str = "refuse"  #: refuse | flag an attempt from another phone than the token's
    presence: Any = None  #: services.presence.PresenceSettings: liveness, tag, confirmation (None: off)
    lang: str = i18n.DEFAULT  #: the language of the answer's words (outcomes, hints, error message)


def verifier_from(
    config: Mapping[str, Any], engine: Any, now: datetime, lang: str = i18n.DEFAULT
) -> Verifier:
    """The verification settings and limits of the app's config, with the engine, the clock and the
    language the answer is written in."""
    return Verifier(
        face_settings=face_settings(config),
        engine=engine,
        accuracy_factor=config["GEOFENCE_ACCURACY_FACTOR"],
        max_attempts=config["FACE_MAX_ATTEMPTS"],
        max_minutes=config["VISIT_MAX_MINUTES"],
        now=now,
        keep_selfies=config["SELFIE_RETENTION_DAYS"] > 0,
        attempt_limit=config["ATTEMPT_LIMIT"],
        rate_window_seconds=config["RATE_WINDOW_SECONDS"],
        device_policy=config["UNREGISTERED_DEVICE"],
        lang=lang,
    )


@dataclass(frozen=True)
class Caller:
    """Who sends an attempt, as the access token says."""

    caregiver_id: int
    device_id: str | None  #: the phone the token is bound to
    user_id: int | None = None


@dataclass(frozen=True)
class Sender:
    """The caregiver and phone an attempt is recorded for, once the body is checked against the token."""

    caregiver_id: int
    device_id: str


@dataclass
class AttemptResult:
    """A stored attempt and its answer (the same for every re-send of it)."""

    answer: str  #: the JSON document answered, stored with the attempt
    attempt: VisitAttempt
    visit: Visit
    replayed: bool = False

    @property
    def outcome(self) -> str:
        """What the face check concluded (rules.facts FACE_*): ``matched`` is a verified face."""
        return self.attempt.face_status


def sender_of(body: AttemptIn, caller: Caller, v: Verifier) -> Sender:
    """The body may repeat what the token says (``caregiver_id``, ``device_id``), never contradict it.
    A phone other than the token's is audited whatever the policy (the audit entry outlives a refusal)."""
    if body.caregiver_id is not None and body.caregiver_id != caller.caregiver_id:
        raise Forbidden("not_yourself", "Caregivers can only check in and out as themselves.", "caregiver_id")
    device_id = sender_of_batch(body.device_id, caller, v)
    if not device_id:
        raise Invalid("device_required", "Send device_id: this sign-in is bound to no phone.", "device_id")
    return Sender(caller.caregiver_id, device_id)


def sender_of_batch(device_id: str | None, caller: Caller, v: Verifier) -> str | None:
    """The phone a request names (an attempt, a trail batch) must be the token's: another phone is audited
    whatever the policy, and refused by the ``refuse`` policy. Returns the phone to record."""
    device_id = device_id or caller.device_id
    if caller.device_id is not None and device_id != caller.device_id:
        actor = f"user:{caller.user_id}" if caller.user_id else f"caregiver:{caller.caregiver_id}"
        audit.record_evidence(actor, "visit.device_mismatch", "user", caller.user_id, policy=v.device_policy)
        if v.device_policy == "refuse":
            raise Forbidden(
                "device_mismatch",
                "This request comes from another phone than the one signed in.",
                "device_id",
            )
    return device_id


def find_replay(attempt_uuid: str, visit_uuid: str, kind: str, caregiver_id: int) -> AttemptResult | None:
    """A re-sent attempt is answered from what was stored; the caregiver's own id re-used for another
    visit or end is a conflict. Attempt ids are the caregiver's own: another caregiver's attempt with the
    same id is not looked at, so the answer is the one any new id gets (nothing about them leaks)."""
    prior = db.session.scalar(
        select(VisitAttempt).where(
            VisitAttempt.uuid == attempt_uuid, VisitAttempt.caregiver_id == caregiver_id
        )
    )
    if prior is None:
        return None
    if prior.visit.uuid != visit_uuid or prior.kind != kind:
        raise Conflict(
            "attempt_id_reused", "This attempt_id was already used for another attempt.", "attempt_id"
        )
    if prior.response_json is None:  # stored by a bulk loader, not the API: answer it as of now
        remember_answer(prior, prior.visit, None, 0)
    return AttemptResult(prior.response_json, prior, prior.visit, replayed=True)


def count_new_attempt(caller: Caller, sender: Sender, v: Verifier) -> None:
    """A new attempt counts against the per-caregiver and per-phone limits (rate_limited beyond them)."""
    if v.attempt_limit is None:
        return
    who = f"user:{caller.user_id}" if caller.user_id else f"caregiver:{caller.caregiver_id}"
    for key in (f"attempt:{who}", f"attempt:device:{sender.device_id}"):
        ratelimit.hit(key, v.attempt_limit, v.rate_window_seconds, v.now)


def remember_answer(
    attempt: VisitAttempt,
    visit: Visit,
    error: DomainError | None,
    retries_left: int,
    lang: str = i18n.DEFAULT,
) -> str:
    """Build the answer from the stored rows and keep it on the attempt, so a re-send gets these bytes
    (in the language of the first answer)."""
    answer = AttemptResultOut(
        attempt=AttemptOut.of(attempt, lang),
        visit=VisitOut.of(visit, lang=lang),
        retries_left=max(0, retries_left),
        error=None if error is None else ErrorBody.of(error, lang),
    )
    data = answer.model_dump(mode="json", exclude={"visit": {"trail"}})
    attempt.response_json = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return attempt.response_json
