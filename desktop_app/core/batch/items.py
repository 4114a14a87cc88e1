"""What a batch is: its pictures, each with its own settings and its state.

An item's state only moves forward, and the journal keeps it after every move, so that after a
crash every picture is accounted for: waiting (never sent), sending (the app stopped while it
was out: it may have been billed, and is never sent again without asking), done, failed.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable
from dataclasses import dataclass, field


class ItemState(enum.StrEnum):
    WAITING = "waiting"  # not sent yet
    SENDING = "sending"  # out to the server now
    DONE = "done"  # every image arrived (saved, or kept in the library)
    FAILED = "failed"  # ended without its images; ``billed`` says whether it may have cost


class BatchState(enum.StrEnum):
    READY = "ready"  # made, or paused: nothing is being started
    RUNNING = "running"
    STOPPED = "stopped"  # the server said stop for all (quota, key): ``stop_reason`` says why
    CANCELLED = "cancelled"
    FINISHED = "finished"  # no item is waiting or being sent


def _new_id() -> str:
    """32 random hex digits, like a UUID4's: ``uuid`` itself costs the window's start-up 2 ms."""
    return os.urandom(16).hex()


@dataclass
class BatchItem:
    """One picture of a batch. ``settings`` is a snapshot (snapshot.py): later changes in the
    window do not reach an item already queued. ``crop`` is (x, y, width, height) or None (the
    largest centred frame of the shape)."""

    path: str
    settings: dict[str, object]
    crop: tuple[int, int, int, int] | None = None
    id: str = field(default_factory=_new_id)
    state: ItemState = ItemState.WAITING
    reason: str = ""  # why it failed (or why it stopped being sent), in a sentence
    billed: bool = False  # a failure that may have cost money: never sent again without asking
    failure: str = ""  # the failure's kind for the exit code: errors.failure_kind
    estimate: float | None = None  # USD, before sending
    cost: float | None = None  # USD, from the returned usage
    run_id: str | None = None  # the library's record of its run, once made
    made: int = 0  # images that arrived
    saved: list[str] = field(default_factory=list)  # files written into the output folder

    @property
    def name(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    def retryable(self, *, billed_too: bool = False) -> bool:
        """A failed item that "Retry failed" sends again (billed ones only when asked)."""
        return self.state is ItemState.FAILED and (billed_too or not self.billed)


MOST_JOBS = 8  # pictures out at once: more only meets the servers' rate limits sooner


@dataclass
class Batch:
    """The pictures and how they are sent: at most ``jobs`` requests at once, results saved into
    ``folder`` (None: kept in the library only)."""

    items: list[BatchItem]
    folder: str | None = None
    jobs: int = 2
    id: str = field(default_factory=_new_id)
    state: BatchState = BatchState.READY
    stop_reason: str = ""

    def waiting(self) -> list[BatchItem]:
        return [item for item in self.items if item.state is ItemState.WAITING]

    def counts(self) -> dict[ItemState, int]:
        counts = dict.fromkeys(ItemState, 0)
        for item in self.items:
            counts[item.state] += 1
        return counts

    def total_cost(self) -> float:
        return sum(item.cost or 0.0 for item in self.items)

    def total_estimate(self) -> float | None:
        """What the items still waiting will likely cost; None when some cannot be told."""
        estimates = [item.estimate for item in self.waiting()]
        if any(value is None for value in estimates):
            return None
        return sum(value or 0.0 for value in estimates)

    def find_path(self, path: str) -> BatchItem:
        """The first item of ``path`` still waiting, else the first of ``path``."""
        mine = [item for item in self.items if item.path == path]
        waiting = [item for item in mine if item.state is ItemState.WAITING]
        return (waiting or mine)[0]

    def find(self, item_id: str) -> BatchItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def retry(self, items: Iterable[BatchItem]) -> None:
        """Makes failed ``items`` wait again ("Retry failed": the caller asked first about
        any that may have been billed)."""
        for item in items:
            if item.state is ItemState.FAILED:
                item.state, item.reason, item.billed, item.failure = (
                    ItemState.WAITING,
                    "",
                    False,
                    "",
                )
        if self.waiting() and self.state in (BatchState.FINISHED, BatchState.STOPPED):
            self.state, self.stop_reason = BatchState.READY, ""
