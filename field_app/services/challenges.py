"""Liveness challenges (活体检测): issue a one-time nonce with head movements, judge the phone's burst
once, and let exactly one check-in/out attempt use a passed challenge while it is fresh."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from field_app.errors import Conflict, Invalid, NotFound, TooLarge, Unsupported
from field_app.extensions import db
from field_app.models import Alert, Caregiver
from field_app.models.presence import FAILED, ISSUED, PASSED, USED, LivenessChallenge
from field_app.services import audit
from field_app.services.risk import WEIGHT
from field_app.verification import liveness
from field_app.verification.face import FaceSettings
from field_app.verification.images import ImageError
from field_app.verification.presence import LivenessPolicy, liveness_required

_IMAGE_ERRORS = {"image_too_large": TooLarge, "image_unsupported": Unsupported}


@dataclass(frozen=True)
class ChallengeSettings:
    policy: LivenessPolicy
    lifetime_seconds: int
    actions: int  #: head movements per challenge, 1 or 2
    burst: liveness.LivenessSettings
    secret: str  #: keys the random sample of visits


def caregiver_risk(caregiver_id: int) -> int:
    """The caregiver's alert risk, as ``flask rules risk`` ranks it."""
    stmt = select(func.sum(Alert.score * WEIGHT)).where(
        Alert.caregiver_id == caregiver_id, Alert.outcome == "hit"
    )
    return int(db.session.scalar(stmt) or 0)


def required(caregiver: Caregiver, visit_uuid: str, s: ChallengeSettings) -> bool:
    """Whether this caregiver's check-in/out of this visit needs a passed liveness burst."""
    risk = caregiver_risk(caregiver.id) if s.policy.mode == "risk" else 0
    return liveness_required(s.policy, caregiver.agency_id, risk, visit_uuid, s.secret)


def issue(
    caregiver: Caregiver, visit_uuid: str, kind: str, now: datetime, s: ChallengeSettings
) -> LivenessChallenge:
    """A fresh nonce and random head movements (the second, when asked, the other way)."""
    first = secrets.choice(liveness.ACTIONS)
    actions = [first] if s.actions < 2 else [first, next(a for a in liveness.ACTIONS if a != first)]
    challenge = LivenessChallenge(
        nonce=secrets.token_urlsafe(24),
        caregiver_id=caregiver.id,
        visit_uuid=visit_uuid,
        kind=kind,
        actions=actions,
        issued_at=now,
        expires_at=now + timedelta(seconds=s.lifetime_seconds),
    )
    db.session.add(challenge)
    db.session.flush()
    return challenge


def own_challenge(nonce: str, caregiver_id: int) -> LivenessChallenge:
    """The caregiver's challenge; another caregiver's answers exactly like a missing one."""
    challenge = db.session.scalar(select(LivenessChallenge).where(LivenessChallenge.nonce == nonce))
    if challenge is None or challenge.caregiver_id != caregiver_id:
        raise NotFound("challenge_not_found", "No liveness challenge {nonce} of this caregiver.", nonce=nonce)
    return challenge


def _guard_fresh(challenge: LivenessChallenge, now: datetime) -> None:
    if challenge.status != ISSUED:
        audit.record_evidence(
            f"caregiver:{challenge.caregiver_id}", "liveness.replayed", "challenge", challenge.id
        )
        raise Conflict(
            "challenge_used", "This challenge was already answered; ask for a new one.", "challenge_id"
        )
    if now > challenge.expires_at:
        raise Conflict("challenge_expired", "This challenge has expired; ask for a new one.", "challenge_id")


def judge(
    challenge: LivenessChallenge,
    frames: list[bytes],
    enrolments: list[Any],
    face: FaceSettings,
    s: ChallengeSettings,
    now: datetime,
    engine=None,
) -> liveness.LivenessResult:
    """Judge the burst once: passed or failed, the challenge is spent either way."""
    _guard_fresh(challenge, now)
    if not enrolments:
        raise Conflict("not_enrolled", "This caregiver has no enrolled face yet; enrol first.")
    if not s.burst.min_frames <= len(frames) <= s.burst.max_frames:
        raise Invalid(
            "burst_size",
            "Send {low} to {high} frames.",
            "frames",
            low=s.burst.min_frames,
            high=s.burst.max_frames,
        )
    result = _judge_frames(frames, challenge.actions, enrolments, face, s, engine)
    challenge.status = PASSED if result.passed else FAILED
    challenge.judged_at, challenge.result = now, result.as_json()
    audit.record(
        f"caregiver:{challenge.caregiver_id}",
        "liveness.burst",
        "challenge",
        challenge.id,
        passed=result.passed,
        code=result.code,
    )
    return result


def _judge_frames(frames, actions, enrolments, face: FaceSettings, s: ChallengeSettings, engine):
    try:
        faces = liveness.analyse_burst(frames, face, engine)
    except ImageError as exc:
        raise _IMAGE_ERRORS.get(exc.code, Invalid)(exc.code, exc.message, "frames") from None
    except liveness.FrameError as exc:
        return liveness.LivenessResult(False, "liveness_frame_unusable", exc.message)
    return liveness.judge_burst(faces, actions, enrolments, face.match_threshold, s.burst)


def consume(
    nonce: str, caregiver_id: int, visit_uuid: str, kind: str, now: datetime, s: ChallengeSettings
) -> str:
    """Spend a passed challenge on one attempt; the liveness status to record (``passed`` or why not)."""
    challenge = db.session.scalar(select(LivenessChallenge).where(LivenessChallenge.nonce == nonce))
    if challenge is None or challenge.caregiver_id != caregiver_id:
        return "challenge_not_found"
    if challenge.status == USED:
        return "challenge_used"
    if challenge.visit_uuid != visit_uuid or challenge.kind != kind:
        return "challenge_other_visit"
    if challenge.status != PASSED:
        return "failed" if challenge.status == FAILED else "burst_not_sent"
    if now > challenge.expires_at:
        return "challenge_expired"
    challenge.status = USED
    return "passed"


def link(nonce: str, attempt_id: int) -> None:
    """Remember which attempt used the challenge."""
    challenge = db.session.scalar(select(LivenessChallenge).where(LivenessChallenge.nonce == nonce))
    if challenge is not None and challenge.status == USED and challenge.attempt_id is None:
        challenge.attempt_id = attempt_id
