"""What the batch queue asks of the window: pictures in (a file dialog, a drop, the waiting
queue), the settings a run sends, the budget question, framing one picture of the batch, and
whether to send again pictures that may have been billed.

The queue panel only shows the batch and edits its list; the window only creates this.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop_app.core.batch.inputs import pictures_in
from desktop_app.core.batch.items import ItemState
from desktop_app.core.imaging import Frame, Square

if TYPE_CHECKING:
    from desktop_app.core.variation import VariationSettings
    from desktop_app.session.batch import BatchSession
    from desktop_app.ui.batch.dock import BatchDock
    from desktop_app.ui.batch.panel import BatchPanel
    from desktop_app.ui.main_window import MainWindow


class BatchControl:
    def __init__(self, window: MainWindow, batch: BatchSession, dock: BatchDock) -> None:
        self._window = window
        self._batch = batch
        self._dock = dock
        dock.built.connect(self._wire)
        if dock.panel is not None:  # shown before this was made (open at the last quit)
            self._wire(dock.panel)
        window.crop_view.cropChanged.connect(self._on_crop)
        # A shape of the same ratio (16:9 on a model of standard sizes) moves no frame.
        window.source.shape_bar.framingChanged.connect(
            lambda *_framing: self._on_crop(window.session.crop)
        )
        window.source.batch_button.clicked.connect(self.batch_the_queue)
        batch.finished.connect(self._on_finished)
        batch.changed.connect(self.show_estimate)

    def refresh_panel(self) -> None:
        """The estimate, and where the results will be saved (the save folder may have changed
        in Settings; finding the default one reads a file, so not at every change of the list)."""
        panel = self._dock.panel
        if panel is None:
            return
        self.show_estimate()
        panel.set_save_folder(str(self._window.preferences.output_folder()))

    def show_estimate(self) -> None:
        """What the waiting pictures will likely cost, each with its own settings."""
        from desktop_app.core.cost import format_usd

        panel = self._dock.panel
        if panel is None:
            return
        total = None if self._batch.running else self._batch.batch.total_estimate()
        panel.set_estimate(f"≈ {format_usd(total)}" if total else "")

    def _wire(self, panel: BatchPanel) -> None:
        prefs = self._window.preferences
        panel.jobs.setValue(prefs.batch_jobs)
        panel.saves.setChecked(prefs.batch_saves)
        panel.saves.toggled.connect(self._on_saves)
        panel.jobsChanged.connect(self._on_jobs)
        panel.addRequested.connect(self.on_add)
        panel.addFolderRequested.connect(self.on_add_folder)
        panel.dropped.connect(self.add)
        panel.runRequested.connect(self.on_run)
        panel.frameRequested.connect(self.on_frame)
        panel.retryRequested.connect(self.on_retry)
        self.refresh_panel()

    # -- pictures in --------------------------------------------------------------------------

    def add(self, paths: list[Path]) -> int:
        try:
            pictures = pictures_in(paths)
        except ValueError as exc:
            self._window.run_status.say(str(exc))
            return 0
        window = self._window
        added = self._batch.add(pictures, window.parameters.settings(), window.cost_estimate())
        self._dock.show()
        if added:
            plural = "s" if added != 1 else ""
            self._window.run_status.say(f"{added} picture{plural} added to the batch.")
        else:
            self._window.run_status.say("Those pictures are in the batch already.")
        return added

    def on_add(self) -> None:
        from desktop_app.ui.main_window import IMAGE_FILTER

        prefs = self._window.preferences
        folder = prefs.last_open_folder or str(Path.home())
        names, _filter = QFileDialog.getOpenFileNames(
            self._window, "Add pictures to the batch", folder, IMAGE_FILTER
        )
        if names:
            prefs.last_open_folder = str(Path(names[0]).parent)
            self.add([Path(name) for name in names])

    def on_add_folder(self) -> None:
        prefs = self._window.preferences
        start = prefs.last_open_folder or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self._window, "Add a folder of pictures", start)
        if folder:
            prefs.last_open_folder = folder
            self.add([Path(folder)])

    def batch_the_queue(self) -> None:
        """The waiting pictures (and the one being framed, with its frame) into the batch."""
        session = self._window.session
        current = session.picture.path if session.picture is not None else None
        paths = ([current] if current is not None else []) + session.take_waiting_files()
        if self.add(paths) and current is not None:
            self._on_crop(session.crop)
            if session.region is not None:  # said, not dropped silently
                self._window.run_status.say(
                    f"{current.name} went into the batch with its "
                    "frame but without its painted region: a batch varies whole frames."
                )

    # -- framing one picture of the batch -----------------------------------------------------

    def on_frame(self, path: str) -> None:
        from desktop_app.core.batch.snapshot import settings_from_dict
        from desktop_app.qt.intake import PictureInput

        window = self._window
        # The frame drawn is the picture's own shape, and a shape chosen now becomes its own.
        own = settings_from_dict(self._batch.batch.find_path(path).settings)
        window.source.shape_bar.set_framing(own.shape, own.zoom_out)
        window.parameters.set_framing(own.shape, own.zoom_out)
        window.session.add_inputs([PictureInput(path=Path(path))], first=True)
        window.show_framing()
        back = ""
        if self._dock.is_drawer():  # over the picture to frame: out of the way until Ctrl+B
            self._dock.hide()
            back = " Ctrl+B brings the batch back."
        window.run_status.say(
            f"Choose the part to send; the batch sends this frame for this picture.{back}"
        )

    def _on_crop(self, crop: object) -> None:
        picture = self._window.session.picture
        if picture is None or picture.path is None or self._batch.running:
            return
        path = str(picture.path.resolve())
        if not any(item.path == path for item in self._batch.batch.items):
            return
        box: tuple[int, int, int, int] | None = None  # the default frame, in any shape
        if not self._window.crop_view.untouched():
            if isinstance(crop, Square):
                box = (crop.x, crop.y, crop.side, crop.side)
            elif isinstance(crop, Frame):
                box = (crop.x, crop.y, crop.width, crop.height)
        settings = self._window.parameters.settings()
        self._batch.set_crop(path, box, settings.shape.value, settings.zoom_out)

    # -- running ------------------------------------------------------------------------------

    def on_run(self) -> None:
        from desktop_app.core.cost import format_usd

        window = self._window
        current = window.parameters.settings()
        choice = self._which_settings(current)
        if choice is None:
            return
        settings = current if choice else None
        estimate = window.cost_estimate() if choice else None
        waiting = len(self._batch.batch.waiting())
        if choice:
            total = estimate * waiting if estimate is not None else None
        else:
            total = self._batch.batch.total_estimate()
        budget = window.preferences.monthly_budget
        spent = window.session.month_spent
        if budget > 0 and total is not None and spent + total > budget:
            answer = QMessageBox.question(
                window,
                "Over the monthly budget",
                f"This batch of {waiting} pictures will likely cost {format_usd(total)}; with "
                f"{format_usd(spent)} spent this month that is past your budget of "
                f"{format_usd(budget)}. Run it anyway?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                window.run_status.say("The batch was not started.")
                return
        folder = window.preferences.output_folder() if window.preferences.batch_saves else None
        if self._batch.run_all(folder, settings=settings, estimate=estimate):
            about = f" (≈ {format_usd(total)})" if total is not None else ""
            window.run_status.say(f"Batch of {waiting} pictures started{about}.")

    def _which_settings(self, current: VariationSettings) -> bool | None:
        """Whether the waiting pictures go with the window's settings (True) or each with its
        own, as added (False); None: not now. Asked only when they differ."""
        from desktop_app.core.batch.snapshot import settings_to_dict
        from desktop_app.ui.batch.wording import snapshot_words

        differing = self._batch.differing(current)
        if not differing:
            return False
        waiting = len(self._batch.batch.waiting())
        own = sorted({snapshot_words(item.settings) for item in differing})
        which = "All" if len(differing) == waiting else f"{len(differing)} of the {waiting}"
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Which settings?",
            f"{which} waiting pictures were added with other settings ({'; '.join(own)}) than "
            f"the window's now ({snapshot_words(settings_to_dict(current))}).",
            parent=self._window,
        )
        keep = box.addButton("Send each as added", QMessageBox.ButtonRole.AcceptRole)
        now = box.addButton("Use the window's settings", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        if clicked is keep:
            return False
        return True if clicked is now else None

    def on_retry(self) -> None:
        failed = [i for i in self._batch.batch.items if i.state is ItemState.FAILED]
        billed = [item for item in failed if item.billed]
        billed_too = False
        if billed:
            others = len(failed) - len(billed)
            which = "All" if not others else f"{len(billed)} of the {len(failed)}"
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Send again?",
                f"{which} failed pictures may have been billed already: their requests "
                "reached the server. Sent again, they may be billed a second time.",
                parent=self._window,
            )
            every = box.addButton(
                f"Send all {len(failed)} again" if others else "Send them again",
                QMessageBox.ButtonRole.AcceptRole,
            )
            rest = None
            if others:
                rest = box.addButton(
                    f"Send only the other {others}", QMessageBox.ButtonRole.AcceptRole
                )
            cancel = box.addButton(QMessageBox.StandardButton.Cancel)
            # The safe choice by default: sending only what cannot be billed twice, or nothing.
            box.setDefaultButton(rest or cancel)
            box.exec()
            clicked = box.clickedButton()
            if clicked not in (every, rest):
                return
            billed_too = clicked is every
        count = self._batch.retry_failed(billed_too=billed_too)
        if count:
            self.on_run()

    def _on_saves(self, saves: bool) -> None:
        self._window.preferences.batch_saves = saves

    def _on_jobs(self, jobs: int) -> None:
        self._window.preferences.batch_jobs = jobs

    def _on_finished(self) -> None:
        from desktop_app.ui.batch.wording import batch_summary

        batch = self._batch.batch
        saved = batch.folder is not None and any(item.saved for item in batch.items)
        where = f" · saved in {batch.folder}" if saved else ""
        self._window.result_actions.say(f"Batch: {batch_summary(batch)}{where}")
        if saved and batch.folder is not None:
            self._window.result_actions.offer_folder(Path(batch.folder))
        self._window.session.refresh_spending()
