"""Selfies kept for audits (PIPL): read only by the agency's supervisors and auditors, every read
logged, purged after the configured retention."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from field_app.domain.scope import sees_agency
from field_app.errors import NotFound
from field_app.extensions import db
from field_app.models import Selfie, User, VisitAttempt
from field_app.services import audit


def read(user: User, attempt_uuid: str) -> Selfie:
    """The stored selfie of an attempt the user's agencies cover; the read is audited."""
    # attempt ids are unique per caregiver: of the attempts with this id, the newest the user may see
    attempts = db.session.scalars(
        select(VisitAttempt).where(VisitAttempt.uuid == attempt_uuid).order_by(VisitAttempt.id.desc())
    )
    attempt = next((a for a in attempts if sees_agency(user, a.visit.agency_id)), None)
    selfie = None if attempt is None else db.session.get(Selfie, attempt.id)
    if selfie is None:
        raise NotFound(
            "selfie_not_found", "No stored selfie for this attempt (none kept, purged, or not yours)."
        )
    audit.record(f"user:{user.id}", "selfie.read", "attempt", attempt_uuid)
    return selfie


def purge_expired(now: datetime, retention_days: int) -> int:
    """Delete selfies older than the retention period; returns how many."""
    cutoff = now - timedelta(days=retention_days)
    result = db.session.execute(delete(Selfie).where(Selfie.stored_at < cutoff))
    if result.rowcount:
        audit.record(
            "system:scheduler",
            "selfie.purge",
            "selfies",
            "expired",
            count=result.rowcount,
            retention_days=retention_days,
        )
    return result.rowcount
