"""What a person can do with a finished variation: save it, save them all, copy it, vary it
again, look at it full size beside the source.

Saving keeps to one folder: Save (Ctrl+S) writes into the preferences' output folder, Save all
asks, starting there, and the folder chosen becomes the output folder for both. The message
after a save names the folder and offers "Show in folder".

Full-size pictures are decoded off the GUI thread (a large PNG takes ~40 ms) and only a
``QImage`` comes back; the clipboard and the viewer take it on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

if TYPE_CHECKING:
    from desktop_app.qt.tasks import TaskRunner
    from desktop_app.session.session import Session
    from desktop_app.ui.results.grid import ResultsGrid
    from desktop_app.ui.run_status import RunStatusBar


SHOW_IN_FOLDER = "Show in folder"


class ResultActions:
    """The window's commands on results; ``parent`` owns the dialogs they open.

    ``output_folder`` is where saves go; ``remember_folder``, when set, is told the folder a
    person chose for Save all, so that it becomes the output folder.
    """

    def __init__(
        self,
        parent: QWidget,
        session: Session,
        runner: TaskRunner,
        grid: ResultsGrid,
        status: RunStatusBar,
        output_folder: Callable[[], Path],
    ) -> None:
        self._parent = parent
        self._session = session
        self._runner = runner
        self._grid = grid
        self._status = status
        self._output_folder = output_folder
        self.remember_folder: Callable[[Path], None] | None = None
        self.saved_folder: Path | None = None  # where the last save went
        self.show_folder_button = QPushButton(SHOW_IN_FOLDER)
        self.show_folder_button.setAccessibleName("Show the saved files in their folder")
        self.show_folder_button.setVisible(False)
        self.show_folder_button.clicked.connect(self.on_show_folder)
        status.addWidget(self.show_folder_button)
        # The offer belongs to the "Saved …" line: gone when the line moves on to other news.
        session.runStarted.connect(self._withdraw_offer)
        session.pictureLoaded.connect(self._withdraw_offer)

    def _selected_result(self) -> int | None:
        index = self._grid.selected_index()
        return index if index is not None and index in self._session.results else None

    def on_save_selected(self) -> None:
        index = self._selected_result()
        if index is None:
            self._status.showMessage("Select a finished variation to save it.", 4000)
            return
        self.on_save(index)

    def on_save(self, index: int) -> None:
        """Saves variation ``index`` into the output folder, like Save all does."""
        self._session.save([index], self._output_folder())

    def on_save_all(self) -> None:
        if not self._session.results:
            self._status.showMessage("There are no variations to save yet.", 4000)
            return
        start = str(self._output_folder())
        folder = QFileDialog.getExistingDirectory(self._parent, "Save all variations into", start)
        if not folder:
            return
        chosen = Path(folder)
        if self.remember_folder is not None:
            self.remember_folder(chosen)  # the next Save (Ctrl+S) goes there too
        self._session.save(list(self._session.results), chosen)

    def on_saved(self, paths: list[Path]) -> None:
        if not paths:
            return
        folder = paths[0].parent
        if len(paths) == 1:
            self._status.say(f"Saved {paths[0].name} in {folder}")
        else:
            self._status.say(f"Saved {len(paths)} variations in {folder}")
        self.offer_folder(folder)

    def offer_folder(self, folder: Path) -> None:
        """Show in folder beside the status line that just named ``folder``."""
        self.saved_folder = folder
        self.show_folder_button.setToolTip(f"Open {folder} in the file manager")
        self.show_folder_button.setVisible(True)

    def on_show_folder(self) -> None:
        if self.saved_folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved_folder)))

    def _withdraw_offer(self, *_args: object) -> None:
        self.show_folder_button.setVisible(False)

    def say(self, text: str) -> None:
        self._withdraw_offer()
        self._status.say(text)

    def on_copy_selected(self) -> None:
        index = self._selected_result()
        if index is not None:
            self.on_copy(index)

    def on_copy(self, index: int) -> None:
        def copy(picture: QImage) -> None:
            QGuiApplication.clipboard().setImage(picture)
            self.say(f"Copied variation {index + 1}.")

        self._with_full_image(index, copy)

    def _with_full_image(self, index: int, use: Callable[[QImage], None]) -> None:
        """Decodes result ``index`` off the GUI thread, then ``use``s it on the GUI thread."""
        image = self._session.results.get(index)
        if image is None:
            return

        async def decode(_sink: object) -> QImage:
            from desktop_app.qt.qimage import decode_image

            return decode_image(image.data)  # read here: the library may hold the bytes

        handle = self._runner.submit(f"decode variation {index + 1}", decode)

        def deliver(picture: QImage) -> None:
            if not picture.isNull():
                use(picture)

        handle.succeeded.connect(deliver)
        handle.failed.connect(
            lambda exc: self.say(f"Could not read variation {index + 1}: {_reason(exc)}")
        )

    def on_vary(self, index: int) -> None:
        if self._session.vary_result(index):
            self.say(f"Variation {index + 1} is the new source picture.")

    def on_open_viewer(self, index: int) -> None:
        from desktop_app.ui.results.viewer import ImageViewer

        picture = self._session.picture
        if index < 0:
            if picture is not None:  # the preview, decoded again if it was let go of
                label = picture.label

                def show_source(image: QImage) -> None:
                    if not image.isNull():  # else another picture came, or it said why not
                        ImageViewer.show_for(self._parent, image, None, label)

                self._session.with_preview(show_source)
            return

        def show(result: QImage) -> None:
            title = f"Variation {index + 1}"
            if picture is None or picture is not self._session.picture:
                ImageViewer.show_for(self._parent, result, None, title)
                return
            self._session.with_preview(  # the source beside it, to compare, when it comes
                lambda source: ImageViewer.show_for(
                    self._parent, result, None if source.isNull() else source, title
                )
            )

        self._with_full_image(index, show)


def _reason(exc: object) -> str:
    """Why a result could not be read, in words (its file in the library, say, went away)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower() + "."
    return "it could not be read."
