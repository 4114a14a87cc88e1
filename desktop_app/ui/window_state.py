"""Where the window was and how it was split, kept across starts in ``QSettings``.

Apart from the window because it is about the user's screen, not about pictures or runs, and
because its keys must stay stable: a renamed key forgets every user's layout.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter

GEOMETRY = "window/geometry"
HISTORY_SHOWN = "window/history-shown"
# "-v2": the layout changed (the settings now span the full height); an older saved split would
# not fit it.
RESULTS_SPLIT = "window/results-split-v2"
SIDE_SPLIT = "window/side-split-v2"


def restore_geometry(window: QMainWindow) -> None:
    geometry = QSettings().value(GEOMETRY)
    if isinstance(geometry, QByteArray | bytes):
        window.restoreGeometry(QByteArray(geometry))


def save_geometry(window: QMainWindow) -> None:
    QSettings().setValue(GEOMETRY, window.saveGeometry())


def restore_layout(results_split: QSplitter, side_split: QSplitter, history: QDockWidget) -> None:
    settings = QSettings()
    if settings.value(HISTORY_SHOWN) in (True, "true"):
        history.show()
    for key, splitter in ((RESULTS_SPLIT, results_split), (SIDE_SPLIT, side_split)):
        state = settings.value(key)
        if isinstance(state, QByteArray | bytes):
            splitter.restoreState(QByteArray(state))


def save_layout(results_split: QSplitter, side_split: QSplitter, history: QDockWidget) -> None:
    settings = QSettings()
    settings.setValue(RESULTS_SPLIT, results_split.saveState())
    settings.setValue(SIDE_SPLIT, side_split.saveState())
    settings.setValue(HISTORY_SHOWN, history.isVisible())
