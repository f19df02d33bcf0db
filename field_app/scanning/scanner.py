"""The scanner: evaluate the rule library over visits and keep the alerts in step (24 hours a day).

A scan picks target visits (incremental: changed since the watermark, plus visits touched by late
registry data; full: a date range), walks them in chunks ordered by (caregiver, visit) and commits
after each chunk with a cursor, so a scan killed half-way is resumed by the next one, with alerts
idempotent either way. Population-wide rules run once at the end over the targets' days.

A run is "running" while a scanner works on it (or after that scanner died), "interrupted" when it was
asked to stop (the scheduler got SIGTERM) and stopped after a committed chunk, and "done" at the end.
The next scan of the same kind resumes a running or interrupted run from its cursor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from field_app.extensions import db
from field_app.metrics import ALERTS_RAISED
from field_app.models import ScanRun
from field_app.rules.base import Finding
from field_app.scanning import targets as tg
from field_app.scanning.alerts import UpsertCounts, clear_explained_groups, clear_missing, upsert_findings
from field_app.scanning.context import build_chunk, build_population, local_days
from field_app.scanning.evaluate import (
    Outcome,
    RuleSet,
    evaluate_groups,
    evaluate_population,
    evaluate_visits,
)

#: changes committed a little after the previous scan started are still picked up
WATERMARK_OVERLAP = timedelta(minutes=2)
INCREMENTAL, FULL, MANUAL, OPEN_VISITS = "incremental", "full", "manual", "open_visits"
RUNNING, INTERRUPTED, DONE = "running", "interrupted", "done"
#: open visits younger than this are not worth a look by the never-checked-out check
OPEN_VISIT_MIN_AGE = timedelta(hours=1)


@dataclass
class ScanSettings:
    tz: str = "Asia/Shanghai"
    context_days: int = 30
    chunk_size: int = 500
    first_scan_days: int = 7  #: how far back the very first incremental scan looks


@dataclass
class DryRun:
    """What a rule would raise, without writing anything."""

    findings: list[Finding] = field(default_factory=list)
    visits: int = 0
    errors: list[dict] = field(default_factory=list)


def _last_watermark(now: datetime, settings: ScanSettings) -> datetime:
    stmt = (
        select(ScanRun.watermark)
        .where(ScanRun.kind == INCREMENTAL, ScanRun.status == DONE)
        .order_by(ScanRun.watermark.desc())
        .limit(1)
    )
    return db.session.scalar(stmt) or now - timedelta(days=settings.first_scan_days)


def _interrupted(kind: str) -> ScanRun | None:
    """A run of this kind that died or was stopped half-way (we hold the lock: nobody else runs it)."""
    stmt = (
        select(ScanRun)
        .where(ScanRun.kind == kind, ScanRun.status.in_((RUNNING, INTERRUPTED)))
        .order_by(ScanRun.id.desc())
    )
    return db.session.scalars(stmt).first()


def _target_ids(run: ScanRun, now: datetime) -> set[int]:
    if run.kind == INCREMENTAL:
        since = run.since - WATERMARK_OVERLAP
        return tg.changed_visit_ids(since, run.watermark) | tg.registry_visit_ids(since, run.watermark, now)
    if run.kind == OPEN_VISITS:
        return tg.open_visit_ids(run.until - OPEN_VISIT_MIN_AGE)
    return tg.range_visit_ids(run.since, run.until)


def start_run(
    kind: str,
    now: datetime,
    settings: ScanSettings,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ScanRun:
    """Resume an interrupted run of this kind, or start a new one. Commits."""
    run = _interrupted(kind)
    if run is not None and run.status == INTERRUPTED:
        run.status = RUNNING
        db.session.commit()
    if run is None:
        if kind == INCREMENTAL:
            since, until = _last_watermark(now, settings), now
        run = ScanRun(
            kind=kind,
            since=since,
            until=until,
            watermark=until,
            started_at=now,
            errors=[],
            visits_scanned=0,
            findings=0,
            alerts_created=0,
            alerts_updated=0,
            points_scanned=0,
        )
        db.session.add(run)
        db.session.commit()
    return run


def _remaining(run: ScanRun, now: datetime) -> list[tuple[int, int]]:
    ordered = tg.ordered_targets(_target_ids(run, now))
    cursor = run.cursor or {}
    if "visit_id" in cursor:
        after = (cursor["caregiver_id"], cursor["visit_id"])
        ordered = [t for t in ordered if t > after]
    return ordered


def _write(outcome: Outcome, rules: RuleSet, run: ScanRun, now: datetime, clear_visit_scope: bool) -> None:
    counts = UpsertCounts()
    for rule in rules.rules:
        found = outcome.findings.get(rule.code, [])
        before = counts.created
        upsert_findings(rule, found, rules.params[rule.code], now, counts)
        if counts.created > before:
            ALERTS_RAISED.labels(rule.code).inc(counts.created - before)
        if clear_visit_scope and rule.scope == "visit":
            clear_missing(rule, outcome.scanned.get(rule.code, []), {x.subject_key for x in found}, counts)
        elif rule.scope != "visit":  # caregiver, client, population: cleared by the visits they saw
            clear_explained_groups(rule, outcome.seen_visits.get(rule.code, set()), found, counts)
    run.findings += outcome.count()
    run.alerts_created += counts.created
    run.alerts_updated += counts.updated + counts.cleared
    run.errors = [*run.errors, *outcome.errors][:50]


def _walk(ordered: list[tuple[int, int]], rules: RuleSet, now: datetime, settings: ScanSettings):
    """Evaluate the visit, caregiver and client scopes chunk by chunk: yields (part, chunk, outcome)."""
    for start in range(0, len(ordered), settings.chunk_size):
        part = ordered[start : start + settings.chunk_size]
        chunk = build_chunk([vid for _, vid in part], now, settings.tz, settings.context_days)
        outcome = Outcome()
        evaluate_visits(rules, chunk.targets, chunk.ctx, outcome)
        evaluate_groups(rules, "caregiver", chunk.caregiver_window, chunk.ctx, outcome)
        evaluate_groups(rules, "client", chunk.client_window, chunk.ctx, outcome)
        yield part, chunk, outcome


def _population(rules: RuleSet, days: set[date], now: datetime, settings: ScanSettings) -> Outcome:
    outcome = Outcome()
    if days and rules.of_scope("population"):
        visits, ctx = build_population(days, now, settings.tz)
        evaluate_population(rules, visits, ctx, outcome)
    return outcome


def run_scan(
    run: ScanRun,
    rules: RuleSet,
    now: datetime,
    settings: ScanSettings,
    progress: Callable[[int, int], None] | None = None,
    heartbeat: Callable[[], bool] | None = None,
    stop: Callable[[], bool] | None = None,
) -> ScanRun:
    """Scan the run's targets chunk by chunk, committing a cursor after each; then the population rules.

    ``progress(done, total)`` is told after each chunk. Between chunks, ``heartbeat`` is called (the
    scheduler renews its lock there; False means we lost it: stop and leave the run as it is) and then
    ``stop`` (True: the process is asked to stop; the run is marked interrupted, to be resumed).
    """
    days = {date.fromisoformat(d) for d in (run.cursor or {}).get("days", [])}
    remaining = _remaining(run, now)
    for part, chunk, outcome in _walk(remaining, rules, now, settings):
        _write(outcome, rules, run, now, clear_visit_scope=True)
        days |= local_days(chunk.targets, settings.tz)
        run.visits_scanned += len(part)
        run.points_scanned += chunk.points
        run.cursor = {"caregiver_id": part[-1][0], "visit_id": part[-1][1], "days": sorted(map(str, days))}
        db.session.commit()
        if progress:
            progress(len(part), len(remaining))
        if heartbeat and not heartbeat():
            return run
        if stop and stop():
            run.status = INTERRUPTED
            db.session.commit()
            return run
    _write(_population(rules, days, now, settings), rules, run, now, clear_visit_scope=False)
    run.status, run.finished_at = DONE, now
    db.session.commit()
    return run


def dry_run(
    rules: RuleSet, since: datetime, until: datetime, now: datetime, settings: ScanSettings
) -> DryRun:
    """Evaluate rules over a date range and return their findings; nothing is written."""
    result = DryRun()
    ordered = tg.ordered_targets(tg.range_visit_ids(since, until))
    days: set[date] = set()
    outcomes = []
    for _, chunk, outcome in _walk(ordered, rules, now, settings):
        days |= local_days(chunk.targets, settings.tz)
        outcomes.append(outcome)
    outcomes.append(_population(rules, days, now, settings))
    for outcome in outcomes:
        result.findings.extend(x for found in outcome.findings.values() for x in found)
        result.errors.extend(outcome.errors)
    result.visits = len(ordered)
    return result
