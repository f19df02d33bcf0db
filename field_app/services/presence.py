"""Presence evidence of a check-in/out attempt: the liveness challenge it used, the tag tap it sent,
and the presence decision (verification.presence) stored with its parts.

Called by the attendance service around storing an attempt: ``check`` before (it reads and spends the
challenge, authenticates the tap; nothing here is expensive), ``record`` after (it stores the tap and
the decision). A presence problem never loses the attempt: it is stored with its statuses as
evidence, and its answer (200, like every stored attempt) carries the stable code in ``error``,
like a selfie without a face.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from field_app.domain.views import PresenceOut
from field_app.errors import Invalid
from field_app.extensions import db
from field_app.models import TrailPoint, Visit, VisitAttempt
from field_app.models.presence import PresenceDecision
from field_app.models.visit import CHECK_OUT
from field_app.services import challenges, client_faces, confirmations, tags
from field_app.verification.face import FaceSettings
from field_app.verification.presence import (
    NOT_SENT,
    PASSED,
    TAG_NONE,
    PresenceParts,
    decide,
    trail_part,
)

#: liveness status -> (code, message) answered with the stored attempt
LIVENESS_ERRORS = {
    "missing": ("liveness_required", "This check needs a liveness burst: ask for a challenge first."),
    "failed": ("liveness_failed", "The liveness burst of this challenge failed; ask for a new challenge."),
    "burst_not_sent": ("liveness_burst_missing", "No burst was sent for this challenge."),
    "challenge_used": ("challenge_used", "This challenge was already used by another attempt."),
    "challenge_expired": ("challenge_expired", "This challenge has expired; ask for a new one."),
    "challenge_not_found": ("challenge_not_found", "No such liveness challenge of this caregiver."),
    "challenge_other_visit": (
        "challenge_other_visit",
        "This challenge was issued for another visit or step.",
    ),
}
TAG_ERRORS = {
    tags.REPLAYED: ("tag_replayed", "This tag tap was already used: a copied or replayed tap is refused."),
    tags.FORGED: ("tag_forged", "The tag tap does not verify: it was not made by a registered tag."),
    tags.OTHER_CLIENT: ("tag_other_client", "This tag belongs to another client's home."),
    tags.UNKNOWN: ("tag_unknown", "This tag is not registered."),
}


@dataclass(frozen=True)
class PresenceSettings:
    challenges: challenges.ChallengeSettings
    confirmations: confirmations.ConfirmationSettings
    tag_master: bytes
    tag_required: bool
    face: FaceSettings | None = None  #: for the client's face at check-out
    engine: Any = None


@dataclass(frozen=True)
class PresenceInput:
    """What the attempt brought, checked before it is stored."""

    liveness: str  #: passed | missing | failed | challenge_* | not_sent
    liveness_required: bool
    nonce: str | None
    tap: tags.TapCheck | None
    tapped_at: datetime | None
    tag_required: bool
    client_face: str | None = None  #: matched | mismatch | not_enrolled | no_face ...; None = not sent

    def error(self) -> Invalid | None:
        """The first presence problem, to answer 422 with."""
        if self.liveness in LIVENESS_ERRORS:
            return Invalid(*LIVENESS_ERRORS[self.liveness], "challenge_id", nonce=self.nonce)
        if self.tap is not None and self.tap.status in TAG_ERRORS:
            return Invalid(*TAG_ERRORS[self.tap.status], "tag")
        return None


def check(
    caregiver, client_id: int, visit_uuid: str, kind: str, body: Any, now: datetime, s: PresenceSettings
) -> PresenceInput:
    """Spend the challenge the attempt names and authenticate its tap (malformed tag data: Invalid)."""
    required = challenges.required(caregiver, visit_uuid, s.challenges)
    nonce = getattr(body, "challenge_id", None)
    if nonce:
        liveness = challenges.consume(nonce, caregiver.id, visit_uuid, kind, now, s.challenges)
    else:
        liveness = "missing" if required else NOT_SENT
    tag_in = getattr(body, "tag", None)
    tap = None
    if tag_in is not None:
        tap = tags.check_tap(tag_in.picc_data, tag_in.cmac, tag_in.enc, client_id, s.tag_master)
    tag_required = s.tag_required and tags.client_has_tag(client_id)
    tapped_at = tag_in.tapped_at if tag_in is not None else None
    client_photo = getattr(body, "client_selfie", None)
    client_face = None
    if client_photo is not None and kind == CHECK_OUT:
        client_face = client_faces.check(client_id, client_photo, s.face or FaceSettings(), s.engine)
    return PresenceInput(liveness, required, nonce, tap, tapped_at, tag_required, client_face)


def record(inp: PresenceInput, visit: Visit, attempt: VisitAttempt, now: datetime) -> Invalid | None:
    """Store the tap and the decision of a stored attempt; the problem to answer 422 with, if any."""
    db.session.flush()  # the attempt's id
    if inp.tap is not None:
        tags.record_tap(
            inp.tap, attempt.caregiver_id, inp.tapped_at or attempt.fix_time, visit.id, attempt.id
        )
    if inp.nonce and inp.liveness == PASSED:
        challenges.link(inp.nonce, attempt.id)
    parts = PresenceParts(
        face=attempt.face_status,
        fence=attempt.geofence_status,
        liveness=inp.liveness,
        liveness_required=inp.liveness_required,
        tag=inp.tap.status if inp.tap is not None else TAG_NONE,
        tag_required=inp.tag_required,
        trail=_trail(visit) if attempt.kind == CHECK_OUT else None,
        client_face=inp.client_face,
    )
    store_decision(attempt, parts, now)
    return inp.error()


def _trail(visit: Visit) -> str:
    stmt = select(TrailPoint.geofence_status).where(TrailPoint.visit_id == visit.id)
    return trail_part(list(db.session.scalars(stmt)))


def store_decision(attempt: VisitAttempt, parts: PresenceParts, now: datetime) -> PresenceDecision:
    decision = decide(parts)
    row = db.session.scalar(select(PresenceDecision).where(PresenceDecision.attempt_id == attempt.id))
    if row is None:
        row = PresenceDecision(attempt_id=attempt.id, visit_id=attempt.visit_id)
        db.session.add(row)
    row.decision, row.reason, row.parts, row.decided_at = (
        decision.decision,
        decision.reason,
        parts.as_json(),
        now,
    )
    return row


def after_check_out(visit: Visit, inp: PresenceInput | None, now: datetime, s: PresenceSettings) -> None:
    """The client's matching face confirms a closed visit at once; otherwise the family is asked when
    the policy or the sample says so."""
    if visit.state != "closed":
        return
    if inp is not None and inp.client_face == "matched":
        confirmations.ask(visit, "client_face", now, s.confirmations, by_client_face=True)
    else:
        reason = confirmations.wanted(visit, challenges.caregiver_risk(visit.caregiver_id), s.confirmations)
        if reason is None:
            return
        confirmations.ask(visit, reason, now, s.confirmations)
    _refresh_closing_decision(visit, now)


def _refresh_closing_decision(visit: Visit, now: datetime) -> None:
    """Re-decide the visit end with the confirmation's current status (asked, answered, expired)."""
    closing = _closing_attempt(visit.id)
    row = (
        db.session.scalar(select(PresenceDecision).where(PresenceDecision.attempt_id == closing.id))
        if closing
        else None
    )
    if row is None:
        return
    status = confirmations.status_of(confirmations.for_visit(visit.id), now)
    store_decision(closing, PresenceParts(**{**row.parts, "confirmation": status}), now)


def on_answer(visit: Visit, now: datetime) -> None:
    """The family answered: the visit end's decision changes with it."""
    _refresh_closing_decision(visit, now)


def _closing_attempt(visit_id: int) -> VisitAttempt | None:
    stmt = select(VisitAttempt).where(VisitAttempt.visit_id == visit_id, VisitAttempt.kind == CHECK_OUT)
    return db.session.scalars(stmt.order_by(VisitAttempt.id.desc())).first()


def attempt_presence(a: VisitAttempt | None) -> dict | None:
    """The attempt's presence decision (在场判定) and its parts as JSON, if one was made."""
    out = PresenceOut.of_attempt(a)
    return None if out is None else out.model_dump(mode="json")


def visit_presence(v: Visit) -> dict | None:
    """The decision of the visit's end as JSON."""
    out = PresenceOut.of_visit(v)
    return None if out is None else out.model_dump(mode="json")
