"""The window's other ways in and out, driven like a person would: links dragged from a browser,
copied files pasted, Save all, Ctrl+O, the full-size viewer, retries, retiring models, classic
mode, what is remembered, the keyboard, a run that breaks half-way, and a dark desktop."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QSize, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSlider,
    QSpinBox,
    QStyleFactory,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop_app.core.prompts import Strength
from desktop_app.core.results import PartialArrived
from desktop_app.core.variation import Mode
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.results.cell import ResultCell
from desktop_app.ui.results.viewer import ImageViewer
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI, Fault
from tests.ui.conftest import WindowFactory, _drop, _generate, _jpeg, _load

EDITS = "/v1/images/edits"
VARIATIONS = "/v1/images/variations"


def _png_bytes(
    size: tuple[int, int] = (320, 240), colour: tuple[int, int, int] = (30, 90, 160)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


# -- a web server standing in for the one a browser shows the picture from --------------------


class PictureServer:
    """Serves one PNG at /pics/cat.png; /redirect/cat.png sets a cookie and redirects there;
    everything else is a 404. Every request's headers are kept (names in lower case)."""

    def __init__(self) -> None:
        self.png = _png_bytes((300, 200), (20, 140, 200))
        self.seen: list[tuple[str, dict[str, str]]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                if self.path == "/pics/cat.png":
                    self._answer(
                        200,
                        self.server_png(),
                        [("Content-Type", "image/png"), ("Set-Cookie", "seen=1; Path=/")],
                    )
                elif self.path == "/redirect/cat.png":
                    self._answer(
                        302,
                        b"",
                        [("Location", "/pics/cat.png"), ("Set-Cookie", "session=secret; Path=/")],
                    )
                else:
                    self._answer(404, b"<h1>Not Found</h1>", [("Content-Type", "text/html")])

            def server_png(self) -> bytes:
                return owner.png

            def _answer(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture
def picture_server() -> Iterator[PictureServer]:
    server = PictureServer()
    try:
        yield server
    finally:
        server.close()


def _drag_accepted(window: MainWindow, mime: QMimeData) -> bool:
    event = QDragEnterEvent(
        QPoint(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(event)
    accepted = event.isAccepted()
    window.dragLeaveEvent(None)
    return accepted


def _files(folder: Path) -> list[Path]:
    """What a person sees in the folder (a save's hidden temporary file is not a result)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _picture_label(window: MainWindow) -> str | None:
    picture = window.session.picture
    return picture.label if picture is not None else None


# -- 1. links from a browser ------------------------------------------------------------------


def test_a_link_dragged_from_a_browser_is_fetched_without_key_or_cookies(
    qtbot: QtBot, window: MainWindow, picture_server: PictureServer
) -> None:
    mime = QMimeData()
    link = picture_server.url("/redirect/cat.png")
    mime.setUrls([QUrl(link)])
    mime.setHtml(f'<img src="{link}">')
    assert _drag_accepted(window, mime)
    _drop(window, mime)
    qtbot.waitUntil(lambda: window.session.picture is not None, timeout=10_000)
    assert window.session.picture is not None
    assert window.session.picture.full_size == (300, 200)
    assert _picture_label(window) == "cat.png"
    assert [path for path, _ in picture_server.seen] == ["/redirect/cat.png", "/pics/cat.png"]
    for _path, headers in picture_server.seen:
        assert "authorization" not in headers
        assert "cookie" not in headers  # not even the one the redirect tried to set
        assert CANARY_KEY not in json.dumps(headers)
    assert not window.banner.isVisible()


def test_a_link_that_answers_404_says_so_plainly(
    qtbot: QtBot, window: MainWindow, picture_server: PictureServer
) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl(picture_server.url("/gone/missing.png"))])
    _drop(window, mime)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
    message = window.banner.message()
    assert message.startswith("missing.png: ")
    assert "404" in message
    for jargon in ("Traceback", "httpx", "Exception", "Error("):
        assert jargon not in message
    assert window.banner.property("level") == "error"
    assert window.session.picture is None
    assert window.source.source_stack.currentWidget() is window.drop_hint


def test_a_link_dragged_as_plain_text_also_works(
    qtbot: QtBot, window: MainWindow, picture_server: PictureServer
) -> None:
    mime = QMimeData()
    mime.setText(picture_server.url("/pics/cat.png"))
    assert _drag_accepted(window, mime), "a link dragged as text must be accepted on entry"
    _drop(window, mime)
    qtbot.waitUntil(lambda: window.session.picture is not None, timeout=10_000)
    assert window.session.picture is not None
    assert window.session.picture.full_size == (300, 200)
    assert "authorization" not in picture_server.seen[-1][1]

    words = QMimeData()
    words.setText("just some words")
    assert not _drag_accepted(window, words)


# -- 2. copied files ---------------------------------------------------------------------------


def test_pasting_copied_files_loads_them_as_a_queue(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    files = [_jpeg(tmp_path / f"copied{i}.jpg") for i in range(3)]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    QGuiApplication.clipboard().setMimeData(mime)
    try:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=30_000)
        qtbot.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: _picture_label(window) == "copied0.jpg", timeout=10_000)
        qtbot.waitUntil(lambda: window.session.waiting() == 2, timeout=30_000)
        assert "2 more pictures waiting" in window.source.queue_label.text()
        window.source.next_button.click()
        qtbot.waitUntil(lambda: _picture_label(window) == "copied1.jpg", timeout=10_000)
    finally:
        QGuiApplication.clipboard().clear()


# -- 3. Save all --------------------------------------------------------------------------------


def test_save_all_never_overwrites_and_follows_the_save_format(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 3)
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    asked: list[str] = []

    def pick_folder(parent: QWidget, caption: str, start: str, *args: object) -> str:
        asked.append(start)
        return str(chosen)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(pick_folder))
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    save_all = (Qt.Key.Key_S, ctrl_shift)

    with qtbot.waitSignal(window.session.saved, timeout=10_000):
        qtbot.keyClick(window, *save_all)
    assert asked == [str(tmp_path / "saved")]  # the dialog starts in the save folder
    first = {p: p.read_bytes() for p in _files(chosen)}
    assert len(first) == 3
    assert sorted(p.name[:9] for p in first) == ["photo-01-", "photo-02-", "photo-03-"]
    assert all(p.suffix == ".png" for p in first)
    from desktop_app.core import metadata

    # The same pictures, each now telling how it was made.
    saved_bytes = sorted(metadata.strip(data, "png") for data in first.values())
    made = (window.session.results[i].data for i in range(3))
    assert saved_bytes == sorted(metadata.strip(data, "png") for data in made)
    assert all(metadata.read(data)["request_id"].startswith("req_") for data in first.values())
    status = window.run_status.phase_label
    qtbot.waitUntil(lambda: "Saved 3 variations" in status.text(), timeout=30_000)

    with qtbot.waitSignal(window.session.saved, timeout=10_000):
        qtbot.keyClick(window, *save_all)
    assert len(_files(chosen)) == 6
    for path, data in first.items():
        assert path.read_bytes() == data

    window.preferences.save_format = "jpeg"
    with qtbot.waitSignal(window.session.saved, timeout=10_000):
        qtbot.keyClick(window, *save_all)
    assert len(_files(chosen)) == 9
    jpegs = [p for p in _files(chosen) if p.suffix in (".jpg", ".jpeg")]
    assert len(jpegs) == 3
    for path in jpegs:
        data = path.read_bytes()
        assert data.startswith(b"\xff\xd8\xff")
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == (1024, 1024)
    for path, data in first.items():
        assert path.read_bytes() == data


def test_save_all_with_nothing_to_save_or_a_cancelled_dialog_writes_nothing(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []

    def cancel_folder(*args: object) -> str:
        calls.append(args)
        return ""

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(cancel_folder))
    window.result_actions.on_save_all()
    assert calls == []  # no results yet: no dialog either
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 1)
    window.save_all_button.click()
    assert len(calls) == 1
    qtbot.wait(200)
    assert not (tmp_path / "saved").exists()
    assert not window.session.running


# -- 4. Ctrl+O ----------------------------------------------------------------------------------


def test_ctrl_o_opens_several_pictures_and_remembers_the_folder(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    album = tmp_path / "album"
    album.mkdir()
    files = [_jpeg(album / "a.jpg"), _jpeg(album / "b.jpg", (400, 700))]
    starts: list[str] = []

    def pick_files(
        parent: QWidget, caption: str, start: str, filters: str, *args: object
    ) -> tuple[list[str], str]:
        starts.append(start)
        assert "*.png" in filters and "*.heic" in filters
        return [str(f) for f in files], filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(pick_files))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=30_000)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _picture_label(window) == "a.jpg", timeout=10_000)
    qtbot.waitUntil(lambda: window.session.waiting() == 1, timeout=30_000)
    assert window.source.queue_row.isVisible()
    assert window.preferences.last_open_folder == str(album)

    window.source.next_button.click()
    qtbot.waitUntil(lambda: _picture_label(window) == "b.jpg", timeout=10_000)
    assert window.session.picture is not None and window.session.picture.full_size == (400, 700)

    def cancel_files(
        parent: QWidget, caption: str, start: str, filters: str, *args: object
    ) -> tuple[list[str], str]:
        starts.append(start)
        return [], ""

    monkeypatch.setattr(
        QFileDialog,
        "getOpenFileNames",
        staticmethod(cancel_files),
    )
    window.commands.open.trigger()
    assert starts[-1] == str(album)  # the next dialog starts where the last pictures were
    assert _picture_label(window) == "b.jpg"  # cancelling the dialog changes nothing

    window.close()
    saved = json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))
    assert saved["last_open_folder"] == str(album)


def test_next_picture_clicked_while_one_still_opens_is_not_lost(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    files = [_jpeg(tmp_path / f"q{i}.jpg", (1600, 1200)) for i in range(3)]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    _drop(window, mime)
    assert window.session.picture is None  # q0.jpg is still being opened on a worker thread
    window.source.next_button.click()
    qtbot.waitUntil(lambda: _picture_label(window) == "q1.jpg", timeout=10_000)
    qtbot.waitUntil(lambda: window.session.waiting() == 1, timeout=30_000)
    assert "1 more picture waiting" in window.source.queue_label.text()


# -- 5. the full-size viewer --------------------------------------------------------------------


def _viewers(window: MainWindow) -> list[ImageViewer]:
    return [v for v in window.findChildren(ImageViewer) if v.isVisible()]


def _cell(window: MainWindow, index: int) -> ResultCell:
    return next(c for c in window.results.findChildren(ResultCell) if c.index == index)


def test_the_viewer_opens_on_a_double_click_and_enter_and_the_source_goes_back_to_framing(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 2)
    qtbot.waitUntil(lambda: window.results.thumbnail(1) is not None, timeout=30_000)

    cell = _cell(window, 1)
    qtbot.mouseDClick(cell, Qt.MouseButton.LeftButton, pos=cell.rect().center())
    qtbot.waitUntil(lambda: len(_viewers(window)) == 1, timeout=30_000)
    (viewer,) = _viewers(window)
    assert viewer.windowTitle() == "Variation 2"
    assert viewer.shown_images() == ["variation"]
    assert viewer.compare_button.isEnabled()  # the source is one key away
    viewer.close()
    qtbot.waitUntil(lambda: not _viewers(window), timeout=30_000)

    window.results.select(0)
    window.results.setFocus()
    qtbot.keyClick(window.results, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(_viewers(window)) == 1, timeout=30_000)
    (viewer,) = _viewers(window)
    assert viewer.windowTitle() == "Variation 1"
    qtbot.waitUntil(viewer.isActiveWindow, timeout=30_000)
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)  # Esc closes it
    qtbot.waitUntil(lambda: not _viewers(window), timeout=30_000)

    # The source is no cell of the results: a click on it goes back to framing it.
    assert window.moods.currentWidget() is window.results_panel
    badge = window.results_panel.source_badge
    qtbot.mouseClick(badge, Qt.MouseButton.LeftButton, pos=badge.rect().center())
    assert window.moods.currentWidget() is window.source


# -- 6. a rate limit ----------------------------------------------------------------------------


def test_a_rate_limit_counts_down_and_then_succeeds(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, api_server: FakeOpenAI
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    api_server.inject(Fault("rate_limit", retry_after="2"), path=EDITS)
    window.parameters.count.setValue(1)
    window.generate_button.click()
    status = window.run_status.phase_label
    qtbot.waitUntil(lambda: "trying again in 2 s" in status.text(), timeout=10_000)
    assert "rate limit" in window.run_status.phase_label.text()
    assert window.session.running and window.run_status.cancel_button.isVisible()
    qtbot.waitUntil(lambda: "trying again in 1 s" in status.text(), timeout=30_000)
    qtbot.waitUntil(lambda: not window.session.running, timeout=15_000)
    assert len(window.session.results) == 1
    assert "Done: 1 variation" in window.run_status.phase_label.text()
    assert api_server.count(EDITS) == 2
    assert not window.banner.isVisible()


# -- 7. a model about to be retired -------------------------------------------------------------


def test_a_retiring_model_is_flagged_with_a_replacement(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.parameters
    window.session.refresh_models()
    qtbot.waitUntil(lambda: panel.model.count() > 3, timeout=10_000)
    models = window.session.models
    panel.set_models(models, today=dt.date(2026, 11, 20))  # 11 days before its shutdown

    panel.model.setCurrentIndex(panel.model.findData("gpt-image-1.5"))
    assert panel.model.currentText() == "gpt-image-1.5 (retiring)"
    assert panel.model_warning.isVisible()
    assert "gpt-image-1.5 shuts down on 2026-12-01" in panel.model_warning.text()
    assert panel.switch_model.isVisible()
    assert panel.switch_model.text() == "Use gpt-image-2.6-sunburst"
    assert window.session.settings.model == "gpt-image-1.5"

    panel.switch_model.click()
    assert panel.model.currentData() == "gpt-image-2.6-sunburst"
    assert not panel.model_warning.isVisible() and not panel.switch_model.isVisible()
    assert window.session.settings.model == "gpt-image-2.6-sunburst"

    # Two months before the date, nothing to warn about yet.
    panel.set_models(models, today=dt.date(2026, 10, 1))
    panel.model.setCurrentIndex(panel.model.findData("gpt-image-1.5"))
    assert panel.model.currentText() == "gpt-image-1.5"
    assert not panel.model_warning.isVisible()


# -- 8. streaming off ---------------------------------------------------------------------------


def test_without_previews_the_request_is_not_streamed(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, api_server: FakeOpenAI
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    partials: list[int] = []
    window.session.runEvent.connect(
        lambda e: partials.append(e.image.index) if isinstance(e, PartialArrived) else None
    )
    window.parameters.previews.setChecked(False)
    assert window.session.settings.stream is False
    _generate(qtbot, window, 2)
    sent = [r for r in api_server.requests if r.path == EDITS][-1]
    assert sent.value("stream") in (None, "false")
    assert sent.value("partial_images") in (None, "0")
    assert partials == []
    assert all(window.results.has_result(i) for i in range(2))


# -- 9. classic mode on a server that still serves it --------------------------------------------


def _row_visible(panel_form: QFormLayout, field: QWidget) -> bool:
    for row in range(panel_form.rowCount()):
        item = panel_form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if item is None:
            continue
        nested = item.layout()
        inside = nested is not None and any(
            (child := nested.itemAt(i)) is not None and child.widget() is field
            for i in range(nested.count())
        )
        if item.widget() is field or inside:
            return panel_form.isRowVisible(row)
    raise AssertionError(f"{field.accessibleName()} is in no row")


def test_classic_mode_on_a_legacy_gateway_with_links(
    qtbot: QtBot, make_window: WindowFactory, legacy_server: FakeOpenAI, tmp_path: Path
) -> None:
    window = make_window(legacy_server, size=(1180, 820))
    panel = window.parameters
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    panel.mode.setCurrentIndex(panel.mode.findData(Mode.CLASSIC))
    panel.size_choice.setCurrentIndex(panel.size_choice.findData("256x256"))
    panel.response_format.setCurrentIndex(panel.response_format.findData("url"))

    form = panel._form
    for hidden in (panel.quality, panel.output_format, panel.strength, panel.prompt):
        assert not hidden.isVisible(), hidden.accessibleName()
        assert not _row_visible(form, hidden), hidden.accessibleName()
    assert not panel.previews.isVisible() and not panel.reset_prompt.isVisible()
    assert panel.response_format.isVisible() and _row_visible(form, panel.response_format)
    assert panel.model.currentData() == "dall-e-2"
    assert [panel.size_choice.itemData(i) for i in range(panel.size_choice.count())] == [
        "256x256",
        "512x512",
        "1024x1024",
    ]
    qtbot.waitUntil(
        lambda: window.session.prepared is not None and window.session.prepared.upload.width == 256,
        timeout=10_000,
    )

    _generate(qtbot, window, 2)
    sent = [r for r in legacy_server.requests if r.path == VARIATIONS][-1]
    assert sent.value("size") == "256x256" and sent.value("response_format") == "url"
    assert sent.value("model") == "dall-e-2"
    assert sent.value("prompt") is None and sent.value("stream") is None
    for index in range(2):
        with Image.open(io.BytesIO(window.session.results[index].data)) as image:
            assert image.size == (256, 256)
    assert len(legacy_server.file_requests) == 2
    for download in legacy_server.file_requests:
        assert "authorization" not in download.headers  # links are fetched without the key
    assert "Done: 2 variations" in window.run_status.phase_label.text()


# -- 10. what is remembered ----------------------------------------------------------------------


def test_choices_and_geometry_survive_a_restart_and_the_key_stays_out_of_files(
    qtbot: QtBot,
    make_window: WindowFactory,
    api_server: FakeOpenAI,
    tmp_path: Path,
    isolated_user_folders: Path,
) -> None:
    settings = tmp_path / "settings.json"
    first = make_window(api_server, settings=settings, size=(780, 650))
    # Small enough for a 1366 × 768 laptop, title bar and panel included.
    assert first.minimumSizeHint().height() <= 680
    first.parameters.count.setValue(7)
    first.parameters.strength.setValue(2)
    first.parameters.mode.setCurrentIndex(first.parameters.mode.findData(Mode.EDIT))
    qtbot.waitUntil(lambda: first.size() == QSize(780, 650), timeout=30_000)
    first.close()

    second = make_window(api_server, settings=settings)  # no size: whatever it restores
    restored = second.parameters.settings()
    assert restored.n == 7
    assert restored.strength is Strength.STRONG
    assert second.parameters.prompt.toPlainText() == restored.effective_prompt
    assert "strong" in second.parameters.prompt.toPlainText().lower() or restored.prompt is None
    assert second.size() == QSize(780, 650)

    text = settings.read_text(encoding="utf-8")
    assert json.loads(text)["n"] == 7 and json.loads(text)["strength"] == "strong"
    assert CANARY_KEY not in text
    # The queue and the preferences are written on a worker (a temporary file, then a rename):
    # every write is done before the files are read.
    assert second.session.finish_writes()
    for path in [*tmp_path.rglob("*"), *isolated_user_folders.rglob("*")]:
        if path.is_file():
            assert CANARY_KEY.encode() not in path.read_bytes(), path


# -- 11. the keyboard and screen readers -------------------------------------------------------


def test_arrow_keys_ctrl_c_and_tab_reach_the_results(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 4)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=30_000)
    grid = window.results
    grid.setFocus()
    grid.select(0)
    presses = [
        (Qt.Key.Key_Right, 1), (Qt.Key.Key_Right, 2), (Qt.Key.Key_Left, 1),
        (Qt.Key.Key_Home, 0), (Qt.Key.Key_Right, 1), (Qt.Key.Key_End, 3),
        (Qt.Key.Key_Right, 3),
    ]  # fmt: skip
    for key, expected in presses:
        qtbot.keyClick(grid, key)
        assert grid.selected_index() == expected, key
    qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert grid.selected_index() in (0, 1, 2, 3)

    grid.select(2)
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(grid, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not QGuiApplication.clipboard().image().isNull(), timeout=30_000)
    copied = QGuiApplication.clipboard().image()
    assert not copied.isNull() and copied.width() == 1024 and copied.height() == 1024
    assert "Copied variation 3" in window.run_status.phase_label.text()
    QGuiApplication.clipboard().clear()

    window.generate_button.setFocus()
    qtbot.waitUntil(window.generate_button.hasFocus, timeout=30_000)
    reached = False
    for _ in range(30):
        focused = QApplication.focusWidget()
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        if QApplication.focusWidget() is grid:
            reached = True
            break
    assert reached, "Tab from Generate never reached the results"


def test_every_control_of_the_parameters_has_an_accessible_name(window: MainWindow) -> None:
    panel = window.parameters
    buddies = {
        id(label.buddy()) for label in panel.findChildren(QLabel) if label.buddy() is not None
    }
    kinds = (QAbstractButton, QComboBox, QSpinBox, QSlider, QPlainTextEdit)
    controls = [w for w in panel.findChildren(QWidget) if isinstance(w, kinds)]
    assert len(controls) >= 11
    nameless = [
        f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}"
        for w in controls
        if not w.accessibleName().strip() and id(w) not in buddies
    ]
    assert nameless == []
    assert window.generate_button.accessibleName()
    assert window.results.accessibleName() == "Results"


# -- 12. a run that breaks half-way --------------------------------------------------------------


def test_a_stream_that_breaks_after_a_preview_ends_calmly(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, api_server: FakeOpenAI
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    partials: list[int] = []
    window.session.runEvent.connect(
        lambda e: partials.append(e.image.index) if isinstance(e, PartialArrived) else None
    )
    api_server.inject(Fault("stream_error"), path=EDITS)
    window.parameters.count.setValue(2)
    window.generate_button.click()
    qtbot.waitUntil(
        lambda: window.banner.isVisible() and not window.session.running, timeout=15_000
    )
    assert partials == [0]
    assert window.banner.property("level") == "error"
    assert window.banner.message()
    assert "Traceback" not in window.banner.message()
    assert window.session.results == {}
    assert "The run failed" in window.run_status.phase_label.text()
    assert window.generate_button.isEnabled() and window.commands.generate.isEnabled()
    assert not window.run_status.cancel_button.isVisible()
    assert not window.run_status.progress.isVisible()
    assert api_server.count(EDITS) == 1  # the upload was sent: not silently paid for twice
    assert not window.results.has_result(0) and not window.results.has_result(1)
    from desktop_app.core.library import Outcome

    failed = window.session.library.get().runs()[0]  # the failure is in the history too
    assert failed.outcome is Outcome.FAILED and failed.error and not failed.results

    _generate(qtbot, window, 1)  # and the next run works
    assert window.results.has_result(0)


# -- 13. a dark desktop ------------------------------------------------------------------------


def _dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: QColor(45, 45, 48),
        QPalette.ColorRole.WindowText: QColor(230, 230, 230),
        QPalette.ColorRole.Base: QColor(30, 30, 32),
        QPalette.ColorRole.AlternateBase: QColor(50, 50, 54),
        QPalette.ColorRole.ToolTipBase: QColor(60, 60, 64),
        QPalette.ColorRole.ToolTipText: QColor(230, 230, 230),
        QPalette.ColorRole.PlaceholderText: QColor(150, 150, 150),
        QPalette.ColorRole.Text: QColor(230, 230, 230),
        QPalette.ColorRole.Button: QColor(55, 55, 58),
        QPalette.ColorRole.ButtonText: QColor(230, 230, 230),
        QPalette.ColorRole.BrightText: QColor(255, 90, 90),
        QPalette.ColorRole.Light: QColor(80, 80, 84),
        QPalette.ColorRole.Midlight: QColor(65, 65, 68),
        QPalette.ColorRole.Mid: QColor(40, 40, 42),
        QPalette.ColorRole.Dark: QColor(25, 25, 27),
        QPalette.ColorRole.Shadow: QColor(0, 0, 0),
        QPalette.ColorRole.Highlight: QColor(42, 130, 218),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(110, 170, 255),
    }
    for role, colour in colours.items():
        palette.setColor(role, colour)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 120))
    return palette


@pytest.fixture
def dark_desktop(qapp: QApplication) -> Iterator[QPalette]:
    style = qapp.style().name()
    palette = QPalette(qapp.palette())
    fusion = QStyleFactory.create("Fusion")
    assert fusion is not None
    qapp.setStyle(fusion)
    dark = _dark_palette()
    qapp.setPalette(dark)
    try:
        yield dark
    finally:
        qapp.setStyle(style)
        qapp.setPalette(palette)


def _luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.red()) + 0.7152 * channel(colour.green())
            + 0.0722 * channel(colour.blue()))  # fmt: skip


def _contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _grab_settled(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    """A screenshot of what a person would see: the offscreen pointer rests on the Open button,
    whose hover tip would cover the status line; and the status bar lays out first."""
    window.statusBar().clearMessage()
    label = window.run_status.request_label
    qtbot.waitUntil(lambda: label.width() >= label.sizeHint().width(), timeout=30_000)
    window.grab().save(str(path))


def test_a_dark_desktop_keeps_the_window_readable(
    dark_desktop: QPalette,
    qtbot: QtBot,
    window: MainWindow,
    tmp_path: Path,
    api_server: FakeOpenAI,
    screenshots: Path,
) -> None:
    assert _luminance(window.palette().color(QPalette.ColorRole.Window)) < 0.1
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 4)
    qtbot.waitUntil(lambda: window.results.thumbnail(3) is not None, timeout=30_000)
    window.results.select(1)
    words = QMimeData()
    words.setData("text/x-unknown", b"?")
    _drop(window, words)  # a warning in the banner, to see it on a dark window
    assert window.banner.isVisible() and window.banner.property("level") == "warning"
    banner = window.banner.palette()
    assert (
        _contrast(
            banner.color(QPalette.ColorRole.WindowText), banner.color(QPalette.ColorRole.Window)
        )
        >= 4.5
    )
    for label in (window.run_status.phase_label, window.preview.findChild(QLabel)):
        if label is not None:
            colours = label.palette()
            assert (
                _contrast(
                    colours.color(label.foregroundRole()), colours.color(QPalette.ColorRole.Window)
                )
                >= 4.5
            )
    _grab_settled(qtbot, window, screenshots / "window-dark.png")

    api_server.inject(Fault("stream_error"), path=EDITS)
    window.generate_button.click()
    qtbot.waitUntil(
        lambda: (
            window.banner.isVisible()
            and not window.session.running
            and window.banner.property("level") == "error"
        ),
        timeout=15_000,
    )
    banner = window.banner.palette()
    assert (
        _contrast(
            banner.color(QPalette.ColorRole.WindowText), banner.color(QPalette.ColorRole.Window)
        )
        >= 4.5
    )
    _grab_settled(qtbot, window, screenshots / "window-dark-error.png")


# -- a freeze found while writing these tests ----------------------------------------------------

_FREEZE_SCRIPT = """
import io, time
from PIL import Image
from PySide6.QtCore import QRunnable, QThreadPool
from PySide6.QtWidgets import QApplication, QStyle, QStyleFactory
from desktop_app.qt.thumbnails import decode_thumbnail

app = QApplication([])
buffer = io.BytesIO()
Image.new("RGB", (1024, 1024), (10, 200, 30)).save(buffer, "PNG")
data = buffer.getvalue()
pending = [0]

class Decode(QRunnable):
    def run(self):
        decode_thumbnail(data, 200)  # what the results grid does for each arriving image
        pending[0] -= 1

pool = QThreadPool.globalInstance()
end = time.monotonic() + 1.5
while time.monotonic() < end:
    while pending[0] < 4:
        pending[0] += 1
        pool.start(Decode())
    # What MessageBanner.show_message does on the GUI thread (a fresh style: no icon cache).
    QApplication.setStyle(QStyleFactory.create("Fusion"))
    QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
print("finished" if pool.waitForDone(60_000) else "stuck")
"""


def test_a_banner_while_previews_decode_does_not_freeze_the_window(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _FREEZE_SCRIPT],
            cwd=Path(__file__).resolve().parents[2],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,  # a deadlock never ends; a slow machine does
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the GUI thread and a thumbnail decode deadlocked")
    assert done.returncode == 0, done.stderr
    assert "finished" in done.stdout


def test_every_result_is_in_the_library_and_vary_this_keeps_the_lineage(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    from desktop_app.core.library import Outcome

    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 2)
    library = window.session.library.get()
    first = library.runs()[0]
    assert first.outcome is Outcome.SUCCEEDED and first.source_name == "photo.jpg"
    assert [r.path.read_bytes() for r in first.results] == [
        window.session.results[i].data for i in range(2)
    ]
    assert first.request_id and first.usage and first.cost is not None and first.cost > 0

    window.results.varyRequested.emit(1)
    qtbot.waitUntil(
        lambda: (
            window.session.picture is not None
            and window.session.picture.parent_result_id is not None
        ),
        timeout=10_000,
    )
    _generate(qtbot, window, 1)
    child = library.runs()[0]
    assert child.id != first.id
    assert child.parent_result_id == first.results[1].id
    family = library.lineage(child.results[0].id)
    assert [node.result.id for _depth, node in family.walk() if node.result is not None] == [
        first.results[0].id,
        first.results[1].id,
        child.results[0].id,
    ]


def test_the_cost_is_estimated_before_shown_after_and_the_budget_asks_first(
    qtbot: QtBot,
    window: MainWindow,
    tmp_path: Path,
    api_server: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QMessageBox

    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    assert "once the server's models are listed" in window.cost_label.text()
    with qtbot.waitSignal(window.session.modelsLoaded, timeout=10_000):
        window.session.refresh_models()
    window.parameters.count.setValue(2)
    two = window.cost_label.text()
    window.parameters.count.setValue(4)
    four = window.cost_label.text()
    assert two.startswith("Estimated cost: ≈ $") and four != two  # follows the settings
    _generate(qtbot, window, 1)
    assert "· $" in window.run_status.phase_label.text()  # the actual cost, from the returned usage
    runs_before = api_server.count(EDITS)

    asked: list[str] = []

    def refuse(*args: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", refuse)
    window.preferences.monthly_budget = 0.001  # already spent more than that this month
    window.generate_button.click()
    assert asked and "over this month's budget" in asked[0]
    assert not window.session.running and api_server.count(EDITS) == runs_before
    assert "over the monthly budget" in window.run_status.phase_label.text()


def test_the_waiting_queue_survives_a_restart(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    settings = tmp_path / "settings.json"
    first = make_window(api_server, settings=settings)
    photos = [_jpeg(tmp_path / f"photo{i}.jpg") for i in range(3)]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in photos])
    _drop(first, mime)
    qtbot.waitUntil(lambda: first.session.picture is not None, timeout=10_000)
    assert first.session.waiting() == 2
    first.close()

    second = make_window(api_server, settings=settings)
    assert second.session.picture is None and second.session.waiting() == 2
    assert second.source.queue_row.isVisibleTo(second)
    assert "2 more pictures" in second.source.queue_label.text()
    second.source.next_button.click()
    qtbot.waitUntil(lambda: second.session.picture is not None, timeout=10_000)
    assert _picture_label(second) == "photo1.jpg" and second.session.waiting() == 1


def test_history_reopens_saves_and_varies_kept_runs(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, screenshots: Path
) -> None:
    from desktop_app.core import metadata

    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 2)
    first_id = window.session.run_id
    window.commands.history.trigger()
    assert window.history_dock.isVisible()
    panel = window.history_dock.panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.model().rowCount() == 1, timeout=30_000)
    _generate(qtbot, window, 1)
    qtbot.waitUntil(lambda: panel.model().rowCount() == 2, timeout=30_000)
    qtbot.wait(300)  # thumbnails
    window.grab().save(str(screenshots / "window-history.png"))

    assert first_id is not None
    panel.reopenRequested.emit(first_id)
    qtbot.waitUntil(lambda: window.session.run_id == first_id, timeout=30_000)
    assert sorted(window.session.results) == [0, 1]
    assert window.results.result_count() == 2 and "Reopened" in window.banner.message()
    qtbot.waitUntil(
        lambda: (
            window.session.picture is not None
            and window.session.picture.label == "photo.jpg"
            and window.session.waiting() == 0
        ),
        timeout=10_000,
    )

    kept = window.session.library.get().run(first_id)
    assert kept is not None
    with qtbot.waitSignal(window.session.saved, timeout=10_000) as saved:
        panel.saveRequested.emit([r.id for r in kept.results])
    paths = saved.args[0]
    assert len(paths) == 2
    assert {metadata.read(p.read_bytes())["request_id"] for p in paths} == {kept.request_id}

    panel.varyRequested.emit(kept.results[1].id)
    qtbot.waitUntil(
        lambda: (
            window.session.picture is not None
            and window.session.picture.parent_result_id == kept.results[1].id
        ),
        timeout=10_000,
    )
    assert window.session.picture is not None
    assert window.session.picture.label == "photo-v2.png"


def test_a_nearly_full_disk_asks_before_paying(
    qtbot: QtBot,
    window: MainWindow,
    tmp_path: Path,
    api_server: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    from PySide6.QtWidgets import QMessageBox

    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage._replace(free=10 * 1024 * 1024))
    asked: list[str] = []
    answer = QMessageBox.StandardButton.No

    def ask(*args: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return answer

    monkeypatch.setattr(QMessageBox, "question", ask)
    window.generate_button.click()
    assert asked and "Only 10 MB is free on the disk of the library" in asked[0]
    assert not window.session.running and api_server.count(EDITS) == 0
    assert "nearly full" in window.run_status.phase_label.text()

    answer = QMessageBox.StandardButton.Yes  # the person knows better: sent after all
    _generate(qtbot, window, 1)
    assert api_server.count(EDITS) == 1 and len(asked) == 2
