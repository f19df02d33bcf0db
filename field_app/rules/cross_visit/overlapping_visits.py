"""One caregiver in two visits at once (同一护理员服务时间重叠).

Flags: a caregiver whose visits overlap in time: intervals from check-in to check-out sharing more
than ``min_overlap_minutes``. A visit not checked out ends at its last evidence (``support.visit_end``:
its last fix, trail point, item or failed check-out, or its planned end), never later than
``max_open_minutes`` after its check-in: a missing check-out says nothing of when the caregiver left,
and assuming 240 minutes made an honest 70-minute visit whose check-out failed overlap the next one. One
finding per caregiver and local day (the day the later visit began), listing every overlapping pair.
Why: one person cannot care for two clients at once; overlapping visits are the plainest sign that
at least one of them was billed without being given (a colleague or a fake GPS checking in).
Legitimate look-alike: a visit the caregiver forgot to close before checking in at the next client
(evidence marks it ``open`` with its assumed end; the forgotten check-out is T04's business, and a
next visit after the assumed end is quiet here), and a minute's overlap from phone clocks or walking
out while the next client's door opens, which ``min_overlap_minutes`` absorbs.
Thresholds: ``min_overlap_minutes`` (1), ``max_open_minutes`` (240, the longest plausible visit: the
default of ``FIELD_APP_VISIT_MAX_MINUTES`` and of T02's ``max_minutes``).
Severity: high, score 40 (the visits cannot both be real as billed).
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import group_by, group_finding
from field_app.rules.support import iso, local_day, visit_end


def _overlapping_pairs(visits, end_of, min_minutes):
    """(earlier, later, minutes) for pairs overlapping by more than ``min_minutes``: a sweep, not n²."""
    active: list = []  # visits begun earlier that have not ended before the current check-in
    for later in sorted(visits, key=lambda v: (v.check_in_at, v.id)):
        start, end = later.check_in_at, end_of(later)
        active = [v for v in active if end_of(v) > start]
        for earlier in active:
            minutes = (min(end_of(earlier), end) - start).total_seconds() / 60
            if minutes > min_minutes:
                yield earlier, later, minutes
        active.append(later)


def _pair_evidence(earlier, later, minutes, end_of):
    return {
        "visit_ids": [earlier.id, later.id],
        "client_ids": [earlier.client_id, later.client_id],
        "overlap_minutes": round(minutes, 1),
        "first": _interval(earlier, end_of),
        "second": _interval(later, end_of),
    }


def _interval(visit, end_of):
    return {"check_in_at": iso(visit.check_in_at), "end_at": iso(end_of(visit)), "open": visit.is_open}


def evaluate(visits, ctx, params):
    limit = params["min_overlap_minutes"]
    end_of = partial(visit_end, now=ctx.now, open_limit=timedelta(minutes=params["max_open_minutes"]))
    for caregiver_id, own in group_by(visits, lambda v: v.caregiver_id).items():
        found = list(_overlapping_pairs(own, end_of, limit))
        by_day = group_by(found, lambda p: local_day(p[1].check_in_at, ctx.timezone))
        for day, day_pairs in by_day.items():
            worst = max(day_pairs, key=lambda p: p[2])
            involved = [v for e, lt, _ in day_pairs for v in (e, lt)]
            yield group_finding(
                f"caregiver_day:{caregiver_id}:{day.isoformat()}",
                f"Caregiver {caregiver_id} had {len(day_pairs)} overlapping visit pair(s) on {day}; "
                f"visits {worst[0].uuid} and {worst[1].uuid} overlap by {worst[2]:.0f} minutes "
                f"(limit {limit}).",
                {
                    "date": day.isoformat(),
                    "max_overlap_minutes": round(worst[2], 1),
                    "min_overlap_minutes": limit,
                    "max_open_minutes": params["max_open_minutes"],
                    "pairs": [_pair_evidence(e, lt, m, end_of) for e, lt, m in day_pairs],
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
    defaults={"min_overlap_minutes": 1, "max_open_minutes": 240},
)
