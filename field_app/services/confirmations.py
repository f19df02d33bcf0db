"""Two-way confirmation (双向确认): at check-out, on a risk-weighted sample or by policy, the client's
family confirms or denies the visit with one tap in their account.

The family's app lists its pending confirmations, each with a short-lived signed code (itsdangerous,
HMAC-SHA1 under the app secret with its own salt, carrying the visit and a single-use id); answering
spends the code. An expired code, a code used twice, or one for another client's visit is refused.
A denial, or no answer before the code expires where one was asked, raises rule C02 at the next scan.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from field_app.errors import Conflict, Invalid, NotFound
from field_app.extensions import db
from field_app.models import User, Visit
from field_app.models.presence import VisitConfirmation
from field_app.services import audit
from field_app.verification.presence import sampled

SALT = "visit-confirmation"
PENDING, CONFIRMED, DENIED, EXPIRED = "pending", "confirmed", "denied", "expired"


@dataclass(frozen=True)
class ConfirmationSettings:
    policy: str  #: off | sample | always
    sample_rate: float  #: "sample": base share of visits; a caregiver with risk >= 50 doubles it
    minutes: int  #: the code's life
    secret: str


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def wanted(visit: Visit, risk: int, s: ConfirmationSettings) -> str | None:
    """Why this visit's family is asked to confirm (``policy`` / ``sample``), or None."""
    if s.policy == "always":
        return "policy"
    rate = min(
        1.0, s.sample_rate * (2 if risk >= 50 else 1)
    )  # risk-weighted: risky caregivers twice as often
    if s.policy == "sample" and sampled(s.secret, f"confirm:{visit.uuid}", rate):
        return "sample"
    return None


def ask(
    visit: Visit, reason: str, now: datetime, s: ConfirmationSettings, by_client_face: bool = False
) -> VisitConfirmation:
    """Open a confirmation for a closed visit (once per visit); the client's matching face at check-out
    answers it at once."""
    existing = db.session.scalar(select(VisitConfirmation).where(VisitConfirmation.visit_id == visit.id))
    if existing is not None:
        return existing
    confirmation = VisitConfirmation(
        visit_id=visit.id,
        reason=reason,
        code_id=secrets.token_hex(16),
        issued_at=now,
        expires_at=now + timedelta(minutes=s.minutes),
    )
    if by_client_face:
        confirmation.status, confirmation.method, confirmation.answered_at = CONFIRMED, "client_face", now
    db.session.add(confirmation)
    db.session.flush()
    return confirmation


def code_for(confirmation: VisitConfirmation, secret: str) -> str:
    """The signed one-tap code the family's app sends back."""
    return _serializer(secret).dumps({"c": confirmation.code_id, "v": confirmation.visit.uuid})


def pending_for(user: User, now: datetime) -> list[VisitConfirmation]:
    """The family's unanswered, unexpired confirmations."""
    stmt = (
        select(VisitConfirmation)
        .join(Visit, Visit.id == VisitConfirmation.visit_id)
        .where(
            Visit.client_id == user.client_id,
            VisitConfirmation.status == PENDING,
            VisitConfirmation.expires_at > now,
        )
        .order_by(VisitConfirmation.id)
    )
    return list(db.session.scalars(stmt))


def answer(
    user: User, code: str, confirmed: bool, now: datetime, s: ConfirmationSettings
) -> VisitConfirmation:
    """Spend the code with the family's answer; the visit is re-scanned (C02 on a denial)."""
    confirmation = _load(code, s)
    if confirmation is None or confirmation.visit.client_id != user.client_id:
        raise NotFound("confirmation_not_found", "No confirmation for this code among your visits.", "code")
    if confirmation.status != PENDING:
        raise Conflict("confirmation_used", "This confirmation was already answered.", "code")
    if now > confirmation.expires_at:
        raise Conflict("confirmation_expired", "This confirmation code has expired.", "code")
    confirmation.status = CONFIRMED if confirmed else DENIED
    confirmation.answered_at, confirmation.answered_by = now, user.id
    confirmation.visit.changed_at = now
    audit.record(
        f"user:{user.id}", "visit.confirmation", "visit", confirmation.visit.uuid, confirmed=confirmed
    )
    return confirmation


def _load(code: str, s: ConfirmationSettings) -> VisitConfirmation | None:
    try:
        data = _serializer(s.secret).loads(code, max_age=s.minutes * 60)
    except SignatureExpired:
        raise Conflict("confirmation_expired", "This confirmation code has expired.", "code") from None
    except BadSignature:
        raise Invalid("confirmation_code_invalid", "This is not a valid confirmation code.", "code") from None
    if not isinstance(data, dict):
        raise Invalid("confirmation_code_invalid", "This is not a valid confirmation code.", "code")
    stmt = select(VisitConfirmation).where(VisitConfirmation.code_id == str(data.get("c")))
    confirmation = db.session.scalar(stmt)
    if confirmation is not None and confirmation.visit.uuid != data.get("v"):
        return None
    return confirmation


def status_of(confirmation: VisitConfirmation | None, now: datetime) -> str | None:
    """confirmed | denied | pending | expired, or None when none was asked."""
    if confirmation is None:
        return None
    if confirmation.status == PENDING and now > confirmation.expires_at:
        return EXPIRED
    return confirmation.status


def for_visit(visit_id: int) -> VisitConfirmation | None:
    return db.session.scalar(select(VisitConfirmation).where(VisitConfirmation.visit_id == visit_id))
