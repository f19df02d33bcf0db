"""Tag tapped far in time from its check-in/out (扫标签与签到时间不符).

Flags: a valid tap whose time (``tapped_at``, the phone's) is more than ``max_minutes`` from the fix
time of the check-in or check-out it was sent with.
Why: a tap proves the phone was at the bed when it was read, not when the visit is claimed; a tap
kept from the morning and sent with an afternoon check-in, or collected on a short drop-in and used
for a long claimed visit, separates the proof from the claim.
Legitimate look-alike: a caregiver who taps on arrival and checks in after taking off a coat and
washing hands, a few minutes later; the default leaves ten minutes for that.
Thresholds: ``max_minutes`` (10).
Severity: medium, score 30.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import iso, visit_finding


def evaluate(visit, ctx, params):
    limit = params["max_minutes"]
    far = [
        (abs((t.tapped_at - t.attempt_at).total_seconds()) / 60, t) for t in visit.taps if t.status == "valid"
    ]
    far = [(gap, t) for gap, t in far if gap > limit]
    if not far:
        return
    gap, tap = max(far, key=lambda gt: gt[0])
    yield visit_finding(
        visit,
        f"The tag was tapped {gap:.0f} min away from the {tap.kind.replace('_', '-')} it was sent with (limit {limit} min).",
        {
            "attempt_id": tap.attempt_id,
            "gap_minutes": round(gap, 1),
            "max_minutes": limit,
            "tapped_at": iso(tap.tapped_at),
            "attempt_at": iso(tap.attempt_at),
        },
        occurred_at=tap.attempt_at,
    )


RULE = Rule(
    code="P03",
    name="tag_tap_far_in_time",
    title_en="Tag tapped far in time from its check-in/out",
    title_zh="扫标签与签到时间不符",
    severity="medium",
    score=30,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_minutes": 10},
)
