"""Many clients checked in from one spot on one day (多名参保人在同一地点签到).

Flags: a spot (a check-in fix) within ``radius_m`` of which check-ins for at least ``min_clients``
different clients were made on one local day, counting only check-ins whose client's home is itself
further than ``radius_m`` from the spot. Fixes are the first check-in attempt of each visit; visits
without one, or whose client is not in ``ctx.clients`` (home unknown, so the look-alike cannot be
ruled out), are left out. One finding per spot: the spot with the most clients wins, and no check-in
within ``radius_m`` of it becomes the centre of another finding.
Why: check-ins for clients who live elsewhere, made from one place (the agency office, a tea house,
a caregiver's home), mean the caregivers were not at the homes: a coordinator clocking in a list of
clients, or mock GPS that all lands on one default point.
Legitimate look-alike: an apartment block or care compound where several clients live: many honest
check-ins from one spot, but each client's home is within ``radius_m`` of it, so they do not count.
Thresholds: ``min_clients`` (3), ``radius_m`` (50).
Severity: high, score 40.
Performance: check-ins are bucketed in a metric grid of cells ``radius_m`` wide (``_grid``), and
only the 3x3 neighbourhoods holding ``min_clients`` check-ins are compared, with numpy: no comparison
of all pairs of a province's day.
"""

from __future__ import annotations

import numpy as np

from field_app.geodesy import haversine_m, haversine_many_m
from field_app.rules.base import Rule
from field_app.rules.cross_visit._common import day_getter, first_attempt, group_by, group_finding
from field_app.rules.cross_visit._grid import neighbourhoods


def _check_ins(visits, ctx):
    """(visit, attempt, home) of every visit with a first check-in attempt and a known client."""
    for visit in visits:
        attempt, client = first_attempt(visit, "check_in"), ctx.clients.get(visit.client_id)
        if attempt is not None and client is not None:
            yield visit, attempt, client.home


def _spots_in_cell(centres, candidates, arrays, params):
    """(centre row, member rows, rows near the centre) of the cell's centres with enough distinct
    far-living clients; members are the near rows less the clients who live at the spot."""
    lat, lng, home_lat, home_lng, clients = arrays
    r = params["radius_m"]
    c, k = np.asarray(centres)[:, None], np.asarray(candidates)[None, :]
    near = haversine_many_m(lat[c], lng[c], lat[k], lng[k]) <= r
    home_far = haversine_many_m(lat[c], lng[c], home_lat[k], home_lng[k]) > r
    mask = near & home_far
    for i in np.flatnonzero(mask.sum(axis=1) >= params["min_clients"]):
        members = k[0][mask[i]]
        n_clients = len(set(clients[members].tolist()))
        if n_clients >= params["min_clients"]:
            yield int(c[i, 0]), members.tolist(), k[0][near[i]].tolist(), n_clients


def _spots(rows, params):
    """Every candidate spot of one day's check-ins."""
    arrays = tuple(
        np.asarray(col)
        for col in zip(*((a.fix.lat, a.fix.lng, h.lat, h.lng, v.client_id) for v, a, h in rows), strict=True)
    )
    for centres, around in neighbourhoods(arrays[0], arrays[1], params["radius_m"], params["min_clients"]):
        yield from _spots_in_cell(centres, around, arrays, params)


def _distinct_spots(rows, params):
    """Greedy: biggest spot first; a check-in near a reported spot is not the centre of another."""
    found = sorted(_spots(rows, params), key=lambda s: (-s[3], rows[s[0]][1].fix.at, s[0]))
    used: set[int] = set()
    for centre, members, near, _ in found:
        if centre not in used:
            used.update(near)
            yield centre, members


def _finding(rows, centre, members, day, params):
    spot = rows[centre][1].fix
    clients = sorted({rows[m][0].client_id for m in members})
    check_ins = [
        {
            "visit_id": v.id,
            "attempt_id": a.id,
            "client_id": v.client_id,
            "caregiver_id": v.caregiver_id,
            "distance_m": round(haversine_m(spot.lat, spot.lng, a.fix.lat, a.fix.lng), 1),
            "home_distance_m": round(haversine_m(spot.lat, spot.lng, h.lat, h.lng)),
        }
        for v, a, h in (rows[m] for m in members)
    ]
    return group_finding(
        f"spot_day:{spot.lat:.4f},{spot.lng:.4f}:{day.isoformat()}",
        f"{len(clients)} clients who live elsewhere were checked in within {params['radius_m']} m of "
        f"{spot.lat:.5f}, {spot.lng:.5f} on {day} (threshold {params['min_clients']}).",
        {
            "date": day.isoformat(),
            "spot": {"lat": round(spot.lat, 6), "lng": round(spot.lng, 6)},
            "clients": len(clients),
            "client_ids": clients,
            "min_clients": params["min_clients"],
            "radius_m": params["radius_m"],
            "caregiver_ids": sorted({c["caregiver_id"] for c in check_ins}),
            "check_ins": check_ins,
        },
        [rows[m][0] for m in members],
        occurred_at=min(rows[m][1].fix.at for m in members),
    )


def evaluate(visits, ctx, params):
    day_of = day_getter(ctx.timezone)
    by_day = group_by(_check_ins(visits, ctx), lambda row: day_of(row[0].check_in_at))
    for day, rows in by_day.items():
        for centre, members in _distinct_spots(rows, params):
            yield _finding(rows, centre, members, day, params)


RULE = Rule(
    code="X07",
    name="clients_from_one_spot",
    title_en="Many clients checked in from one spot",
    title_zh="多名参保人同一地点签到",
    severity="high",
    score=40,
    scope="population",
    evaluate=evaluate,
    defaults={"min_clients": 3, "radius_m": 50},
)
