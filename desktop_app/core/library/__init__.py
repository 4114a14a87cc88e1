"""The app's library: every run and result on disk, an index to find them, their lineage and
costs. Qt-free, with no Pillow and no network.

Its names load when first used (``__getattr__``, PEP 562): the window reads its waiting queue
(``library.queue``) before its first paint, and the index, its models and SQLite (~45 ms of
imports) are not needed until after it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop_app.core.library.models import (
        LineageNode,
        Outcome,
        PruneReport,
        RunDraft,
        RunRecord,
        StoredResult,
    )
    from desktop_app.core.library.store import Library

_HOME = {
    "Library": "store",
    "LineageNode": "models",
    "Outcome": "models",
    "PruneReport": "models",
    "RunDraft": "models",
    "RunRecord": "models",
    "StoredResult": "models",
}

__all__ = [
    "Library",
    "LineageNode",
    "Outcome",
    "PruneReport",
    "RunDraft",
    "RunRecord",
    "StoredResult",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # once: later lookups are plain module attributes
    return value
