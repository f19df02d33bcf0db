"""Visit after the client's disability grade lapsed (失能等级失效后仍有服务).

Flags: a visit whose local check-in date is on or after the client's ``grade_lapsed_on``: the first
day without a valid disability grade after a re-assessment found the client no longer severely
disabled (or the re-assessment was missed).
Why: only clients with a valid severe-disability grade are entitled to LTC services; visits after
the lapse are not payable, and agencies keep billing them until someone compares the lists.
Legitimate look-alike: a client whose re-assessment is under appeal, or whose new grade is being
entered: the agency may keep caring in good faith; the evidence gives the lapse date and how many
days after it the visit was, so a supervisor can check the assessment file.
Thresholds: none.
Severity: high, score 40.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import day_on_or_after, visit_finding


def evaluate(visit, ctx, params):
    client = ctx.clients.get(visit.client_id)
    found = day_on_or_after(visit, client.grade_lapsed_on if client else None, ctx.timezone)
    if found is None:
        return
    day, days_after = found
    yield visit_finding(
        visit,
        f"Visit on {day} is {days_after} day(s) after client {client.id}'s disability grade lapsed "
        f"on {client.grade_lapsed_on}.",
        {
            "date": day.isoformat(),
            "grade_lapsed_on": client.grade_lapsed_on.isoformat(),
            "days_after_lapse": days_after,
            "grade": client.grade,
        },
    )


RULE = Rule(
    code="R04",
    name="client_grade_lapsed",
    title_en="Client's disability grade lapsed",
    title_zh="失能等级失效后仍有服务",
    severity="high",
    score=40,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
