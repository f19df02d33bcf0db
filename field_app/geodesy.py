"""Great-circle distances in metres on WGS-84 coordinates (pure maths, no I/O).

Haversine on a sphere of the WGS-84 mean radius is within 0.5 % of the ellipsoidal geodesic, far
below phone GPS error, and is fast enough to run over millions of trail points; geofence containment
itself uses a local metric projection (see ``verification.geofence``).
"""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius of the WGS-84 ellipsoid


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_many_m(lat1, lng1, lat2, lng2) -> np.ndarray:
    """Vectorised ``haversine_m`` over numpy arrays (broadcasting like numpy does)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lng2) - np.asarray(lng1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
