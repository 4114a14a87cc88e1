"""Money for people, and the unit every sum is counted in.

Amounts are kept as unrounded floats (US dollars) everywhere; only :func:`format_usd` rounds,
half up, for display. A leaf module, so that estimates, the budget and the history panel all
show dollars the same way without importing the price file's reader.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["MILLION", "format_usd"]

# Token prices are per million tokens, and the budget counts whole micro-dollars.
MILLION = 1_000_000


def format_usd(amount: float) -> str:
    """Dollars for people: "$0.042" under a dollar, "$1,234.50" above, "<$0.01" under a cent.

    Rounds half up (0.0425 -> "$0.043") from the shortest decimal form of the float, so what is
    shown does not depend on binary float quirks. A third decimal of 0 is dropped ("$0.04").
    """
    if not math.isfinite(amount):
        raise ValueError(f"Not an amount of money: {amount!r}")
    if amount < 0:
        return "-" + format_usd(-amount)
    value = Decimal(repr(amount))
    if value == 0:
        return "$0.00"
    if value < Decimal("0.01"):
        return "<$0.01"
    if value < 1:
        text = f"{value.quantize(Decimal('0.001'), rounding=ROUND_HALF_UP):f}"
        return "$" + (text[:-1] if text.endswith("0") else text)
    return f"${value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,f}"
