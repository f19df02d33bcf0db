"""Replayed, copied or forged tag tap (标签重放/伪造).

Flags: a visit whose check-in or check-out sent a tag tap the server refused: a read counter already
seen (a copied URL sent again, or a photo of an earlier tap), a MAC that does not verify (made up), a
tag registered at another client's home, or a tag nobody registered.
Why: a genuine tap of the bedside tag is fresh and authenticated by a key only the tag holds; a refused
one is a positive sign that someone tried to prove presence without being at the bed.
Legitimate look-alike: a phone re-sending the same attempt after a lost answer is answered from storage
and never re-checks the tap, so it does not land here; a caregiver who tapped the neighbour's tag in a
shared care home (other_client) is a mistake a supervisor can see in the evidence.
Thresholds: none.
Severity: high, score 60.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import visit_finding

REFUSED = ("replayed", "forged", "other_client", "unknown_tag")


def evaluate(visit, ctx, params):
    refused = [t for t in visit.taps if t.status in REFUSED]
    if not refused:
        return
    first = refused[0]
    yield visit_finding(
        visit,
        f"{len(refused)} tag tap(s) refused: {', '.join(sorted({t.status for t in refused}))}.",
        {
            "refused": [
                {"attempt_id": t.attempt_id, "status": t.status, "read_counter": t.read_counter}
                for t in refused
            ],
        },
        occurred_at=first.tapped_at,
    )


RULE = Rule(
    code="P02",
    name="tag_tap_replayed",
    title_en="Replayed, copied or forged tag tap",
    title_zh="标签重放/伪造",
    severity="high",
    score=60,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
