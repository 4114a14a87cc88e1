"""The window's start in two steps: what the first paint shows is built before it; the results
mood, the banner and the batch's control after it (or as soon as something needs them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_app.app import _attach
from desktop_app.core.keystore import KeyStore
from desktop_app.core.preferences import Preferences, PreferencesStore, Profile
from desktop_app.core.servers import ServerKind
from desktop_app.qt.intake import PictureInput
from desktop_app.ui.main_window import MainWindow
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI
from tests.keyring_backends import MemoryBackend
from tests.ui.conftest import _jpeg


@pytest.fixture
def attached(
    qtbot: QtBot, tmp_path: Path, api_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    """A window attached as ``run_window`` attaches it: not yet painted."""
    monkeypatch.setenv("OPENAI_BASE_URL", api_server.base_url)
    keystore = KeyStore(backend=MemoryBackend(), environ={"OPENAI_BASE_URL": api_server.base_url})
    keystore.set("OpenAI", CANARY_KEY)
    window = MainWindow()
    qtbot.addWidget(window)
    _attach(window, store=PreferencesStore(tmp_path / "settings.json"), keystore=keystore)
    yield window
    window.close()
    window.session.library.close()


def test_the_results_mood_and_the_banner_wait_for_the_first_paint(
    qtbot: QtBot, attached: MainWindow
) -> None:
    window = attached
    assert window.attached and not window.built
    assert not hasattr(window, "results_panel") and window._banner is None
    with qtbot.waitSignal(window.firstPainted, timeout=10_000):
        window.show()
    qtbot.waitUntil(lambda: window.built, timeout=10_000)
    assert window.moods.indexOf(window.results_panel) == 1
    assert window.run_strip.isHidden()  # until the session's first run
    assert window._banner is None  # nothing to say yet
    window.banner.show_message("Something to say.", level="info")
    central = window.centralWidget()
    assert central is not None and central.layout() is window._central_layout
    assert window._central_layout.indexOf(window.banner) == 0  # over the work area


def test_a_picture_arriving_before_the_first_paint_builds_the_results_mood(
    qtbot: QtBot, attached: MainWindow, tmp_path: Path
) -> None:
    window = attached
    window.open_inputs([PictureInput(path=_jpeg(tmp_path / "early.jpg"))])
    qtbot.waitUntil(lambda: window.session.picture is not None, timeout=10_000)
    assert window.built
    assert window.results_panel.source_label.text().startswith("early.jpg")
    window.finish_building()  # once only: a second call builds nothing more
    assert window.moods.count() == 2


def test_a_batch_panel_open_before_the_first_paint_is_wired_once_built(
    qtbot: QtBot, attached: MainWindow
) -> None:
    window = attached
    window.batch_dock.show()  # as the layout of the last session restores it
    with qtbot.waitSignal(window.firstPainted, timeout=10_000):
        window.show()
    qtbot.waitUntil(lambda: window.built, timeout=10_000)
    panel = window.batch_dock.panel
    assert panel is not None
    assert window.preferences.batch_jobs != 3
    panel.jobs.setValue(3)
    assert window.preferences.batch_jobs == 3  # the panel speaks to the batch's control


def _parts_in_tab_order(window: MainWindow) -> list[str]:
    parts = {
        "banner": window.banner,
        "source": window.source,
        "results": window.results_panel,
        "runs": window.run_strip,
        "settings": window.side,
    }
    seen: list[str] = []
    widget = window.nextInFocusChain()
    while widget is not None and widget is not window:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            for name, part in parts.items():
                if (widget is part or part.isAncestorOf(widget)) and name not in seen:
                    seen.append(name)
        widget = widget.nextInFocusChain()
    return seen


def test_tab_goes_through_the_parts_as_they_read_though_built_later(
    qtbot: QtBot, attached: MainWindow
) -> None:
    window = attached
    with qtbot.waitSignal(window.firstPainted, timeout=10_000):
        window.show()
    qtbot.waitUntil(lambda: window.built, timeout=10_000)
    window.banner.show_message("Something to say.", level="info")  # built last of all
    assert _parts_in_tab_order(window) == ["banner", "source", "results", "runs", "settings"]


def _offers_region(window: MainWindow) -> bool:
    return window.source.region_offered


def test_framing_follows_the_server_once_built_though_skipped_before(
    qtbot: QtBot, tmp_path: Path, api_server: FakeOpenAI
) -> None:
    """Before the first paint framing does not follow the settings and the server (its rules
    and dialects load after it); once built it does: OpenRouter takes no region mask."""
    store = PreferencesStore(tmp_path / "settings.json")
    store.save(
        Preferences(
            profiles=[Profile.of_kind("Router", ServerKind.OPENROUTER)], active_profile="Router"
        )
    )
    keystore = KeyStore(backend=MemoryBackend(), environ={})
    keystore.set("Router", CANARY_KEY)
    window = MainWindow()
    qtbot.addWidget(window)
    _attach(window, store=store, keystore=keystore)
    assert _offers_region(window)  # not followed yet
    with qtbot.waitSignal(window.firstPainted, timeout=10_000):
        window.show()
    qtbot.waitUntil(lambda: window.built, timeout=10_000)
    assert not _offers_region(window)
    window.close()
    window.session.library.close()
