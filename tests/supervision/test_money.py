"""Settlement arithmetic by hand: Decimal, half-up to the fen, the fund's share first, the cap."""

from __future__ import annotations

from decimal import Decimal as D

from field_app.supervision.money import split, total, yuan


def test_half_up_rounding_where_float_and_bankers_rounding_differ():
    assert yuan("2.675") == D("2.68")  # round(2.675, 2) == 2.67 in floats
    assert yuan("0.125") == D("0.13")  # banker's rounding would give 0.12
    assert total([D("0.10"), D("0.20")]) == D("0.30")


def test_under_the_cap_the_fund_pays_80_percent():
    s = split(D("1234.56"), D("1500"), D("0.8"))
    # 1234.56 * 0.8 = 987.648 -> 987.65; client = 1234.56 - 987.65 = 246.91
    assert (s.gross, s.capped, s.fund, s.client) == (D("1234.56"), D("1234.56"), D("987.65"), D("246.91"))


def test_over_the_cap_only_the_cap_is_shared():
    s = split(D("1620.00"), D("1500"), D("0.800"))
    assert (s.capped, s.fund, s.client) == (D("1500.00"), D("1200.00"), D("300.00"))


def test_shares_add_up_exactly_after_a_half_fen():
    # institution terms: 12.35 * 0.7 = 8.645 -> 8.65 (half up), the client pays 3.70, not 3.71 or 3.69
    s = split(D("12.35"), D("3000"), D("0.7"))
    assert (s.fund, s.client) == (D("8.65"), D("3.70"))
    assert s.fund + s.client == s.capped
