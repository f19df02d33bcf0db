"""Two-way confirmation denied or missing (双向确认未通过).

Flags: a visit whose client's family was asked to confirm it at check-out (by policy or the risk-weighted
sample) and either denied it, or let the one-tap code expire without an answer.
Why: the client is the one witness the caregiver cannot sign for (Ningbo's LTC app asks for a two-way
face of caregiver and client); a denial says the visit did not happen as claimed, and where the scheme
asks for a confirmation, silence leaves the visit with the caregiver's word only.
Legitimate look-alike: a family member without the app at hand, or on holiday, lets codes expire;
a client with dementia may deny a visit that happened. The alert asks a person to call the family
(回访), never decides alone. A pending code not yet expired stays quiet.
Thresholds: none.
Severity: high, score 50 (the evidence says which of the two it was; a reviewer weighs silence lower).
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import iso, visit_finding


def evaluate(visit, ctx, params):
    status = visit.confirmation
    expired = (
        status == "pending"
        and visit.confirmation_expires_at is not None
        and ctx.now > visit.confirmation_expires_at
    )
    if status != "denied" and not expired:
        return
    message = (
        "The family denied this visit when asked to confirm it."
        if status == "denied"
        else "The family was asked to confirm this visit and did not answer in time."
    )
    yield visit_finding(
        visit,
        message,
        {
            "confirmation": "denied" if status == "denied" else "expired",
            "expires_at": iso(visit.confirmation_expires_at),
        },
        occurred_at=visit.check_out_at,
    )


RULE = Rule(
    code="C02",
    name="confirmation_missing",
    title_en="Two-way confirmation denied or missing",
    title_zh="双向确认未通过",
    severity="high",
    score=50,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
