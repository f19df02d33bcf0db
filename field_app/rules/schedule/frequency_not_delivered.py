"""Fewer visits in a finished week than the care plan's frequency (服务频次不足).

Flags: a client whose finished ISO week (Monday to Sunday, local; the week ended before ``now``) had
fewer checked-in visits than the plan's ``visits_per_week`` less ``tolerance``, pro rata for days the
client spent in hospital. Judged over the client's visits in the scanned window, for weeks in which the
client had at least one visit (weeks with none are the missed-visit rule's: every planned visit of it
raises S01). Only scheduled plans are judged (their visits are planned, so the week's count is an
obligation the agency took on); a plan without a schedule is left to X08's upper bound.
Why: the fund pays for a plan that is delivered; an agency that delivers less than planned neglects the
client (and the plan's monthly cap would pay for care not given).
Legitimate look-alike: a hospital stay (days in hospital lower the expected count), a plan that started
mid-week (weeks before its start are not judged), visits the agency cancelled at the family's request
(the evidence lists the visits made so a reviewer sees the gap).
Thresholds: ``tolerance`` (0).
Severity: medium, score 20.
"""

from __future__ import annotations

from datetime import timedelta

from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import group_by, group_finding, iso_week
from field_app.rules.support import local_day


def _expected(client, monday, per_week) -> float:
    days = [monday + timedelta(days=n) for n in range(7)]
    home_days = sum(1 for d in days if not any(s.contains(d) for s in client.hospital_stays))
    return per_week * home_days / 7


def evaluate(visits, ctx, params):
    today = local_day(ctx.now, ctx.timezone)
    for client_id, own in group_by(visits, lambda v: v.client_id).items():
        client = ctx.clients.get(client_id)
        if client is None or client.care_plan is None or not client.care_plan.scheduled:
            continue
        by_week = group_by(own, lambda v: local_day(v.check_in_at, ctx.timezone))
        weeks: dict[str, list] = {}
        for day, day_visits in by_week.items():
            weeks.setdefault(iso_week(day), []).extend(day_visits)
        for week, week_visits in weeks.items():
            monday = local_day(week_visits[0].check_in_at, ctx.timezone)
            monday -= timedelta(days=monday.weekday())
            if monday + timedelta(days=7) > today:
                continue  # the week is not over
            expected = _expected(client, monday, client.care_plan.visits_per_week) - params["tolerance"]
            if len(week_visits) >= int(expected):
                continue
            yield group_finding(
                f"client_week:{client_id}:{week}",
                f"Client {client_id} had {len(week_visits)} visit(s) in {week}; the care plan asks for "
                f"{client.care_plan.visits_per_week} a week.",
                {
                    "week": week,
                    "visits": len(week_visits),
                    "visits_per_week": client.care_plan.visits_per_week,
                    "expected": round(expected, 1),
                    "tolerance": params["tolerance"],
                },
                week_visits,
            )


RULE = Rule(
    code="S05",
    name="frequency_not_delivered",
    title_en="Plan frequency not delivered",
    title_zh="服务频次不足",
    severity="medium",
    score=20,
    scope="client",
    evaluate=evaluate,
    defaults={"tolerance": 0},
)
