"""A visit's verification status from the outcomes of its checks (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from field_app.rules.facts import FACE_MATCHED, OUTSIDE, UNCERTAIN

# Visit verification statuses (stored on visits.verification_status).
PENDING, VERIFIED, NEEDS_REVIEW, UNVERIFIED = "pending", "verified", "needs_review", "unverified"


@dataclass(frozen=True)
class EndOutcome:
    """The latest attempt at one end of the visit (check-in or check-out)."""

    face_status: str
    geofence_status: str


def visit_status(check_in: EndOutcome, check_out: EndOutcome | None, duration_status: str | None) -> str:
    """Unverified if any check failed, needs review if a fix was uncertain, pending while open."""
    ends = [check_in] + ([check_out] if check_out else [])
    if any(e.face_status != FACE_MATCHED or e.geofence_status == OUTSIDE for e in ends):
        return UNVERIFIED
    if duration_status in ("too_short", "too_long"):
        return UNVERIFIED
    if any(e.geofence_status == UNCERTAIN for e in ends):
        return NEEDS_REVIEW
    return PENDING if check_out is None else VERIFIED
