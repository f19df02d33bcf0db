"""Bedside tag not tapped where required (未扫床头标签).

Flags: a visit to a client whose home has a registered NTAG 424 DNA tag, under a policy that requires
a tap (``FIELD_APP_TAG_REQUIRED``), with no valid tap at its check-in, or (once closed) at its check-out.
Why: the tag is fixed at the bedside and only a phone held to it can produce a fresh, authenticated
tap; a visit end without one has nothing but GPS and a selfie to say the caregiver was at the bed, and
both can be had at the door or from a photo.
Legitimate look-alike: a phone whose NFC is off or broken, a tag knocked off the wall, a client who was
moved to another room or a hospital: the agency answers with the reason, and a tag reported broken is
deactivated and replaced. A visit still open is judged only at its check-in.
Thresholds: none.
Severity: medium, score 25.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import visit_finding


def _tapped(visit, kind: str) -> bool:
    return any(t.kind == kind and t.status == "valid" for t in visit.taps)


def evaluate(visit, ctx, params):
    if not visit.tag_required:
        return
    ends = ["check_in"] + ([] if visit.is_open else ["check_out"])
    missing = [kind for kind in ends if not _tapped(visit, kind)]
    if not missing:
        return
    yield visit_finding(
        visit,
        f"No valid tap of the bedside tag at {' and '.join(k.replace('_', '-') for k in missing)}.",
        {"missing_at": missing, "taps": [t.status for t in visit.taps]},
    )


RULE = Rule(
    code="P01",
    name="tag_tap_missing",
    title_en="Bedside tag not tapped where required",
    title_zh="未扫床头标签",
    severity="medium",
    score=25,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
