"""More visits in a week than the care plan authorises (服务频次超出护理计划).

Flags: a client with more visits checked in during one ISO week (Monday to Sunday, local time) than
the care plan's ``visits_per_week``. Open visits count (they were started, and will be billed). A
client without a care plan, or not in ``ctx.clients``, cannot be judged and is skipped. The count is
over the scanned window, so the scanner should pass whole weeks; a partial week can only under-count.
Why: each visit is billed; visits beyond the plan are either unauthorised services the fund should
not pay, or visits split in two (check out, check in again) to bill twice for one stay.
Legitimate look-alike: a care plan raised mid-week after a re-assessment (the plan in the facts is
the current one), or a visit interrupted and resumed on the same day (phone died, client taken to
the clinic): the evidence lists each visit with its local date so two on one day stand out.
Thresholds: the care plan's ``visits_per_week``, plus ``tolerance`` (0) extra visits a week.
Severity: medium, score 25.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import group_by, group_finding, iso_week
from field_app.rules.support import iso, local_day


def evaluate(visits, ctx, params):
    for client_id, own in group_by(visits, lambda v: v.client_id).items():
        client = ctx.clients.get(client_id)
        if client is None or client.care_plan is None:
            continue
        allowed = client.care_plan.visits_per_week + params["tolerance"]
        weeks = group_by(own, lambda v: iso_week(local_day(v.check_in_at, ctx.timezone)))
        for week, week_visits in weeks.items():
            if len(week_visits) <= allowed:
                continue
            yield group_finding(
                f"client_week:{client_id}:{week}",
                f"Client {client_id} had {len(week_visits)} visits in {week}; the care plan allows "
                f"{client.care_plan.visits_per_week} a week.",
                {
                    "week": week,
                    "visits": len(week_visits),
                    "visits_per_week": client.care_plan.visits_per_week,
                    "tolerance": params["tolerance"],
                    "visit_list": [
                        {
                            "visit_id": v.id,
                            "caregiver_id": v.caregiver_id,
                            "date": local_day(v.check_in_at, ctx.timezone).isoformat(),
                            "check_in_at": iso(v.check_in_at),
                        }
                        for v in week_visits
                    ],
                },
                week_visits,
                occurred_at=week_visits[allowed].check_in_at,
            )


RULE = Rule(
    code="X08",
    name="weekly_frequency_exceeded",
    title_en="Weekly visits above the care plan",
    title_zh="周服务频次超出护理计划",
    severity="medium",
    score=25,
    scope="client",
    evaluate=evaluate,
    defaults={"tolerance": 0},
)
