"""A planned visit with no check-in by its planned start plus a grace period (漏服务 / missed visit).

Flags: a planned visit (排班) still waiting — not cancelled, no visit linked — whose planned start plus
``grace_minutes`` has passed at ``now``. One finding per planned visit (subject
``planned_visit:<id>``), carrying its caregiver, client and agency.
Why: the client was entitled to the visit and the agency is paid for what its plan delivers; a missed
visit is either care not given (a neglected client) or, when a visit is billed anyway, a visit on paper.
Legitimate look-alike: the client was in hospital that day (the medical insurance registry says so:
quiet), the agency moved or cancelled the visit with a reason (it is then no longer waiting), or the
caregiver is late (the grace absorbs it; beyond it rule S02 judges the late check-in that follows).
Thresholds: ``grace_minutes`` (60).
Severity: medium, score 30.
"""

from __future__ import annotations

from datetime import timedelta

from field_app.rules.base import Finding, Rule
from field_app.rules.support import iso, local_day


def _in_hospital(client, day) -> bool:
    return client is not None and any(stay.contains(day) for stay in client.hospital_stays)


def evaluate(_visits, ctx, params):
    grace = timedelta(minutes=params["grace_minutes"])
    for pv in ctx.planned_visits.values():
        if pv.status != "planned" or pv.visit_id is not None or pv.starts_at + grace > ctx.now:
            continue
        day = local_day(pv.starts_at, ctx.timezone)
        if _in_hospital(ctx.clients.get(pv.client_id), day):
            continue
        yield Finding(
            subject_type="planned_visit",
            subject_key=f"planned_visit:{pv.id}",
            message=f"Planned visit {pv.id} to client {pv.client_id} at {iso(pv.starts_at)} had no check-in "
            f"within {params['grace_minutes']} minutes.",
            evidence={
                "planned_visit_id": pv.id,
                "planned_start": iso(pv.starts_at),
                "date": day.isoformat(),
                "grace_minutes": params["grace_minutes"],
            },
            caregiver_id=pv.caregiver_id,
            client_id=pv.client_id,
            agency_id=pv.agency_id,
            occurred_at=pv.starts_at,
        )


RULE = Rule(
    code="S01",
    name="missed_visit",
    title_en="Missed visit",
    title_zh="计划服务未到岗",
    severity="medium",
    score=30,
    scope="population",
    evaluate=evaluate,
    defaults={"grace_minutes": 60},
)
