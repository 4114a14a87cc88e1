"""The real window driven like a person would, against the local API server."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.core import metadata
from desktop_app.core.imaging import Square
from desktop_app.core.results import Phase, PhaseChanged
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings.dialog import SettingsDialog
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI, Fault
from tests.keyring_backends import MemoryBackend
from tests.ui.conftest import _drop, _generate, _jpeg, _load

EDITS = "/v1/images/edits"


def _png_bytes(colour: tuple[int, int, int] = (30, 160, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_empty_window_invites_a_drop(window: MainWindow, screenshots: Path) -> None:
    assert window.windowTitle() == "Image Variations"
    assert window.source.source_stack.currentWidget() is window.drop_hint
    assert not window.generate_button.isEnabled()
    window.grab().save(str(screenshots / "window-empty.png"))


def test_a_file_drop_shows_the_picture_and_the_exact_upload(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, screenshots: Path
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    assert window.source.source_stack.currentWidget() is window.crop_view
    assert window.crop_view.crop() == Square(150, 0, 600)
    prepared = window.session.prepared
    assert prepared is not None and prepared.upload.width == 1024
    assert "1024 × 1024" in window.preview.description()
    assert window.generate_button.isEnabled()
    window.grab().save(str(screenshots / "window-picture.png"))


def test_image_data_in_a_drag_and_several_files_make_a_queue(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    mime = QMimeData()
    mime.setData("image/png", _png_bytes())
    _drop(window, mime)
    qtbot.waitUntil(lambda: window.session.picture is not None, timeout=10_000)
    assert window.session.picture is not None
    assert window.session.picture.full_size == (320, 240)

    files = [_jpeg(tmp_path / f"p{i}.jpg") for i in range(3)]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    _drop(window, mime)
    qtbot.waitUntil(lambda: window.session.waiting() == 2, timeout=30_000)
    qtbot.waitUntil(lambda: window.source.queue_row.isVisible(), timeout=30_000)
    qtbot.waitUntil(
        lambda: window.session.picture is not None and window.session.picture.label == "p0.jpg",
        timeout=10_000,
    )
    assert "2 more pictures waiting" in window.source.queue_label.text()
    assert window.session.picture is not None and window.session.picture.label == "p0.jpg"
    # One after another: the next one comes when the user asks for it.
    window.source.next_button.click()
    qtbot.waitUntil(
        lambda: window.session.picture is not None and window.session.picture.label == "p1.jpg",
        timeout=10_000,
    )
    assert window.session.waiting() == 1
    assert "1 more picture waiting" in window.source.queue_label.text()


def test_a_rejected_file_says_why_in_the_window(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    fake = tmp_path / "drawing.png"
    fake.write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(fake))])
    _drop(window, mime)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
    assert "drawing.png" in window.banner.message()
    assert "SVG" in window.banner.message() or "drawing" in window.banner.message()


def test_paste_takes_an_image_from_the_clipboard(qtbot: QtBot, window: MainWindow) -> None:
    QGuiApplication.clipboard().setImage(QImage.fromData(_png_bytes((10, 20, 200))))
    window.commands.paste.trigger()
    qtbot.waitUntil(lambda: window.session.picture is not None, timeout=10_000)
    assert window.session.picture is not None
    assert window.session.picture.full_size == (320, 240)


def test_moving_the_crop_changes_what_is_uploaded(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    window.crop_view.set_crop(Square(0, 0, 200))
    qtbot.waitUntil(lambda: window.session.crop == Square(0, 0, 200), timeout=30_000)
    qtbot.waitUntil(
        lambda: (
            window.session.prepared is not None
            # Only the new square (the red corner) makes the far right of the upload red.
            and _at(window.session.prepared.preview, 0.88, 0.1).red() > 150
        ),
        timeout=10_000,
    )
    assert any("enlarged" in w for w in window.preview.warnings())


def test_a_streamed_run_fills_the_grid_and_is_saved_without_overwriting(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, api_server: FakeOpenAI, screenshots: Path
) -> None:
    api_server.stream_delay = 0.05
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    partials: list[int] = []
    window.session.runEvent.connect(
        lambda e: partials.append(e.image.index) if type(e).__name__ == "PartialArrived" else None
    )
    _generate(qtbot, window, 4)
    assert partials, "streamed previews should arrive before the finished images"
    sent = api_server.requests[-1]
    assert sent.path == EDITS and sent.fields["stream"] == ["true"]
    assert sent.fields["n"] == ["4"]
    assert sent.fields["model"] == ["gpt-image-2.6-sunburst"]
    assert window.results.result_count() == 4
    assert all(window.results.has_result(i) for i in range(4))
    assert "Done: 4 variations" in window.run_status.phase_label.text()
    assert window.run_status.request_label.text().startswith("req_")
    qtbot.waitUntil(lambda: window.results.thumbnail(3) is not None, timeout=30_000)
    window.grab().save(str(screenshots / "window-results.png"))

    window.results.select(1)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    folder = tmp_path / "saved"

    def saved() -> list[Path]:  # the hidden .part file of a save in progress is not a result
        return (
            [p for p in folder.iterdir() if not p.name.startswith(".")] if folder.exists() else []
        )

    qtbot.waitUntil(lambda: len(saved()) == 1, timeout=30_000)
    (first,) = saved()
    original = first.read_bytes()
    assert first.name.startswith("photo-02-") and first.suffix == ".png"
    story = metadata.read(original)  # the saved file tells how it was made
    assert story["model"] == "gpt-image-2.6-sunburst"
    assert story["request_id"] == window.run_status.request_label.text()
    assert story["prompt"] == window.parameters.prompt.toPlainText()
    assert json.loads(story["parameters"])["n"] == 4
    window.results.select(1)
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(saved()) == 2 and not any(folder.glob(".*")), timeout=30_000)
    assert first.read_bytes() == original

    window.preferences.strip_metadata = True  # the privacy setting: no story at all
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(saved()) == 3 and not any(folder.glob(".*")), timeout=30_000)
    (stripped,) = [p for p in saved() if p.read_bytes() != original and p != first][-1:]
    assert metadata.read(stripped.read_bytes()) == {}


def test_copy_and_vary_this(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 2)
    window.results.select(0)
    window.results.setFocus()
    QGuiApplication.clipboard().clear()
    window.commands.copy.trigger()
    # Decoded off the GUI thread, then copied.
    qtbot.waitUntil(lambda: not QGuiApplication.clipboard().image().isNull(), timeout=30_000)
    copied = QGuiApplication.clipboard().image()
    assert not copied.isNull() and copied.width() == 1024

    window.results.varyRequested.emit(1)
    qtbot.waitUntil(
        lambda: (
            window.session.picture is not None and window.session.picture.label == "photo-v2.png"
        ),
        timeout=10_000,
    )
    assert window.session.picture is not None
    assert window.session.picture.full_size == (1024, 1024)


def test_opening_a_result_shows_it_full_size_beside_the_source(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    from desktop_app.ui.results.viewer import ImageViewer

    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 2)
    window.results.openRequested.emit(1)

    def viewers() -> list[ImageViewer]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, ImageViewer)]

    qtbot.waitUntil(lambda: len(viewers()) == 1, timeout=30_000)
    viewer = viewers()[0]
    assert viewer.windowTitle().startswith("Variation 2")
    assert viewer.shown_images() == ["variation"]
    viewer.close()


def test_a_photo_is_held_only_at_the_sizes_the_window_shows_and_decoded_again_to_view(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    """Memory: a 12 MP photo's preview is 12 MB, framing's copy on screen 2. The window
    keeps its copies; the source viewer has the picture decoded again."""
    from desktop_app.ui.results.viewer import ImageViewer

    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg", (4000, 3000)))
    picture = window.session.picture
    assert picture is not None and picture.preview.isNull()
    shot = window.crop_view.grab().toImage()
    rect = window.crop_view.picture_rect().toRect()
    corner = shot.pixelColor(rect.left() + 4, rect.top() + 4)  # red, dimmed out of the frame
    assert corner.red() > 3 * corner.green() and corner.red() > 3 * corner.blue()

    window.results.openRequested.emit(-1)  # "View source"

    def viewers() -> list[ImageViewer]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, ImageViewer)]

    qtbot.waitUntil(lambda: len(viewers()) == 1, timeout=30_000)
    viewer = viewers()[0]
    assert viewer.shown_images() == ["variation"]  # the one picture it was given: the source
    assert viewer.windowTitle().startswith("photo.jpg")
    viewer.close()
    assert picture.preview.isNull()  # handed to the viewer, not held again


def test_cancel_stops_without_waiting_for_the_server_and_says_it_may_have_been_billed(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, api_server: FakeOpenAI, screenshots: Path
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    api_server.inject(Fault("stall_before_headers", seconds=60), path=EDITS)
    events: list[object] = []
    window.session.runEvent.connect(events.append)
    window.generate_button.click()
    qtbot.waitUntil(
        lambda: PhaseChanged(Phase.WAITING) in events and api_server.count(EDITS) == 1,
        timeout=30_000,
    )
    assert window.run_status.cancel_button.isVisible()
    window.grab().save(str(screenshots / "window-waiting.png"))
    started = time.monotonic()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.session.running, timeout=30_000)
    assert time.monotonic() - started < 30  # the server would have stalled for 60 s
    assert "may have been billed" in window.banner.message()
    from desktop_app.core.library import Outcome

    assert window.session.library.get().runs()[0].outcome is Outcome.CANCELLED
    assert api_server.count(EDITS) == 1
    window.grab().save(str(screenshots / "window-cancelled.png"))


def test_a_rejected_key_leads_to_the_key_settings(
    qtbot: QtBot,
    window: MainWindow,
    tmp_path: Path,
    api_server: FakeOpenAI,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    api_server.inject(Fault("invalid_api_key"), path=EDITS)
    window.generate_button.click()
    qtbot.waitUntil(
        lambda: window.banner.isVisible() and not window.session.running, timeout=10_000
    )
    assert "API key was rejected" in window.banner.message()
    assert window.banner.action.text() == "Open key settings"
    assert "req_" in window.banner.details.text()
    assert CANARY_KEY not in window.banner.details.text() + window.banner.message()
    window.grab().save(str(screenshots / "window-error.png"))
    asked: list[bool] = []

    def answer(cls, parent, prefs, keystore, runner, *, focus_key=False):  # type: ignore[no-untyped-def]
        asked.append(focus_key)
        return None

    monkeypatch.setattr(SettingsDialog, "ask", classmethod(answer))
    window.banner.action.click()
    assert asked == [True]


def test_the_classic_endpoint_gone_offers_gpt_image_mode(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    window.parameters.mode.setCurrentIndex(1)
    window.generate_button.click()
    qtbot.waitUntil(
        lambda: window.banner.isVisible() and not window.session.running, timeout=10_000
    )
    assert "classic variations endpoint" in window.banner.message()
    window.banner.action.click()
    assert window.parameters.current_mode().value == "edit"


def test_a_moderation_refusal_is_explained_and_not_retried(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, api_server: FakeOpenAI
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    api_server.inject(Fault("moderation_blocked"), path=EDITS)
    window.generate_button.click()
    qtbot.waitUntil(
        lambda: window.banner.isVisible() and not window.session.running, timeout=10_000
    )
    assert "safety system" in window.banner.message()
    assert api_server.count(EDITS) == 1


def test_the_key_prompt_survives_a_picture_arriving(
    qtbot: QtBot, window: MainWindow, keyring_backend: MemoryBackend, tmp_path: Path
) -> None:
    # The picture given on the command line loads right after start: the prompt must stay.
    keyring_backend.store.clear()
    window.session.refresh_models()
    qtbot.waitUntil(lambda: "Welcome" in window.banner.message(), timeout=10_000)
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    assert "Welcome" in window.banner.message()


def test_no_key_yet_shows_a_friendly_first_run_prompt(
    qtbot: QtBot, window: MainWindow, keyring_backend: MemoryBackend
) -> None:
    keyring_backend.store.clear()
    window.session.refresh_models()
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
    assert "Welcome" in window.banner.message()
    assert window.banner.action.text() == "Open Settings"


def test_the_model_list_comes_from_the_server(qtbot: QtBot, window: MainWindow) -> None:
    window.session.refresh_models()
    qtbot.waitUntil(lambda: window.parameters.model.count() > 3, timeout=10_000)
    ids = [window.parameters.model.itemData(i) for i in range(window.parameters.model.count())]
    assert "gpt-image-2.6-sunburst" in ids
    assert window.parameters.model.currentData() == "gpt-image-2.6-sunburst"


def test_quit_stops_the_worker_and_keeps_the_geometry(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, api_server: FakeOpenAI
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    api_server.inject(Fault("stall_before_headers", seconds=60), path=EDITS)
    window.generate_button.click()
    qtbot.waitUntil(lambda: api_server.count(EDITS) == 1, timeout=10_000)
    window.move(QPoint(40, 30))
    started = time.monotonic()
    window.commands.quit.trigger()
    assert time.monotonic() - started < 30  # did not wait out the 60 s stall
    assert window._runner.active == 0
    assert QApplication.instance() is not None


def test_keep_transparency_is_offered_for_a_transparent_picture(
    qtbot: QtBot, window: MainWindow, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    panel = window.parameters
    box = panel.keep_transparency

    # Read afresh each time: clicks change it (mypy would otherwise keep an earlier assert's value).
    def session_keeps_transparency() -> bool:
        return window.session.settings.keep_transparency

    window.session.refresh_models()
    qtbot.waitUntil(lambda: panel.model.findData("gpt-image-2.5-sunburst") >= 0, timeout=10_000)
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    assert not box.isVisibleTo(panel)  # nothing to keep in an opaque photo
    assert not panel.settings().keep_transparency

    logo = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    logo.paste((200, 30, 30, 255), (150, 150, 450, 450))
    logo.save(tmp_path / "logo.png")
    _load(qtbot, window, tmp_path / "logo.png")
    qtbot.waitUntil(lambda: _loaded(window) == "logo.png", timeout=10_000)
    panel.model.setCurrentIndex(panel.model.findData("gpt-image-2.5-sunburst"))
    assert box.isVisibleTo(panel) and box.isEnabled() and box.isChecked()
    assert session_keeps_transparency()
    box.click()  # the person's choice counts
    assert not box.isChecked() and not session_keeps_transparency()
    box.click()

    panel.model.setCurrentIndex(panel.model.findData("gpt-image-2"))
    assert box.isVisibleTo(panel) and not box.isEnabled() and not box.isChecked()
    assert "cannot make transparent backgrounds" in box.toolTip()
    assert not session_keeps_transparency()

    # Back on a model that can, JPEG output is replaced by PNG, and the panel says so.
    panel.model.setCurrentIndex(panel.model.findData("gpt-image-2.5-sunburst"))
    panel.output_format.setCurrentIndex(panel.output_format.findData("jpeg"))
    assert box.isChecked()
    assert panel.transparency_note.isVisibleTo(panel)
    assert "PNG" in panel.transparency_note.text()
    _generate(qtbot, window, n=1)
    sent = [r for r in api_server.requests if r.path == EDITS][-1]
    assert sent.value("background") == "transparent"
    assert sent.value("output_format") == "png"
    assert window.session.results[0].format == "png"


def _loaded(window: MainWindow) -> str:
    picture = window.session.picture
    return picture.source.name if picture is not None else ""


def _at(image: QImage, x: float, y: float) -> QColor:
    """The colour at a fraction of the picture's width and height (the upload's thumbnail is
    smaller than the upload)."""
    return QImage(image).pixelColor(round(x * (image.width() - 1)), round(y * (image.height() - 1)))
