"""The review console's API (疑点确认): the alert queue, one alert's evidence and history, review steps.

Who may do what: supervisors of an alert's agency read, comment and take every review step; auditors
(稽核人员) of the agency read and comment, but never decide (a review step answers them 403); admins
read every agency's alerts and take no part in the review. Alerts outside the caller's agencies answer
404 exactly like missing ones. The audit trail is append-only: no endpoint edits or deletes it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from field_app.api.alert_models import (
    AlertDetailOut,
    AlertOut,
    AlertPageOut,
    AlertQuery,
    BulkDismissIn,
    BulkDismissOut,
    CommentIn,
    CommentOut,
    PeriodQuery,
    ReviewIn,
    RuleStatsOut,
    alert_json,
    comment_json,
    rule_explanation,
    rule_names,
    trail_json,
    visit_summary,
)
from field_app.api.openapi import documented
from field_app.api.parsing import parse_body, parse_query
from field_app.i18n.web import request_language
from field_app.models.user import ADMIN, AUDITOR, SUPERVISOR
from field_app.security import current_user, require
from field_app.services import review
from field_app.services.alert_queries import (
    AlertFilter,
    comments_of,
    is_partial,
    list_alerts,
    part_of,
    rule_counts,
    trail_of,
    visible_alert,
)
from field_app.timeutil import now_utc

bp = Blueprint("alerts", __name__)


@bp.get("/alerts")
@require(SUPERVISOR, AUDITOR, ADMIN)
@documented(
    "The alert queue (疑点), filtered, sorted by risk or time, paginated",
    responses={200: AlertPageOut},
    tag="review",
    query=AlertQuery,
)
def get_alerts():
    """Query: status and severity (repeatable), rule, outcome, agency_id, caregiver_id, client_id,
    occurred_from / occurred_to (ISO 8601 with offset), sort = risk | newest | oldest, page, per_page (≤ 200)."""
    q = parse_query(AlertQuery)
    flt = AlertFilter(
        tuple(q.status),
        tuple(q.severity),
        q.rule,
        q.outcome,
        q.agency_id,
        q.caregiver_id,
        q.client_id,
        q.occurred_from,
        q.occurred_to,
    )
    rows, total = list_alerts(current_user(), flt, q.sort, q.page, q.per_page)
    return jsonify(
        {
            "items": [_item(a, uuids) for a, uuids in rows],
            "total": total,
            "page": q.page,
            "per_page": q.per_page,
        }
    )


def _item(alert, uuids: list[str]) -> dict:
    """A queue row; a cross-agency alert shows an agency's staff only their part."""
    if not is_partial(current_user(), alert):
        return alert_json(alert, uuids)
    visits, evidence = part_of(current_user(), alert)
    return {**alert_json(alert, [v.uuid for v in visits]), "evidence": evidence}


def _detail(alert) -> dict:
    visits, evidence = part_of(current_user(), alert)
    return {
        **alert_json(alert, [v.uuid for v in visits]),
        "evidence": evidence,
        "explanation": rule_explanation(alert.rule_code, request_language()),
        "visits": [visit_summary(v) for v in visits],
        "comments": [comment_json(c, name) for c, name in comments_of(alert.id)],
        "trail": [trail_json(e) for e in trail_of(alert.id)],
    }


@bp.get("/alerts/<int:alert_id>")
@require(SUPERVISOR, AUDITOR, ADMIN)
@documented(
    "An alert with its evidence, visits, comments and audit trail",
    responses={200: AlertDetailOut},
    errors=("alert_not_found",),
    tag="review",
)
def get_alert(alert_id: int):
    return jsonify(_detail(visible_alert(current_user(), alert_id)))


@bp.post("/alerts/<int:alert_id>/review")
@require(SUPERVISOR, ADMIN)
@documented(
    "Take one review step, with a reason (an agency's supervisors; the bureau for cross-agency alerts)",
    body=ReviewIn,
    responses={200: AlertOut},
    errors=(
        "alert_not_found",
        "invalid_transition",
        "second_reviewer_required",
        "bureau_decides",
        "agency_decides",
    ),
    tag="review",
)
def review_alert(alert_id: int):
    """open -start-> in_review -propose_confirm-> pending_second_review -confirm (another person)-> confirmed;
    dismiss and escalate from any undecided state; reopen from dismissed, confirmed or escalated. 409
    invalid_transition for any other step, 409 second_reviewer_required when the first reviewer confirms.
    An agency's alert is decided by its supervisors; an alert spanning agencies by the bureau (admin):
    403 bureau_decides / agency_decides otherwise."""
    body = parse_body(ReviewIn)
    alert = visible_alert(current_user(), alert_id, for_update=True)
    review.review(alert, current_user(), body.action, body.reason, now_utc())
    return jsonify(alert_json(alert, [v.uuid for v in alert.visits]))


@bp.post("/alerts/<int:alert_id>/comments")
@require(SUPERVISOR, AUDITOR)
@documented(
    "Comment on an alert (supervisors and auditors)",
    body=CommentIn,
    responses={201: CommentOut},
    errors=("alert_not_found",),
    tag="review",
)
def comment_alert(alert_id: int):
    body = parse_body(CommentIn)
    alert = visible_alert(current_user(), alert_id)
    comment = review.add_comment(alert, current_user(), body.text, now_utc())
    return jsonify(comment_json(comment, current_user().username)), 201


@bp.post("/alerts/bulk-dismiss")
@require(SUPERVISOR)
@documented(
    "Dismiss up to 500 alerts as false positives, all or none (supervisors)",
    body=BulkDismissIn,
    responses={200: BulkDismissOut},
    errors=("alert_not_found", "invalid_transition", "bureau_decides"),
    tag="review",
)
def bulk_dismiss():
    """404 names the ids the caller cannot see, 409 the ones already decided; either way nothing changes."""
    body = parse_body(BulkDismissIn)
    done = review.bulk_dismiss(current_user(), body.alert_ids, body.reason, now_utc())
    return jsonify({"dismissed": [a.id for a in done]})


def _rule_stat(code: str, counts) -> dict:
    decided = counts["confirmed"] + counts["dismissed"]
    names = rule_names(code)
    return {
        "rule_code": code,
        "rule_name": names["rule_name"],
        "title_zh": names["title_zh"],
        "total": sum(counts.values()),
        **{s: counts[s] for s in ("open", "in_review", "confirmed", "dismissed", "escalated", "cleared")},
        "fp_rate": round(counts["dismissed"] / decided, 4) if decided else None,
    }


@bp.get("/alerts/stats/rules")
@require(SUPERVISOR, AUDITOR, ADMIN)
@documented(
    "Per rule: alerts by review outcome and the false-positive rate",
    responses={200: RuleStatsOut},
    tag="review",
    query=PeriodQuery,
)
def rule_stats():
    """fp_rate = dismissed / (confirmed + dismissed), null while no alert of the rule is decided. Query:
    occurred_from / occurred_to (ISO 8601 with offset) narrow it to alerts that occurred in that period."""
    q = parse_query(PeriodQuery)
    counts = rule_counts(current_user(), q.occurred_from, q.occurred_to)
    return jsonify({"rules": [_rule_stat(code, counts[code]) for code in sorted(counts)]})
