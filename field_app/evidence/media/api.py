"""Clips over the API: resumable uploads from the phone, audited reads, auditors' live requests (抽查)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import Field

from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.responses import Out
from field_app.api.schemas import StrictModel
from field_app.api.visits import own_visit
from field_app.errors import NotFound
from field_app.evidence.media import clips, storage, uploads
from field_app.evidence.media.models import Clip, ClipUpload
from field_app.extensions import db
from field_app.models.user import AUDITOR, CAREGIVER, SUPERVISOR
from field_app.security import current_user, require, sees_agency
from field_app.timeutil import isoformat, now_utc

bp = Blueprint("clips", __name__)


class UploadIn(StrictModel):
    size: int = Field(ge=1, description="Bytes of the whole clip")
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="SHA-256 of the whole clip, hex")
    content_type: str = Field(max_length=64, description="e.g. video/mp4, audio/mp4, audio/ogg")


class UploadOut(Out):
    """An upload session: send chunks at ``offset`` until it equals ``size``, then complete it."""

    upload_id: str
    visit_id: str
    size: int
    offset: int
    status: str
    clip_id: int | None
    request_id: int | None
    chunk_max_bytes: int


class ClipOut(Out):
    clip_id: int
    visit_id: str
    sha256: str
    size: int
    content_type: str
    container: str
    duration_s: float
    video_codec: str | None
    audio_codec: str | None
    media_created_at: str | None
    received_at: str
    request_id: int | None
    purged: bool


class ClipListOut(Out):
    clips: list[ClipOut]


class ClipRequestIn(StrictModel):
    deadline_minutes: int = Field(ge=1, le=240, description="Minutes the caregiver has to send a live clip")
    note: str | None = Field(None, max_length=500)


class ClipRequestOut(Out):
    request_id: int
    visit_id: str
    deadline: str
    status: str
    note: str | None
    clip_id: int | None


class ClipRequestListOut(Out):
    requests: list[ClipRequestOut]


def _limits() -> uploads.Limits:
    cfg = current_app.config
    folder = f"{storage.clip_dir(cfg, current_app.instance_path)}/uploads"  # chunks in progress
    return uploads.Limits(cfg["CLIP_MAX_BYTES"], cfg["CLIP_MAX_SECONDS"], cfg["CLIP_CHUNK_MAX_BYTES"], folder)


def _store():
    return storage.from_config(current_app.config, current_app.instance_path)


def _upload_json(upload: ClipUpload, visit_uuid: str) -> dict:
    return {"upload_id": upload.id, "visit_id": visit_uuid, "size": upload.size, "offset": upload.received,
            "status": upload.status, "clip_id": upload.clip_id, "request_id": upload.request_id,
            "chunk_max_bytes": current_app.config["CLIP_CHUNK_MAX_BYTES"]}  # fmt: skip


def _clip_json(clip: Clip) -> dict:
    from field_app.models import Visit

    return {"clip_id": clip.id, "visit_id": db.session.get(Visit, clip.visit_id).uuid, "sha256": clip.sha256,
            "size": clip.size, "content_type": clip.content_type, "container": clip.container,
            "duration_s": clip.duration_s, "video_codec": clip.video_codec, "audio_codec": clip.audio_codec,
            "media_created_at": isoformat(clip.media_created_at), "received_at": isoformat(clip.received_at),
            "request_id": clip.request_id, "purged": clip.purged_at is not None}  # fmt: skip


def _own_upload(upload_id: str) -> ClipUpload:
    upload = db.session.get(ClipUpload, upload_id)
    if upload is None or upload.caregiver_id != current_user().caregiver_id:
        raise NotFound("upload_not_found", "No upload {upload_id}.", None, upload_id=upload_id)
    return upload


def _visit_uuid(visit_id: int) -> str:
    from field_app.models import Visit

    return db.session.get(Visit, visit_id).uuid


@bp.post("/visits/<visit_id>/clip-uploads")
@require(CAREGIVER)
@documented("Start a resumable clip upload (audio/video evidence)", body=UploadIn, responses={201: UploadOut},
            errors=("visit_not_found", "visit_not_open", "clip_type_unsupported", "clip_too_large"))  # fmt: skip
def start_upload(visit_id: str):
    """The phone declares the clip's size and SHA-256, then sends chunks; see PUT .../chunks/{offset}."""
    body = parse_body(UploadIn)
    visit = own_visit(visit_id)
    upload = uploads.start(visit, visit.caregiver_id, body.size, body.sha256, body.content_type, _limits())
    return jsonify(_upload_json(upload, visit.uuid)), 201


@bp.get("/clip-uploads/<upload_id>")
@require(CAREGIVER)
@documented(
    "Where an upload stands: the offset to resume from",
    responses={200: UploadOut},
    errors=("upload_not_found",),
)
def get_upload(upload_id: str):
    upload = _own_upload(upload_id)
    return jsonify(_upload_json(upload, _visit_uuid(upload.visit_id)))


@bp.put("/clip-uploads/<upload_id>/chunks/<int:offset>")
@require(CAREGIVER)
@documented("Send the clip's bytes from offset (idempotent: a re-sent chunk is accepted once)",
            responses={200: UploadOut}, raw_body="application/octet-stream",
            errors=("upload_not_found", "upload_closed", "chunk_too_large", "chunk_offset_gap", "chunk_beyond_size",
                    "chunk_differs"))  # fmt: skip
def put_chunk(upload_id: str, offset: int):
    """A chunk at an offset below the stored one must repeat the stored bytes (a re-send after a lost
    answer); past it, 409 ``chunk_offset_gap`` names the offset to resume from."""
    upload = _own_upload(upload_id)
    uploads.put_chunk(upload, offset, request.get_data(cache=False), _limits())
    return jsonify(_upload_json(upload, _visit_uuid(upload.visit_id)))


@bp.post("/clip-uploads/<upload_id>/complete")
@require(CAREGIVER)
@documented("Finish an upload: hash check, media read (duration, codecs), limits, storage, evidence log",
            responses={201: ClipOut},
            errors=("upload_not_found", "upload_closed", "upload_incomplete", "clip_hash_mismatch", "clip_unreadable",
                    "clip_too_long"))  # fmt: skip
def complete_upload(upload_id: str):
    clip = uploads.complete(_own_upload(upload_id), _store(), _limits(), now_utc())
    return jsonify(_clip_json(clip)), 201


@bp.get("/visits/<visit_id>/clips")
@require(SUPERVISOR, AUDITOR)
@documented(
    "A visit's clips (metadata)", responses={200: ClipListOut}, errors=("visit_not_found",), tag="review"
)
def list_clips(visit_id: str):
    visit = own_visit(visit_id)
    found = db.session.query(Clip).filter(Clip.visit_id == visit.id).order_by(Clip.id).all()
    return jsonify({"clips": [_clip_json(c) for c in found]})


@bp.get("/clips/<int:clip_id>/content")
@require(SUPERVISOR, AUDITOR)
@documented("A clip's bytes, for the agency's reviewers (every read is audited)",
            responses={200: "The clip (its content type)"}, errors=("clip_not_found",), tag="review")  # fmt: skip
def clip_content(clip_id: int):
    clip = db.session.get(Clip, clip_id)
    from field_app.models import Visit

    visit = db.session.get(Visit, clip.visit_id) if clip else None
    if visit is None or not sees_agency(current_user(), visit.agency_id):
        raise NotFound("clip_not_found", "No clip {clip_id}.", None, clip_id=clip_id)
    data = clips.read(current_user(), clip, _store())
    return Response(data, mimetype=clip.content_type, headers={"Cache-Control": "no-store"})


def _request_json(req, visit_uuid: str) -> dict:
    return {"request_id": req.id, "visit_id": visit_uuid, "deadline": isoformat(req.deadline),
            "status": req.status, "note": req.note, "clip_id": req.clip_id}  # fmt: skip


@bp.post("/visits/<visit_id>/clip-requests")
@require(AUDITOR)
@documented("Ask for a live clip from an open visit within a deadline (a spot check, 抽查)",
            body=ClipRequestIn, responses={201: ClipRequestOut}, tag="supervision",
            errors=("visit_not_found", "visit_not_open", "invalid_deadline"))  # fmt: skip
def request_clip(visit_id: str):
    """The caregiver's phone sees it in GET /me/clip-requests; a clip uploaded before the deadline
    fulfils it; a missed deadline is recorded (and raises rule E02)."""
    body = parse_body(ClipRequestIn)
    visit = own_visit(visit_id)
    req = clips.request_clip(current_user(), visit, body.deadline_minutes, body.note, now_utc())
    return jsonify(_request_json(req, visit.uuid)), 201


@bp.get("/me/clip-requests")
@require(CAREGIVER)
@documented(
    "Live clip requests waiting for this caregiver (the phone polls this)",
    responses={200: ClipRequestListOut},
)
def my_clip_requests():
    pending = clips.open_requests_for(current_user().caregiver_id)
    return jsonify({"requests": [_request_json(r, v.uuid) for r, v in pending]})
