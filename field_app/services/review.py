"""The review workflow of an alert (疑点确认): every step has a reason and leaves an audit entry.

States and actions (who: supervisors of the alert's agency; auditors read and comment only, admins read)::

    open ──start──> in_review ──propose_confirm──> pending_second_review ──confirm──> confirmed
    open | in_review | pending_second_review ──dismiss──> dismissed
    open | in_review | pending_second_review ──escalate──> escalated
    dismissed | confirmed | escalated ──reopen──> open

``pending_second_review`` is stored as status ``in_review`` with ``first_review_outcome = "confirm"``:
a confirmation cuts an agency's pay, so it needs two people (四眼原则); the second reviewer must not
be the first. A dismissal keeps the evidence hash, so a re-scan with the same evidence stays dismissed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from field_app.errors import Conflict, DomainError, Forbidden, NotFound
from field_app.extensions import db
from field_app.models import Alert, AlertComment, AuditEntry, User
from field_app.models.alert import (
    ALERT_CONFIRMED,
    ALERT_DISMISSED,
    ALERT_ESCALATED,
    ALERT_IN_REVIEW,
    ALERT_OPEN,
)
from field_app.models.user import SUPERVISOR
from field_app.services import audit
from field_app.services.alert_queries import visible_alerts

PENDING = "pending_second_review"
ACTIONS = ("start", "propose_confirm", "confirm", "dismiss", "escalate", "reopen")
#: where each action leads, for error messages naming the refused transition
TARGET = {
    "start": ALERT_IN_REVIEW,
    "propose_confirm": PENDING,
    "confirm": ALERT_CONFIRMED,
    "dismiss": ALERT_DISMISSED,
    "escalate": ALERT_ESCALATED,
    "reopen": ALERT_OPEN,
}
UNDECIDED = (ALERT_OPEN, ALERT_IN_REVIEW, PENDING)
ALLOWED = {
    "start": (ALERT_OPEN,),
    "propose_confirm": (ALERT_IN_REVIEW,),
    "confirm": (PENDING,),
    "dismiss": UNDECIDED,
    "escalate": UNDECIDED,
    "reopen": (ALERT_DISMISSED, ALERT_CONFIRMED, ALERT_ESCALATED),
}
MAX_BULK = 500


def state_of(alert: Alert) -> str:
    """The workflow state: the stored status, or ``pending_second_review`` after a first review."""
    if alert.status == ALERT_IN_REVIEW and alert.first_review_outcome == "confirm":
        return PENDING
    return alert.status


def _decide(alert: Alert, user: User, reason: str, now: datetime) -> None:
    alert.decided_by_id, alert.decided_at, alert.decision_reason = user.id, now, reason


def _propose(alert: Alert, user: User, reason: str, now: datetime) -> None:
    alert.first_reviewer_id, alert.first_review_outcome, alert.first_reviewed_at = user.id, "confirm", now


def _confirm(alert: Alert, user: User, reason: str, now: datetime) -> None:
    if alert.first_reviewer_id == user.id:
        raise Conflict(
            "second_reviewer_required",
            "A confirmation needs a second reviewer: you made the first review of this alert.",
            "action",
        )
    _decide(alert, user, reason, now)


def _dismiss(alert: Alert, user: User, reason: str, now: datetime) -> None:
    _decide(alert, user, reason, now)
    alert.dismissed_evidence_hash = alert.evidence_hash  # the scanner re-opens only on new evidence


def _reopen(alert: Alert, user: User, reason: str, now: datetime) -> None:
    # A fresh review starts from scratch; the audit trail keeps the earlier one.
    alert.first_reviewer_id = alert.first_review_outcome = alert.first_reviewed_at = None
    alert.decided_by_id = alert.decided_at = alert.decision_reason = None
    alert.dismissed_evidence_hash = None


APPLY: dict[str, Callable[[Alert, User, str, datetime], None]] = {
    "start": lambda *_: None,
    "propose_confirm": _propose,
    "confirm": _confirm,
    "dismiss": _dismiss,
    "escalate": _decide,
    "reopen": _reopen,
}


#: the bureau (医保局) decides alerts that span agencies ("reviewer": helper m's bureau reviewer)
BUREAU = ("admin", "reviewer")


def _check_decider(alert: Alert, user: User) -> None:
    """An agency's alert is decided by its supervisors; one spanning agencies (no single agency) by
    the bureau, since neither agency may judge the other's visits."""
    if alert.agency_id is None and user.role not in BUREAU:
        raise Forbidden(
            "bureau_decides", f"Alert {alert.id} spans several agencies: the bureau decides it.", "alert_id"
        )
    if alert.agency_id is not None and user.role != SUPERVISOR and user.role != "reviewer":
        raise Forbidden(
            "agency_decides", f"Alert {alert.id} is decided by its agency's supervisors.", "alert_id"
        )


def refusal(alert: Alert, action: str) -> DomainError:
    source = state_of(alert)
    return Conflict(
        "invalid_transition",
        f"Alert {alert.id} cannot go from {source} to {TARGET[action]} ({action}).",
        "action",
    )


def review(alert: Alert, user: User, action: str, reason: str, now: datetime) -> AuditEntry:
    """Apply one review action to an alert the caller may act on; flushes, returns the audit entry."""
    _check_decider(alert, user)
    source = state_of(alert)
    if source not in ALLOWED[action]:
        raise refusal(alert, action)
    APPLY[action](alert, user, reason, now)
    target = TARGET[action]
    alert.status = ALERT_IN_REVIEW if target == PENDING else target
    entry = audit.record(
        f"user:{user.id}",
        f"alert.{action}",
        "alert",
        alert.id,
        **{"from": source, "to": target, "reason": reason},
    )
    entry.at = now
    db.session.flush()
    return entry


def bulk_dismiss(user: User, alert_ids: list[int], reason: str, now: datetime) -> list[Alert]:
    """Dismiss all of these alerts or none: each must be visible to the caller and still undecided."""
    wanted = sorted(set(alert_ids))
    found = {a.id: a for a in visible_alerts(user, wanted, for_update=True)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(
            "alert_not_found",
            f"No alerts {', '.join(map(str, missing))}; nothing was dismissed.",
            "alert_ids",
        )
    stuck = [a for a in found.values() if state_of(a) not in UNDECIDED]
    if stuck:
        named = ", ".join(f"{a.id} ({state_of(a)})" for a in stuck)
        raise Conflict(
            "invalid_transition",
            f"Alerts {named} cannot go to dismissed; nothing was dismissed.",
            "alert_ids",
        )
    for alert_id in wanted:
        review(found[alert_id], user, "dismiss", reason, now)
    return [found[i] for i in wanted]


def add_comment(alert: Alert, user: User, text: str, now: datetime) -> AlertComment:
    """Add a comment to an alert and audit it (with its text: the audit log cannot be rewritten)."""
    comment = AlertComment(alert_id=alert.id, user_id=user.id, at=now, text=text)
    db.session.add(comment)
    db.session.flush()
    entry = audit.record(
        f"user:{user.id}", "alert.comment", "alert", alert.id, comment_id=comment.id, text=text
    )
    entry.at = now
    db.session.flush()
    return comment
