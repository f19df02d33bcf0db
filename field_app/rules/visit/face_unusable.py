"""No usable face in the check-in or check-out selfie (无人脸 / 多人脸 / 人脸过小).

Flags: selfies with no face, several faces or a face too small to compare (``FACE_UNUSABLE``) when no
later attempt of the same kind (check-in / check-out) matched, or at least ``max_unusable`` such
attempts in the visit.
Why: a selfie that cannot be compared proves nothing about who was there; covering the camera,
photographing the ceiling or holding up a group photo are ways to dodge the face check.
Legitimate look-alike: a first selfie taken too far away or with the client in the frame, then a
retake that matched: the same kind later matched and the count is below ``max_unusable``.
Thresholds: ``max_unusable`` (3) unusable attempts per visit, counting both ends.
Severity: medium, score 20 (dodging the check, not proof of a substitute).
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.facts import FACE_MATCHED, FACE_UNUSABLE
from field_app.rules.support import KIND_LABEL, ordered_attempts, visit_finding


def _unresolved_kinds(attempts):
    """Kinds with an unusable attempt that no later attempt of the same kind matched."""
    unresolved = {}
    for a in attempts:  # arrival order: a match clears the earlier unusable ones of its kind
        if a.face_status in FACE_UNUSABLE:
            unresolved.setdefault(a.kind, a)
        elif a.face_status == FACE_MATCHED:
            unresolved.pop(a.kind, None)
    return unresolved


def evaluate(visit, ctx, params):
    limit = params["max_unusable"]
    attempts = ordered_attempts(visit.attempts)
    unusable = [a for a in attempts if a.face_status in FACE_UNUSABLE]
    unresolved = _unresolved_kinds(attempts)
    if not unresolved and len(unusable) < limit:
        return
    if unresolved:
        kinds = " and ".join(KIND_LABEL.get(k, k).lower() for k in unresolved)
        message = (
            f"No usable face at {kinds} and no later matching selfie ({len(unusable)} unusable attempt(s))."
        )
    else:
        message = f"{len(unusable)} selfies without a usable face in the visit (limit {limit})."
    yield visit_finding(
        visit,
        message,
        {
            "unresolved": sorted(unresolved),
            "unusable": len(unusable),
            "max_unusable": limit,
            "attempts": [
                {"attempt_id": a.id, "kind": a.kind, "face_status": a.face_status} for a in unusable
            ],
        },
        occurred_at=unusable[0].fix.at,
    )


RULE = Rule(
    code="F02",
    name="face_unusable",
    title_en="No usable face",
    title_zh="无人脸或多人脸",
    severity="medium",
    score=20,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_unusable": 3},
)
