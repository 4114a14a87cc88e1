"""A second process for ``test_single_instance``: another start of the app, or a window that
listens and is then killed.

    python -m tests.qt.single_instance_child hand-over NAME [PICTURE ...]
        prints {"handed": bool, "ms": float}
    python -m tests.qt.single_instance_child listen NAME
        prints {"listening": bool} and serves until killed (at most 60 s)
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str]) -> int:
    command, name, *pictures = argv
    if command == "hand-over":
        from desktop_app.qt.single_instance import hand_over

        started = time.perf_counter()
        handed = hand_over(pictures, name=name)
        print(json.dumps({"handed": handed, "ms": (time.perf_counter() - started) * 1000}))
        return 0
    if command == "listen":
        from PySide6.QtCore import QCoreApplication, QTimer

        from desktop_app.qt.single_instance import InstanceServer

        app = QCoreApplication(sys.argv[:1])
        server = InstanceServer(name)
        print(json.dumps({"listening": server.start()}), flush=True)
        QTimer.singleShot(60_000, app.quit)  # a test that forgets this child must not leak it
        return app.exec()
    raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
