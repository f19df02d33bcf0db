"""The monthly supervision report of one agency (月度督查报告): an HTML page an analyst can send as it is."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import func, select

from field_app import i18n
from field_app.extensions import db
from field_app.models import Agency, Alert, Caregiver, Client
from field_app.models.alert import ALERT_CONFIRMED
from field_app.rules.explain import alert_message
from field_app.services import dashboard, risk, settlement
from field_app.supervision.periods import utc_bounds
from field_app.supervision.svg import bar_chart
from field_app.verification.status import VERIFIED


def _local(moment: datetime | None, tz: str) -> str:
    return "" if moment is None else moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _violations(agency_id: int, start: datetime, end: datetime, tz: str, lang: str) -> list[dict[str, Any]]:
    """Confirmed alerts (确认违规) that occurred in the month, oldest first."""
    occurred = func.coalesce(Alert.occurred_at, Alert.first_seen_at)
    stmt = (
        select(Alert, Caregiver.code, Client.insured_id)
        .outerjoin(Caregiver, Caregiver.id == Alert.caregiver_id)
        .outerjoin(Client, Client.id == Alert.client_id)
        .where(
            Alert.agency_id == agency_id,
            Alert.status == ALERT_CONFIRMED,
            Alert.outcome == "hit",
            occurred >= start,
            occurred < end,
        )
        .order_by(occurred, Alert.id)
    )
    return [
        {
            "id": a.id,
            "rule_code": a.rule_code,
            "occurred": _local(a.occurred_at or a.first_seen_at, tz),
            "caregiver": code or "",
            "client": insured or "",
            "message": alert_message(lang, a),
            "score": a.score,
            "decided": _local(a.decided_at, tz),
            "reason": a.decision_reason or "",
        }
        for a, code, insured in db.session.execute(stmt)
    ]


def _top_caregivers(agency_id: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    rows = risk.caregiver_risk(10, {agency_id}, start, end)
    names = {
        c.id: c
        for c in db.session.scalars(select(Caregiver).where(Caregiver.id.in_([r["id"] for r in rows])))
    }
    return [{**r, "code": names[r["id"]].code, "name": names[r["id"]].name} for r in rows]


def _withheld(lines: list[settlement.Line], tz: str, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "visit_id": x.visit.uuid,
            "check_in": _local(x.visit.check_in_at, tz),
            "amount": str(x.amount),
            "reasons": i18n.text(lang, "report.list_separator", default="; ").join(
                i18n.withheld_reason(lang, r) for r in x.reasons
            ),
        }
        for x in lines
        if not x.payable
    ]


def _headline(
    per_day: list[dict], lines: list[settlement.Line], alerts: int, violations: int, totals: dict[str, Any]
) -> dict[str, Any]:
    visits = sum(d["visits"] for d in per_day)
    verified = sum(d[VERIFIED] for d in per_day)
    return {
        "visits": visits,
        "verified": verified,
        "verified_share": f"{verified / visits:.1%}" if visits else "–",
        "alerts": alerts,
        "violations": violations,
        "payable_visits": sum(1 for x in lines if x.payable),
        **totals,
    }


def monthly_report(agency: Agency, first: date, last: date, tz: str, lang: str = i18n.DEFAULT) -> dict:
    """What the monthly report page of one agency shows, in ``lang`` (the catalogue's ``report.*``; the
    API renders it as HTML)."""

    def t(key: str, **params: Any) -> str:
        return i18n.text(lang, key, params)

    start, end = utc_bounds(first, last, tz)
    scope = {agency.id}
    per_day = dashboard.visits_per_day(first, last, tz, scope)
    by_rule = dashboard.alerts_by(Alert.rule_code, start, end, scope)
    lines = settlement.agency_lines(agency.id, first, last, tz)
    statement = settlement.agency_statement(agency.id, first, last, tz, lines)
    violations = _violations(agency.id, start, end, tz, lang)
    context = {
        "t": t,
        "lang": lang,
        "agency": agency,
        "month": first.strftime("%Y-%m"),
        "timezone": tz,
        "headline": _headline(
            per_day, lines, sum(r["alerts"] for r in by_rule), len(violations), statement["totals"]
        ),
        "visits_chart": Markup(
            bar_chart(t("report.visits_per_day"), [(d["date"][8:], d["visits"]) for d in per_day])
        ),
        "alerts_chart": Markup(
            bar_chart(t("report.alerts_by_rule"), [(r["key"], r["alerts"]) for r in by_rule], "#b5523b")
        ),
        "violations": violations,
        "top_caregivers": _top_caregivers(agency.id, start, end),
        "clients": statement["clients"],
        "totals": statement["totals"],
        "withheld": _withheld(lines, tz, lang),
    }
    return context
