"""What the caregiver API answers about visits, attempts, items and enrolments: one pydantic model per
shape, built from the stored rows by its ``of`` constructor. The OpenAPI spec is generated from these
same models, so a response and its documentation cannot drift apart. Face encodings are never read."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from field_app import i18n
from field_app.errors import DomainError
from field_app.extensions import db
from field_app.models import EnrolmentChange, FaceEnrolment, PerformedItem, TrailPoint, Visit, VisitAttempt
from field_app.rules.facts import FACE_MATCHED
from field_app.timeutil import isoformat
from field_app.verification.quality import retake_json
from field_app.verification.words import outcome_words

#: what the face check concluded about a selfie (rules.facts FACE_*)
FaceStatus = Literal["matched", "mismatch", "no_face", "multiple_faces", "face_too_small"]
#: where a fix lies against the client's home geofence, accuracy circle included (rules.facts)
FenceStatus = Literal["inside", "outside", "uncertain"]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(Out):
    code: str
    message: str
    field: str | None

    @classmethod
    def of(cls, err: DomainError, lang: str = i18n.DEFAULT) -> ErrorBody:
        message = i18n.error_message(lang, err.code, err.message, {**err.details, **err.params}, err.field)
        return cls(code=err.code, message=message, field=err.field)


class FixOut(Out):
    lat: float
    lng: float
    datum: str
    lat_wgs84: float
    lng_wgs84: float
    accuracy_m: float
    time: str
    mock: bool | None

    @classmethod
    def fields_of(cls, row) -> dict:
        return {
            "lat": row.lat,
            "lng": row.lng,
            "datum": row.datum,
            "lat_wgs84": row.lat_wgs84,
            "lng_wgs84": row.lng_wgs84,
            "accuracy_m": row.accuracy_m,
            "time": isoformat(row.fix_time),
            "mock": row.mock,
        }


class RetakeOut(Out):
    """Why a selfie did not match and what to do: reasons are stable codes (small, blurred, dark,
    overexposed, turned_away, no_face, multiple_faces), hints are for people."""

    reasons: list[str]
    hints: list[str]

    @classmethod
    def of(cls, reasons: list[str] | None) -> RetakeOut | None:
        advice = retake_json(reasons)
        return None if advice is None else cls(**advice)


class FaceOut(Out):
    status: FaceStatus  #: never translated
    matched: bool
    distance: float | None
    threshold: float | None
    message: str | None = None  #: the outcome in the request's language (Accept-Language)
    hint: str | None = None  #: how to retake, in the request's language; None when nothing to redo
    retake: RetakeOut | None = None  #: null when matched


class FenceOut(Out):
    status: FenceStatus  #: never translated
    distance_m: float
    message: str | None = None  #: the outcome in the request's language
    hint: str | None = None  #: what to do before retrying; None when inside


class PresencePartsOut(Out):
    """What the decision was made of (verification.presence.PresenceParts)."""

    face: str
    fence: str
    liveness: str
    liveness_required: bool
    tag: str
    tag_required: bool
    confirmation: str | None
    trail: str | None
    client_face: str | None = None


class PresenceOut(Out):
    """The presence decision (在场判定): present | not_present | undetermined, the policy line, the parts."""

    decision: str
    reason: str
    parts: PresencePartsOut

    @classmethod
    def of_attempt(cls, a: VisitAttempt | None) -> PresenceOut | None:
        d = None if a is None else a.presence
        return (
            None
            if d is None
            else cls(decision=d.decision, reason=d.reason, parts=PresencePartsOut(**d.parts))
        )

    @classmethod
    def of_visit(cls, v: Visit) -> PresenceOut | None:
        """The decision of the visit's end: the last check-out attempt's, else the last check-in's."""
        ends = v.attempts_of("check_out") or v.attempts_of("check_in")
        return cls.of_attempt(ends[-1]) if ends else None


class AttemptOut(Out):
    attempt_id: str
    kind: Literal["check_in", "check_out"]
    received_at: str
    device_id: str
    device_time: str | None
    device_registered: bool
    fix: FixOut
    face: FaceOut
    geofence: FenceOut
    presence: PresenceOut | None = None

    @classmethod
    def of(cls, a: VisitAttempt, lang: str = i18n.DEFAULT) -> AttemptOut:
        return cls(
            attempt_id=a.uuid,
            kind=a.kind,
            received_at=isoformat(a.received_at),
            device_id=a.device_id,
            device_time=isoformat(a.device_time),
            device_registered=a.device_registered,
            fix=FixOut(**FixOut.fields_of(a)),
            face=FaceOut(
                status=a.face_status,
                matched=a.face_status == FACE_MATCHED,
                distance=None if a.face_distance is None else round(a.face_distance, 4),
                threshold=a.face_threshold,
                **outcome_words(lang, "face", a.face_status),
                retake=RetakeOut.of(a.retake_reasons),
            ),
            geofence=FenceOut(
                status=a.geofence_status,
                distance_m=a.distance_m,
                **outcome_words(lang, "fence", a.geofence_status),
            ),
            presence=PresenceOut.of_attempt(a),
        )


class PointOut(FixOut):
    geofence_status: FenceStatus
    distance_m: float
    speed_mps: float | None
    received_at: str

    @classmethod
    def of(cls, p: TrailPoint) -> PointOut:
        return cls(
            **FixOut.fields_of(p),
            geofence_status=p.geofence_status,
            distance_m=p.distance_m,
            speed_mps=p.speed_mps,
            received_at=isoformat(p.received_at),
        )


class ItemOut(Out):
    code: str
    started_at: str
    ended_at: str | None
    in_care_plan: bool
    nurse_required: bool

    @classmethod
    def of(cls, i: PerformedItem) -> ItemOut:
        return cls(
            code=i.service_code,
            started_at=isoformat(i.started_at),
            ended_at=isoformat(i.ended_at),
            in_care_plan=i.in_care_plan,
            nurse_required=i.nurse_required,
        )


class DurationOut(Out):
    minutes: float | None
    required_minutes: int | None
    status: str | None

    @classmethod
    def of(cls, v: Visit) -> DurationOut:
        minutes = None
        if v.check_out_at is not None:
            minutes = round((v.check_out_at - v.check_in_at).total_seconds() / 60, 1)
        return cls(minutes=minutes, required_minutes=v.required_minutes, status=v.duration_status)


class FamilyVisitOut(Out):
    """A visit as the client's family sees it: when, in what state, which care was done."""

    visit_id: str
    state: str
    verification_status: str
    check_in_at: str
    check_out_at: str | None
    duration: DurationOut
    items: list[ItemOut]

    @classmethod
    def fields_of(cls, v: Visit) -> dict:
        return {
            "visit_id": v.uuid,
            "state": v.state,
            "verification_status": v.verification_status,
            "check_in_at": isoformat(v.check_in_at),
            "check_out_at": isoformat(v.check_out_at),
            "duration": DurationOut.of(v),
            "items": [ItemOut.of(i) for i in v.items],
        }

    @classmethod
    def of(cls, v: Visit) -> FamilyVisitOut:
        return cls(**cls.fields_of(v))


class VisitOut(Out):
    visit_id: str
    caregiver_id: int
    client_id: int
    agency_id: int
    state: str
    verification_status: str
    check_in_at: str
    check_out_at: str | None
    duration: DurationOut
    attempts: list[AttemptOut]
    items: list[ItemOut]
    presence: PresenceOut | None = None  #: the decision of the visit's end (在场判定)
    trail: list[PointOut] | None = None

    @classmethod
    def of(cls, v: Visit, with_trail: bool = False, lang: str = i18n.DEFAULT) -> VisitOut:
        family = FamilyVisitOut.fields_of(v)
        trail = None
        if with_trail:
            points = db.session.scalars(
                select(TrailPoint).where(TrailPoint.visit_id == v.id).order_by(TrailPoint.fix_time)
            )
            trail = [PointOut.of(p) for p in points]
        return cls(
            visit_id=family["visit_id"],
            caregiver_id=v.caregiver_id,
            client_id=v.client_id,
            agency_id=v.agency_id,
            state=family["state"],
            verification_status=family["verification_status"],
            check_in_at=family["check_in_at"],
            check_out_at=family["check_out_at"],
            duration=family["duration"],
            attempts=[AttemptOut.of(a, lang) for a in v.attempts],
            items=family["items"],
            presence=PresenceOut.of_visit(v),
            trail=trail,
        )

    def json(self) -> dict:
        """The visit as JSON; ``trail`` only when it was asked for."""
        return self.model_dump(mode="json", exclude={"trail"} if self.trail is None else set())


class AttemptResultOut(Out):
    """The answer to every stored check-in/out attempt, verified or not (always 200).

    ``attempt.face.matched`` says whether the face was verified; when it was not, ``error`` says why
    with a stable code (``face_mismatch``, ``no_face``, ``multiple_faces``, ``face_too_small``) and a
    message to show: retake the selfie while ``retries_left`` > 0. Where the fix lay is
    ``attempt.geofence.status``. A request refused outright (bad input, a photo that cannot be read, a
    closed visit...) answers 4xx with the error only, and stores nothing."""

    attempt: AttemptOut
    visit: VisitOut
    retries_left: int
    error: ErrorBody | None = Field(None, description="Why the face was not verified; null when it was")


class UploadOut(Out):
    received: int
    stored: int
    duplicates: int
    discarded: int


class ItemsOut(UploadOut):
    items: list[ItemOut]


class EnrolmentItemOut(Out):
    enrolment_id: int
    created_at: str

    @classmethod
    def of(cls, e: FaceEnrolment) -> EnrolmentItemOut:
        return cls(enrolment_id=e.id, created_at=isoformat(e.created_at))


class PhotoQualityOut(Out):
    """One enrolment photo's feedback: usable or not, why, and what to do about it."""

    index: int
    accepted: bool
    problems: list[str]  #: small | blurred | dark | overexposed | turned_away | no_face | ...
    hints: list[str]
    face_px: int | None = None
    sharpness: float | None = None
    brightness: float | None = None
    yaw: float | None = None


class EnrolmentOut(Out):
    """An enrolment change: applied (201), waiting for a second person (202), or rejected."""

    change_id: int
    caregiver_id: int
    status: Literal["applied", "pending", "rejected"]
    requested_by: int
    decided_by: int | None
    photos: list[PhotoQualityOut]
    enrolments: list[EnrolmentItemOut]  #: the caregiver's gallery now
    total: int
    #: verified selfies before the change and their median distance to the new gallery (rule F04)
    past_selfies: int | None
    past_distance: float | None

    @classmethod
    def of(cls, change: EnrolmentChange) -> EnrolmentOut:
        gallery = change.caregiver.enrolments
        return cls(
            change_id=change.id,
            caregiver_id=change.caregiver_id,
            status=change.status,
            requested_by=change.requested_by,
            decided_by=change.decided_by,
            photos=[PhotoQualityOut(**p) for p in change.quality],
            enrolments=[EnrolmentItemOut.of(e) for e in gallery],
            total=len(gallery),
            past_selfies=change.past_selfies,
            past_distance=change.past_distance,
        )
