"""The main window: picture in -> square chosen -> settings -> generate -> pick the good ones.

Widgets display the session's state and forward the user's intent to it; nothing here talks to
the network or the disk directly. The window composes and wires; its parts live beside it: the
panels (``side_panel``, ``picture/source_panel``, ``results/panel``), the commands
(``window_actions``), the run's status line (``run_status``), how a run shows (``run_display``),
the questions before paying (``before_paying``), what can be done with a result
(``result_actions``) and the remembered geometry (``window_state``). Policy (cost, budget,
remedies, remembered settings) lives in ``desktop_app.core``.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.ui import window_state
from desktop_app.ui.run_status import RunStatusBar

# Start-up: this module is imported before the window first paints, so it imports only what
# the empty frame needs. The panels, the session types and Qt's enum namespaces (``Qt`` alone
# costs 30-45 ms to create) are imported in ``attach`` and in the handlers, which run later.
if TYPE_CHECKING:
    from collections.abc import Callable

    from desktop_app.core.cost_line import CostLine
    from desktop_app.core.library import RunRecord
    from desktop_app.core.preferences import Preferences, PreferencesStore
    from desktop_app.core.variation import VariationSettings
    from desktop_app.qt.intake import PictureInput
    from desktop_app.qt.tasks import TaskRunner
    from desktop_app.session.session import LoadedPicture, PreparedUpload, Session
    from desktop_app.ui.banner import MessageBanner
    from desktop_app.ui.parameters import ParametersPanel
    from desktop_app.ui.picture.crop_view import CropView
    from desktop_app.ui.picture.drop_hint import DropHint
    from desktop_app.ui.picture.upload_preview import UploadPreview
    from desktop_app.ui.results.grid import ResultsGrid
    from desktop_app.ui.window_actions import WindowActions

IMAGE_FILTER = (
    "Pictures (*.png *.jpg *.jpeg *.jpe *.mpo *.webp *.gif *.heic *.heif *.bmp *.tif *.tiff);;"
    "All files (*)"
)


log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Made in steps so that it shows at once: ``MainWindow()`` is the empty frame (title,
    remembered geometry, status bar), cheap enough to paint within a few milliseconds of a bare
    window; ``attach`` then builds the panels the first paint shows and wires them to the
    session; ``finish_building`` the rest (the results mood), right after that paint."""

    framePainted = Signal()  # the frame is on screen: time to build the panels
    settingsRequested = Signal(bool)  # True: put the focus on the API key field
    firstPainted = Signal()  # the panels are on screen: time for the keyring and the network

    session: Session
    preferences: Preferences
    drop_hint: DropHint
    crop_view: CropView
    parameters: ParametersPanel
    preview: UploadPreview
    results: ResultsGrid
    commands: WindowActions

    def __init__(self) -> None:
        super().__init__()
        self.attached = False
        self.built = False  # what the first paint does not show (finish_building)
        self._frame_painted = False
        self._painted = False
        self._reopening = False  # the next picture loaded is a reopened run's source
        # What a one-click variation does once its result is the source: "generate" (Vary
        # subtle / strong), "region" (Vary region: the region tool in hand) or "" (nothing).
        self._when_loaded = ""
        # Asked before closing while a batch runs: True to close (tests answer it themselves).
        self.confirm_quit: Callable[[str], bool] = self._ask_to_quit
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        window_state.restore_geometry(self)
        self.run_status = RunStatusBar()
        self.setStatusBar(self.run_status)
        self.run_status.showMessage("Getting ready…")

    def attach(
        self,
        session: Session,
        runner: TaskRunner,
        store: PreferencesStore,
        preferences: Preferences,
    ) -> None:
        """Build the panels and wire them to the session (once)."""
        if self.attached:
            raise RuntimeError("The window is already attached to a session.")
        self.session = session
        self._runner = runner
        self._store = store
        self.preferences = preferences
        self.run_status.furnish()
        self._build()
        from desktop_app.ui.window_actions import build_actions

        self.commands = build_actions(self, self.history_dock, self.batch_dock)
        self._connect()
        from desktop_app.core.servers import offers_classic  # after the first paint

        # Read before anything the panels announce is remembered over it.
        last = preferences.last_settings()
        self.parameters.set_classic_offered(offers_classic(preferences.profile().kind))
        self.source.shape_bar.set_framing(last.shape, last.zoom_out)
        self.parameters.set_settings(last)
        self.session.set_settings(self.parameters.settings())
        window_state.restore_layout(self.side_splitter, self.history_dock, self.batch_dock)
        self._update_actions()
        self._show_estimate()
        self.menus = self.commands.furnish(self, runner)  # menu bar, "Sent", focus
        self.attached = True
        # Start-up: what the first paint does not show is built just after it.
        self.firstPainted.connect(self.finish_building)
        self.update()  # so that firstPainted follows when the frame was already on screen

    def finish_building(self) -> None:
        """Builds what the first paint does not show: the results mood with what acts on the
        results, and the batch's control (which takes up the batch the last session left).
        Right after the first paint, or sooner when a picture or a run needs it; once.

        Start-up: the results mood's modules and widgets (the grid, this session's runs) were a
        tenth of the time to a finished window, for a mood no one sees before a run."""
        if self.built:
            return
        self.built = True
        from desktop_app.ui.batch_control import BatchControl
        from desktop_app.ui.result_actions import ResultActions
        from desktop_app.ui.results.panel import ResultsPanel
        from desktop_app.ui.results.run_strip import RunStrip
        from desktop_app.ui.run_display import RunDisplay

        self.run_strip = RunStrip(self.session)  # hidden until the session's first run
        self._left_layout.addWidget(self.run_strip)
        self.results_panel = ResultsPanel()
        self.results = self.results_panel.grid
        self.save_all_button = self.results_panel.save_all_button
        self.moods.addWidget(self.results_panel)
        # Ctrl+C belongs to the results grid; text fields keep their own copy.
        self.results.addAction(self.commands.copy)
        session = self.session
        self.result_actions = ResultActions(
            self, session, self._runner, self.results, self.run_status, self._output_folder
        )
        self.result_actions.remember_folder = self._remember_save_folder
        self.run_display = RunDisplay(
            session, self.results, self.run_status, lambda: self.banner, self.parameters,
            try_again=self.on_generate,
            open_key_settings=lambda: self.settingsRequested.emit(True),
            changed=self._update_actions,
            aspect=self._frame_aspect,
        )  # fmt: skip
        self._connect_results()
        self.batch_control = BatchControl(self, self.batch, self.batch_dock)
        self._order_tabs()
        self._update_actions()
        self._follow_framing(self.parameters.settings())  # skipped until now
        QTimer.singleShot(0, self, self._restore_batch)

    def _remember_save_folder(self, folder: Path) -> None:
        """One folder for Save and Save all, written with the preferences."""
        self.preferences.save_folder = str(folder)

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        from PySide6.QtCore import Qt

        from desktop_app.ui.history.dock import HistoryDock
        from desktop_app.ui.picture.source_panel import SourcePanel
        from desktop_app.ui.side_panel import SidePanel

        self._banner: MessageBanner | None = None  # built with the first message
        self.source = SourcePanel()
        self.drop_hint, self.crop_view = self.source.drop_hint, self.source.crop_view
        self.side = side = SidePanel()
        self.parameters, self.preview = side.parameters, side.preview
        self.cost_label, self.generate_button = side.cost_label, side.generate_button

        # Left: the two moods (UX.md), framing the source or looking at the results, over the
        # session's runs; right: the settings and the upload over the window's full height.
        self.moods = QStackedWidget()
        self.moods.addWidget(self.source)  # and the results, once built (finish_building)
        left = QWidget()
        self._left_layout = QVBoxLayout(left)
        self._left_layout.setContentsMargins(0, 0, 0, 0)
        self._left_layout.addWidget(self.moods, 1)  # and the runs, once built (finish_building)
        self.side_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.side_splitter.addWidget(left)
        self.side_splitter.addWidget(side)
        self.side_splitter.setStretchFactor(0, 3)
        self.side_splitter.setStretchFactor(1, 1)
        self.side_splitter.setChildrenCollapsible(False)

        self.history_dock = HistoryDock(self.session, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.history_dock)
        self.history_dock.hide()
        from desktop_app.session.batch import BatchSession
        from desktop_app.ui.batch.dock import BatchDock

        session = self.session
        self.batch = BatchSession(
            self._runner,
            keystore=lambda: session.keystore,
            preferences=lambda: self.preferences,
            library=session.library,
            models=lambda: session.models,
            parent=self,
        )
        self.batch_dock = BatchDock(self.batch, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.batch_dock)
        self.tabifyDockWidget(self.history_dock, self.batch_dock)
        self.batch_dock.hide()

        central = QWidget()
        self._central_layout = QVBoxLayout(central)
        self._central_layout.addWidget(self.side_splitter, 1)  # under the banner, once built
        self.setCentralWidget(central)

    @property
    def banner(self) -> MessageBanner:
        """The message strip above the work area, built when first asked for: hidden until
        there is something to say, it need not delay the first paint."""
        if self._banner is None:
            from desktop_app.ui.banner import MessageBanner

            self._banner = MessageBanner()
            self._central_layout.insertWidget(0, self._banner)
            self._order_tabs()
        return self._banner

    def _order_tabs(self) -> None:
        """Tab goes through the window as it reads: the banner, the picture or the results,
        this session's runs, the settings (parts built after the first paint would otherwise
        come last)."""
        from desktop_app.qt.tab_order import order_tabs

        results = [self.results_panel, self.run_strip] if self.built else []
        banner = [self._banner] if self._banner is not None else []
        order_tabs(self, [*banner, self.source, *results, self.side])

    def _connect(self) -> None:
        s, act = self.session, self.commands
        act.open.triggered.connect(self.on_open)
        act.paste.triggered.connect(self.on_paste)
        act.generate.triggered.connect(self.on_generate)
        self.generate_button.clicked.connect(self.on_generate)
        act.cancel.triggered.connect(self.on_cancel)
        self.run_status.cancel_button.clicked.connect(self.on_cancel)
        act.region.triggered.connect(self.start_region)
        act.settings.triggered.connect(lambda: self.settingsRequested.emit(False))
        act.quit.triggered.connect(self.close)
        self.drop_hint.openRequested.connect(self.on_open)
        self.source.next_button.clicked.connect(self.session.load_next)
        self.crop_view.cropChanged.connect(s.set_crop)
        self.source.shape_bar.framingChanged.connect(self.parameters.set_framing)
        region = self.source.region
        region.regionChanged.connect(lambda: s.set_region(region.region()))
        self.parameters.settingsChanged.connect(self.on_settings_changed)
        s.pictureLoaded.connect(self.on_picture_loaded)
        s.pictureRejected.connect(self.on_picture_rejected)
        s.queueChanged.connect(self.on_queue_changed)
        s.loadingChanged.connect(self.on_loading_changed)
        s.uploadPreparing.connect(lambda: self.preview.set_busy(True))
        s.uploadReady.connect(self.on_upload_ready)
        s.uploadFailed.connect(self.on_upload_failed)
        s.modelsLoaded.connect(self.parameters.set_models)
        s.modelsLoaded.connect(lambda _models: self._show_estimate())
        s.keyMissing.connect(self.on_key_missing)
        s.saveFailed.connect(lambda text: self.banner.show_message(text))
        s.problem.connect(lambda text: self.banner.show_message(text, level="warning"))
        self.parameters.switchModelRequested.connect(lambda _m: self.banner.on_dismiss())

    def _connect_results(self) -> None:
        s, act, chosen = self.session, self.commands, self.result_actions
        act.save.triggered.connect(chosen.on_save_selected)
        act.save_all.triggered.connect(chosen.on_save_all)
        self.save_all_button.clicked.connect(chosen.on_save_all)
        act.copy.triggered.connect(chosen.on_copy_selected)
        self.results.saveRequested.connect(lambda i: self.session.save([i]))
        self.results.copyRequested.connect(chosen.on_copy)
        self.results.varyRequested.connect(chosen.on_vary)
        self.results.varyChosen.connect(self.on_vary_chosen)
        self.results.openRequested.connect(chosen.on_open_viewer)
        self.results.dragRequested.connect(self.on_drag_result)
        self.results_panel.back_button.clicked.connect(self.show_framing)
        self.crop_view.cropChanged.connect(self.results_panel.source_badge.set_crop)
        s.runStarted.connect(lambda _count: self.show_results())
        s.runStarted.connect(lambda _count: self.results_panel.set_framing(self._framing_sent()))
        s.runReopened.connect(self.on_run_reopened)
        self.results.selectionChanged.connect(lambda _i: self._update_actions())
        s.saved.connect(chosen.on_saved)
        self.run_strip.runChosen.connect(self.on_run_chosen)

    # -- picture in -----------------------------------------------------------------------------

    def open_inputs(self, inputs: list[PictureInput]) -> None:
        if inputs and self.attached:
            self.session.add_inputs(inputs)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        from desktop_app.qt.intake import can_accept

        if self.attached and can_accept(event.mimeData()):
            event.acceptProposedAction()
            self.drop_hint.set_hovered(True)

    def dragLeaveEvent(self, event: object) -> None:
        if self.attached:
            self.drop_hint.set_hovered(False)

    def dropEvent(self, event: QDropEvent) -> None:
        from desktop_app.qt.intake import inputs_from_mime

        self.drop_hint.set_hovered(False)
        inputs = inputs_from_mime(event.mimeData())
        if inputs:
            event.acceptProposedAction()
            self.open_inputs(inputs)
        else:
            self.banner.show_message(
                "That does not look like a picture. Drop image files, image links or images.",
                level="warning",
            )

    def on_open(self) -> None:
        folder = self.preferences.last_open_folder or str(Path.home())
        names, _filter = QFileDialog.getOpenFileNames(self, "Open pictures", folder, IMAGE_FILTER)
        if names:
            from desktop_app.qt.intake import PictureInput

            self.preferences.last_open_folder = str(Path(names[0]).parent)
            self.open_inputs([PictureInput(path=Path(name)) for name in names])

    def on_paste(self) -> None:
        from desktop_app.qt.intake import inputs_from_mime

        mime = QGuiApplication.clipboard().mimeData()
        inputs = inputs_from_mime(mime) if mime is not None else []
        if inputs:
            self.open_inputs(inputs)
        else:
            self.run_status.showMessage("The clipboard holds no picture.", 4000)

    def on_picture_loaded(self, picture: LoadedPicture) -> None:
        from desktop_app.qt.qimage import renderer_for

        self.finish_building()  # a picture given at start may arrive before the first paint
        self.banner.dismiss_topic("picture", "run")
        render = renderer_for(picture.source)  # framing's copy at a new size, if cheap
        self.source.show_picture(picture.preview, picture.full_size, render)
        self.results_panel.source_badge.set_picture(picture.preview, picture.full_size)
        if render is not None:  # framing can make the picture again: both have their copies
            self.session.let_go_of_preview()
        self.results_panel.source_badge.set_crop(self.session.crop)
        self.results_panel.set_source(picture.label, picture.full_size)
        if self._reopening:
            self._reopening = False  # a reopened run's source: its results stay in view
        else:
            self.show_framing()  # a new source: frame it first
        self.parameters.set_source_transparent(picture.transparent)
        self.run_status.say(f"{picture.label}: {picture.full_size[0]} × {picture.full_size[1]}")
        self._update_actions()
        then, self._when_loaded = self._when_loaded, ""
        if then == "generate":
            self.on_generate()
        elif then == "region":
            self.start_region()

    def on_vary_chosen(self, index: int, kind: str) -> None:
        """Vary subtle / strong: the result becomes the source and a run with that strength
        starts at once (after the usual questions before paying). Vary region: the result
        becomes the source with the region tool in hand."""
        from dataclasses import replace

        from desktop_app.core.prompts import Strength

        if self.session.running:
            return
        if kind in ("subtle", "strong"):
            settings = self.parameters.settings()
            # The strength's own wording: an edited prompt would not say "subtle".
            self.parameters.set_settings(replace(settings, strength=Strength(kind), prompt=None))
        if self.session.vary_result(index):
            self._when_loaded = "region" if kind == "region" else "generate"
            self.run_status.say(f"Variation {index + 1} is the new source picture.")

    def start_region(self) -> None:
        """The framing view with the region tool in hand: paint what may change, then
        Generate."""
        if self.session.picture is None or not self.source.region_offered:
            self.run_status.say("A region can be painted on a picture in GPT Image mode.")
            return
        self.show_framing()
        self.source.region.set_painting(True)
        self.run_status.say("Paint the part that may change, then Generate (Esc: done painting).")

    def on_picture_rejected(self, label: str, reason: str) -> None:
        self.banner.show_message(f"{label}: {reason}", level="error", topic="picture")
        self.run_status.say(f"Could not open {label}.")  # no longer "Opening the picture…"

    def on_queue_changed(self, waiting: int) -> None:
        self.source.set_waiting(waiting)

    def on_loading_changed(self, loading: bool) -> None:
        opening = "Opening the picture…"
        if loading:
            self.run_status.say(opening)
        elif self.run_status.phase_label.text() == opening:
            self.run_status.say("Ready")  # ended without a picture or a refusal to say

    def on_upload_ready(self, prepared: PreparedUpload) -> None:
        self.preview.set_busy(False)
        self.preview.set_upload(prepared.preview, prepared.description)  # "Will send: …"
        self.preview.set_warnings(prepared.warnings)

    def on_upload_failed(self, reason: str) -> None:
        self.preview.set_busy(False)
        self.preview.set_preview(None, reason)

    # -- the two moods --------------------------------------------------------------------------

    def show_framing(self) -> None:
        self.moods.setCurrentWidget(self.source)

    def show_results(self) -> None:
        self.finish_building()
        self.moods.setCurrentWidget(self.results_panel)

    def on_run_chosen(self, run_id: str) -> None:
        """A run in the strip was clicked: the one in the grid is shown, another reopened."""
        if not run_id or run_id == self.session.run_id:
            self.show_results()
        elif not self.session.running:
            self.session.reopen_run(run_id)
        else:
            self.run_status.say("Wait for the current run to finish before showing another.")

    def on_drag_result(self, index: int) -> None:
        from desktop_app.ui.results.drag_out import drag_result

        image = self.session.results.get(index)
        if image is None:
            return
        try:
            data = image.data  # from the library's file, once the run has stored it
        except OSError as exc:
            self.run_status.say(f"Could not read variation {index + 1}: {exc.strerror or exc}.")
            return
        path = self.session.result_file(index)
        drag_result(self.results, data, image.format, path, self.results.thumbnail(index))

    def on_run_reopened(self, record: RunRecord) -> None:
        from desktop_app.core.framing_words import framing_words

        self._reopening = True
        self.show_results()
        self.results_panel.set_framing(framing_words(record.parameters))

    def _frame_aspect(self) -> float:
        """The frame's width / height: the shape of the pictures a run asks for."""
        across, down = self.crop_view.ratio()
        return across / down

    def _framing_sent(self) -> str:
        """How the run just started is framed, as its record will say it (the share of the
        region is known once the mask is made)."""
        from desktop_app.core.framing_words import framing_words
        from desktop_app.core.variation import Mode

        settings = self.session.settings
        masked = self.session.region is not None and settings.mode is Mode.EDIT
        framing = {"shape": settings.shape.value, "zoom_out": settings.zoom_out}
        return framing_words({**framing, "mask": {"region": True}} if masked else framing)

    # -- parameters and the key -----------------------------------------------------------------

    def on_settings_changed(self, settings: VariationSettings) -> None:
        self.session.set_settings(settings)
        self.preferences.remember(settings)
        self._show_estimate()
        self._follow_framing(settings)

    def _follow_framing(self, settings: VariationSettings) -> None:
        """The frame, the shape bar and the region tool follow the settings and the server.

        Not before the first paint: they show with a picture, and finish_building follows
        then (the server's rules and dialects were ~5 ms of the time to a finished window)."""
        if not self.built:
            return
        import os

        from desktop_app.core.adaptation import ServerRules
        from desktop_app.core.capabilities import capabilities_for
        from desktop_app.core.dialects import offers_masks
        from desktop_app.core.preferences import effective_base_url

        model = self._model_for(settings)
        profile = self.preferences.profile()
        # What this server was seen to refuse: a gateway that refused custom sizes gets a
        # standard one, and the frame shows that ratio; one that refused masks, no region.
        rules, server = ServerRules.default(), effective_base_url(profile, os.environ)
        masks = offers_masks(profile.kind) and capabilities_for(model).masks
        masks = masks and not rules.refuses_masks(server, model)
        self.source.follow_settings(
            settings,
            model,
            masks=masks,
            taken=lambda size: rules.size_taken(server, model, size),
        )

    def _model_for(self, settings: VariationSettings) -> str:
        """The model a run with ``settings`` will likely use ("": not known yet), as the cost
        line reckons it: a shape's size, and so the frame, depend on it."""
        import datetime as dt

        from desktop_app.core.models import choose_default_model

        models = list(self.session.models)
        return settings.model or choose_default_model(models, dt.date.today()) or ""

    def _cost_line(self) -> CostLine:
        from desktop_app.core.cost_line import cost_line

        settings, picture = self.parameters.settings(), self.session.picture
        size = picture.full_size if picture is not None else None
        return cost_line(settings, self.session.models, self.session.prices, picture=size)

    def cost_estimate(self) -> float | None:
        """What a run with the current settings will likely cost (USD; None: not known)."""
        estimate = self._cost_line().estimate
        return estimate.usd if estimate is not None else None

    def _restore_batch(self) -> None:
        """The batch the last session left: shown, and gone on with when it was running."""
        if self.batch.restore():
            self.batch_dock.show()
            self.batch.resume()
            self.run_status.say("Going on with the batch left unfinished.")
        elif self.batch.batch.items:
            self.run_status.say("The batch of the last session is waiting (Ctrl+B).")

    def _show_estimate(self) -> None:
        line = self._cost_line()
        self.cost_label.setText(line.text)
        self.cost_label.setToolTip(line.tooltip)

    def on_key_missing(self, reason: Exception) -> None:
        from desktop_app.core.errors import NoApiKey, VariationError

        settings = ("Open Settings", lambda: self.settingsRequested.emit(True))
        if isinstance(reason, NoApiKey):
            # Information that must stay until a key is stored: Settings dismisses the "key"
            # topic then.
            self.banner.show_message(
                "Welcome! To make variations, add your OpenAI API key in Settings. It is kept "
                "in your system's keyring, never in a file.",
                level="info",
                action=settings,
                topic="key",
                lasting=True,
            )
        elif isinstance(reason, VariationError):  # the server rejected the key (start-up)
            self.banner.show_message(
                str(reason), details=reason.details(), action=settings, topic="key"
            )
        else:  # the keyring could not be read
            self.banner.show_message(str(reason), level="warning", action=settings, topic="key")

    # -- the run --------------------------------------------------------------------------------

    def on_generate(self) -> None:
        self.finish_building()  # the run shows in the results mood
        if self.session.running:
            return
        if self.session.picture is None:
            self.banner.show_message("Open or drop a picture first.", level="info")
            return
        self.banner.on_dismiss()
        self.session.set_settings(self.parameters.settings())
        from desktop_app.ui.before_paying import reason_not_to_start

        budget = self.preferences.monthly_budget
        reason = reason_not_to_start(self, self.session, self._cost_line(), budget)
        if reason is not None:
            self.run_status.say(reason)
            return
        self.session.generate()

    def on_cancel(self) -> None:
        if not self.session.cancel() and self.banner.isVisible():
            self.banner.on_dismiss()
        elif self.session.running:
            self.run_status.say("Cancelling…")

    def _output_folder(self) -> Path:
        return self.preferences.output_folder()

    # -- state ----------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        running = self.session.running
        has_picture = self.session.picture is not None
        self.generate_button.setEnabled(has_picture and not running)
        self.commands.generate.setEnabled(has_picture and not running)
        self.commands.cancel.setEnabled(True)
        has_results = bool(self.session.results)
        self.commands.save_all.setEnabled(has_results)
        if self.built:
            self.save_all_button.setEnabled(has_results)

    def apply_preferences(self, preferences: Preferences) -> None:
        self.preferences = preferences
        from desktop_app.core.servers import offers_classic

        self.parameters.set_classic_offered(offers_classic(preferences.profile().kind))
        self._follow_framing(self.parameters.settings())  # another server may take no mask
        self.session.save_preferences(self._store, preferences)
        if self.built:
            self.batch_control.refresh_panel()  # its save folder

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._frame_painted:
            self._frame_painted = True
            QTimer.singleShot(0, self.framePainted.emit)
        if self.attached and not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.firstPainted.emit)

    def _batch_out(self) -> str:
        from desktop_app.core.batch.items import ItemState

        counts = self.batch.batch.counts()
        out, waiting = counts[ItemState.SENDING], counts[ItemState.WAITING]
        return (
            f"The batch is running: {out} picture{'s' if out != 1 else ''} being sent (they may "
            f"be billed; what arrives is kept) and {waiting} waiting. Quit now? The batch goes on "
            "the next time you start Image Variations; Pause in the batch stops it instead."
        )

    def _ask_to_quit(self, text: str) -> bool:
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self,
            "Quit while the batch runs?",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.attached and self.batch.running and not self.confirm_quit(self._batch_out()):
            event.ignore()
            return
        window_state.save_geometry(self)
        if not self.attached:  # closed while starting: nothing else to keep or stop
            event.accept()
            return
        window_state.save_layout(self.side_splitter, self.history_dock, self.batch_dock)
        self.history_dock.shutdown()
        self.preferences.remember(self.parameters.settings())
        with contextlib.suppress(OSError):  # quitting must not fail over a preference
            self._store.save(self.preferences)
        self.session.finish_writes()
        self.batch.quit()  # a running batch goes on at the next start
        if not self._runner.shutdown(3000):
            # What was out is in the journals as "sending": said as "may have been billed".
            log.warning("some work had not stopped 3 s after the window closed")
        event.accept()
