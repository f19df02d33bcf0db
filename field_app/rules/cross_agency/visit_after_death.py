"""Visit on or after the client's death (参保人死亡后仍有服务).

Flags: a visit whose local check-in date is on or after the client's date of death in the civil
affairs (民政) register.
Why: the most blatant phantom billing: no care can be given to a client who has died, and agencies
have kept billing for weeks before the death reached the LTC system.
Legitimate look-alike: a visit on the day of death, made in the morning before the client died in the
afternoon (the register has the date, not the hour): it still fires, because the supervisor must
confirm it; the evidence says when the day is the day of death. A wrong death record (a namesake)
is the other look-alike: the evidence gives the date to check with 民政.
Thresholds: none.
Severity: critical, score 80.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import day_on_or_after, visit_finding


def evaluate(visit, ctx, params):
    client = ctx.clients.get(visit.client_id)
    found = day_on_or_after(visit, client.death_date if client else None, ctx.timezone)
    if found is None:
        return
    day, days_after = found
    when = "on the day of" if days_after == 0 else f"{days_after} day(s) after"
    yield visit_finding(
        visit,
        f"Visit on {day} is {when} client {client.id}'s recorded death on {client.death_date} "
        "(civil affairs record).",
        {
            "date": day.isoformat(),
            "death_date": client.death_date.isoformat(),
            "days_after_death": days_after,
            "on_day_of_death": days_after == 0,
        },
    )


RULE = Rule(
    code="R02",
    name="visit_after_death",
    title_en="Visit after the client's death",
    title_zh="参保人死亡后仍有服务",
    severity="critical",
    score=80,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
