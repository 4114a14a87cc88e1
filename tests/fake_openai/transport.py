"""Socket-level pieces: reading request bodies (possibly cut short), pacing and cutting response
bodies, resetting connections, and the gate that stalled handlers wait on."""

from __future__ import annotations

import math
import socket
import struct
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from io import BufferedIOBase

_READ_CHUNK = 64 * 1024
_TRICKLE_WRITES_PER_SECOND = 50  # enough to look like a trickle without a busy loop
_TRICKLE_MIN_CHUNK = 64


class ServerStopping(Exception):
    """Raised inside a handler that was waiting when the server stopped: abandon the request."""


class BadRequestBody(Exception):
    """The request's framing (Content-Length / chunked) is unusable."""


class StallGate:
    """Where stalled, trickling and delayed handlers wait.

    release_all() wakes the handlers waiting now (later stalls still stall); stop() wakes them
    all for good.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._generation = 0
        self._stopped = False

    @property
    def stopped(self) -> bool:
        return self._stopped

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when woken early by release_all() or stop()."""
        deadline = time.monotonic() + seconds
        with self._condition:
            generation = self._generation
            while not self._stopped and self._generation == generation:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
            return True

    def pause(self, seconds: float) -> None:
        """Like wait(), but abandons the request when the server is stopping."""
        if seconds > 0:
            self.wait(seconds)
        if self._stopped:
            raise ServerStopping

    def release_all(self) -> None:
        with self._condition:
            self._generation += 1
            self._condition.notify_all()

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify_all()


# ---- request bodies --------------------------------------------------------------------


def read_body(
    rfile: BufferedIOBase, headers: dict[str, str], *, limit: int | None, max_bytes: int
) -> tuple[bytes, bool]:
    """The request body and whether all of it arrived.

    `limit` stops reading early (the "reset_during_upload" fault); a client that vanishes
    mid-upload just yields what arrived. Raises BadRequestBody for unusable framing and
    OverflowError when the announced body exceeds `max_bytes`.
    """
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return _read_chunked(rfile, limit, max_bytes)
    raw_length = headers.get("content-length")
    if raw_length is None:
        return b"", True
    try:
        length = int(raw_length)
    except ValueError:
        raise BadRequestBody(f"invalid Content-Length {raw_length!r}") from None
    if length < 0:
        raise BadRequestBody(f"invalid Content-Length {raw_length!r}")
    if length > max_bytes:
        raise OverflowError(length)
    wanted = length if limit is None else min(length, limit)
    data = _read_up_to(rfile, wanted)
    return data, len(data) == length


def _read_up_to(rfile: BufferedIOBase, wanted: int) -> bytes:
    pieces: list[bytes] = []
    remaining = wanted
    while remaining > 0:
        try:
            piece = rfile.read(min(_READ_CHUNK, remaining))
        except OSError:
            break
        if not piece:
            break
        pieces.append(piece)
        remaining -= len(piece)
    return b"".join(pieces)


def _read_chunked(rfile: BufferedIOBase, limit: int | None, max_bytes: int) -> tuple[bytes, bool]:
    body = bytearray()
    try:
        while True:
            size_line = rfile.readline(1024)
            if not size_line:
                return bytes(body), False
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BadRequestBody("invalid chunk size") from None
            if size == 0:
                while rfile.readline(8192).strip():  # trailers, up to the empty line
                    pass
                return bytes(body), True
            if len(body) + size > max_bytes:
                raise OverflowError(len(body) + size)
            wanted = size if limit is None else min(size, limit - len(body))
            piece = _read_up_to(rfile, wanted)
            body += piece
            if len(piece) < size:  # cut by `limit`, or the client went away
                return bytes(body), False
            rfile.readline(8)  # the CRLF after the chunk data
    except OSError:
        return bytes(body), False


# ---- response bodies -------------------------------------------------------------------


class BodyWriter:
    """Writes a response body, optionally stopping after `cut_after` bytes, optionally paced."""

    def __init__(
        self, send: Callable[[bytes], object], gate: StallGate, *, cut_after: int | None
    ) -> None:
        self._send = send
        self._gate = gate
        self._cut_after = cut_after
        self.sent = 0
        self.cut = False

    def write(self, data: bytes, *, duration: float = 0.0) -> bool:
        """Send `data` (spread over `duration` seconds); False once the cut point is reached."""
        if self.cut:
            return False
        if self._cut_after is not None and self.sent + len(data) >= self._cut_after:
            data = data[: max(0, self._cut_after - self.sent)]
            self.cut = True
        if duration > 0 and data:
            self._paced(data, duration)
        elif data:
            self._send(data)
        self.sent += len(data)
        return not self.cut

    def _paced(self, data: bytes, duration: float) -> None:
        steps_wanted = max(1, int(duration * _TRICKLE_WRITES_PER_SECOND))
        chunk = max(_TRICKLE_MIN_CHUNK, math.ceil(len(data) / steps_wanted))
        steps = math.ceil(len(data) / chunk)
        interval = duration / steps
        for start in range(0, len(data), chunk):
            self._send(data[start : start + chunk])
            if start + chunk >= len(data):
                return
            if self._gate.wait(interval):
                if self._gate.stopped:
                    raise ServerStopping
                self._send(data[start + chunk :])  # released: deliver the rest at once
                return


def reset_connection(sock: socket.socket, rfile: BufferedIOBase) -> None:
    """Abort with a TCP RST: linger 0, then really close the descriptor (the buffered reader
    holds a reference to it, so it has to be closed too)."""
    with suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with suppress(OSError):
        rfile.close()
    sock.close()
