"""A visit by a caregiver the client's care plan does not assign (非指定护理员).

Flags: a visit whose caregiver is neither the primary caregiver nor a substitute of the client's care
plan. Plans without assigned caregivers (made before assignments existed) are not judged.
Why: the plan names who cares for the client (qualification, continuity, the client's consent); an
unassigned caregiver is either an unvetted substitute or someone checking in on another's behalf.
Legitimate look-alike: an emergency substitute sent by the agency before the plan was updated: the
agency adds the substitute to the plan (a new version) and the alert is explained; a visit the agency
re-assigned on the schedule names a caregiver of the plan, so it is quiet.
Thresholds: none.
Severity: medium, score 25.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import visit_finding


def evaluate(visit, ctx, params):
    client = ctx.clients.get(visit.client_id)
    plan = client.care_plan if client else None
    if plan is None or not plan.caregiver_ids or visit.caregiver_id in plan.caregiver_ids:
        return
    yield visit_finding(
        visit,
        f"Caregiver {visit.caregiver_id} is not assigned to client {visit.client_id}'s care plan.",
        {"caregiver_id": visit.caregiver_id, "assigned_caregiver_ids": sorted(plan.caregiver_ids)},
    )


RULE = Rule(
    code="S03",
    name="caregiver_not_assigned",
    title_en="Caregiver not assigned to the plan",
    title_zh="非护理计划指定护理员",
    severity="medium",
    score=25,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
