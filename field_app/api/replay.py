"""Trail replay (轨迹回放) of one visit and a caregiver's day, for supervisors, auditors and admins."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import Blueprint, current_app, jsonify
from pydantic import BeforeValidator, WithJsonSchema

from field_app.api.openapi import documented
from field_app.api.parsing import Day, QueryModel, from_text, parse_query
from field_app.api.responses import Out, PresenceOut
from field_app.api.visits import own_visit
from field_app.errors import NotFound
from field_app.extensions import db
from field_app.i18n.web import request_language
from field_app.models import Caregiver
from field_app.models.user import ADMIN, AUDITOR, SUPERVISOR
from field_app.security import current_user, require, sees_agency
from field_app.services import replay as service
from field_app.verification.datum import DATUMS

bp = Blueprint("replay", __name__)
STAFF_AND_ADMIN = (SUPERVISOR, AUDITOR, ADMIN)


class AttemptEntryOut(Out):
    type: Literal["check_in_attempt", "check_out_attempt"]
    time: str
    attempt_id: str
    face_status: str
    face_distance: float | None
    face_threshold: float | None
    geofence_status: str
    distance_m: float
    accuracy_m: float
    presence: PresenceOut | None = None


class MarkEntryOut(Out):
    type: Literal["check_in", "check_out"]
    time: str


class PointEntryOut(Out):
    type: Literal["trail_point"]
    time: str
    lat: float
    lng: float
    accuracy_m: float
    speed_mps: float | None
    distance_m: float
    geofence_status: str


class ItemEntryOut(Out):
    type: Literal["item"]
    time: str
    code: str
    ended_at: str | None
    in_care_plan: bool


class AlertEntryOut(Out):
    type: Literal["alert"]
    time: str
    alert_id: int
    rule_code: str
    message: str
    status: str
    score: int


class GeometryOut(Out):
    type: Literal["Point", "LineString", "Polygon"]
    coordinates: list[Any]


class FeatureOut(Out):
    type: Literal["Feature"]
    geometry: GeometryOut
    properties: dict[str, Any]


class FeatureCollectionOut(Out):
    type: Literal["FeatureCollection"]
    datum: str
    features: list[FeatureOut]


class SpanOut(Out):
    start: str
    end: str
    minutes: float


class DwellOut(Out):
    inside_minutes: float
    outside_minutes: float
    uncertain_minutes: float
    longest_absence: SpanOut | None
    distance_m: float
    fixes: int
    gap_limit_minutes: float
    gaps: list[SpanOut]


class ReplayOut(Out):
    """A visit's timeline, its map as GeoJSON, and its stay statistics."""

    visit_id: str
    caregiver_id: int
    client_id: int
    agency_id: int
    state: str
    verification_status: str
    timeline: list[AttemptEntryOut | MarkEntryOut | PointEntryOut | ItemEntryOut | AlertEntryOut]
    map: FeatureCollectionOut
    stats: DwellOut
    presence: PresenceOut | None = None  #: the decision of the visit's end


class DayVisitOut(Out):
    visit_id: str
    client_id: int
    state: str
    check_in_at: str
    check_out_at: str | None
    duration_minutes: float | None
    verification_status: str
    alert_count: int


class LegOut(Out):
    from_visit_id: str
    to_visit_id: str
    distance_m: float | None
    gap_minutes: float | None
    speed_kmh: float | None


class CaregiverDayOut(Out):
    """A caregiver's visits on one local day and the travel between consecutive ones."""

    caregiver_id: int
    date: str
    timezone: str
    visits: list[DayVisitOut]
    travel: list[LegOut]


def _datum(text: str) -> str:
    if text.upper() not in DATUMS:
        raise ValueError(f"expected one of {', '.join(DATUMS)}")
    return text.upper()


def _gap(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1440:
        raise ValueError("expected minutes in (0, 1440]")
    return value


class ReplayQuery(QueryModel):
    datum: Annotated[
        str, BeforeValidator(from_text(_datum)), WithJsonSchema({"type": "string", "enum": list(DATUMS)})
    ] = "WGS84"
    gap_minutes: Annotated[
        float, BeforeValidator(from_text(_gap)), WithJsonSchema({"type": "number", "exclusiveMinimum": 0})
    ] = 5.0


class DayQuery(QueryModel):
    date: Day


@bp.get("/visits/<visit_id>/replay")
@require(*STAFF_AND_ADMIN)
@documented(
    "Replay a visit: timeline, GeoJSON map and stay statistics",
    responses={200: ReplayOut},
    errors=("visit_not_found",),
    tag="supervision",
    query=ReplayQuery,
)
def get_replay(visit_id: str):
    """Query: `datum` = WGS84 (default) | GCJ02 | BD09 converts every coordinate for Chinese map tiles;
    `gap_minutes` (default 5) is the trail gap worth reporting. Time between two fixes counts for the
    geofence status of the earlier fix; speeds are haversine distance over time between consecutive fixes."""
    q = parse_query(ReplayQuery)
    visit = own_visit(visit_id)
    return jsonify(service.replay(visit, q.datum, q.gap_minutes, request_language()))


@bp.get("/caregivers/<int:caregiver_id>/day")
@require(*STAFF_AND_ADMIN)
@documented(
    "A caregiver's day: visits in order and the travel between them",
    responses={200: CaregiverDayOut},
    errors=("caregiver_not_found",),
    tag="supervision",
    query=DayQuery,
)
def get_day(caregiver_id: int):
    """Query: `date` = YYYY-MM-DD, a local day (Asia/Shanghai). Travel runs in a straight line from a visit's
    check-out fix to the next check-in fix; the speed is that distance over the gap (None if the gap ≤ 0)."""
    day = parse_query(DayQuery).date
    caregiver = db.session.get(Caregiver, caregiver_id)
    if caregiver is None or not sees_agency(current_user(), caregiver.agency_id):
        raise NotFound("caregiver_not_found", f"No caregiver {caregiver_id}.", "caregiver_id")
    return jsonify(service.caregiver_day(caregiver, day, current_app.config["TIMEZONE"]))
