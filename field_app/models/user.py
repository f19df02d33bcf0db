"""Accounts, their scope, their tokens; and the counters behind rate limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from field_app.extensions import db
from field_app.models.types import UTCDateTime
from field_app.timeutil import now_utc

CAREGIVER, SUPERVISOR, AUDITOR, FAMILY, ADMIN = "caregiver", "supervisor", "auditor", "family", "admin"
ROLES = (CAREGIVER, SUPERVISOR, AUDITOR, FAMILY, ADMIN)

user_agencies = Table(
    "user_agencies",
    db.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("agency_id", ForeignKey("agencies.id"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))  #: scrypt (werkzeug.security)
    role: Mapped[str] = mapped_column(String(16))
    #: a caregiver account acts as exactly one caregiver; a family account sees exactly one client
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    #: supervisors and auditors: every agency, or the ones in user_agencies
    all_agencies: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    agencies = relationship("Agency", secondary=user_agencies)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class ApiToken(db.Model):
    """An opaque bearer token, stored only as its SHA-256; access tokens are short-lived."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  #: access | refresh
    device_id: Mapped[str | None] = mapped_column(String(128))  #: caregiver tokens are bound to a phone
    family: Mapped[str] = mapped_column(String(32), index=True)  #: one sign-in's tokens, revoked together
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    user: Mapped[User] = relationship()


class RateCounter(db.Model):
    """Requests counted per key in a fixed window, shared by every worker through the database."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer)  #: epoch seconds of the window
    count: Mapped[int] = mapped_column(Integer)


class Selfie(db.Model):
    """A check-in/out photo, kept only when retention is configured, purged after it (PIPL)."""

    __tablename__ = "selfies"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("visit_attempts.id"), primary_key=True)
    attempt = relationship("VisitAttempt")
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(db.LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
