"""Conversions between WGS-84, GCJ-02 ("Mars coordinates") and BD-09 (pure maths, no I/O).

Phones report WGS-84; Chinese map SDKs (AMap, Tencent) and address geocoders give GCJ-02, Baidu gives
BD-09. The offsets are 100–700 m, larger than a geofence, so every coordinate is converted to WGS-84
before any distance or containment test. GCJ-02 is the public eviltransform / coordtransform
algorithm (Krasovsky 1940 ellipsoid); BD-09 is Baidu's published shift on top of GCJ-02. Outside
(approximately) mainland China both are taken to equal WGS-84, as the public implementations do.
"""

from __future__ import annotations

import math

WGS84, GCJ02, BD09 = "WGS84", "GCJ02", "BD09"
DATUMS = (WGS84, GCJ02, BD09)

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 algorithm uses
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0  # Baidu's constant
# The inverses stop when the forward shift of the estimate lands this close to the input: ~0.1 mm,
# well under the 1e-7 degrees (~1 cm) asked for. The shifts change slowly with position, so each
# step shrinks the error over 20-fold: at most 5 steps (GCJ) and 3 (BD) over China, measured.
_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 10


def out_of_china(lat: float, lng: float) -> bool:
    """Whether GCJ-02 leaves the point unshifted (a bounding box, so only approximate)."""
    # The usual box of the public implementations. It also takes in seas and parts of neighbouring
    # countries (Mongolia, the Koreas, Vietnam...), which it shifts though map vendors do not: right
    # for homes in mainland China, possibly wrong near its borders.
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def to_wgs84(lat: float, lng: float, datum: str) -> tuple[float, float]:
    """Convert a (lat, lng) given in ``datum`` to WGS-84."""
    _check_datum(datum)
    if datum == WGS84 or out_of_china(lat, lng):
        return lat, lng
    if datum == BD09:
        lat, lng = _invert(_bd_shift, lat, lng, start=_bd_to_gcj_approx(lat, lng))
    return _invert(_gcj_shift, lat, lng, start=(lat, lng))


def from_wgs84(lat: float, lng: float, datum: str) -> tuple[float, float]:
    """Convert a WGS-84 (lat, lng) to ``datum``, e.g. to draw it on Chinese map tiles."""
    _check_datum(datum)
    if datum == WGS84 or out_of_china(lat, lng):
        return lat, lng
    lat, lng = _gcj_shift(lat, lng)
    return _bd_shift(lat, lng) if datum == BD09 else (lat, lng)


def _check_datum(datum: str) -> None:
    if datum not in DATUMS:
        raise ValueError(f"unknown datum {datum!r}; expected one of {', '.join(DATUMS)}")


def _invert(forward, lat: float, lng: float, start: tuple[float, float]) -> tuple[float, float]:
    """Solve ``forward(p) == (lat, lng)`` for p by fixed-point iteration from ``start``."""
    # Neither shift has a closed-form inverse; the one-step inverses of the public libraries are
    # 1–2 m (GCJ) and up to ~0.2 m (BD) off, too much for a round trip that must be sub-centimetre.
    plat, plng = start
    for _ in range(_MAX_ITERATIONS):
        flat, flng = forward(plat, plng)
        err_lat, err_lng = flat - lat, flng - lng
        plat, plng = plat - err_lat, plng - err_lng
        if abs(err_lat) < _TOLERANCE_DEG and abs(err_lng) < _TOLERANCE_DEG:
            break
    return plat, plng


def _gcj_shift(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 without the China box (the caller decides on the box once)."""
    x, y = lng - 105.0, lat - 35.0
    rad_lat = math.radians(lat)
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    # The polynomials give metres on the Krasovsky ellipsoid; dividing by its meridian and
    # parallel radii of curvature turns them into degrees.
    dlat = _shift_lat(x, y) * 180.0 / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlng = _shift_lng(x, y) * 180.0 / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + dlat, lng + dlng


def _shift_lat(x: float, y: float) -> float:
    """The published ``transformLat`` polynomial."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lng(x: float, y: float) -> float:
    """The published ``transformLng`` polynomial."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _bd_shift(lat: float, lng: float) -> tuple[float, float]:
    """GCJ-02 → BD-09, Baidu's published formula."""
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def _bd_to_gcj_approx(lat: float, lng: float) -> tuple[float, float]:
    """BD-09 → GCJ-02, Baidu's published one-step inverse (the iteration's starting point)."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)
