"""Face enrolment: 3-5 good photos become a caregiver's gallery, with a named actor and a second person.

Every photo is analysed first (one face, size, sharpness, exposure, pose: ``verification.quality``)
and answered photo by photo; one unusable photo refuses the whole request and stores nothing. The
photos must also agree with each other (one person), or a mixed gallery would match two people.

Who may change a face (issue 16/17, finding 1): the first enrolment of a caregiver happens in person
at the agency and is applied at once; so is any enrolment by the bureau (admin, reviewer). An
agency's re-enrolment of a caregiver who already has a face is a request that a second person (another
of the agency's supervisors, or the bureau) must approve: a supervisor alone can no longer put a
substitute's face on a caregiver. Every step is an audit entry naming its actor. An applied change
records how far the new gallery is from the caregiver's verified selfies before it (rule F04).
"""

from __future__ import annotations

import itertools
from datetime import datetime

import numpy as np
from sqlalchemy import select

from field_app.errors import Conflict, Forbidden, Invalid, NotFound
from field_app.extensions import db
from field_app.models import Caregiver, EnrolmentChange, FaceEnrolment, User, VisitAttempt
from field_app.models.user import ADMIN
from field_app.rules.facts import FACE_MATCHED
from field_app.services import audit
from field_app.services.checks import image_refusal
from field_app.verification.face import FaceError, FaceSettings, analyse_photo
from field_app.verification.images import ImageError
from field_app.verification.quality import RETAKE_HINTS, QualityLimits

PENDING, APPLIED, REJECTED = "pending", "applied", "rejected"
#: the bureau (医保局): its enrolments need no second person ("reviewer" is helper m's role)
BUREAU_ROLES = (ADMIN, "reviewer")
#: verified selfies compared with a new gallery (the most recent ones)
PAST_SELFIES = 20


def request_enrolment(
    actor: User,
    caregiver: Caregiver,
    photos: list[bytes],
    settings: FaceSettings,
    *,
    min_photos: int,
    limits: QualityLimits,
    now: datetime,
    engine=None,
) -> EnrolmentChange:
    """Check the photos and record the change; applied now unless it needs a second person."""
    if len(photos) < min_photos:
        raise Invalid(
            "too_few_photos",
            f"{len(photos)} photo(s) were sent; enrolment needs {min_photos} to 5 photos of the caregiver.",
            "photos",
        )
    samples, feedback = _analyse(photos, settings, limits, engine)
    _check_one_person(samples, settings.match_threshold)
    change = EnrolmentChange(
        caregiver_id=caregiver.id,
        status=PENDING,
        requested_by=actor.id,
        requested_at=now,
        samples=[{"encoding": [float(x) for x in s.encoding], "image_hash": s.image_hash} for s in samples],
        quality=feedback,
    )
    db.session.add(change)
    db.session.flush()
    audit.record(
        _actor(actor),
        "caregiver.enrolment_requested",
        "caregiver",
        caregiver.id,
        change_id=change.id,
        photos=len(samples),
    )
    if not caregiver.enrolments or actor.role in BUREAU_ROLES:
        _apply(change, caregiver, actor, now)
    db.session.flush()
    return change


def decide(
    actor: User, change: EnrolmentChange, approve: bool, reason: str, now: datetime
) -> EnrolmentChange:
    """A second person approves (applies) or rejects a pending change; the requester cannot."""
    if change.status != PENDING:
        raise Conflict(
            "enrolment_change_decided", f"Enrolment change {change.id} is already {change.status}."
        )
    if change.requested_by == actor.id:
        raise Forbidden(
            "second_person_required",
            "The person who asked for a re-enrolment cannot approve it; another supervisor or the bureau must.",
        )
    change.decided_by, change.decided_at, change.reason = actor.id, now, reason
    if approve:
        _apply(change, change.caregiver, actor, now)
    else:
        change.status = REJECTED
        audit.record(
            _actor(actor),
            "caregiver.enrolment_rejected",
            "caregiver",
            change.caregiver_id,
            change_id=change.id,
            reason=reason,
        )
    db.session.flush()
    return change


def change_or_404(change_id: int, visible) -> EnrolmentChange:
    """The change, if ``visible(agency_id)`` says the caller may see its caregiver."""
    change = db.session.get(EnrolmentChange, change_id)
    if change is None or not visible(change.caregiver.agency_id):
        raise NotFound("enrolment_change_not_found", f"No enrolment change {change_id}.", "change_id")
    return change


def _apply(change: EnrolmentChange, caregiver: Caregiver, actor: User, now: datetime) -> None:
    """Replace the caregiver's gallery with the change's photos, measuring it against past selfies."""
    gallery = [np.asarray(s["encoding"]) for s in change.samples]
    change.past_selfies, change.past_distance = _distance_to_past_selfies(caregiver.id, gallery)
    replaced = len(caregiver.enrolments)
    caregiver.enrolments.clear()
    caregiver.enrolments.extend(
        FaceEnrolment(encoding=g, image_hash=s["image_hash"], created_at=now, change_id=change.id)
        for g, s in zip(gallery, change.samples, strict=True)
    )
    change.status = APPLIED
    if change.decided_at is None:
        change.decided_by, change.decided_at = actor.id, now
    audit.record(
        _actor(actor),
        "caregiver.enrol_face",
        "caregiver",
        caregiver.id,
        change_id=change.id,
        requested_by=change.requested_by,
        photos=len(gallery),
        replaced=replaced,
        past_selfies=change.past_selfies,
        past_distance=change.past_distance,
    )


def _distance_to_past_selfies(caregiver_id: int, gallery: list[np.ndarray]) -> tuple[int, float | None]:
    """(how many recent matched selfies, the median of their distances to the new gallery)."""
    rows = db.session.scalars(
        select(VisitAttempt.face_encoding)
        .where(
            VisitAttempt.caregiver_id == caregiver_id,
            VisitAttempt.face_status == FACE_MATCHED,
            VisitAttempt.face_encoding.is_not(None),
        )
        .order_by(VisitAttempt.fix_time.desc())
        .limit(PAST_SELFIES)
    ).all()
    if not rows:
        return 0, None
    matrix = np.asarray(gallery)
    best = [float(np.linalg.norm(matrix - np.asarray(row), axis=1).min()) for row in rows]
    return len(rows), round(float(np.median(best)), 4)


def _analyse(photos, settings, limits, engine):
    """Every photo's sample and per-photo feedback; raises ``enrolment_photos_rejected`` if any is unusable."""
    samples, feedback = [], []
    for index, photo in enumerate(photos):
        try:
            sample, quality = analyse_photo(photo, settings, engine, limits)
        except ImageError as exc:
            raise image_refusal(exc, f"photos[{index}]") from None
        except FaceError as exc:
            feedback.append(
                {"index": index, "accepted": False, "problems": [exc.code], "hints": [exc.message]}
            )
            continue
        problems = list(quality.problems)
        hints = [RETAKE_HINTS[p] for p in problems]
        feedback.append(
            {
                "index": index,
                "accepted": not problems,
                "problems": problems,
                "hints": hints,
                **quality.as_json(),
            }
        )
        samples.append(sample)
    rejected = [entry for entry in feedback if not entry["accepted"]]
    if rejected:
        raise Invalid(
            "enrolment_photos_rejected",
            f"{len(rejected)} of {len(photos)} photos cannot be used; retake them as each photo's hints say. "
            "Nothing was stored.",
            f"photos[{rejected[0]['index']}]",
            details={"photos": feedback},
        )
    return samples, feedback


def _check_one_person(samples, threshold: float) -> None:
    """Refuse a gallery whose photos do not all match each other: it would match two people."""
    for (i, a), (j, b) in itertools.combinations(enumerate(samples), 2):
        distance = float(np.linalg.norm(a.encoding - b.encoding))
        if distance > threshold:
            raise Invalid(
                "enrolment_photos_disagree",
                f"Photos {i} and {j} do not show the same person (distance {distance:.3f}); "
                "enrol photos of the caregiver only.",
                f"photos[{j}]",
            )


def _actor(user: User) -> str:
    return f"user:{user.id}"


def enrol_initial(
    caregiver: Caregiver, photos: list[bytes], settings: FaceSettings, actor: str, engine=None
) -> None:
    """A first enrolment by a named system actor (the demo seed): no account, so no change row;
    refused once the caregiver has a face, which only ``request_enrolment`` may change."""
    if caregiver.enrolments:
        raise Conflict(
            "already_enrolled", f"Caregiver {caregiver.id} already has a face; re-enrol through a request."
        )
    for photo in photos:
        sample, _ = analyse_photo(photo, settings, engine)
        caregiver.enrolments.append(FaceEnrolment(encoding=sample.encoding, image_hash=sample.image_hash))
    audit.record(actor, "caregiver.enrol_face", "caregiver", caregiver.id, photos=len(photos))
