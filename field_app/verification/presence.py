"""The presence decision (在场判定) of one visit end, and when liveness or a confirmation is asked (pure).

One decision per check-in/out attempt, from its parts, by this written policy (first line that applies):

1. the face did not match the caregiver ........................................ not_present
2. liveness was required and not passed (missing, failed, replayed, expired) ... not_present
3. a burst was sent and failed, or its challenge was replayed .................. not_present
4. the tag tap was refused (replayed, forged, another client's, unknown) ....... not_present
5. the client or family denied the visit (two-way confirmation) ................ not_present
6. the fix is outside the fence and no valid tap says otherwise ................ not_present
7. the fix is outside the fence but the tag was tapped validly ................. undetermined
   (the tag says the home, GPS says elsewhere: a moved tag or a bad fix; a person looks)
8. a tap was required (the client has a tag) and none came ..................... undetermined
9. the fix is inside the fence ................................................. present
10. uncertain fence and a valid tag tap ........................................ present
11. uncertain fence and the family confirmed ................................... present
12. uncertain fence and the trail stayed inside (check-out) .................... present
13. otherwise (uncertain fence, nothing to settle it) .......................... undetermined

Why this order: a positive sign of fraud (a copied tap, a static photo, a denial) outweighs any
number of good signs; a valid tap settles what GPS cannot (an accuracy circle straddling the fence,
2 of 31 honest visits in a held-out city-day) but does not overrule GPS that is clearly elsewhere.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

PRESENT, NOT_PRESENT, UNDETERMINED = "present", "not_present", "undetermined"
#: liveness part values
PASSED, NOT_SENT = "passed", "not_sent"
#: tag part values
TAG_VALID, TAG_NONE = "valid", "none"
TAG_REFUSED = frozenset({"replayed", "forged", "other_client", "unknown_tag"})


@dataclass(frozen=True)
class PresenceParts:
    """What one attempt brought; the values are the stored statuses of each check."""

    face: str  #: rules.facts FACE_* value
    fence: str  #: inside | outside | uncertain
    liveness: str = NOT_SENT  #: passed | failed | challenge_used | challenge_expired | ... | not_sent
    liveness_required: bool = False
    tag: str = TAG_NONE  #: valid | none | replayed | forged | other_client | unknown_tag
    tag_required: bool = False
    confirmation: str | None = None  #: confirmed | denied | pending | expired; None = not asked
    trail: str | None = None  #: inside | mixed | outside | none; None = not judged (check-in)
    client_face: str | None = (
        None  #: the client's face at check-out: matched | mismatch | ...; None = not sent
    )

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    decision: str
    reason: str


def decide(p: PresenceParts) -> Decision:
    """Apply the policy of the module docstring."""
    refusals = (
        (p.face != "matched", "face_not_matched"),
        (p.liveness_required and p.liveness != PASSED, "liveness_required_not_passed"),
        (p.liveness not in (PASSED, NOT_SENT), "liveness_failed"),
        (p.tag in TAG_REFUSED, "tag_refused"),
        (p.confirmation == "denied", "client_denied"),
        (p.fence == "outside" and p.tag != TAG_VALID, "outside_fence"),
    )
    for hit, reason in refusals:
        if hit:
            return Decision(NOT_PRESENT, reason)
    if p.fence == "outside":
        return Decision(UNDETERMINED, "outside_fence_tag_valid")
    if p.tag_required and p.tag != TAG_VALID:
        return Decision(UNDETERMINED, "tag_required_missing")
    if p.fence == "inside":
        return Decision(PRESENT, "inside_fence")
    settled = (
        (p.tag == TAG_VALID, "uncertain_fence_tag_valid"),
        (p.confirmation == "confirmed", "uncertain_fence_confirmed"),
        (p.trail == "inside", "uncertain_fence_trail_inside"),
    )
    for hit, reason in settled:
        if hit:
            return Decision(PRESENT, reason)
    return Decision(UNDETERMINED, "uncertain_fence")


@dataclass(frozen=True)
class LivenessPolicy:
    """When a check-in/out needs a liveness burst: always, for listed agencies, or by risk + sample."""

    mode: str = "off"  #: off | always | agencies | risk
    agencies: tuple[int, ...] = ()
    risk_min_score: int = 50
    sample_rate: float = 0.0


def sampled(secret: str, key: str, rate: float) -> bool:
    """A reproducible draw the phone cannot predict: a keyed hash of the visit id under ``rate``."""
    if rate <= 0:
        return False
    digest = hashlib.sha256(f"{secret}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def liveness_required(
    policy: LivenessPolicy, agency_id: int, caregiver_risk: int, visit_uuid: str, secret: str
) -> bool:
    """Whether this caregiver's check-in/out of this visit needs a passed burst."""
    if policy.mode == "always":
        return True
    if policy.mode == "agencies":
        return agency_id in policy.agencies
    if policy.mode == "risk":
        return caregiver_risk >= policy.risk_min_score or sampled(secret, visit_uuid, policy.sample_rate)
    return False


def trail_part(statuses: list[str]) -> str:
    """The trail's share inside the fence: inside (>= 80 % inside or uncertain), outside (< 50 %), mixed."""
    if not statuses:
        return "none"
    share = sum(s != "outside" for s in statuses) / len(statuses)
    return "inside" if share >= 0.8 else "outside" if share < 0.5 else "mixed"
