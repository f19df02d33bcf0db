"""Turn findings into alerts, idempotently: one alert per rule and subject, updated by re-scans."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from field_app.extensions import db
from field_app.models import Alert, Visit, VisitAttempt
from field_app.models.alert import ALERT_CLEARED, ALERT_DISMISSED, ALERT_OPEN, alert_visits
from field_app.rules.base import Finding, Rule

#: closed by a person: a re-scan updates their evidence but never changes their status on its own
REVIEWED = {"in_review", "confirmed", "escalated"}


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cleared: int = 0


def evidence_hash(finding: Finding) -> str:
    payload = json.dumps({"e": finding.evidence, "o": finding.outcome}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _existing(rule: Rule, keys: list[str]) -> dict[str, Alert]:
    out = {}
    for start in range(0, len(keys), 500):
        stmt = select(Alert).where(
            Alert.rule_code == rule.code, Alert.subject_key.in_(keys[start : start + 500])
        )
        out.update({a.subject_key: a for a in db.session.scalars(stmt)})
    return out


def _link_visits(alert: Alert, visit_ids: Iterable[int]) -> None:
    have = {v.id for v in alert.visits}
    for vid in sorted(set(visit_ids) - have):
        alert.visits.append(db.session.get(Visit, vid))


def _apply(alert: Alert, rule: Rule, finding: Finding, digest: str, params: Mapping[str, Any], now: datetime):
    alert.outcome, alert.message, alert.evidence = finding.outcome, finding.message, dict(finding.evidence)
    alert.evidence_hash, alert.params, alert.last_seen_at = digest, dict(params), now
    alert.severity, alert.score, alert.occurred_at = rule.severity, rule.score, finding.occurred_at
    alert.agency_id, alert.caregiver_id, alert.client_id = (
        finding.agency_id,
        finding.caregiver_id,
        finding.client_id,
    )
    _link_visits(alert, finding.visit_ids)


#: evidence keys holding internal visit / attempt ids; stored as the public ids the API resolves
VISIT_KEYS, VISIT_LISTS = {"visit_id", "matched_visit_id"}, {"visit_ids"}
ATTEMPT_KEYS, ATTEMPT_LISTS = {"attempt_id", "matched_attempt_id"}, {"attempt_ids", "skewed_attempt_ids"}


def with_public_ids(findings: list[Finding]) -> list[Finding]:
    """Findings whose evidence names visits by the phone's ``visit_id`` and attempts by their
    ``attempt_id`` instead of row ids: a reviewer can open them (``GET /visits/{visit_id}``). Rules
    stay pure and work on row ids; the translation happens once, here, where alerts are stored."""
    visit_ids, attempt_ids = set(), set()
    for finding in findings:
        _collect(finding.evidence, visit_ids, attempt_ids)
        for kind, number in _NAMED.findall(finding.message):
            (visit_ids if kind == "visit" else attempt_ids).add(int(number))
    if not visit_ids and not attempt_ids:
        return findings
    visits = _uuids(Visit, visit_ids)
    attempts = _uuids(VisitAttempt, attempt_ids)
    return [
        replace(
            x, evidence=_rewrite(x.evidence, visits, attempts), message=_rename(x.message, visits, attempts)
        )
        for x in findings
    ]


#: "attempt 47", "visit 58" in a rule's message: row ids, named again by their public ids
_NAMED = re.compile(r"\b(attempt|visit) (\d+)\b")


def _rename(message: str, visits: Mapping[int, str], attempts: Mapping[int, str]) -> str:
    def public(match: re.Match) -> str:
        table = visits if match.group(1) == "visit" else attempts
        return f"{match.group(1)} {table.get(int(match.group(2)), match.group(2))}"

    return _NAMED.sub(public, message)


def _collect(value, visit_ids: set, attempt_ids: set) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in VISIT_KEYS | VISIT_LISTS:
                visit_ids.update(
                    i for i in (item if isinstance(item, list) else [item]) if isinstance(i, int)
                )
            elif key in ATTEMPT_KEYS | ATTEMPT_LISTS:
                attempt_ids.update(
                    i for i in (item if isinstance(item, list) else [item]) if isinstance(i, int)
                )
            else:
                _collect(item, visit_ids, attempt_ids)
    elif isinstance(value, list):
        for item in value:
            _collect(item, visit_ids, attempt_ids)


def _rewrite(value, visits: Mapping[int, str], attempts: Mapping[int, str]):
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            table = (
                visits
                if key in VISIT_KEYS | VISIT_LISTS
                else attempts
                if key in ATTEMPT_KEYS | ATTEMPT_LISTS
                else None
            )
            if table is None:
                out[key] = _rewrite(item, visits, attempts)
            elif isinstance(item, list):
                out[key] = [table.get(i, i) for i in item]
            else:
                out[key] = table.get(item, item)
        return out
    if isinstance(value, list):
        return [_rewrite(item, visits, attempts) for item in value]
    return value


def _uuids(model, ids: set[int]) -> dict[int, str]:
    ordered, out = sorted(ids), {}
    for start in range(0, len(ordered), 500):
        stmt = select(model.id, model.uuid).where(model.id.in_(ordered[start : start + 500]))
        out.update({row_id: uuid for row_id, uuid in db.session.execute(stmt)})
    return out


def upsert_findings(
    rule: Rule, findings: list[Finding], params: Mapping[str, Any], now: datetime, counts: UpsertCounts
) -> None:
    """Create new alerts, update changed ones, re-open dismissed ones only on new evidence."""
    findings = with_public_ids(findings)
    existing = _existing(rule, [x.subject_key for x in findings])
    for finding in findings:
        digest = evidence_hash(finding)
        alert = existing.get(finding.subject_key)
        if alert is None:
            alert = Alert(
                rule_code=rule.code,
                subject_type=finding.subject_type,
                subject_key=finding.subject_key,
                status=ALERT_OPEN,
                first_seen_at=now,
            )
            _apply(alert, rule, finding, digest, params, now)
            db.session.add(alert)
            existing[finding.subject_key] = alert
            counts.created += 1
            continue
        if alert.evidence_hash == digest and alert.status != ALERT_CLEARED:
            alert.last_seen_at = now
            counts.unchanged += 1
            continue
        _apply(alert, rule, finding, digest, params, now)
        if alert.status == ALERT_CLEARED or (
            alert.status == ALERT_DISMISSED and digest != alert.dismissed_evidence_hash
        ):
            alert.status = ALERT_OPEN  # new evidence after a dismissal deserves a fresh look
        counts.updated += 1
    db.session.flush()


def clear_missing(rule: Rule, scanned_keys: list[str], found_keys: set[str], counts: UpsertCounts) -> None:
    """Open alerts of scanned subjects that the rule no longer finds (late data explained them) are cleared."""
    for alert in _existing(rule, [k for k in scanned_keys if k not in found_keys]).values():
        if alert.status == ALERT_OPEN:
            alert.status = ALERT_CLEARED
            counts.cleared += 1


def clear_explained_groups(rule: Rule, seen: set[int], findings: list[Finding], counts: UpsertCounts) -> None:
    """Open alerts of a caregiver, client or population rule that late data explained are cleared.

    Their subject keys (``caregiver_day:...``, ``device_day:...``) are not listed up front as a
    visit's are, so the test is by visits: the rule was just shown every visit the alert is about and
    no finding of it names the alert's subject or any of those visits. An alert whose visits were not
    all in this pass (another window) is left alone; one whose visits still show a pattern under a
    new key (a window-dependent key) stays open because a finding still names its visits."""
    if not seen:
        return
    keys = {x.subject_key for x in findings}
    named = {vid for x in findings for vid in x.visit_ids}
    for alert in _open_alerts_touching(rule, seen):
        visit_ids = {v.id for v in alert.visits}
        if alert.subject_key in keys or not visit_ids or not visit_ids <= seen or visit_ids & named:
            continue
        alert.status = ALERT_CLEARED
        counts.cleared += 1


def _open_alerts_touching(rule: Rule, visit_ids: set[int]) -> list[Alert]:
    ids = sorted(visit_ids)
    found: dict[int, Alert] = {}
    for start in range(0, len(ids), 500):
        stmt = (
            select(Alert)
            .join(alert_visits, alert_visits.c.alert_id == Alert.id)
            .where(
                Alert.rule_code == rule.code,
                Alert.status == ALERT_OPEN,
                alert_visits.c.visit_id.in_(ids[start : start + 500]),
            )
        )
        found.update({a.id: a for a in db.session.scalars(stmt)})
    return list(found.values())
