"""Response shapes, for the OpenAPI spec; tests validate real responses against them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, RootModel


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(Out):
    code: str
    message: str
    field: str | None


class PhotoQualityOut(Out):
    """One enrolment photo's feedback: usable or not, why, and what to do about it."""

    index: int
    accepted: bool
    problems: list[
        str
    ]  #: small | blurred | dark | overexposed | turned_away | no_face | multiple_faces | ...
    hints: list[str]
    face_px: int | None = None
    sharpness: float | None = None
    brightness: float | None = None
    yaw: float | None = None


class ErrorOut(Out):
    error: ErrorBody
    retry_after_seconds: int | None = None  #: with 429 rate_limited
    photos: list[PhotoQualityOut] | None = None  #: with 422 enrolment_photos_rejected


class FixOut(Out):
    lat: float
    lng: float
    datum: str
    lat_wgs84: float
    lng_wgs84: float
    accuracy_m: float
    time: str
    mock: bool | None


class RetakeOut(Out):
    """Why a selfie did not match and what to do: reasons are stable codes (small, blurred, dark,
    overexposed, turned_away, no_face, multiple_faces), hints are for people."""

    reasons: list[str]
    hints: list[str]


class FaceOut(Out):
    status: str
    matched: bool
    distance: float | None
    threshold: float | None
    retake: RetakeOut | None = None  #: absent or null when matched


class FenceOut(Out):
    status: str
    distance_m: float


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
    """An enrolment change: applied (201) or waiting for a second person (202)."""

    change_id: int
    caregiver_id: int
    status: str  #: applied | pending | rejected
    requested_by: int
    decided_by: int | None
    photos: list[PhotoQualityOut]
    enrolments: list[EnrolmentItemOut]  #: the caregiver's gallery now
    total: int
    #: verified selfies before the change and their median distance to the new gallery (rule F04)
    past_selfies: int | None
    past_distance: float | None


class AttemptRefusedOut(RootModel[AttemptResultOut | ErrorOut]):
    """422: a bad request (error only), or a stored attempt whose selfie had no usable face."""
