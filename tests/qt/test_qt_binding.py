"""The Qt binding itself: a known PySide6 bug would crash the app after a few hundred signals."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    number = Signal(int)
    flag = Signal(bool)
    thing = Signal(object)


def test_emitting_signals_does_not_steal_references_to_true_or_none() -> None:
    # PySide6 6.12.0 on Python 3.11 drops a reference to True with every emit; the interpreter
    # aborts ("bool_dealloc") once the count reaches zero. pyproject.toml pins below it.
    emitter = _Emitter()
    seen: list[object] = []
    emitter.number.connect(seen.append)
    emitter.flag.connect(seen.append)
    emitter.thing.connect(seen.append)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(200):
        emitter.number.emit(i)
        emitter.flag.emit(True)
        emitter.thing.emit(None)
    seen.clear()
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert after[0] - before[0] > -10
    assert after[1] - before[1] > -10
