"""The tables the evidence log covers: one ``register`` line each (a new event table adds one line)."""

from __future__ import annotations

from field_app.evidence.canonical import register
from field_app.evidence.media.models import Clip, ClipRequest
from field_app.models import Alert, AuditEntry, PerformedItem, TrailPoint, Visit, VisitAttempt


def _visit_subject(row) -> str | None:
    return row["subject_id"] if row["subject_type"] == "visit" else None


def register_all() -> None:
    # changed_at is the scanner's watermark, bumped by every trail batch: bookkeeping, not evidence.
    register(Visit, exclude=("changed_at",), visit_of=lambda row: row["id"])
    register(VisitAttempt, visit_of=lambda row: row["visit_id"])  # selfie_sha256 and face encoding hash
    register(TrailPoint, visit_of=lambda row: row["visit_id"], bulk=True)
    register(PerformedItem, visit_of=lambda row: row["visit_id"], bulk=True)
    register(AuditEntry, visit_of=_visit_subject)
    # Alerts: the decision fields (status, review) and the evidence; last_seen_at moves on every scan.
    register(Alert, exclude=("last_seen_at",))
    register(Clip, visit_of=lambda row: row["visit_id"])  # the clip's SHA-256, its media facts
    register(ClipRequest, visit_of=lambda row: row["visit_id"])  # live requests (抽查) and their outcome
