"""Users, passwords and opaque bearer tokens (stored only as SHA-256, revocable, short-lived)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from field_app.errors import Forbidden, Invalid, Unauthenticated
from field_app.extensions import db
from field_app.models import Agency, ApiToken, Caregiver, Client, User
from field_app.models.user import AUDITOR, CAREGIVER, FAMILY, ROLES, SUPERVISOR
from field_app.passwords import MIN_LENGTH, check_password
from field_app.services import audit
from field_app.transaction import keep_on_refusal

ACCESS, REFRESH = "access", "refresh"
#: checked against when the username is unknown, so both paths cost one scrypt (no user enumeration)
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  #: seconds the access token lives
    user: User


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    username: str,
    password: str,
    role: str,
    *,
    caregiver: Caregiver | None = None,
    client: Client | None = None,
    agencies: list[Agency] | None = None,
    all_agencies: bool = False,
    min_password_length: int = MIN_LENGTH,
) -> User:
    """A new account; its role decides which binding it needs; the password must pass
    ``passwords.check_password`` (Invalid with a password_* code otherwise)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if (role == CAREGIVER) != (caregiver is not None) or (role == FAMILY) != (client is not None):
        raise ValueError("a caregiver account needs a caregiver, a family account a client, others neither")
    if role in (SUPERVISOR, AUDITOR) and not (agencies or all_agencies):
        raise ValueError("supervisors and auditors need agencies or all_agencies")
    check_password(password, username, min_password_length)
    user = User(
        username=username,
        password_hash=generate_password_hash(password, method="scrypt"),
        role=role,
        caregiver_id=caregiver.id if caregiver else None,
        client_id=client.id if client else None,
        all_agencies=all_agencies,
        agencies=list(agencies or []),
    )
    db.session.add(user)
    db.session.flush()
    return user


def _issue(
    user: User, kind: str, lifetime: timedelta, family: str, device_id: str | None, now: datetime
) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user_id=user.id,
            token_hash=hash_token(token),
            kind=kind,
            device_id=device_id,
            family=family,
            expires_at=now + lifetime,
            created_at=now,
        )
    )
    return token


def issue_pair(
    user: User,
    device_id: str | None,
    now: datetime,
    access: timedelta,
    refresh: timedelta,
    family: str | None = None,
) -> TokenPair:
    family = family or secrets.token_hex(8)
    return TokenPair(
        _issue(user, ACCESS, access, family, device_id, now),
        _issue(user, REFRESH, refresh, family, device_id, now),
        int(access.total_seconds()),
        user,
    )


def authenticate(username: str, password: str) -> User:
    """The active user with this password, or Unauthenticated that does not say which part was wrong."""
    user = db.session.scalar(select(User).where(User.username == username))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        raise Unauthenticated("invalid_credentials", "Wrong username or password.")
    return user


def bind_device(user: User, device_id: str | None, policy: str) -> str | None:
    """Caregiver tokens are bound to a phone registered to that caregiver (or flagged, by policy)."""
    if user.role != CAREGIVER:
        return None
    if not device_id:
        raise Invalid(
            "device_required",
            "Caregivers sign in from their registered phone: send device_id.",
            "device_id",
        )
    registered = any(d.device_id == device_id for d in db.session.get(Caregiver, user.caregiver_id).devices)
    if not registered:
        audit.record_evidence(f"user:{user.id}", "auth.unregistered_device", "user", user.id, policy=policy)
        if policy == "refuse":
            raise Forbidden(
                "device_not_registered", "This phone is not registered to the caregiver.", "device_id"
            )
    return device_id


def resolve(token: str, kind: str, now: datetime) -> ApiToken:
    """The live token row for a bearer token, or Unauthenticated."""
    # Every request starts here: one round trip for the token and its user.
    row = db.session.scalar(
        select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == hash_token(token))
    )
    if row is None or row.kind != kind or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthenticated("invalid_token", "The token is unknown, expired or revoked; sign in again.")
    if not row.user.active:
        raise Unauthenticated("invalid_token", "This account is disabled.")
    return row


def _reused(row: ApiToken, now: datetime) -> Unauthenticated:
    """A rotated refresh token came back: a copy of it is in someone else's hands, or two requests raced
    with it. Either way the whole sign-in ends (OAuth 2.0 Security BCP 4.14.2, refresh token reuse
    detection); the caller signs in again. The handler commits the revocation before answering."""
    keep_on_refusal(lambda: revoke_family(row, now))  # the refusal must not undo the revocation
    return Unauthenticated(
        "refresh_token_reused", "This refresh token was already used; the sign-in is revoked. Sign in again."
    )


def refresh(refresh_token: str, now: datetime, access: timedelta, lifetime: timedelta) -> TokenPair:
    """Rotate: the old refresh token is revoked and a new pair issued in the same family.

    The revocation is a conditional update (``WHERE revoked_at IS NULL``): of parallel refreshes with one
    token exactly one changes the row and gets a pair; every other one is a reuse."""
    hashed = hash_token(refresh_token)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hashed))
    if row is not None and row.kind == REFRESH and row.revoked_at is not None:
        raise _reused(row, now)
    row = resolve(refresh_token, REFRESH, now)
    won = db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == row.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise _reused(row, now)
    return issue_pair(row.user, row.device_id, now, access, lifetime, family=row.family)


def revoke_family(token_row: ApiToken, now: datetime) -> None:
    """Sign out: every token of that sign-in stops working."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.family == token_row.family, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
