"""Proof, without a clock, that the window kept answering while a run was on the network.

Every HTTP request the app sends while the proof is armed is held on the thread that sends it,
just before it goes out, until the GUI thread has run a callback queued for that very request.
A request that goes out at all is therefore proof that the GUI thread's event loop ran while
the run was waiting on the network, on a fast machine as on a loaded one. A window that blocks
its GUI thread on the run never runs the callback (the request is let go after
``UNANSWERED_SECONDS``, so the test fails instead of hanging); a window that sends from its GUI
thread is caught by the thread check.

The hold sits in httpx's transport (``AsyncHTTPTransport.handle_async_request``), where each of
the app's requests passes: to the API, to a result link, through a proxy, towards a port with
nothing listening or a name that does not resolve (those cases have no server to hold them).
How long the GUI thread took to answer is deliberately not judged: timings belong to
``benchmarks/bench_responsiveness.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

# Reached only when the GUI thread does not answer, i.e. when the proof has already failed: it
# lets the run go on, so that the test ends with a clear message instead of a hang.
UNANSWERED_SECONDS = 30.0

PENDING = "pending"
ANSWERED = "answered by the GUI thread"
UNANSWERED = f"not answered by the GUI thread within {UNANSWERED_SECONDS:g} s"
ON_GUI_THREAD = "sent from the GUI thread itself"
NOT_HELD = "let through: an earlier request was never answered"
CUT_SHORT = "still waiting when the run had finished"  # another task's: proves nothing either way


@dataclass
class Hold:
    """One request, held until the GUI thread answers for it."""

    request: str  # e.g. "POST /v1/images/edits"
    thread: str  # the thread that was about to send it
    outcome: str = PENDING
    _settled: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def settle(self, outcome: str) -> None:
        """The first outcome wins (the GUI's answer and the give-up may race)."""
        with self._lock:
            if self.outcome == PENDING:
                self.outcome = outcome
                self._settled.set()

    def wait(self, seconds: float) -> bool:
        """True once settled; False when ``seconds`` passed first."""
        return self._settled.wait(seconds)

    def __str__(self) -> str:
        return f"{self.request} on {self.thread}: {self.outcome}"


class GuiProof(QObject):
    """Lives on the GUI thread; ``hold()`` is called on the threads that send requests."""

    _held = Signal(object)  # a Hold, queued to the GUI thread

    def __init__(self) -> None:
        super().__init__()
        self.holds: list[Hold] = []
        self._lock = threading.Lock()
        self._armed = False
        self._held.connect(self._answer, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _answer(self, hold: Hold) -> None:
        hold.settle(ANSWERED)

    def hold(self, request: str) -> None:
        """Blocks the calling thread until the GUI thread has answered for ``request``."""
        with self._lock:
            if not self._armed:
                return
            thread = QThread.currentThread().objectName() or threading.current_thread().name
            hold = Hold(request, thread)
            self.holds.append(hold)
            if threading.current_thread() is threading.main_thread():
                hold.settle(ON_GUI_THREAD)  # waiting here would wait for ourselves
                return
            if any(h.outcome == UNANSWERED for h in self.holds):
                hold.settle(NOT_HELD)  # the proof has failed already: let the run end
                return
        self._held.emit(hold)
        if not hold.wait(UNANSWERED_SECONDS):
            hold.settle(UNANSWERED)

    @contextmanager
    def armed(self) -> Iterator[GuiProof]:
        with self._lock:
            self._armed = True
        try:
            yield self
        finally:
            with self._lock:
                self._armed = False
                pending = [h for h in self.holds if h.outcome == PENDING]
            for hold in pending:
                hold.settle(CUT_SHORT)

    @property
    def answered(self) -> list[Hold]:
        return [h for h in self.holds if h.outcome == ANSWERED]

    @property
    def failures(self) -> list[Hold]:
        return [h for h in self.holds if h.outcome in (UNANSWERED, ON_GUI_THREAD, NOT_HELD)]


@pytest.fixture
def gui_proof(monkeypatch: pytest.MonkeyPatch) -> GuiProof:
    """A disarmed proof whose holds sit in front of every request httpx sends; arm it around
    the run (``with gui_proof.armed(): ...``)."""
    proof = GuiProof()
    send = httpx.AsyncHTTPTransport.handle_async_request

    async def held_send(
        transport: httpx.AsyncHTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        # A blocking wait inside the worker's event loop, on purpose: the whole run stands
        # still until the GUI thread has answered.
        proof.hold(f"{request.method} {request.url.path}")
        return await send(transport, request)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", held_send)
    return proof
