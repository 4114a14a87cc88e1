"""The upload preview: exactly what will be sent, and what the mode would object to."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.core.imaging import Square
from desktop_app.core.results import Phase, PhaseChanged
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.picture.upload_preview import UploadPreview
from tests.ui.conftest import _generate, _jpeg, _load

DESCRIPTION = "1024 × 1024 JPEG, 180 KB"

# A top-level widget with a layout passes its size limits to the window; the offscreen
# platform used in tests can't, and says so. Not a fault of the widget.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


def upload_image(side: int = 1024) -> QImage:
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("#bfe3ff"))
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#ff9f1c"))
    painter.drawEllipse(QPointF(side * 0.5, side * 0.45), side * 0.3, side * 0.3)
    painter.fillRect(0, int(side * 0.8), side, side - int(side * 0.8), QColor("#2e7d32"))
    painter.end()
    return image


@pytest.fixture
def preview(qtbot: QtBot) -> UploadPreview:
    widget = UploadPreview()
    qtbot.addWidget(widget)
    widget.resize(240, 320)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def named(widget: QWidget, name: str) -> list[QWidget]:
    return [w for w in widget.findChildren(QWidget) if w.accessibleName() == name and w.isVisible()]


def test_empty_shows_a_neutral_placeholder(preview: UploadPreview) -> None:
    assert preview.description() == ""
    [thumbnail] = named(preview, "Upload preview")
    assert thumbnail.accessibleDescription() == "No picture yet"
    assert not named(preview, "Upload details")  # nothing to say yet, nothing shown
    assert not preview.grab().isNull()


def test_a_preview_shows_a_selectable_description(preview: UploadPreview) -> None:
    preview.set_preview(upload_image(), DESCRIPTION)
    [details] = named(preview, "Upload details")
    assert isinstance(details, QLabel)
    assert details.text() == DESCRIPTION == preview.description()
    assert details.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    [thumbnail] = named(preview, "Upload preview")
    assert thumbnail.accessibleDescription() == DESCRIPTION
    assert thumbnail.width() == thumbnail.height()
    preview.set_preview(None, "The picture couldn't be prepared.")  # a reason, not a size
    assert preview.description() == "The picture couldn't be prepared."
    assert thumbnail.accessibleDescription() == "No picture yet"
    preview.set_preview(None, "")
    assert not named(preview, "Upload details")


def test_busy_says_preparing_then_restores(preview: UploadPreview) -> None:
    preview.set_preview(upload_image(), DESCRIPTION)
    preview.set_busy(True)
    assert preview.description() == "Preparing…"
    preview.set_busy(False)
    assert preview.description() == DESCRIPTION
    preview.set_busy(True)
    preview.set_preview(upload_image(512), "512 × 512 PNG, 90 KB")  # arrives while still busy
    preview.set_busy(False)
    assert preview.description() == "512 × 512 PNG, 90 KB"


def test_an_upload_will_be_sent_until_a_run_has_sent_it(preview: UploadPreview) -> None:
    preview.set_upload(upload_image(), DESCRIPTION)
    assert preview.description() == f"Will send: {DESCRIPTION}"
    [thumbnail] = named(preview, "Upload preview")
    assert thumbnail.accessibleDescription() == f"Will send: {DESCRIPTION}"
    preview.on_run_started(4)
    preview.on_run_event(PhaseChanged(Phase.CONNECTING))
    preview.on_run_event(PhaseChanged(Phase.UPLOADING))
    assert preview.description() == f"Will send: {DESCRIPTION}"  # not on the server yet
    preview.on_run_event(PhaseChanged(Phase.WAITING))  # the request is sent
    assert preview.description() == f"Sent: {DESCRIPTION}" == thumbnail.accessibleDescription()
    assert preview.is_sent()
    preview.on_run_event(PhaseChanged(Phase.RECEIVING))
    assert preview.description() == f"Sent: {DESCRIPTION}"
    # Another run of the same upload: "Will send" again until it is on the server.
    preview.on_run_started(4)
    assert preview.description() == f"Will send: {DESCRIPTION}"
    preview.on_run_event(PhaseChanged(Phase.WAITING))
    # A new square or setting is a new upload: nothing has sent that one.
    preview.set_busy(True)
    assert preview.description() == "Preparing…"
    preview.set_upload(upload_image(512), "512 × 512 PNG, 90 KB")
    preview.set_busy(False)
    assert preview.description() == "Will send: 512 × 512 PNG, 90 KB"
    preview.set_sent(True)
    assert preview.description() == "Sent: 512 × 512 PNG, 90 KB"
    preview.set_sent(False)
    assert preview.description() == "Will send: 512 × 512 PNG, 90 KB"
    # A reason the upload couldn't be made is no upload: no "Will send" before it.
    preview.set_preview(None, "The picture couldn't be prepared.")
    assert preview.description() == "The picture couldn't be prepared."


def test_a_run_started_while_its_upload_is_prepared_says_sent_when_it_comes(
    preview: UploadPreview,
) -> None:
    preview.set_upload(upload_image(), DESCRIPTION)
    preview.set_busy(True)  # Ctrl+Return right after a change: the run prepares the same upload
    preview.on_run_started(1)
    preview.on_run_event(PhaseChanged(Phase.WAITING))
    preview.set_upload(upload_image(512), "512 × 512 PNG, 90 KB")
    preview.set_busy(False)
    assert preview.description() == "Sent: 512 × 512 PNG, 90 KB"


def test_a_change_during_a_run_is_not_what_the_run_sent(preview: UploadPreview) -> None:
    preview.set_upload(upload_image(), DESCRIPTION)
    preview.on_run_started(1)
    preview.set_busy(True)  # the square moved while the run was connecting
    preview.set_upload(upload_image(512), "512 × 512 PNG, 90 KB")
    preview.set_busy(False)
    preview.on_run_event(PhaseChanged(Phase.WAITING))  # the run sent the one before
    assert preview.description() == "Will send: 512 × 512 PNG, 90 KB"


def test_the_window_says_will_send_before_a_run_and_sent_after(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    before = window.preview.description()
    assert before.startswith("Will send: 1024 × 1024 ")  # then the format and the size
    assert before.endswith(" KB")
    seen: list[str] = []
    window.session.runStarted.connect(lambda _n: seen.append(window.preview.description()))
    _generate(qtbot, window, 1)
    assert seen == [before]  # as the run starts, nothing has been sent yet
    assert window.preview.description() == before.replace("Will send: ", "Sent: ", 1)
    window.parameters.count.setValue(2)  # the count changes nothing in the upload
    assert window.preview.description().startswith("Sent: ")
    # A new square is a new upload: it will be sent by the next run, not by the last one.
    window.crop_view.set_crop(Square(0, 0, 500))
    qtbot.waitUntil(
        lambda: window.session.crop == Square(0, 0, 500) and window.session.prepared is not None,
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: window.preview.description().startswith("Will send: "), timeout=30_000)


def test_warnings_come_with_icons_and_go_away(qtbot: QtBot, preview: UploadPreview) -> None:
    preview.set_preview(upload_image(), DESCRIPTION)
    preview.set_warnings(["Classic mode needs a square PNG under 4 MB.", "Only DALL·E 2 here."])
    assert preview.warnings() == [
        "Classic mode needs a square PNG under 4 MB.",
        "Only DALL·E 2 here.",
    ]
    texts = named(preview, "Upload warning")
    icons = named(preview, "Warning")
    assert [w.text() for w in texts if isinstance(w, QLabel)] == preview.warnings()
    assert len(icons) == 2
    assert all(isinstance(i, QLabel) and not i.pixmap().isNull() for i in icons)
    assert all(isinstance(t, QLabel) and t.wordWrap() for t in texts)
    preview.set_warnings(["Only one now."])
    qtbot.waitUntil(lambda: len(named(preview, "Upload warning")) == 1, timeout=30_000)
    preview.set_warnings([])
    assert preview.warnings() == []
    assert not named(preview, "Upload warnings")


def test_screenshots_look_right(qtbot: QtBot, screenshots: Path) -> None:
    """Four states side by side: empty, ready, ready with warnings, preparing."""
    strip = QWidget()
    qtbot.addWidget(strip)
    layout = QVBoxLayout(strip)
    row = QWidget(strip)
    layout.addWidget(row)
    row_layout = QHBoxLayout(row)
    previews = [UploadPreview(row) for _ in range(4)]
    for widget in previews:
        widget.setFixedWidth(220)
        row_layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignTop)
    previews[1].set_preview(upload_image(), DESCRIPTION)
    previews[2].set_preview(upload_image(), "1024 × 1024 PNG, 5.1 MB")
    previews[2].set_warnings(
        [
            "Classic mode needs a PNG under 4 MB; this one is 5.1 MB.",
            "Only one variation at a time.",
        ]
    )
    previews[3].set_preview(upload_image(), DESCRIPTION)
    previews[3].set_busy(True)
    strip.show()
    qtbot.waitExposed(strip)
    assert strip.grab().save(str(screenshots / "upload_preview.png"))


def test_a_see_through_border_shows_the_checkerboard(preview: UploadPreview) -> None:
    image = QImage(400, 400, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)  # a zoom out's border, to be painted by the model
    painter = QPainter(image)
    painter.fillRect(100, 100, 200, 200, QColor("#2e7d32"))
    painter.end()
    preview.set_upload(image, DESCRIPTION)
    thumbnail = preview._thumbnail.grab().toImage()
    colours = {thumbnail.pixelColor(x, y).name() for x in range(2, 40) for y in range(2, 40)}
    assert {"#cccccc", "#f5f5f5"} <= colours  # both squares of the board, not the background
