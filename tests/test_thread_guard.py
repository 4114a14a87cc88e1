"""The guard in tests/conftest.py (``no_thread_outlives_its_test``) can fail: a pytest run of a
small file whose tests leave a thread, a QThread and pool work running reports each of them,
and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFTEST = """
import tests.conftest as shared
from tests.conftest import no_thread_outlives_its_test  # noqa: F401 (the guard, autouse)

shared.THREAD_GRACE_SECONDS = 0.4  # the leaks below never end by themselves
"""

TESTS = """
import threading
import time

from PySide6.QtCore import QRunnable, QThread, QThreadPool

stop = threading.Event()


class Waiting(QThread):
    def run(self):
        stop.wait(30)


class WaitingTask(QRunnable):
    def run(self):
        stop.wait(30)


def test_a_python_thread_left_running():
    threading.Thread(target=stop.wait, args=(30,), name="left-behind", daemon=True).start()


def test_a_qthread_left_running():
    global qthread
    qthread = Waiting()
    qthread.start()


def test_global_pool_work_left_running():
    QThreadPool.globalInstance().start(WaitingTask())


def test_private_pool_work_left_running():
    global pool
    pool = QThreadPool()
    pool.start(WaitingTask())


def test_a_thread_stopping_within_the_grace_is_fine():
    threading.Thread(target=time.sleep, args=(0.05,), name="nearly-done").start()


def test_threads_that_are_joined_are_fine():
    thread = threading.Thread(target=time.sleep, args=(0.01,))
    thread.start()
    thread.join()
    qt = QThread()
    qt.start()
    qt.quit()
    assert qt.wait(5000)


def test_threads_left_by_earlier_tests_are_not_blamed_again():
    assert any(t.name == "left-behind" for t in threading.enumerate())
    stop.set()
    assert qthread.wait(5000)
    assert QThreadPool.globalInstance().waitForDone(60_000)
    assert pool.waitForDone(60_000)
"""


def test_the_guard_reports_each_kind_of_leftover_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_leaks.py").write_text(TESTS)
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rE", "-q", "test_leaks.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = done.stdout
    assert done.returncode == 1, out
    assert "7 passed, 4 errors" in out, out
    assert "ERROR test_leaks.py::test_a_python_thread_left_running" in out, out
    assert "ERROR test_leaks.py::test_a_qthread_left_running" in out, out
    assert "ERROR test_leaks.py::test_global_pool_work_left_running" in out, out
    assert "ERROR test_leaks.py::test_private_pool_work_left_running" in out, out
    assert "thread 'left-behind'" in out, out
    assert "QThread <test_leaks.Waiting" in out, out
    assert "1 task(s) in the global QThreadPool" in out, out
    assert "1 task(s) in <PySide6.QtCore.QThreadPool" in out, out
