"""Check-in or check-out outside the agreed service hours (非服务时段打卡).

Flags: a visit whose check-in or check-out local clock time (``ctx.timezone``, Asia/Shanghai) is
before ``start`` or after ``end``, or whose check-out falls on a later local day than its check-in
(it ran through the night). ``start`` after ``end`` (e.g. "22:00"-"06:00") means hours spanning
midnight. Both limits are inclusive.
Why: home care is agreed for the day (Shengzhou covers 05:00-20:00); a visit at 23:00 or 03:00 is
unlikely to be care given and likely to be recorded to fill a quota.
Legitimate look-alike: an early visit at 05:30 to help a client get up, or a check-out at exactly
20:00, is within the hours and stays quiet.
Thresholds: ``start`` ("05:00"), ``end`` ("20:00"), as "HH:MM" strings.
Severity: medium, score 15.
"""

from __future__ import annotations

from datetime import time

from field_app.rules.base import Rule
from field_app.rules.support import KIND_LABEL, local_day, local_time, visit_finding


def within(moment: time, start: time, end: time) -> bool:
    """Whether a clock time is inside [start, end], which may wrap past midnight."""
    return start <= moment <= end if start <= end else moment >= start or moment <= end


def _ends(visit):
    yield "check_in", visit.check_in_at
    if visit.check_out_at is not None:
        yield "check_out", visit.check_out_at


def evaluate(visit, ctx, params):
    start, end = time.fromisoformat(params["start"]), time.fromisoformat(params["end"])
    clock = {kind: local_time(at, ctx.timezone).replace(microsecond=0) for kind, at in _ends(visit)}
    outside = [kind for kind, moment in clock.items() if not within(moment, start, end)]
    overnight = visit.check_out_at is not None and (
        local_day(visit.check_out_at, ctx.timezone) > local_day(visit.check_in_at, ctx.timezone)
    )
    if not outside and not overnight:
        return
    shown = ", ".join(f"{KIND_LABEL[k].lower()} at {clock[k].strftime('%H:%M')}" for k in clock)
    hours = f"the service hours {params['start']}-{params['end']}"
    why = [f"is outside {hours}"] if outside else []
    why += [f"ran overnight{'' if outside else ' past ' + hours}"] if overnight else []
    yield visit_finding(
        visit,
        f"The visit ({shown}) {' and '.join(why)}.",
        {
            "outside": outside,
            "overnight": overnight,
            **{f"{kind}_local": moment.isoformat() for kind, moment in clock.items()},
            "start": params["start"],
            "end": params["end"],
        },
        occurred_at=visit.check_out_at if outside == ["check_out"] else visit.check_in_at,
    )


RULE = Rule(
    code="T03",
    name="outside_service_hours",
    title_en="Outside service hours",
    title_zh="非服务时段打卡",
    severity="medium",
    score=15,
    scope="visit",
    evaluate=evaluate,
    defaults={"start": "05:00", "end": "20:00"},
)
