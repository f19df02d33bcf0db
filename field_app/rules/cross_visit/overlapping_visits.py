"""One caregiver in two visits at once (同一护理员服务时间重叠).

Flags: a caregiver whose visits overlap in time: intervals from check-in to check-out (or to ``now``
while a visit is still open) sharing more than ``min_overlap_minutes``. One finding per caregiver
and local day (the day the later visit began), listing every overlapping pair.
Why: one person cannot care for two clients at once; overlapping visits are the plainest sign that
at least one of them was billed without being given (a colleague or a fake GPS checking in).
Legitimate look-alike: a visit the caregiver forgot to close before checking in at the next client
(evidence marks it ``open``; the forgotten check-out is also T04's business), and a minute's
overlap from phone clocks or walking out while the next client's door opens, which
``min_overlap_minutes`` absorbs.
Thresholds: ``min_overlap_minutes`` (1).
Severity: high, score 40 (the visits cannot both be real as billed).
"""

from __future__ import annotations

from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import group_by, group_finding
from field_app.rules.support import iso, local_day, visit_end


def _overlapping_pairs(visits, now, min_minutes):
    """(earlier, later, minutes) for pairs overlapping by more than ``min_minutes``: a sweep, not n²."""
    active: list = []  # visits begun earlier that have not ended before the current check-in
    for later in sorted(visits, key=lambda v: (v.check_in_at, v.id)):
        start, end = later.check_in_at, visit_end(later, now)
        active = [v for v in active if visit_end(v, now) > start]
        for earlier in active:
            minutes = (min(visit_end(earlier, now), end) - start).total_seconds() / 60
            if minutes > min_minutes:
                yield earlier, later, minutes
        active.append(later)


def _pair_evidence(earlier, later, minutes, now):
    return {
        "visit_ids": [earlier.id, later.id],
        "client_ids": [earlier.client_id, later.client_id],
        "overlap_minutes": round(minutes, 1),
        "first": {
            "check_in_at": iso(earlier.check_in_at),
            "end_at": iso(visit_end(earlier, now)),
            "open": earlier.is_open,
        },
        "second": {
            "check_in_at": iso(later.check_in_at),
            "end_at": iso(visit_end(later, now)),
            "open": later.is_open,
        },
    }


def evaluate(visits, ctx, params):
    limit = params["min_overlap_minutes"]
    for caregiver_id, own in group_by(visits, lambda v: v.caregiver_id).items():
        found = list(_overlapping_pairs(own, ctx.now, limit))
        by_day = group_by(found, lambda p: local_day(p[1].check_in_at, ctx.timezone))
        for day, day_pairs in by_day.items():
            worst = max(day_pairs, key=lambda p: p[2])
            involved = [v for e, lt, _ in day_pairs for v in (e, lt)]
            yield group_finding(
                f"caregiver_day:{caregiver_id}:{day.isoformat()}",
                f"Caregiver {caregiver_id} had {len(day_pairs)} overlapping visit pair(s) on {day}; "
                f"visits {worst[0].id} and {worst[1].id} overlap by {worst[2]:.0f} minutes "
                f"(limit {limit}).",
                {
                    "date": day.isoformat(),
                    "max_overlap_minutes": round(worst[2], 1),
                    "min_overlap_minutes": limit,
                    "pairs": [_pair_evidence(e, lt, m, ctx.now) for e, lt, m in day_pairs],
                },
                involved,
                occurred_at=worst[1].check_in_at,
            )


RULE = Rule(
    code="X01",
    name="overlapping_visits",
    title_en="Overlapping visits",
    title_zh="服务时间重叠",
    severity="high",
    score=40,
    scope="caregiver",
    evaluate=evaluate,
    defaults={"min_overlap_minutes": 1},
)
