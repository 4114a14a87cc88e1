"""Benchmark: how long from Cancel to an idle window, against a server that never answers.

The real window (built as ``bench_responsiveness`` builds it, offscreen) with a small photo
loaded and n=10 chosen. Each try queues a ``stall_before_headers`` fault on the local API
(``tests.fake_openai``, in this process: a stalled server costs no CPU), clicks Generate, waits
until the whole request has reached the server, triggers the window's Cancel action (the one
Esc is bound to) and measures until the window is idle again: the session no longer running
and Generate enabled (taken from the session's ``runFinished``, after the window's own slot).

Baseline: the same window going from Generate to idle for a run the server refuses at once
(``moderation_blocked``: an error answer that is never retried), i.e. the cost of ending any
run at all. The target is absolute, every try under 1 s, so the worst try is the figure.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.bench_cancel [--tries 50]
        [--baseline-tries 10] [--json]

Informational only: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from benchmarks.bench_responsiveness import (
    KEY,
    build,
    choose_parameters,
    drop_file,
    idle,
    wait_until,
)
from benchmarks.report import print_rows
from tests.fake_openai import FakeOpenAI, Fault

TARGET_S = 1.0
EDITS = "/v1/images/edits"


class IdleClock:
    """Notes when the session says its run has finished (connected after the window's slot,
    so the window has already updated its actions)."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.finished_at: float | None = None
        window.session.runFinished.connect(self._on_finished)

    def _on_finished(self) -> None:
        if self.is_idle():
            self.finished_at = time.perf_counter()

    def is_idle(self) -> bool:
        return not self.window.session.running and self.window.generate_button.isEnabled()

    def wait(self, started: float) -> float:
        """Seconds from ``started`` until idle (polled as a fallback should the slot miss)."""
        wait_until(self.is_idle, 30, "an idle window")
        ended = self.finished_at if self.finished_at is not None else time.perf_counter()
        self.finished_at = None
        return ended - started


def cancel_try(window: Any, fake: FakeOpenAI, clock: IdleClock) -> float:
    fake.inject(Fault("stall_before_headers", seconds=60), path=EDITS)
    before = fake.count(EDITS)
    window.generate_button.click()
    wait_until(lambda: fake.count(EDITS) > before, 30, "the request to reach the server")
    started = time.perf_counter()
    window.commands.cancel.trigger()
    took = clock.wait(started)
    fake.release_stalls()  # the server's handler may go now
    return took


def failing_try(window: Any, fake: FakeOpenAI, clock: IdleClock) -> float:
    fake.inject(Fault("moderation_blocked"), path=EDITS)
    started = time.perf_counter()
    window.generate_button.click()
    return clock.wait(started)


def make_photo(path: Path) -> Path:
    from tests.core.imaging.corpus import photo_like

    photo_like(1600, 1200, seed=5, style="scene").save(path, "JPEG", quality=90)
    return path


def measure(tries: int, baseline_tries: int) -> list[dict[str, Any]]:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    cancels: list[float] = []
    fails: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-cancel-") as name:
        folder = Path(name)
        photo = make_photo(folder / "photo.jpg")
        fake = FakeOpenAI(api_key=KEY).start()
        try:
            window = build(folder, fake.base_url)
            choose_parameters(window)
            drop_file(window, photo)
            wait_until(
                lambda: window.session.prepared is not None and window.generate_button.isEnabled(),
                60,
                "the picture and its upload",
            )
            clock = IdleClock(window)
            failing_try(window, fake, clock)  # warm-up: both paths once
            cancel_try(window, fake, clock)
            # Interleave the baseline among the tries so both see the same machine load.
            every = max(1, tries // max(1, baseline_tries))
            for number in range(tries):
                cancels.append(cancel_try(window, fake, clock))
                if number % every == 0 and len(fails) < baseline_tries:
                    fails.append(failing_try(window, fake, clock))
                idle(0.02)
            while len(fails) < baseline_tries:
                fails.append(failing_try(window, fake, clock))
            print(
                f"cancel: {tries} tries, median {statistics.median(cancels) * 1000:.0f} ms, "
                f"worst {max(cancels) * 1000:.0f} ms; run failing at once: {len(fails)} tries, "
                f"median {statistics.median(fails) * 1000:.0f} ms",
                flush=True,
            )
            window.close()
        finally:
            fake.release_stalls()
            fake.stop()
    worst, base_worst = max(cancels), max(fails)
    median, base_median = statistics.median(cancels), statistics.median(fails)
    reps = f"{tries} cancels, {len(fails)} failing runs"
    return [
        {
            "name": "cancel to idle window, worst try",
            "figure": f"{worst * 1000:.0f} ms",
            "baseline": f"fail-at-once run {base_worst * 1000:.0f} ms (worst)",
            "ratio": f"{worst / base_worst:.2f}x",
            "target": f"every try < {TARGET_S * 1000:.0f} ms",
            "met": worst < TARGET_S,
            "repetitions": reps,
        },
        {
            "name": "cancel to idle window, median",
            "figure": f"{median * 1000:.0f} ms",
            "baseline": f"fail-at-once run {base_median * 1000:.0f} ms (median)",
            "ratio": f"{median / base_median:.2f}x",
            "target": "informational",
            "met": None,
            "repetitions": reps,
        },
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time from Cancel to an idle window.")
    parser.add_argument("--tries", type=int, default=50, help="cancels (default 50)")
    parser.add_argument(
        "--baseline-tries",
        type=int,
        default=10,
        help="runs failing at once, for the baseline (default 10)",
    )
    parser.add_argument("--json", action="store_true", help="print the rows as one JSON line")
    args = parser.parse_args(argv)
    print_rows(measure(max(1, args.tries), max(1, args.baseline_tries)), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
