"""A new enrolled face unlike the caregiver's own past selfies (换脸: the agency swapped the face).

Flags: an applied change of a caregiver's face gallery whose photos are far from the selfies that
verified her visits before it: the median, over her last verified selfies (at least
``min_selfies``), of each selfie's smallest distance to the new gallery is above ``max_distance``.
The visits whose selfies reached the server after the change are listed: they were matched against
the new gallery. A caregiver without enough verified selfies before the change cannot be judged: quiet.
Why: once a substitute's face is enrolled onto a caregiver, every check-in of the substitute
"matches" and X05 (face of another caregiver) cannot see it, because the substitute is enrolled
nowhere else: an enrolment swap is substitution (代签) done by the agency. Re-enrolment by an agency
already needs a second person; this rule catches what a careless or complicit approver lets through.
Legitimate look-alike: a caregiver whose appearance changed (years between photos, surgery, weight,
glasses) or whose old enrolment photos were poor: the distance then sits just above the threshold,
and the evidence gives it with the requester and approver so a supervisor can compare the photos in
person. A genuine re-enrolment of the same person measured 0.3-0.5 on the shared photos.
Thresholds: ``max_distance`` (0.56, the face match threshold), ``min_selfies`` (3).
Severity: high, score 50.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import group_finding


def evaluate(visits, ctx, params):
    by_caregiver: dict[int, list] = {}
    for visit in visits:
        by_caregiver.setdefault(visit.caregiver_id, []).append(visit)
    for caregiver_id, own in by_caregiver.items():
        for change in ctx.enrolment_changes.get(caregiver_id, ()):
            if change.past_selfies < params["min_selfies"] or change.past_distance is None:
                continue
            if change.past_distance <= params["max_distance"]:
                continue
            after = [v for v in own if _matched_after(v, change.applied_at)]
            yield group_finding(
                f"enrolment_change:{change.id}",
                f"Caregiver {caregiver_id}'s face was re-enrolled with photos at a median distance of "
                f"{change.past_distance:.2f} from her {change.past_selfies} last verified selfies "
                f"(match threshold {params['max_distance']}): {len(after)} visit(s) since were matched "
                f"against the new face.",
                {
                    "enrolment_change_id": change.id,
                    "caregiver_id": caregiver_id,
                    "past_selfies": change.past_selfies,
                    "median_distance": round(change.past_distance, 3),
                    "max_distance": params["max_distance"],
                    "requested_by_user": change.requested_by,
                    "approved_by_user": change.decided_by,
                    "visits_since": [v.uuid for v in after],
                },
                after or own,
                occurred_at=change.applied_at,
            )


def _matched_after(visit, applied_at) -> bool:
    """A selfie of the visit reached the server after the change: it was judged against the new face
    (the fix time may be earlier: a phone that was offline sends later)."""
    return any(a.received_at >= applied_at for a in visit.attempts)


RULE = Rule(
    code="F04",
    name="enrolment_swap",
    title_en="Re-enrolled face unlike the caregiver's past selfies",
    title_zh="重新登记的人脸与既往自拍不符",
    severity="high",
    score=50,
    scope="caregiver",
    evaluate=evaluate,
    defaults={"max_distance": 0.56, "min_selfies": 3},
)
