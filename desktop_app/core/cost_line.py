"""What the window says about a run's cost before it starts, and when it must ask first.

Policy, not widgets: the window shows ``CostLine.text`` and ``tooltip`` as they are, and asks
the question of :func:`budget_question` when there is one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop_app.core.variation import Mode, VariationSettings, estimate_cost

if TYPE_CHECKING:
    from desktop_app.core.cost import CostEstimate, PriceTable
    from desktop_app.core.models import ModelInfo


@dataclass(frozen=True)
class CostLine:
    text: str
    tooltip: str
    estimate: CostEstimate | None  # None: the cost cannot be told before the run


def cost_line(
    settings: VariationSettings,
    models: Sequence[ModelInfo],
    prices: PriceTable | None,
    today: dt.date | None = None,
    *,
    picture: tuple[int, int] | None = None,
) -> CostLine:
    """The cost line for ``settings``; ``picture`` (upright width, height) sizes a "Whole
    picture" run."""
    from desktop_app.core.models import choose_default_model

    model = settings.model or choose_default_model(list(models), today or dt.date.today())
    if prices is None or (settings.mode is not Mode.CLASSIC and not model):
        return CostLine("Cost: shown once the server's models are listed", "", None)
    estimate = estimate_cost(settings, model or "", prices, picture)
    if estimate is None:
        return CostLine(
            "Cost: not known for this model",
            "The app's price table has no prices for this model yet.",
            None,
        )
    # An unpublished family (2.6) is priced from its neighbour's figures: say so in view.
    rough = " (rough)" if estimate.unpublished else ""
    notes = "\n".join(estimate.assumptions)
    return CostLine(
        f"Estimated cost: {estimate.label}{rough}",
        estimate.breakdown + (f"\n{notes}" if notes else ""),
        estimate,
    )


def budget_question(spent: float, line: CostLine, cap: float) -> str | None:
    """The question to ask before a run that would take the month past ``cap`` (USD; 0 or less:
    no cap), or None when the run may simply start."""
    from desktop_app.core.cost import check_budget

    if cap <= 0:
        return None
    check = check_budget(spent, line.estimate, cap)
    return f"{check.message} Make the variations anyway?" if check.would_exceed else None
