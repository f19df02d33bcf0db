"""Clips (audio/video evidence), their resumable upload sessions, and auditors' live requests (抽查)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from field_app.extensions import db
from field_app.models.types import JSONType, UTCDateTime
from field_app.timeutil import now_utc

UPLOAD_OPEN, UPLOAD_DONE, UPLOAD_FAILED = "open", "complete", "failed"
REQUEST_OPEN, REQUEST_FULFILLED, REQUEST_MISSED = "open", "fulfilled", "missed"


class ClipUpload(db.Model):
    """A resumable upload: the phone says size and SHA-256 first, then sends chunks at offsets."""

    __tablename__ = "clip_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  #: random, given to the phone
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))  #: declared; checked at completion
    content_type: Mapped[str] = mapped_column(String(64))
    received: Mapped[int] = mapped_column(BigInteger, default=0)  #: bytes stored so far: the next offset
    status: Mapped[str] = mapped_column(String(10), default=UPLOAD_OPEN)
    clip_id: Mapped[int | None] = mapped_column(ForeignKey("clips.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("clip_requests.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:
        return f"<ClipUpload {self.id} visit={self.visit_id} {self.received}/{self.size}>"


class Clip(db.Model):
    """A stored clip: content-addressed by SHA-256 (logged in the evidence log), its media facts."""

    __tablename__ = "clips"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregivers.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(64))
    container: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    video_codec: Mapped[str | None] = mapped_column(String(32))
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    media_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: the container's own tag
    keyframe_hashes: Mapped[list] = mapped_column(JSONType, default=list)  #: dHash hex per keyframe
    audio_fingerprint: Mapped[list] = mapped_column(JSONType, default=list)  #: Chromaprint raw values
    storage: Mapped[str] = mapped_column(String(8))  #: fs | s3
    request_id: Mapped[int | None] = mapped_column(ForeignKey("clip_requests.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  #: content deleted after retention

    def __repr__(self) -> str:
        return f"<Clip {self.id} visit={self.visit_id} {self.sha256[:12]}>"


class ClipRequest(db.Model):
    """An auditor's request for a live clip from an open visit, with a deadline (a spot check, 抽查)."""

    __tablename__ = "clip_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=REQUEST_OPEN, index=True)
    clip_id: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<ClipRequest {self.id} visit={self.visit_id} {self.status}>"
