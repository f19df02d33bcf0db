"""Phone-like GPS fixes for demo data, tests and benchmarks: noise, varying accuracy, a trail."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

M_PER_DEG_LAT = 111_320.0


def offset(lat: float, lng: float, north_m: float, east_m: float) -> tuple[float, float]:
    """Move a WGS-84 point by metres north and east (fine for the few kilometres used here)."""
    return lat + north_m / M_PER_DEG_LAT, lng + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat)))


@dataclass(frozen=True)
class SimFix:
    lat: float
    lng: float
    accuracy_m: float
    time: datetime

    def as_json(self, **extra) -> dict:
        return {
            "lat": round(self.lat, 7),
            "lng": round(self.lng, 7),
            "accuracy_m": self.accuracy_m,
            "datum": "WGS84",
            "time": self.time.isoformat(),
            **extra,
        }


def noisy_fix(rng: random.Random, lat: float, lng: float, at: datetime, sigma_m: float = 8.0) -> SimFix:
    """A fix around (lat, lng) with Gaussian error and an accuracy that changes like a real phone's."""
    north, east = rng.gauss(0, sigma_m), rng.gauss(0, sigma_m)
    nlat, nlng = offset(lat, lng, north, east)
    return SimFix(nlat, nlng, round(rng.uniform(5, 25), 1), at)


def trail(
    rng: random.Random, lat: float, lng: float, start: datetime, end: datetime, every_s: int = 60
) -> list[SimFix]:
    """Fixes every ``every_s`` seconds between start and end, around the home."""
    out, at = [], start + timedelta(seconds=every_s)
    while at < end:
        out.append(noisy_fix(rng, lat, lng, at))
        at += timedelta(seconds=every_s)
    return out
