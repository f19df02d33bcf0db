"""The service trail leaves the geofence for long during the visit (服务轨迹长时间离开服务地址).

Flags: a continuous run of trail points recorded ``OUTSIDE`` the client's geofence lasting more than
``max_minutes_outside``, measured from the run's first to its last outside point. ``UNCERTAIN``
points neither count as outside nor end a run (they are fixes straddling the fence); an ``INSIDE``
point ends it. The gap from the last outside point to the next inside one is reported but not
added: it is as often lost signal after coming back indoors (lift, concrete stairwell) as time
still away, so adding it would over-count honest visits.
Without the client's trail consent the trail is not collected: the rule yields a NOT_APPLICABLE
finding saying so instead of judging.
Why: a caregiver who checks in at the home and then leaves (another job, another client) while the
visit clock runs bills the fund for care not given.
Legitimate look-alike: a short walk to the pharmacy or shop for the client (under the limit), and
GPS drift near the fence edge (single outside points between inside ones, or ``UNCERTAIN`` points).
Thresholds: ``max_minutes_outside`` (15).
Severity: medium, score 25.
"""

from __future__ import annotations

from field_app.rules.base import NOT_APPLICABLE, Rule
from field_app.rules.facts import INSIDE, OUTSIDE
from field_app.rules.support import iso, local_time, visit_finding


def outside_runs(points):
    """(first, last, n_outside, next_inside) index tuples of runs of OUTSIDE points, in order."""
    runs, start, last, count = [], None, None, 0
    for i, point in enumerate(points):
        if point.geofence_status == OUTSIDE:
            if start is None:
                start, count = i, 0
            last, count = i, count + 1
        elif point.geofence_status == INSIDE and start is not None:
            runs.append((start, last, count, i))
            start = None
    if start is not None:
        runs.append((start, last, count, None))
    return runs


def _minutes(a, b):
    return (b.fix.at - a.fix.at).total_seconds() / 60


def _evidence(points, run, n_over, limit):
    first, last, count, next_inside = run
    gap = None if next_inside is None else round(_minutes(points[last], points[next_inside]), 1)
    run_points = [p for p in points[first : last + 1] if p.geofence_status == OUTSIDE]
    return {
        "minutes_outside": round(_minutes(points[first], points[last]), 1),
        "max_minutes_outside": limit,
        "points_outside": count,
        "first_point_index": first,
        "last_point_index": last,
        "first_at": iso(points[first].fix.at),
        "last_at": iso(points[last].fix.at),
        "max_distance_m": round(max(p.distance_m for p in run_points)),
        "gap_to_next_inside_minutes": gap,
        "runs_over_limit": n_over,
    }


def evaluate(visit, ctx, params):
    client = ctx.clients.get(visit.client_id)
    if client is not None and not client.trail_consent:
        yield visit_finding(
            visit,
            "The client has not consented to trail collection, so the trail was not "
            "collected and time outside the fence cannot be judged.",
            {"trail_consent": False},
            outcome=NOT_APPLICABLE,
        )
        return
    points, limit = visit.points, params["max_minutes_outside"]
    over = [r for r in outside_runs(points) if _minutes(points[r[0]], points[r[1]]) > limit]
    if not over:
        return
    longest = max(over, key=lambda r: _minutes(points[r[0]], points[r[1]]))
    ev = _evidence(points, longest, len(over), limit)
    start, end = (local_time(points[i].fix.at, ctx.timezone).strftime("%H:%M") for i in longest[:2])
    yield visit_finding(
        visit,
        f"The trail stayed outside the fence for {ev['minutes_outside']:g} min ({ev['points_outside']} points, "
        f"up to {ev['max_distance_m']} m from home) from {start} to {end}; the limit is {limit} min.",
        ev,
        occurred_at=points[longest[0]].fix.at,
    )


RULE = Rule(
    code="G02",
    name="trail_outside_geofence",
    title_en="Trail outside the geofence",
    title_zh="服务轨迹离开服务地址",
    severity="medium",
    score=25,
    scope="visit",
    evaluate=evaluate,
    defaults={"max_minutes_outside": 15},
)
