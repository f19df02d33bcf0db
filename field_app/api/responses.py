"""Response shapes, for the OpenAPI spec; tests validate real responses against them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, RootModel


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(Out):
    code: str
    message: str
    field: str | None


class ErrorOut(Out):
    error: ErrorBody
    retry_after_seconds: int | None = None  #: with 429 rate_limited


class FixOut(Out):
    lat: float
    lng: float
    datum: str
    lat_wgs84: float
    lng_wgs84: float
    accuracy_m: float
    time: str
    mock: bool | None


class FaceOut(Out):
    status: str
    matched: bool
    distance: float | None
    threshold: float | None


class FenceOut(Out):
    status: str
    distance_m: float


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


class AttemptOut(Out):
    attempt_id: str
    kind: str
    received_at: str
    device_id: str
    device_time: str | None
    device_registered: bool
    fix: FixOut
    face: FaceOut
    geofence: FenceOut
    presence: PresenceOut | None = None


class PointOut(FixOut):
    geofence_status: str
    distance_m: float
    speed_mps: float | None
    received_at: str


class ItemOut(Out):
    code: str
    started_at: str
    ended_at: str | None
    in_care_plan: bool
    nurse_required: bool


class DurationOut(Out):
    minutes: float | None
    required_minutes: int | None
    status: str | None


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
    presence: PresenceOut | None = None  #: the decision of the visit's end
    trail: list[PointOut] | None = None


class FamilyVisitOut(Out):
    """A visit as the client's family sees it."""

    visit_id: str
    state: str
    verification_status: str
    check_in_at: str
    check_out_at: str | None
    duration: DurationOut
    items: list[ItemOut]


class VisitViewOut(RootModel[VisitOut | FamilyVisitOut]):
    """The full visit for caregivers and staff; the family view for family accounts."""


class AttemptResultOut(Out):
    """Check-in/out answer; on a no-face/several-faces refusal ``error`` is set and the attempt is kept."""

    attempt: AttemptOut
    visit: VisitOut
    retries_left: int
    error: ErrorBody | None = None


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


class EnrolmentOut(Out):
    caregiver_id: int
    enrolments: list[EnrolmentItemOut]
    total: int


class AttemptRefusedOut(RootModel[AttemptResultOut | ErrorOut]):
    """422: a bad request (error only), or a stored attempt whose selfie had no usable face."""
