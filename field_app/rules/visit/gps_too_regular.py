"""GPS that looks fabricated: too regular to come from a real receiver (定位数据异常规整).

Flags: a visit whose fixes (attempt fixes and trail points, in time order, the same fix delivered
twice counted once) show any of three signals of a spoofing app or a replayed recording:
- identical coordinates: at least ``min_identical`` consecutive fixes at the same lat/lng (to 1e-6°);
- zero jitter: at least ``min_still_fixes`` consecutive fixes all within ``max_jitter_m`` of the
  stretch's first fix, over at least ``min_span_minutes``;
- constant accuracy: at least ``min_fixes_constant_accuracy`` fixes, all with the same accuracy.
Why: mock-location apps that hide the mock flag still betray themselves by perfect numbers; a visit
"attended" by such a phone may never have happened.
Legitimate look-alike: a real phone lying still on a table indoors: its fixes wander by metres and
its reported accuracy changes from fix to fix, so none of the signals fire. A stale cached fix
re-sent with its original timestamp is de-duplicated and does not build an identical run.
Without trail consent and without points there is nothing to judge: NOT_APPLICABLE.
Thresholds: ``min_identical`` (10), ``max_jitter_m`` (0.5), ``min_span_minutes`` (5),
``min_still_fixes`` (5), ``min_fixes_constant_accuracy`` (10).
Severity: medium, score 30 (a statistical sign; G03 covers phones that admit the mock).
"""

from __future__ import annotations

import numpy as np

from field_app.geodesy import haversine_many_m
from field_app.rules.base import NOT_APPLICABLE, Rule
from field_app.rules.support import timed_fixes, visit_finding


def _fix_arrays(visit):
    """lat, lng, accuracy and epoch seconds of the visit's distinct fixes, in time order."""
    rows, last = [], None
    for _, fix in timed_fixes(visit):
        key = (fix.at, fix.lat, fix.lng)
        if key != last:
            rows.append((fix.lat, fix.lng, fix.accuracy_m, fix.at.timestamp()))
        last = key
    arr = np.array(rows, dtype=float).reshape(-1, 4)
    return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]


def true_runs(mask):
    """(start, stop) of each run of True in a 1-d bool array, stop exclusive."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _identical_run(lat, lng):
    """Length of the longest run of consecutive fixes at the same coordinates (to 1e-6°)."""
    if len(lat) < 2:
        return len(lat)
    qlat, qlng = np.round(lat * 1e6), np.round(lng * 1e6)
    same = (qlat[1:] == qlat[:-1]) & (qlng[1:] == qlng[:-1])
    return max((stop - start + 1 for start, stop in true_runs(same)), default=1)


def _still_stretch(lat, lng, t, params):
    """(spread m, span min) of the longest stretch with zero jitter over the minimum span, or None."""
    if len(lat) < 2:
        return None
    steps = haversine_many_m(lat[:-1], lng[:-1], lat[1:], lng[1:])
    best = None
    for start, stop in true_runs(steps < params["max_jitter_m"]):  # steps start..stop-1: fixes start..stop
        span = float(t[stop] - t[start]) / 60
        few = stop - start + 1 < params["min_still_fixes"]  # check-in + check-out alone prove nothing
        if few or span < params["min_span_minutes"] or (best and span <= best[1]):
            continue
        spread = float(
            haversine_many_m(lat[start], lng[start], lat[start : stop + 1], lng[start : stop + 1]).max()
        )
        if spread < params["max_jitter_m"]:
            best = (spread, span)
    return best


def _signals(lat, lng, acc, t, params):
    identical = _identical_run(lat, lng)
    still = _still_stretch(lat, lng, t, params)
    constant = len(acc) >= max(2, params["min_fixes_constant_accuracy"]) and np.ptp(acc) == 0
    evidence = {
        "fixes": len(lat),
        "identical_run": identical,
        "jitter_m": None if still is None else round(still[0], 2),
        "jitter_span_minutes": None if still is None else round(still[1], 1),
        "distinct_accuracies": len(np.unique(acc)),
        "constant_accuracy_m": float(acc[0]) if constant else None,
    }
    fired = [
        name
        for name, hit in (
            ("identical_coordinates", identical >= params["min_identical"]),
            ("zero_jitter", still is not None),
            ("constant_accuracy", constant),
        )
        if hit
    ]
    return fired, evidence


def _message(fired, ev):
    parts = []
    if "identical_coordinates" in fired:
        parts.append(f"{ev['identical_run']} consecutive fixes at identical coordinates")
    if "zero_jitter" in fired:
        parts.append(f"fixes within {ev['jitter_m']:g} m of one spot for {ev['jitter_span_minutes']:g} min")
    if "constant_accuracy" in fired:
        parts.append(f"all {ev['fixes']} fixes with the same accuracy {ev['constant_accuracy_m']:g} m")
    return "The GPS looks fabricated: " + "; ".join(parts) + "."


def evaluate(visit, ctx, params):
    client = ctx.clients.get(visit.client_id)
    if not visit.points and client is not None and not client.trail_consent:
        yield visit_finding(
            visit,
            "The client has not consented to trail collection, so there are no trail "
            "points to judge the GPS by.",
            {"trail_consent": False},
            outcome=NOT_APPLICABLE,
        )
        return
    lat, lng, acc, t = _fix_arrays(visit)
    fired, evidence = _signals(lat, lng, acc, t, params)
    if fired:
        yield visit_finding(visit, _message(fired, evidence), {"signals": fired, **evidence, **params})


RULE = Rule(
    code="G04",
    name="gps_too_regular",
    title_en="GPS too regular",
    title_zh="定位数据异常规整",
    severity="medium",
    score=30,
    scope="visit",
    evaluate=evaluate,
    defaults={
        "min_identical": 10,
        "max_jitter_m": 0.5,
        "min_span_minutes": 5,
        "min_still_fixes": 5,
        "min_fixes_constant_accuracy": 10,
    },
)
