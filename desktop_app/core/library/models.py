"""What the library stores and hands out: plain, frozen values that are safe across threads."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = [
    "LineageNode",
    "Outcome",
    "PruneReport",
    "RunDraft",
    "RunRecord",
    "StoredResult",
]


@dataclass(frozen=True)
class RunDraft:
    """Everything known about a run before the request is sent."""

    source_bytes: bytes = field(repr=False)  # the picture exactly as opened
    source_name: str  # the file name shown to the user ("holiday.jpg"; "" when pasted)
    crop: tuple[int, int, int] | None  # x, y, side of the square, in upright source pixels
    mode: str  # "edit" | "classic"
    model: str | None
    parameters: Mapping[str, Any]  # every request parameter; must be JSON-able
    prompt: str | None
    parent_result_id: str | None = None  # for "Vary this": the result this run varies
    estimated_cost: float | None = None  # USD


class Outcome(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # some images arrived, then the request failed or was cancelled
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # still running when the app died; found at the next open


@dataclass(frozen=True)
class StoredResult:
    """One image of a run, already flushed to disk."""

    id: str
    run_id: str
    index: int
    path: Path
    format: str  # png | jpeg | webp | gif
    size_bytes: int
    revised_prompt: str | None
    sha256: str  # of the file's bytes, so that anyone can check it is intact


@dataclass(frozen=True)
class RunRecord:
    id: str
    created: datetime  # aware, UTC
    source_hash: str  # sha256 of the source bytes
    source_name: str
    source_path: Path
    crop: tuple[int, int, int] | None
    mode: str
    model: str | None
    parameters: dict[str, Any]
    prompt: str | None
    parent_result_id: str | None
    request_id: str | None
    usage: dict[str, int] | None  # input_tokens, output_tokens, total_tokens...
    estimated_cost: float | None
    cost: float | None  # USD, from the returned usage
    outcome: Outcome
    error: str | None
    favourite: bool
    results: tuple[StoredResult, ...]
    deleted: bool = False  # in the trash: hidden, restorable until purged


@dataclass(frozen=True)
class LineageNode:
    """One picture in a family tree of variations.

    The root stands for the original source picture (``result`` is None; ``run_id`` is the first
    run made from it). Every other node is a result; its ``children`` are the results of the runs
    that varied it ("Vary this"), oldest run first. Siblings made by the same run share
    ``run_id``, so a view can group them.
    """

    run_id: str
    result: StoredResult | None
    children: tuple[LineageNode, ...] = ()
    source_path: Path | None = None  # set on the root: the picture the family started from

    def walk(self) -> Iterator[tuple[int, LineageNode]]:
        """Every node of this tree with its depth (the root is 0), parents before children."""
        stack: list[tuple[int, LineageNode]] = [(0, self)]
        while stack:
            depth, node = stack.pop()
            yield depth, node
            stack.extend((depth + 1, child) for child in reversed(node.children))

    def find(self, result_id: str) -> LineageNode | None:
        """The node of ``result_id`` in this tree, if any."""
        for _depth, node in self.walk():
            if node.result is not None and node.result.id == result_id:
                return node
        return None


@dataclass(frozen=True)
class PruneReport:
    runs_removed: int
    bytes_freed: int
    run_ids: tuple[str, ...] = ()
