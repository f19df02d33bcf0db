"""Whether GPS fixes lie inside a client's home geofence, in metres (pure maths, no I/O).

Everything here is WGS-84: convert map (GCJ-02) or Baidu (BD-09) coordinates with
``verification.datum`` first, because their 100–700 m offsets dwarf a 100 m fence. Distances are
true ellipsoidal distances. Degrees are never used as a length: a degree of longitude is
only ~87 % of a degree of latitude at 30° N.

A circular fence (nearly every home) needs only the distance to its centre: a vectorised geodesic
on the WGS-84 ellipsoid (``pyproj.Geod``, Karney's algorithm, as geopy's), ~70 µs for a 60-point
batch and the same for every home. Only a drawn polygon needs a plane: an azimuthal-equidistant
projection centred on the home, in which distances from the centre are true ellipsoidal distances
and, within the few kilometres that matter, shapes are undistorted (scale error below 1e-6 at
10 km). Building that projection costs ~12 ms, so it is cached per home; a circle must not pay it,
because a province's tens of thousands of homes would miss any per-worker cache.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Geod, Transformer

from field_app.rules.facts import INSIDE, OUTSIDE, UNCERTAIN

# A phone's accuracy is a confidence radius, but not at one confidence: Android's getAccuracy() is
# the 68 % radius, a browser's coords.accuracy the 95 % one. Under a circular normal error the 95 %
# radius is sqrt(-2 ln 0.05) / sqrt(-2 ln 0.32) ≈ 1.62 times the 68 % one, so pass this factor for
# Android fixes to judge every fix at 95 %; 1.0 leaves browser fixes as they are.
ANDROID_68_TO_95 = 1.62

_WGS84 = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Fence:
    """A home geofence in WGS-84: a circle round the home, or a polygon when one is drawn."""

    lat: float  #: home centre
    lng: float
    radius_m: float
    polygon: tuple[tuple[float, float], ...] | None = None  #: (lng, lat) ring; replaces the circle

    def __post_init__(self) -> None:
        validate_fix(self.lat, self.lng, 1.0)
        if not (math.isfinite(self.radius_m) and self.radius_m > 0):
            raise ValueError(f"radius_m must be a finite number > 0, got {self.radius_m!r}")
        if self.polygon is not None:
            _validate_ring(self.polygon)


@dataclass(frozen=True)
class FenceResult:
    """Where one fix lies relative to a fence."""

    status: str  #: INSIDE | OUTSIDE | UNCERTAIN
    distance_m: float  #: from the home centre
    edge_distance_m: float  #: signed distance to the fence boundary: negative inside
    accuracy_m: float  #: radius of the confidence circle used (accuracy x factor)


def validate_fix(lat: float, lng: float, accuracy_m: float) -> None:
    """Raise ValueError unless (lat, lng) is a real WGS-84 position and accuracy_m a positive radius."""
    for name, value in (("lat", lat), ("lng", lng), ("accuracy_m", accuracy_m)):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"lat must be within [-90, 90], got {lat!r}")
    if not -180.0 <= lng <= 180.0:
        raise ValueError(f"lng must be within [-180, 180], got {lng!r}")
    if accuracy_m <= 0:
        # iOS marks an invalid fix with a negative accuracy; zero would claim a perfect fix.
        raise ValueError(f"accuracy_m must be > 0, got {accuracy_m!r}")


def check_fix(
    fence: Fence, lat: float, lng: float, accuracy_m: float, accuracy_factor: float = 1.0
) -> FenceResult:
    """Classify one WGS-84 fix: INSIDE only when its whole confidence circle is inside the fence."""
    validate_fix(lat, lng, accuracy_m)
    # One code path for one fix and for a trail, so the two can never disagree.
    return check_fixes(fence, [lat], [lng], [accuracy_m], accuracy_factor)[0]


def check_fixes(fence: Fence, lats, lngs, accuracies, accuracy_factor: float = 1.0) -> list[FenceResult]:
    """Classify many WGS-84 fixes at once (a visit's trail) with one projection call."""
    lat, lng, acc = _as_arrays(lats, lngs, accuracies)
    if not (math.isfinite(accuracy_factor) and accuracy_factor > 0):
        raise ValueError(f"accuracy_factor must be a finite number > 0, got {accuracy_factor!r}")
    if lat.size == 0:
        return []
    if fence.polygon is None:
        distance = _geodesic_m(fence.lat, fence.lng, lat, lng)
        edge = distance - fence.radius_m
    else:
        centre = round(fence.lat, 6), round(fence.lng, 6)
        # The home goes through the same call: the projection centre is rounded for the cache.
        x, y = _local_transformer(*centre).transform(np.append(lng, fence.lng), np.append(lat, fence.lat))
        x, y, home_x, home_y = x[:-1], y[:-1], x[-1], y[-1]
        distance = np.hypot(x - home_x, y - home_y)
        edge = _signed_polygon_distance(_local_polygon(*centre, fence.polygon), x, y)
    radius = acc * accuracy_factor
    # Touching the boundary from inside still counts as inside (and likewise outside).
    status = np.where(edge <= -radius, INSIDE, np.where(edge >= radius, OUTSIDE, UNCERTAIN))
    return [
        FenceResult(str(s), float(d), float(e), float(r))
        for s, d, e, r in zip(status, distance, edge, radius, strict=True)
    ]


def _as_arrays(lats, lngs, accuracies) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The inputs as equal-length float arrays, validated like ``validate_fix``."""
    lat, lng, acc = (np.asarray(v, dtype=float) for v in (lats, lngs, accuracies))
    if lat.ndim != 1 or lat.shape != lng.shape or lat.shape != acc.shape:
        raise ValueError(
            f"lats, lngs and accuracies must be 1-D and of one length, got "
            f"shapes {lat.shape}, {lng.shape}, {acc.shape}"
        )
    with np.errstate(invalid="ignore"):
        ok = (np.abs(lat) <= 90) & (np.abs(lng) <= 180) & (acc > 0) & np.isfinite(acc)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        try:
            validate_fix(float(lat[i]), float(lng[i]), float(acc[i]))
        except ValueError as exc:
            raise ValueError(f"fix {i}: {exc}") from None
    return lat, lng, acc


def _geodesic_m(lat: float, lng: float, lats: np.ndarray, lngs: np.ndarray) -> np.ndarray:
    """Ellipsoidal distances in metres from (lat, lng) to each fix."""
    _, _, distance = _WGS84.inv(np.full(lats.shape, lng), np.full(lats.shape, lat), lngs, lats)
    return np.asarray(distance, dtype=float)


def _validate_ring(ring: tuple[tuple[float, float], ...]) -> None:
    if len(ring) < 3:
        raise ValueError(f"a fence polygon needs at least 3 (lng, lat) points, got {len(ring)}")
    for lng, lat in ring:
        validate_fix(lat, lng, 1.0)
    # Over a few hundred metres the local projection is all but affine, so a ring that is simple in
    # degrees is simple in metres too; checking here fails a bad fence when it is built.
    reason = shapely.is_valid_reason(shapely.Polygon(ring))
    if reason != "Valid Geometry":
        raise ValueError(f"the fence polygon is not a simple ring: {reason}")


@lru_cache(maxsize=1024)
def _local_transformer(lat: float, lng: float) -> Transformer:
    """(lng, lat) → metres in an azimuthal-equidistant projection centred on (lat, lng)."""
    # Building a Transformer costs ~10 ms, transforming a trail ~50 µs, hence the cache. Callers round
    # the centre to 1e-6° (~0.1 m) so float noise in a stored home still hits it; the home itself is
    # projected with the fixes, so the rounding costs no accuracy. pyproj ≥ 3.1 is thread-safe here.
    local = f"+proj=aeqd +lat_0={lat} +lon_0={lng} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    return Transformer.from_crs("EPSG:4326", local, always_xy=True)


@lru_cache(maxsize=1024)
def _local_polygon(lat: float, lng: float, ring: tuple[tuple[float, float], ...]) -> shapely.Polygon:
    """The fence ring projected into the metric plane centred on (lat, lng)."""
    # Not shapely.prepare()d: GEOS builds prepared indexes lazily, which is unsafe across threads,
    # and a courtyard of a few dozen vertices gains nothing from it.
    ring_lng, ring_lat = np.asarray(ring, dtype=float).T
    x, y = _local_transformer(lat, lng).transform(ring_lng, ring_lat)
    return shapely.Polygon(np.column_stack([x, y]))


def _signed_polygon_distance(polygon: shapely.Polygon, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance from each point to the polygon's boundary, negative for points inside."""
    # The confidence circle is inside the polygon exactly when its centre is inside and at least a
    # radius from the boundary, so no circle needs buffering into an approximate polygon.
    to_edge = shapely.distance(polygon.exterior, shapely.points(x, y))
    return np.where(shapely.contains_xy(polygon, x, y), -to_edge, to_edge)
