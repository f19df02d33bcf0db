"""Visit checked in but never checked out (有签到无签退).

Flags: an open visit (no check-out) whose check-in was more than ``max_open_hours`` before
``ctx.now`` and that has no check-out attempt with retries left (fewer than ``max_attempts``).
Why: a visit without a check-out has no verified end, so its duration and the items billed cannot be
checked; leaving visits open is also how a caregiver hides having left early.
Legitimate look-alike: a visit still in progress (checked in an hour ago) stays quiet, and a phone
that was offline uploads its check-out late, closing the visit before the limit (the alert is then
cleared). A check-out that was tried and failed the face check is not "never checked out": while a
retry is left the visit stays open for it, F01 has the face, and the retry re-judges the visit.
Thresholds: ``max_open_hours`` (12), ``max_attempts`` (3, ``FIELD_APP_FACE_MAX_ATTEMPTS``).
Severity: low, score 10 (usually a forgotten check-out; the review decides).
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import iso, visit_finding


def evaluate(visit, ctx, params):
    if not visit.is_open:
        return
    tried = len(visit.attempts_of("check_out"))
    if 0 < tried < params["max_attempts"]:
        return  # a check-out was attempted and may still be retried: not a missing check-out
    hours, limit = (ctx.now - visit.check_in_at).total_seconds() / 3600, params["max_open_hours"]
    if hours <= limit:
        return
    yield visit_finding(
        visit,
        f"The visit has been open for {hours:.1f} h since check-in without a check-out (limit {limit} h).",
        {
            "open_hours": round(hours, 1),
            "max_open_hours": limit,
            "check_in_at": iso(visit.check_in_at),
            "now": iso(ctx.now),
        },
    )


RULE = Rule(
    code="T04",
    name="visit_not_checked_out",
    title_en="Visit not checked out",
    title_zh="有签到无签退",
    severity="low",
    score=10,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_open_hours": 12, "max_attempts": 3},
)
