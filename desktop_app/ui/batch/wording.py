"""What the queue panel says about a picture and about the whole batch: plain sentences, made
from the core's items, testable without a window."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop_app.core.batch.items import Batch, BatchItem, BatchState, ItemState
from desktop_app.core.cost import format_usd
from desktop_app.core.framing_words import framing_words


def snapshot_words(settings: Mapping[str, Any], *, model: bool = True) -> str:
    """ "2 variations · high · 3:2" from a settings snapshot: what differs from the defaults
    (the model too unless ``model`` is False: the rows of a list leave it to the window)."""
    count = settings.get("n", 1)
    words = [f"{count} variation{'s' if count != 1 else ''}"]
    if settings.get("mode") == "classic":
        words.append("classic")
    for name in ("model", "quality", "size") if model else ("quality", "size"):
        value = settings.get(name)
        if value not in (None, "", "auto"):
            words.append(str(value))
    if settings.get("prompt"):
        words.append("own prompt")
    elif settings.get("strength") not in (None, "balanced"):
        words.append(str(settings["strength"]))
    if settings.get("output_format") not in (None, "png"):
        words.append(str(settings["output_format"]).upper())
    if settings.get("keep_transparency"):
        words.append("transparent")
    framing = framing_words(settings)
    if framing:
        words.append(framing)
    return " · ".join(words)


def item_settings(item: BatchItem) -> str:
    """ "2 variations · 3:2 · framed" from the item's own settings snapshot."""
    words = snapshot_words(item.settings, model=False)
    return f"{words} · framed" if item.crop is not None else words


def item_status(item: BatchItem, progress: str = "", *, short: bool = False) -> str:
    """Where the picture is; ``progress`` says where its request is while it is out. ``short``:
    a failure's first sentence only (a list's rows stay one line each; the tooltip has all)."""
    if item.state is ItemState.WAITING:
        estimate = f" · ≈ {format_usd(item.estimate)}" if item.estimate is not None else ""
        return f"Waiting{estimate}"
    if item.state is ItemState.SENDING:
        return f"Sending… {progress}" if progress else "Sending…"
    cost = f" · {format_usd(item.cost)}" if item.cost is not None else ""
    if item.state is ItemState.DONE:
        saved = f"{len(item.saved)} saved" if item.saved else f"{item.made} made"
        note = f" ({_first_sentence(item.reason) if short else item.reason})" if item.reason else ""
        return f"Done · {saved}{cost}{note}"
    reason = _first_sentence(item.reason) if short else item.reason
    said = "billed" in reason
    billed = " It may have been billed." if item.billed and not said else ""
    return f"Failed{cost}: {reason}{billed}"


def _first_sentence(text: str) -> str:
    for end in (". ", "; "):
        head, found, _rest = text.partition(end)
        if found:
            return f"{head}."
    return text


def batch_summary(batch: Batch, *, pausing: bool = False) -> str:
    """One line: where the batch is, and what it cost so far."""
    counts = batch.counts()
    total = len(batch.items)
    if not total:
        return "Drop pictures here, or Add…, to vary them all with the current settings."
    cost = format_usd(batch.total_cost())
    if batch.state is BatchState.RUNNING and pausing:
        out = counts[ItemState.SENDING]
        return f"Pausing: waiting for the {out} picture{'s' if out != 1 else ''} out to come back."
    if batch.state is BatchState.RUNNING:
        failed = counts[ItemState.FAILED]
        also = f", {failed} failed" if failed else ""
        return f"{counts[ItemState.DONE]} of {total} done{also} · {cost} so far"
    if batch.state is BatchState.STOPPED:
        return f"Stopped: {batch.stop_reason} {counts[ItemState.WAITING]} not sent."
    parts = [f"{counts[ItemState.DONE]} done"]
    if counts[ItemState.FAILED]:
        parts.append(f"{counts[ItemState.FAILED]} failed")
    if counts[ItemState.WAITING]:
        parts.append(f"{counts[ItemState.WAITING]} waiting")
    prefix = "Cancelled: " if batch.state is BatchState.CANCELLED else ""
    return f"{prefix}{', '.join(parts)} · {cost}"
