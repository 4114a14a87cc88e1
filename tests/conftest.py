"""Fixtures shared by every test: a real local API server, a canary key, isolated folders, and
a guard that no thread outlives the test that started it."""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from PySide6.QtCore import QSettings, QThread, QThreadPool

from tests.fake_openai import FakeOpenAI

# Pass or fail never depends on machine speed: no property test has a per-example deadline
# (Hypothesis's default is 200 ms), and none fails for generating slowly on a busy machine.
# A spinning example is still caught, by the per-test pytest-timeout backstop.
settings.register_profile(
    "machine-speed-free", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("machine-speed-free")

# A key that must never show up in a log line, a message, a file or a repr.
CANARY_KEY = "sk-canary-7f3c9e1d4b2a80665e11"

# How long a thread still stopping after teardown may take before it counts as left running: a
# join with this deadline, so a clean test pays nothing. (The fake server joins its own handler
# threads for at most 0.8 s; a loaded CI machine needs some room beyond that.)
THREAD_GRACE_SECONDS = 3.0
# Threads that belong to the session, not to the test that happened to start them first.
SESSION_THREAD_PREFIXES = (
    "imaging-resize",  # desktop_app/core/imaging/resampling.py: one shared pool, kept for reuse
)


@pytest.fixture(autouse=True)
def isolated_user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test may touch the real user's folders, settings or keychain."""
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        folder = home / name.lower()
        folder.mkdir()
        monkeypatch.setenv(name, str(folder))
    monkeypatch.setenv("XDG_PICTURES_DIR", str(home / "Pictures"))
    # Qt reads the config folder once per process: without this, a window's remembered state
    # (its geometry, History shown) would follow the next tests into their windows.
    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, str(home / "xdg_config_home"))
    if not os.environ.get("IMAGE_VARIATIONS_REAL_KEYRING"):
        # Without the throwaway Secret Service, a stray keyring call must fail loudly.
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(autouse=True)
def no_thread_outlives_its_test(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fails a test that leaves running, after its teardown, a Python thread or a ``QThread``
    it started, or work in a ``QThreadPool`` it used or in the global one (after napari's
    ``_dangling_qthreads``).

    Autouse and defined here, so it is set up before and torn down after every fixture the test
    asks for: the fake servers, windows and runners have all been stopped by then."""
    before = set(threading.enumerate())
    qthreads: weakref.WeakSet[QThread] = weakref.WeakSet()
    pools: weakref.WeakSet[QThreadPool] = weakref.WeakSet()
    global_pool = QThreadPool.globalInstance()
    if global_pool.activeThreadCount() == 0:  # else an earlier test was blamed for it already
        pools.add(global_pool)
    _record_calls(monkeypatch, QThread, "start", qthreads)
    _record_calls(monkeypatch, QThreadPool, "start", pools)
    _record_calls(monkeypatch, QThreadPool, "tryStart", pools)
    yield
    deadline = time.monotonic() + THREAD_GRACE_SECONDS
    left = [
        f"thread {thread.name!r} (target {getattr(thread, '_target', None)!r})"
        for thread in threading.enumerate()
        if thread not in before and not _joined(thread, deadline)
    ]
    left += [f"QThread {thread!r}" for thread in list(qthreads) if not _waited(thread, deadline)]
    for pool in list(pools):
        if not _waited(pool, deadline):
            name = "the global QThreadPool" if pool is global_pool else repr(pool)
            left.append(f"{pool.activeThreadCount()} task(s) in {name}")
    if left:
        pytest.fail(
            f"still running {THREAD_GRACE_SECONDS:g} s after the test ended: " + "; ".join(left),
            pytrace=False,
        )


def _record_calls(
    monkeypatch: pytest.MonkeyPatch, cls: type, name: str, seen: weakref.WeakSet[Any]
) -> None:
    """Patches ``cls.name`` to add the object it is called on to ``seen`` first."""
    original = getattr(cls, name)

    def record(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.add(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, record)


def _joined(thread: threading.Thread, deadline: float) -> bool:
    """True when ``thread`` has ended by ``deadline`` or belongs to the session."""
    # A thread Python did not start (a QThread that ran Python code) is covered by its QThread.
    if isinstance(thread, threading._DummyThread) or thread is threading.main_thread():
        return True
    if thread.name.startswith(SESSION_THREAD_PREFIXES):
        return True
    thread.join(max(0.0, deadline - time.monotonic()))
    return not thread.is_alive()


def _waited(thread_or_pool: QThread | QThreadPool, deadline: float) -> bool:
    """True when the QThread has finished, or the pool has no work left, by ``deadline``."""
    msecs = max(0, round((deadline - time.monotonic()) * 1000))
    try:
        if isinstance(thread_or_pool, QThreadPool):
            return thread_or_pool.waitForDone(msecs)
        return thread_or_pool.wait(msecs)
    except RuntimeError:  # its C++ object is gone: Qt deletes a thread or pool only once done
        return True


@pytest.fixture
def api_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(api_key=CANARY_KEY).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def env(api_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The command line's environment: the local server, the canary key (tests/cli_helpers)."""
    monkeypatch.setenv("OPENAI_BASE_URL", api_server.base_url)
    return {"OPENAI_API_KEY": CANARY_KEY}


@pytest.fixture
def legacy_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(api_key=CANARY_KEY, legacy_gateway=True).start()
    try:
        yield server
    finally:
        server.stop()
