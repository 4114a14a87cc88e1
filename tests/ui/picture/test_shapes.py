"""Shapes and zoom out in the window: the framing view draws a frame of the ratio the model will
be asked for and keeps it through every gesture; the shape bar puts the shape and the zoom out
in the run's settings, the preview, the cost, the request and the record; classic variations
stay square; a region the frame no longer holds is said before Generate."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desktop_app.core.capabilities import capabilities_for
from desktop_app.core.dialects import ServerKind, offers_masks
from desktop_app.core.imaging import Frame, Square
from desktop_app.core.imaging.shape import Shape
from desktop_app.core.models import choose_default_model
from desktop_app.core.variation import Mode, VariationSettings, requested_size
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.picture.crop_view import CropView
from desktop_app.ui.picture.region_overlay import Tool
from desktop_app.ui.picture.shape_bar import ShapeBar
from desktop_app.ui.picture.source_panel import SourcePanel
from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import WindowFactory, _generate, _jpeg, _load

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
FULL = (4000, 3000)
EDITS = "/v1/images/edits"


@pytest.fixture
def view(qtbot: QtBot) -> CropView:
    view = CropView()
    qtbot.addWidget(view)
    view.resize(640, 480)
    preview = QImage(400, 300, QImage.Format.Format_RGB32)
    preview.fill(QColor("#336699"))
    view.set_image(preview, FULL)
    view.show()
    qtbot.waitExposed(view)
    return view


def frame_of(view: CropView) -> Frame:
    crop = view.crop()
    assert isinstance(crop, Frame)
    return crop


def has_ratio(frame: Frame, across: int, down: int) -> bool:
    """Within a pixel of rounding, as the core's fit_frame accepts."""
    return abs(frame.width * down / across - frame.height) <= 1


def on_screen(view: CropView, x: float, y: float) -> QPoint:
    picture = view.picture_rect()
    scale = picture.width() / FULL[0]
    return QPointF(picture.left() + x * scale, picture.top() + y * scale).toPoint()


def test_a_ratio_frames_the_largest_centred_part_and_back_to_square(
    qtbot: QtBot, view: CropView
) -> None:
    with qtbot.waitSignal(view.cropChanged) as changed:
        view.set_ratio((1536, 1024))  # reduced: 3:2
    assert view.ratio() == (3, 2)
    assert changed.args == [Frame(0, 166, 4000, 2667)]
    view.set_ratio((9, 16))
    assert view.crop() == Frame(1156, 0, 1688, 3000)
    # A frame the person chose keeps its centre and area in the new ratio.
    view.set_crop(Frame(100, 100, 900, 1600))
    view.set_ratio((16, 9))  # centred on (550, 900), then moved inside the picture
    assert view.crop() == Frame(0, 450, 1600, 900)
    with qtbot.waitSignal(view.cropChanged) as changed:
        view.set_ratio((1, 1))
    assert changed.args == [Square(200, 300, 1200)]  # a 1:1 frame is handed over as a Square
    view.reset_crop()
    assert view.crop() == Square(500, 0, 3000)


def test_every_gesture_keeps_the_ratio(qtbot: QtBot, view: CropView) -> None:
    view.set_ratio((16, 9))
    start = frame_of(view)
    assert has_ratio(start, 16, 9) and start.width == 4000
    # A corner dragged inwards: the opposite corner stays, the ratio holds.
    corner = on_screen(view, start.x + start.width, start.y + start.height)
    inwards = on_screen(view, 3000, 1800)
    QTest.mousePress(view, LEFT, NONE, corner)
    QTest.mouseMove(view, inwards)
    QTest.mouseRelease(view, LEFT, NONE, inwards)
    dragged = frame_of(view)
    assert (dragged.x, dragged.y) == (start.x, start.y)
    assert dragged.width < start.width and has_ratio(dragged, 16, 9)
    # Moved: same size, inside the picture.
    middle = on_screen(view, dragged.x + dragged.width / 2, dragged.y + dragged.height / 2)
    QTest.mousePress(view, LEFT, NONE, middle)
    QTest.mouseMove(view, middle + QPoint(400, 400))  # far past the picture's corner
    QTest.mouseRelease(view, LEFT, NONE, middle + QPoint(400, 400))
    moved = frame_of(view)
    assert (moved.width, moved.height) == (dragged.width, dragged.height)
    assert moved.x + moved.width == 4000 and moved.y + moved.height == 3000
    # The keyboard: smaller around the centre, nudged, reset.
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Minus)
    smaller = frame_of(view)
    assert smaller.width < moved.width and has_ratio(smaller, 16, 9)
    QTest.keyClick(view, Qt.Key.Key_Left)
    assert frame_of(view).x < smaller.x
    QTest.keyClick(view, Qt.Key.Key_Home)
    assert frame_of(view) == start
    # The smallest frame still has a short side of MIN_SIDE (16) pixels, at the ratio.
    view.set_crop(Frame(100, 100, 2, 1))
    least = frame_of(view)
    assert least.height >= 16 and has_ratio(least, 16, 9)


def test_the_shape_bar_states_the_wish_and_is_square_for_classic(qtbot: QtBot) -> None:
    bar = ShapeBar()
    qtbot.addWidget(bar)
    with qtbot.waitSignal(bar.framingChanged) as changed:
        bar.shape.setCurrentIndex(bar.shape.findData(Shape.WIDE))
        bar.shape.activated.emit(bar.shape.currentIndex())
    assert changed.args == [Shape.WIDE, None]
    bar.set_framing(Shape.PICTURE, 2.0)
    assert bar.framing() == (Shape.PICTURE, 2.0)
    bar.set_framing(Shape.SQUARE, None)
    assert bar.framing() == (Shape.SQUARE, None)
    bar.set_offered(False)
    assert not bar.shape.isEnabled() and not bar.zoom.isEnabled()


def choose(window: MainWindow, shape: Shape, zoom_out: float | None = None) -> None:
    """As a person does: pick in the shape bar's two lists."""
    bar = window.source.shape_bar
    for combo, value in ((bar.shape, shape), (bar.zoom, zoom_out)):
        index = 0 if value is None else combo.findData(value)
        combo.setCurrentIndex(index)
        combo.activated.emit(index)


def wait_prepared(qtbot: QtBot, window: MainWindow, words: str) -> None:
    qtbot.waitUntil(
        lambda: window.session.prepared is not None and words in window.preview.description(),
        timeout=20_000,
    )


def test_a_3_2_run_frames_sends_and_records_3_2(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    window = make_window(api_server, size=(1180, 820))
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg", (1200, 1200)))
    window.session.refresh_models()  # as the app does at start-up
    qtbot.waitUntil(lambda: bool(window.session.models), timeout=10_000)
    choose(window, Shape.LANDSCAPE)
    settings = window.parameters.settings()
    assert settings.shape is Shape.LANDSCAPE
    model = settings.model or choose_default_model(window.session.models, dt.date.today())
    assert model is not None and capabilities_for(model).custom_sizes  # 2.x: to a hair
    size = requested_size(settings, model, (1200, 1200))
    width, height = (int(side) for side in size.split("x"))
    assert abs(width / height - 1.5) < 0.02
    # The frame is drawn at the requested size's ratio, and the window says what is asked.
    crop = window.session.crop
    assert isinstance(crop, Frame) and crop.width == 1200 and has_ratio(crop, width, height)
    assert window.source.shape_bar.size_note.text() == f"→ {width} × {height}"
    wait_prepared(qtbot, window, "KB\n3:2")
    _generate(qtbot, window, 1)
    (request,) = [r for r in api_server.requests if r.path == EDITS]
    assert request.fields["size"] == [size]
    with Image.open(io.BytesIO(request.files[0].data)) as upload:
        assert abs(upload.width / upload.height - width / height) < 0.01
    assert window.results_panel.framing_label.text() == "Varied: 3:2"
    place = window.results.picture_size(0)  # the cells take the pictures' shape
    assert abs(place.width() / place.height() - width / height) < 0.02
    assert window.preferences.shape == "3:2"  # the next session starts with it


def test_zoom_out_sends_a_border_to_fill_and_says_so(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    window = make_window(api_server, size=(1180, 820))
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    choose(window, Shape.SQUARE, 2.0)
    wait_prepared(qtbot, window, "zoom out 2×")
    _generate(qtbot, window, 1)
    (request,) = [r for r in api_server.requests if r.path == EDITS]
    assert request.mask is not None
    with Image.open(io.BytesIO(request.mask.data)) as mask:
        alpha = mask.convert("RGBA").getchannel("A")
    side = alpha.width
    kept = alpha.point(lambda a: 255 if a == 255 else 0).getbbox()
    assert kept == (side // 4, side // 4, side - side // 4, side - side // 4)
    assert window.results_panel.framing_label.text() == "Varied: zoom out 2×"


def test_classic_variations_stay_square_and_keep_the_wish_for_later(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    window = make_window(api_server, size=(1180, 820))
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    choose(window, Shape.TALL)
    assert window.crop_view.ratio() != (1, 1)
    mode = window.parameters.mode
    mode.setCurrentIndex(mode.findData(Mode.CLASSIC))
    assert window.parameters.settings().shape is Shape.SQUARE
    assert window.crop_view.ratio() == (1, 1)
    assert not window.source.shape_bar.shape.isEnabled()
    mode.setCurrentIndex(mode.findData(Mode.EDIT))
    assert window.parameters.settings().shape is Shape.TALL
    assert window.crop_view.ratio() != (1, 1)


def test_a_region_the_frame_no_longer_holds_is_said_before_generate(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    window = make_window(api_server, size=(1180, 820))
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg", (1800, 600)))  # the square: 600..1200
    overlay = window.source.region
    overlay.set_painting(True)
    overlay.set_tool(Tool.RECTANGLE)
    picture = window.crop_view.picture_rect()
    scale = picture.width() / 1800

    def at(x: float, y: float) -> QPoint:
        return QPointF(picture.left() + x * scale, picture.top() + y * scale).toPoint()

    QTest.mousePress(overlay, LEFT, NONE, at(700, 100))
    QTest.mouseMove(overlay, at(900, 300))
    QTest.mouseRelease(overlay, LEFT, NONE, at(900, 300))
    overlay.set_painting(False)
    wait_prepared(qtbot, window, "region")
    assert not window.preview.warnings()
    choose(window, Shape.SQUARE, 2.0)  # the region is still named beside the zoom out
    wait_prepared(qtbot, window, "zoom out 2× · region")
    choose(window, Shape.SQUARE, None)
    window.crop_view.set_crop(Square(1200, 0, 600))  # the frame moves off the region
    qtbot.waitUntil(lambda: bool(window.preview.warnings()), timeout=20_000)
    (warning,) = window.preview.warnings()
    assert "empty inside the square" in warning and "Generate will refuse it" in warning


def test_a_server_without_masks_offers_shapes_but_no_region_or_zoom_out(qtbot: QtBot) -> None:
    panel = SourcePanel()
    qtbot.addWidget(panel)
    preview = QImage(300, 200, QImage.Format.Format_RGB32)
    preview.fill(QColor("#406080"))
    panel.show_picture(preview, (3000, 2000))
    panel.show()
    settings = VariationSettings(shape=Shape.PICTURE)
    assert offers_masks(ServerKind.OPENAI) and not offers_masks(ServerKind.OPENROUTER)
    panel.follow_settings(settings, "gpt-image-2", masks=offers_masks(ServerKind.OPENROUTER))
    assert panel.shape_bar.shape.isEnabled() and not panel.shape_bar.zoom.isEnabled()
    assert not panel.region_tools.isVisible()
    assert panel.crop_view.ratio() == (3, 2)  # the whole picture's, which 2.x makes exactly
    panel.follow_settings(settings, "gpt-image-2", masks=True)
    assert panel.shape_bar.zoom.isEnabled() and panel.region_tools.isVisible()


def test_a_server_known_to_refuse_custom_sizes_gets_the_frame_it_will_be_sent(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    from desktop_app.core.adaptation import CUSTOM_SIZE, Adjustment, ServerRules

    window = make_window(api_server, size=(1180, 820))
    window.session.refresh_models()
    qtbot.waitUntil(lambda: bool(window.session.models), timeout=10_000)
    model = window._model_for(window.parameters.settings())
    # Learnt from an earlier run: this gateway takes only the three standard sizes.
    refused = Adjustment("size", "1360x768", "1536x1024", CUSTOM_SIZE)
    ServerRules.default().learn(api_server.base_url, model, refused)
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg", (1600, 900)))
    choose(window, Shape.WIDE)
    assert window.crop_view.ratio() == (3, 2)  # 1536 x 1024, not 16:9
    assert window.source.shape_bar.size_note.text() == "→ 1536 × 1024"
    _generate(qtbot, window, 1)
    (request,) = [r for r in api_server.requests if r.path == EDITS]
    assert request.fields["size"] == ["1536x1024"]
    with Image.open(io.BytesIO(request.files[0].data)) as upload:
        assert abs(upload.width / upload.height - 1.5) < 0.01


def test_the_shape_and_zoom_out_chosen_are_there_at_the_next_start(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    settings = tmp_path / "settings.json"
    first = make_window(api_server, settings=settings, size=(1180, 820))
    choose(first, Shape.TALL, 2.0)
    assert first.preferences.shape == Shape.TALL.value
    first.close()
    first.session.library.close()

    second = make_window(api_server, settings=settings, size=(1180, 820))
    assert second.source.shape_bar.framing() == (Shape.TALL, 2.0)
    chosen = second.parameters.settings()
    assert (chosen.shape, chosen.zoom_out) == (Shape.TALL, 2.0)
