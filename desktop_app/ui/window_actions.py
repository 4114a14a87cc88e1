"""The window's commands: one ``QAction`` each, with shortcut, tooltip and icon; the toolbar,
the menu bar (``menus``) and a visible keyboard focus on Generate.

Kept in one place so that the keyboard map (UX.md: Ctrl+O, Ctrl+V, Ctrl+Return, Esc, Ctrl+S,
Ctrl+Shift+S, Ctrl+C, Ctrl+, Ctrl+H, Ctrl+Q) reads as a list; the window only connects them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QAction, QImage, QKeySequence, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QToolBar,
)

if TYPE_CHECKING:
    from desktop_app.qt.tasks import TaskRunner
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.menus import Menus

# QKeySequence.StandardKey.Preferences is empty on Linux and Windows, so the settings get the
# macOS convention everywhere.
SETTINGS_SHORTCUT = "Ctrl+,"
QUIT_SHORTCUT = "Ctrl+Q"
FOCUS_RING_WIDTH = 2.0  # logical pixels


@dataclass(frozen=True)
class WindowActions:
    open: QAction
    paste: QAction
    generate: QAction
    cancel: QAction
    save: QAction
    save_all: QAction
    copy: QAction
    region: QAction
    settings: QAction
    history: QAction
    batch: QAction
    quit: QAction

    def furnish(self, window: MainWindow, runner: TaskRunner) -> Menus:
        """The desktop touches, once the window is built and wired: the menu bar; "Will send"
        turning into "Sent" in the upload preview; a visible keyboard focus on Generate."""
        from desktop_app.ui.menus import build_menus

        session = window.session

        def where_the_key_is() -> str:  # on a worker: the keyring may ask D-Bus
            from desktop_app.ui.help import key_whereabouts

            store = session.keystore
            return key_whereabouts(store.describe_backend(), store.environment_override())

        menus = build_menus(window, self, key_whereabouts=where_the_key_is, runner=runner)
        window.preview.follow(session)
        show_keyboard_focus(window.generate_button)
        return menus


def build_actions(window: QMainWindow, history: QDockWidget, batch: QDockWidget) -> WindowActions:
    """Makes the actions (window-wide shortcuts; Copy is for the results grid to take, so
    that text fields keep their own) and the toolbar."""
    style = window.style()

    def action(
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
        tip: str,
        icon: QStyle.StandardPixmap | None = None,
    ) -> QAction:
        act = QAction(text, window)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            act.setIcon(style.standardIcon(icon))
        shown = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        act.setToolTip(f"{tip} ({shown})" if shown else tip)
        act.setStatusTip(tip)
        window.addAction(act)
        return act

    open_action = action(
        "&Open…",
        QKeySequence.StandardKey.Open,
        "Open pictures",
        QStyle.StandardPixmap.SP_DialogOpenButton,
    )
    paste = action("&Paste", QKeySequence.StandardKey.Paste, "Paste a picture or copied files")
    generate = action("&Generate", "Ctrl+Return", "Make the variations")
    generate.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    cancel = action("Ca&ncel", QKeySequence.StandardKey.Cancel, "Stop the request")
    save = action(
        "&Save",
        QKeySequence.StandardKey.Save,
        "Save the selected variation",
        QStyle.StandardPixmap.SP_DialogSaveButton,
    )
    save_all = action("Save &all…", "Ctrl+Shift+S", "Save every variation")
    copy = action("&Copy", None, "Copy the selected variation")
    copy.setShortcut(QKeySequence.StandardKey.Copy)
    copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    region = action("Vary a &Region…", "Ctrl+R", "Paint the part of the picture that may change")
    settings = action("Se&ttings…", SETTINGS_SHORTCUT, "Connection profiles, API keys, folders")
    settings.setMenuRole(QAction.MenuRole.PreferencesRole)

    def showing(dock: QDockWidget, text: str, key: str, tip: str, status: str) -> QAction:
        """The action that shows and hides ``dock``, with a window-wide shortcut."""
        act = dock.toggleViewAction()
        act.setText(text)
        act.setShortcut(QKeySequence(key))
        act.setToolTip(f"{tip} ({key})")
        act.setStatusTip(status)
        window.addAction(act)
        return act

    history_action = showing(
        history, "&History", "Ctrl+H", "Every run kept in the library",
        "Every run kept in the library: reopen, save, vary",
    )  # fmt: skip
    batch_action = showing(
        batch, "&Batch", "Ctrl+B", "Many pictures, varied unattended",
        "The batch queue: every picture waiting, Run all, pause, retry",
    )  # fmt: skip
    # The platform's Quit key where it has one (Ctrl+Q on GNOME and KDE); Windows and Qt's
    # generic theme have none, and UX.md promises Ctrl+Q everywhere.
    quit_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
    quit_action = action(
        "&Quit", quit_keys[0] if quit_keys else QUIT_SHORTCUT, "Quit Image Variations"
    )
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)

    toolbar = QToolBar("Main")
    toolbar.setObjectName("main-toolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addAction(open_action)
    toolbar.addAction(paste)
    toolbar.addSeparator()
    toolbar.addAction(history_action)
    toolbar.addAction(batch_action)
    toolbar.addAction(settings)
    window.addToolBar(toolbar)
    return WindowActions(
        open=open_action,
        paste=paste,
        generate=generate,
        cancel=cancel,
        save=save,
        save_all=save_all,
        copy=copy,
        region=region,
        settings=settings,
        history=history_action,
        batch=batch_action,
        quit=quit_action,
    )


class _FocusFrame(QObject):
    """Draws a focus ring on a push button whose style shows no keyboard focus there: Fusion
    draws a default button with the same highlighted outline, focused or not."""

    def __init__(self, button: QPushButton) -> None:
        super().__init__(button)
        self._button = button
        self._needed: dict[tuple[str, bool], bool] = {}
        button.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        button = self._button
        if watched is not button or event.type() != QEvent.Type.Paint:
            return False
        assert isinstance(event, QPaintEvent)
        button.paintEvent(event)  # the button as the style draws it, then the frame on top
        option = QStyleOptionButton()
        button.initStyleOption(option)
        state = option.state
        keyboard = QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_KeyboardFocusChange
        if (state & keyboard) == keyboard and self._style_hides_focus(option):
            # A ring in the palette's highlight colour (light and dark themes alike), inside
            # the outline the style draws for the default button.
            painter = QPainter(button)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            colour = button.palette().color(QPalette.ColorRole.Highlight)
            painter.setPen(QPen(colour, FOCUS_RING_WIDTH))
            inset = 1 + FOCUS_RING_WIDTH / 2
            painter.drawRoundedRect(
                QRectF(button.rect()).adjusted(inset, inset, -inset, -inset), 2, 2
            )
            painter.end()
        return True

    def _style_hides_focus(self, option: QStyleOptionButton) -> bool:
        """Whether the style draws this button the same with and without keyboard focus."""
        style = self._button.style()
        is_default = bool(option.features & QStyleOptionButton.ButtonFeature.DefaultButton)
        key = (f"{style.name()}:{id(style)}", is_default)
        if key not in self._needed:
            self._needed[key] = self._render(option, True) == self._render(option, False)
        return self._needed[key]

    def _render(self, option: QStyleOptionButton, focused: bool) -> QImage:
        drawn = QStyleOptionButton(option)
        drawn.state = (
            option.state | QStyle.StateFlag.State_HasFocus
            if focused
            else option.state & ~QStyle.StateFlag.State_HasFocus
        )
        image = QImage(option.rect.size(), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QPainter(image)
        self._button.style().drawControl(
            QStyle.ControlElement.CE_PushButton, drawn, painter, self._button
        )
        painter.end()
        return image


def show_keyboard_focus(button: QPushButton) -> None:
    """Makes keyboard focus on ``button`` visible where the style would not show it (a
    default button in Fusion); styles that show it keep their own look."""
    if button.findChild(_FocusFrame) is None:
        _FocusFrame(button)
