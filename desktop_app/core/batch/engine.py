"""Runs a batch: at most ``jobs`` pictures out at once (fewer while the server says "too many"),
every change of state written to the journal before it matters, and a stop for all when the
server's answer is about the account (quota, key) rather than the picture.

The engine knows nothing of files or windows: ``run_item`` does one picture (one_picture.py for
the app), ``on_change`` hears of every change (the window's queue panel, the command line's
lines). It runs on one event loop; ``pause`` may be called from any thread.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from desktop_app.core.errors import ApiError, ApiErrorKind, RunCancelled, VariationError
from desktop_app.core.imaging.errors import ImageRejected
from desktop_app.core.requests import InvalidRequest
from desktop_app.core.results import (
    RATE_LIMITED,
    EventSink,
    Phase,
    PhaseChanged,
    RetryScheduled,
    RunEvent,
)

from .items import Batch, BatchItem, BatchState, ItemState
from .journal import CLOSED, BatchJournal
from .pacing import Pacer

log = logging.getLogger(__name__)

# Answers about the account or the server, not the picture: every other picture would get the
# same, so the batch stops instead of failing them one by one (and paying for nothing).
STOP_ALL = frozenset({ApiErrorKind.QUOTA, ApiErrorKind.BAD_KEY, ApiErrorKind.ORG_NOT_VERIFIED})
MOST_RATE_LIMITS = 5  # a picture sent back to wait this often after rate limits fails instead
# Once the body is on its way the server may bill it, whatever happens next (retry.py).
SENT_PHASES = frozenset({Phase.UPLOADING, Phase.WAITING, Phase.RECEIVING, Phase.DOWNLOADING})


@dataclass
class ItemOutcome:
    """What ``run_item`` reports for a picture that succeeded."""

    made: int
    cost: float | None
    saved: list[str] = field(default_factory=list)
    unsaved: str = ""  # a sentence when some images could not be written into the folder


ItemRunner = Callable[[BatchItem, EventSink], Awaitable[ItemOutcome]]
Listener = Callable[[Batch, BatchItem | None], None]


def failure_kind(exc: BaseException) -> str:
    """The kind of a picture's failure, as the command line's exit codes name them."""
    if isinstance(exc, ImageRejected):
        return "image_rejected"
    if isinstance(exc, asyncio.CancelledError | RunCancelled):
        return "cancelled"
    if isinstance(exc, InvalidRequest):
        return "invalid"
    if isinstance(exc, ApiError) and exc.kind is not ApiErrorKind.SERVER:
        return "api_refused"
    if isinstance(exc, VariationError):
        return "network"
    return "error"


class BatchEngine:
    def __init__(
        self,
        batch: Batch,
        run_item: ItemRunner,
        *,
        journal: BatchJournal | None = None,
        on_change: Listener = lambda _batch, _item: None,
        on_event: Callable[[BatchItem, RunEvent], None] = lambda _item, _event: None,
        pacer: Pacer | None = None,
    ) -> None:
        self.batch = batch
        self._run_item = run_item
        self._journal = journal
        self._on_change = on_change
        self._on_event = on_event
        self.pacer = pacer or Pacer(batch.jobs)
        self._paused = False
        # Set when the app quits mid-batch: the batch stays "running" on disk and goes on at
        # the next start (the pictures out are still cancelled, and say if they were billed).
        self.resume_later = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._rate_limited: dict[str, int] = {}
        self._sent: set[str] = set()  # items whose request reached (or was reaching) the server

    # -- control, from any thread -----------------------------------------------------------

    def pause(self) -> None:
        """Starts nothing more; ``run`` returns once the pictures out have come back."""
        self._paused = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            loop.call_soon_threadsafe(wake.set)

    # -- running ----------------------------------------------------------------------------

    async def run(self) -> Batch:
        """Sends the waiting pictures until none is left, the batch is paused or stopped, or
        the task is cancelled (then the pictures out are cancelled too, and say whether they
        may have been billed)."""
        batch = self.batch
        self._loop, self._wake, self._paused = asyncio.get_running_loop(), asyncio.Event(), False
        if batch.state in (BatchState.READY, BatchState.CANCELLED):
            batch.state, batch.stop_reason = BatchState.RUNNING, ""
        out: dict[asyncio.Task[ItemOutcome], BatchItem] = {}
        cancelled = False
        self._changed(None)
        try:
            while True:
                starting = batch.state is BatchState.RUNNING and not self._paused
                waiting = batch.waiting() if starting else []
                if not waiting and not out:
                    break
                delay = self.pacer.wait_before_start(len(out)) if waiting else math.inf
                if delay == 0:
                    self._start(waiting[0], out)
                    continue
                await self._wait(out, delay)
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            await self._settle(out, cancelled=cancelled)
            if cancelled:
                batch.state = BatchState.RUNNING if self.resume_later else BatchState.CANCELLED
            elif batch.state is BatchState.RUNNING:
                batch.state = BatchState.READY if batch.waiting() else BatchState.FINISHED
            self._changed(None)
        return batch

    def _start(self, item: BatchItem, out: dict[asyncio.Task[ItemOutcome], BatchItem]) -> None:
        item.state, item.reason = ItemState.SENDING, ""
        self._sent.discard(item.id)
        self._changed(item)  # on disk before the request leaves: a crash now is "may be billed"

        def sink(event: RunEvent) -> None:
            if isinstance(event, RetryScheduled):
                self._sent.discard(item.id)  # a retry follows only an unbilled attempt
                if event.reason == RATE_LIMITED:
                    self.pacer.rate_limited(event.seconds)
            elif isinstance(event, PhaseChanged) and event.phase in SENT_PHASES:
                self._sent.add(item.id)
            self._on_event(item, event)

        out[asyncio.ensure_future(self._run_item(item, sink))] = item

    async def _wait(self, out: dict[asyncio.Task[ItemOutcome], BatchItem], delay: float) -> None:
        assert self._wake is not None
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            done, _pending = await asyncio.wait(
                [*out, waker],
                timeout=None if math.isinf(delay) else delay,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            waker.cancel()
        self._wake.clear()
        for task in done:
            item = out.pop(task, None)  # type: ignore[arg-type]
            if item is not None:
                self._finish(item, task)  # type: ignore[arg-type]

    async def _settle(
        self, out: dict[asyncio.Task[ItemOutcome], BatchItem], *, cancelled: bool
    ) -> None:
        """Ends the pictures still out: cancelled with the batch, else awaited."""
        if not out:
            return
        if cancelled:
            for task in out:
                task.cancel()
        pending: set[asyncio.Task[ItemOutcome]] = set(out)
        while pending:
            try:
                _done, pending = await asyncio.wait(pending)
            except asyncio.CancelledError:
                # Cancelled again (the app closing cancels twice): what was out still settles,
                # or the journal would keep it "sending".
                for task in pending:
                    task.cancel()
        for task, item in list(out.items()):
            self._finish(item, task)
        out.clear()

    def _finish(self, item: BatchItem, task: asyncio.Task[ItemOutcome]) -> None:
        if task.cancelled():
            self._failed(item, RunCancelled(may_have_been_billed=item.id in self._sent))
        elif (exc := task.exception()) is not None:
            self._failed(item, exc)
        else:
            outcome = task.result()
            item.state, item.made, item.cost = ItemState.DONE, outcome.made, outcome.cost
            item.saved = list(outcome.saved)
            item.reason = outcome.unsaved
            item.failure = "not_saved" if outcome.unsaved else ""
            self.pacer.succeeded()
        self._changed(item)

    def _failed(self, item: BatchItem, exc: BaseException) -> None:
        billed = bool(getattr(exc, "may_have_been_billed", False))
        if isinstance(exc, ApiError) and not billed:
            if exc.kind is ApiErrorKind.RATE_LIMIT:
                times = self._rate_limited[item.id] = self._rate_limited.get(item.id, 0) + 1
                self.pacer.rate_limited(None)
                if times < MOST_RATE_LIMITS:
                    item.state = ItemState.WAITING  # nothing was made: it simply goes again
                    return
            elif exc.kind in STOP_ALL:
                item.state = ItemState.WAITING
                self.batch.state, self.batch.stop_reason = BatchState.STOPPED, str(exc)
                return
        if isinstance(exc, RunCancelled | asyncio.CancelledError) and not billed:
            item.state = ItemState.WAITING  # cancelled before it was sent: it never left
            return
        item.state, item.billed, item.failure = ItemState.FAILED, billed, failure_kind(exc)
        item.reason = str(exc) or type(exc).__name__
        if self.resume_later and isinstance(exc, RunCancelled | asyncio.CancelledError):
            # Not the person's "Cancel": the app closed, and the batch goes on at next start.
            item.reason, item.failure = CLOSED, "interrupted"
        if item.failure == "error":
            log.error("a batch picture failed unexpectedly", exc_info=exc)

    def _changed(self, item: BatchItem | None) -> None:
        if self._journal is not None:
            try:
                self._journal.save(self.batch)
            except OSError:
                # The batch goes on; only its resumption after a crash is at risk.
                log.warning("could not write the batch journal", exc_info=True)
        self._on_change(self.batch, item)
