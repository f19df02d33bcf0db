"""Caregiver without a valid certificate on the day of the visit (护理员资质无效).

Flags: a visit whose caregiver has no care-certificate validity period (HR & social security,
人力社保) containing the visit's local check-in date: expired, not yet valid, or none at all. A
caregiver not in ``ctx.caregivers`` is skipped (the scanner did not load her).
Why: the fund pays only for care by qualified, registered caregivers; an agency sending staff with
lapsed or no certificates is billing for care the scheme does not cover.
Legitimate look-alike: a renewed certificate not yet synchronised from 人力社保 (a gap of days
between the old period's end and the new one's start in the record): the evidence gives the nearest
periods so a supervisor can see a renewal in progress.
Thresholds: none.
Severity: high, score 40.
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.support import local_day, visit_finding


def _period_text(period):
    return {"start": period.start.isoformat(), "end": period.end.isoformat() if period.end else None}


def evaluate(visit, ctx, params):
    caregiver = ctx.caregivers.get(visit.caregiver_id)
    if caregiver is None:
        return
    day = local_day(visit.check_in_at, ctx.timezone)
    if any(p.contains(day) for p in caregiver.certificates):
        return
    ended = [p for p in caregiver.certificates if p.end is not None and p.end < day]
    last_end = max((p.end for p in ended), default=None)
    why = f"the last one ended on {last_end}" if last_end else "none on record covers it"
    yield visit_finding(
        visit,
        f"Caregiver {caregiver.id} had no valid care certificate on {day}: {why} "
        f"({len(caregiver.certificates)} period(s) on record).",
        {
            "date": day.isoformat(),
            "certificates": [_period_text(p) for p in caregiver.certificates],
            "last_end": last_end.isoformat() if last_end else None,
        },
    )


RULE = Rule(
    code="R03",
    name="caregiver_certificate_invalid",
    title_en="Caregiver certificate invalid",
    title_zh="护理员资质无效",
    severity="high",
    score=40,
    scope="visit",
    evaluate=evaluate,
    defaults={},
)
