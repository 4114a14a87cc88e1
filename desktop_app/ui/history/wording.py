"""What a history row says, in words a person scans: which picture, when, how, with what, and
how it went.

Qt-free and separate from the painting so that the list, its tooltips, the screen reader's text
and the undo bar name a run the same way. A row's title is its source and its time ("photo.jpg ·
14:32"); the prompt shows only when the user edited it, since every unedited run carries the same
long default wording and rows titled by it all looked alike.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from desktop_app.core.cost import format_usd
from desktop_app.core.library import Outcome
from desktop_app.core.prompts import Strength, variation_prompt

if TYPE_CHECKING:  # the model imports this module for its tooltips
    from desktop_app.ui.history.model import RunRow

OUTCOME_LABELS = {
    Outcome.SUCCEEDED: "Done",
    Outcome.RUNNING: "Running",
    Outcome.PARTIAL: "Partly received",
    Outcome.FAILED: "Failed",
    Outcome.CANCELLED: "Cancelled",
    Outcome.INTERRUPTED: "Interrupted",
}
# Outcomes that lost what was paid for, or may have: drawn in red. A cancel was the user's wish.
ALARMING = frozenset({Outcome.FAILED, Outcome.INTERRUPTED})
UNNAMED_SOURCE = "Pasted picture"

# The wording of each strength, whitespace-folded, to recognise an unedited prompt.
_STRENGTH_OF = {" ".join(variation_prompt(s).split()): s for s in Strength}


def format_when(created: datetime, now: datetime | None = None) -> str:
    """A run's time as people say it: "14:03" today, "Yesterday 09:12", "3 Dec 14:03", and
    "3 Dec 2024" in an earlier year."""
    local = created.astimezone()
    today = (now or datetime.now()).astimezone().date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return clock
    if local.date() == today - timedelta(days=1):
        return f"Yesterday {clock}"
    if local.year == today.year:
        return f"{local.day} {local:%b} {clock}"
    return f"{local.day} {local:%b %Y}"


def source_label(run: RunRow) -> str:
    return run.source_name or UNNAMED_SOURCE


def title(run: RunRow, now: datetime | None = None) -> str:
    """ "photo.jpg · 14:32": what a person remembers a run by."""
    return f"{source_label(run)} · {format_when(run.created, now)}"


def how(run: RunRow) -> str:
    """The strength in words ("balanced variation") or, when the user wrote their own, the
    prompt in quotes; then its framing when it was not a plain square ("· 3:2 · region 23 %")."""
    framing = f" · {run.framing}" if run.framing else ""
    return _wording(run) + framing


def _wording(run: RunRow) -> str:
    if run.prompt is None or not run.prompt.strip():
        return "classic variation" if run.mode == "classic" else "variation"
    strength = _STRENGTH_OF.get(" ".join(run.prompt.split()))
    if strength is not None:
        return f"{strength.value} variation"
    return f"“{' '.join(run.prompt.split())}”"


def model_name(run: RunRow) -> str:
    return run.model or run.mode


def status(run: RunRow) -> str:
    return OUTCOME_LABELS.get(run.outcome, run.outcome.value)


def cost(run: RunRow) -> str:
    if run.cost is not None:
        return format_usd(run.cost)
    if run.outcome is Outcome.RUNNING and run.estimated_cost is not None:
        return f"about {format_usd(run.estimated_cost)}"
    return "no cost recorded"  # a failed request is usually free; we do not guess


def pictures(run: RunRow) -> str:
    count = len(run.result_paths)
    return f"{count} picture{'s' if count != 1 else ''}" if count else "no pictures"


def describe_run(run: RunRow, separator: str = " · ") -> str:
    """The whole row in words: one line for a screen reader, or one fact a line (``"\\n"``)
    for a tooltip."""
    parts = [
        title(run),
        how(run),
        model_name(run),
        f"{status(run)}, {pictures(run)}",
        cost(run),
    ]
    if run.favourite:
        parts.append("starred")
    return separator.join(parts)
