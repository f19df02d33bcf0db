"""Visit shorter than its service items need (服务时长不足).

Flags: a closed visit shorter than the sum of the catalogue minimum minutes of the items the
caregiver reported performing, less ``tolerance_minutes``. Each performed item counts (an item done
twice needs its minutes twice); codes missing from the catalogue are left to I01.
Why: the fund pays per item (Wenzhou ties payment to service duration); a 20-minute visit that
claims a bed bath and a massage (70 minutes) billed care that could not have been given.
Legitimate look-alike: a visit without reported items (a check on the client, an aborted visit)
has nothing to compare and stays quiet, and an open visit is not judged.
Thresholds: ``tolerance_minutes`` (0).
Severity: medium, score 25.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import visit_finding


def evaluate(visit, ctx, params):
    duration = visit.duration_minutes
    known = [ctx.catalogue[i.code] for i in visit.items if i.code in ctx.catalogue]
    if duration is None or not known:
        return
    required = sum(item.min_minutes for item in known)
    tolerance = params["tolerance_minutes"]
    if duration >= required - tolerance:
        return
    codes = [item.code for item in known]
    yield visit_finding(
        visit,
        f"The visit lasted {duration:.0f} min but its {len(codes)} item(s) ({', '.join(codes)}) need at least "
        f"{required} min (tolerance {tolerance} min).",
        {
            "duration_minutes": round(duration, 1),
            "required_minutes": required,
            "shortfall_minutes": round(required - duration, 1),
            "tolerance_minutes": tolerance,
            "item_codes": codes,
        },
    )


RULE = Rule(
    code="T01",
    name="duration_below_minimum",
    title_en="Duration below the items' minimum",
    title_zh="服务时长不足",
    severity="medium",
    score=25,
    scope="visit",
    evaluate=evaluate,
    defaults={"tolerance_minutes": 0},
)
