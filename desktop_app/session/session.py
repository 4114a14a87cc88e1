"""The window's state and the work it asks for: the picture queue, the prepared upload, the run.

No widgets here: the session holds plain values, runs everything slow through the one
``TaskRunner`` and tells the window what changed through signals. Results of a superseded task
are dropped by generation number, so a slow old answer never overwrites a newer one.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance
from PySide6.QtGui import QImage

from desktop_app import APP_NAME
from desktop_app.core.errors import NoApiKey
from desktop_app.core.imaging.shape import Shape
from desktop_app.core.variation import Mode, VariationSettings
from desktop_app.memory import limit_retained_memory, release_freed_memory
from desktop_app.qt.intake import PictureInput
from desktop_app.qt.pool import Courier
from desktop_app.qt.tasks import TaskHandle, TaskRunner

if TYPE_CHECKING:
    from PIL import Image

    from desktop_app.core.config import ClientConfig
    from desktop_app.core.cost import PriceTable
    from desktop_app.core.imaging import Frame, SourceImage, Square, Upload
    from desktop_app.core.keystore import ApiKey, KeyStore
    from desktop_app.core.library import RunRecord
    from desktop_app.core.library.queue import QueueStore
    from desktop_app.core.models import ModelInfo
    from desktop_app.core.preferences import Preferences, PreferencesStore
    from desktop_app.core.results import EventSink, GeneratedImage, RunEvent
    from desktop_app.core.run import RunOutcome, VariationRun
    from desktop_app.core.shared_library import SharedLibrary

log = logging.getLogger(__name__)
# The picture shown for framing and in the source viewer (the upload is made from the
# original). 1280 would save 7 MB through every run (a 12 MP JPEG decodes at a quarter of its
# side, 1000 x 750), but a 1920 x 1080 screen frames in a view ~1200 px wide, and more at 200 %:
# the picture the person frames would be enlarged and soft.
PREVIEW_MAX_SIDE = 2048
# The upload's own thumbnail ("Will send"): shown 160 px wide, so 640 covers a 4x screen. The
# upload itself (1024 px and more) was held decoded for it: 3 MB through every run, not 1.2.
UPLOAD_PREVIEW_MAX_SIDE = 640
PREPARE_DELAY_MS = 150


@dataclass(eq=False)
class LoadedPicture:
    source: SourceImage
    # The picture as loaded, for the window's copies; a null QImage once it has made them.
    preview: QImage
    label: str
    parent_result_id: str | None = None  # set when the picture is a result being varied
    transparent: bool = False  # some pixel is not fully opaque: "Keep transparency" applies
    path: Path | None = None  # the file it was opened from (None: pasted, or a link)

    @property
    def full_size(self) -> tuple[int, int]:
        return (self.source.width, self.source.height)


@dataclass(frozen=True)
class PreparedUpload:
    upload: Upload
    preview: QImage
    description: str
    warnings: list[str] = field(default_factory=list)


class Session(QObject):
    pictureLoaded = Signal(object)  # LoadedPicture
    pictureRejected = Signal(str, str)  # label, the plain reason
    queueChanged = Signal(int)  # pictures still waiting after the current one
    loadingChanged = Signal(bool)
    uploadPreparing = Signal()
    uploadReady = Signal(object)  # PreparedUpload
    uploadFailed = Signal(str)
    modelsLoaded = Signal(list)  # list[ModelInfo]
    keyMissing = Signal(object)  # NoApiKey, KeyStoreError, or the ApiError of a rejected key
    runStarted = Signal(int)  # how many variations were asked for
    runEvent = Signal(object)  # a core RunEvent
    runSucceeded = Signal(object)  # RunOutcome
    runFailed = Signal(object)  # the exception; paid results were already handed out as events
    runCancelled = Signal(object)  # RunCancelled
    runFinished = Signal()
    saved = Signal(list)  # list[Path]
    saveFailed = Signal(str)
    spendingChanged = Signal(float)  # USD spent this month (read on a worker)
    runReopened = Signal(object)  # RunRecord: its results are in ``results`` now
    problem = Signal(str)  # a plain sentence for the window's message banner

    def __init__(
        self,
        runner: TaskRunner,
        keystore: KeyStore | None,
        preferences: Callable[[], Preferences],
        parent: QObject | None = None,
        *,
        library: SharedLibrary | None = None,
        queue_store: QueueStore | None = None,
    ) -> None:
        super().__init__(parent)
        from desktop_app.core.shared_library import SharedLibrary

        # Once per process (the entry point has usually done it): also when the window is made
        # without it, as tests and benchmarks make it.
        limit_retained_memory()

        self.library = library or SharedLibrary()
        self._runner = runner
        self._keystore = keystore  # None: made on first need, after the window is on screen
        self._keystore_lock = threading.Lock()
        self._preferences = preferences
        self._queue: deque[PictureInput] = deque()
        self._queue_store = queue_store  # None: the queue lives only as long as the window
        self._queue_writer = Courier(1, self)  # the queue and the preferences, in order
        self._next_wanted = False
        self.picture: LoadedPicture | None = None
        self._preview_coming: LoadedPicture | None = None  # its preview is being decoded again
        self._preview_wanted: list[Callable[[QImage], object]] = []  # with_preview's, till then
        self.crop: Square | Frame | None = None  # the framing tool's part of the picture
        self.region: QImage | None = None  # set_region: where the picture may change
        self.settings = VariationSettings()
        self.prepared: PreparedUpload | None = None
        self.results: dict[int, GeneratedImage] = {}
        self.results_source = ""
        self.models: list[ModelInfo] = []
        self.last_model = ""
        self.last_cost: float | None = None  # USD, of the last run that finished
        self.result_ids: dict[int, str] = {}  # image index -> its id in the library
        self.run_id: str | None = None  # the library's id of the results' run
        self.story: Mapping[str, str] | None = None  # how the results were made, for saving
        self.prices: PriceTable | None = None  # read with the library, off the GUI thread
        self.month_spent = 0.0  # USD, as of the library's last reading
        self._loading: TaskHandle | None = None
        self._preparing: TaskHandle | None = None
        self._run: TaskHandle | None = None
        self._prepare_generation = 0
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(PREPARE_DELAY_MS)
        self._prepare_timer.timeout.connect(self._prepare_now)

    # -- pictures -------------------------------------------------------------------------------

    def add_inputs(self, inputs: list[PictureInput], *, first: bool = False) -> None:
        if first:
            self._queue.extendleft(reversed(inputs))
            # "Vary this" while another picture still opens: this one follows it at once,
            # rather than waiting in the queue for Next.
            if self._loading is not None:
                self._next_wanted = True
        else:
            self._queue.extend(inputs)
        if self._loading is None:
            self.load_next()
        else:
            self._announce_queue()

    def waiting(self) -> int:
        return len(self._queue)

    def take_waiting_files(self) -> list[Path]:
        """Takes the waiting pictures that are files out of the queue (for the batch); links
        and pasted pictures stay in it."""
        files = [item.path for item in self._queue if item.path is not None]
        self._queue = deque(item for item in self._queue if item.path is None)
        self._announce_queue()
        return files

    def _announce_queue(self) -> None:
        self.queueChanged.emit(len(self._queue))
        if self._queue_store is None:
            return
        # Files and links survive a restart; pasted data has nowhere to come back from.
        kept = [str(i.path) if i.path is not None else i.url for i in self._queue]
        store, items = self._queue_store, [item for item in kept if item]
        # On its own thread (an fsync took up to 30 ms here), one save at a time, in order.
        self._queue_writer.send(lambda: _save_queue(store, items), _ignore_result)

    def save_preferences(self, store: PreferencesStore, prefs: Preferences) -> None:
        """Writes the preferences off the GUI thread (the write is flushed to disk)."""
        snapshot = copy.deepcopy(prefs)
        self._queue_writer.send(lambda: _save_preferences(store, snapshot), _ignore_result)

    def refresh_spending(self) -> None:
        """Reads this month's spending on a worker; ``spendingChanged`` brings it back."""
        library, known = self.library, self.month_spent

        def read() -> float:
            import sqlite3

            try:
                return library.get().month_total()
            except (OSError, sqlite3.Error):
                return known

        self._queue_writer.send(read, self._on_spending)

    def _on_spending(self, spent: object) -> None:
        if isinstance(spent, float | int):
            self.month_spent = float(spent)
            self.spendingChanged.emit(self.month_spent)

    def finish_writes(self, msecs: int = 3000) -> bool:
        """Waits for the queue's last save (the window calls it when it closes)."""
        return self._queue_writer.finish(msecs)

    def restore_queue(self) -> int:
        """Puts back the pictures that were waiting when the app last closed (not opened yet:
        "Next picture" continues); returns how many."""
        if self._queue_store is None:
            return 0
        restored = [
            PictureInput(url=item)
            if item.startswith(("http://", "https://"))
            else PictureInput(path=Path(item))
            for item in self._queue_store.load()
        ]
        restored = [i for i in restored if i.path is None or i.path.is_file()]
        self._queue.extend(restored)
        self._announce_queue()
        return len(restored)

    def load_next(self) -> bool:
        if self._loading is not None and self._queue:
            self._next_wanted = True  # "Next" while a picture still opens: it follows, not lost
        if not self._queue or self._loading is not None:
            self._announce_queue()
            return False
        self._next_wanted = False
        item = self._queue.popleft()
        self._announce_queue()
        self.loadingChanged.emit(True)
        handle = self._runner.submit("load", lambda _sink: _load_picture(item))
        self._loading = handle
        handle.succeeded.connect(self.on_picture_loaded)
        handle.failed.connect(lambda exc: self.pictureRejected.emit(item.label, str(exc)))
        handle.finished.connect(self.on_loading_finished)
        return True

    def on_picture_loaded(self, picture: LoadedPicture) -> None:
        self._hand_out_preview(QImage())  # the last picture's will not come now
        self.picture = picture
        self.crop = None
        self.region = None
        self.prepared = None
        self.pictureLoaded.emit(picture)
        self.schedule_prepare()

    # -- the picture's preview: the window keeps copies at the size it shows -------------------

    def let_go_of_preview(self) -> None:
        """The window has made its copies of the picture at the sizes it shows (framing, its
        badge): the preview (12 MB for a 12 MP photo) need not be held; ``with_preview``
        decodes it again for whatever needs it later (the viewer)."""
        if self.picture is not None:
            self.picture.preview = QImage()

    def with_preview(self, use: Callable[[QImage], object]) -> None:
        """Calls ``use`` with the current picture's preview, now or once it is decoded again;
        with a null QImage if it cannot come (another picture came meanwhile, or it could not
        be decoded), so that what waits for it goes on without it."""
        picture = self.picture
        if picture is None:
            return
        if not picture.preview.isNull():
            use(picture.preview)
            return
        self._preview_wanted.append(use)
        if self._preview_coming is picture:
            return
        self._preview_coming = picture
        handle = self._runner.submit(
            "preview", lambda _sink: _decode_preview(picture.source, keep=False)
        )
        handle.succeeded.connect(lambda shown: self._on_preview_back(picture, shown[0]))
        handle.failed.connect(lambda exc: self._on_preview_failed(picture, exc))

    def _on_preview_back(self, picture: LoadedPicture, preview: QImage) -> None:
        if picture is self.picture:  # else another came meanwhile and its waiters were told
            self._hand_out_preview(preview)

    def _on_preview_failed(self, picture: LoadedPicture, exc: Exception) -> None:
        if picture is self.picture:  # the file was read once; only memory could fail now
            self.problem.emit(f"Could not show {picture.label}: {exc}")
            self._hand_out_preview(QImage())

    def _hand_out_preview(self, preview: QImage) -> None:
        wanted, self._preview_wanted, self._preview_coming = self._preview_wanted, [], None
        for use in wanted:
            use(preview)

    def on_loading_finished(self) -> None:
        self._loading = None
        self.loadingChanged.emit(False)
        if self.picture is None or self._next_wanted:
            self.load_next()  # a rejected picture should not stall the rest of the queue

    # -- the upload -----------------------------------------------------------------------------

    def set_region(self, region: QImage | None) -> None:
        """Where the picture may change (255), at the region's own resolution; None: anywhere.
        Sent as the run's mask, made for the upload actually sent; the preview says so."""
        self.region = region
        self.schedule_prepare()

    def set_crop(self, crop: Square | Frame) -> None:
        if crop != self.crop:
            self.crop = crop
            self.schedule_prepare()

    def set_settings(self, settings: VariationSettings) -> None:
        changed = _upload_choices(settings) != _upload_choices(self.settings)
        self.settings = settings
        if changed:
            self.schedule_prepare()

    def schedule_prepare(self) -> None:
        if self.picture is not None:
            self.prepared = None  # stale from now on: a run started meanwhile prepares its own
            self._prepare_generation += 1
            self.uploadPreparing.emit()
            self._prepare_timer.start()

    def _prepare_now(self) -> None:
        picture, crop, settings = self.picture, self.crop, self.settings
        region = self.region if settings.mode is Mode.EDIT else None
        if picture is None:
            return
        generation = self._prepare_generation
        if self._preparing is not None:
            self._preparing.cancel()
        handle = self._runner.submit(
            "prepare", lambda _sink: _prepare(picture.source, crop, settings, region)
        )
        self._preparing = handle

        def done(prepared: PreparedUpload) -> None:
            if generation == self._prepare_generation:
                self.prepared = prepared
                self.uploadReady.emit(prepared)

        def failed(exc: Exception) -> None:
            if generation == self._prepare_generation:
                self.uploadFailed.emit(str(exc))

        def finished() -> None:
            if self._preparing is handle:
                self._preparing = None

        handle.succeeded.connect(done)
        handle.failed.connect(failed)
        handle.finished.connect(finished)

    # -- models and the key ---------------------------------------------------------------------

    @property
    def keystore(self) -> KeyStore:
        """The key store, made when first needed, on whichever thread needs it first: loading
        keyring (and its D-Bus libraries) takes ~250 ms, so runs make it on their worker."""
        with self._keystore_lock:
            if self._keystore is None:
                from desktop_app.core.keystore import KeyStore

                self._keystore = KeyStore()
            return self._keystore

    def _get_keystore(self) -> KeyStore:
        return self.keystore

    def refresh_models(self) -> TaskHandle:
        prefs, keystore = self._preferences(), self._get_keystore

        async def work(_sink: EventSink) -> list[ModelInfo]:
            from desktop_app.core.run import shipped_prices

            # The cost line needs both; the small price file is read here, not on the GUI.
            self.prices = shipped_prices()  # a plain assignment, read after modelsLoaded
            return await _list_models(keystore, prefs)

        handle = self._runner.submit("models", work)
        handle.succeeded.connect(self.on_models)
        handle.failed.connect(self.on_models_failed)
        return handle

    def tidy_library(self) -> TaskHandle:
        """At start-up, off the GUI thread: opens the library (cleaning up after a crash),
        empties its trash and applies the retention settings."""
        prefs, library = self._preferences(), self.library

        async def work(_sink: EventSink) -> int:
            from desktop_app.core.run import shipped_prices

            self.prices = shipped_prices()  # one small file; a plain assignment
            opened = library.get()
            opened.purge_deleted()
            if prefs.keep_days <= 0 and prefs.keep_gb <= 0:
                return 0
            report = opened.prune(
                older_than_days=prefs.keep_days or None,
                max_bytes=int(prefs.keep_gb * 1e9) or None,
            )
            return report.runs_removed

        handle = self._runner.submit("library", work)
        handle.succeeded.connect(lambda _removed: self._on_library_ready())
        handle.failed.connect(lambda exc: log.warning("the library cannot be opened: %s", exc))
        return handle

    def _on_library_ready(self) -> None:
        self.refresh_spending()

    def on_models(self, models: list[ModelInfo]) -> None:
        self.models = models
        self.modelsLoaded.emit(models)

    def on_models_failed(self, exc: Exception) -> None:
        from desktop_app.core.errors import Remedy, remedy_for
        from desktop_app.core.keystore import KeyStoreError

        # A key the server rejects (401) is said now, at start-up, not first at Generate.
        key_problem = remedy_for(exc, classic_mode=False) is Remedy.OPEN_KEY_SETTINGS
        if isinstance(exc, KeyStoreError) or key_problem:
            self.keyMissing.emit(exc)
        else:
            log.info("could not list models: %s", exc)

    # -- the run --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._run is not None

    def room_problem(self) -> str | None:
        """A sentence when the library's disk has too little room for this run's pictures:
        asked before paying, since a run that cannot be recorded is at risk of being lost."""
        from desktop_app.core.space import before_a_run

        return before_a_run(self.settings.n)

    def generate(self) -> bool:
        from desktop_app.core.run import VariationRun

        picture = self.picture
        if picture is None or self._run is not None:
            return False
        settings, prefs = self.settings, self._preferences()
        self.results = {}
        self.results_source = picture.label  # results keep their source's name for saving
        self.result_ids, self.run_id, self.last_cost, self.story = {}, None, None, None
        # What the window shows is what is sent: the upload prepared for the preview, unless
        # the frame or the settings changed since (then the run prepares it again).
        variation = VariationRun(
            picture.source,
            self.crop,
            self.prepared.upload if self.prepared is not None else None,
            settings,
            library=None,  # opened on the worker: opening may rebuild the index
            prices=None,
            parent_result_id=picture.parent_result_id,
            keep_transparency=settings.keep_transparency,
            results_from_disk=True,  # the run stays on screen: ten results' bytes not held
        )
        keystore, models, library = self._get_keystore, list(self.models), self.library
        region = self.region if settings.mode is Mode.EDIT else None

        async def work(sink: EventSink) -> RunOutcome:
            if region is not None:
                size = (picture.source.width, picture.source.height)
                variation.region = _region_pixels(region, size)
            try:
                return await _execute(variation, keystore, prefs, library, models, sink)
            finally:
                release_freed_memory()  # the answer's body, decoded and stored

        handle = self._runner.submit("run", work)
        self._run = handle
        handle.progress.connect(self.on_run_event)
        handle.succeeded.connect(self.on_run_succeeded)
        handle.failed.connect(lambda exc: self._after_run(variation, self.runFailed, exc))
        handle.cancelled.connect(lambda exc: self._after_run(variation, self.runCancelled, exc))
        handle.finished.connect(self.on_run_finished)
        self.runStarted.emit(settings.n)
        return True

    def on_run_succeeded(self, outcome: RunOutcome) -> None:
        # The one place a run's state is set: on the GUI thread, from the outcome value.
        self.last_model = outcome.model
        self.run_id = outcome.run_id
        self.result_ids = dict(outcome.stored)
        self.last_cost = outcome.cost
        self.story = outcome.story
        self.runSucceeded.emit(outcome)

    def _after_run(self, variation: VariationRun, signal: SignalInstance, exc: Exception) -> None:
        # The run has ended (its thread is done with it): what it recorded is safe to read.
        self.last_model = variation.model or ""
        self.run_id = variation.run_id
        self.result_ids = dict(variation.stored)
        signal.emit(exc)

    def cancel(self) -> bool:
        if self._run is None:
            return False
        self._run.cancel()
        return True

    def on_run_event(self, event: RunEvent) -> None:
        from desktop_app.core.results import ImageArrived

        if isinstance(event, ImageArrived):
            self.results[event.image.index] = event.image
        self.runEvent.emit(event)

    def on_run_finished(self) -> None:
        self._run = None
        self.refresh_spending()
        self.runFinished.emit()

    # -- saving ---------------------------------------------------------------------------------

    def save(self, indexes: list[int], folder: Path | None = None) -> TaskHandle | None:
        images = [self.results[i] for i in sorted(indexes) if i in self.results]
        if not images:
            return None
        prefs = self._preferences()
        target = folder or prefs.output_folder()
        name, model = self.results_source, self.last_model
        story = self.story or {"app": APP_NAME, "model": model}

        async def work(_sink: EventSink) -> list[Path]:
            from desktop_app.core.run import SaveOptions, save_outcome

            options = SaveOptions(
                template=prefs.filename_template,
                save_format=prefs.save_format,
                story=None if prefs.strip_metadata else story,
            )
            saved = list(
                save_outcome(images, target, source_name=name, model=model, options=options)
            )
            for failure in saved:
                if isinstance(failure, OSError):
                    raise failure
            return [path for path in saved if isinstance(path, Path)]

        handle = self._runner.submit("save", work)
        handle.succeeded.connect(self.saved.emit)
        handle.failed.connect(lambda exc: self.saveFailed.emit(_save_failure(exc, target)))
        return handle

    # -- the library ------------------------------------------------------------------------------

    def reopen_run(self, run_id: str) -> TaskHandle:
        """Brings a past run back: its source picture and its results, as if just made."""
        library = self.library

        async def work(_sink: EventSink) -> RunRecord:
            record = library.get().run(run_id)
            if record is None:
                raise LookupError("That run is no longer in the library.")
            for result in record.results:
                result.path.stat()  # every file is there (OSError if not): read when shown
            return record

        handle = self._runner.submit("reopen", work)
        handle.succeeded.connect(self._on_reopened)
        handle.failed.connect(lambda exc: self.problem.emit(f"Could not reopen the run: {exc}"))
        return handle

    def _on_reopened(self, record: RunRecord) -> None:
        if self.running:
            self.problem.emit("Wait for the current run to finish before reopening another.")
            return
        from desktop_app.core.results import GeneratedImage

        self.results = {
            r.index: GeneratedImage.on_disk(r.index, r.path, r.format, r.revised_prompt)
            for r in record.results
        }
        self.result_ids = {r.index: r.id for r in record.results}
        self.run_id = record.id
        self.results_source = record.source_name or "image"
        self.last_model = record.model or ""
        self.last_cost = record.cost
        source = PictureInput(
            path=record.source_path,
            name=record.source_name,
            parent_result_id=record.parent_result_id,
        )
        self.add_inputs([source], first=True)
        self.runReopened.emit(record)

    def save_stored(self, result_ids: list[str], folder: Path | None = None) -> TaskHandle:
        """Saves results kept in the library (from the history), each with its run's story."""
        prefs, library = self._preferences(), self.library
        target = folder or prefs.output_folder()

        async def work(_sink: EventSink) -> list[Path]:
            from desktop_app.core.recording import story_of
            from desktop_app.core.saving import save_result

            opened = library.get()
            paths = []
            for result_id in result_ids:
                stored = opened.result(result_id)
                record = opened.run(stored.run_id) if stored is not None else None
                if stored is None or record is None:
                    continue
                from desktop_app.core.results import GeneratedImage

                image = GeneratedImage(stored.index, stored.path.read_bytes(), stored.format)
                paths.append(
                    save_result(
                        image,
                        target,
                        template=prefs.filename_template,
                        source_name=record.source_name or "image",
                        save_format=prefs.save_format,
                        model=record.model or "",
                        story=None if prefs.strip_metadata else story_of(record),
                    )
                )
            return paths

        handle = self._runner.submit("save", work)
        handle.succeeded.connect(self.saved.emit)
        handle.failed.connect(lambda exc: self.saveFailed.emit(_save_failure(exc, target)))
        return handle

    def result_file(self, index: int) -> Path | None:
        """Where the library keeps a result of the run on screen (to drag it out), or None
        while it is not kept (yet). One indexed row: quick enough for a drag's start."""
        import sqlite3

        result_id = self.result_ids.get(index)
        if result_id is None:
            return None
        try:
            stored = self.library.get().result(result_id)
        except (OSError, sqlite3.Error):
            return None
        return stored.path if stored is not None and stored.path.is_file() else None

    def vary_stored(self, result_id: str) -> bool:
        """ "Vary this" from the history: the kept result becomes the new source picture."""
        import sqlite3

        try:
            library = self.library.get()
            stored = library.result(result_id)
            record = library.run(stored.run_id) if stored is not None else None
        except (OSError, sqlite3.Error):
            stored = record = None
        if stored is None or record is None:
            self.problem.emit("That picture is no longer in the library.")
            return False
        from desktop_app.core import naming

        name = naming.next_generation_name(record.source_name, stored.format)
        self.add_inputs(
            [PictureInput(path=stored.path, name=name, parent_result_id=result_id)], first=True
        )
        return True

    def vary_result(self, index: int) -> bool:
        image = self.results.get(index)
        if image is None:
            return False
        from desktop_app.core import naming

        name = naming.next_generation_name(self.results_source, image.format)
        parent = self.result_ids.get(index)
        # From the library's file when it has one: read as any picture opens, off the GUI thread.
        kept = image.path
        picture = (
            PictureInput(path=kept, name=name, parent_result_id=parent)
            if kept is not None
            else PictureInput(data=image.data, name=name, parent_result_id=parent)
        )
        self.add_inputs([picture], first=True)
        return True


def _save_preferences(store: PreferencesStore, prefs: Preferences) -> None:
    try:
        store.save(prefs)
    except OSError:
        log.warning("could not save the preferences", exc_info=True)


def _save_queue(store: QueueStore, items: list[str]) -> None:
    try:
        store.save(items)
    except OSError:
        log.warning("could not keep the queue for the next start", exc_info=True)


def _ignore_result(_value: object) -> None:
    pass


def _save_failure(exc: Exception, folder: Path) -> str:
    if isinstance(exc, OSError):
        return f"Could not save into {folder}: {exc.strerror or exc}."
    return f"Could not save: {exc}"


# -- the work itself, run on worker threads ----------------------------------------------------


async def _load_picture(item: PictureInput) -> LoadedPicture:
    from desktop_app.core.imaging import open_image

    if item.url is not None:
        from desktop_app.core.fetch import fetch_picture

        data, name = await fetch_picture(item.url)
        source = open_image(data, name=item.name or name)
    elif item.path is not None:
        # A library file is known by the name it was given (a reopened source, a kept
        # result): its own name ("00.png", a hash) would go into the run's record.
        source = open_image(item.path, name=item.name or None)
    else:
        source = open_image(item.data or b"", name=item.name or "pasted image")
    preview, transparent = await _decode_preview(source, keep=True)
    # A library file (a reopened source, a kept result) is shown by the name it was known by.
    named = item.path is not None and item.name
    return LoadedPicture(
        source=source,
        preview=preview,
        label=item.name if named else source.name or item.label,
        parent_result_id=item.parent_result_id,
        transparent=transparent,
        path=item.path,
    )


async def _decode_preview(source: SourceImage, *, keep: bool) -> tuple[QImage, bool]:
    """The picture to show of ``source``, and whether some pixel of it is not opaque.
    ``keep``: ``source`` keeps the pixels for the upload to share (see ``decoded_preview``)."""
    from desktop_app.qt.qimage import preview_qimage

    shown = preview_qimage(source, PREVIEW_MAX_SIDE, keep=keep)
    release_freed_memory()  # the decode behind the preview
    return shown


def _region_pixels(region: QImage, size: tuple[int, int]) -> Image.Image:
    """The painted region as the core takes it: mode "L" at the picture's size (on the run's
    thread: a 24 MP picture makes a 24 MB region)."""
    from PIL import Image

    width, height = region.width(), region.height()
    data = bytes(region.constBits())
    pixels = Image.frombuffer("L", (width, height), data, "raw", "L", region.bytesPerLine(), 1)
    return pixels.resize(size, Image.Resampling.NEAREST)


def _upload_choices(settings: VariationSettings) -> tuple[object, ...]:
    """What the prepared upload depends on: a shaped one's size also depends on the model."""
    model = settings.model if settings.shape is not Shape.SQUARE else None
    return (settings.mode, settings.effective_size, settings.shape, settings.zoom_out, model)


async def _prepare(
    source: SourceImage,
    crop: Square | Frame | None,
    settings: VariationSettings,
    region: QImage | None,
) -> PreparedUpload:
    from desktop_app.core.framing_words import framing_words
    from desktop_app.core.imaging import ImageRejected
    from desktop_app.core.recording import mask_share
    from desktop_app.core.variation import prepare_mask, prepare_upload, upload_warnings
    from desktop_app.qt.qimage import decode_image

    try:
        upload = prepare_upload(source, crop, settings)
    finally:
        # The preview's pixels served this upload or cannot (another scale): held no longer.
        source.forget_decoded()
    preview = decode_image(upload.data, max_side=UPLOAD_PREVIEW_MAX_SIDE)
    size_kb = max(1, round(len(upload.data) / 1024))
    description = f"{upload.width} × {upload.height} {upload.format.upper()}, {size_kb:,} KB"
    warnings = upload_warnings(source, crop, settings, upload)
    framing: dict[str, object] = {"shape": settings.shape.value, "zoom_out": settings.zoom_out}
    try:
        # The mask too, so a region the frame no longer holds is said now, not at Generate.
        pixels = (
            _region_pixels(region, (source.width, source.height)) if region is not None else None
        )
        mask = prepare_mask(source, crop, upload, settings, pixels)
    except ImageRejected as exc:
        warnings.append(f"{exc} Generate will refuse it.")
    else:
        if mask is not None:
            framing["mask"] = {"share": mask_share(mask.data), "region": region is not None}
    words = framing_words(framing)
    if words:  # a line of its own: "region 31 %" must not break at its space
        description = f"{description}\n{words}"
    release_freed_memory()  # the decode and the resize behind the upload
    return PreparedUpload(upload, preview, description, warnings)


async def _key_and_config(
    keystore: Callable[[], KeyStore], prefs: Preferences
) -> tuple[ApiKey, ClientConfig]:
    profile = prefs.profile()
    key = keystore().get(profile.name)
    if key is None:
        raise NoApiKey
    return key, profile.client_config(prefs.timeouts())


async def _list_models(keystore: Callable[[], KeyStore], prefs: Preferences) -> list[ModelInfo]:
    from desktop_app.core.run import connect

    key, config = await _key_and_config(keystore, prefs)
    async with connect(config, key) as client:
        return await client.list_models()


async def _execute(
    variation: VariationRun,
    keystore: Callable[[], KeyStore],
    prefs: Preferences,
    library: SharedLibrary,
    models: list[ModelInfo],
    sink: EventSink,
) -> RunOutcome:
    """The shared use case on the run's worker thread, with the window's key and library."""
    import sqlite3

    from desktop_app.core.results import Phase, PhaseChanged
    from desktop_app.core.run import connect, shipped_prices

    sink(PhaseChanged(Phase.PREPARING))
    key, config = await _key_and_config(keystore, prefs)
    try:
        variation.library = library.get()
    except (OSError, sqlite3.Error):  # no library (disk full, unwritable): the run still works
        log.warning("the library cannot record this run", exc_info=True)
    variation.prices = shipped_prices()
    async with connect(config, key) as client:
        return await variation.execute(client, sink, models)
