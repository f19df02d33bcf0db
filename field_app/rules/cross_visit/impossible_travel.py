"""Impossible travel between consecutive visits (连续服务间移动速度异常).

Flags: a caregiver whose check-out at one client and check-in at the next are further apart than
anyone could travel in the gap: the straight-line distance, less both fixes' accuracy radii, over
the time between the two fixes, above ``max_speed_kmh``. Only legs longer than ``min_distance_m``
(straight line) count. Fixes: the final check-out attempt of the first visit and the first check-in
attempt of the next; a visit without such an attempt stands at its client's home (accuracy = the
fence radius) at its check-out / check-in time. A gap under one minute counts as one minute, so back-
to-back visits far apart are caught too; overlapping visits (a negative gap) are left to X01. One finding per caregiver and local day (the day of the
arrival), with every leg; the top-level numbers are the fastest leg's.
Why: a caregiver who "arrives" 20 km away five minutes after leaving was not at one of the two
homes: one end was faked (mock GPS, a colleague with her phone) or the visit was never made.
Legitimate look-alike: two clients in the same building or next door visited back-to-back: a
short hop with noisy indoor fixes can look fast over a minute, which ``min_distance_m`` and the
accuracy allowance keep quiet. A long leg by car on an expressway stays under 80 km/h on average.
Thresholds: ``max_speed_kmh`` (80), ``min_distance_m`` (1000).
Severity: high, score 35.
"""

from __future__ import annotations

from field_app.geodesy import haversine_m
from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import check_in_fix, check_out_fix, group_by, group_finding
from field_app.rules.support import iso, local_day, pairs

MIN_GAP_H = 1 / 60  # a leg of under a minute counts as a minute: no division by zero


def _leg(first, second, clients):
    """Numbers of the leg from ``first``'s check-out to ``second``'s check-in, or None."""
    out_id, out_fix = check_out_fix(first, clients)
    in_id, in_fix = check_in_fix(second, clients)
    if out_fix is None or in_fix is None:
        return None
    distance = haversine_m(out_fix.lat, out_fix.lng, in_fix.lat, in_fix.lng)
    accuracy = max(out_fix.accuracy_m, 0.0) + max(in_fix.accuracy_m, 0.0)
    gap_h = (in_fix.at - out_fix.at).total_seconds() / 3600
    if gap_h < 0:  # the visits overlap: no travel leg to judge; overlapping_visits (X01) flags that
        return None
    effective = max(distance - accuracy, 0.0)
    return {
        "visit_ids": [first.id, second.id],
        "from_attempt_id": out_id,
        "to_attempt_id": in_id,
        "from_at": iso(out_fix.at),
        "to_at": iso(in_fix.at),
        "distance_m": round(distance),
        "accuracy_m": round(accuracy),
        "effective_distance_m": round(effective),
        "gap_minutes": round(gap_h * 60, 1),
        "speed_kmh": round(effective / 1000 / max(gap_h, MIN_GAP_H), 1),
    }


def _fast_legs(visits, ctx, params):
    ordered = sorted(visits, key=lambda v: (v.check_in_at, v.id))
    for first, second in pairs(ordered):
        leg = _leg(first, second, ctx.clients)
        if (
            leg
            and leg["distance_m"] > params["min_distance_m"]
            and leg["speed_kmh"] > params["max_speed_kmh"]
        ):
            yield first, second, leg


def evaluate(visits, ctx, params):
    for caregiver_id, own in group_by(visits, lambda v: v.caregiver_id).items():
        legs = list(_fast_legs(own, ctx, params))
        for day, day_legs in group_by(legs, lambda x: local_day(x[1].check_in_at, ctx.timezone)).items():
            first, second, worst = max(day_legs, key=lambda x: x[2]["speed_kmh"])
            yield group_finding(
                f"caregiver_day:{caregiver_id}:{day.isoformat()}",
                f"Check-out of visit {first.uuid} and check-in of visit {second.uuid} are "
                f"{worst['distance_m'] / 1000:.1f} km apart ({worst['effective_distance_m'] / 1000:.1f} km "
                f"after {worst['accuracy_m']} m of accuracy) {worst['gap_minutes']:.0f} minutes apart: "
                f"{worst['speed_kmh']:.0f} km/h, above {params['max_speed_kmh']} km/h.",
                {
                    **worst,
                    "date": day.isoformat(),
                    "max_speed_kmh": params["max_speed_kmh"],
                    "min_distance_m": params["min_distance_m"],
                    "legs": [x[2] for x in day_legs],
                },
                [v for f, s, _ in day_legs for v in (f, s)],
                occurred_at=second.check_in_at,
            )


RULE = Rule(
    code="X02",
    name="impossible_travel",
    title_en="Impossible travel between visits",
    title_zh="连续服务间移动速度异常",
    severity="high",
    score=35,
    scope="caregiver",
    evaluate=evaluate,
    defaults={"max_speed_kmh": 80, "min_distance_m": 1000},
)
