"""Visit while the client is in hospital (住院期间发生居家服务).

Flags: a visit whose local check-in date falls inside one of the client's hospital stays in the
medical-insurance (医保) data. With ``ignore_admission_and_discharge_days`` (the default), a visit on
the day of admission or of discharge does not count. An open-ended stay (no discharge yet) runs on.
Why: a client in a hospital bed is not at home to be cared for, and the hospital stay is itself paid
by medical insurance: a home visit billed that day is very likely a visit that did not happen.
Legitimate look-alike: the morning visit before an afternoon admission, or the first visit home on
the day of discharge: real care on a day that also shows in the hospital record, hence the switch.
Thresholds: ``ignore_admission_and_discharge_days`` (True).
Severity: critical, score 60 (another agency's record contradicts the visit).
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import local_day, visit_finding


def _stay(client, day, ignore_ends):
    for stay in client.hospital_stays:
        if stay.contains(day) and not (ignore_ends and day in (stay.start, stay.end)):
            return stay
    return None


def evaluate(visit, ctx, params):
    client = ctx.clients.get(visit.client_id)
    if client is None:
        return
    day = local_day(visit.check_in_at, ctx.timezone)
    stay = _stay(client, day, params["ignore_admission_and_discharge_days"])
    if stay is None:
        return
    end = stay.end.isoformat() if stay.end else None
    yield visit_finding(
        visit,
        f"Visit on {day} falls inside client {client.id}'s hospital stay from {stay.start} "
        f"to {end or 'an open end'} (medical insurance record).",
        {
            "date": day.isoformat(),
            "stay_start": stay.start.isoformat(),
            "stay_end": end,
            "ignore_admission_and_discharge_days": params["ignore_admission_and_discharge_days"],
        },
    )


RULE = Rule(
    code="R01",
    name="visit_during_hospital_stay",
    title_en="Visit during a hospital stay",
    title_zh="住院期间发生居家服务",
    severity="critical",
    score=60,
    scope="visit",
    evaluate=evaluate,
    defaults={"ignore_admission_and_discharge_days": True},
)
