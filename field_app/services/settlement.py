"""Monthly settlement (月度结算): which visits are paid, the monthly cap, the fund's and the client's shares.

A visit is payable when it is closed, verified, has no alert still standing against it (open, in review,
escalated or confirmed) and no spot check in which the client did not confirm it; anything else is
withheld with its reasons. Dismissed and cleared alerts do not withhold: a person or a re-scan closed them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from field_app.extensions import db
from field_app.models import Alert, Client, ServiceItem, SpotCheckItem, Visit, alert_visits
from field_app.models.alert import ALERT_CONFIRMED, ALERT_ESCALATED, ALERT_IN_REVIEW, ALERT_OPEN
from field_app.models.visit import CLOSED
from field_app.supervision import money
from field_app.supervision.periods import utc_bounds
from field_app.timeutil import isoformat
from field_app.verification.status import VERIFIED

WITHHOLDING_STATUSES = (ALERT_OPEN, ALERT_IN_REVIEW, ALERT_ESCALATED, ALERT_CONFIRMED)


@dataclass
class Line:
    """One visit in a statement: what its items are worth and why it is withheld, if it is."""

    visit: Visit
    amount: Decimal
    reasons: list[dict[str, str]] = field(default_factory=list)

    @property
    def payable(self) -> bool:
        return not self.reasons


def _standing_alerts(ids: list[int]) -> list[tuple[int, int, str, str]]:
    stmt = (
        select(alert_visits.c.visit_id, Alert.id, Alert.rule_code, Alert.status)
        .join(Alert, Alert.id == alert_visits.c.alert_id)
        .where(
            alert_visits.c.visit_id.in_(ids), Alert.outcome == "hit", Alert.status.in_(WITHHOLDING_STATUSES)
        )
        .order_by(alert_visits.c.visit_id, Alert.id)
    )
    return list(db.session.execute(stmt).tuples())


def _denials(ids: list[int]) -> list[tuple[int, int]]:
    stmt = (
        select(SpotCheckItem.visit_id, SpotCheckItem.spot_check_id)
        .where(SpotCheckItem.visit_id.in_(ids), SpotCheckItem.outcome == "not_confirmed")
        .order_by(SpotCheckItem.visit_id, SpotCheckItem.spot_check_id)
    )
    return list(db.session.execute(stmt).tuples())


def _own_reasons(v: Visit) -> list[dict[str, str]]:
    reasons = []
    if v.state != CLOSED:
        reasons.append({"code": "not_closed", "message": "The visit was never checked out."})
    if v.verification_status != VERIFIED:
        reasons.append(
            {"code": "not_verified", "message": f"Verification status is {v.verification_status}."}
        )
    return reasons


def lines(visits: list[Visit]) -> list[Line]:
    """Price and judge visits in bulk: three queries whatever their number."""
    prices = dict(db.session.execute(select(ServiceItem.code, ServiceItem.unit_price_yuan)).all())
    out = {
        v.id: Line(v, money.total(prices.get(i.service_code, Decimal(0)) for i in v.items), _own_reasons(v))
        for v in visits
    }
    ids = list(out)
    for chunk in (ids[n : n + 500] for n in range(0, len(ids), 500)):
        for visit_id, alert_id, rule, status in _standing_alerts(chunk):
            out[visit_id].reasons.append(
                {"code": f"alert_{status}", "message": f"Alert {alert_id} ({rule}) is {status}."}
            )
        for visit_id, check_id in _denials(chunk):
            out[visit_id].reasons.append(
                {
                    "code": "spot_check_not_confirmed",
                    "message": f"Spot check {check_id}: the client did not confirm it.",
                }
            )
    return list(out.values())


def month_visits(first: date, last: date, tz: str, **where: Any) -> list[Visit]:
    """Visits checked in during the local days, filtered by equal columns (client_id=..., agency_id=...)."""
    start, end = utc_bounds(first, last, tz)
    stmt = (
        select(Visit)
        .options(selectinload(Visit.items))
        .where(Visit.check_in_at >= start, Visit.check_in_at < end)
        .filter_by(**where)
        .order_by(Visit.check_in_at, Visit.id)
    )
    return list(db.session.scalars(stmt))


def _terms(client: Client, first: date, last: date) -> tuple[Decimal, Decimal]:
    """Cap and fund share of the care plan in force at the month's end (or its start), else the defaults."""
    plan = client.current_plan(last) or client.current_plan(first)
    if plan is None:
        return money.DEFAULT_CAP, money.DEFAULT_FUND_SHARE
    return Decimal(plan.monthly_cap_yuan), Decimal(plan.fund_share)


def _line_json(line: Line) -> dict[str, Any]:
    v = line.visit
    return {
        "visit_id": v.uuid,
        "check_in_at": isoformat(v.check_in_at),
        "check_out_at": isoformat(v.check_out_at),
        "state": v.state,
        "verification_status": v.verification_status,
        "items": len(v.items),
        "amount": str(line.amount),
        "payable": line.payable,
        "reasons": line.reasons,
    }


def client_totals(client: Client, client_lines: list[Line], first: date, last: date) -> dict[str, Any]:
    cap, share = _terms(client, first, last)
    withheld = [x for x in client_lines if not x.payable]
    split = money.split(money.total(x.amount for x in client_lines if x.payable), cap, share)
    return {
        "monthly_cap": str(money.yuan(cap)),
        "fund_share": str(share),
        "gross": str(split.gross),
        "capped": str(split.capped),
        "fund": str(split.fund),
        "client": str(split.client),
        "withheld_amount": str(money.total(x.amount for x in withheld)),
        "withheld_count": len(withheld),
        "visits": len(client_lines),
    }


def client_statement(client: Client, first: date, last: date, tz: str) -> dict[str, Any]:
    """One client's month: every visit with its amount and verdict, and the totals."""
    client_lines = lines(month_visits(first, last, tz, client_id=client.id))
    return {
        "client_id": client.id,
        "insured_id": client.insured_id,
        "month": first.strftime("%Y-%m"),
        "visits": [_line_json(x) for x in client_lines],
        "totals": client_totals(client, client_lines, first, last),
    }


def agency_lines(agency_id: int, first: date, last: date, tz: str) -> list[Line]:
    return lines(month_visits(first, last, tz, agency_id=agency_id))


def agency_statement(
    agency_id: int, first: date, last: date, tz: str, month_lines: list[Line] | None = None
) -> dict[str, Any]:
    """An agency's month: one row per client it visited (its own visits only), and the sums of the rows."""
    by_client: dict[int, list[Line]] = {}
    for line in agency_lines(agency_id, first, last, tz) if month_lines is None else month_lines:
        by_client.setdefault(line.visit.client_id, []).append(line)
    clients = {c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_(by_client)))}
    rows = [
        {
            "client_id": cid,
            "insured_id": clients[cid].insured_id,
            **client_totals(clients[cid], by_client[cid], first, last),
        }
        for cid in sorted(by_client)
    ]
    sums = {
        key: str(money.total(Decimal(r[key]) for r in rows))
        for key in ("gross", "capped", "fund", "client", "withheld_amount")
    }
    sums.update(withheld_count=sum(r["withheld_count"] for r in rows), visits=sum(r["visits"] for r in rows))
    return {"agency_id": agency_id, "month": first.strftime("%Y-%m"), "clients": rows, "totals": sums}


def _csv(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return "\ufeff" + buffer.getvalue()  # the BOM makes Excel read UTF-8


def client_csv(statement: dict[str, Any]) -> str:
    rows: list[list[Any]] = [
        [
            "visit_id",
            "check_in",
            "check_out",
            "state",
            "verification_status",
            "amount",
            "payable",
            "withheld_reasons",
        ]
    ]
    rows += [
        [
            v["visit_id"],
            v["check_in_at"],
            v["check_out_at"] or "",
            v["state"],
            v["verification_status"],
            v["amount"],
            "yes" if v["payable"] else "no",
            "; ".join(r["message"] for r in v["reasons"]),
        ]
        for v in statement["visits"]
    ]
    rows += [[], *([key, value] for key, value in statement["totals"].items())]
    return _csv(rows)


AGENCY_COLUMNS = (
    "client_id",
    "insured_id",
    "visits",
    "gross",
    "capped",
    "fund",
    "client",
    "withheld_amount",
    "withheld_count",
)


def agency_csv(statement: dict[str, Any]) -> str:
    rows: list[list[Any]] = [list(AGENCY_COLUMNS)]
    rows += [[r[c] for c in AGENCY_COLUMNS] for r in statement["clients"]]
    rows.append(["total", ""] + [statement["totals"][c] for c in AGENCY_COLUMNS[2:]])
    return _csv(rows)


def withheld_between(start: datetime, end: datetime, agencies: set[int] | None) -> tuple[Decimal, int]:
    """Amount and number of visits withheld among those checked in between two instants."""
    in_period = [Visit.check_in_at >= start, Visit.check_in_at < end]
    if agencies is not None:
        in_period.append(Visit.agency_id.in_(agencies))
    # Only the suspects are loaded and priced: at 200,000 visits a day most of a month is payable.
    suspects = (
        select(Visit.id)
        .where(*in_period, (Visit.state != CLOSED) | (Visit.verification_status != VERIFIED))
        .union(
            select(alert_visits.c.visit_id)
            .join(Visit, Visit.id == alert_visits.c.visit_id)
            .join(Alert, Alert.id == alert_visits.c.alert_id)
            .where(*in_period, Alert.outcome == "hit", Alert.status.in_(WITHHOLDING_STATUSES)),
            select(SpotCheckItem.visit_id)
            .join(Visit, Visit.id == SpotCheckItem.visit_id)
            .where(*in_period, SpotCheckItem.outcome == "not_confirmed"),
        )
    )
    visits = db.session.scalars(
        select(Visit).options(selectinload(Visit.items)).where(Visit.id.in_(suspects))
    )
    withheld = [x for x in lines(list(visits)) if not x.payable]
    return money.total(x.amount for x in withheld), len(withheld)
