"""Read alerts within the caller's scope: the review queue, one alert's history, per-rule outcomes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true

from field_app.domain.scope import agency_ids
from field_app.errors import NotFound
from field_app.extensions import db
from field_app.models import Alert, AlertComment, AuditEntry, User, Visit, alert_visits

MAX_ID = 2**31 - 1  #: INTEGER primary keys

SORTS = {
    "risk": (Alert.score.desc(), Alert.occurred_at.desc().nulls_last(), Alert.id.desc()),
    "newest": (Alert.occurred_at.desc().nulls_last(), Alert.id.desc()),
    "oldest": (Alert.occurred_at.asc().nulls_last(), Alert.id.asc()),
}


@dataclass(frozen=True)
class AlertFilter:
    """What the review queue is narrowed to; None means no filter on that column."""

    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    rule: str | None = None
    outcome: str | None = None
    agency_id: int | None = None
    caregiver_id: int | None = None
    client_id: int | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


def in_scope(user: User) -> ColumnElement[bool]:
    """Supervisors and auditors see their agencies' alerts, and the cross-agency alerts (no single
    agency: X07 from one spot for clients of two agencies) that name one of their visits; admins (and
    all-agency staff) every alert."""
    scope = agency_ids(user)
    if scope is None:
        return true()
    agencies = sorted(scope)
    theirs = (
        select(alert_visits.c.alert_id)
        .join(Visit, Visit.id == alert_visits.c.visit_id)
        .where(alert_visits.c.alert_id == Alert.id, Visit.agency_id.in_(agencies))
    )
    return or_(Alert.agency_id.in_(agencies), and_(Alert.agency_id.is_(None), exists(theirs)))


def is_partial(user: User, alert: Alert) -> bool:
    """The caller sees only a part of this alert: a cross-agency alert, seen by one agency's staff."""
    return alert.agency_id is None and agency_ids(user) is not None


def part_of(user: User, alert: Alert) -> tuple[list[Visit], dict]:
    """The alert's visits and evidence as the caller may see them: whole for one agency's alert or
    for the bureau; for a cross-agency alert, only the caller's agencies' visits, and evidence entries
    naming another agency's visit are left out (their clients and caregivers are not the caller's)."""
    scope = agency_ids(user)
    visits = sorted(alert.visits, key=lambda v: v.check_in_at)
    if not is_partial(user, alert):
        return visits, dict(alert.evidence or {})
    hidden = {key for v in visits if v.agency_id not in scope for key in (v.id, v.uuid)}
    return [v for v in visits if v.agency_id in scope], _without(alert.evidence or {}, hidden)


def _without(value, hidden: set):
    """``value`` with every dict naming a hidden visit (``visit_id``) dropped and hidden ids removed
    from ``visit_ids`` lists."""
    if isinstance(value, dict):
        return {
            k: (
                [i for i in v if i not in hidden]
                if k == "visit_ids" and isinstance(v, list)
                else _without(v, hidden)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _without(v, hidden) for v in value if not (isinstance(v, dict) and v.get("visit_id") in hidden)
        ]
    return value


def _conditions(user: User, flt: AlertFilter) -> list[ColumnElement[bool]]:
    conds = [in_scope(user)]
    for column, values in ((Alert.status, flt.statuses), (Alert.severity, flt.severities)):
        if values:
            conds.append(column.in_(values))
    for column, value in (
        (Alert.rule_code, flt.rule),
        (Alert.outcome, flt.outcome),
        (Alert.agency_id, flt.agency_id),
        (Alert.caregiver_id, flt.caregiver_id),
        (Alert.client_id, flt.client_id),
    ):
        if value is not None:
            conds.append(column == value)
    if flt.occurred_from is not None:
        conds.append(Alert.occurred_at >= flt.occurred_from)
    if flt.occurred_to is not None:
        conds.append(Alert.occurred_at < flt.occurred_to)
    return conds


def list_alerts(user: User, flt: AlertFilter, sort: str, page: int, per_page: int):
    """One page of alerts with their visit uuids, and the total: a count and one joined query."""
    conds = _conditions(user, flt)
    total = db.session.scalar(select(func.count()).select_from(Alert).where(*conds))
    order = SORTS[sort]
    page_ids = select(Alert.id).where(*conds).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    page_ids = page_ids.subquery()
    stmt = (
        select(Alert, Visit.uuid)
        .join(page_ids, page_ids.c.id == Alert.id)
        .outerjoin(alert_visits, alert_visits.c.alert_id == Alert.id)
        .outerjoin(Visit, Visit.id == alert_visits.c.visit_id)
        .order_by(*order, Visit.id)
    )
    rows: dict[int, tuple[Alert, list[str]]] = {}
    for alert, uuid in db.session.execute(stmt):
        uuids = rows.setdefault(alert.id, (alert, []))[1]
        if uuid is not None:
            uuids.append(uuid)
    return list(rows.values()), total


def visible_alerts(user: User, ids: list[int], for_update: bool = False) -> list[Alert]:
    """The alerts among ``ids`` the caller sees; locked for the transaction when asked (PostgreSQL)."""
    ids = [i for i in ids if 0 < i <= MAX_ID]  # larger ones exist nowhere, and overflow the driver
    stmt = select(Alert).where(Alert.id.in_(ids), in_scope(user)).order_by(Alert.id)
    return list(db.session.scalars(stmt.with_for_update() if for_update else stmt))


def visible_alert(user: User, alert_id: int, for_update: bool = False) -> Alert:
    """The alert, or the same NotFound as for one that does not exist when it is outside the caller's scope."""
    found = visible_alerts(user, [alert_id], for_update)
    if not found:
        raise NotFound("alert_not_found", f"No alert {alert_id}.", "alert_id")
    return found[0]


def comments_of(alert_id: int) -> list[tuple[AlertComment, str]]:
    stmt = (
        select(AlertComment, User.username)
        .join(User, User.id == AlertComment.user_id)
        .where(AlertComment.alert_id == alert_id)
        .order_by(AlertComment.at, AlertComment.id)
    )
    return list(db.session.execute(stmt).tuples())


def trail_of(alert_id: int) -> list[AuditEntry]:
    """The alert's audit entries in time order (ties by insertion)."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == "alert", AuditEntry.subject_id == str(alert_id))
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return list(db.session.scalars(stmt))


def rule_counts(user: User, since: datetime | None, until: datetime | None) -> dict[str, Counter]:
    """Per rule code, how many of the caller's alerts are in each status (occurred in [since, until))."""
    conds = [in_scope(user)]
    if since is not None:
        conds.append(Alert.occurred_at >= since)
    if until is not None:
        conds.append(Alert.occurred_at < until)
    stmt = (
        select(Alert.rule_code, Alert.status, func.count())
        .where(*conds)
        .group_by(Alert.rule_code, Alert.status)
    )
    out: dict[str, Counter] = {}
    for code, status, n in db.session.execute(stmt):
        out.setdefault(code, Counter())[status] += n
    return out
