"""Monthly settlement statements (月度结算单) per client and per agency, as JSON or CSV."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from field_app import i18n
from field_app.api.openapi import documented
from field_app.api.parsing import MonthQuery, parse_query
from field_app.api.responses import Out
from field_app.errors import NotFound
from field_app.extensions import db
from field_app.i18n.web import request_language
from field_app.models import Agency
from field_app.models.user import ADMIN, AUDITOR, SUPERVISOR
from field_app.security import current_user, require, sees_agency
from field_app.services import settlement as service
from field_app.services.lookup import client_or_404

bp = Blueprint("settlement", __name__)
ROLES = (SUPERVISOR, AUDITOR, ADMIN)


class ReasonOut(Out):
    code: str
    message: str


class VisitLineOut(Out):
    visit_id: str
    check_in_at: str
    check_out_at: str | None
    state: str
    verification_status: str
    items: int
    amount: str
    payable: bool
    reasons: list[ReasonOut]


class TotalsOut(Out):
    gross: str
    capped: str
    fund: str
    client: str
    withheld_amount: str
    withheld_count: int
    visits: int


class ClientTotalsOut(TotalsOut):
    monthly_cap: str
    fund_share: str


class ClientStatementOut(Out):
    """A client's month: each visit with its amount and whether it is paid, then the totals."""

    client_id: int
    insured_id: str
    month: str
    visits: list[VisitLineOut]
    totals: ClientTotalsOut


class AgencyRowOut(ClientTotalsOut):
    client_id: int
    insured_id: str


class AgencyStatementOut(Out):
    """An agency's month: one row per client, and the sums."""

    agency_id: int
    month: str
    clients: list[AgencyRowOut]
    totals: TotalsOut


def _month():
    return parse_query(MonthQuery).month


def _client(client_id: int):
    client = client_or_404(client_id)
    if not sees_agency(current_user(), client.agency_id):
        raise NotFound("client_not_found", f"No client {client_id}.", "client_id")
    return client


def _agency_id(agency_id: int) -> int:
    if db.session.get(Agency, agency_id) is None or not sees_agency(current_user(), agency_id):
        raise NotFound("agency_not_found", f"No agency {agency_id}.", "agency_id")
    return agency_id


def _csv(text: str, name: str) -> Response:
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"}
    )


def _client_statement(client_id: int) -> dict:
    first, last = _month()
    statement = service.client_statement(_client(client_id), first, last, current_app.config["TIMEZONE"])
    lang = request_language()  # the withholding reasons in the reader's language; their codes stay
    for visit in statement["visits"]:
        visit["reasons"] = [{**r, "message": i18n.withheld_reason(lang, r)} for r in visit["reasons"]]
    return statement


def _agency_statement(agency_id: int) -> dict:
    first, last = _month()
    return service.agency_statement(_agency_id(agency_id), first, last, current_app.config["TIMEZONE"])


@bp.get("/settlement/clients/<int:client_id>")
@require(*ROLES)
@documented(
    "A client's monthly statement",
    responses={200: ClientStatementOut},
    errors=("client_not_found",),
    tag="settlement",
    query=MonthQuery,
)
def client_statement(client_id: int):
    """Payable: closed, verified, no open/in-review/escalated/confirmed alert, no not_confirmed spot check;
    its amount is the sum of its items' unit prices. The month is capped at the care plan's cap; the fund's
    share is rounded first and the client pays the rest. Amounts are decimal strings in yuan, rounded half-up
    to 0.01. Query: `month` = YYYY-MM (local days, Asia/Shanghai)."""
    return jsonify(_client_statement(client_id))


@bp.get("/settlement/clients/<int:client_id>.csv")
@require(*ROLES)
@documented(
    "A client's monthly statement as CSV (UTF-8 with BOM)",
    responses={200: "text/csv"},
    errors=("client_not_found",),
    tag="settlement",
    query=MonthQuery,
)
def client_statement_csv(client_id: int):
    """The same statement, one row per visit, then the totals. Query: `month` = YYYY-MM."""
    statement = _client_statement(client_id)
    return _csv(service.client_csv(statement), f"settlement-client-{client_id}-{statement['month']}.csv")


@bp.get("/settlement/agencies/<int:agency_id>")
@require(*ROLES)
@documented(
    "An agency's monthly statement",
    responses={200: AgencyStatementOut},
    errors=("agency_not_found",),
    tag="settlement",
    query=MonthQuery,
)
def agency_statement(agency_id: int):
    """Per client the agency visited (its own visits only): gross, capped, fund, client, withheld. Amounts are
    decimal strings in yuan, rounded half-up to 0.01. Query: `month` = YYYY-MM (local days, Asia/Shanghai)."""
    return jsonify(_agency_statement(agency_id))


@bp.get("/settlement/agencies/<int:agency_id>.csv")
@require(*ROLES)
@documented(
    "An agency's monthly statement as CSV (UTF-8 with BOM)",
    responses={200: "text/csv"},
    errors=("agency_not_found",),
    tag="settlement",
    query=MonthQuery,
)
def agency_statement_csv(agency_id: int):
    """The same statement, one row per client and a total row. Query: `month` = YYYY-MM."""
    statement = _agency_statement(agency_id)
    return _csv(service.agency_csv(statement), f"settlement-agency-{agency_id}-{statement['month']}.csv")
