"""One measured start-up, run as a fresh process by ``bench_startup``; not meant to be run by hand.

    python benchmarks/startup_child.py bare|app

The parent puts ``time.time_ns()`` into ``BENCH_SPAWN_NS`` just before it spawns this process.
An event filter on the application waits for the first Expose of the main window's native
window, lets Qt handle it right there (for widgets, Qt paints the whole window and flushes the
backing store while handling the expose), then prints one JSON line and leaves at once with
``os._exit``. Nothing of the product is patched: ``app`` runs the real entry point
(``desktop_app.__main__.main``); only the ``QApplication`` is made here first, exactly as the
entry point would make it, so the filter can be installed before the window exists.

``bare`` is the baseline: a ``QMainWindow`` with a ``QLabel``, shown, painted once.
"""

from __future__ import annotations

import json
import os
import sys
import time

STARTED_NS = time.time_ns()  # the interpreter is up and this script runs

# Modules the window is meant to load only when needed (network, keyring, imaging, asyncio).
WATCHED = (
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "truststore",
    "ssl",
    "certifi",
    "keyring",
    "secretstorage",
    "jeepney",
    "PIL",
    "pillow_heif",
    "asyncio",
    "desktop_app.core.client",
    "desktop_app.core.keystore",
    "desktop_app.core.imaging",
    "desktop_app.core.runner",
    "desktop_app.ui.settings.dialog",
)


def _watched_loaded() -> list[str]:
    return [name for name in WATCHED if name in sys.modules]


def _finish(figures: dict[str, object], complete_ns: int, spawned_ns: int) -> None:
    figures["complete_ms"] = (complete_ns - spawned_ns) / 1e6
    print(json.dumps(figures), flush=True)
    os._exit(0)


def _settle(figures: dict[str, object], complete_ns: int, spawned_ns: int) -> None:
    """The app does its after-paint work (the results mood, the icon, the socket for later
    starts, the first requests) in the same turn of the event loop as ``firstPainted``: the
    next turn sees it done."""
    from PySide6.QtCore import QTimer

    def built() -> None:
        figures["built_ms"] = (time.time_ns() - spawned_ns) / 1e6
        _finish(figures, complete_ns, spawned_ns)

    QTimer.singleShot(0, built)


def main() -> None:
    kind = sys.argv[1]
    spawned_ns = int(os.environ["BENCH_SPAWN_NS"])

    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QWindow
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    qt_ready_ns = time.time_ns()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() != QEvent.Type.Expose or not isinstance(watched, QWindow):
                return False
            main_window = next(
                (w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow)), None
            )
            if main_window is None or main_window.windowHandle() is not watched:
                return False
            exposed_ns = time.time_ns()
            before = _watched_loaded()
            watched.event(event)  # Qt paints every widget and flushes, synchronously, in here
            painted_ns = time.time_ns()
            figures = {
                "kind": kind,
                "total_ms": (painted_ns - spawned_ns) / 1e6,
                "interpreter_ms": (STARTED_NS - spawned_ns) / 1e6,
                "qt_init_ms": (qt_ready_ns - STARTED_NS) / 1e6,
                "until_expose_ms": (exposed_ns - qt_ready_ns) / 1e6,
                "paint_ms": (painted_ns - exposed_ns) / 1e6,
                "modules_before_paint": before,
                "modules_after_paint": _watched_loaded(),
            }
            complete = getattr(main_window, "firstPainted", None)
            if complete is None:  # the bare window is complete when it first paints
                _finish(figures, painted_ns, spawned_ns)
            else:  # the app's frame paints first; its panels follow (firstPainted)
                complete.connect(lambda: _settle(figures, time.time_ns(), spawned_ns))
            app.removeEventFilter(self)
            return True

    first_paint = FirstPaint()
    app.installEventFilter(first_paint)

    if kind == "bare":
        from PySide6.QtWidgets import QLabel

        window = QMainWindow()
        window.setWindowTitle("Bare")
        window.setCentralWidget(QLabel("Hello"))
        window.resize(1180, 820)  # the size the app opens at
        window.show()
        app.exec()
    elif kind == "app":
        from desktop_app.__main__ import main as app_main

        app_main([])
    else:
        raise SystemExit(f"unknown kind {kind!r}")
    print(json.dumps({"kind": kind, "error": "the event loop ended before a paint"}), flush=True)
    os._exit(1)


if __name__ == "__main__":
    main()
