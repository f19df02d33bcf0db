"""Reproducible samplers for spot checks (抽查): the same population, size and seed give the same sample.

Every sampler sorts its population by id before drawing from ``random.Random(seed)``, so the order in
which the database happened to return rows never changes the sample.
"""

from __future__ import annotations

import random
from collections.abc import Mapping


def uniform(ids: list[int], size: int, seed: int) -> list[int]:
    """A simple random sample without replacement, in draw order."""
    population = sorted(ids)
    return random.Random(seed).sample(population, min(size, len(population)))


def largest_remainder(counts: Mapping[str, int], size: int) -> dict[str, int]:
    """Split ``size`` over strata in proportion to their counts (Hamilton's largest-remainder method).

    Whole quotas first, then one more each to the largest remainders; ties go to the larger stratum,
    then to the stratum key in sorted order, so the allocation never depends on dict order.
    """
    total = sum(counts.values())
    size = min(size, total)
    if total == 0:
        return {key: 0 for key in counts}
    # Integer arithmetic: size * count // total is exact, where float quotas could tie-break by noise.
    quota = {key: size * n // total for key, n in counts.items()}
    remainder = {key: size * n % total for key, n in counts.items()}
    left = size - sum(quota.values())
    for key in sorted(counts, key=lambda k: (-remainder[k], -counts[k], k))[:left]:
        quota[key] += 1
    return quota


def stratified(strata: Mapping[int, str], size: int, seed: int) -> list[tuple[int, str]]:
    """Proportional stratified sample: (id, stratum) pairs, strata in key order, draw order within."""
    members: dict[str, list[int]] = {}
    for visit_id, key in strata.items():
        members.setdefault(key, []).append(visit_id)
    allocation = largest_remainder({k: len(v) for k, v in members.items()}, size)
    rng = random.Random(seed)  # one generator walked through the strata in a fixed order
    out: list[tuple[int, str]] = []
    for key in sorted(members):
        out += [(visit_id, key) for visit_id in rng.sample(sorted(members[key]), allocation[key])]
    return out


def weighted(weights: Mapping[int, float], size: int, seed: int) -> list[int]:
    """Weighted sample without replacement (Efraimidis–Spirakis A-Res): key = u ** (1 / w), top keys win.

    An id's chance of being drawn first is its weight over the total; weights must be positive.
    """
    rng = random.Random(seed)
    keyed = []
    for visit_id in sorted(weights):
        weight = weights[visit_id]
        if not weight > 0:
            raise ValueError(f"weight of {visit_id} must be > 0, got {weight!r}")
        keyed.append((rng.random() ** (1.0 / weight), visit_id))
    keyed.sort(key=lambda kv: (-kv[0], kv[1]))
    return [visit_id for _, visit_id in keyed[:size]]
