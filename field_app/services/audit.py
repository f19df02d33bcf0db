"""Append to the audit log (never update or delete it)."""

from __future__ import annotations

from typing import Any

from field_app.extensions import db
from field_app.models import AuditEntry
from field_app.transaction import keep_on_refusal


def record(actor: str, action: str, subject_type: str, subject_id: object, **details: Any) -> AuditEntry:
    """Add one audit entry to the session; details must hold no faces, photos or coordinates."""
    entry = AuditEntry(
        actor=actor, action=action, subject_type=subject_type, subject_id=str(subject_id), details=details
    )
    db.session.add(entry)
    return entry


def record_evidence(actor: str, action: str, subject_type: str, subject_id: object, **details: Any) -> None:
    """An audit entry kept even when the request is then refused (e.g. a phone that is not the
    caregiver's): the refusal itself is evidence."""
    keep_on_refusal(lambda: record(actor, action, subject_type, subject_id, **details))
