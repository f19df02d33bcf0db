"""The client's face for two-way confirmation (双向确认): enrolled only with consent (the client's, or
the family's for a client who cannot give it), matched at check-out against a second selfie of the
client; a match confirms the visit without waiting for the family's one-tap answer."""

from __future__ import annotations

from sqlalchemy import select

from field_app.errors import Invalid, TooLarge, Unsupported
from field_app.extensions import db
from field_app.models import Client
from field_app.models.presence import ClientFaceEnrolment
from field_app.services import audit
from field_app.verification.face import FaceError, FaceSettings, analyse_selfie, match_face
from field_app.verification.images import ImageError

_IMAGE_ERRORS = {"image_too_large": TooLarge, "image_unsupported": Unsupported}
CONSENT_BY = ("client", "family")


def _analyse(photo: bytes, settings: FaceSettings, engine, field: str):
    try:
        return analyse_selfie(photo, settings, engine)
    except ImageError as exc:
        raise _IMAGE_ERRORS.get(exc.code, Invalid)(exc.code, exc.message, field) from None


def enrol(
    client: Client, photos: list[bytes], consent_by: str, actor: str, settings: FaceSettings, engine=None
):
    """Store the encodings of every photo, or none (a photo without exactly one face is refused)."""
    samples = []
    for n, photo in enumerate(photos):
        try:
            samples.append(_analyse(photo, settings, engine, f"photos[{n}]"))
        except FaceError as exc:
            raise Invalid(exc.code, exc.message, f"photos[{n}]") from None
    rows = [
        ClientFaceEnrolment(
            client_id=client.id, encoding=s.encoding, consent_by=consent_by, recorded_by=actor
        )
        for s in samples
    ]
    db.session.add_all(rows)
    audit.record(actor, "client.enrol_face", "client", client.id, photos=len(rows), consent_by=consent_by)
    db.session.flush()
    return rows


def check(client_id: int, photo: bytes, settings: FaceSettings, engine=None) -> str:
    """matched | mismatch | not_enrolled | no_face | multiple_faces | face_too_small (a bad image: 4xx)."""
    stmt = select(ClientFaceEnrolment.encoding).where(ClientFaceEnrolment.client_id == client_id)
    enrolments = list(db.session.scalars(stmt))
    if not enrolments:
        return "not_enrolled"
    try:
        sample = _analyse(photo, settings, engine, "client_selfie")
    except FaceError as exc:
        return exc.code
    return (
        "matched" if match_face(sample.encoding, enrolments, settings.match_threshold).matched else "mismatch"
    )


def count(client_id: int) -> int:
    stmt = select(ClientFaceEnrolment.id).where(ClientFaceEnrolment.client_id == client_id)
    return len(list(db.session.scalars(stmt)))
