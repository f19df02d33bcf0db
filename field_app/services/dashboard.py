"""The supervision cockpit (驾驶舱): visits and verification per day, alerts, risk, withheld money."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from field_app.extensions import db
from field_app.models import Agency, Alert, Caregiver, Visit
from field_app.services import risk, settlement
from field_app.supervision.periods import days, utc_bounds
from field_app.verification.status import NEEDS_REVIEW, PENDING, UNVERIFIED, VERIFIED

STATUSES = (VERIFIED, NEEDS_REVIEW, UNVERIFIED, PENDING)


def local_day(column, tz: str, at: datetime):
    """SQL for the local calendar day of a UTC timestamp column."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone(tz, column))
    # SQLite keeps naive UTC text; the zone's offset at the period start is exact for zones without DST
    # (Asia/Shanghai has had none since 1991).
    offset = int(at.astimezone(ZoneInfo(tz)).utcoffset().total_seconds())
    return func.date(column, f"{offset:+d} seconds")


def _scoped(stmt, column, agencies: set[int] | None):
    return stmt if agencies is None else stmt.where(column.in_(agencies))


def visits_per_day(first: date, last: date, tz: str, agencies: set[int] | None) -> list[dict[str, Any]]:
    """Every day of the period with its visits by verification status, counts and shares."""
    start, end = utc_bounds(first, last, tz)
    day = local_day(Visit.check_in_at, tz, start)
    stmt = _scoped(
        select(day, Visit.verification_status, func.count())
        .where(Visit.check_in_at >= start, Visit.check_in_at < end)
        .group_by(day, Visit.verification_status),
        Visit.agency_id,
        agencies,
    )
    counts: dict[str, dict[str, int]] = {}
    for d, status, n in db.session.execute(stmt):
        counts.setdefault(str(d), {})[status] = n
    out = []
    for d in days(first, last):
        by_status = counts.get(d.isoformat(), {})
        total = sum(by_status.values())
        out.append(
            {
                "date": d.isoformat(),
                "visits": total,
                **{s: by_status.get(s, 0) for s in STATUSES},
                "shares": {s: round(by_status.get(s, 0) / total, 4) if total else 0.0 for s in STATUSES},
            }
        )
    return out


def alerts_by(column, start: datetime, end: datetime, agencies: set[int] | None) -> list[dict[str, Any]]:
    """Alerts that occurred in the period counted by one column, largest first."""
    occurred = func.coalesce(Alert.occurred_at, Alert.first_seen_at)
    stmt = _scoped(
        select(column, func.count())
        .where(Alert.outcome == "hit", occurred >= start, occurred < end)
        .group_by(column),
        Alert.agency_id,
        agencies,
    )
    rows = sorted(db.session.execute(stmt), key=lambda r: (-r[1], str(r[0])))
    return [{"key": key, "alerts": n} for key, n in rows]


def _named(rows: list[dict], model) -> list[dict[str, Any]]:
    codes = dict(
        db.session.execute(select(model.id, model.code).where(model.id.in_([r["id"] for r in rows]))).all()
    )
    return [{**r, "code": codes.get(r["id"])} for r in rows]


def dashboard(first: date, last: date, tz: str, agencies: set[int] | None, top: int = 10) -> dict[str, Any]:
    """The cockpit over local days ``first``..``last`` for the caller's agencies (None = all)."""
    start, end = utc_bounds(first, last, tz)
    amount, count = settlement.withheld_between(start, end, agencies)
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": tz,
        "visits_per_day": visits_per_day(first, last, tz, agencies),
        "alerts": {
            "by_rule": alerts_by(Alert.rule_code, start, end, agencies),
            "by_agency": alerts_by(Alert.agency_id, start, end, agencies),
            "by_status": alerts_by(Alert.status, start, end, agencies),
        },
        "top_risk": {
            "caregivers": _named(risk.caregiver_risk(top, agencies, start, end), Caregiver),
            "agencies": _named(risk.agency_risk(top, agencies, start, end), Agency),
        },
        "withheld": {"amount": str(amount), "visits": count},
    }
