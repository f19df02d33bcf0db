"""Reading clips (PIPL: the agency's reviewers only, every read audited), retention, live requests (抽查)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from field_app.errors import Conflict, Invalid, NotFound
from field_app.evidence.media.models import REQUEST_MISSED, REQUEST_OPEN, Clip, ClipRequest
from field_app.extensions import db
from field_app.models import User, Visit
from field_app.models.visit import OPEN
from field_app.services import audit


def read(user: User, clip: Clip, store) -> bytes:
    """The clip's bytes, recorded in the audit log; a purged clip answers 404 (its hash stays logged)."""
    if clip.purged_at is not None:
        raise NotFound("clip_not_found", "Clip {clip_id} was deleted after its retention period.", None,
                       clip_id=clip.id)  # fmt: skip
    audit.record(f"user:{user.id}", "clip.read", "clip", clip.id, visit_id=clip.visit_id)
    return store.read(clip.sha256)


def purge_expired(store, retention_days: int, now: datetime) -> int:
    """Delete clip contents older than the retention (metadata, fingerprints and hashes stay)."""
    cutoff = now - timedelta(days=retention_days)
    old = db.session.scalars(select(Clip).where(Clip.received_at < cutoff, Clip.purged_at.is_(None))).all()
    for clip in old:
        if not db.session.scalar(
            select(Clip.id).where(Clip.sha256 == clip.sha256, Clip.received_at >= cutoff).limit(1)
        ):
            store.delete(clip.sha256)  # content-addressed: kept while a newer clip has the same bytes
        clip.purged_at = now
    if old:
        audit.record("system:scheduler", "clip.purge", "clip", "expired", count=len(old))
    return len(old)


def request_clip(user: User, visit: Visit, minutes: int, note: str | None, now: datetime) -> ClipRequest:
    """An auditor asks for a live clip from an open visit within ``minutes``."""
    if visit.state != OPEN:
        raise Conflict("visit_not_open", "A live clip can only be requested from an open visit.")
    if not 1 <= minutes <= 240:
        raise Invalid("invalid_deadline", "The deadline must be 1 to 240 minutes away.", "deadline_minutes")
    request = ClipRequest(visit_id=visit.id, requested_by=user.id, requested_at=now,
                          deadline=now + timedelta(minutes=minutes), note=note, status=REQUEST_OPEN)  # fmt: skip
    db.session.add(request)
    db.session.flush()
    audit.record(
        f"user:{user.id}", "clip.request", "visit", visit.uuid, request_id=request.id, minutes=minutes
    )
    return request


def open_requests_for(caregiver_id: int) -> list[tuple[ClipRequest, Visit]]:
    """What the phone polls: open requests on its caregiver's visits."""
    return db.session.execute(
        select(ClipRequest, Visit)
        .join(Visit, Visit.id == ClipRequest.visit_id)
        .where(Visit.caregiver_id == caregiver_id, ClipRequest.status == REQUEST_OPEN)
        .order_by(ClipRequest.deadline)
    ).all()


def mark_missed(now: datetime) -> int:
    """Requests past their deadline without a clip become ``missed`` (the rule E02 raises on them)."""
    late = db.session.scalars(
        select(ClipRequest).where(ClipRequest.status == REQUEST_OPEN, ClipRequest.deadline < now)
    ).all()
    for request in late:
        request.status, request.closed_at = REQUEST_MISSED, now
        audit.record(
            "system:scheduler", "clip.request_missed", "clip_request", request.id, visit_id=request.visit_id
        )
    return len(late)
