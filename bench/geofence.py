"""Time one geofence check and a 60-point trail's, circle and polygon fences.

Run: .venv/bin/python bench/geofence.py [--number 2000]
The last line holds the headline figures as key=value pairs (microseconds per call).
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # a plain script: make field_app importable without installing it

from field_app.verification.geofence import Fence, check_fix, check_fixes  # noqa: E402

HOME = (30.75, 120.75)  # Jiaxing
POINTS = 60  # ~60 GPS points a visit (domain.md)


def main() -> None:
    """Print microseconds per call for single fixes and for whole trails, circle and polygon."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2000, help="calls per timing")
    number = parser.parse_args().number
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
    figures = {}
    for name, fence in (("circle", Fence(*HOME, 100)), ("polygon", Fence(*HOME, 100, polygon=square))):
        check_fix(fence, *HOME, 10)  # a polygon's cached projection is built outside the timing
        one = _microseconds(lambda f=fence: check_fix(f, lats[0], lngs[0], accuracies[0]), number)
        trail = _microseconds(lambda f=fence: check_fixes(f, lats, lngs, accuracies), number)
        print(
            f"{name:8} check_fix {one:7.1f} µs   check_fixes({POINTS}) {trail:7.1f} µs = {trail / one:.1f} single calls"
        )
        figures |= {f"{name}_fix_us": round(one, 1), f"{name}_trail{POINTS}_us": round(trail, 1)}
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


def _microseconds(call, number: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=3)) / number * 1e6


if __name__ == "__main__":
    main()
