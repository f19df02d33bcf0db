"""The cross-visit rules (field_app.rules.cross_visit): the edges that are awkward as JSON cases
(brute-force cross-checks of the sweeps and grids, generated populations, timing); their JSON cases
run in test_rule_cases.py."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, date, datetime, timedelta
from itertools import combinations

import numpy as np
import pytest

from field_app.geodesy import haversine_many_m
from field_app.rules.base import HIT, NOT_APPLICABLE
from field_app.rules.cross_visit import (
    clients_from_one_spot,
    daily_hours_exceeded,
    face_substitution,
    impossible_travel,
    minimum_duration_pattern,
    monthly_cap_exceeded,
    overlapping_visits,
    shared_device,
    weekly_frequency_exceeded,
)
from field_app.rules.cross_visit._common import day_getter, iso_week
from field_app.rules.facts import Attempt, Client, Fix, Home, PerformedItem, RuleContext, Visit
from field_app.rules.support import local_day
from tests.rules.cases import load_catalogue
from tests.rules.groups import check_group, group_rules

RULES = group_rules("cross_visit")

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def attempt(id, visit_id, kind, when, lat=30.75, lng=120.75, caregiver_id=1, device="device-1", **kw):
    return Attempt(
        id=id,
        visit_id=visit_id,
        kind=kind,
        caregiver_id=caregiver_id,
        device_id=device,
        fix=Fix(lat, lng, kw.pop("accuracy_m", 10.0), when),
        received_at=when,
        **kw,
    )


def visit(id, start, end=None, caregiver_id=1, client_id=1, attempts=(), items=()):
    return Visit(
        id=id,
        caregiver_id=caregiver_id,
        client_id=client_id,
        agency_id=1,
        check_in_at=start,
        check_out_at=end,
        attempts=tuple(attempts),
        items=tuple(items),
    )


def ctx(**kw) -> RuleContext:
    return RuleContext(now=kw.pop("now", NOW), **kw)


def hits(rule_module, subject, context, **params):
    findings = rule_module.RULE.run(subject, context, params)
    for f in findings:
        json.dumps(f.evidence)  # storable, whatever the case
    return [f for f in findings if f.outcome == HIT]


# --- the group as a whole -----------------------------------------------------------------------


def test_modules_match_the_rule_table():
    check_group("cross_visit")


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_empty_window_and_sparse_visits_do_not_crash(rule):
    """No visits, an open visit without attempts or items, an unknown client: quiet, no exception."""
    subject = [] if rule.scope != "visit" else visit(1, at(0))
    assert rule.run(subject, ctx()) == []
    sparse = visit(7, at(0), client_id=99)
    findings = rule.run(sparse if rule.scope == "visit" else [sparse], ctx())
    assert [f for f in findings if f.outcome == HIT] == []


# --- X01 overlapping visits ---------------------------------------------------------------------


def test_overlap_sweep_finds_exactly_the_brute_force_pairs():
    rng = random.Random(7)
    visits = []
    for i in range(300):
        start = rng.uniform(0, 14 * 24 * 60)
        end = None if rng.random() < 0.02 else at(start + rng.uniform(10, 240))
        visits.append(visit(i + 1, at(start), end))
    now = at(15 * 24 * 60)
    # an open visit ends at its last evidence (here its check-in: no trail), within the limit and now
    ends = {
        v.id: v.check_out_at or min(now, v.check_in_at + timedelta(minutes=240), v.check_in_at)
        for v in visits
    }
    expected = {
        frozenset((a.id, b.id))
        for a, b in combinations(visits, 2)
        if (min(ends[a.id], ends[b.id]) - max(a.check_in_at, b.check_in_at)).total_seconds() > 60
    }
    found = hits(overlapping_visits, sorted(visits, key=lambda v: v.check_in_at), ctx(now=now))
    got = {frozenset(p["visit_ids"]) for f in found for p in f.evidence["pairs"]}
    assert got == expected and expected


def test_overlap_belongs_to_the_day_the_later_visit_began():
    """A night visit 23:00-01:00 overlapped at 00:30 by another: the alert is on the second day."""
    night = visit(1, at(15 * 60), at(17 * 60))  # 23:00-01:00 local
    second = visit(2, at(16.5 * 60), at(17.5 * 60), client_id=2)
    [finding] = hits(overlapping_visits, [night, second], ctx())
    assert finding.subject_key == "caregiver_day:1:2026-11-21"
    assert finding.evidence["max_overlap_minutes"] == 30.0 and finding.visit_ids == (1, 2)


def test_overlap_scales_to_a_year_of_one_caregiver():
    visits = [visit(i, at(i * 100), at(i * 100 + 90)) for i in range(5000)]
    assert hits(overlapping_visits, visits, ctx(now=at(10**6))) == []


# --- X02 impossible travel ----------------------------------------------------------------------


def _leg_visits(gap_minutes, lat2, accuracy=10.0):
    first = visit(
        1,
        at(0),
        at(60),
        attempts=[
            attempt(100, 1, "check_in", at(0)),
            attempt(101, 1, "check_out", at(60), accuracy_m=accuracy),
        ],
    )
    second = visit(
        2,
        at(60 + gap_minutes),
        at(120),
        client_id=2,
        attempts=[attempt(200, 2, "check_in", at(60 + gap_minutes), lat=lat2, accuracy_m=accuracy)],
    )
    return [first, second]


def test_travel_same_minute_far_away_counts_a_minute():
    """Check-out and the next check-in at the same second, 30 km apart: not a division by zero."""
    [finding] = hits(impossible_travel, _leg_visits(0, 31.02), ctx())
    assert finding.evidence["gap_minutes"] == 0.0
    assert finding.evidence["speed_kmh"] == pytest.approx(30_000 / 1000 * 60 - 1.2, rel=0.01)


def test_travel_uses_the_first_check_in_attempt():
    subject = _leg_visits(30, 30.75)
    retry = attempt(201, 2, "check_in", at(95), lat=31.02)  # a later retry far away is not the arrival
    subject[1] = visit(2, at(90), at(120), client_id=2, attempts=[subject[1].attempts[0], retry])
    assert hits(impossible_travel, subject, ctx()) == []


def test_travel_negative_accuracy_is_no_allowance():
    [finding] = hits(impossible_travel, _leg_visits(5, 30.85, accuracy=-1.0), ctx())
    assert finding.evidence["accuracy_m"] == 0


def test_travel_min_distance_override():
    """A 1.7 km hop in one minute (99 km/h) is ignored once min_distance_m is raised to 2 km."""
    assert hits(impossible_travel, _leg_visits(1, 30.765), ctx())
    assert hits(impossible_travel, _leg_visits(1, 30.765), ctx(), min_distance_m=2000) == []


# --- X03 daily hours ----------------------------------------------------------------------------


def test_day_minutes_split_at_local_midnights():
    parts = list(daily_hours_exceeded.day_minutes(at(14 * 60), at(14 * 60 + 36 * 60), "Asia/Shanghai"))
    assert parts == [(date(2026, 11, 20), 120.0), (date(2026, 11, 21), 1440.0), (date(2026, 11, 22), 600.0)]


def test_daily_hours_per_caregiver_in_a_mixed_window():
    visits = [
        visit(1, at(0), at(6 * 60)),
        visit(2, at(7 * 60), at(12 * 60), client_id=2),
        visit(3, at(0), at(11 * 60), caregiver_id=2),
    ]
    found = hits(daily_hours_exceeded, visits, ctx())
    assert sorted(f.subject_key for f in found) == [
        "caregiver_day:1:2026-11-20",
        "caregiver_day:2:2026-11-20",
    ]


# --- X04 shared device --------------------------------------------------------------------------


def test_shared_device_uses_the_attempts_caregiver_and_skips_empty_ids():
    """Caregiver 2 checking in on caregiver 1's visit on the same phone is two people on it; an attempt
    without a device id (caregiver 3) is not a use of the phone."""
    v1 = visit(1, at(0), attempts=[attempt(100, 1, "check_in", at(0), device="p")])
    v2 = visit(
        2,
        at(60),
        client_id=2,
        attempts=[
            attempt(200, 2, "check_in", at(60), caregiver_id=2, device="p"),
            attempt(201, 2, "check_out", at(90), caregiver_id=3, device=""),
        ],
    )
    [finding] = hits(shared_device, [v1, v2], ctx())
    assert finding.evidence["caregiver_ids"] == [1, 2] and finding.visit_ids == (1, 2)


def test_shared_device_over_a_province_day_is_fast():
    visits = [
        visit(
            i,
            at(i % 600),
            caregiver_id=i // 4,
            client_id=i,
            attempts=[
                attempt(i * 10, i, "check_in", at(i % 600), caregiver_id=i // 4, device=f"d{i // 4}"),
                attempt(
                    i * 10 + 1, i, "check_out", at(i % 600 + 60), caregiver_id=i // 4, device=f"d{i // 4}"
                ),
            ],
        )
        for i in range(30_000)
    ]
    visits.append(
        visit(
            10**6,
            at(5),
            caregiver_id=10**6,
            attempts=[attempt(1, 10**6, "check_in", at(5), caregiver_id=10**6, device="d7")],
        )
    )
    found = hits(shared_device, visits, ctx())
    assert [f.subject_key for f in found] == ["device_day:d7:2026-11-20"]


# --- X05 face substitution ----------------------------------------------------------------------


def _population_enrolments(n_caregivers, per_caregiver=3, seed=1):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 0.09, size=(n_caregivers, 128))  # ~1.0 apart, like distinct dlib faces
    return {
        cg + 1: tuple(tuple(c + rng.normal(0, 0.01, 128)) for _ in range(per_caregiver))
        for cg, c in enumerate(centres)
    }, centres


def _face_visit(id, caregiver_id, encoding):
    a = attempt(id * 10, id, "check_in", at(id), caregiver_id=caregiver_id, face_encoding=tuple(encoding))
    return visit(id, at(id), caregiver_id=caregiver_id, attempts=[a])


def test_face_substitution_agrees_with_brute_force_and_is_fast():
    enrolments, centres = _population_enrolments(5000, per_caregiver=2)
    rng = np.random.default_rng(2)
    context = ctx(enrolments=enrolments)
    substitutes = {}
    visits = []
    for vid in range(1, 401):
        caregiver = int(rng.integers(1, 5001))
        face_of = caregiver if vid % 10 else int(rng.integers(1, 5001))  # every tenth is a stand-in
        substitutes[vid] = face_of if face_of != caregiver else None
        visits.append(_face_visit(vid, caregiver, centres[face_of - 1] + rng.normal(0, 0.01, 128)))
    found = {f.visit_ids[0]: f for v in visits for f in hits(face_substitution, v, context)}
    assert {vid: f.evidence["other_caregiver_id"] for vid, f in found.items()} == {
        vid: s for vid, s in substitutes.items() if s is not None
    }
    some = next(iter(found.values()))
    encoding = np.asarray(visits[some.visit_ids[0] - 1].attempts[0].face_encoding)
    other = min(
        np.linalg.norm(encoding - np.asarray(e)) for e in enrolments[some.evidence["other_caregiver_id"]]
    )
    assert some.evidence["other_distance"] == pytest.approx(other, abs=1e-3)


def test_face_substitution_restacks_a_new_enrolment_mapping():
    """A second scan with a different enrolment mapping must not reuse the first one's matrix."""
    face = (0.8,) + (0.0,) * 127
    v = _face_visit(1, 1, face)
    first = {1: ((0.0,) * 128,), 2: (face,)}
    second = {1: ((0.0,) * 128,), 3: (face,)}
    assert hits(face_substitution, v, ctx(enrolments=first))[0].evidence["other_caregiver_id"] == 2
    assert hits(face_substitution, v, ctx(enrolments=second))[0].evidence["other_caregiver_id"] == 3


def test_face_substitution_ignores_encodings_of_the_wrong_length():
    v = _face_visit(1, 1, (0.8,) + (0.0,) * 127)
    enrolments = {1: ((0.0,) * 128, (0.8,) * 64), 2: ((0.8,) + (0.0,) * 127,)}
    assert len(hits(face_substitution, v, ctx(enrolments=enrolments))) == 1
    only_bad_own = {1: ((0.8,) * 64,), 2: ((0.8,) + (0.0,) * 127,)}
    [na] = face_substitution.RULE.run(v, ctx(enrolments=only_bad_own))
    assert na.outcome == NOT_APPLICABLE


# --- X06 minimum duration pattern ---------------------------------------------------------------


def test_minimum_pattern_per_caregiver_with_the_window_last_day():
    catalogue = load_catalogue()
    item = (PerformedItem("L15", at(0)),)
    visits = [
        visit(cg * 100 + d, at(d * 1440), at(d * 1440 + 31), caregiver_id=cg, items=item)
        for cg in (1, 2)
        for d in range(12)
    ]
    found = hits(
        minimum_duration_pattern, sorted(visits, key=lambda v: v.check_in_at), ctx(catalogue=catalogue)
    )
    assert sorted(f.subject_key for f in found) == [
        "caregiver_period:1:2026-12-01",
        "caregiver_period:2:2026-12-01",
    ]
    assert all(f.evidence["visits_at_minimum"] == 12 for f in found)


# --- X07 clients from one spot ------------------------------------------------------------------


def _spot_population(n, seed, every=50):
    """n check-ins at homes spread over Zhejiang; every ``every``-th made at one of 7 planted spots."""
    rng = random.Random(seed)
    clients, visits = {}, []
    for i in range(n):
        home = (rng.uniform(27.0, 31.2), rng.uniform(118.0, 122.5))
        clients[i] = Client(id=i, agency_id=1, home=Home(*home))
        fix = (
            home
            if i % every
            else (30.5 + (i % 7) * 0.1 + rng.uniform(-2e-4, 2e-4), 120.5 + rng.uniform(-2e-4, 2e-4))
        )
        visits.append(
            visit(
                i,
                at(rng.uniform(0, 600)),
                client_id=i,
                attempts=[attempt(i, i, "check_in", at(0), lat=fix[0], lng=fix[1])],
            )
        )
    return visits, clients


def test_spot_grid_agrees_with_brute_force():
    """Every centre's count of far-living clients within 50 m, all pairs: the best equals the rule's."""
    visits, clients = _spot_population(1200, seed=3, every=20)
    lat, lng = (np.array([getattr(v.attempts[0].fix, k) for v in visits]) for k in ("lat", "lng"))
    home_lat, home_lng = (
        np.array([getattr(clients[v.client_id].home, k) for v in visits]) for k in ("lat", "lng")
    )
    near = haversine_many_m(lat[:, None], lng[:, None], lat[None, :], lng[None, :]) <= 50
    far_home = haversine_many_m(lat[:, None], lng[:, None], home_lat[None, :], home_lng[None, :]) > 50
    best = (near & far_home).sum(axis=1).max()  # one visit per client here: counts are client counts
    found = hits(clients_from_one_spot, visits, ctx(clients=clients))
    assert best >= 3 and max(f.evidence["clients"] for f in found) == best
    for f in found:
        assert f.evidence["clients"] >= 3
        assert all(c["distance_m"] <= 50 and c["home_distance_m"] > 50 for c in f.evidence["check_ins"])


def test_spot_found_across_a_cell_edge():
    """Three check-ins 40 m apart around a grid line at every offset are still one spot."""
    homes = {i: Client(id=i, agency_id=1, home=Home(31.0, 121.0 + i)) for i in range(3)}
    for shift in np.linspace(0, 1e-3, 23):
        lat = 30.0 + shift
        visits = [
            visit(i, at(i), client_id=i, attempts=[attempt(i, i, "check_in", at(i), lat=lat + i * 1.8e-4)])
            for i in range(3)
        ]
        assert len(hits(clients_from_one_spot, visits, ctx(clients=homes), radius_m=50)) == 1, shift


def test_spot_over_a_province_day_finds_the_planted_clusters():
    visits, clients = _spot_population(50_000, seed=4)
    found = hits(clients_from_one_spot, visits, ctx(clients=clients))
    assert len(found) == 7  # the planted clusters, one finding each


# --- X08 / X09 calendar groups ------------------------------------------------------------------


@pytest.mark.parametrize("tz", ["Asia/Shanghai", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns"])
def test_memoised_local_day_agrees_with_support(tz):
    """Quarter-hour memo slots are safe in zones with 45-minute offsets and 30-minute DST shifts."""
    day_of, rng = day_getter(tz), random.Random(5)
    for _ in range(20_000):
        moment = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(2 * 365 * 86400))
        assert day_of(moment) == local_day(moment, tz)


def test_iso_week_at_the_year_end():
    assert iso_week(date(2026, 12, 31)) == "2026-W53" and iso_week(date(2027, 1, 3)) == "2026-W53"
    assert iso_week(date(2027, 1, 4)) == "2027-W01"


def test_weekly_visits_across_new_year_are_one_iso_week():
    clients = {1: Client(id=1, agency_id=1, home=Home(30.75, 120.75), care_plan=_plan(3))}
    days = [datetime(2026, 12, d, 1, tzinfo=UTC) for d in (29, 30, 31)] + [
        datetime(2027, 1, 2, 1, tzinfo=UTC)
    ]
    visits = [visit(i, d, d + timedelta(hours=1)) for i, d in enumerate(days)]
    [finding] = hits(weekly_frequency_exceeded, visits, ctx(clients=clients))
    assert finding.subject_key == "client_week:1:2026-W53" and finding.occurred_at == days[3]


def _plan(per_week, cap=1500.0):
    from field_app.rules.facts import CarePlan

    return CarePlan(item_codes=frozenset(), visits_per_week=per_week, monthly_cap_yuan=cap)


def test_monthly_cap_occurred_at_is_the_visit_that_crossed_it():
    catalogue = load_catalogue()
    clients = {1: Client(id=1, agency_id=1, home=Home(30.75, 120.75), care_plan=_plan(3, cap=100.0))}
    visits = [
        visit(i, at(i * 1440), at(i * 1440 + 60), items=[PerformedItem("L03", at(i * 1440))])
        for i in range(4)
    ]
    [finding] = hits(monthly_cap_exceeded, visits, ctx(clients=clients, catalogue=catalogue))
    assert finding.occurred_at == visits[2].check_in_at  # 45 + 45 + 45 > 100
    assert math.isclose(finding.evidence["total_yuan"], 180.0)
