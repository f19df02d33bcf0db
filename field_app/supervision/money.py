"""Settlement arithmetic (结算): yuan as Decimal, rounded half-up to the fen, shares that add up exactly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
DEFAULT_CAP = Decimal("1500.00")  # Jiaxing home care (居家护理), per client per month
DEFAULT_FUND_SHARE = Decimal("0.80")


def yuan(value: Decimal | int | str) -> Decimal:
    """An amount rounded half-up to 0.01 yuan (never via float)."""
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def total(amounts: Iterable[Decimal]) -> Decimal:
    return yuan(sum(amounts, Decimal(0)))


@dataclass(frozen=True)
class Split:
    """One client's month: payable total, the part under the cap, and who pays it."""

    gross: Decimal  #: sum of payable visits
    capped: Decimal  #: gross limited to the monthly cap
    fund: Decimal  #: paid by the LTC fund
    client: Decimal  #: the client's own share (自付)


def split(gross: Decimal, cap: Decimal, fund_share: Decimal) -> Split:
    """Cap the month, then the fund's share rounded first and the client's share as the rest."""
    gross = yuan(gross)
    capped = min(gross, yuan(cap))
    fund = yuan(capped * Decimal(fund_share))
    return Split(gross, capped, fund, capped - fund)
