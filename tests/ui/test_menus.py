"""The menu bar (File, Edit, View, Help) made of the window's own commands, and a keyboard focus
on Generate that a person can see."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.window_actions import _FocusFrame, show_keyboard_focus
from tests.ui.conftest import _jpeg, _load

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


def _items(window: MainWindow) -> dict[str, list[QAction]]:
    """Each menu's title (without "&") and its commands, separators left out."""
    items = {}
    for top in window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        items[top.text().replace("&", "")] = [a for a in menu.actions() if not a.isSeparator()]
    return items


def _portable(action: QAction) -> list[str]:
    return [k.toString(QKeySequence.SequenceFormat.PortableText) for k in action.shortcuts()]


def _standard(key: QKeySequence.StandardKey) -> str:
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText)


def test_the_menus_hold_the_window_commands_in_order(window: MainWindow) -> None:
    act = window.commands
    items = _items(window)
    assert list(items) == ["File", "Edit", "View", "Help"]
    # The toolbar's and the shortcuts' own actions: one thing, never two that could disagree.
    assert items["File"] == [act.open, act.paste, act.save, act.save_all, act.settings, act.quit]
    assert items["Edit"] == [act.copy, act.region, act.generate, act.cancel]
    assert items["View"] == [act.history, act.batch]
    assert items["Help"] == [window.menus.shortcuts, window.menus.about]
    assert [a.text() for a in items["Help"]] == [
        "&Keyboard shortcuts",
        "&About Image Variations",
    ]
    # A mnemonic per menu item, none used twice in one menu.
    for title, actions in items.items():
        letters = [a.text()[a.text().index("&") + 1].lower() for a in actions]
        assert len(set(letters)) == len(letters), title


def test_every_menu_item_carries_the_keyboard_map_of_ux_md(window: MainWindow) -> None:
    act = window.commands
    Std = QKeySequence.StandardKey
    expected = {
        act.open: [_standard(Std.Open)],
        act.paste: [_standard(Std.Paste)],
        act.save: [_standard(Std.Save)],
        act.save_all: ["Ctrl+Shift+S"],
        act.settings: ["Ctrl+,"],
        act.quit: [_standard(Std.Quit) or "Ctrl+Q"],  # no standard Quit key on Windows
        act.copy: [_standard(Std.Copy)],
        act.generate: ["Ctrl+Return", "Ctrl+Enter"],
        act.cancel: [_standard(Std.Cancel)],
        act.history: ["Ctrl+H"],
        act.batch: ["Ctrl+B"],
        window.menus.shortcuts: [_standard(Std.HelpContents)],
    }
    for action, keys in expected.items():
        assert _portable(action) == keys, action.text()
    # On this desktop the standard keys are the ones UX.md names.
    assert [_portable(a)[0] for a in (act.open, act.paste, act.save, act.quit, act.copy)] == [
        "Ctrl+O",
        "Ctrl+V",
        "Ctrl+S",
        "Ctrl+Q",
        "Ctrl+C",
    ]
    assert _portable(act.cancel) == ["Esc"]
    assert act.settings.menuRole() == QAction.MenuRole.PreferencesRole
    assert act.quit.menuRole() == QAction.MenuRole.QuitRole
    assert window.menus.about.menuRole() == QAction.MenuRole.AboutRole


def test_the_menu_bar_fits_beside_a_narrow_window(window: MainWindow) -> None:
    bar = window.menuBar()
    assert bar.isVisible()
    assert bar.sizeHint().width() < 1024
    assert bar.sizeHint().height() < 60


def test_menu_items_do_what_their_buttons_do(window: MainWindow) -> None:
    generate = _items(window)["Edit"][2]
    generate.setEnabled(True)  # as if a picture were loaded: the command still checks
    generate.trigger()
    assert window.banner.message() == "Open or drop a picture first."
    save_all = _items(window)["File"][3]
    save_all.setEnabled(True)  # as if there were results: the command still checks
    save_all.trigger()
    assert window.run_status.currentMessage() == "There are no variations to save yet."
    region = _items(window)["Edit"][1]
    region.trigger()  # no picture yet: it says why instead of opening the tool
    assert not window.source.region.is_painting()
    assert "on a picture" in window.run_status.phase_label.text()


def _tab_to(qtbot: QtBot, target: QWidget, start: QWidget) -> None:
    """Presses Tab from ``start`` until ``target`` has the focus, as a keyboard user would
    (only real key presses make Qt treat the focus as keyboard focus)."""
    start.setFocus()
    qtbot.waitUntil(start.hasFocus, timeout=30_000)
    for _ in range(60):
        focused = QApplication.focusWidget()
        if focused is target:
            return
        assert focused is not None
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target!r}")


def _image(widget: QWidget) -> QImage:
    return widget.grab().toImage()


def test_keyboard_focus_on_generate_can_be_seen(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, screenshots: Path
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    button = window.generate_button
    assert button.isEnabled() and button.isDefault()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=30_000)
    prompt = window.parameters.prompt
    _tab_to(qtbot, prompt, prompt)
    without_focus = _image(button)
    _tab_to(qtbot, button, prompt)
    with_focus = _image(button)
    assert with_focus != without_focus  # Fusion alone draws both the same (the default outline)
    with_focus.save(str(screenshots / "generate-keyboard-focus.png"))
    # Focus leaves: the frame goes with it.
    qtbot.keyClick(button, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: not button.hasFocus(), timeout=30_000)
    assert _image(button) == without_focus


def test_no_second_focus_frame_where_the_style_already_shows_focus(qtbot: QtBot) -> None:
    """A button that is not the default: Fusion shows its keyboard focus itself."""
    box = QWidget()
    qtbot.addWidget(box)
    field = QLineEdit(box)
    button = QPushButton("Other", box)
    layout = QVBoxLayout(box)
    layout.addWidget(field)
    layout.addWidget(button)
    show_keyboard_focus(button)
    show_keyboard_focus(button)  # once is enough
    frames = button.findChildren(_FocusFrame)
    assert len(frames) == 1
    box.show()
    qtbot.waitExposed(box)
    box.activateWindow()
    qtbot.waitUntil(box.isActiveWindow, timeout=30_000)
    _tab_to(qtbot, button, field)
    framed = _image(button)
    button.removeEventFilter(frames[0])
    assert _image(button) == framed  # the style's own focus look, nothing added
