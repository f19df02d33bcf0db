"""Spot checks (抽查): auditors draw reproducible samples of closed visits and record what checking found."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask import Blueprint, Response, current_app
from pydantic import Field
from sqlalchemy import select

from field_app.api.openapi import documented
from field_app.api.parsing import parse_body
from field_app.api.responses import Out, answer
from field_app.api.schemas import StrictModel
from field_app.domain.shapes import Id
from field_app.errors import Invalid, NotFound
from field_app.extensions import db
from field_app.models import Agency, SpotCheck, Visit
from field_app.models.user import ADMIN, AUDITOR, SUPERVISOR
from field_app.security import agency_ids, current_user, require
from field_app.services import spot_checks as service
from field_app.supervision.periods import check_span
from field_app.timeutil import isoformat, now_utc

bp = Blueprint("spot_checks", __name__)


class SpotCheckIn(StrictModel):
    period_start: date = Field(description="First local day (Asia/Shanghai) of the visits' check-in")
    period_end: date = Field(description="Last local day, inclusive")
    method: Literal["uniform", "stratified", "risk"] = Field(
        description="uniform: simple random; stratified: proportional by agency (largest remainder); "
        "risk: weighted by 1 + the visit's standing alert scores (Efraimidis–Spirakis)"
    )
    size: int = Field(ge=1, le=1000, description="Visits wanted; fewer if the period has fewer")
    seed: int = Field(ge=0, le=2**31 - 1, description="The same seed on the same data draws the same sample")
    agency_ids: list[Id] | None = Field(
        None,
        min_length=1,
        max_length=500,
        description="Limit to these agencies (default: all the caller sees)",
    )


class OutcomeIn(StrictModel):
    outcome: Literal["confirmed", "not_confirmed", "unreachable"] = Field(
        description="not_confirmed (the client says the visit did not happen) withholds its payment"
    )
    channel: Literal["phone", "home_visit"]
    note: str | None = Field(None, max_length=2000)


class SpotCheckItemOut(Out):
    item_id: int
    position: int
    visit_id: str
    client_id: int
    caregiver_id: int
    agency_id: int
    check_in_at: str
    check_out_at: str | None
    stratum: str | None
    outcome: str
    channel: str | None
    note: str | None
    checked_by: int | None
    checked_at: str | None

    @classmethod
    def of(cls, item, visit) -> SpotCheckItemOut:
        return cls(
            item_id=item.id,
            position=item.position,
            visit_id=visit.uuid,
            client_id=visit.client_id,
            caregiver_id=visit.caregiver_id,
            agency_id=visit.agency_id,
            check_in_at=isoformat(visit.check_in_at),
            check_out_at=isoformat(visit.check_out_at),
            stratum=item.stratum,
            outcome=item.outcome,
            channel=item.channel,
            note=item.note,
            checked_by=item.checked_by,
            checked_at=isoformat(item.checked_at),
        )


class SpotCheckOut(Out):
    """A spot check with its sampled visits in draw order."""

    spot_check_id: int
    created_by: int
    created_at: str
    period_start: str
    period_end: str
    method: str
    seed: int
    size: int
    agency_ids: list[int] | None
    population: int
    items: list[SpotCheckItemOut]

    @classmethod
    def of(cls, check: SpotCheck) -> SpotCheckOut:
        return cls(
            spot_check_id=check.id,
            created_by=check.created_by,
            created_at=isoformat(check.created_at),
            period_start=check.period_start.isoformat(),
            period_end=check.period_end.isoformat(),
            method=check.method,
            seed=check.seed,
            size=check.size,
            agency_ids=check.params.get("agency_ids"),
            population=check.params.get("population", 0),
            items=[SpotCheckItemOut.of(item, visit) for item, visit, *_ in service.item_rows(check)],
        )


def _agencies(requested: list[int] | None) -> list[int] | None:
    """The agencies to sample: those asked for, each known and within the caller's scope."""
    scope = agency_ids(current_user())
    if requested is None:
        return None if scope is None else sorted(scope)
    known = set(db.session.scalars(select(Agency.id).where(Agency.id.in_(requested))))
    for n, agency_id in enumerate(requested):
        if agency_id not in known or (scope is not None and agency_id not in scope):
            raise Invalid("unknown_agency", f"No agency {agency_id} you may sample.", f"agency_ids[{n}]")
    return sorted(set(requested))


def _visible_check(spot_check_id: int) -> SpotCheck:
    check = db.session.get(SpotCheck, spot_check_id)
    if check is None or not service.visible(agency_ids(current_user()), check):
        raise NotFound("spot_check_not_found", f"No spot check {spot_check_id}.", "spot_check_id")
    return check


@bp.post("/spot-checks")
@require(AUDITOR)
@documented(
    "Draw a reproducible spot-check sample of closed visits",
    body=SpotCheckIn,
    responses={201: SpotCheckOut},
    errors=("invalid_period", "unknown_agency"),
    tag="supervision",
)
def create_spot_check():
    """Visits are sorted by id and drawn with random.Random(seed): the same inputs on the same data always
    give the same sample. Auditors only; the sample stays within the auditor's agencies."""
    body = parse_body(SpotCheckIn)
    check_span(body.period_start, body.period_end, "period_end")
    agencies = _agencies(body.agency_ids)
    check = service.draw(current_user(), body, agencies, current_app.config["TIMEZONE"], now_utc())
    return answer(SpotCheckOut.of(check), 201)


@bp.get("/spot-checks/<int:spot_check_id>")
@require(SUPERVISOR, AUDITOR, ADMIN)
@documented(
    "A spot check with its items",
    responses={200: SpotCheckOut},
    errors=("spot_check_not_found",),
    tag="supervision",
)
def get_spot_check(spot_check_id: int):
    return answer(SpotCheckOut.of(_visible_check(spot_check_id)))


@bp.post("/spot-checks/<int:spot_check_id>/items/<int:item_id>/outcome")
@require(AUDITOR)
@documented(
    "Record the outcome of checking one sampled visit",
    body=OutcomeIn,
    responses={200: SpotCheckItemOut},
    errors=("spot_check_not_found", "spot_check_item_not_found"),
    tag="supervision",
)
def record_outcome(spot_check_id: int, item_id: int):
    """Audited; a later correction is audited too, with the outcome it replaces."""
    body = parse_body(OutcomeIn)
    check = _visible_check(spot_check_id)
    item = service.item_or_404(check, item_id)
    service.record_outcome(current_user(), item, body, now_utc())
    return answer(SpotCheckItemOut.of(item, db.session.get(Visit, item.visit_id)))


@bp.get("/spot-checks/<int:spot_check_id>/export.csv")
@require(SUPERVISOR, AUDITOR, ADMIN)
@documented(
    "The spot check as CSV (UTF-8 with BOM, opens in Excel)",
    responses={200: "text/csv"},
    errors=("spot_check_not_found",),
    tag="supervision",
)
def export_spot_check(spot_check_id: int):
    check = _visible_check(spot_check_id)
    return Response(
        service.export_csv(check),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=spot-check-{check.id}.csv"},
    )
