"""The app's library: every run and result on disk, an index to find them, their lineage and
costs. Qt-free and cheap to import (no Pillow, no network)."""

from desktop_app.core.library.models import (
    LineageNode,
    Outcome,
    PruneReport,
    RunDraft,
    RunRecord,
    StoredResult,
)
from desktop_app.core.library.store import Library

__all__ = [
    "Library",
    "LineageNode",
    "Outcome",
    "PruneReport",
    "RunDraft",
    "RunRecord",
    "StoredResult",
]
