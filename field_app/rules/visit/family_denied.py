"""The client or family says the visit did not happen (参保人否认服务).

Flags: a visit whose client or family answered the confirmation (参保人评价反馈) with
``confirmed: false``: ``family_confirmed`` is False.
Why: the person who was to receive the care is the one witness the caregiver cannot sign for; a
denied visit that was billed is the plainest sign of an invented or shortened visit (虚假服务).
Legitimate look-alike: a client with dementia (重度失智) or a confused relative who answered for
another day may deny a visit that did happen, with a matched face and a trail inside the home; so a
denial raises an alert for a person to check against the visit's own evidence, never a verdict.
A visit nobody answered for (``family_confirmed`` None) and a confirmed one stay quiet.
Thresholds: none.
Severity: high, score 50 (a first-hand denial; the review weighs it against the recorded evidence).
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import iso, visit_finding


def evaluate(visit, ctx, params):
    if visit.family_confirmed is not False:
        return
    yield visit_finding(
        visit,
        "The client or family says this visit did not take place.",
        {
            "family_confirmed": False,
            "check_in_at": iso(visit.check_in_at),
            "check_out_at": iso(visit.check_out_at),
        },
    )


RULE = Rule(
    code="C01",
    name="family_denied",
    title_en="Visit denied by the client or family",
    title_zh="参保人否认服务",
    severity="high",
    score=50,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
