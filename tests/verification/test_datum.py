"""WGS-84 ↔ GCJ-02 ↔ BD-09 conversions."""

import random

import pytest

from field_app.geodesy import haversine_m
from field_app.verification.datum import BD09, DATUMS, GCJ02, WGS84, from_wgs84, to_wgs84

JIAXING = (30.75, 120.75)

# (WGS-84 lat, lng) → (GCJ-02 lat, lng), from the test suite of googollee/eviltransform (python/test.py).
EVILTRANSFORM_PAIRS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


def _china_points(n: int = 500) -> list[tuple[float, float]]:
    rng = random.Random(20240601)
    return [(rng.uniform(18.0, 53.0), rng.uniform(74.0, 134.0)) for _ in range(n)]


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_PAIRS)
def test_wgs_to_gcj_matches_the_published_eviltransform_values(wgs, gcj):
    assert from_wgs84(*wgs, GCJ02) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_PAIRS)
def test_gcj_to_wgs_inverts_the_published_values_to_a_millimetre(wgs, gcj):
    """The one-step inverse of the public libraries is 1–2 m off; ours iterates."""
    assert haversine_m(*to_wgs84(*gcj, GCJ02), *wgs) < 0.001


def test_coordtransform_reference_values():
    """wandergis/coordtransform test/app.js, input (lng 116.404, lat 39.915) in each direction."""
    assert from_wgs84(39.915, 116.404, GCJ02) == pytest.approx(
        (39.91640428150164, 116.41024449916938), abs=1e-9
    )
    # gcj02tobd09: our WGS→BD is WGS→GCJ→BD, so feed it the WGS point whose GCJ is the input.
    wgs_of_input = to_wgs84(39.915, 116.404, GCJ02)
    assert from_wgs84(*wgs_of_input, BD09) == pytest.approx((39.92133699351021, 116.41036949371029), abs=1e-8)
    # bd09togcj02 is the one-step inverse (within ~0.2 m of the exact one we compute).
    gcj = from_wgs84(*to_wgs84(39.915, 116.404, BD09), GCJ02)
    assert haversine_m(*gcj, 39.90865673957631, 116.39762729119315) < 0.5


@pytest.mark.parametrize("datum", [GCJ02, BD09])
def test_round_trips_through_each_datum_are_sub_centimetre(datum):
    worst = max(
        haversine_m(*to_wgs84(*from_wgs84(lat, lng, datum), datum), lat, lng) for lat, lng in _china_points()
    )
    assert worst < 0.01


def test_wgs84_is_the_identity():
    assert to_wgs84(*JIAXING, WGS84) == JIAXING
    assert from_wgs84(*JIAXING, WGS84) == JIAXING


def test_jiaxing_offset_wgs_to_gcj_is_about_490_m():
    """domain.md: a product that ignores datums is ~490 m off in Jiaxing, more than a fence."""
    assert 400 < haversine_m(*JIAXING, *from_wgs84(*JIAXING, GCJ02)) < 600


def test_baidu_adds_its_own_shift_on_top_of_gcj():
    gcj = from_wgs84(*JIAXING, GCJ02)
    assert 500 < haversine_m(*gcj, *from_wgs84(*JIAXING, BD09)) < 1000


@pytest.mark.parametrize("datum", DATUMS)
@pytest.mark.parametrize("point", [(48.8584, 2.2945), (40.6892, -74.0445), (-33.8568, 151.2153)])
def test_outside_china_nothing_shifts(point, datum):
    assert from_wgs84(*point, datum) == point
    assert to_wgs84(*point, datum) == point


@pytest.mark.parametrize("datum", ["wgs84", "GCJ-02", "", "EPSG:4326"])
def test_an_unknown_datum_raises(datum):
    with pytest.raises(ValueError, match="unknown datum"):
        to_wgs84(*JIAXING, datum)
    with pytest.raises(ValueError, match="unknown datum"):
        from_wgs84(*JIAXING, datum)
