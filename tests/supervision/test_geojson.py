"""GeoJSON for replays: a round fence in metres, [lng, lat] order, Chinese map datums."""

from __future__ import annotations

import pytest

from field_app.geodesy import haversine_m
from field_app.supervision import geojson
from field_app.verification.geofence import Fence

HOME = (30.75, 120.75)


def test_circle_fence_is_a_closed_ring_of_64_vertices_100_m_from_home():
    ring = geojson.fence_ring(Fence(*HOME, 100.0))
    assert len(ring) == 65 and ring[0] == ring[-1]
    for lng, lat in ring:
        assert haversine_m(HOME[0], HOME[1], lat, lng) == pytest.approx(100.0, abs=0.5)
    # round on the ground, not in degrees: the east-west span in degrees is wider than north-south
    lngs, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert (max(lngs) - min(lngs)) / (max(lats) - min(lats)) == pytest.approx(1 / 0.8608, rel=0.01)


def test_a_drawn_polygon_is_used_and_closed():
    ring = ((120.7500, 30.7500), (120.7510, 30.7500), (120.7510, 30.7510))
    assert geojson.fence_ring(Fence(*HOME, 100.0, polygon=ring)) == [*ring, ring[0]]


def test_points_are_lng_lat_and_move_about_half_a_kilometre_in_gcj02():
    assert geojson.coords(*HOME, "WGS84") == [120.75, 30.75]
    lng, lat = geojson.coords(*HOME, "GCJ02")
    assert 400 < haversine_m(HOME[0], HOME[1], lat, lng) < 700  # ~490 m in Jiaxing
    bd_lng, bd_lat = geojson.coords(*HOME, "BD09")
    assert haversine_m(lat, lng, bd_lat, bd_lng) > 500  # Baidu shifts again on top of GCJ-02


def test_a_line_needs_two_points_and_collections_drop_missing_features():
    assert geojson.line([HOME], "WGS84") is None
    fc = geojson.collection([geojson.point(*HOME, "WGS84", kind="home"), None], "WGS84")
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1
    assert fc["features"][0]["geometry"] == {"type": "Point", "coordinates": [120.75, 30.75]}
