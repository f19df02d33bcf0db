"""Spot-check samplers: reproducible, proportional, weighted as documented."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from field_app.supervision.sampling import largest_remainder, stratified, uniform, weighted

IDS = list(range(1, 101))


def test_uniform_depends_on_seed_and_data_not_on_row_order():
    shuffled = IDS[:]
    random.Random(1).shuffle(shuffled)
    assert uniform(IDS, 10, seed=7) == uniform(shuffled, 10, seed=7)
    assert uniform(IDS, 10, seed=7) != uniform(IDS, 10, seed=8)
    assert len(set(uniform(IDS, 10, seed=7))) == 10


def test_uniform_takes_everyone_when_asked_for_more():
    assert sorted(uniform([3, 1, 2], 10, seed=0)) == [1, 2, 3]


def test_largest_remainder_by_hand():
    # quotas 4*5/10=2.0, 4*3/10=1.2, 4*2/10=0.8: floors 2, 1, 0; the one left goes to C (.8 > .2 > .0)
    assert largest_remainder({"A": 5, "B": 3, "C": 2}, 4) == {"A": 2, "B": 1, "C": 1}
    # equal remainders: the larger stratum, then the key, wins
    assert largest_remainder({"B": 1, "A": 1, "C": 1}, 2) == {"A": 1, "B": 1, "C": 0}
    assert largest_remainder({"A": 2, "B": 4}, 1) == {"A": 0, "B": 1}
    assert largest_remainder({"A": 2, "B": 1}, 10) == {"A": 2, "B": 1}  # capped at the population
    assert largest_remainder({}, 3) == {}


def test_stratified_allocates_proportionally_and_is_reproducible():
    strata = {i: ("A" if i <= 50 else "B" if i <= 80 else "C") for i in IDS}  # 50 / 30 / 20
    sample = stratified(strata, 10, seed=3)
    assert Counter(s for _, s in sample) == {"A": 5, "B": 3, "C": 2}
    assert all(strata[v] == s for v, s in sample)
    assert len({v for v, _ in sample}) == 10
    assert stratified(dict(reversed(list(strata.items()))), 10, seed=3) == sample


def test_weighted_draws_heavier_visits_more_often():
    # P(first draw = 2) = 3 / (1 + 3) = 0.75 over 4000 fixed seeds
    firsts = Counter(weighted({1: 1, 2: 3}, 1, seed=s)[0] for s in range(4000))
    assert 0.72 < firsts[2] / 4000 < 0.78


def test_weighted_is_reproducible_without_replacement():
    weights = {i: 1 + (i % 7) * 10 for i in IDS}
    sample = weighted(weights, 20, seed=11)
    assert sample == weighted(dict(sorted(weights.items(), reverse=True)), 20, seed=11)
    assert len(set(sample)) == 20
    assert weighted({1: 1.0}, 5, seed=0) == [1]


def test_weighted_refuses_non_positive_weights():
    with pytest.raises(ValueError):
        weighted({1: 0}, 1, seed=0)
