"""Caregiver registered at the client's address (家属护理员).

Flags: a visit whose caregiver's registered address (``address_key``, normalised) is the same as the
client's, when ``allow_family_caregivers`` is off. Both keys must be present: a missing address is
not a match.
Why: a caregiver living with the client is usually a family member; where the city does not pay
family care as LTC home care, visits "made" by a relative are the easiest to invent (no travel, no
witness), and the caregiver may already draw another subsidy for the same care (民政 / 残联).
Legitimate look-alike: cities that pay family caregivers under other terms (training, fewer hours,
a lower rate) - switch ``allow_family_caregivers`` on there; and a large building whose addresses
normalise too coarsely (no flat number): the evidence gives the shared key to check.
Thresholds: ``allow_family_caregivers`` (False).
Severity: medium, score 20 (a policy question before it is a fraud one).
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import visit_finding


def evaluate(visit, ctx, params):
    if params["allow_family_caregivers"]:
        return
    client, caregiver = ctx.clients.get(visit.client_id), ctx.caregivers.get(visit.caregiver_id)
    if client is None or caregiver is None or not client.address_key or not caregiver.address_key:
        return
    if client.address_key != caregiver.address_key:
        return
    yield visit_finding(
        visit,
        f"Caregiver {caregiver.id} is registered at client {client.id}'s address ({client.address_key}); "
        "family caregivers are not paid as home care here.",
        {
            "address_key": client.address_key,
            "caregiver_id": caregiver.id,
            "client_id": client.id,
            "allow_family_caregivers": False,
        },
    )


RULE = Rule(
    code="R05",
    name="family_member_caregiver",
    title_en="Family member as caregiver",
    title_zh="家属担任护理员",
    severity="medium",
    score=20,
    scope="visit",
    evaluate=evaluate,
    defaults={"allow_family_caregivers": False},
)
