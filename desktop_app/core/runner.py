"""Running one request on its own event loop, stoppable at once from any other thread.

Closing a synchronous httpx client does not interrupt a read that is stalled, so requests run on
the async client in an event loop owned by the worker thread, and cancelling means cancelling
that loop's task: it wakes at once, even before the server has sent a header.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from desktop_app.core.errors import RunCancelled
from desktop_app.core.results import (
    GeneratedImage,
    ImageArrived,
    PartialArrived,
    PartialImage,
    Phase,
    PhaseChanged,
    RetryScheduled,
    RunEvent,
)

T = TypeVar("T")


class CancellableRun(Generic[T]):
    """``run()`` blocks the calling thread until the coroutine ends; ``cancel()`` works anywhere."""

    def __init__(self, make_coroutine: Callable[[], Awaitable[T]]) -> None:
        self._make = make_coroutine
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Future[T] | None = None
        self._cancelled = False

    @property
    def cancel_requested(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._loop is not None and self._task is not None:
                self._loop.call_soon_threadsafe(self._task.cancel)

    def run(self) -> T:
        """Runs to the end; raises ``asyncio.CancelledError`` when cancelled."""
        loop = asyncio.new_event_loop()
        try:
            with self._lock:
                if self._cancelled:
                    raise asyncio.CancelledError
                self._task = loop.create_task(_as_coroutine(self._make()))
                self._loop = loop
            return loop.run_until_complete(self._task)
        finally:
            with self._lock:
                self._loop = None
            _shutdown(loop)


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _shutdown(loop: asyncio.AbstractEventLoop) -> None:
    try:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


class RunRecorder:
    """Collects what a run produced, so a cancel or a failure loses nothing that was paid for."""

    def __init__(self, forward: Callable[[RunEvent], None] | None = None) -> None:
        self._forward = forward
        self.images: list[GeneratedImage] = []
        self.partials: dict[int, PartialImage] = {}
        self.phase: Phase = Phase.PREPARING
        self.request_sent = False  # the current attempt's body reached the server

    def __call__(self, event: RunEvent) -> None:
        if isinstance(event, PhaseChanged):
            self.phase = event.phase
            if event.phase is Phase.WAITING:
                self.request_sent = True
        elif isinstance(event, RetryScheduled):
            # A retry follows an error answer or a failure before sending: nothing billed.
            self.request_sent = False
        elif isinstance(event, ImageArrived):
            self.images.append(event.image)
        elif isinstance(event, PartialArrived):
            self.partials[event.image.index] = event.image
        if self._forward is not None:
            self._forward(event)

    @property
    def may_have_been_billed(self) -> bool:
        return self.request_sent or bool(self.images)

    def cancelled(self) -> RunCancelled:
        return RunCancelled(may_have_been_billed=self.may_have_been_billed, results=self.images)
