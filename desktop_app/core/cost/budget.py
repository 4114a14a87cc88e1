"""The monthly budget: would this run take the month's spending past the cap?

Comparisons are made in whole micro-dollars so that float noise (0.1 + 0.2) cannot flip an
"exactly at the cap" decision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desktop_app.core.cost.estimate import CostEstimate
from desktop_app.core.cost.money import MILLION, format_usd

__all__ = ["BudgetCheck", "check_budget"]


@dataclass(frozen=True)
class BudgetCheck:
    """Whether a run fits under the monthly cap; ``overrun`` is how far it would go past it."""

    cap: float | None
    month_spent: float
    run_estimate: float | None  # None: the run's price is unknown
    would_exceed: bool
    overrun: float  # US dollars beyond the cap if the run goes ahead; 0.0 when it fits
    remaining: float | None  # what the cap leaves before this run (0.0 once reached); None: no cap

    @property
    def message(self) -> str:
        """One sentence for the confirmation dialog or the status line."""
        if self.cap is None:
            return "No monthly budget set."
        cap = format_usd(self.cap)
        left = format_usd(self.remaining or 0.0)
        if self.run_estimate is None:
            if self.would_exceed:
                return f"This month's budget of {cap} is used up; this run's cost is unknown."
            return f"{left} of this month's {cap} left; this run's cost is unknown."
        if self.would_exceed:
            run, overrun = format_usd(self.run_estimate), format_usd(self.overrun)
            return f"This run (about {run}) would go {overrun} over this month's budget of {cap}."
        return f"This run fits: {left} of this month's {cap} left."


def check_budget(
    month_spent: float, estimate: CostEstimate | float | None, cap: float | None
) -> BudgetCheck:
    """Would this run take the month's spending past ``cap``?

    Reaching the cap exactly is within budget. A run of unknown price counts as exceeding only
    once the cap is reached, since any paid run would then go past it. No cap: never exceeds.
    """
    run = estimate.usd if isinstance(estimate, CostEstimate) else estimate
    spent_micro = _micro(month_spent, "month_spent")
    run_micro = None if run is None else _micro(run, "estimate")
    if cap is None:
        return BudgetCheck(None, month_spent, run, would_exceed=False, overrun=0.0, remaining=None)
    cap_micro = _micro(cap, "cap")
    after = spent_micro + (run_micro or 0)
    would_exceed = spent_micro >= cap_micro if run_micro is None else after > cap_micro
    return BudgetCheck(
        cap,
        month_spent,
        run,
        would_exceed=would_exceed,
        overrun=max(after - cap_micro, 0) / MILLION,
        remaining=max(cap_micro - spent_micro, 0) / MILLION,
    )


def _micro(amount: float, what: str) -> int:
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"{what} must be an amount of 0 or more, not {amount!r}")
    return round(amount * MILLION)
