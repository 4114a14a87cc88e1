"""What the session tests share: closing a session made without a window."""

from __future__ import annotations

import shiboken6

from desktop_app.core.shared_library import SharedLibrary
from desktop_app.qt.tasks import TaskRunner
from desktop_app.session.session import Session


def close_session(session: Session, runner: TaskRunner, library: SharedLibrary) -> None:
    """Stops the session's tasks and writes, then deletes it here, on the GUI thread. A
    session made without a window has no parent; left to the garbage collector (it is in
    reference cycles through its connected lambdas), it may be deleted on a Qt worker thread,
    which cannot stop its timers: a pending one then fires into freed memory (a segfault in the
    next test's event loop, seen in CI)."""
    assert runner.shutdown(5000)
    session.finish_writes()
    library.close()
    shiboken6.delete(session)
