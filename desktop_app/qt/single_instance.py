"""One window per user and settings folder: a later start hands its pictures to the running one.

The running window listens on a local socket (a Unix domain socket; a named pipe on Windows).
A later start, or "Open with" on another picture, connects first (:func:`hand_over`), sends its
pictures and, once the window acknowledges them, exits. Nobody listening costs almost nothing:
on Unix a missing socket file answers without loading QtNetwork at all (it is imported only
where a socket is made, for the same reason).

The protocol is one line of JSON, ``{"v": 1, "pictures": ["/abs/path.png", "https://..."]}``,
answered by the line ``ok``. Anything else (a wrong version, bad JSON, a line over
:data:`MAX_MESSAGE_BYTES`, silence) is dropped without an answer, so the sender falls back to
opening its own window.

A crashed instance leaves its socket file behind on Unix; :meth:`InstanceServer.start` removes
it once it has made sure nobody answers there.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

# Start-up: a start with no window running only imports this module and checks for a file, so
# it imports only what the window's frame imports anyway. ``Qt`` alone costs 30-80 ms to create,
# QtNetwork ~12 ms, json a few: each is imported where it is used.
from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalSocket
    from PySide6.QtWidgets import QWidget

    from desktop_app.qt.intake import PictureInput

log = logging.getLogger(__name__)

__all__ = [
    "MAX_MESSAGE_BYTES",
    "PROTOCOL_VERSION",
    "InstanceServer",
    "bring_to_front",
    "hand_over",
    "picture_inputs",
    "server_name",
]

PROTOCOL_VERSION: Final = 1
MAX_MESSAGE_BYTES: Final = 1 << 20  # a few thousand paths; more is not a person's "Open with"
ACK: Final = b"ok\n"
# How long the window waits for a connection's message before dropping it.
READ_TIMEOUT_MS: Final = 5_000
# Connections served at once; more are closed at once (a person's starts come one by one), so
# at most this many messages of MAX_MESSAGE_BYTES are ever held in memory.
MAX_CONNECTIONS: Final = 8
# Unix socket paths must stay under 108 bytes.
_MAX_SOCKET_PATH: Final = 100
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def server_name() -> str:
    """The socket this user's window listens on for this settings folder.

    Keyed on the user and on the config folder, so a run with its own ``XDG_CONFIG_HOME`` (a
    test, a benchmark, a second profile) never reaches the user's everyday window. On Unix it
    is an absolute path in a folder only this user may enter (:func:`private_folder`), never
    in a shared temp folder.
    """
    from desktop_app.core.paths import config_folder

    user = str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    key = f"{user}\0{config_folder()}".encode()
    name = f"image-variations-{zlib.crc32(key):08x}"
    if sys.platform == "win32":
        return name  # a named pipe: \\.\pipe\<name>
    return os.path.join(private_folder(), name)


def private_folder() -> str:
    """A folder of this user's with mode 0700, for the socket: ``image-variations`` in the
    runtime folder (``XDG_RUNTIME_DIR``), else ``instance`` in the config folder, else
    ``image-variations-<uid>`` in the temp folder when that path would be too long. Made when
    missing; a group- or world-open one of ours is closed to 0700. Another user's, or a
    symlink, is never used."""
    import tempfile

    from desktop_app.core.paths import config_folder

    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    candidates = [os.path.join(runtime, "image-variations")] if os.path.isdir(runtime) else []
    candidates.append(os.path.join(config_folder(), "instance"))
    # A deep config folder makes too long a socket path: the temp folder is short, and the
    # owner and mode checks below keep another user's folder there from being used.
    user = os.getuid() if hasattr(os, "getuid") else 0
    candidates.append(os.path.join(tempfile.gettempdir(), f"image-variations-{user}"))
    for folder in candidates:
        if len(folder) + len("/image-variations-00000000") > _MAX_SOCKET_PATH:
            continue
        if _make_private(folder):
            return folder
    return candidates[-1]  # listening there fails plainly ("Cannot listen"); nothing is exposed


def _make_private(folder: str) -> bool:
    import stat

    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return False
        if stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(folder, 0o700)
    except OSError:
        return False
    return True


def hand_over(pictures: Sequence[str], *, name: str | None = None, timeout_ms: int = 3_000) -> bool:
    """Gives ``pictures`` (paths or links; may be none) to a running window.

    True once the window has acknowledged them: the caller should exit. False when no window
    listens (at once), or it did not acknowledge within ``timeout_ms``: start normally.
    """
    name = name or server_name()
    if sys.platform != "win32" and os.path.isabs(name) and not _ours(name):
        return False  # nobody has listened here: the common start, without loading QtNetwork
    message = encode_message([_absolute(p) for p in pictures if p])
    if len(message) > MAX_MESSAGE_BYTES:
        return False
    from PySide6.QtNetwork import QLocalSocket

    deadline = time.monotonic() + timeout_ms / 1000

    def left_ms() -> int:
        return max(0, int((deadline - time.monotonic()) * 1000))

    socket = QLocalSocket()
    socket.connectToServer(name)
    try:
        if not socket.waitForConnected(left_ms()):
            return False  # no such socket, or a stale file from a crashed window
        socket.write(message)
        while socket.bytesToWrite() > 0:
            if not socket.waitForBytesWritten(left_ms()):
                return False
        answer = b""
        while b"\n" not in answer and len(answer) < len(ACK):
            if not socket.bytesAvailable() and not socket.waitForReadyRead(left_ms()):
                return False
            answer += socket.readAll().data()
        return answer == ACK
    finally:
        socket.abort()


def _ours(path: str) -> bool:
    """Whether a socket file is there and belongs to this user. In a shared temp folder another
    user could put one in its place; the pictures' paths are not for them."""
    try:
        owner = os.lstat(path).st_uid
    except OSError:
        return False
    return owner == os.getuid()


def encode_message(pictures: Sequence[str]) -> bytes:
    import json

    payload = {"v": PROTOCOL_VERSION, "pictures": list(pictures)}
    return json.dumps(payload, ensure_ascii=False).encode() + b"\n"


def decode_message(line: bytes) -> list[str] | None:
    """The pictures in one message line, or None when it is not a message this version reads."""
    import json

    try:
        payload = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict) or payload.get("v") != PROTOCOL_VERSION:
        return None
    pictures = payload.get("pictures")
    if not isinstance(pictures, list) or not all(isinstance(p, str) and p for p in pictures):
        return None
    return pictures


def _absolute(picture: str) -> str:
    """The running window has its own working folder: relative paths are made absolute here,
    ``file://`` URLs (a desktop entry's ``%U``) become paths, web links stay as they are."""
    if _URL.match(picture):
        from PySide6.QtCore import QUrl

        url = QUrl(picture)
        return url.toLocalFile() if url.isLocalFile() else picture
    return os.path.abspath(picture)


def picture_inputs(pictures: Sequence[str]) -> list[PictureInput]:
    """What the window opens for handed-over pictures: web links as links, the rest as files."""
    from desktop_app.qt.intake import PictureInput

    inputs = []
    for picture in pictures:
        if picture.startswith(("http://", "https://")):
            inputs.append(PictureInput(url=picture, name=picture.rsplit("/", 1)[-1]))
        else:
            inputs.append(PictureInput(path=Path(_absolute(picture))))
    return inputs


def _answers(name: str) -> bool:
    """Whether a live window listens on ``name`` (a stale socket file refuses at once)."""
    from PySide6.QtNetwork import QLocalSocket

    probe = QLocalSocket()
    probe.connectToServer(name)
    alive = probe.waitForConnected(1_000)
    probe.abort()
    return alive


class InstanceServer(QObject):
    """Listens for later starts and passes on the pictures they hand over."""

    picturesReceived = Signal(list)
    """list[str]: absolute paths or web links a later start handed over; empty when it was
    started without pictures (the window should then only come to the front)."""

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        from PySide6.QtNetwork import QLocalServer

        super().__init__(parent)
        self.name = name or server_name()
        self._server = QLocalServer(self)
        # The socket itself user-only too (0700 on Unix, the user's SID on Windows).
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.setMaxPendingConnections(MAX_CONNECTIONS)
        self._server.newConnection.connect(self._on_new_connection)
        self._live = 0  # connections being served

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    def start(self) -> bool:
        """Listens; True on success. False when another live window owns the name (two started
        at once: hand over to it instead) or listening failed; either way nothing listens."""
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtNetwork import QAbstractSocket, QLocalServer

        if self._server.isListening():
            return True
        # On Windows a second pipe server of the same name would be allowed: ask first.
        if _answers(self.name):
            return False
        if not self._server.listen(self.name):
            if self._server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
                _log_cannot_listen(self._server.errorString())
                return False
            if _answers(self.name):
                return False
            # A socket file left by a crashed window: nobody answers there.
            QLocalServer.removeServer(self.name)
            if not self._server.listen(self.name):
                _log_cannot_listen(self._server.errorString())
                return False
        app = QCoreApplication.instance()
        if app is not None:
            # Parents are not always destroyed at exit; closing removes the socket file.
            app.aboutToQuit.connect(self.stop)
        return True

    def stop(self) -> None:
        self._server.close()

    def _on_new_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            if self._live >= MAX_CONNECTIONS:
                socket.abort()  # busy with enough half-sent messages already
                socket.deleteLater()
                continue
            self._live += 1
            socket.destroyed.connect(self._on_connection_gone)
            self._serve(socket)

    def _on_connection_gone(self) -> None:
        self._live -= 1

    def _serve(self, socket: QLocalSocket) -> None:
        buffer = bytearray()
        deadline = QTimer(socket)
        deadline.setSingleShot(True)
        # Lambdas, not bound methods: PySide cannot connect to the slots of a socket it did not
        # create ("addMetaMethod: ... No Wrapper found").
        deadline.timeout.connect(lambda: socket.abort())  # connected, and never said anything
        deadline.start(READ_TIMEOUT_MS)
        socket.disconnected.connect(lambda: socket.deleteLater())

        def on_ready_read() -> None:
            buffer.extend(socket.readAll().data())
            end = buffer.find(b"\n")
            if end < 0:
                if len(buffer) > MAX_MESSAGE_BYTES:
                    deadline.stop()
                    socket.abort()
                return
            deadline.stop()
            socket.readyRead.disconnect(on_ready_read)
            pictures = decode_message(bytes(buffer[:end])) if end <= MAX_MESSAGE_BYTES else None
            if pictures is None:
                log.info("Ignored a malformed message from another start")
                socket.abort()
                return
            # Answer before the window does its work, so the other start can exit at once.
            socket.write(ACK)
            socket.flush()
            socket.disconnectFromServer()
            self.picturesReceived.emit(pictures)

        socket.readyRead.connect(on_ready_read)
        if socket.bytesAvailable():
            on_ready_read()
        elif socket.state() == socket.LocalSocketState.UnconnectedState:
            socket.deleteLater()


def _log_cannot_listen(reason: str) -> None:
    log.warning("Cannot listen for other starts: %s", reason)


def bring_to_front(window: QWidget) -> None:
    """Shows, raises and activates ``window``; where the window manager refuses to hand over
    the focus (X11 focus-stealing prevention, Wayland), its task bar entry asks for attention."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    if window.isMinimized():
        window.setWindowState(
            (window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
        )
    window.show()
    window.raise_()
    window.activateWindow()
    QApplication.alert(window)
