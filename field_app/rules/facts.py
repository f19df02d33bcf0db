"""Plain, immutable facts the rules read: what the scanner loads from the database.

Rules never touch Flask or the database; the scanner (``field_app.scanning``) turns rows into these
dataclasses and the tests build them from JSON cases. All datetimes are timezone-aware UTC; all
coordinates are WGS-84 (converted from the phone's or map's datum before they get here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

# Face outcomes recorded for each check-in/out attempt (verification.face).
FACE_MATCHED = "matched"
FACE_MISMATCH = "mismatch"
FACE_NO_FACE = "no_face"
FACE_MULTIPLE = "multiple_faces"
FACE_TOO_SMALL = "face_too_small"
FACE_UNUSABLE = frozenset({FACE_NO_FACE, FACE_MULTIPLE, FACE_TOO_SMALL})

# Geofence outcomes (verification.geofence).
INSIDE, OUTSIDE, UNCERTAIN = "inside", "outside", "uncertain"


@dataclass(frozen=True)
class Fix:
    """One GPS fix from the phone, already in WGS-84."""

    lat: float
    lng: float
    accuracy_m: float
    at: datetime  #: the fix's own time (UTC)
    mock: bool | None = None  #: the phone said the fix came from a mock provider
    altitude_m: float | None = None
    speed_mps: float | None = None
    bearing_deg: float | None = None


@dataclass(frozen=True)
class Attempt:
    """One check-in or check-out attempt with its recorded verification results."""

    id: int
    visit_id: int
    kind: str  #: "check_in" | "check_out"
    caregiver_id: int
    device_id: str
    fix: Fix
    received_at: datetime  #: server time the request arrived
    device_time: datetime | None = None  #: the phone's clock when it sent the request
    face_status: str = FACE_MATCHED  #: one of the FACE_* values
    face_distance: float | None = None  #: best distance to the caregiver's own enrolments
    face_threshold: float | None = None
    face_encoding: tuple[float, ...] | None = None  #: 128-d dlib embedding of the selfie
    image_hash: str | None = None  #: 64-bit perceptual hash (hex) of the selfie
    geofence_status: str | None = None  #: INSIDE | OUTSIDE | UNCERTAIN
    distance_m: float | None = None  #: from the client's home centre


@dataclass(frozen=True)
class TrailPoint:
    """A trail fix with its geofence status precomputed by the loader."""

    fix: Fix
    geofence_status: str = INSIDE
    distance_m: float = 0.0  #: from the client's home centre


@dataclass(frozen=True)
class TagTap:
    """A bedside tag tap sent with a check-in/out attempt (NTAG 424 DNA), as the server judged it."""

    attempt_id: int | None
    kind: str  #: the attempt's kind: "check_in" | "check_out"
    status: str  #: valid | replayed | forged | other_client | unknown_tag
    tapped_at: datetime  #: the phone's time of the tap
    attempt_at: datetime  #: the attempt's fix time
    read_counter: int | None = None


@dataclass(frozen=True)
class PerformedItem:
    """A service item (护理服务项目) the caregiver reported doing."""

    code: str
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Clip:
    """An audio/video clip sent during a visit (音频视频): its hash and what re-use detection compares."""

    id: int
    visit_id: int
    caregiver_id: int
    sha256: str
    received_at: datetime
    duration_s: float = 0.0
    audio_fingerprint: tuple[int, ...] = ()  #: Chromaprint raw values
    keyframe_hashes: tuple[str, ...] = ()  #: 64-bit dHash hex of each video keyframe


@dataclass(frozen=True)
class Visit:
    """A home-care visit with everything recorded during it."""

    id: int
    caregiver_id: int
    client_id: int
    agency_id: int
    check_in_at: datetime  #: time of the first check-in attempt's fix
    check_out_at: datetime | None = None  #: time of the closing check-out fix; None while open
    attempts: tuple[Attempt, ...] = ()
    points: tuple[TrailPoint, ...] = ()  #: sorted by fix time; empty when not loaded/consented
    items: tuple[PerformedItem, ...] = ()
    uuid: str = ""
    family_confirmed: bool | None = None  #: the client/family's answer (参保人确认); None = none given
    taps: tuple[TagTap, ...] = ()  #: bedside tag taps sent with the attempts
    tag_required: bool = False  #: the client's home has a tag and the policy requires a tap
    confirmation: str | None = None  #: two-way confirmation (双向确认): pending | confirmed | denied
    confirmation_expires_at: datetime | None = None  #: when an unanswered confirmation counts as missing
    #: the schedule's planned end (排班), when the visit was planned; ends an open visit no earlier
    #: than this (``support.visit_end``). The loader fills it once schedules exist (helper o).
    planned_end: datetime | None = None
    clips: tuple[Clip, ...] = ()  #: audio/video clips sent during the visit
    #: deadlines of auditors' live clip requests (抽查) that passed without a clip
    missed_clip_requests: tuple[datetime, ...] = ()
    planned_visit_id: int | None = None  #: the planned visit (排班) this visit fulfils, if any

    @property
    def is_open(self) -> bool:
        return self.check_out_at is None

    @property
    def duration_minutes(self) -> float | None:
        if self.check_out_at is None:
            return None
        return (self.check_out_at - self.check_in_at).total_seconds() / 60

    def attempts_of(self, kind: str) -> tuple[Attempt, ...]:
        return tuple(a for a in self.attempts if a.kind == kind)


@dataclass(frozen=True)
class Home:
    """The client's home geofence in WGS-84: a circle, or a polygon when one is drawn."""

    lat: float
    lng: float
    radius_m: float = 100.0
    polygon: tuple[tuple[float, float], ...] | None = None  #: (lng, lat) ring


@dataclass(frozen=True)
class CarePlan:
    """What the client's care plan authorises (护理计划)."""

    item_codes: frozenset[str]
    visits_per_week: int
    monthly_cap_yuan: float = 1500.0
    fund_share: float = 0.8
    caregiver_ids: frozenset[int] = frozenset()  #: primary and substitutes; empty = none assigned
    scheduled: bool = False  #: visits are planned from this plan (排班): unplanned visits stand out
    allow_overlap: bool = False  #: a household of insured people served in one stay (spouses)


@dataclass(frozen=True)
class PlannedVisit:
    """A visit on the schedule (排班): who should be where, when."""

    id: int
    client_id: int
    caregiver_id: int
    agency_id: int
    starts_at: datetime
    ends_at: datetime
    status: str = "planned"  #: planned | done | cancelled
    visit_id: int | None = None  #: the visit that fulfilled it


@dataclass(frozen=True)
class Period:
    """A closed or open date range (registry data: hospital stays, certificates)."""

    start: date
    end: date | None = None  #: inclusive; None = still running

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Client:
    """An insured person (参保人) receiving home care, with what registries say of them."""

    id: int
    agency_id: int
    home: Home
    grade: str = "severe_1"  #: severe_1 | severe_2 | severe_3 | dementia
    care_plan: CarePlan | None = None
    address_key: str | None = None  #: normalised registered address
    trail_consent: bool = True
    hospital_stays: tuple[Period, ...] = ()  #: from medical insurance (医保)
    death_date: date | None = None  #: from civil affairs (民政)
    grade_lapsed_on: date | None = None  #: first day without a valid disability grade


@dataclass(frozen=True)
class Caregiver:
    """A caregiver (护理员) with registry facts."""

    id: int
    agency_id: int
    is_nurse: bool = False
    certificates: tuple[Period, ...] = ()  #: validity periods of care certificates (人力社保)
    address_key: str | None = None  #: normalised registered address


@dataclass(frozen=True)
class ServiceItem:
    """A catalogue entry (护理服务项目目录)."""

    code: str
    group: str  #: "daily_life" (生活照料) | "medical" (医疗护理)
    min_minutes: int
    needs_nurse: bool
    unit_price_yuan: float = 0.0


@dataclass(frozen=True)
class EnrolmentChange:
    """An applied change of a caregiver's enrolled face gallery, measured against her past selfies."""

    id: int
    caregiver_id: int
    applied_at: datetime
    past_selfies: int  #: verified selfies before the change that were compared
    past_distance: float | None  #: median of their smallest distances to the new gallery
    requested_by: int | None = None  #: user ids: who asked, who approved
    decided_by: int | None = None


@dataclass(frozen=True)
class RuleContext:
    """Everything a rule may look up besides its subject; ``now`` is injected, never read."""

    now: datetime
    clients: Mapping[int, Client] = field(default_factory=dict)
    caregivers: Mapping[int, Caregiver] = field(default_factory=dict)
    catalogue: Mapping[str, ServiceItem] = field(default_factory=dict)
    #: caregiver id -> that caregiver's enrolled 128-d face encodings (for substitution, 代签)
    enrolments: Mapping[int, tuple[tuple[float, ...], ...]] = field(default_factory=dict)
    #: attempts before the scanned ones (any caregiver), for the re-used selfie rule
    prior_attempts: tuple[Attempt, ...] = ()
    #: caregiver id -> applied changes of her face gallery (the enrolment swap rule, F04)
    enrolment_changes: Mapping[int, tuple[EnrolmentChange, ...]] = field(default_factory=dict)
    #: clips of the scanned window (any caregiver), for the re-used clip rule
    prior_clips: tuple[Clip, ...] = ()
    timezone: str = "Asia/Shanghai"  #: the clock face of service hours and days
    #: planned visits by id: those linked to the scanned visits, and (population scans) every one due
    planned_visits: Mapping[int, PlannedVisit] = field(default_factory=dict)
