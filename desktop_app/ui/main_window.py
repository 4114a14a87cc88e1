"""The main window: picture in -> square chosen -> settings -> generate -> pick the good ones.

Widgets display the session's state and forward the user's intent to it; nothing here talks to
the network or the disk directly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeySequence,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME

# Start-up: this module is imported before the window first paints, so it imports only what
# the empty frame needs. The panels, the session types and Qt's enum namespaces (``Qt`` alone
# costs 30-45 ms to create) are imported in ``attach`` and in the handlers, which run later.
if TYPE_CHECKING:
    from desktop_app.core.cost import CostEstimate, PriceTable
    from desktop_app.core.library import RunRecord
    from desktop_app.core.preferences import Preferences, PreferencesStore
    from desktop_app.core.results import RunEvent, RunResult
    from desktop_app.core.variation import VariationSettings
    from desktop_app.ui.crop_view import CropView
    from desktop_app.ui.drop_hint import DropHint
    from desktop_app.ui.error_banner import MessageBanner
    from desktop_app.ui.intake import PictureInput
    from desktop_app.ui.parameters import ParametersPanel
    from desktop_app.ui.results_grid import ResultsGrid
    from desktop_app.ui.session import LoadedPicture, PreparedUpload, Session
    from desktop_app.ui.upload_preview import UploadPreview
    from desktop_app.ui.worker import TaskRunner

IMAGE_FILTER = (
    "Pictures (*.png *.jpg *.jpeg *.jpe *.mpo *.webp *.gif *.heic *.heif *.bmp *.tif *.tiff);;"
    "All files (*)"
)
_PHASE_WORDS = {  # by Phase value
    "preparing": "Preparing the picture…",
    "connecting": "Connecting…",
    "uploading": "Uploading…",
    "waiting": "Waiting for the server to draw…",
    "receiving": "Receiving…",
    "downloading": "Downloading the results…",
}


class MainWindow(QMainWindow):
    """Made in two steps so that it shows at once: ``MainWindow()`` is the empty frame (title,
    remembered geometry, status bar), cheap enough to paint within a few milliseconds of a bare
    window; ``attach`` then builds the panels and wires them to the session."""

    framePainted = Signal()  # the frame is on screen: time to build the panels
    settingsRequested = Signal(bool)  # True: put the focus on the API key field
    firstPainted = Signal()  # the panels are on screen: time for the keyring and the network

    session: Session
    preferences: Preferences
    banner: MessageBanner
    drop_hint: DropHint
    crop_view: CropView
    parameters: ParametersPanel
    preview: UploadPreview
    results: ResultsGrid

    def __init__(self) -> None:
        super().__init__()
        self.attached = False
        self._frame_painted = False
        self._painted = False
        self._requested = 0
        self._received = 0
        self._countdown = 0
        self._prices: PriceTable | None = None  # loaded with the first estimate
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.resize(1180, 900)
        geometry = QSettings().value("window/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(QByteArray(geometry))
        self.statusBar().showMessage("Getting ready…")

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
        self.statusBar().clearMessage()
        self._build()
        self._build_actions()
        self._connect()
        from desktop_app.core.dialects import offers_classic  # after the first paint

        self.parameters.set_classic_offered(offers_classic(preferences.profile().kind))
        self.parameters.set_settings(_settings_from(preferences))
        self.session.set_settings(self.parameters.settings())
        self._restore_splitters()
        self._update_actions()
        self._show_estimate()
        self.attached = True
        self.update()  # so that firstPainted follows when the frame was already on screen

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QStyle

        from desktop_app.ui.crop_view import CropView
        from desktop_app.ui.drop_hint import DropHint
        from desktop_app.ui.error_banner import MessageBanner
        from desktop_app.ui.parameters import ParametersPanel
        from desktop_app.ui.results_grid import ResultsGrid
        from desktop_app.ui.upload_preview import UploadPreview

        self.banner = MessageBanner()
        self.drop_hint = DropHint()
        self.crop_view = CropView()
        self.source_stack = QStackedWidget()
        self.source_stack.addWidget(self.drop_hint)
        self.source_stack.addWidget(self.crop_view)
        self.queue_label = QLabel()
        self.next_button = QPushButton("Next picture")
        self.next_button.setToolTip("Load the next picture of the queue")
        self.next_button.setAccessibleName("Next picture in the queue")
        self.queue_row = QWidget()
        queue_layout = QHBoxLayout(self.queue_row)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        queue_layout.addWidget(self.queue_label, 1)
        queue_layout.addWidget(self.next_button)
        self.queue_row.setVisible(False)
        source_panel = QWidget()
        source_column = QVBoxLayout(source_panel)
        source_column.setContentsMargins(0, 0, 0, 0)
        source_column.addWidget(self.source_stack, 1)
        source_column.addWidget(self.queue_row)

        self.results = ResultsGrid()
        self.results.setAccessibleName("Results")
        self.save_all_button = QPushButton("Save all…")
        self.save_all_button.setToolTip("Save every variation into a folder (Ctrl+Shift+S)")
        results_header = QHBoxLayout()
        results_header.addWidget(QLabel("<b>Results</b>"))
        results_header.addStretch(1)
        results_header.addWidget(self.save_all_button)
        results_panel = QWidget()
        results_layout = QVBoxLayout(results_panel)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addLayout(results_header)
        results_layout.addWidget(self.results, 1)

        # Left: the picture above its results. The splitter remembers the user's split.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(source_panel)
        self.splitter.addWidget(results_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([480, 340])
        self.splitter.setChildrenCollapsible(False)

        self.parameters = ParametersPanel()
        self.preview = UploadPreview()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.generate_button.setToolTip("Make the variations (Ctrl+Return)")
        self.generate_button.setAccessibleName("Generate variations")
        settings_column = QWidget()
        settings_layout = QVBoxLayout(settings_column)
        settings_layout.setContentsMargins(0, 0, 0, 0)
        settings_layout.addWidget(self.parameters)
        settings_layout.addWidget(self.preview)
        settings_layout.addStretch(1)
        # Right: the settings and the upload preview over the window's full height. They
        # scroll on a short screen (a 768 px laptop), so the window never needs to be taller
        # than the screen; Generate stays in view below them.
        settings_scroll = QScrollArea()
        settings_scroll.setWidget(settings_column)
        settings_scroll.setWidgetResizable(True)
        settings_scroll.setFrameShape(QFrame.Shape.NoFrame)
        settings_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        settings_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields in it
        settings_scroll.setMinimumWidth(
            settings_column.minimumSizeHint().width()
            + self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        )
        self.cost_label = QLabel()
        self.cost_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.cost_label.setAccessibleName("Estimated cost")
        side_panel = QWidget()
        side = QVBoxLayout(side_panel)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(settings_scroll, 1)
        side.addWidget(self.cost_label)
        side.addWidget(self.generate_button)

        self.side_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.side_splitter.addWidget(self.splitter)
        self.side_splitter.addWidget(side_panel)
        self.side_splitter.setStretchFactor(0, 3)
        self.side_splitter.setStretchFactor(1, 2)
        self.side_splitter.setSizes([810, 370])
        self.side_splitter.setChildrenCollapsible(False)

        from desktop_app.ui.history_dock import HistoryDock

        self.history_dock = HistoryDock(self.session, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.history_dock)
        self.history_dock.hide()

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(self.side_splitter, 1)
        self.setCentralWidget(central)

        self.phase_label = QLabel("Ready")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the request (Esc)")
        self.cancel_button.setVisible(False)
        self.request_label = QLabel()
        self.request_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.request_label.setToolTip("The server's request id: quote it when reporting a problem")
        status = self.statusBar()
        status.addWidget(self.phase_label, 1)
        status.addWidget(self.progress)
        status.addWidget(self.cancel_button)
        status.addPermanentWidget(self.request_label)

    def _build_actions(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QStyle

        style = self.style()

        def action(
            text: str,
            shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
            tip: str,
            icon: QStyle.StandardPixmap | None = None,
        ) -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            if icon is not None:
                act.setIcon(style.standardIcon(icon))
            shown = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            act.setToolTip(f"{tip} ({shown})" if shown else tip)
            act.setStatusTip(tip)
            self.addAction(act)
            return act

        self.open_action = action(
            "&Open…",
            QKeySequence.StandardKey.Open,
            "Open pictures",
            QStyle.StandardPixmap.SP_DialogOpenButton,
        )
        self.paste_action = action(
            "&Paste", QKeySequence.StandardKey.Paste, "Paste a picture or copied files"
        )
        self.generate_action = action("&Generate", "Ctrl+Return", "Make the variations")
        self.generate_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.cancel_action = action("&Cancel", "Esc", "Stop the request")
        self.save_action = action(
            "&Save",
            QKeySequence.StandardKey.Save,
            "Save the selected variation",
            QStyle.StandardPixmap.SP_DialogSaveButton,
        )
        self.save_all_action = action("Save &all…", "Ctrl+Shift+S", "Save every variation")
        self.copy_action = action("&Copy", None, "Copy the selected variation")
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        # Ctrl+C belongs to the results grid; text fields keep their own copy.
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.results.addAction(self.copy_action)
        self.settings_action = action(
            "Se&ttings…", "Ctrl+,", "Connection profiles, API keys, folders"
        )
        self.history_action = self.history_dock.toggleViewAction()
        self.history_action.setText("&History")
        self.history_action.setShortcut(QKeySequence("Ctrl+H"))
        self.history_action.setToolTip("Every run kept in the library (Ctrl+H)")
        self.history_action.setStatusTip("Every run kept in the library: reopen, save, vary")
        self.addAction(self.history_action)
        self.quit_action = action("&Quit", QKeySequence.StandardKey.Quit, "Quit Image Variations")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.open_action)
        toolbar.addAction(self.paste_action)
        toolbar.addSeparator()
        toolbar.addAction(self.history_action)
        toolbar.addAction(self.settings_action)
        self.addToolBar(toolbar)

    def _connect(self) -> None:
        s = self.session
        self.open_action.triggered.connect(self.on_open)
        self.paste_action.triggered.connect(self.on_paste)
        self.generate_action.triggered.connect(self.on_generate)
        self.generate_button.clicked.connect(self.on_generate)
        self.cancel_action.triggered.connect(self.on_cancel)
        self.cancel_button.clicked.connect(self.on_cancel)
        self.save_action.triggered.connect(self.on_save_selected)
        self.save_all_action.triggered.connect(self.on_save_all)
        self.save_all_button.clicked.connect(self.on_save_all)
        self.copy_action.triggered.connect(self.on_copy_selected)
        self.settings_action.triggered.connect(lambda: self.settingsRequested.emit(False))
        self.quit_action.triggered.connect(self.close)
        self.drop_hint.openRequested.connect(self.on_open)
        self.next_button.clicked.connect(self.session.load_next)
        self.crop_view.squareChanged.connect(s.set_square)
        self.parameters.settingsChanged.connect(self.on_settings_changed)
        self.results.saveRequested.connect(lambda i: self.session.save([i]))
        self.results.copyRequested.connect(self.on_copy)
        self.results.varyRequested.connect(self.on_vary)
        self.results.openRequested.connect(self.on_open_viewer)
        self.results.selectionChanged.connect(lambda _i: self._update_actions())
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
        s.runStarted.connect(self.on_run_started)
        s.runEvent.connect(self.on_run_event)
        s.runSucceeded.connect(self.on_run_succeeded)
        s.runFailed.connect(self.on_run_failed)
        s.runCancelled.connect(self.on_run_cancelled)
        s.runFinished.connect(self.on_run_finished)
        s.saved.connect(self.on_saved)
        s.saveFailed.connect(lambda text: self.banner.show_message(text))
        s.problem.connect(lambda text: self.banner.show_message(text, level="warning"))
        s.runReopened.connect(self.on_run_reopened)
        self.parameters.switchModelRequested.connect(lambda _m: self.banner.on_dismiss())
        self._countdown_timer = QTimer(self)
        self._countdown_timer.setInterval(1000)
        self._countdown_timer.timeout.connect(self.on_countdown)

    # -- picture in -----------------------------------------------------------------------------

    def open_inputs(self, inputs: list[PictureInput]) -> None:
        if inputs and self.attached:
            self.session.add_inputs(inputs)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        from desktop_app.ui.intake import can_accept

        if self.attached and can_accept(event.mimeData()):
            event.acceptProposedAction()
            self.drop_hint.set_hovered(True)

    def dragLeaveEvent(self, event: object) -> None:
        if self.attached:
            self.drop_hint.set_hovered(False)

    def dropEvent(self, event: QDropEvent) -> None:
        from desktop_app.ui.intake import inputs_from_mime

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
            from desktop_app.ui.intake import PictureInput

            self.preferences.last_open_folder = str(Path(names[0]).parent)
            self.open_inputs([PictureInput(path=Path(name)) for name in names])

    def on_paste(self) -> None:
        from desktop_app.ui.intake import inputs_from_mime

        mime = QGuiApplication.clipboard().mimeData()
        inputs = inputs_from_mime(mime) if mime is not None else []
        if inputs:
            self.open_inputs(inputs)
        else:
            self.statusBar().showMessage("The clipboard holds no picture.", 4000)

    def on_picture_loaded(self, picture: LoadedPicture) -> None:
        self.banner.dismiss_topic("picture", "run")
        self.crop_view.set_image(picture.preview, picture.full_size)
        self.source_stack.setCurrentWidget(self.crop_view)
        self.results.set_source(picture.preview, picture.label, picture.full_size)
        self.parameters.set_source_transparent(picture.transparent)
        self.phase_label.setText(
            f"{picture.label}: {picture.full_size[0]} × {picture.full_size[1]}"
        )
        self._update_actions()

    def on_picture_rejected(self, label: str, reason: str) -> None:
        self.banner.show_message(f"{label}: {reason}", level="error", topic="picture")

    def on_queue_changed(self, waiting: int) -> None:
        self.queue_label.setText(
            f"{waiting} more picture{'s' if waiting != 1 else ''} waiting in the queue."
            if waiting
            else ""
        )
        self.queue_row.setVisible(waiting > 0)

    def on_loading_changed(self, loading: bool) -> None:
        if loading:
            self.phase_label.setText("Opening the picture…")

    def on_upload_ready(self, prepared: PreparedUpload) -> None:
        self.preview.set_busy(False)
        self.preview.set_preview(prepared.preview, f"Sent: {prepared.description}")
        self.preview.set_warnings(prepared.warnings)

    def on_upload_failed(self, reason: str) -> None:
        self.preview.set_busy(False)
        self.preview.set_preview(None, reason)

    # -- parameters and the key -----------------------------------------------------------------

    def on_settings_changed(self, settings: VariationSettings) -> None:
        self.session.set_settings(settings)
        _store_settings(self.preferences, settings)
        self._show_estimate()

    def _estimate(self) -> CostEstimate | None:
        """The likely cost of a run with the current settings; None when it cannot be told."""
        import datetime as dt

        from desktop_app.core.cost import PriceFileError, PriceTable
        from desktop_app.core.models import choose_default_model
        from desktop_app.core.variation import estimate_cost

        if self._prices is None:
            try:
                self._prices = PriceTable.load()
            except (OSError, PriceFileError):
                return None
        settings = self.parameters.settings()
        model = settings.model or choose_default_model(self.session.models, dt.date.today())
        return estimate_cost(settings, model or "", self._prices)

    def _show_estimate(self) -> None:
        from desktop_app.core.variation import Mode

        estimate = self._estimate()
        settings = self.parameters.settings()
        if estimate is None and settings.mode is not Mode.CLASSIC and not (
            settings.model or self.session.models
        ):
            self.cost_label.setText("Cost: shown once the server's models are listed")
            self.cost_label.setToolTip("")
            return
        if estimate is None:
            self.cost_label.setText("Cost: not known for this model")
            self.cost_label.setToolTip("The app's price table has no prices for this model yet.")
            return
        # An unpublished family (2.6) is priced from its neighbour's figures: say so in view.
        rough = " (rough)" if estimate.unpublished else ""
        self.cost_label.setText(f"Estimated cost: {estimate.label}{rough}")
        notes = "\n".join(estimate.assumptions)
        self.cost_label.setToolTip(estimate.breakdown + (f"\n{notes}" if notes else ""))

    def _within_budget(self) -> bool:
        """Asks first when this run would take the month past the budget (if one is set)."""
        import sqlite3

        from PySide6.QtWidgets import QMessageBox

        from desktop_app.core.cost import check_budget

        cap = self.preferences.monthly_budget
        if cap <= 0:
            return True
        try:
            spent = self.session.library.get().month_total()
        except (OSError, sqlite3.Error):
            spent = 0.0
        check = check_budget(spent, self._estimate(), cap)
        if not check.would_exceed:
            return True
        answer = QMessageBox.question(
            self,
            "Over the monthly budget",
            f"{check.message} Make the variations anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def on_key_missing(self, reason: Exception) -> None:
        from desktop_app.ui.session import NoApiKey

        if isinstance(reason, NoApiKey):
            self.banner.show_message(
                "Welcome! To make variations, add your OpenAI API key in Settings. It is kept "
                "in your system's keyring, never in a file.",
                level="info",
                action=("Open Settings", lambda: self.settingsRequested.emit(True)),
            )
        else:
            self.banner.show_message(
                str(reason),
                level="warning",
                action=("Open Settings", lambda: self.settingsRequested.emit(True)),
            )

    # -- the run --------------------------------------------------------------------------------

    def on_generate(self) -> None:
        if self.session.running:
            return
        if self.session.picture is None:
            self.banner.show_message("Open or drop a picture first.", level="info")
            return
        self.banner.on_dismiss()
        self.session.set_settings(self.parameters.settings())
        if not self._within_budget():
            self.phase_label.setText("Not started: over the monthly budget.")
            return
        self.session.generate()

    def on_cancel(self) -> None:
        if not self.session.cancel() and self.banner.isVisible():
            self.banner.on_dismiss()
        elif self.session.running:
            self.phase_label.setText("Cancelling…")

    def on_run_started(self, count: int) -> None:
        self._requested = count
        self._received = 0
        self.results.start_run(count)
        self.request_label.clear()
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.phase_label.setText(_PHASE_WORDS["preparing"])
        self._update_actions()

    def on_run_event(self, event: RunEvent) -> None:
        from desktop_app.core.results import (
            ImageArrived,
            ParameterAdjusted,
            PartialArrived,
            Phase,
            PhaseChanged,
            RetryScheduled,
            UploadProgress,
        )

        if isinstance(event, ParameterAdjusted):
            # Until the next phase replaces it; the final line repeats it (result.adjustments).
            self.phase_label.setText(event.description)
        elif isinstance(event, PhaseChanged):
            self._countdown_timer.stop()
            if event.phase is Phase.RECEIVING and self._requested:
                self.phase_label.setText(
                    f"Receiving image {min(self._received + 1, self._requested)} of "
                    f"{self._requested}…"
                )
            else:
                self.phase_label.setText(_PHASE_WORDS[event.phase.value])
            if event.phase is not Phase.UPLOADING:
                self.progress.setRange(0, 0)
        elif isinstance(event, UploadProgress) and event.total:
            self.progress.setRange(0, 100)
            self.progress.setValue(int(event.sent * 100 / event.total))
        elif isinstance(event, RetryScheduled):
            self._countdown = max(1, round(event.seconds))
            self._retry_reason = event.reason
            self.on_countdown(start=True)
        elif isinstance(event, PartialArrived):
            self.results.set_partial(event.image.index, event.image.data)
        elif isinstance(event, ImageArrived):
            self._received += 1
            self.results.set_result(event.image.index, event.image.data)
            if self._received < self._requested:
                self.phase_label.setText(
                    f"Receiving image {self._received + 1} of {self._requested}…"
                )

    def on_countdown(self, start: bool = False) -> None:
        if not start:
            self._countdown -= 1
        if self._countdown <= 0:
            self._countdown_timer.stop()
            return
        self.phase_label.setText(
            f"The server asked us to wait ({self._retry_reason}): trying again in "
            f"{self._countdown} s…"
        )
        if start:
            self._countdown_timer.start()

    def on_run_succeeded(self, result: RunResult) -> None:
        from desktop_app.core.cost import format_usd

        count = len(result.images)
        cost = self.session.last_cost
        paid = f" · {format_usd(cost)}" if cost is not None else ""
        notes = " ".join(result.adjustments)
        self.phase_label.setText(
            f"Done: {count} variation{'s' if count != 1 else ''}{paid}. "
            "Select one to save it (Ctrl+S)." + (f" {notes}" if notes else "")
        )
        self.request_label.setText(result.request_id or "")
        if count < self._requested:
            from desktop_app.core.adaptation import fewer_than_asked

            self.results.mark_failed(list(range(count, self._requested)), "Not made")
            self.banner.show_message(
                fewer_than_asked(count, self._requested), level="info", topic="run"
            )
        if count:
            self.results.select(0)
            self.results.setFocus()

    def on_run_failed(self, error: Exception) -> None:
        from desktop_app.core.errors import ApiError, ApiErrorKind, VariationError
        from desktop_app.core.variation import Mode
        from desktop_app.ui.session import NoApiKey

        kept = set(self.session.results)
        missing = [i for i in range(self._requested) if i not in kept]
        self.results.mark_failed(missing, "Not made")
        details = error.details() if isinstance(error, VariationError) else {}
        request_id = details.get("request id", "")
        self.request_label.setText(request_id)
        action = None
        if isinstance(error, ApiError):
            if error.kind is ApiErrorKind.BAD_KEY:
                action = ("Open key settings", lambda: self.settingsRequested.emit(True))
            elif (
                error.kind is ApiErrorKind.MODEL_NOT_FOUND
                and self.parameters.current_mode() is Mode.CLASSIC
            ):
                action = ("Use GPT Image variation", self._switch_to_edit_mode)
            elif error.kind is ApiErrorKind.MODEL_NOT_FOUND and error.suggested_model:
                model = error.suggested_model
                action = (f"Use {model}", lambda: self._use_model(model))
            elif error.kind in (ApiErrorKind.RATE_LIMIT, ApiErrorKind.SERVER):
                action = ("Try again", self.on_generate)
        elif isinstance(error, NoApiKey):
            action = ("Open Settings", lambda: self.settingsRequested.emit(True))
        self.banner.show_message(str(error), details=details, action=action, topic="run")
        self.phase_label.setText(
            "The run failed." if not kept else f"The run failed; {len(kept)} image(s) kept."
        )

    def on_run_cancelled(self, outcome: Exception) -> None:
        kept = set(self.session.results)
        self.results.mark_failed([i for i in range(self._requested) if i not in kept], "Cancelled")
        self.banner.show_message(str(outcome), level="info", topic="run")
        self.phase_label.setText("Cancelled.")

    def on_run_reopened(self, record: RunRecord) -> None:
        from desktop_app.core.cost import format_usd

        results = self.session.results
        self._requested = self._received = len(results)
        self.results.start_run(len(results))
        for index, image in sorted(results.items()):
            self.results.set_result(index, image.data)
        self.request_label.setText(record.request_id or "")
        when = record.created.astimezone().strftime("%d %b %Y, %H:%M")
        cost = f" · {format_usd(record.cost)}" if record.cost is not None else ""
        # In the banner: the status line is about to say the picture is opening.
        self.banner.show_message(
            f"Reopened the run of {when}: {len(results)} variation(s){cost}.",
            level="info",
            topic="reopened",  # stays while the source picture opens
        )
        self._update_actions()

    def on_run_finished(self) -> None:
        self._countdown_timer.stop()
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self._update_actions()

    def _switch_to_edit_mode(self) -> None:
        from dataclasses import replace

        from desktop_app.core.variation import Mode

        settings = self.parameters.settings()

        self.parameters.set_settings(replace(settings, mode=Mode.EDIT, model=None, size=None))
        self.banner.on_dismiss()

    def _use_model(self, model: str) -> None:
        from dataclasses import replace

        self.parameters.set_settings(replace(self.parameters.settings(), model=model))
        self.banner.on_dismiss()

    # -- results --------------------------------------------------------------------------------

    def _selected_result(self) -> int | None:
        index = self.results.selected_index()
        return index if index is not None and index in self.session.results else None

    def on_save_selected(self) -> None:
        index = self._selected_result()
        if index is None:
            self.statusBar().showMessage("Select a finished variation to save it.", 4000)
            return
        self.session.save([index])

    def on_save_all(self) -> None:
        if not self.session.results:
            self.statusBar().showMessage("There are no variations to save yet.", 4000)
            return
        start = str(self.preferences.output_folder())
        folder = QFileDialog.getExistingDirectory(self, "Save all variations into", start)
        if folder:
            self.session.save(list(self.session.results), Path(folder))

    def on_saved(self, paths: list[Path]) -> None:
        if len(paths) == 1:
            self.phase_label.setText(f"Saved {paths[0]}")
        elif paths:
            self.phase_label.setText(f"Saved {len(paths)} variations in {paths[0].parent}")

    def on_copy_selected(self) -> None:
        index = self._selected_result()
        if index is not None:
            self.on_copy(index)

    def on_copy(self, index: int) -> None:
        def copy(picture: QImage) -> None:
            QGuiApplication.clipboard().setImage(picture)
            self.phase_label.setText(f"Copied variation {index + 1}.")

        self._with_full_image(index, copy)

    def _with_full_image(self, index: int, use: Callable[[QImage], None]) -> None:
        """Decodes result ``index`` off the GUI thread (a large PNG takes ~40 ms), then ``use``s
        it on the GUI thread."""
        image = self.session.results.get(index)
        if image is None:
            return
        data = image.data

        async def decode(_sink: object) -> QImage:
            from desktop_app.ui.qimage import decode_image

            return decode_image(data)

        handle = self._runner.submit(f"decode variation {index + 1}", decode)
        def deliver(picture: QImage) -> None:
            if not picture.isNull():
                use(picture)

        handle.succeeded.connect(deliver)

    def on_vary(self, index: int) -> None:
        if self.session.vary_result(index):
            self.phase_label.setText(f"Variation {index + 1} is the new source picture.")

    def on_open_viewer(self, index: int) -> None:
        from desktop_app.ui.image_viewer import ImageViewer

        picture = self.session.picture
        source = picture.preview if picture is not None else None
        if index < 0:
            if picture is not None:
                ImageViewer.show_for(self, picture.preview, None, picture.label)
            return

        def show(result: QImage) -> None:
            ImageViewer.show_for(self, result, source, f"Variation {index + 1}")

        self._with_full_image(index, show)

    # -- state ----------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        running = self.session.running
        has_picture = self.session.picture is not None
        self.generate_button.setEnabled(has_picture and not running)
        self.generate_action.setEnabled(has_picture and not running)
        self.cancel_action.setEnabled(True)
        has_results = bool(self.session.results)
        self.save_all_button.setEnabled(has_results)
        self.save_all_action.setEnabled(has_results)

    def apply_preferences(self, preferences: Preferences) -> None:
        self.preferences = preferences
        from desktop_app.core.dialects import offers_classic

        self.parameters.set_classic_offered(offers_classic(preferences.profile().kind))
        self._store.save(preferences)

    def _restore_splitters(self) -> None:
        settings = QSettings()
        if settings.value("window/history-shown") in (True, "true"):
            self.history_dock.show()
        for key, splitter in self._splitters().items():
            state = settings.value(key)
            if isinstance(state, QByteArray | bytes):
                splitter.restoreState(QByteArray(state))

    def _splitters(self) -> dict[str, QSplitter]:
        # "-v2": the layout changed (the settings now span the full height); an older saved
        # split would not fit it.
        return {
            "window/results-split-v2": self.splitter,
            "window/side-split-v2": self.side_splitter,
        }

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._frame_painted:
            self._frame_painted = True
            QTimer.singleShot(0, self.framePainted.emit)
        if self.attached and not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.firstPainted.emit)

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        if not self.attached:  # closed while starting: nothing else to keep or stop
            event.accept()
            return
        for key, splitter in self._splitters().items():
            settings.setValue(key, splitter.saveState())
        settings.setValue("window/history-shown", self.history_dock.isVisible())
        self.history_dock.shutdown()
        _store_settings(self.preferences, self.parameters.settings())
        with contextlib.suppress(OSError):  # quitting must not fail over a preference
            self._store.save(self.preferences)
        self.session.finish_writes()
        self._runner.shutdown(3000)
        event.accept()


def _settings_from(prefs: Preferences) -> VariationSettings:
    from desktop_app.core.prompts import Strength
    from desktop_app.core.variation import Mode, VariationSettings

    try:
        mode = Mode(prefs.mode)
    except ValueError:
        mode = Mode.EDIT
    try:
        strength = Strength(prefs.strength)
    except ValueError:
        strength = Strength.BALANCED
    return VariationSettings(
        mode=mode,
        model=prefs.model or None,
        n=max(1, min(10, prefs.n)),
        size=prefs.size or None,
        quality=prefs.quality or "auto",
        output_format=prefs.output_format or "png",
        strength=strength,
        prompt=prefs.prompt or None,
        stream=True,
    )


def _store_settings(prefs: Preferences, settings: VariationSettings) -> None:
    prefs.mode = settings.mode.value
    prefs.model = settings.model or ""
    prefs.n = settings.n
    prefs.size = settings.effective_size
    prefs.quality = settings.quality
    prefs.output_format = settings.output_format
    prefs.strength = settings.strength.value
    prefs.prompt = settings.prompt or ""
