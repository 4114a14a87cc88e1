"""Runs functions on a thread pool and hands their results back on the GUI thread.

For short CPU or disk jobs; network and paid work goes to ``tasks.TaskRunner`` (the rule is in
``desktop_app/qt/__init__.py``).

Results travel through one relay that lives on the GUI thread for the whole session: a job must
never emit through an object its owner may have deleted meanwhile, so it emits to the relay,
which looks the courier up (if it still exists) once back on the GUI thread. A cancelled job
that has not started is skipped; one that has, delivers nothing.
"""

from __future__ import annotations

import itertools
import logging
import weakref
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


def _nothing() -> object:
    return None


class _Ticket:
    """One job. ``cancelled`` is set on the GUI thread and only read by the job (a hint)."""

    __slots__ = ("cancelled", "number")

    def __init__(self, number: int) -> None:
        self.number = number
        self.cancelled = False


class _Relay(QObject):
    delivered = Signal(int, object, object)  # courier id, _Ticket, return value; from the pool

    def __init__(self) -> None:
        super().__init__()
        self.delivered.connect(self.on_delivered, Qt.ConnectionType.QueuedConnection)

    @Slot(int, object, object)
    def on_delivered(self, courier_id: int, ticket: _Ticket, value: object) -> None:
        courier = _couriers.get(courier_id)
        if courier is not None and shiboken6.isValid(courier):
            courier._deliver(ticket, value)


_relay: _Relay | None = None
_couriers: weakref.WeakValueDictionary[int, Courier] = weakref.WeakValueDictionary()
_courier_ids = itertools.count(1)


class _Job(QRunnable):
    def __init__(
        self, relay: _Relay, courier_id: int, ticket: _Ticket, work: Callable[[], object]
    ) -> None:
        super().__init__()
        self._relay = relay
        self._courier_id = courier_id
        self._ticket = ticket
        self._work = work

    def run(self) -> None:
        if self._ticket.cancelled:
            return
        try:
            value = self._work()
        except Exception:  # a pool thread must not die silently; the caller gets None
            log.exception("background work failed")
            value = None
        self._work = _nothing  # let go of what the work held (megabytes of image data, say)
        self._relay.delivered.emit(self._courier_id, self._ticket, value)


class Courier(QObject):
    """Runs functions on its own thread pool; their results come back on the GUI thread.

    Create it on the GUI thread. A result is delivered at most once, and never after
    :meth:`cancel` or once the courier is gone.
    """

    def __init__(
        self, threads: int = 1, parent: QObject | None = None, *, pool: QThreadPool | None = None
    ) -> None:
        """``threads`` for a pool of its own; or the shared ``pool`` given (then ``threads`` is
        ignored and :meth:`wait` only waits for this courier's own work to be dropped)."""
        super().__init__(parent)
        global _relay
        if _relay is None:
            _relay = _Relay()  # first courier: we are on the GUI thread, so the relay lives there
        self._relay = _relay
        self._owns_pool = pool is None
        if pool is None:
            pool = QThreadPool(self)
            pool.setMaxThreadCount(threads)
        self._pool = pool
        self._id = next(_courier_ids)
        self._tickets = itertools.count(1)
        self._callbacks: dict[int, tuple[_Ticket, Callable[[Any], None]]] = {}
        _couriers[self._id] = self

    def send(
        self, work: Callable[[], object], deliver: Callable[[Any], None], *, priority: int = 0
    ) -> int:
        """Runs ``work()`` on the pool, then ``deliver(value)`` on the GUI thread (None if
        ``work`` raised). Returns a ticket number for :meth:`cancel`."""
        ticket = _Ticket(next(self._tickets))
        self._callbacks[ticket.number] = (ticket, deliver)
        self._pool.start(_Job(self._relay, self._id, ticket, work), priority)
        return ticket.number

    def cancel(self, number: int) -> None:
        entry = self._callbacks.pop(number, None)
        if entry is not None:
            entry[0].cancelled = True

    def cancel_all(self) -> None:
        for number in list(self._callbacks):
            self.cancel(number)

    def pending(self) -> int:
        return len(self._callbacks)

    def wait(self, msecs: int = 5000) -> bool:
        """Drops queued work and waits for the running jobs; True when the pool is idle."""
        self.cancel_all()
        if not self._owns_pool:
            return True  # a shared pool runs others' work too: not ours to clear or wait for
        self._pool.clear()
        return self._pool.waitForDone(msecs)

    def finish(self, msecs: int = 5000) -> bool:
        """Waits until the queued and running work is done (nothing is dropped, unlike
        :meth:`wait`); True when the pool is idle. Only for a courier with its own pool."""
        return self._pool.waitForDone(msecs) if self._owns_pool else True

    def _deliver(self, ticket: _Ticket, value: object) -> None:
        entry = self._callbacks.get(ticket.number)
        if entry is None or entry[0] is not ticket:
            return  # cancelled while it ran
        del self._callbacks[ticket.number]
        entry[1](value)
