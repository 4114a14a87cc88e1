"""One window: a later start hands its pictures to the running window over a local socket, a
stale socket from a crashed window does not block start-up, and junk on the socket is ignored.

Other starts are real processes (``tests.qt.single_instance_child``); every socket lives in a
short temp folder of its own, never where the user's window listens."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalSocket
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_app.qt import single_instance
from desktop_app.qt.intake import PictureInput
from desktop_app.qt.single_instance import (
    MAX_MESSAGE_BYTES,
    InstanceServer,
    bring_to_front,
    encode_message,
    hand_over,
    picture_inputs,
    server_name,
)

CHILD = [sys.executable, "-m", "tests.qt.single_instance_child"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def name() -> Iterator[str]:
    """A socket name of this test's own; short, as Unix socket paths must stay under 108 bytes."""
    folder = tempfile.mkdtemp(prefix="iv-")
    yield str(Path(folder) / "socket") if sys.platform != "win32" else Path(folder).name
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def server(qtbot: QtBot, name: str) -> Iterator[InstanceServer]:
    server = InstanceServer(name)
    assert server.start()
    yield server
    server.stop()


def _hand_over_from_child(
    qtbot: QtBot, name: str, *pictures: str, cwd: Path = ROOT
) -> dict[str, object]:
    """Runs another start; the test's event loop keeps turning, so the window can answer."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [*CHILD, "hand-over", name, *pictures],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        qtbot.waitUntil(lambda: child.poll() is not None, timeout=20_000)
        out, err = child.communicate(timeout=5)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def _listening_child(name: str) -> subprocess.Popen[str]:
    """Another window, in its own process, listening on ``name``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [*CHILD, "listen", name], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    try:
        assert json.loads(child.stdout.readline()) == {"listening": True}
    except BaseException:
        _kill(child)
        raise
    return child


def _kill(child: subprocess.Popen[str]) -> None:
    """SIGKILL: like a crash, the window gets no chance to remove its socket file."""
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    if child.stdout is not None:
        child.stdout.close()


def _send_raw(name: str, data: bytes) -> QLocalSocket:
    """Writes ``data`` as another start would; keep the socket until it is written."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    assert socket.waitForConnected(1_000)
    socket.write(data)
    return socket


def test_the_name_follows_the_settings_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = server_name()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other"))
    assert server_name() != first
    assert Path(first).name.startswith("image-variations-")


def test_a_later_start_hands_its_pictures_to_the_window(
    qtbot: QtBot, server: InstanceServer, name: str, tmp_path: Path
) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"")
    other = tmp_path / "other picture.png"
    link = "https://example.com/cat.png"
    with qtbot.waitSignal(server.picturesReceived, timeout=20_000) as blocker:
        seen = _hand_over_from_child(qtbot, name, "photo.jpg", other.as_uri(), link, cwd=tmp_path)
    assert seen["handed"] is True
    assert blocker.args == [[str(tmp_path / "photo.jpg"), str(other), link]]


def test_a_start_without_pictures_only_wakes_the_window(
    qtbot: QtBot, server: InstanceServer, name: str
) -> None:
    with qtbot.waitSignal(server.picturesReceived, timeout=20_000) as blocker:
        assert _hand_over_from_child(qtbot, name)["handed"] is True
    assert blocker.args == [[]]


def test_without_a_window_hand_over_answers_at_once(name: str) -> None:
    started = time.perf_counter()
    assert hand_over(["photo.jpg"], name=name, timeout_ms=60_000) is False
    assert time.perf_counter() - started < 30  # no wait for an answer that cannot come


def test_a_stale_socket_from_a_killed_window_does_not_block_start_up(
    qtbot: QtBot, name: str
) -> None:
    window = _listening_child(name)
    try:
        # While that window lives, this one does not take its name.
        assert InstanceServer(name).start() is False
    finally:
        _kill(window)
    if sys.platform != "win32":
        assert Path(name).exists(), "a killed window leaves its socket file behind"

    started = time.perf_counter()
    assert hand_over(["photo.jpg"], name=name, timeout_ms=60_000) is False
    assert time.perf_counter() - started < 30  # refused at once, not waited out

    server = InstanceServer(name)
    try:
        assert server.start() is True
        with qtbot.waitSignal(server.picturesReceived, timeout=20_000) as blocker:
            assert _hand_over_from_child(qtbot, name, "/tmp/a.png")["handed"] is True
        assert blocker.args == [["/tmp/a.png"]]
    finally:
        server.stop()


def test_a_second_window_with_the_same_name_does_not_listen(
    qtbot: QtBot, server: InstanceServer, name: str
) -> None:
    second = InstanceServer(name)
    assert second.start() is False
    assert not second.listening
    # The probe the second made is no message; the first goes on serving.
    received: list[list[str]] = []
    second.picturesReceived.connect(received.append)
    with qtbot.waitSignal(server.picturesReceived, timeout=30_000) as blocker:
        socket = _send_raw(name, encode_message(["/tmp/b.png"]))
    assert blocker.args == [["/tmp/b.png"]]
    qtbot.waitUntil(lambda: socket.bytesAvailable() > 0 or not socket.isOpen(), timeout=30_000)
    assert socket.readAll().data() == b"ok\n"
    assert received == []


@pytest.mark.parametrize(
    "data",
    [
        b"not json\n",
        b"\xff\xfe\n",
        b'{"v": 2, "pictures": ["/tmp/a.png"]}\n',
        b'{"v": 1, "pictures": "/tmp/a.png"}\n',
        b'{"v": 1, "pictures": [1, 2]}\n',
        b'["v", 1]\n',
        b"[" * 200_000 + b"\n",
        b"a" * (MAX_MESSAGE_BYTES + 10),
        json.dumps({"v": 1, "pictures": ["a" * MAX_MESSAGE_BYTES]}).encode() + b"\n",
    ],
    ids=[
        "text",
        "not utf-8",
        "other version",
        "not a list",
        "not strings",
        "not an object",
        "deeply nested",
        "oversized without a newline",
        "oversized line",
    ],
)
def test_malformed_messages_are_dropped_and_the_window_goes_on(
    qtbot: QtBot, server: InstanceServer, name: str, data: bytes
) -> None:
    received: list[list[str]] = []
    server.picturesReceived.connect(received.append)
    socket = _send_raw(name, data)
    qtbot.waitUntil(
        lambda: socket.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=10_000
    )
    assert socket.readAll().data() == b""  # no acknowledgement: the sender opens its own window
    assert received == []
    with qtbot.waitSignal(server.picturesReceived, timeout=30_000) as blocker:
        good = _send_raw(name, encode_message(["/tmp/c.png"]))
    assert blocker.args == [["/tmp/c.png"]]
    good.abort()


def test_a_silent_connection_is_dropped(
    qtbot: QtBot, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(single_instance, "READ_TIMEOUT_MS", 100)
    server = InstanceServer(name)
    assert server.start()
    try:
        socket = _send_raw(name, b'{"v": 1, "pic')
        qtbot.waitUntil(
            lambda: socket.state() == QLocalSocket.LocalSocketState.UnconnectedState,
            timeout=5_000,
        )
    finally:
        server.stop()


def test_stop_removes_the_socket_file(name: str) -> None:
    server = InstanceServer(name)
    assert server.start()
    server.stop()
    assert not server.listening
    if sys.platform != "win32":
        assert not Path(name).exists()


def test_handed_over_pictures_become_inputs(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    assert picture_inputs([str(photo), photo.as_uri(), "https://example.com/a/cat.png"]) == [
        PictureInput(path=photo),
        PictureInput(path=photo),
        PictureInput(url="https://example.com/a/cat.png", name="cat.png"),
    ]


def test_bring_to_front_restores_a_minimized_window(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.showMinimized()
    bring_to_front(window)
    assert window.isVisible()
    assert not window.isMinimized()


@pytest.mark.skipif(sys.platform == "win32", reason="Unix socket files")
def test_a_socket_of_another_user_gets_no_pictures(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _listening_child(name)
    try:
        monkeypatch.setattr(os, "getuid", lambda: os.lstat(name).st_uid + 1)
        assert hand_over(["/home/me/secret plans.png"], name=name) is False
        monkeypatch.undo()
        assert hand_over([], name=name) is True  # the same window, seen as one's own
    finally:
        _kill(window)


def test_the_socket_lives_in_a_folder_only_this_user_may_enter(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", "/tmp")
    short = tempfile.mkdtemp(prefix="iv-cfg-")  # short enough for a socket path
    try:
        monkeypatch.setenv("XDG_CONFIG_HOME", short)
        name = server_name()
        folder = Path(name).parent
        assert not name.startswith("/tmp/image-variations")
        assert str(folder).startswith(short)
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        os.chmod(folder, 0o755)  # opened by someone: closed again before use
        assert server_name() == name
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        server = InstanceServer(name)
        assert server.start()
        try:
            assert stat.S_IMODE(os.stat(name).st_mode) & 0o077 == 0
            with qtbot.waitSignal(server.picturesReceived, timeout=30_000):
                sender = _send_raw(name, encode_message([]))
            sender.abort()
        finally:
            server.stop()
        runtime = Path(short) / "run"
        runtime.mkdir(mode=0o700)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
        assert Path(server_name()).parent == runtime / "image-variations"
    finally:
        shutil.rmtree(short, ignore_errors=True)


def test_connections_beyond_the_cap_are_closed_and_the_window_recovers(
    qtbot: QtBot, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(single_instance, "READ_TIMEOUT_MS", 1_500)
    server = InstanceServer(name)
    assert server.start()
    try:
        silent = [
            _send_raw(name, b'{"v": 1, "pic') for _ in range(single_instance.MAX_CONNECTIONS + 4)
        ]
        qtbot.waitUntil(
            lambda: (
                sum(s.state() == QLocalSocket.LocalSocketState.UnconnectedState for s in silent)
                >= 4
            ),
            timeout=5_000,
        )
        assert server._live <= single_instance.MAX_CONNECTIONS
        # Once the half-sent ones time out, a real start is served again.
        qtbot.waitUntil(lambda: server._live == 0, timeout=10_000)
        with qtbot.waitSignal(server.picturesReceived, timeout=30_000) as blocker:
            good = _send_raw(name, encode_message(["/tmp/c.png"]))
        assert blocker.args == [["/tmp/c.png"]]
        good.abort()
        for socket in silent:
            socket.abort()
    finally:
        server.stop()
