"""The supervision cockpit (驾驶舱) and the monthly report per agency."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template
from pydantic import Field

from field_app.api.openapi import documented
from field_app.api.parsing import Day, MonthQuery, QueryModel, parse_query
from field_app.api.responses import Out
from field_app.errors import NotFound
from field_app.extensions import db
from field_app.i18n.web import request_language
from field_app.models import Agency
from field_app.models.user import ADMIN, AUDITOR, SUPERVISOR
from field_app.security import agency_ids, current_user, require, sees_agency
from field_app.services import dashboard as service
from field_app.services import report
from field_app.supervision.periods import check_span

bp = Blueprint("dashboard", __name__)
ROLES = (SUPERVISOR, AUDITOR, ADMIN)


class SharesOut(Out):
    verified: float
    needs_review: float
    unverified: float
    pending: float


class DashboardDayOut(Out):
    date: str
    visits: int
    verified: int
    needs_review: int
    unverified: int
    pending: int
    shares: SharesOut


class CountOut(Out):
    key: str | int | None
    alerts: int


class AlertCountsOut(Out):
    by_rule: list[CountOut]
    by_agency: list[CountOut]
    by_status: list[CountOut]


class RiskOut(Out):
    id: int
    code: str | None
    risk: int
    alerts: int


class TopRiskOut(Out):
    caregivers: list[RiskOut]
    agencies: list[RiskOut]


class WithheldOut(Out):
    amount: str
    visits: int


class DashboardOut(Out):
    """The cockpit over a period for the caller's agencies."""

    from_: str = Field(alias="from")
    to: str
    timezone: str
    visits_per_day: list[DashboardDayOut]
    alerts: AlertCountsOut
    top_risk: TopRiskOut
    withheld: WithheldOut


class DashboardQuery(QueryModel):
    from_: Day = Field(alias="from")
    to: Day


@bp.get("/dashboard")
@require(*ROLES)
@documented(
    "The supervision cockpit (驾驶舱) for a period",
    responses={200: DashboardOut},
    errors=("invalid_period",),
    tag="supervision",
    query=DashboardQuery,
)
def get_dashboard():
    """Query: `from`, `to` = YYYY-MM-DD local days (Asia/Shanghai), inclusive, at most 366 days. Visits per day
    with their verification statuses; alerts that occurred in the period by rule, agency and status; the
    riskiest caregivers and agencies by those alerts; the money withheld from visits of the period."""
    q = parse_query(DashboardQuery)
    check_span(q.from_, q.to)
    return jsonify(
        service.dashboard(q.from_, q.to, current_app.config["TIMEZONE"], agency_ids(current_user()))
    )


@bp.get("/reports/agencies/<int:agency_id>/monthly")
@require(*ROLES)
@documented(
    "An agency's monthly supervision report (HTML)",
    responses={200: "text/html page"},
    errors=("agency_not_found",),
    tag="supervision",
    query=MonthQuery,
)
def monthly_report(agency_id: int):
    """Query: `month` = YYYY-MM. A self-contained page (inline SVG charts, no scripts or external files):
    headline numbers, visits per day, alerts by rule, confirmed violations, top-risk caregivers,
    settlement totals and withheld visits."""
    first, last = parse_query(MonthQuery).month
    agency = db.session.get(Agency, agency_id)
    if agency is None or not sees_agency(current_user(), agency_id):
        raise NotFound("agency_not_found", f"No agency {agency_id}.", "agency_id")
    context = report.monthly_report(agency, first, last, current_app.config["TIMEZONE"], request_language())
    return Response(render_template("report/monthly.html", **context), mimetype="text/html")
