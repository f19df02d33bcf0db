"""GPS fixes that jump faster than any vehicle (定位瞬移).

Flags: consecutive fixes of a visit (attempt fixes and trail points, in fix-time order) whose
distance, less both accuracy radii (floored at 0), divided by the time between them exceeds
``max_speed_kmh``. Pairs less than ``min_seconds`` apart are ignored (the time base is too short to
judge), and fixes with a negative (invalid, iOS) accuracy are left out.
Why: a spoofing app switched on or off mid-visit, or a trail stitched together from another
device, shows as a jump no car could make; the visit's location evidence cannot be trusted.
Legitimate look-alike: a coarse Wi-Fi or cell fix next to a precise GPS one: the two may be far
apart, but their accuracy radii (50-65 m for Wi-Fi) absorb the distance. A caregiver driving
between clients moves well under the limit.
Thresholds: ``max_speed_kmh`` (120), ``min_seconds`` (1).
Severity: medium, score 25 (GPS glitches happen; several jumps are stronger evidence).
"""

from __future__ import annotations

import numpy as np

from field_app.geodesy import haversine_many_m
from field_app.rules.base import Rule
from field_app.rules.support import iso, timed_fixes, visit_finding


def _speeds(fixes, min_seconds):
    """Per consecutive pair: distance m, accuracy allowance m, seconds, km/h (0 where not judged)."""
    lat, lng, acc, t = (
        np.array(col, dtype=float)
        for col in zip(*((f.lat, f.lng, f.accuracy_m, f.at.timestamp()) for _, f in fixes), strict=True)
    )
    dist = haversine_many_m(lat[:-1], lng[:-1], lat[1:], lng[1:])
    allowance = acc[:-1] + acc[1:]
    seconds = np.diff(t)
    judged = (seconds > 0) & (seconds >= min_seconds)
    kmh = np.where(judged, np.maximum(dist - allowance, 0.0) / np.where(judged, seconds, 1.0) * 3.6, 0.0)
    return dist, allowance, seconds, kmh


def _label(ref):
    return f"attempt {ref['attempt_id']}" if "attempt_id" in ref else f"trail point {ref['point_index']}"


def _evidence(fixes, i, numbers, n_jumps, params):
    dist, allowance, seconds, kmh = numbers
    return {
        "from": fixes[i][0],
        "to": fixes[i + 1][0],
        "from_at": iso(fixes[i][1].at),
        "distance_m": round(float(dist[i])),
        "accuracy_allowance_m": round(float(allowance[i]), 1),
        "seconds": round(float(seconds[i]), 1),
        "speed_kmh": round(float(kmh[i]), 1),
        "jumps": n_jumps,
        "max_speed_kmh": params["max_speed_kmh"],
        "min_seconds": params["min_seconds"],
    }


def evaluate(visit, ctx, params):
    fixes = [
        (ref, fix) for ref, fix in timed_fixes(visit) if fix.accuracy_m is not None and fix.accuracy_m >= 0
    ]
    if len(fixes) < 2:
        return
    numbers = _speeds(fixes, params["min_seconds"])
    kmh = numbers[3]
    jumps = np.flatnonzero(kmh > params["max_speed_kmh"])
    if not jumps.size:
        return
    i = int(jumps[np.argmax(kmh[jumps])])
    ev = _evidence(fixes, i, numbers, int(jumps.size), params)
    yield visit_finding(
        visit,
        f"The location jumped {ev['distance_m']} m in {ev['seconds']:g} s from {_label(ev['from'])} to "
        f"{_label(ev['to'])}: {ev['speed_kmh']:g} km/h after allowing {ev['accuracy_allowance_m']:g} m of accuracy "
        f"(limit {params['max_speed_kmh']} km/h; {ev['jumps']} such jump(s)).",
        ev,
        occurred_at=fixes[i][1].at,
    )


RULE = Rule(
    code="G05",
    name="gps_teleport",
    title_en="GPS teleport",
    title_zh="定位瞬移",
    severity="medium",
    score=25,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_speed_kmh": 120, "min_seconds": 1},
)
