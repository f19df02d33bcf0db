"""A visit that matches no planned visit of a scheduled client (计划外服务 / unplanned visit).

Flags: a visit not linked to any planned visit when the client's care plan is scheduled (its visits
are planned). Clients without schedules are not judged.
Why: in a scheduled scheme every billable visit is planned; an unplanned one is extra billing unless
the agency added it to the schedule (which links it).
Legitimate look-alike: a make-up visit for a missed one, or a visit far from its planned time (more
than the matching window): the agency adds or moves the planned visit and the next scan is quiet.
Thresholds: none.
Severity: low, score 10.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import visit_finding


def evaluate(visit, ctx, params):
    client = ctx.clients.get(visit.client_id)
    plan = client.care_plan if client else None
    if plan is None or not plan.scheduled or visit.planned_visit_id is not None:
        return
    yield visit_finding(
        visit,
        f"Visit {visit.id} to client {visit.client_id} matches no planned visit.",
        {"client_id": visit.client_id, "caregiver_id": visit.caregiver_id},
    )


RULE = Rule(
    code="S04",
    name="unplanned_visit",
    title_en="Unplanned visit",
    title_zh="计划外服务",
    severity="low",
    score=10,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
