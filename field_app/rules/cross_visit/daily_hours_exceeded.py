"""More visit hours in one day than a caregiver can work (单日服务时长超限).

Flags: a caregiver whose closed visits add up to more than ``max_hours`` on one local calendar day.
A visit across local midnight is split between its two days. An open visit counts until its last
evidence (``support.visit_end``: its last fix, trail point, item or failed check-out), not until
``now``: a forgotten check-out (T04) must not make a day look long, but a trail that shows her there
is time worked.
Why: billed minutes are what the fund pays for; ten or more hours of hands-on care a day, on top of
travel between homes, is more than one person gives. Padding visit length, or one caregiver's
account used by several people, shows up as an impossible working day.
Legitimate look-alike: a live-in or respite arrangement where the plan authorises long visits, or a
long shift on one day covering an absent colleague: the evidence lists each visit and its minutes so
a supervisor can match it to the rota. Overlapping visits double count here, which is X01's finding.
Thresholds: ``max_hours`` (10).
Severity: medium, score 20.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import group_finding
from field_app.rules.support import visit_end


def day_minutes(start: datetime, end: datetime, tz_name: str):
    """(local date, minutes) of the interval split at local midnights."""
    tz = ZoneInfo(tz_name)
    cursor, end_local = start.astimezone(tz), end.astimezone(tz)
    while cursor < end_local:
        midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), tzinfo=tz)
        stop = min(midnight, end_local)
        yield cursor.date(), (stop - cursor).total_seconds() / 60
        cursor = stop


def _minutes_by_day(visits, tz_name, now):
    """{caregiver id: {date: [(visit, minutes), ...]}}, open visits until their last evidence."""
    out: dict = {}
    for visit in visits:
        for day, minutes in day_minutes(visit.check_in_at, visit_end(visit, now), tz_name):
            out.setdefault(visit.caregiver_id, {}).setdefault(day, []).append((visit, minutes))
    return out


def evaluate(visits, ctx, params):
    limit_h = params["max_hours"]
    for caregiver_id, days in _minutes_by_day(visits, ctx.timezone, ctx.now).items():
        for day, parts in days.items():
            total = sum(m for _, m in parts)
            if total <= limit_h * 60:
                continue
            yield group_finding(
                f"caregiver_day:{caregiver_id}:{day.isoformat()}",
                f"Caregiver {caregiver_id} has {total / 60:.1f} hours of visits on {day} "
                f"in {len(parts)} visit(s), above {limit_h} hours.",
                {
                    "date": day.isoformat(),
                    "total_hours": round(total / 60, 2),
                    "max_hours": limit_h,
                    "visits": [
                        {"visit_id": v.id, "client_id": v.client_id, "minutes": round(m, 1)} for v, m in parts
                    ],
                },
                [v for v, _ in parts],
            )


RULE = Rule(
    code="X03",
    name="daily_hours_exceeded",
    title_en="Daily visit hours exceeded",
    title_zh="单日服务时长超限",
    severity="medium",
    score=20,
    scope="caregiver",
    evaluate=evaluate,
    defaults={"max_hours": 10},
)
