"""Benchmark: does the history open and scroll smoothly over a library of 10,000 runs?

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_history [--runs N]
        [--repeat R] [--folder PATH]

The library is built once (``benchmarks.library_fixture``) in a temp folder named after the number
of runs and reused by later invocations. Then, in this process:

(a) first paint: from constructing a ``HistoryPanel`` (library already open) to the end of the
    first paint of its list, against the same for a bare ``QListView`` of 100 plain text rows made
    right before it (the cost of any Qt list at all). Target: under 200 ms.
(b) longest GUI stall while scrolling: a 5 ms heartbeat ``QTimer`` (the method of
    ``bench_responsiveness``) while the scrollbar moves one page every 16 ms from the top to the
    very last run, pages read and thumbnails decoded as it goes, against the same heartbeat over
    the idle window. Target: under 50 ms.

Informational only: it prints one line per figure and asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, QStringListModel, QTimer
from PySide6.QtWidgets import QApplication, QListView, QWidget

from benchmarks.bench_responsiveness import Heartbeat, idle, percentile, wait_until
from benchmarks.library_fixture import build_library
from desktop_app.core.library import Library
from desktop_app.ui.history.panel import HistoryPanel

FIRST_PAINT_TARGET_MS = 200.0
STALL_TARGET_MS = 50.0
SCROLL_TICK_MS = 16
IDLE_BASELINE_S = 3.0


class FirstPaint(QObject):
    """Notes when the first paint of a widget has been handled (the turn of the event loop
    after its first Paint event)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.done_at: float | None = None
        self._seen = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._seen:
            self._seen = True
            QTimer.singleShot(0, self._note)
        return False

    def _note(self) -> None:
        self.done_at = time.perf_counter()


def library_folder(runs: int, folder: Path | None) -> Path:
    folder = folder or Path(tempfile.gettempdir()) / f"image-variations-bench-history-{runs}"
    if folder.exists():
        with Library.open(folder) as library:
            if library.count_runs() == runs:
                return folder
        raise SystemExit(f"{folder} holds another library; remove it or pass --folder")
    print(f"building a library of {runs} runs in {folder} (once)...", flush=True)
    started = time.perf_counter()
    build_library(folder, runs)
    print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
    return folder


def time_bare_list() -> float:
    started = time.perf_counter()
    view = QListView()
    view.setModel(QStringListModel([f"Run {n}" for n in range(100)], view))
    probe = FirstPaint(view.viewport())
    view.resize(680, 720)
    view.show()
    wait_until(lambda: probe.done_at is not None, 10, "the bare list's first paint")
    assert probe.done_at is not None
    view.close()
    view.deleteLater()
    return (probe.done_at - started) * 1000


def time_panel(library: Library) -> float:
    started = time.perf_counter()
    panel = HistoryPanel(library)
    probe = FirstPaint(panel.list.viewport())
    panel.resize(680, 720)
    panel.show()
    wait_until(lambda: probe.done_at is not None, 10, "the history's first paint")
    assert probe.done_at is not None
    panel.shutdown()
    panel.close()
    panel.deleteLater()
    return (probe.done_at - started) * 1000


def scroll_stalls(library: Library, total: int) -> tuple[list[float], list[float], float]:
    """Gaps while scrolling to the end, gaps on the idle window, and how long the scroll took."""
    panel = HistoryPanel(library)
    panel.resize(680, 720)
    panel.show()
    model = panel.model()
    bar = panel.list.verticalScrollBar()
    wait_until(lambda: model.rowCount() > 0, 10, "the first page")
    idle(0.3)

    at_end = [0]  # ticks in a row with every run loaded and the bar at its end

    def step() -> None:
        bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep()))
        finished = model.rowCount() == total and bar.value() == bar.maximum()
        at_end[0] = at_end[0] + 1 if finished else 0  # the bar's end moves after a late layout

    ticker = QTimer()
    ticker.setInterval(SCROLL_TICK_MS)
    ticker.timeout.connect(step)
    heartbeat = Heartbeat()
    started = time.perf_counter()
    heartbeat.start()
    ticker.start()
    wait_until(lambda: at_end[0] >= 3, 600, "the last run")
    ticker.stop()
    scrolling = heartbeat.stop()
    took = time.perf_counter() - started
    # The baseline is the window at rest: once the last rows' thumbnails are in.
    wait_until(lambda: model.thumbnails.pending() == 0, 30, "the last thumbnails")
    idle(0.3)
    heartbeat.start()
    idle(IDLE_BASELINE_S)
    resting = heartbeat.stop()
    panel.shutdown()
    panel.close()
    panel.deleteLater()
    return scrolling, resting, took


def line(figure: str, value: float, baseline: float, target: float, repetitions: int) -> str:
    ratio = value / baseline if baseline > 0 else float("inf")
    return (
        f"{figure}: {value:.1f} ms | baseline {baseline:.1f} ms | ratio {ratio:.1f}x | "
        f"target < {target:.0f} ms | repetitions {repetitions}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = library_folder(args.runs, args.folder)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    # Closing one measured window must not quit the event loops the next measurement runs in.
    QApplication.setQuitOnLastWindowClosed(False)

    started = time.perf_counter()
    library = Library.open(folder)
    opened_ms = (time.perf_counter() - started) * 1000
    total = library.count_runs()
    print(f"library: {total} runs, opened in {opened_ms:.0f} ms (not part of the figures)")
    try:
        time_bare_list()  # warm Qt's list machinery and fonts so neither side pays for them
        bare, history = [], []
        for _ in range(args.repeat):
            bare.append(time_bare_list())
            history.append(time_panel(library))
            idle(0.2)
        print(
            line(
                "first paint, median",
                statistics.median(history),
                statistics.median(bare),
                FIRST_PAINT_TARGET_MS,
                args.repeat,
            )
        )
        print(
            line("first paint, worst", max(history), max(bare), FIRST_PAINT_TARGET_MS, args.repeat)
        )

        worst, p99, idle_worst, idle_p99, seconds = [], [], [], [], []
        for _ in range(args.repeat):
            scrolling, resting, took = scroll_stalls(library, total)
            worst.append(max(scrolling))
            p99.append(percentile(scrolling, 0.99))
            idle_worst.append(max(resting))
            idle_p99.append(percentile(resting, 0.99))
            seconds.append(took)
        print(
            line(
                "longest stall scrolling to the end, worst",
                max(worst),
                max(idle_worst),
                STALL_TARGET_MS,
                args.repeat,
            )
        )
        print(
            line(
                "longest stall scrolling to the end, median",
                statistics.median(worst),
                statistics.median(idle_worst),
                STALL_TARGET_MS,
                args.repeat,
            )
        )
        print(
            line(
                "99th percentile gap scrolling",
                statistics.median(p99),
                statistics.median(idle_p99),
                STALL_TARGET_MS,
                args.repeat,
            )
        )
        print(
            f"each scroll through {total} runs took {statistics.median(seconds):.1f} s "
            f"(one page every {SCROLL_TICK_MS} ms)"
        )
    finally:
        library.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
