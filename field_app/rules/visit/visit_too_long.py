"""Visit implausibly long (服务时长异常过长).

Flags: a closed visit lasting more than ``max_minutes``.
Why: home-care visits are an hour or two; a visit of many hours is usually a check-out forgotten
and made later (the billed duration is fiction) or a visit padded to match a duration-based tariff.
Legitimate look-alike: a long visit with many items (bath, massage, meal preparation: three hours
or so) stays under the limit; a visit still open is T04's business, not this rule's.
Thresholds: ``max_minutes`` (240).
Severity: low, score 10 (usually a process lapse rather than fraud).
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import iso, visit_finding


def evaluate(visit, ctx, params):
    duration, limit = visit.duration_minutes, params["max_minutes"]
    if duration is None or duration <= limit:
        return
    yield visit_finding(
        visit,
        f"The visit lasted {duration:.0f} min, more than the {limit} min limit.",
        {
            "duration_minutes": round(duration, 1),
            "max_minutes": limit,
            "check_in_at": iso(visit.check_in_at),
            "check_out_at": iso(visit.check_out_at),
        },
    )


RULE = Rule(
    code="T02",
    name="visit_too_long",
    title_en="Visit too long",
    title_zh="服务时长过长",
    severity="low",
    score=10,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_minutes": 240},
)
