"""Resumable clip uploads (services: plain values in, domain errors out, flush only).

A phone on a weak signal: ``start`` (size, SHA-256, type) → ``put_chunk`` at offsets, any chunk re-sent
any number of times (bytes already stored must be the same, the rest is appended; a gap is refused
with the offset to resume from) → ``complete`` checks the hash, reads the media, enforces the limits,
stores the clip content-addressed and logs it (its row, with the SHA-256, goes into the Merkle log).
Chunks in progress live in ``instance/clip_uploads/<upload id>.part``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from field_app.errors import Conflict, Invalid, TooLarge, Unsupported
from field_app.evidence.media import analysis
from field_app.evidence.media.models import (
    REQUEST_FULFILLED,
    REQUEST_OPEN,
    UPLOAD_DONE,
    UPLOAD_OPEN,
    Clip,
    ClipRequest,
    ClipUpload,
)
from field_app.extensions import db
from field_app.models import Visit
from field_app.models.visit import OPEN
from field_app.services import audit

CONTENT_TYPES = frozenset(
    ("video/mp4", "video/quicktime", "video/webm", "video/3gpp", "audio/mp4", "audio/aac", "audio/mpeg",
     "audio/ogg", "audio/webm", "audio/wav", "audio/x-wav", "audio/amr")
)  # fmt: skip


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_seconds: float
    chunk_max_bytes: int
    folder: str  #: where chunks in progress are kept


def _part(limits: Limits, upload: ClipUpload) -> Path:
    return Path(limits.folder) / f"{upload.id}.part"


def start(
    visit: Visit, caregiver_id: int, size: int, sha256: str, content_type: str, limits: Limits
) -> ClipUpload:
    if visit.state != OPEN:
        raise Conflict("visit_not_open", "Clips are recorded during a visit; visit {visit_id} is closed.",
                       None, visit_id=visit.uuid)  # fmt: skip
    if content_type not in CONTENT_TYPES:
        raise Unsupported("clip_type_unsupported", "Clips must be audio or video ({types}).", "content_type",
                          types=", ".join(sorted(CONTENT_TYPES)))  # fmt: skip
    if size > limits.max_bytes:
        raise TooLarge("clip_too_large", "A clip may have at most {max_bytes} bytes; this one has {size}.",
                       "size", max_bytes=limits.max_bytes, size=size)  # fmt: skip
    request = db.session.scalar(
        select(ClipRequest).where(ClipRequest.visit_id == visit.id, ClipRequest.status == REQUEST_OPEN)
    )
    upload = ClipUpload(
        id=secrets.token_hex(16),
        visit_id=visit.id,
        caregiver_id=caregiver_id,
        size=size,
        sha256=sha256.lower(),
        content_type=content_type,
        received=0,
        status=UPLOAD_OPEN,
        request_id=request.id if request else None,
    )
    db.session.add(upload)
    Path(limits.folder).mkdir(parents=True, exist_ok=True)
    _part(limits, upload).write_bytes(b"")
    db.session.flush()
    return upload


def _check_chunk(upload: ClipUpload, offset: int, data: bytes, limits: Limits) -> None:
    if upload.status != UPLOAD_OPEN:
        raise Conflict(
            "upload_closed", "This upload is {status}; start a new one.", None, status=upload.status
        )
    if len(data) > limits.chunk_max_bytes:
        raise TooLarge("chunk_too_large", "A chunk may have at most {max_bytes} bytes.", None,
                       max_bytes=limits.chunk_max_bytes)  # fmt: skip
    if offset > upload.received:
        raise Conflict("chunk_offset_gap", "Bytes from {offset} are missing: resume at offset {offset}.",
                       "offset", offset=upload.received)  # fmt: skip
    if offset + len(data) > upload.size:
        raise Invalid("chunk_beyond_size", "The chunk ends at {end}, past the declared size {size}.", "offset",
                      end=offset + len(data), size=upload.size)  # fmt: skip


def put_chunk(upload: ClipUpload, offset: int, data: bytes, limits: Limits) -> int:
    """Store ``data`` at ``offset``; returns the offset to send next. Re-sent bytes must match."""
    _check_chunk(upload, offset, data, limits)
    path = _part(limits, upload)
    overlap = min(len(data), upload.received - offset)
    with open(path, "r+b") as f:
        f.seek(offset)
        if f.read(overlap) != data[:overlap]:
            raise Conflict("chunk_differs", "Bytes at offset {offset} differ from those already received.",
                           "offset", offset=offset)  # fmt: skip
        f.seek(upload.received)
        f.write(data[overlap:])
        f.flush()
        os.fsync(f.fileno())
    upload.received = max(upload.received, offset + len(data))
    db.session.flush()
    return upload.received


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fail(upload: ClipUpload, limits: Limits, error: Exception) -> Exception:
    """The error to raise; the request rolls back, the chunks stay, the phone starts a new upload."""
    return error


def _read_media(upload: ClipUpload, path: Path, limits: Limits) -> analysis.MediaInfo:
    if _sha256(path) != upload.sha256:
        raise _fail(upload, limits, Invalid("clip_hash_mismatch",
                    "The received bytes do not have the declared SHA-256; upload the clip again.", "sha256"))  # fmt: skip
    try:
        info = analysis.analyse(str(path))
    except analysis.UnreadableMedia as exc:
        raise _fail(upload, limits, Unsupported("clip_unreadable", "The clip is not readable audio or video: {why}",
                    None, why=str(exc))) from None  # fmt: skip
    if info.duration_s > limits.max_seconds:
        raise _fail(upload, limits, TooLarge("clip_too_long", "A clip may last at most {max_s} s; this one lasts {s} s.",
                    None, max_s=limits.max_seconds, s=info.duration_s))  # fmt: skip
    return info


def complete(upload: ClipUpload, store, limits: Limits, now: datetime) -> Clip:
    """Check and store the clip; a repeated call returns the stored clip (idempotent)."""
    if upload.status == UPLOAD_DONE:
        return db.session.get(Clip, upload.clip_id)
    if upload.status != UPLOAD_OPEN:
        raise Conflict(
            "upload_closed", "This upload is {status}; start a new one.", None, status=upload.status
        )
    if upload.received != upload.size:
        raise Conflict("upload_incomplete", "{missing} bytes are missing: resume at offset {offset}.", None,
                       missing=upload.size - upload.received, offset=upload.received)  # fmt: skip
    path = _part(limits, upload)
    info = _read_media(upload, path, limits)
    store.put(str(path), upload.sha256)
    clip = Clip(
        visit_id=upload.visit_id, caregiver_id=upload.caregiver_id, sha256=upload.sha256, size=upload.size,
        content_type=upload.content_type, container=info.container, duration_s=info.duration_s,
        video_codec=info.video_codec, audio_codec=info.audio_codec, media_created_at=info.created_at,
        keyframe_hashes=list(info.keyframe_hashes), audio_fingerprint=list(info.audio_fingerprint),
        storage=store.name, request_id=upload.request_id, received_at=now,
    )  # fmt: skip
    db.session.add(clip)
    db.session.flush()
    upload.status, upload.clip_id = UPLOAD_DONE, clip.id
    _fulfil(upload.request_id, clip, now)
    audit.record(f"caregiver:{upload.caregiver_id}", "clip.upload", "clip", clip.id, sha256=clip.sha256,
                 seconds=clip.duration_s)  # fmt: skip
    path.unlink(missing_ok=True)
    return clip


def _fulfil(request_id: int | None, clip: Clip, now: datetime) -> None:
    request = db.session.get(ClipRequest, request_id) if request_id else None
    if request is not None and request.status == REQUEST_OPEN and now <= request.deadline:
        request.status, request.clip_id, request.closed_at = REQUEST_FULFILLED, clip.id, now
