"""Phone clock far from server time (设备时间异常).

Flags: an attempt whose ``device_time`` (the phone's clock when it sent the request) differs from
``received_at`` (the server's clock when it arrived) by more than ``max_skew_seconds``.
Why: a phone clock set back or forward is how recorded times (check-in, items, trail) are
back-dated; the visit's times then come from a clock nobody can trust.
Legitimate look-alike: a late offline upload: the request reaches the server hours after the
visit, but ``device_time`` is the phone's clock *when sending*, so it still agrees with the server
(the fix's own time, which is old, is not compared). Attempts without a device time stay quiet.
Thresholds: ``max_skew_seconds`` (300).
Severity: low, score 10.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import visit_finding


def evaluate(visit, ctx, params):
    limit = params["max_skew_seconds"]
    skews = [
        ((a.device_time - a.received_at).total_seconds(), a)
        for a in visit.attempts
        if a.device_time is not None
    ]
    skewed = [(s, a) for s, a in skews if abs(s) > limit]
    if not skewed:
        return
    skew, attempt = max(skewed, key=lambda sa: abs(sa[0]))
    direction = "ahead of" if skew > 0 else "behind"
    yield visit_finding(
        visit,
        f"The phone clock at the {attempt.kind.replace('_', '-')} was {abs(skew):.0f} s {direction} the server (limit {limit} s).",
        {
            "attempt_id": attempt.id,
            "skew_seconds": round(skew),
            "max_skew_seconds": limit,
            "skewed_attempt_ids": [a.id for _, a in skewed],
        },
        occurred_at=attempt.received_at,
    )


RULE = Rule(
    code="T05",
    name="device_clock_skew",
    title_en="Device clock skew",
    title_zh="设备时间异常",
    severity="low",
    score=10,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_skew_seconds": 300},
)
