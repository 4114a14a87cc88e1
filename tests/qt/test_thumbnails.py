"""Thumbnails are decoded on pool threads and reach the GUI thread as QImages, newest per key."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QThread, QThreadPool
from PySide6.QtGui import QColor, QImage, QPainter
from pytestqt.qtbot import QtBot

from desktop_app.qt import thumbnails
from desktop_app.qt.thumbnails import ThumbnailLoader, decode_thumbnail


def png_bytes(width: int, height: int, colour: str = "#3366cc") -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6's stubs say the format is bytes, but Qt only accepts str here (bytes raise).
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    return bytes(array.data())


@pytest.fixture(autouse=True)
def pool_drained() -> Iterator[None]:
    yield
    # No decode may outlive its test.
    assert QThreadPool.globalInstance().waitForDone(60_000)


class Gate:
    """Replaces ``decode_thumbnail``: records the calling thread and can hold a decode back."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, held: bool = False) -> None:
        self.threads: list[QThread] = []
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        if not held:
            self.release.set()
        real = thumbnails.decode_thumbnail

        def decode(source: bytes | QImage, side_px: int, *, blurred: bool = False) -> QImage | None:
            self.threads.append(QThread.currentThread())
            self.calls += 1
            self.started.set()
            assert self.release.wait(60)
            return real(source, side_px, blurred=blurred)

        monkeypatch.setattr(thumbnails, "decode_thumbnail", decode)


def test_decode_fits_the_square_and_keeps_the_aspect_ratio() -> None:
    image = decode_thumbnail(png_bytes(1536, 1024), 200)
    assert image is not None
    assert (image.width(), image.height()) == (200, 133)
    assert image.pixelColor(100, 66).name() == "#3366cc"


def test_decode_scales_a_qimage_too_and_blurs_on_request() -> None:
    source = QImage(400, 400, QImage.Format.Format_RGB32)
    source.fill(QColor("black"))
    painter = QPainter(source)
    painter.fillRect(200, 0, 200, 400, QColor("white"))  # a hard edge the blur must soften
    painter.end()
    sharp = decode_thumbnail(source, 100)
    soft = decode_thumbnail(source, 100, blurred=True)
    assert sharp is not None and soft is not None
    assert soft.size() == sharp.size()
    assert sharp.pixelColor(48, 50).lightness() < 10
    assert 10 < soft.pixelColor(48, 50).lightness() < 245


def test_undecodable_bytes_give_none() -> None:
    assert decode_thumbnail(b"this is not a picture", 200) is None


def test_decoding_happens_on_a_pool_thread_and_arrives_on_the_gui_thread(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(monkeypatch)
    loader = ThumbnailLoader()
    received: list[tuple[object, QThread]] = []
    loader.ready.connect(lambda key, image: received.append((key, QThread.currentThread())))
    with qtbot.waitSignal(loader.ready, timeout=30_000) as blocker:
        loader.request("a", png_bytes(64, 64), 32)
    key, image = blocker.args
    assert key == "a" and isinstance(image, QImage) and image.width() == 32
    gui = QThread.currentThread()
    assert gate.threads and all(thread is not gui for thread in gate.threads)
    assert received == [("a", gui)]


def test_a_newer_request_for_the_same_key_wins(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(monkeypatch, held=True)
    loader = ThumbnailLoader()
    received: list[tuple[object, QImage | None]] = []
    loader.ready.connect(lambda key, image: received.append((key, image)))
    loader.request("cell", png_bytes(64, 64, "#ff0000"), 32)
    assert gate.started.wait(60)  # the old one is decoding: it must be dropped on arrival
    loader.request("cell", png_bytes(64, 64, "#00ff00"), 32)
    gate.release.set()
    qtbot.waitUntil(lambda: loader.pending() == 0, timeout=30_000)
    assert QThreadPool.globalInstance().waitForDone(60_000)
    qtbot.wait(20)  # let any stray queued delivery arrive
    assert len(received) == 1
    image = received[0][1]
    assert image is not None and image.pixelColor(16, 16).name() == "#00ff00"


def test_forgotten_requests_deliver_nothing(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate(monkeypatch, held=True)
    loader = ThumbnailLoader()
    with qtbot.assertNotEmitted(loader.ready, wait=50):
        loader.request(1, png_bytes(32, 32), 16)
        loader.request(2, png_bytes(32, 32), 16)
        loader.forget_all()
        gate.release.set()
        assert QThreadPool.globalInstance().waitForDone(60_000)
    assert loader.pending() == 0


def test_a_loader_deleted_while_decoding_is_harmless(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(monkeypatch, held=True)
    loader = ThumbnailLoader()
    loader.request("x", png_bytes(32, 32), 16)
    assert gate.started.wait(60)
    loader.deleteLater()
    del loader
    qtbot.wait(10)  # deleteLater runs
    gate.release.set()
    assert QThreadPool.globalInstance().waitForDone(60_000)
    qtbot.wait(20)  # the delivery arrives and finds no loader: dropped, no crash, no warning


def test_corrupt_bytes_are_delivered_as_none(qtbot: QtBot) -> None:
    loader = ThumbnailLoader()
    with qtbot.waitSignal(loader.ready, timeout=30_000) as blocker:
        loader.request("bad", b"\x89PNG but not really", 64)
    assert blocker.args == ["bad", None]
