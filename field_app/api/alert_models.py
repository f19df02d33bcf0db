"""Request and response shapes of the alert review API (疑点确认), and the alert serialisers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from field_app import i18n
from field_app.api.parsing import Instant
from field_app.api.responses import Out, PresenceOut
from field_app.api.schemas import StrictModel
from field_app.i18n.web import request_language
from field_app.models import Alert, AlertComment, AuditEntry, Visit
from field_app.rules import get_rule
from field_app.rules.explain import alert_message, explanation
from field_app.services.presence import visit_presence
from field_app.services.review import ACTIONS, state_of
from field_app.timeutil import isoformat

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Status = Literal["open", "in_review", "confirmed", "dismissed", "escalated", "cleared"]
Severity = Literal["low", "medium", "high", "critical"]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class ReviewIn(StrictModel):
    action: Literal[ACTIONS] = Field(
        description="start | propose_confirm | confirm | dismiss | escalate | reopen"
    )
    reason: Reason = Field(description="Why: required on every step, kept in the audit trail")


class CommentIn(StrictModel):
    text: Reason


class BulkDismissIn(StrictModel):
    alert_ids: list[Id] = Field(min_length=1, max_length=500)
    reason: Reason


class AlertQuery(StrictModel):
    """Query parameters of the review queue; repeat ``status`` / ``severity`` for several values."""

    status: list[Status] = []
    severity: list[Severity] = []
    rule: str | None = Field(None, min_length=1, max_length=8, description="Rule code, e.g. F01")
    outcome: Literal["hit", "not_applicable"] | None = None
    agency_id: Id | None = None
    caregiver_id: Id | None = None
    client_id: Id | None = None
    occurred_from: Instant | None = Field(None, description="occurred_at >= this (ISO 8601 with offset)")
    occurred_to: Instant | None = Field(None, description="occurred_at < this")
    sort: Literal["risk", "newest", "oldest"] = "risk"
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=200)


class PeriodQuery(StrictModel):
    occurred_from: Instant | None = None
    occurred_to: Instant | None = None


class ReviewFieldsOut(Out):
    state: str  #: status, or pending_second_review after a first review proposing confirmation
    first_reviewer_id: int | None
    first_review_outcome: str | None
    first_reviewed_at: str | None
    decided_by_id: int | None
    decided_at: str | None
    decision_reason: str | None


class AlertOut(Out):
    """An alert (疑点) with its evidence and review state."""

    id: int
    rule_code: str
    rule_name: str | None
    title_en: str | None
    title_zh: str | None
    title: str | None  #: in the request's language (Accept-Language)
    severity: str
    score: int
    outcome: str
    status: str
    message: str  #: the finding in the request's language; the code never changes
    evidence: dict[str, Any]
    subject_type: str
    subject_key: str
    agency_id: int | None
    caregiver_id: int | None
    client_id: int | None
    occurred_at: str | None
    first_seen_at: str
    last_seen_at: str
    visit_ids: list[str]
    review: ReviewFieldsOut


class AlertPageOut(Out):
    items: list[AlertOut]
    total: int
    page: int
    per_page: int


class AlertVisitOut(Out):
    visit_id: str
    caregiver_id: int
    client_id: int
    state: str
    verification_status: str
    check_in_at: str
    check_out_at: str | None
    presence: PresenceOut | None = None  #: the presence decision of the visit's end (在场判定)


class CommentOut(Out):
    id: int
    user_id: int
    username: str
    at: str
    text: str


class TrailEntryOut(Out):
    """One audit entry about the alert: who, when, from which state to which, and why."""

    at: str
    actor: str
    action: str
    from_: str | None = Field(alias="from")
    to: str | None
    reason: str | None


class ExplanationOut(Out):
    """The rule's reasons, in the request's language: why it matters, and what honest case looks alike."""

    why: str | None = None
    look_alike: str | None = None


class AlertDetailOut(AlertOut):
    explanation: ExplanationOut
    visits: list[AlertVisitOut]
    comments: list[CommentOut]
    trail: list[TrailEntryOut]


class BulkDismissOut(Out):
    dismissed: list[int]


class RuleStatOut(Out):
    rule_code: str
    rule_name: str | None
    title_zh: str | None
    total: int
    open: int
    in_review: int
    confirmed: int
    dismissed: int
    escalated: int
    cleared: int
    fp_rate: float | None  #: dismissed / (confirmed + dismissed); None with no decided alerts


class RuleStatsOut(Out):
    rules: list[RuleStatOut]


def rule_names(code: str, lang: str = i18n.DEFAULT) -> dict[str, str | None]:
    try:
        rule = get_rule(code)
    except KeyError:  # a rule retired since the alert was raised
        return {"rule_name": None, "title_en": None, "title_zh": None, "title": None}
    title = rule.title_zh if lang == "zh" else rule.title_en
    return {"rule_name": rule.name, "title_en": rule.title_en, "title_zh": rule.title_zh, "title": title}


def rule_explanation(code: str, lang: str) -> dict[str, str]:
    """Why the rule matters and its legitimate look-alike, from its docstring (English) or the catalogue."""
    try:
        return explanation(lang, code, get_rule(code).doc)
    except KeyError:
        return {}


def alert_json(a: Alert, visit_uuids: list[str]) -> dict[str, Any]:
    lang = request_language()
    review = {
        "state": state_of(a),
        "first_reviewer_id": a.first_reviewer_id,
        "first_review_outcome": a.first_review_outcome,
        "first_reviewed_at": isoformat(a.first_reviewed_at),
        "decided_by_id": a.decided_by_id,
        "decided_at": isoformat(a.decided_at),
        "decision_reason": a.decision_reason,
    }
    return {
        "id": a.id,
        "rule_code": a.rule_code,
        **rule_names(a.rule_code, lang),
        "severity": a.severity,
        "score": a.score,
        "outcome": a.outcome,
        "status": a.status,
        "message": alert_message(lang, a),
        "evidence": dict(a.evidence or {}),
        "subject_type": a.subject_type,
        "subject_key": a.subject_key,
        "agency_id": a.agency_id,
        "caregiver_id": a.caregiver_id,
        "client_id": a.client_id,
        "occurred_at": isoformat(a.occurred_at),
        "first_seen_at": isoformat(a.first_seen_at),
        "last_seen_at": isoformat(a.last_seen_at),
        "visit_ids": visit_uuids,
        "review": review,
    }


def visit_summary(v: Visit) -> dict[str, Any]:
    return {
        "visit_id": v.uuid,
        "caregiver_id": v.caregiver_id,
        "client_id": v.client_id,
        "state": v.state,
        "verification_status": v.verification_status,
        "check_in_at": isoformat(v.check_in_at),
        "check_out_at": isoformat(v.check_out_at),
        "presence": visit_presence(v),
    }


def comment_json(c: AlertComment, username: str) -> dict[str, Any]:
    return {"id": c.id, "user_id": c.user_id, "username": username, "at": isoformat(c.at), "text": c.text}


def trail_json(e: AuditEntry) -> dict[str, Any]:
    d = e.details or {}
    return {
        "at": isoformat(e.at),
        "actor": e.actor,
        "action": e.action,
        "from": d.get("from"),
        "to": d.get("to"),
        "reason": d.get("reason"),
    }
