"""A live clip requested by an auditor did not come before its deadline (抽查未响应).

Flags: a visit with an auditor's live clip request (``POST /visits/{id}/clip-requests``) whose
deadline passed with no clip uploaded: ``missed_clip_requests`` is not empty.
Why: a spot check by live clip asks the caregiver to show the care as it happens; a caregiver who
is not at the home cannot answer it, so silence is a sign the visit is not taking place.
Legitimate look-alike: no signal in the home, a flat phone battery, or the client refusing to be
filmed (PIPL consent): the caregiver explains, a person checks the visit's fixes and trail.
Thresholds: none (the deadline is the auditor's).
Severity: high, score 40.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import iso, visit_finding


def evaluate(visit, ctx, params):
    if not visit.missed_clip_requests:
        return
    deadlines = sorted(visit.missed_clip_requests)
    yield visit_finding(
        visit,
        f"{len(deadlines)} live clip request(s) of an auditor went unanswered (first deadline {iso(deadlines[0])}).",
        {"missed": len(deadlines), "deadlines": [iso(d) for d in deadlines]},
        occurred_at=deadlines[0],
    )


RULE = Rule(
    code="E02",
    name="clip_request_missed",
    title_en="Live clip request missed",
    title_zh="视频抽查未响应",
    severity="high",
    score=40,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
