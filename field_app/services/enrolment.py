"""Face enrolment: turn a caregiver's photos into stored encodings, all or nothing."""

from __future__ import annotations

from field_app.errors import Invalid
from field_app.extensions import db
from field_app.models import Caregiver, FaceEnrolment
from field_app.services import audit
from field_app.services.checks import image_refusal
from field_app.verification.face import FaceError, FaceSettings, analyse_selfie
from field_app.verification.images import ImageError


def enrol(
    caregiver: Caregiver, photos: list[bytes], settings: FaceSettings, engine=None
) -> list[FaceEnrolment]:
    """Analyse every photo first; one bad photo refuses the whole request and stores nothing."""
    samples = []
    for n, photo in enumerate(photos):
        field = f"photos[{n}]"
        try:
            samples.append(analyse_selfie(photo, settings, engine))
        except ImageError as exc:
            raise image_refusal(exc, field) from None
        except FaceError as exc:
            raise Invalid(exc.code, exc.message, field) from None
    created = [FaceEnrolment(encoding=s.encoding, image_hash=s.image_hash) for s in samples]
    caregiver.enrolments.extend(created)
    audit.record("api", "caregiver.enrol_face", "caregiver", caregiver.id, photos=len(created))
    db.session.flush()
    return created
