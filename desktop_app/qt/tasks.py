"""The bridge between Qt and the async core: every network call and every paid run runs here.

Which bridge to use is decided in ``desktop_app/qt/__init__.py``; the other is ``pool.Courier``.

Each task gets its own ``QThread`` with a private asyncio event loop (``CancellableRun``), so a
cancel wakes a stalled read at once. Only plain values cross back: core events, bytes, results
and errors, delivered to the GUI thread through queued signals; widgets make their pixmaps.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

if TYPE_CHECKING:  # asyncio, the runner and the events load with the first task
    from desktop_app.core.results import EventSink, RunEvent
    from desktop_app.core.runner import CancellableRun, RunRecorder

    TaskFactory = Callable[[EventSink], Awaitable[Any]]

log = logging.getLogger(__name__)


class TaskHandle(QObject):
    """One running task. Its signals arrive on the GUI thread; ``finished`` always comes last."""

    progress = Signal(object)  # a core RunEvent: phase, upload progress, retry countdown, images
    succeeded = Signal(object)  # what the task returned
    failed = Signal(object)  # the exception (VariationError, ImageRejected...); keeps results
    cancelled = Signal(object)  # RunCancelled: says whether it may have been billed, keeps images
    finished = Signal()

    def __init__(self, name: str, run: CancellableRun[Any], recorder: RunRecorder) -> None:
        super().__init__()
        self.name = name
        self._run = run
        self.recorder = recorder

    def cancel(self) -> None:
        """Stops the task within a second, whatever the server is doing."""
        self._run.cancel()


class _TaskThread(QThread):
    def __init__(self, handle: TaskHandle, run: CancellableRun[Any]) -> None:
        super().__init__()
        self.setObjectName(f"task:{handle.name}")
        self._handle = handle
        self._run = run

    def run(self) -> None:
        import asyncio

        handle = self._handle
        try:
            value = self._run.run()
        except asyncio.CancelledError:
            handle.cancelled.emit(handle.recorder.cancelled())
        except Exception as exc:  # every failure reaches the window as a value, never a crash
            if not _expected(exc):
                log.exception("task %s failed unexpectedly", handle.name)
            handle.failed.emit(exc)
        else:
            handle.succeeded.emit(value)
        finally:
            handle.finished.emit()


def _expected(exc: Exception) -> bool:
    """Failures with their own plain sentence, which the window shows: not worth a traceback
    in the log (a first start without a key, a refused plain-http server among them)."""
    from desktop_app.core.config import InsecureBaseUrl
    from desktop_app.core.errors import NoApiKey, VariationError
    from desktop_app.core.imaging import ImageRejected
    from desktop_app.core.keystore import KeyStoreError
    from desktop_app.core.requests import InvalidRequest

    return isinstance(
        exc,
        VariationError
        | ImageRejected
        | KeyStoreError
        | InvalidRequest
        | NoApiKey
        | InsecureBaseUrl,
    )


class TaskRunner(QObject):
    """Starts tasks on worker threads and stops them all on shutdown."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threads: dict[TaskHandle, _TaskThread] = {}
        self._closed = False

    def submit(self, name: str, factory: TaskFactory) -> TaskHandle:
        """Runs ``factory(sink)`` on a worker thread; ``sink`` forwards core events to the GUI."""
        from desktop_app.core.runner import CancellableRun, RunRecorder

        holder: list[TaskHandle] = []

        def forward(event: RunEvent) -> None:
            holder[0].progress.emit(event)

        recorder = RunRecorder(forward)
        run: CancellableRun[Any] = CancellableRun(lambda: factory(recorder))
        handle = TaskHandle(name, run, recorder)
        holder.append(handle)
        thread = _TaskThread(handle, run)
        self._threads[handle] = thread
        thread.finished.connect(lambda: self._forget(handle))
        # Start on the next turn of the event loop: the caller connects to the handle's signals
        # first, so even a task that fails at once is never reported to nobody.
        QTimer.singleShot(0, self, lambda: self._start(handle))
        return handle

    def _start(self, handle: TaskHandle) -> None:
        thread = self._threads.get(handle)
        if thread is not None and not self._closed:
            thread.start()

    @property
    def active(self) -> int:
        return len(self._threads)

    def _forget(self, handle: TaskHandle) -> None:
        thread = self._threads.pop(handle, None)
        if thread is not None:
            thread.wait()
            thread.deleteLater()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancels every task and joins its thread; True when all stopped in time."""
        self._closed = True
        for handle in list(self._threads):
            handle.cancel()
        stopped = True
        for handle, thread in list(self._threads.items()):
            stopped = thread.wait(timeout_ms) and stopped
            self._threads.pop(handle, None)
        return stopped
