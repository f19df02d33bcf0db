"""Time one geofence check against a 60-point trail: ``PYTHONPATH=. .venv/bin/python bench/geofence.py``."""

from __future__ import annotations

import timeit

import numpy as np

from field_app.verification.geofence import Fence, check_fix, check_fixes

HOME = (30.75, 120.75)  # Jiaxing
POINTS = 60  # ~60 GPS points a visit (domain.md)


def main() -> None:
    """Print microseconds per call for single fixes and for whole trails, circle and polygon."""
    rng = np.random.default_rng(0)
    lats = HOME[0] + rng.normal(0, 0.0008, POINTS)
    lngs = HOME[1] + rng.normal(0, 0.0008, POINTS)
    accuracies = rng.uniform(5, 40, POINTS)
    d = 0.0009
    square = (
        (HOME[1] - d, HOME[0] - d),
        (HOME[1] + d, HOME[0] - d),
        (HOME[1] + d, HOME[0] + d),
        (HOME[1] - d, HOME[0] + d),
    )
    for name, fence in (("circle", Fence(*HOME, 100)), ("polygon", Fence(*HOME, 100, polygon=square))):
        check_fix(fence, *HOME, 10)  # build the cached projection outside the timing
        one = _microseconds(lambda f=fence: check_fix(f, lats[0], lngs[0], accuracies[0]))
        trail = _microseconds(lambda f=fence: check_fixes(f, lats, lngs, accuracies))
        print(
            f"{name:8} check_fix {one:7.1f} µs   check_fixes({POINTS}) {trail:7.1f} µs = {trail / one:.1f} single calls"
        )


def _microseconds(call, number: int = 2000) -> float:
    return min(timeit.repeat(call, number=number, repeat=3)) / number * 1e6


if __name__ == "__main__":
    main()
