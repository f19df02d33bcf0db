"""Spot checks (抽查): draw a reproducible sample of closed visits, record what checking found, export it."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import func, select

from field_app.errors import NotFound
from field_app.extensions import db
from field_app.models import (
    Agency,
    Alert,
    Caregiver,
    Client,
    SpotCheck,
    SpotCheckItem,
    User,
    Visit,
    alert_visits,
)
from field_app.models.alert import ALERT_CLEARED, ALERT_DISMISSED
from field_app.models.visit import CLOSED
from field_app.services import audit
from field_app.supervision import sampling
from field_app.supervision.periods import utc_bounds
from field_app.timeutil import isoformat

CSV_COLUMNS = (
    "position",
    "visit_id",
    "client_insured_id",
    "caregiver_code",
    "agency_code",
    "check_in",
    "check_out",
    "stratum",
    "outcome",
    "channel",
    "note",
    "checked_by",
    "checked_at",
)


def _population(body, agencies: list[int] | None, tz: str) -> dict[int, int]:
    """Closed visits checked in during the period (local days): visit id -> agency id."""
    start, end = utc_bounds(body.period_start, body.period_end, tz)
    stmt = select(Visit.id, Visit.agency_id).where(
        Visit.state == CLOSED, Visit.check_in_at >= start, Visit.check_in_at < end
    )
    if agencies is not None:
        stmt = stmt.where(Visit.agency_id.in_(agencies))
    return dict(db.session.execute(stmt).all())


def risk_weights(visit_ids: list[int]) -> dict[int, int]:
    """1 + the scores of a visit's standing alerts (those dismissed or cleared weigh nothing)."""
    weights = dict.fromkeys(visit_ids, 1)
    for chunk in (visit_ids[n : n + 500] for n in range(0, len(visit_ids), 500)):
        stmt = (
            select(alert_visits.c.visit_id, func.sum(Alert.score))
            .join(Alert, Alert.id == alert_visits.c.alert_id)
            .where(
                alert_visits.c.visit_id.in_(chunk),
                Alert.outcome == "hit",
                Alert.status.not_in((ALERT_DISMISSED, ALERT_CLEARED)),
            )
            .group_by(alert_visits.c.visit_id)
        )
        for visit_id, score in db.session.execute(stmt):
            weights[visit_id] += int(score or 0)
    return weights


def _draw(method: str, population: dict[int, int], size: int, seed: int) -> list[tuple[int, str | None]]:
    """(visit id, stratum) in sample order."""
    if method == "uniform":
        return [(v, None) for v in sampling.uniform(list(population), size, seed)]
    if method == "stratified":
        codes = dict(db.session.execute(select(Agency.id, Agency.code)).all())
        return sampling.stratified({v: codes[a] for v, a in population.items()}, size, seed)
    weights = risk_weights(sorted(population))
    return [(v, f"weight {weights[v]}") for v in sampling.weighted(weights, size, seed)]


def draw(user: User, body, agencies: list[int] | None, tz: str, now: datetime) -> SpotCheck:
    """Store a new spot check: the same period, method, size, seed and agencies on the same data give the
    same visits in the same order."""
    population = _population(body, agencies, tz)
    check = SpotCheck(
        created_by=user.id,
        created_at=now,
        period_start=body.period_start,
        period_end=body.period_end,
        method=body.method,
        seed=body.seed,
        size=body.size,
        params={"agency_ids": agencies, "population": len(population), "timezone": tz},
    )
    for position, (visit_id, stratum) in enumerate(_draw(body.method, population, body.size, body.seed), 1):
        check.items.append(SpotCheckItem(visit_id=visit_id, position=position, stratum=stratum))
    db.session.add(check)
    db.session.flush()
    audit.record(
        f"user:{user.id}",
        "spot_check.draw",
        "spot_check",
        check.id,
        method=body.method,
        size=body.size,
        seed=body.seed,
        drawn=len(check.items),
    )
    return check


def visible(user_scope: set[int] | None, check: SpotCheck) -> bool:
    """All-agency checks for all-agency users; otherwise every agency sampled must be in the caller's scope."""
    drawn_from = check.params.get("agency_ids")
    return user_scope is None or (drawn_from is not None and set(drawn_from) <= user_scope)


def record_outcome(user: User, item: SpotCheckItem, body, now: datetime) -> SpotCheckItem:
    """Record what checking with the client found; a correction is audited with the value it replaces."""
    before = {"outcome": item.outcome, "channel": item.channel}
    item.outcome, item.channel, item.note = body.outcome, body.channel, body.note
    item.checked_by, item.checked_at = user.id, now
    db.session.flush()
    audit.record(
        f"user:{user.id}",
        "spot_check.outcome",
        "spot_check_item",
        item.id,
        spot_check_id=item.spot_check_id,
        visit_id=item.visit_id,
        outcome=body.outcome,
        channel=body.channel,
        previous=before,
    )
    return item


def item_rows(check: SpotCheck) -> list[tuple[SpotCheckItem, Visit, Client, Caregiver, Agency]]:
    stmt = (
        select(SpotCheckItem, Visit, Client, Caregiver, Agency)
        .join(Visit, Visit.id == SpotCheckItem.visit_id)
        .join(Client, Client.id == Visit.client_id)
        .join(Caregiver, Caregiver.id == Visit.caregiver_id)
        .join(Agency, Agency.id == Visit.agency_id)
        .where(SpotCheckItem.spot_check_id == check.id)
        .order_by(SpotCheckItem.position)
    )
    return list(db.session.execute(stmt).tuples())


def item_or_404(check: SpotCheck, item_id: int) -> SpotCheckItem:
    item = db.session.get(SpotCheckItem, item_id)
    if item is None or item.spot_check_id != check.id:
        raise NotFound("spot_check_item_not_found", f"No item {item_id} in spot check {check.id}.", "item_id")
    return item


def export_csv(check: SpotCheck) -> str:
    """The sample as CSV, with a byte-order mark so that Excel reads the Chinese as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    rows = item_rows(check)
    checkers = {i.checked_by for i, *_ in rows if i.checked_by is not None}
    names = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(checkers))).all())
    for item, visit, client, caregiver, agency in rows:
        writer.writerow(
            (
                item.position,
                visit.uuid,
                client.insured_id,
                caregiver.code,
                agency.code,
                isoformat(visit.check_in_at),
                isoformat(visit.check_out_at),
                item.stratum or "",
                item.outcome,
                item.channel or "",
                item.note or "",
                names.get(item.checked_by, ""),
                isoformat(item.checked_at) or "",
            )
        )
    return "\ufeff" + buffer.getvalue()
