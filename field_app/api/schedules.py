"""Schedules (排班) and the caregiver's day on the phone: ``/me/schedule`` and ``/me/clients``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from flask import Blueprint, current_app, jsonify
from pydantic import AwareDatetime, Field

from field_app.api.master_context import actor, ensure_in_scope, scope
from field_app.api.openapi import documented
from field_app.api.parsing import Day, QueryModel, parse_body, parse_query
from field_app.api.responses import Out
from field_app.api.schemas import StrictModel
from field_app.masterdata import records as r
from field_app.models import Caregiver, Client, PlannedVisit
from field_app.models.user import ADMIN, AUDITOR, CAREGIVER, SUPERVISOR
from field_app.schedules import changes, generate, queries
from field_app.security import current_user, require
from field_app.timeutil import local_date, now_utc

bp = Blueprint("schedules", __name__)
Reason = Annotated[str, Field(min_length=1, max_length=200)]


class LatLngOut(Out):
    lat: float
    lng: float


class HomeOut(Out):
    gcj02: LatLngOut = Field(description="For the map SDK (AMap / Tencent)")
    wgs84: LatLngOut = Field(description="As the phone's GPS measures")
    fence_radius_m: float
    has_polygon: bool


class ScheduleItemOut(Out):
    code: str
    name_zh: str
    name_en: str
    minutes: int
    per_week: int


class MyClientOut(Out):
    client_id: int
    insured_id: str
    name: str
    address: str | None
    home: HomeOut
    trail_consent: bool


class VisitStateOut(Out):
    visit_id: str
    client_id: int
    state: str
    verification_status: str
    check_in_at: str
    check_out_at: str | None


class PlannedVisitOut(Out):
    planned_visit_id: int = Field(description="Send it as planned_visit_id with the check-in")
    starts_at: str
    ends_at: str
    status: str
    source: str
    reason: str | None
    care_plan_id: int
    client: MyClientOut
    items: list[ScheduleItemOut]
    visit: VisitStateOut | None


class ScheduleOut(Out):
    date: str
    caregiver_id: int
    planned_visits: list[PlannedVisitOut]
    open_visit: VisitStateOut | None = Field(description="A visit checked in and not yet out, any day")


class AssignedClientOut(MyClientOut):
    role: str
    care_plan_id: int
    items: list[ScheduleItemOut]


class MyClientsOut(Out):
    clients: list[AssignedClientOut]


class PlannedListOut(Out):
    planned_visits: list[PlannedVisitOut]


class GenerateIn(StrictModel):
    first_day: Day | None = Field(None, description="Default: tomorrow")
    days: int = Field(7, ge=1, le=62)
    agency_id: int | None = None


class GeneratedOut(Out):
    days: int
    created: int
    existing: int


class AddIn(StrictModel):
    client_id: int
    starts_at: AwareDatetime
    minutes: int = Field(60, ge=10, le=240)
    caregiver_id: int | None = None
    reason: Reason


class MoveIn(StrictModel):
    starts_at: AwareDatetime | None = None
    caregiver_id: int | None = Field(None, description="A substitute from the client's care plan")
    reason: Reason


class CancelIn(StrictModel):
    reason: Reason


class DateQuery(QueryModel):
    date: Day | None = Field(None, description="Local day, default today")


class RangeQuery(QueryModel):
    date: Day | None = Field(None, description="First local day, default today")
    days: int = Field(1, ge=1, le=31)
    agency_id: int | None = None
    caregiver_id: int | None = None
    client_id: int | None = None
    status: Annotated[str, Field(max_length=12)] | None = None


def _tz() -> str:
    return current_app.config["TIMEZONE"]


def _today():
    return local_date(now_utc(), _tz())


@bp.get("/me/schedule")
@require(CAREGIVER)
@documented(
    "The caregiver's planned visits of a day", query=DateQuery, responses={200: ScheduleOut}, tag="caregiver"
)
def my_schedule():
    """Each planned visit with the client's name, address, home in GCJ-02 and WGS-84, the planned items
    with minutes, and the linked visit once checked in; ``open_visit`` is the visit still open."""
    q = parse_query(DateQuery)
    return jsonify(queries.caregiver_day(current_user().caregiver_id, q.date or _today(), _tz()))


@bp.get("/me/clients")
@require(CAREGIVER)
@documented(
    "The clients whose care plan assigns the caregiver", responses={200: MyClientsOut}, tag="caregiver"
)
def my_clients():
    """Their ``client_id`` is what a check-in sends."""
    return jsonify({"clients": queries.caregiver_clients(current_user().caregiver_id, _today())})


@bp.post("/schedules/generate")
@require(ADMIN, SUPERVISOR)
@documented(
    "Generate planned visits from the care plans",
    body=GenerateIn,
    responses={200: GeneratedOut},
    errors=("agency_not_found",),
    tag="schedules",
)
def generate_schedule():
    """Idempotent: slots already generated are left as they are (moved or cancelled ones too).
    Supervisors generate for their agencies; the scheduler does it nightly for every agency."""
    body = parse_body(GenerateIn)
    agencies = scope()
    if body.agency_id is not None:
        ensure_in_scope(body.agency_id, "agency_not_found", "agency", body.agency_id)
        agencies = {body.agency_id}
    first = body.first_day or _today() + timedelta(days=1)
    result = generate.generate(first, body.days, _tz(), now_utc(), agencies)
    return jsonify(result.__dict__)


@bp.get("/planned-visits")
@require(ADMIN, SUPERVISOR, AUDITOR)
@documented(
    "Planned visits of some days (filters)",
    query=RangeQuery,
    responses={200: PlannedListOut},
    tag="schedules",
)
def list_planned():
    q = parse_query(RangeQuery)
    start = generate.local_start(q.date or _today(), "00:00", _tz())
    found = queries.planned_visits(
        start,
        start + timedelta(days=q.days),
        scope(),
        agency_id=q.agency_id,
        caregiver_id=q.caregiver_id,
        client_id=q.client_id,
        status=q.status,
    )
    visits = queries.visits_by_id(pv.visit_id for pv in found)
    return jsonify({"planned_visits": [queries.planned_json(pv, visits) for pv in found]})


def _planned(planned_id: int) -> PlannedVisit:
    pv = r.get_or_404(PlannedVisit, planned_id, "planned_visit_not_found", "planned visit")
    ensure_in_scope(pv.agency_id, "planned_visit_not_found", "planned visit", planned_id)
    return pv


def _caregiver(caregiver_id: int | None) -> Caregiver | None:
    if caregiver_id is None:
        return None
    caregiver = r.get_or_404(Caregiver, caregiver_id, "caregiver_not_found", "caregiver")
    ensure_in_scope(caregiver.agency_id, "caregiver_not_found", "caregiver", caregiver_id)
    return caregiver


def _answer(pv: PlannedVisit, status: int = 200):
    return jsonify(queries.planned_json(pv, queries.visits_by_id([pv.visit_id]))), status


@bp.post("/planned-visits")
@require(SUPERVISOR)
@documented(
    "Add a planned visit (with a reason)",
    body=AddIn,
    responses={201: PlannedVisitOut},
    errors=("client_not_found", "caregiver_not_found", "no_care_plan", "caregiver_not_in_plan"),
    tag="schedules",
)
def add_planned():
    body = parse_body(AddIn)
    client = r.get_or_404(Client, body.client_id, "client_not_found", "client")
    ensure_in_scope(client.agency_id, "client_not_found", "client", body.client_id)
    pv = changes.add(
        client, body.starts_at, body.minutes, _caregiver(body.caregiver_id), body.reason, actor()
    )
    return _answer(pv, 201)


@bp.post("/planned-visits/<int:planned_id>/move")
@require(SUPERVISOR)
@documented(
    "Move a planned visit or give it to a substitute",
    body=MoveIn,
    responses={200: PlannedVisitOut},
    errors=(
        "planned_visit_not_found",
        "caregiver_not_found",
        "planned_visit_closed",
        "caregiver_not_in_plan",
    ),
    tag="schedules",
)
def move_planned(planned_id: int):
    body = parse_body(MoveIn)
    pv = _planned(planned_id)
    return _answer(changes.move(pv, body.starts_at, _caregiver(body.caregiver_id), body.reason, actor()))


@bp.post("/planned-visits/<int:planned_id>/cancel")
@require(SUPERVISOR)
@documented(
    "Cancel a planned visit (with a reason)",
    body=CancelIn,
    responses={200: PlannedVisitOut},
    errors=("planned_visit_not_found", "planned_visit_closed"),
    tag="schedules",
)
def cancel_planned(planned_id: int):
    body = parse_body(CancelIn)
    return _answer(changes.cancel(_planned(planned_id), body.reason, actor()))
