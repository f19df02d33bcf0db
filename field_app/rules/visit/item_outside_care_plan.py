"""Service item outside the client's care plan (超出护理计划的服务项目).

Flags: a performed item whose code is not in the client's care plan, or not in the catalogue at all,
or any item when the client has no care plan. An unknown client yields NOT_APPLICABLE.
Why: the fund pays only for items the assessment authorised (护理计划); extra items, especially
better-paid medical ones, inflate the bill.
Legitimate look-alike: items in the plan, including medical items a nurse is authorised to do for
this client, and a visit with no items, stay quiet.
Thresholds: none.
Severity: medium, score 25.
"""

from __future__ import annotations

from field_app.rules.base import NOT_APPLICABLE, Rule
from field_app.rules.support import visit_finding

REASONS = {
    "not_in_catalogue": "not in the catalogue",
    "no_care_plan": "billed without a care plan",
    "not_in_care_plan": "not in the client's care plan",
}


def _reason(code, plan, catalogue):
    if code not in catalogue:
        return "not_in_catalogue"
    if plan is None:
        return "no_care_plan"
    return None if code in plan.item_codes else "not_in_care_plan"


def evaluate(visit, ctx, params):
    if not visit.items:
        return
    client = ctx.clients.get(visit.client_id)
    if client is None:
        yield visit_finding(
            visit,
            f"Client {visit.client_id} is unknown, so the items cannot be checked against a care plan.",
            {"client_id": visit.client_id},
            outcome=NOT_APPLICABLE,
        )
        return
    bad = [(i, r) for i in visit.items if (r := _reason(i.code, client.care_plan, ctx.catalogue))]
    if not bad:
        return
    by_reason = {}
    for item, reason in bad:
        by_reason.setdefault(reason, []).append(item.code)
    yield visit_finding(
        visit,
        "Items " + "; ".join(f"{', '.join(codes)} {REASONS[r]}" for r, codes in by_reason.items()) + ".",
        {
            "items": [{"code": i.code, "reason": r} for i, r in bad],
            "item_codes": [i.code for i, _ in bad],
            "care_plan": client.care_plan is not None,
        },
        occurred_at=bad[0][0].started_at,
    )


RULE = Rule(
    code="I01",
    name="item_outside_care_plan",
    title_en="Item outside the care plan",
    title_zh="超出护理计划的服务项目",
    severity="medium",
    score=25,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
