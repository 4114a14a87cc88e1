"""The window's batch: the bridge between the queue panel and the batch engine (core/batch).

The engine runs on a task's worker thread; every change it makes reaches the GUI thread as a
copy (``_arrived``), so the panel never reads an item the worker is writing. While a batch runs,
only pause and cancel change it; between runs the panel adds, removes, reorders and reframes.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.core.batch.items import Batch, BatchItem, BatchState, ItemState
from desktop_app.core.batch.journal import BatchJournal
from desktop_app.core.batch.snapshot import settings_to_dict
from desktop_app.core.variation import VariationSettings

if TYPE_CHECKING:
    from desktop_app.core.batch.engine import BatchEngine
    from desktop_app.core.keystore import KeyStore
    from desktop_app.core.models import ModelInfo
    from desktop_app.core.preferences import Preferences
    from desktop_app.core.results import EventSink, RunEvent
    from desktop_app.core.shared_library import SharedLibrary
    from desktop_app.qt.tasks import TaskHandle, TaskRunner

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 300  # a frame being dragged is written once it rests this long


class BatchSession(QObject):
    changed = Signal()  # the list, a state or a total changed: the panel redraws
    finished = Signal()  # a run of the batch ended (done, paused, stopped or cancelled)
    itemProgressed = Signal(str)  # an item's id: ``progress`` has new words for it
    itemChanged = Signal(str)  # an item's id: its state or cost changed (the list stays)
    _arrived = Signal(object, object)  # from the worker: (batch state, stop reason), item copy
    _progressed = Signal(str, str)  # from the worker: item id, where its request is

    def __init__(
        self,
        runner: TaskRunner,
        *,
        keystore: Callable[[], KeyStore],
        preferences: Callable[[], Preferences],
        library: SharedLibrary,
        models: Callable[[], Sequence[ModelInfo]],
        journal: BatchJournal | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._keystore = keystore
        self._preferences = preferences
        self._library = library
        self._models = models
        self._journal = journal or BatchJournal()
        self.batch = Batch([])
        self._task: TaskHandle | None = None
        self._engine: BatchEngine | None = None
        self._quitting = False
        self._save_soon = QTimer(self)
        self._save_soon.setSingleShot(True)
        self._save_soon.setInterval(SAVE_DELAY_MS)
        self._save_soon.timeout.connect(lambda: self._save(announce=False))
        self.pausing = False  # Pause pressed; the pictures out have not all come back yet
        self.progress: dict[str, str] = {}  # item id -> "waiting for the server", ...
        self._arrived.connect(self._on_arrived)
        self._progressed.connect(self._on_progressed)

    # -- the list, between runs ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None

    def add(
        self, paths: Sequence[Path], settings: VariationSettings, estimate: float | None = None
    ) -> int:
        """Adds the pictures not in the batch yet, each with its own copy of ``settings`` (and
        what they will likely cost); returns how many were added."""
        known = {item.path for item in self.batch.items if item.state is not ItemState.DONE}
        snapshot = settings_to_dict(settings)
        added = 0
        for path in paths:
            name = str(path)
            if name not in known:
                self.batch.items.append(BatchItem(name, copy.deepcopy(snapshot), estimate=estimate))
                known.add(name)
                added += 1
        if added and self.batch.state is BatchState.FINISHED:
            self.batch.state = BatchState.READY
        self._save()
        return added

    def remove(self, item_ids: Sequence[str]) -> None:
        if self.running:
            return
        gone = set(item_ids)
        self.batch.items = [item for item in self.batch.items if item.id not in gone]
        self._save()

    def move(self, item_id: str, steps: int) -> None:
        """Moves an item up (negative) or down the list: the order pictures are sent in."""
        if self.running:
            return
        items = self.batch.items
        index = next(i for i, item in enumerate(items) if item.id == item_id)
        target = min(max(index + steps, 0), len(items) - 1)
        items.insert(target, items.pop(index))
        self._save()

    def set_crop(
        self,
        path: str,
        crop: tuple[int, int, int, int] | None,
        shape: str | None = None,
        zoom_out: float | None = None,
    ) -> None:
        """The part of ``path`` to send, as framed in the window (None: the default frame), and
        the shape and zoom out it was framed with (``shape`` None: the item's own stay)."""
        for item in self.batch.items:
            if item.path == path and item.state is ItemState.WAITING:
                item.crop = crop
                if shape is not None:  # the frame's ratio: the item is sent in that shape
                    item.settings = {**item.settings, "shape": shape, "zoom_out": zoom_out}
        # A drag moves the frame many times a second: the rows follow at once, the journal
        # (an fsync'd file, on this thread) once the frame rests.
        self.changed.emit()
        self._save_soon.start()

    def clear_done(self) -> None:
        if not self.running:
            self.batch.items = [i for i in self.batch.items if i.state is not ItemState.DONE]
            self._save()

    # -- running ------------------------------------------------------------------------------

    def differing(self, settings: VariationSettings) -> list[BatchItem]:
        """The waiting pictures whose own settings are not ``settings``."""

        def sent(values: dict[str, object]) -> dict[str, object]:
            # Previews are the window's: a batch shows none, so they make no difference.
            return {k: v for k, v in values.items() if k not in ("stream", "partial_images")}

        now = sent(settings_to_dict(settings))
        return [item for item in self.batch.waiting() if sent(item.settings) != now]

    def run_all(
        self,
        folder: Path | None,
        *,
        settings: VariationSettings | None = None,
        estimate: float | None = None,
    ) -> bool:
        """Sends every waiting picture with its own settings, or with ``settings`` (and its
        ``estimate``) when given, and ``jobs`` from the preferences; False when there is
        nothing to send or it already runs."""
        if self.running or not self.batch.waiting():
            return False
        if settings is not None:
            snapshot = settings_to_dict(settings)
            for item in self.batch.waiting():
                item.settings, item.estimate = copy.deepcopy(snapshot), estimate
        prefs = self._preferences()
        self.batch.jobs = max(1, prefs.batch_jobs)
        self.batch.folder = str(folder) if folder is not None else None
        if self.batch.state in (BatchState.FINISHED, BatchState.STOPPED, BatchState.CANCELLED):
            self.batch.state = BatchState.READY
        self._start(prefs)
        return True

    def retry_failed(self, *, billed_too: bool = False) -> int:
        """Makes the failed pictures wait again (those that may have been billed only when
        asked); returns how many."""
        if self.running:
            return 0
        failed = [item for item in self.batch.items if item.retryable(billed_too=billed_too)]
        self.batch.retry(failed)
        self._save()
        return len(failed)

    def pause(self) -> None:
        """Starts nothing more; the pictures out come back first."""
        if self._engine is not None and not self.pausing:
            self.pausing = True
            self._engine.pause()
            self.changed.emit()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def quit(self) -> None:
        """The app is closing: the pictures out are stopped (and say whether they may have
        been billed), and a batch that was running goes on at the next start."""
        self.flush()
        # The worker makes the engine, then reads _quitting: one of the two sees the other.
        self._quitting = True
        if self._engine is not None:
            self._engine.resume_later = True
        self.cancel()

    def restore(self) -> bool:
        """Takes back the batch left unfinished by the last session (after a quit or a crash:
        the pictures that were out may have been billed and wait for a person to say so);
        True when it was running then, so the window goes on with it."""
        unfinished = self._journal.unfinished()
        if not unfinished or self.batch.items:
            return False
        *older, self.batch = unfinished
        if older:  # e.g. from a version that kept several: one list, nothing hidden
            self.batch.items[:0] = [item for batch in older for item in batch.items]
            self._save(announce=False)
            for batch in older:
                self._journal.forget(batch)
        self.changed.emit()
        return self.batch.state is BatchState.RUNNING

    def resume(self) -> bool:
        if self.running or not self.batch.waiting():
            return False
        self._start(self._preferences())
        return True

    def _start(self, prefs: Preferences) -> None:
        worker_batch = copy.deepcopy(self.batch)  # the worker's own; copies come back
        keystore, library, models = self._keystore, self._library, list(self._models())
        journal, arrived, progressed = self._journal, self._arrived, self._progressed
        made: dict[str, int] = {}

        def on_event(item: BatchItem, event: RunEvent) -> None:
            # Words only cross to the GUI thread: an image's bytes stay with the worker.
            words = _progress_words(event, made, item)
            if words:
                progressed.emit(item.id, words)

        def on_change(batch: Batch, item: BatchItem | None) -> None:
            arrived.emit((batch.state, batch.stop_reason), copy.deepcopy(item))

        async def work(_sink: EventSink) -> None:
            import sqlite3

            from desktop_app.core.batch.engine import BatchEngine
            from desktop_app.core.batch.one_picture import BatchContext, vary_one
            from desktop_app.core.errors import NoApiKey
            from desktop_app.core.run import connect, shipped_prices

            profile = prefs.profile()
            key = keystore().get(profile.name)
            if key is None:
                raise NoApiKey
            try:
                kept = library.get()
            except (OSError, sqlite3.Error):
                log.warning("the library cannot record this batch", exc_info=True)
                kept = None
            folder = Path(worker_batch.folder) if worker_batch.folder else None
            async with connect(profile.client_config(prefs.timeouts()), key) as client:
                context = BatchContext(
                    client=client,
                    library=kept,
                    prices=shipped_prices(),
                    folder=folder,
                    template=prefs.filename_template,
                    keep_metadata=not prefs.strip_metadata,
                    listed=models,
                )
                engine = BatchEngine(
                    worker_batch,
                    lambda item, sink: vary_one(item, sink, context),
                    journal=journal,
                    on_change=on_change,
                    on_event=on_event,
                )
                self._engine = engine
                engine.resume_later = self._quitting
                await engine.run()

        # On disk as running before anything is sent: a quit before the worker has made its
        # engine (it reads the key first) still goes on at the next start.
        self.batch.state = BatchState.RUNNING
        self._save(announce=False)
        self._task = handle = self._runner.submit("batch", work)
        handle.failed.connect(self._on_failed)
        handle.finished.connect(self._on_finished)
        self.changed.emit()

    def _on_arrived(self, state: tuple[BatchState, str], item: BatchItem | None) -> None:
        self.batch.state, self.batch.stop_reason = state
        if item is None:
            self.changed.emit()
            return
        for index, mine in enumerate(self.batch.items):
            if mine.id == item.id:
                self.batch.items[index] = item
        # One row to redraw, not the list: a batch of 30 brings a hundred of these.
        self.itemChanged.emit(item.id)

    def _on_progressed(self, item_id: str, words: str) -> None:
        self.progress[item_id] = words
        self.itemProgressed.emit(item_id)

    def _on_failed(self, exc: Exception) -> None:
        # Before the first picture (no key, no server): the batch stops with the reason.
        self.batch.state, self.batch.stop_reason = BatchState.STOPPED, str(exc) or repr(exc)
        self.changed.emit()

    def _on_finished(self) -> None:
        self._task = self._engine = None
        self.pausing = False
        if self.batch.state is BatchState.RUNNING:  # cancelled before the engine said so
            self.batch.state = BatchState.CANCELLED
        self.changed.emit()
        self.finished.emit()

    def flush(self) -> None:
        """Writes a change still waiting for its frame to rest (the app is closing)."""
        if self._save_soon.isActive():
            self._save(announce=False)

    def _save(self, *, announce: bool = True) -> None:
        self._save_soon.stop()  # this write holds every change so far
        try:
            if self.batch.items:
                self._journal.save(self.batch)
            else:
                self._journal.forget(self.batch)
        except OSError:
            log.warning("could not keep the batch on disk", exc_info=True)
        if announce:
            self.changed.emit()


def _progress_words(event: RunEvent, made: dict[str, int], item: BatchItem) -> str:
    """Where a picture's request is, in a few words ("" for events not worth a word)."""
    from desktop_app.core.results import ImageArrived, Phase, PhaseChanged, RetryScheduled

    if isinstance(event, PhaseChanged):
        return {
            Phase.UPLOADING: "uploading",
            Phase.WAITING: "waiting for the server",
            Phase.RECEIVING: "receiving",
        }.get(event.phase, "")
    if isinstance(event, ImageArrived):
        made[item.id] = made.get(item.id, 0) + 1
        wanted = item.settings.get("n", 1)
        return f"{made[item.id]} of {wanted} arrived"
    if isinstance(event, RetryScheduled):
        return f"trying again in {event.seconds:.0f} s ({event.reason})"
    return ""
