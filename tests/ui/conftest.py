"""Fixtures for the window's tests: the real window against the local API server, and helpers
that drive it like a person would (drop a file, press Ctrl+Return)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from desktop_app.app import build_window
from desktop_app.core.keystore import KeyStore
from desktop_app.core.preferences import PreferencesStore
from desktop_app.ui.main_window import MainWindow
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI
from tests.keyring_backends import MemoryBackend

WindowFactory = Callable[..., MainWindow]


def _jpeg(path: Path, size: tuple[int, int] = (900, 600)) -> Path:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste((200, 40, 40), (0, 0, size[0] // 3, size[1] // 3))
    image.save(path, "JPEG", quality=90)
    return path


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("IMAGE_VARIATIONS_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def keyring_backend() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def make_window(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    keyring_backend: MemoryBackend,
) -> Iterator[WindowFactory]:
    """Builds the real window against ``server``, with the canary key in a test keyring and the
    preferences in ``settings`` (default: tmp_path/settings.json, saving into tmp_path/saved).
    Every window made is closed at the end of the test."""
    made: list[MainWindow] = []

    def make(
        server: FakeOpenAI, *, settings: Path | None = None, size: tuple[int, int] | None = None
    ) -> MainWindow:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        keystore = KeyStore(backend=keyring_backend, environ={"OPENAI_BASE_URL": server.base_url})
        keystore.set("OpenAI", CANARY_KEY)
        path = settings or tmp_path / "settings.json"
        store = PreferencesStore(path)
        if not path.exists():
            prefs = store.load()
            prefs.save_folder = str(tmp_path / "saved")
            store.save(prefs)
        win = build_window(store=store, keystore=keystore)
        win.confirm_quit = lambda _text: True  # a test closing mid-batch means to
        qtbot.addWidget(win)
        if size is not None:
            win.resize(*size)
        win.show()
        qtbot.waitExposed(win)
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()
        win.session.library.close()  # the app's process ends here; a test's goes on


@pytest.fixture
def window(make_window: WindowFactory, api_server: FakeOpenAI) -> MainWindow:
    return make_window(api_server, size=(1180, 820))


def _drop(window: MainWindow, mime: QMimeData) -> None:
    event = QDropEvent(
        QPointF(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def _load(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    _drop(window, mime)
    qtbot.waitUntil(lambda: window.session.picture is not None, timeout=10_000)
    qtbot.waitUntil(lambda: window.session.prepared is not None, timeout=10_000)


def _generate(qtbot: QtBot, window: MainWindow, n: int = 4) -> None:
    window.parameters.count.setValue(n)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: not window.session.running and len(window.session.results) == n, timeout=20_000
    )
