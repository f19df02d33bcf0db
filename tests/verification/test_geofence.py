"""Geofence checks of GPS fixes, in metres, against circles and polygons."""

import math

import numpy as np
import pytest
from geopy.distance import geodesic

from field_app.geodesy import haversine_m
from field_app.rules.facts import INSIDE, OUTSIDE, UNCERTAIN
from field_app.verification.datum import GCJ02, from_wgs84, to_wgs84
from field_app.verification.geofence import (
    ANDROID_68_TO_95,
    Fence,
    check_fix,
    check_fixes,
    validate_fix,
)

HOME = (30.75, 120.75)  # Jiaxing, WGS-84
FENCE = Fence(*HOME, radius_m=100)


def _at(east_m: float, north_m: float, origin: tuple[float, float] = HOME) -> tuple[float, float]:
    """The WGS-84 (lat, lng) that lies east_m east and north_m north of origin, by geopy's geodesic."""
    bearing = math.degrees(math.atan2(east_m, north_m))
    point = geodesic(meters=math.hypot(east_m, north_m)).destination(origin, bearing)
    return point.latitude, point.longitude


def _ring(*corners_m: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    """A (lng, lat) fence ring from (east, north) corners in metres from HOME."""
    return tuple((lng, lat) for lat, lng in (_at(e, n) for e, n in corners_m))


# An L-shaped courtyard: a 40 x 10 m strip along the south, a 10 x 40 m wing up the west side.
L_COURTYARD = Fence(
    *HOME, radius_m=100, polygon=_ring((0, 0), (40, 0), (40, 10), (10, 10), (10, 40), (0, 40))
)
# A long rural plot, 300 x 20 m: a 100 m circle would cut off its far end.
LONG_PLOT = Fence(*HOME, radius_m=100, polygon=_ring((-10, -10), (290, -10), (290, 10), (-10, 10)))


def test_a_fix_600_m_away_with_20_m_accuracy_is_outside():
    result = check_fix(FENCE, *_at(600, 0), accuracy_m=20)
    assert result.status == OUTSIDE
    assert result.distance_m == pytest.approx(600, abs=0.01)
    assert result.edge_distance_m == pytest.approx(500, abs=0.01)


def test_a_fix_30_m_away_with_10_m_accuracy_in_a_100_m_fence_is_inside():
    result = check_fix(FENCE, *_at(0, 30), accuracy_m=10)
    assert result.status == INSIDE
    assert (result.distance_m, result.edge_distance_m, result.accuracy_m) == pytest.approx((30, -70, 10))


def test_a_fix_95_m_away_with_20_m_accuracy_is_uncertain():
    assert check_fix(FENCE, *_at(-95, 0), accuracy_m=20).status == UNCERTAIN


def test_a_300_m_accuracy_fix_at_the_centre_is_uncertain_not_inside():
    """Wi-Fi or cell positioning this vague cannot vouch for a 100 m fence."""
    assert check_fix(FENCE, *HOME, accuracy_m=300).status == UNCERTAIN


def test_the_accuracy_factor_widens_an_android_68_percent_radius_to_95_percent():
    lat, lng = _at(85, 0)
    assert check_fix(FENCE, lat, lng, accuracy_m=10).status == INSIDE
    widened = check_fix(FENCE, lat, lng, accuracy_m=10, accuracy_factor=ANDROID_68_TO_95)
    assert (widened.status, widened.accuracy_m) == (UNCERTAIN, pytest.approx(16.2))


def test_a_gcj02_fix_at_the_home_is_inside_once_converted_but_490_m_off_taken_as_wgs84():
    """An AMap SDK reports GCJ-02: converting first is what keeps honest visits inside."""
    gcj_lat, gcj_lng = from_wgs84(*_at(20, 10), GCJ02)
    assert check_fix(FENCE, *to_wgs84(gcj_lat, gcj_lng, GCJ02), accuracy_m=15).status == INSIDE
    unconverted = check_fix(FENCE, gcj_lat, gcj_lng, accuracy_m=15)
    assert unconverted.status == OUTSIDE
    assert 400 < unconverted.distance_m < 600


@pytest.mark.parametrize(
    ("east", "north", "accuracy", "status"),
    [
        (5, 30, 3, INSIDE),  # in the west wing
        (30, 5, 3, INSIDE),  # in the south strip
        (30, 30, 5, OUTSIDE),  # in the notch of the L: 20 m from both wings, though 42 m from home
        (25, 12, 5, UNCERTAIN),  # 2 m north of the south strip
        (12, 12, 1, OUTSIDE),  # just past the inner corner, 2.8 m from it
        (8, 8, 3, UNCERTAIN),  # inside but 2 m from the inner corner's edges
    ],
)
def test_an_l_shaped_courtyard(east, north, accuracy, status):
    assert check_fix(L_COURTYARD, *_at(east, north), accuracy).status == status


def test_the_l_courtyard_edge_distance_is_in_metres():
    result = check_fix(L_COURTYARD, *_at(30, 30), accuracy_m=5)
    assert result.edge_distance_m == pytest.approx(20, abs=0.01)
    assert result.distance_m == pytest.approx(math.hypot(30, 30), abs=0.01)


@pytest.mark.parametrize(
    ("east", "north", "accuracy", "status"),
    [(250, 0, 8, INSIDE), (250, 25, 8, OUTSIDE), (285, 0, 8, UNCERTAIN), (320, 0, 8, OUTSIDE)],
)
def test_a_long_rural_plot_reaches_past_the_circle_radius(east, north, accuracy, status):
    result = check_fix(LONG_PLOT, *_at(east, north), accuracy)
    assert result.status == status
    assert result.distance_m > FENCE.radius_m


def test_a_polygon_close_to_a_circle_agrees_with_the_circle():
    # A 256-gon inscribed in the 100 m circle: its edges are at most 100 (1 - cos(pi/256)) = 8 mm inside.
    angles = np.linspace(0, 2 * math.pi, 256, endpoint=False)
    polygon = Fence(*HOME, 100, polygon=_ring(*zip(100 * np.sin(angles), 100 * np.cos(angles), strict=True)))
    rng = np.random.default_rng(7)
    east, north = rng.uniform(-160, 160, 300), rng.uniform(-160, 160, 300)
    accuracy = rng.uniform(1, 40, 300)
    lats, lngs = zip(*(_at(e, n) for e, n in zip(east, north, strict=True)), strict=True)
    circle_results = check_fixes(FENCE, lats, lngs, accuracy)
    polygon_results = check_fixes(polygon, lats, lngs, accuracy)
    for c, p in zip(circle_results, polygon_results, strict=True):
        assert p.edge_distance_m == pytest.approx(c.edge_distance_m, abs=0.02)
        if abs(abs(c.edge_distance_m) - c.accuracy_m) > 0.05:  # away from a status threshold
            assert p.status == c.status
    assert {r.status for r in circle_results} == {INSIDE, OUTSIDE, UNCERTAIN}


@pytest.mark.parametrize("bearing", [0, 45, 90, 135, 180, 225, 270, 315])
@pytest.mark.parametrize("metres", [10, 99, 600, 5000])
def test_distances_from_home_match_geopy_geodesic_in_every_direction(bearing, metres):
    target = geodesic(meters=metres).destination(HOME, bearing)
    result = check_fix(FENCE, target.latitude, target.longitude, accuracy_m=1)
    assert result.distance_m == pytest.approx(metres, rel=0.005)


def test_east_west_distances_at_30_n_are_metres_not_degrees():
    """A 100 m fence drawn in degrees would end 13 % short east–west at 30° N; ours ends at 100 m."""
    east_99, east_101 = _at(99, 0), _at(101, 0)
    assert check_fix(FENCE, *east_99, accuracy_m=0.5).status == INSIDE
    assert check_fix(FENCE, *east_101, accuracy_m=0.5).status == OUTSIDE
    square = Fence(*HOME, 100, polygon=_ring((-100, -100), (100, -100), (100, 100), (-100, 100)))
    assert check_fix(square, *east_99, accuracy_m=0.5).edge_distance_m == pytest.approx(-1, abs=0.01)
    # What the degree shortcut would do: a radius of 100 m / (m per degree of latitude).
    radius_deg = 100 / geodesic(HOME, (HOME[0] + 1, HOME[1])).meters
    east_edge_deg = (HOME[0], HOME[1] + radius_deg)
    assert geodesic(HOME, east_edge_deg).meters == pytest.approx(86.6, abs=0.5)


def test_check_fixes_agrees_with_check_fix_point_by_point():
    rng = np.random.default_rng(60)
    offsets = rng.normal(0, 80, size=(60, 2))
    lats, lngs = map(np.array, zip(*(_at(e, n) for e, n in offsets), strict=True))
    accuracies = rng.uniform(3, 60, 60)
    for fence in (FENCE, L_COURTYARD, LONG_PLOT):
        many = check_fixes(fence, lats, lngs, accuracies, accuracy_factor=ANDROID_68_TO_95)
        one_by_one = [
            check_fix(fence, *fix, accuracy_factor=ANDROID_68_TO_95)
            for fix in zip(lats, lngs, accuracies, strict=True)
        ]
        assert many == one_by_one
    assert {r.status for r in check_fixes(FENCE, lats, lngs, accuracies)} == {INSIDE, OUTSIDE, UNCERTAIN}


def test_check_fixes_takes_plain_lists_and_empty_trails():
    lat, lng = _at(10, 10)
    assert check_fixes(FENCE, [lat], [lng], [5.0])[0].status == INSIDE
    assert check_fixes(FENCE, [], [], []) == []


def test_the_fence_centre_need_not_be_round_for_the_projection_cache():
    centre = (30.7512345678, 120.7587654321)
    fix = geodesic(meters=50).destination(centre, 90)
    result = check_fix(Fence(*centre, 100), fix.latitude, fix.longitude, accuracy_m=5)
    assert result.distance_m == pytest.approx(haversine_m(*centre, fix.latitude, fix.longitude), rel=0.005)
    assert result.distance_m == pytest.approx(50, abs=0.001)


@pytest.mark.parametrize(
    ("lat", "lng", "accuracy", "message"),
    [
        (float("nan"), 120.0, 10, "lat must be a finite"),
        (30.0, float("inf"), 10, "lng must be a finite"),
        (91.0, 120.0, 10, r"lat must be within \[-90, 90\]"),
        (-90.5, 120.0, 10, r"lat must be within \[-90, 90\]"),
        (30.0, 180.5, 10, r"lng must be within \[-180, 180\]"),
        (30.0, 120.0, 0, "accuracy_m must be > 0"),
        (30.0, 120.0, -1, "accuracy_m must be > 0"),
        (30.0, 120.0, float("nan"), "accuracy_m must be a finite"),
    ],
)
def test_invalid_fixes_raise(lat, lng, accuracy, message):
    with pytest.raises(ValueError, match=message):
        validate_fix(lat, lng, accuracy)
    with pytest.raises(ValueError, match=message):
        check_fix(FENCE, lat, lng, accuracy)
    with pytest.raises(ValueError, match=f"fix 1: {message}"):
        check_fixes(FENCE, [HOME[0], lat], [HOME[1], lng], [10, accuracy])


def test_boundary_values_are_valid():
    validate_fix(90.0, 180.0, 0.1)
    validate_fix(-90.0, -180.0, 1e6)


def test_mismatched_trail_arrays_raise():
    with pytest.raises(ValueError, match="of one length"):
        check_fixes(FENCE, [30.75, 30.75], [120.75], [10, 10])


def test_a_nonpositive_accuracy_factor_raises():
    with pytest.raises(ValueError, match="accuracy_factor"):
        check_fix(FENCE, *HOME, accuracy_m=10, accuracy_factor=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"radius_m": 0}, "radius_m must be"),
        ({"radius_m": float("nan")}, "radius_m must be"),
        ({"lat": 95.0}, "lat must be within"),
        ({"polygon": ((120.75, 30.75), (120.76, 30.75))}, "at least 3"),
        (
            {"polygon": ((120.75, 30.75), (120.76, 30.76), (120.76, 30.75), (120.75, 30.76))},
            "not a simple ring",
        ),
        ({"polygon": ((120.75, 30.75), (120.76, 30.75), (120.76, 99.0))}, "lat must be within"),
    ],
)
def test_invalid_fences_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Fence(**{"lat": HOME[0], "lng": HOME[1], "radius_m": 100} | kwargs)
