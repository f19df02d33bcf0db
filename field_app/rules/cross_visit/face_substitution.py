"""Check-in face that matches a different enrolled caregiver (代签: someone else signs in).

Flags: a check-in or check-out selfie whose face encoding is closer to another caregiver's enrolment
than to the checking-in caregiver's own: the other distance is below ``max_distance`` and better
than the own distance by at least ``min_margin``. Every attempt with an encoding is checked, so a
substitute whose first try failed is caught too. A caregiver with no enrolment of her own cannot be
judged: the finding is NOT_APPLICABLE.
Why: the fund pays for the registered caregiver's work. A face that is a colleague's means the
visit was signed by someone else: an unqualified stand-in, or one caregiver collecting visits under
several names. A plain mismatch (F01) says "not her"; this rule says who it was.
Legitimate look-alike: relatives or twins who both work as caregivers, and one person enrolled
twice under two ids (a re-hire): the faces really are close. ``min_margin`` keeps the near-ties
quiet, and the evidence names the other caregiver so a supervisor can check the pair.
Thresholds: ``max_distance`` (0.5, Euclidean on 128-d dlib encodings), ``min_margin`` (0.05).
Severity: high, score 50 (identity evidence naming the substitute).
"""

from __future__ import annotations

import numpy as np

from field_app.rules.base import NOT_APPLICABLE, Rule
from field_app.rules.support import KIND_LABEL, ordered_attempts, visit_finding

DIM = 128  # dlib encodings; rows of another length (bad data) are left out

# The scanner passes the same enrolments mapping for every visit of a run: stack it once and keep the
# last one (compared by identity and size, so a new or grown mapping is stacked afresh). One tuple,
# read and replaced whole, so concurrent scans never see half an entry.
_LAST: list = [(None, 0, None)]  # [(enrolments mapping, its length, (owners, matrix, squared norms))]


def _stack(enrolments):
    source, size, stacked = _LAST[0]
    if source is enrolments and size == len(enrolments):
        return stacked
    rows = [(cg, enc) for cg, encs in enrolments.items() for enc in encs if len(enc) == DIM]
    owners = np.asarray([cg for cg, _ in rows], dtype=np.int64)
    matrix = np.asarray([enc for _, enc in rows], dtype=np.float32).reshape(len(rows), DIM)
    stacked = (owners, matrix, (matrix**2).sum(axis=1))
    _LAST[0] = (enrolments, len(enrolments), stacked)
    return stacked


def _distances(encodings, matrix, norms):
    """Euclidean distances, attempts × enrolments, from one matrix product in float32 (the product is
    memory-bound over thousands of enrolments; float32 is ample for distances read to 0.001)."""
    encodings = encodings.astype(np.float32)
    products = (matrix @ encodings.T).T
    squared = norms[None, :] + (encodings**2).sum(axis=1)[:, None] - 2 * products
    return np.sqrt(np.maximum(squared, 0.0))


def _judge(attempts, caregiver_id, stacked, params):
    """Evidence rows of attempts that look like another caregiver's face."""
    owners, matrix, norms = stacked
    encodings = np.asarray([a.face_encoding for a in attempts], dtype=np.float64)
    dist = _distances(encodings, matrix, norms)
    own = np.where(owners == caregiver_id, dist, np.inf).min(axis=1)
    others = np.where(owners != caregiver_id, dist, np.inf)
    best = others.argmin(axis=1)
    for i, attempt in enumerate(attempts):
        other = float(others[i, best[i]])
        if other < params["max_distance"] and own[i] - other >= params["min_margin"]:
            yield (
                attempt,
                {
                    "attempt_id": attempt.id,
                    "kind": attempt.kind,
                    "own_distance": round(float(own[i]), 3),
                    "other_caregiver_id": int(owners[best[i]]),
                    "other_distance": round(other, 3),
                },
            )


def evaluate(visit, ctx, params):
    if not ctx.enrolments:
        return
    attempts = [
        a
        for a in ordered_attempts(visit.attempts)
        if a.face_encoding is not None and len(a.face_encoding) == DIM
    ]
    if not attempts:
        return
    stacked = _stack(ctx.enrolments)
    if not np.any(stacked[0] == visit.caregiver_id):
        yield visit_finding(
            visit,
            f"Caregiver {visit.caregiver_id} has no enrolled face to compare with.",
            {"attempt_ids": [a.id for a in attempts]},
            outcome=NOT_APPLICABLE,
        )
        return
    hits = list(_judge(attempts, visit.caregiver_id, stacked, params))
    if not hits:
        return
    attempt, first = hits[0]
    yield visit_finding(
        visit,
        f"{KIND_LABEL.get(first['kind'], first['kind'])} face is {first['other_distance']:.2f} from "
        f"caregiver {first['other_caregiver_id']}'s enrolment but {first['own_distance']:.2f} from "
        f"caregiver {visit.caregiver_id}'s own (limit {params['max_distance']:.2f}, "
        f"margin {params['min_margin']:.2f}).",
        {
            **first,
            "max_distance": params["max_distance"],
            "min_margin": params["min_margin"],
            "attempts": [row for _, row in hits],
        },
        occurred_at=attempt.fix.at,
    )


RULE = Rule(
    code="X05",
    name="face_substitution",
    title_en="Face of another caregiver (substitution)",
    title_zh="代签：人脸与其他护理员匹配",
    severity="high",
    score=50,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_distance": 0.5, "min_margin": 0.05},
)
