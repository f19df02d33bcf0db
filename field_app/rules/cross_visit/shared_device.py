"""One phone used by several caregivers on one day (多名护理员共用一台设备).

Flags: a device id that sent check-in/out attempts for at least ``min_caregivers`` different
caregivers on one local day: the visit's day (its check-in's), not the day the server received the
attempt, so a phone re-sending last week's offline visits is judged by last week.
Why: the phone is what ties the selfie, the GPS fix and the clock to a person at a home. When one
phone checks in several caregivers, one person can hold all their "visits": a coordinator clocking
in the team from the office, or one caregiver billing under a colleague's name (代签).
Legitimate look-alike: an agency's shared tablet used to enrol caregivers' faces never appears here
(enrolment is not a visit attempt). A team that really shares a phone (a caregiver whose phone broke
borrowing a colleague's, a husband-and-wife pair working the same street) looks exactly like this;
it is still worth a look, because on a shared phone the only proof of who was at the home is the
face check, and the agency should register the loan. Hence medium, not high.
Thresholds: ``min_caregivers`` (2).
Severity: medium, score 20.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import day_getter, group_by, group_finding


def _attempts(visits, tz_name):
    day_of = day_getter(tz_name)
    for visit in visits:
        for attempt in visit.attempts:
            if attempt.device_id:
                yield (attempt.device_id, day_of(visit.check_in_at)), visit, attempt


def evaluate(visits, ctx, params):
    grouped = group_by(_attempts(visits, ctx.timezone), lambda row: row[0])
    for (device, day), rows in grouped.items():
        caregivers = sorted({a.caregiver_id for _, _, a in rows})
        if len(caregivers) < params["min_caregivers"]:
            continue
        by_caregiver = group_by(rows, lambda row: row[2].caregiver_id)
        yield group_finding(
            f"device_day:{device}:{day.isoformat()}",
            f"Device {device} sent attempts for {len(caregivers)} caregivers on {day} "
            f"({', '.join(map(str, caregivers))}); limit {params['min_caregivers'] - 1}.",
            {
                "device_id": device,
                "date": day.isoformat(),
                "caregiver_ids": caregivers,
                "min_caregivers": params["min_caregivers"],
                "uses": [
                    {
                        "caregiver_id": cg,
                        "visit_ids": sorted({v.id for _, v, _ in own}),
                        "attempt_ids": sorted(a.id for _, _, a in own),
                    }
                    for cg, own in sorted(by_caregiver.items())
                ],
            },
            [v for _, v, _ in rows],
            occurred_at=min(a.received_at for _, _, a in rows),
        )


RULE = Rule(
    code="X04",
    name="shared_device",
    title_en="Device shared by caregivers",
    title_zh="多名护理员共用设备",
    severity="medium",
    score=20,
    scope="population",
    evaluate=evaluate,
    defaults={"min_caregivers": 2},
)
