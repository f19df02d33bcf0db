"""A metric grid over WGS-84 fixes, to find the fixes near each other without comparing all pairs.

Cells are a little over ``size_m`` wide north-south and east-west, so two fixes within ``size_m`` of
each other always sit in the same or adjacent cells; only 3x3 neighbourhoods holding at least
``min_rows`` fixes are handed on, found with numpy (a province's day is mostly one fix a cell).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from field_app.geodesy import EARTH_RADIUS_M

M_PER_DEG = EARTH_RADIUS_M * math.pi / 180
SPAN = 1 << 24  # cell key = x * SPAN + y; |y| < 2**23 for cells down to ~1.2 m
OFFSETS = np.array([dx * SPAN + dy for dx in (-1, 0, 1) for dy in (-1, 0, 1)], dtype=np.int64)


def _cell_keys(lat: np.ndarray, lng: np.ndarray, size_m: float) -> np.ndarray:
    # East-west degrees are scaled at the highest latitude present, where a degree is shortest: every
    # cell is then at least size_m wide everywhere. 1 % more covers the sphere's curvature.
    cos_lat = math.cos(math.radians(float(np.abs(lat).max())))
    cell = size_m * 1.01 / M_PER_DEG
    xs = np.floor(lng * cos_lat / cell).astype(np.int64)
    ys = np.floor(lat / cell).astype(np.int64)
    return xs * SPAN + ys


def neighbourhoods(lat, lng, size_m: float, min_rows: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(rows in a cell, rows in its 3x3 neighbourhood) for every cell whose neighbourhood holds at
    least ``min_rows`` fixes; rows are indices into ``lat`` / ``lng``."""
    if len(lat) == 0:
        return
    keys = _cell_keys(np.asarray(lat, dtype=float), np.asarray(lng, dtype=float), size_m)
    order = np.argsort(keys, kind="stable")
    cells, starts, counts = np.unique(keys[order], return_index=True, return_counts=True)

    def lookup(wanted):
        pos = np.searchsorted(cells, wanted).clip(max=len(cells) - 1)
        return pos, cells[pos] == wanted

    totals = np.zeros(len(cells), dtype=np.int64)
    for offset in OFFSETS:
        pos, found = lookup(cells + offset)
        totals += np.where(found, counts[pos], 0)
    for j in np.flatnonzero(totals >= min_rows):
        pos, found = lookup(cells[j] + OFFSETS)
        around = np.concatenate([order[starts[p] : starts[p] + counts[p]] for p in pos[found]])
        yield order[starts[j] : starts[j] + counts[j]], around
