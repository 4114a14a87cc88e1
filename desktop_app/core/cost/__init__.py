"""What a run costs: an estimate before it, the actual figure after it, and the monthly budget.

    prices.py    reading and checking prices.json into a PriceTable
    rates.py     the shapes of a price (per token, per image) and the estimates' assumptions
    estimate.py  the arithmetic: an estimate from settings, the actual cost from usage
    budget.py    the monthly cap, compared in whole micro-dollars
    money.py     format_usd: the only place amounts are rounded, for display

Callers import from here; the modules are split by concern, not by audience.
"""

from desktop_app.core.cost.budget import BudgetCheck, check_budget
from desktop_app.core.cost.estimate import (
    CostEstimate,
    CostMode,
    actual_cost,
    estimate_cost,
    no_price_note,
    output_image_tokens,
)
from desktop_app.core.cost.money import format_usd
from desktop_app.core.cost.prices import PriceFileError, PriceTable
from desktop_app.core.cost.rates import ModelPrices, TokenPrices

__all__ = [
    "BudgetCheck",
    "CostEstimate",
    "CostMode",
    "ModelPrices",
    "PriceFileError",
    "PriceTable",
    "TokenPrices",
    "actual_cost",
    "check_budget",
    "estimate_cost",
    "format_usd",
    "no_price_note",
    "output_image_tokens",
]
