"""Face mismatch at check-in or check-out (人脸比对不通过).

Flags: a visit whose final check-in or final check-out selfie did not match the caregiver's
enrolled face (``FACE_MISMATCH``), or with at least ``max_mismatches`` mismatched attempts in the
visit even when a later retry matched.
Why: the fund pays for a qualified, registered caregiver; a face that is not hers means someone else
did (or pretended to do) the visit (代签), and retrying until a borderline face passes is how a
substitute gets through.
Legitimate look-alike: one failed attempt in poor light or at a bad angle, then a match: the final
attempt matched and there were fewer than ``max_mismatches`` failures, so the rule stays quiet.
Thresholds: ``max_mismatches`` (3) mismatched attempts per visit, counting both ends.
Severity: high, score 40 (identity evidence, but the face engine can err).
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.facts import FACE_MISMATCH
from field_app.rules.support import KIND_LABEL, final_attempt, ordered_attempts, visit_finding


def _attempt_evidence(attempt):
    return {
        "attempt_id": attempt.id,
        "kind": attempt.kind,
        "face_distance": None if attempt.face_distance is None else round(attempt.face_distance, 3),
        "face_threshold": None if attempt.face_threshold is None else round(attempt.face_threshold, 3),
    }


def _message(final_failed, mismatched, limit):
    if not final_failed:
        return f"{len(mismatched)} face mismatches in the visit (limit {limit}) before a retry matched."
    ends = " and ".join(KIND_LABEL.get(a.kind, a.kind) for a in final_failed)
    a = final_failed[0]
    detail = ""
    if a.face_distance is not None and a.face_threshold is not None:
        detail = f" (distance {a.face_distance:.2f} above the {a.face_threshold:.2f} threshold)"
    return f"{ends} face did not match on the final attempt{detail}; {len(mismatched)} mismatch(es) in the visit."


def evaluate(visit, ctx, params):
    limit = params["max_mismatches"]
    mismatched = [a for a in ordered_attempts(visit.attempts) if a.face_status == FACE_MISMATCH]
    finals = [final_attempt(visit, kind) for kind in ("check_in", "check_out")]
    final_failed = [a for a in finals if a is not None and a.face_status == FACE_MISMATCH]
    if not final_failed and len(mismatched) < limit:
        return
    yield visit_finding(
        visit,
        _message(final_failed, mismatched, limit),
        {
            "final_mismatch": [a.kind for a in final_failed],
            "mismatches": len(mismatched),
            "max_mismatches": limit,
            "attempts": [_attempt_evidence(a) for a in mismatched],
        },
        occurred_at=(final_failed or mismatched)[0].fix.at,
    )


RULE = Rule(
    code="F01",
    name="face_mismatch",
    title_en="Face mismatch",
    title_zh="人脸比对不通过",
    severity="high",
    score=40,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_mismatches": 3},
)
