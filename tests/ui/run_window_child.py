"""Runs the real ``run_window`` in a fresh process for ``test_app``; prints what it saw as JSON.

A separate process because ``run_window`` runs (and quits) the application's event loop, which
a test process that goes on using Qt must never do.
"""

from __future__ import annotations

import gc
import json
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.app import run_window
from desktop_app.ui.main_window import MainWindow

if TYPE_CHECKING:
    from desktop_app.core.preferences import Preferences, PreferencesStore
    from desktop_app.qt.tasks import TaskRunner
    from desktop_app.session.session import Session


LATER = (
    "desktop_app.core.adaptation",
    "desktop_app.core.config",
    "desktop_app.core.dialects",
    "desktop_app.core.requests",
    "desktop_app.core.retry",
)


def main() -> None:
    app = QApplication(sys.argv[:1])
    seen: dict[str, object] = {}
    real_attach = MainWindow.attach

    def attach(
        self: MainWindow,
        session: Session,
        runner: TaskRunner,
        store: PreferencesStore,
        preferences: Preferences,
    ) -> None:
        seen["frame painted before attach"] = self._frame_painted
        seen["visible before attach"] = self.isVisible()
        seen["collector on while building"] = gc.isenabled()
        real_attach(self, session, runner, store, preferences)
        # Start-up: the client's configuration and the servers' dialects come after the paint.
        seen["client modules after attach"] = sorted(m for m in LATER if m in sys.modules)

    MainWindow.attach = attach  # type: ignore[method-assign]
    real_finish = MainWindow.finish_building

    def finish_building(self: MainWindow) -> None:
        if not self.built:
            seen["collector on while finishing"] = gc.isenabled()
        real_finish(self)

    MainWindow.finish_building = finish_building  # type: ignore[method-assign]

    announced: list[bool] = []

    def check() -> None:
        windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
        if not windows or not windows[0].attached:
            return
        window = windows[0]
        if not announced:
            announced.append(True)
            print("attached", flush=True)  # a test may start a second instance now
        picture = window.session.picture
        if picture is None or window.parameters.model.count() < 2:
            return
        seen["picture"] = picture.label
        seen["title"] = window.windowTitle()
        seen["collector on once shown"] = gc.isenabled()
        poll.stop()
        window.close()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(20)
    QTimer.singleShot(20_000, app.quit)  # a broken start-up fails the test instead of hanging
    seen["exit code"] = run_window(sys.argv[1:])
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
