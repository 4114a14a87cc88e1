"""The message banner: one colour per level whatever came before, information that clears itself,
and the key prompts that come and go with the key (issue 13, "Feedback that stays true")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.core.keystore import KeyStore
from desktop_app.core.preferences import Preferences
from desktop_app.ui import banner as banner_module
from desktop_app.ui.banner import MessageBanner
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.settings.dialog import SettingsDialog
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI, Fault
from tests.keyring_backends import MemoryBackend

WINDOW = QPalette.ColorRole.Window


def _banner(qtbot: QtBot, window_colour: QColor | None = None) -> MessageBanner:
    """A banner inside a parent, as in the window (the parent's palette is the untinted one)."""
    parent = QWidget()
    if window_colour is not None:
        palette = parent.palette()
        palette.setColor(WINDOW, window_colour)
        palette.setColor(QPalette.ColorRole.WindowText, QColor("white"))
        parent.setPalette(palette)
    qtbot.addWidget(parent)
    _parents.append(parent)  # qtbot closes it but does not keep it alive
    banner = MessageBanner()
    QVBoxLayout(parent).addWidget(banner)
    parent.show()
    return banner


_parents: list[QWidget] = []


@pytest.fixture(autouse=True)
def _release_parents() -> Iterator[None]:
    yield
    _parents.clear()


def _colour(banner: MessageBanner) -> QColor:
    return banner.palette().color(WINDOW)


def _luminance(colour: QColor) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.red())
        + 0.7152 * channel(colour.green())
        + 0.0722 * channel(colour.blue())
    )


def _contrast(a: QColor, b: QColor) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _outlast(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Waits until an information banner shown now has cleared itself: any self-clearing timer
    started before this call (at 1 ms) has fired by then, whatever the machine's speed."""
    monkeypatch.setattr(banner_module, "INFO_CLEARS_AFTER_MS", 50)
    reference = _banner(qtbot)
    reference.show_message("Reference.", level="info")
    qtbot.waitUntil(lambda: not reference.isVisible(), timeout=30_000)


# -- one colour per level -------------------------------------------------------------------------


def test_two_identical_messages_have_identical_colours(qtbot: QtBot) -> None:
    banner = _banner(qtbot)
    banner.show_message("Saved.", level="info")
    info = _colour(banner)
    for _ in range(3):
        banner.show_message("The run failed.", level="error")
    error = _colour(banner)
    banner.show_message("Odd drop.", level="warning")
    banner.show_message("The run failed.", level="error")
    assert _colour(banner) == error
    banner.show_message("Saved.", level="info")
    assert _colour(banner) == info
    assert len({info.name(), error.name(), _colour(banner).name()}) == 2


def test_the_tint_is_mixed_into_the_untinted_palette(qtbot: QtBot) -> None:
    banner = _banner(qtbot, QColor(200, 200, 200))
    banner.show_message("The run failed.", level="error")
    banner.show_message("The run failed.", level="error")
    red, green, blue = banner_module.ACCENTS["error"]
    tint = banner_module.TINT
    expected = QColor(*(round(200 * (1 - tint) + c * tint) for c in (red, green, blue)))
    assert _colour(banner) == expected


@pytest.mark.parametrize("level", ["error", "warning", "info"])
def test_every_level_stays_readable_on_a_dark_desktop(qtbot: QtBot, level: str) -> None:
    banner = _banner(qtbot, QColor(30, 30, 30))
    banner.show_message("Something happened.", level=level)
    assert _luminance(_colour(banner)) < 0.1  # still a dark strip
    text = banner.palette().color(QPalette.ColorRole.WindowText)
    assert _contrast(text, _colour(banner)) >= 4.5


def test_a_theme_switch_retints_the_banner(qtbot: QtBot) -> None:
    banner = _banner(qtbot)
    parent = banner.parentWidget()
    assert parent is not None

    def theme(window: str, text: str) -> None:  # a desktop theme changes both
        palette = parent.palette()
        palette.setColor(WINDOW, QColor(window))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(text))
        parent.setPalette(palette)

    theme("#f0f0f0", "#000000")
    banner.show_message("Odd drop.", level="warning")
    light = _colour(banner)
    theme("#1e1e1e", "#ffffff")
    dark = _colour(banner)
    assert _luminance(dark) < 0.1
    banner.show_message("Odd drop.", level="warning")
    assert _colour(banner) == dark
    theme("#f0f0f0", "#000000")
    assert _colour(banner) == light


# -- information clears itself --------------------------------------------------------------------


def test_information_clears_itself(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(banner_module, "INFO_CLEARS_AFTER_MS", 1)
    banner = _banner(qtbot)
    with qtbot.waitSignal(banner.dismissed, timeout=30_000):
        banner.show_message("Cancelled; 2 images kept.", level="info")
    assert not banner.isVisible() and banner.message() == ""


@pytest.mark.parametrize("level", ["error", "warning"])
def test_errors_and_warnings_stay_until_dismissed(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, level: str
) -> None:
    monkeypatch.setattr(banner_module, "INFO_CLEARS_AFTER_MS", 1)
    banner = _banner(qtbot)
    banner.show_message("Saved.", level="info")
    banner.show_message("The run failed.", level=level)  # replaces the information
    _outlast(qtbot, monkeypatch)
    assert banner.message() == "The run failed."
    banner.close_button.click()
    assert not banner.isVisible()


def test_lasting_information_stays(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(banner_module, "INFO_CLEARS_AFTER_MS", 1)
    banner = _banner(qtbot)
    banner.show_message("Welcome!", level="info", lasting=True)
    _outlast(qtbot, monkeypatch)
    assert banner.message() == "Welcome!"


def test_information_under_the_mouse_waits_for_it_to_leave(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(banner_module, "INFO_CLEARS_AFTER_MS", 1)
    banner = _banner(qtbot)
    banner.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, True)  # as Qt marks a hovered widget
    banner.show_message("Saved.", level="info")
    _outlast(qtbot, monkeypatch)
    assert banner.message() == "Saved."
    banner.setAttribute(Qt.WidgetAttribute.WA_UnderMouse, False)
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=30_000)


def test_a_new_message_replaces_information_and_dismissing_stops_its_clock(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(banner_module, "INFO_CLEARS_AFTER_MS", 1)
    banner = _banner(qtbot)
    banner.show_message("Saved.", level="info")
    banner.on_dismiss()
    dismissals: list[None] = []
    banner.dismissed.connect(lambda: dismissals.append(None))
    _outlast(qtbot, monkeypatch)
    assert dismissals == []  # an already dismissed message is not dismissed again


# -- the key prompts in the window ----------------------------------------------------------------


def _no_key_yet(qtbot: QtBot, window: MainWindow, keyring_backend: MemoryBackend) -> None:
    keyring_backend.store.clear()
    window.session.refresh_models()
    qtbot.waitUntil(lambda: "Welcome" in window.banner.message(), timeout=30_000)


def _store_key_in_settings(monkeypatch: pytest.MonkeyPatch, *, accept: bool) -> None:
    """The Settings dialog as a person uses it: the key is stored (Save), then OK or Cancel."""

    def ask(cls, parent, prefs: Preferences, keystore: KeyStore, runner, *, focus_key=False):  # type: ignore[no-untyped-def]
        keystore.set(prefs.profile().name, CANARY_KEY)
        return prefs if accept else None

    monkeypatch.setattr(SettingsDialog, "ask", classmethod(ask))


def test_the_welcome_prompt_stays_until_a_key_is_stored(
    qtbot: QtBot,
    window: MainWindow,
    keyring_backend: MemoryBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_key_yet(qtbot, window, keyring_backend)
    assert window.banner.topic == "key"
    monkeypatch.setattr(banner_module, "INFO_CLEARS_AFTER_MS", 1)
    with qtbot.waitSignal(window.session.keyMissing, timeout=30_000):
        window.session.refresh_models()  # shown again, with a short clock for information
    _outlast(qtbot, monkeypatch)
    assert "Welcome" in window.banner.message()


@pytest.mark.parametrize("accept", [True, False], ids=["ok", "cancel"])
def test_the_welcome_prompt_goes_when_a_key_is_stored(
    qtbot: QtBot,
    window: MainWindow,
    keyring_backend: MemoryBackend,
    api_server: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    accept: bool,
) -> None:
    _no_key_yet(qtbot, window, keyring_backend)
    _store_key_in_settings(monkeypatch, accept=accept)
    with qtbot.waitSignal(window.session.modelsLoaded, timeout=30_000):
        window.banner.action.click()  # "Open Settings"
        assert not window.banner.isVisible()
    # The model list was asked for with the new key, and the prompt did not come back.
    assert api_server.count("/v1/models") == 1 and not window.banner.isVisible()


def test_settings_closed_without_a_key_keep_the_welcome_prompt(
    qtbot: QtBot,
    window: MainWindow,
    keyring_backend: MemoryBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_key_yet(qtbot, window, keyring_backend)

    def ask(cls, parent, prefs, keystore, runner, *, focus_key=False):  # type: ignore[no-untyped-def]
        return None

    monkeypatch.setattr(SettingsDialog, "ask", classmethod(ask))
    with qtbot.waitSignal(window.session.keyMissing, timeout=30_000):  # checked again
        window.banner.action.click()
    assert "Welcome" in window.banner.message()


def test_a_key_rejected_at_start_up_is_flagged_at_once(
    qtbot: QtBot, window: MainWindow, api_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_server.inject(Fault("invalid_api_key"), path="/v1/models")
    window.session.refresh_models()  # as at start-up, once the window is on screen
    qtbot.waitUntil(window.banner.isVisible, timeout=30_000)
    assert "API key was rejected" in window.banner.message()
    assert window.banner.property("level") == "error" and window.banner.topic == "key"
    assert window.banner.action.text() == "Open Settings"
    assert "401" in window.banner.details.text()
    assert CANARY_KEY not in window.banner.details.text() + window.banner.message()
    asked: list[bool] = []

    def ask(cls, parent, prefs, keystore, runner, *, focus_key=False):  # type: ignore[no-untyped-def]
        asked.append(focus_key)
        return None

    monkeypatch.setattr(SettingsDialog, "ask", classmethod(ask))
    window.banner.action.click()
    assert asked == [True]
