"""Stay statistics on hand-made trails: minutes per geofence status, the longest absence, distance, gaps."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from field_app.geodesy import EARTH_RADIUS_M
from field_app.supervision.dwell import Position, dwell, longest_absence, ordered, speeds_mps
from field_app.supervision.travel import leg

T0 = datetime(2026, 10, 5, 0, 0, tzinfo=UTC)  # 08:00 in Jiaxing
LAT, LNG = 30.75, 120.75


def at(minutes: float, status: str, dlat: float = 0.0) -> Position:
    return Position(T0 + timedelta(minutes=minutes), LAT + dlat, LNG, status)


#: in 0-20, out 20-40 (two fixes), uncertain 40-50, out 50-60, back in at 60; all on one meridian
TRAIL = [
    at(0, "inside"),
    at(10, "inside"),
    at(20, "outside", 0.001),
    at(25, "outside", 0.001),
    at(40, "uncertain", 0.0005),
    at(50, "outside", 0.001),
    at(60, "inside"),
]


def test_minutes_go_to_the_status_of_each_intervals_first_fix():
    stats = dwell(TRAIL, gap_minutes=12)
    # inside 0->10->20; outside 20->25 (5) + 25->40 (15) + 50->60 (10); uncertain 40->50
    assert (stats.inside_minutes, stats.outside_minutes, stats.uncertain_minutes) == (20, 30, 10)


def test_longest_absence_runs_from_the_first_outside_fix_to_the_next_fix_not_outside():
    absence = longest_absence(TRAIL)
    assert (absence.start, absence.end, absence.minutes) == (
        T0 + timedelta(minutes=20),
        T0 + timedelta(minutes=40),
        20,
    )


def test_a_trail_ending_outside_closes_its_last_run_at_the_last_fix():
    trail = [at(0, "inside"), at(5, "outside"), at(35, "outside")]
    assert longest_absence(trail).minutes == 30
    assert longest_absence([at(0, "inside"), at(5, "uncertain")]) is None


def test_gaps_longer_than_the_limit_are_listed():
    stats = dwell(TRAIL, gap_minutes=12)
    assert [(g.start, g.minutes) for g in stats.gaps] == [(T0 + timedelta(minutes=25), 15)]
    assert dwell(TRAIL, gap_minutes=15).gaps == []  # exactly the limit is not a gap


def test_distance_is_the_sum_of_straight_steps():
    # steps of 0, .001, 0, .0005, .0005, .001 degrees of latitude: 0.003° along a meridian
    expected = math.radians(0.003) * EARTH_RADIUS_M  # 333.585 m
    assert dwell(TRAIL, 5).distance_m == pytest.approx(expected, abs=0.01)
    assert expected == pytest.approx(333.585, abs=0.001)
    assert dwell(TRAIL, 5).fixes == 7


def test_speed_is_distance_over_time_from_the_previous_fix():
    speeds = speeds_mps(TRAIL)
    assert speeds[0] is None
    assert speeds[1] == 0
    assert speeds[2] == pytest.approx(math.radians(0.001) * EARTH_RADIUS_M / 600, rel=1e-9)  # 0.1853 m/s
    assert speeds_mps([at(0, "inside"), at(0, "inside", 0.001)])[1] is None  # no time passed


def test_one_fix_or_none_gives_zeros():
    for trail in ([], [at(0, "outside")]):
        stats = dwell(trail, 5)
        assert (stats.inside_minutes, stats.outside_minutes, stats.distance_m, stats.gaps) == (0, 0, 0, [])
    assert longest_absence([at(0, "outside")]).minutes == 0


def test_ordered_sorts_by_time_and_keeps_the_first_fix_of_an_instant():
    a, b = at(10, "inside"), at(10, "outside")
    assert ordered([at(20, "inside"), a, b, at(0, "inside")]) == [at(0, "inside"), a, at(20, "inside")]


def test_travel_leg_between_visits():
    out_at, in_at = T0, T0 + timedelta(minutes=30)
    result = leg(out_at, (LAT, LNG), in_at, (LAT + 0.01, LNG))
    metres = math.radians(0.01) * EARTH_RADIUS_M  # 1111.95 m
    assert result.distance_m == pytest.approx(metres)
    assert result.gap_minutes == 30
    assert result.speed_kmh == pytest.approx(metres / 1000 * 2)  # 2.224 km/h
    assert leg(out_at, (LAT, LNG), out_at, (LAT, LNG)).speed_kmh is None
    assert leg(None, None, in_at, (LAT, LNG)).distance_m is None
