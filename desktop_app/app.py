"""The composition root: builds the window's objects and wires them. No logic of its own."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop_app import APP_NAME, __version__

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

    from desktop_app.core.keystore import KeyStore
    from desktop_app.core.preferences import Preferences, PreferencesStore
    from desktop_app.ui.main_window import MainWindow


_COLLECT_AGAIN_AFTER_MS = 3000


def run_window(images: Sequence[str] = ()) -> int:
    # Start-up makes objects that live as long as the window (modules, classes, Qt's enums,
    # the widgets): the garbage collector's ~60 passes over them cost ~8 ms before the window
    # was complete, for ~60 KB of small cycles (measured). It is back on after the first
    # paint, with what start-up made set aside for good (those cycles too), so that later
    # passes, on the GUI thread during runs, skip its 45,000 objects.
    gc.disable()
    from desktop_app.qt.single_instance import hand_over

    # A window already runs for this user and settings folder: it takes the pictures.
    if hand_over(images):
        return 0

    from PySide6.QtCore import QCoreApplication, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.qt import feature_scan

    feature_scan.install()  # before the window's modules are imported

    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setDesktopFileName("image-variations")

    from desktop_app.ui.main_window import MainWindow

    # The frame paints first; its panels, the session and the settings file come right after.
    window = MainWindow()
    window.show()

    def furnish() -> None:
        _attach(window)
        if images:
            from desktop_app.qt.single_instance import picture_inputs

            window.open_inputs(picture_inputs(list(images)))
        # The icon (files to read), the door for later starts (QtNetwork), the keyring, the
        # network and the library wait until the panels are on screen.
        window.firstPainted.connect(lambda: app.setWindowIcon(_app_icon()))
        window.firstPainted.connect(lambda: _serve_later_starts(window))
        window.firstPainted.connect(window.session.refresh_models)
        window.firstPainted.connect(window.session.tidy_library)
        # Last: after the window's own after-paint building (connected by attach).
        window.firstPainted.connect(_collect_again)

    def unpainted() -> None:
        """A window not painted by now (started minimised): built and collecting anyway, so
        that a batch left running goes on."""
        if window.attached:
            window.finish_building()
        _collect_again()

    window.framePainted.connect(furnish)
    QTimer.singleShot(_COLLECT_AGAIN_AFTER_MS, unpainted)
    if os.environ.get("IMAGE_VARIATIONS_SMOKE_TEST"):
        _smoke_test(window)
    return app.exec()


def _collect_again() -> None:
    if gc.isenabled():
        return
    gc.freeze()  # start-up's objects: kept for good, never scanned again
    gc.enable()


def _smoke_test(window: MainWindow) -> None:
    """For the standalone build's check in CI: say so once the panels are on screen, then quit
    the normal way (workers stopped, settings written)."""
    from PySide6.QtCore import QTimer

    def shown() -> None:
        print("smoke: main window shown", flush=True)
        QTimer.singleShot(0, window.close)

    window.firstPainted.connect(shown)


def _app_icon() -> QIcon:
    """The app's icon at every size it ships (the window, the task bar, Alt+Tab)."""
    from importlib.resources import files

    from PySide6.QtGui import QIcon

    icon = QIcon()
    # The top-level resources/ folder, installed as desktop_app.resources (see setup.py).
    icons = files("desktop_app.resources") / "icons" / "hicolor"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        icon.addFile(str(icons / f"{size}x{size}" / "apps" / "image-variations.png"))
    return icon


def _serve_later_starts(window: MainWindow) -> None:
    """Later starts and "Open with" hand their pictures to this window."""
    from desktop_app.qt.single_instance import InstanceServer, bring_to_front, picture_inputs

    server = InstanceServer(parent=window)
    if not server.start():
        return  # another window started at the same moment owns the name; this one stays alone

    def on_pictures_received(pictures: list[str]) -> None:
        window.open_inputs(picture_inputs(pictures))
        bring_to_front(window)

    server.picturesReceived.connect(on_pictures_received)


def build_window(
    *, store: PreferencesStore | None = None, keystore: KeyStore | None = None
) -> MainWindow:
    """Everything the window needs, made at once; tests build it the same way with their own
    preferences file and key store."""
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow()
    _attach(window, store=store, keystore=keystore)
    window.finish_building()  # not shown: nothing waits for a first paint
    return window


def _attach(
    window: MainWindow, *, store: PreferencesStore | None = None, keystore: KeyStore | None = None
) -> None:
    """Makes the session, the worker bridge and the preferences, and gives them to the window."""
    from desktop_app.core.library.queue import QueueStore
    from desktop_app.core.preferences import PreferencesStore
    from desktop_app.qt.tasks import TaskRunner
    from desktop_app.session.session import Session

    store = store or PreferencesStore()
    preferences = store.load()
    runner = TaskRunner(window)
    queue = QueueStore(store.path.parent / "queue.json")
    session = Session(runner, keystore, lambda: window.preferences, queue_store=queue)
    session.setParent(window)
    window.attach(session, runner, store, preferences)
    session.restore_queue()

    def open_settings(focus_key: bool) -> None:
        # Loaded when first asked for: it pulls in the HTTP client (for the key check).
        from desktop_app.ui.settings.dialog import SettingsDialog

        edited = SettingsDialog.ask(
            window, window.preferences, session.keystore, runner, focus_key=focus_key
        )
        prompting = window.banner.isVisible() and window.banner.topic == "key"
        if edited is not None:
            window.apply_preferences(edited)
        # Save stores a key at once, even in a dialog then cancelled: the prompt to add one
        # goes as soon as there is one, and the model list, asked for again, checks it.
        if _has_key(session.keystore, window.preferences):
            window.banner.dismiss_topic("key")
        if edited is not None or prompting:
            session.refresh_models()

    window.settingsRequested.connect(open_settings)


def _has_key(keystore: KeyStore, preferences: Preferences) -> bool:
    from desktop_app.core.keystore import KeyStoreError

    try:
        return keystore.get(preferences.profile().name) is not None
    except KeyStoreError:  # unreadable: the model list says so
        return False
