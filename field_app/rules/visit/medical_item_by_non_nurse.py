"""Medical nursing item done by a caregiver who is not a nurse (非护士执行医疗护理项目).

Flags: a performed item whose catalogue entry needs a nurse (医疗护理: injections, catheter care,
wound dressing...) reported by a caregiver whose ``is_nurse`` is False. An unknown caregiver with
such items yields NOT_APPLICABLE.
Why: medical nursing is paid at a higher rate and is dangerous in untrained hands; billing it under
a care worker is either upcoding or unsafe practice.
Legitimate look-alike: a licensed nurse doing the same items, or a care worker doing daily-life
items (生活照料), stays quiet.
Thresholds: none.
Severity: high, score 40.
"""

from __future__ import annotations

from field_app.rules.base import NOT_APPLICABLE, Rule
from field_app.rules.support import visit_finding


def evaluate(visit, ctx, params):
    medical = [
        i for i in visit.items if (entry := ctx.catalogue.get(i.code)) is not None and entry.needs_nurse
    ]
    if not medical:
        return
    codes = [i.code for i in medical]
    caregiver = ctx.caregivers.get(visit.caregiver_id)
    if caregiver is None:
        yield visit_finding(
            visit,
            f"Caregiver {visit.caregiver_id} is unknown, so who may do nurse-only items "
            f"{', '.join(codes)} cannot be checked.",
            {"item_codes": codes},
            outcome=NOT_APPLICABLE,
        )
        return
    if caregiver.is_nurse:
        return
    yield visit_finding(
        visit,
        f"Caregiver {caregiver.id}, not a nurse, reported nurse-only item(s) {', '.join(codes)}.",
        {"item_codes": codes, "caregiver_id": caregiver.id, "is_nurse": False},
        occurred_at=medical[0].started_at,
    )


RULE = Rule(
    code="I02",
    name="medical_item_by_non_nurse",
    title_en="Medical item by a non-nurse",
    title_zh="非护士执行医疗护理项目",
    severity="high",
    score=40,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
