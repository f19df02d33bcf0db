"""GeoJSON for a visit's replay (RFC 7946): home, fence, trail line, fixes and check-in/out markers.

Coordinates are [lng, lat]. They are WGS-84 unless a Chinese map's datum is asked for: AMap/Tencent
tiles are drawn in GCJ-02 and Baidu's in BD-09, and a WGS-84 trail drawn on them lands ~490 m off in
Jiaxing, so every coordinate is converted with ``verification.datum.from_wgs84``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import shapely
from pyproj import Transformer

from field_app.verification.datum import from_wgs84
from field_app.verification.geofence import Fence

CIRCLE_VERTICES = 64
DIGITS = 7  # ~1 cm: more would only be noise


@lru_cache(maxsize=256)
def _local(lat: float, lng: float) -> Transformer:
    """(lng, lat) <-> metres in an azimuthal-equidistant plane centred on the home (as verification.geofence)."""
    local = f"+proj=aeqd +lat_0={lat} +lon_0={lng} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    return Transformer.from_crs("EPSG:4326", local, always_xy=True)


def fence_ring(fence: Fence) -> list[tuple[float, float]]:
    """The fence as a closed WGS-84 (lng, lat) ring: the drawn polygon, or the circle as 64 vertices."""
    if fence.polygon is not None:
        ring = list(fence.polygon)
        return ring if ring[0] == ring[-1] else ring + [ring[0]]
    # Buffered in metres around the projected home, so the circle is round on the ground, not in degrees.
    circle = shapely.Point(0.0, 0.0).buffer(fence.radius_m, quad_segs=CIRCLE_VERTICES // 4)
    x, y = (list(v) for v in circle.exterior.xy)
    lngs, lats = _local(round(fence.lat, 6), round(fence.lng, 6)).transform(x, y, direction="INVERSE")
    return list(zip(lngs, lats, strict=True))


def coords(lat: float, lng: float, datum: str) -> list[float]:
    """A WGS-84 point as GeoJSON [lng, lat] in the wanted datum."""
    lat, lng = from_wgs84(lat, lng, datum)
    return [round(lng, DIGITS), round(lat, DIGITS)]


def feature(geometry_type: str, coordinates: Any, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": geometry_type, "coordinates": coordinates},
        "properties": properties,
    }


def point(lat: float, lng: float, datum: str, **properties: Any) -> dict[str, Any]:
    return feature("Point", coords(lat, lng, datum), **properties)


def fence_polygon(fence: Fence, datum: str, **properties: Any) -> dict[str, Any]:
    ring = [coords(lat, lng, datum) for lng, lat in fence_ring(fence)]
    return feature("Polygon", [ring], **properties)


def line(latlngs: list[tuple[float, float]], datum: str, **properties: Any) -> dict[str, Any] | None:
    """A LineString through the points, or None under two points (GeoJSON needs two)."""
    if len(latlngs) < 2:
        return None
    return feature("LineString", [coords(lat, lng, datum) for lat, lng in latlngs], **properties)


def collection(features: list[dict[str, Any] | None], datum: str) -> dict[str, Any]:
    return {"type": "FeatureCollection", "datum": datum, "features": [f for f in features if f is not None]}
