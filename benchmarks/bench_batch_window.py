"""Benchmark: does the window stay responsive while a batch of 20 pictures runs?

The same 5 ms heartbeat as ``bench_responsiveness`` on the GUI thread, from "Run all" in the
batch queue until all 20 pictures (two variations each, two at a time, partial previews
streamed by the server) are done and saved, every change of every picture shown in the list.
The baseline is the same heartbeat over the same window left idle for as long as the batch took.

    .venv/bin/python -m benchmarks.bench_batch_window [--pictures N] [--stream-delay S]

The API server runs in a child process, as a real server is elsewhere. Target: longest stall
under 50 ms. Informational only: it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from benchmarks.bench_responsiveness import (
    TARGET_MS,
    Heartbeat,
    api_server,
    build,
    idle,
    percentile,
    wait_until,
)


def make_pictures(folder: Path, count: int) -> Path:
    """``count`` distinct 1600 x 1067 photo-like JPEGs, as a shop's folder would hold."""
    from tests.core.imaging.corpus import photo_like

    folder.mkdir()
    for number in range(count):
        picture = photo_like(1600, 1067, seed=number, style="scene")
        picture.save(folder / f"product-{number:02}.jpg", "JPEG", quality=90)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Longest GUI-thread stall during a batch.")
    parser.add_argument("--pictures", type=int, default=20, help="pictures in the batch")
    parser.add_argument(
        "--stream-delay", type=float, default=0.05, help="seconds between streamed events"
    )
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    with tempfile.TemporaryDirectory(prefix="bench-batch-window-") as name:
        folder = Path(name)
        pictures = make_pictures(folder / "shop", args.pictures)
        with api_server("process", args.stream_delay) as base_url:
            window = build(folder, base_url)
            window.parameters.count.setValue(2)
            window.parameters.previews.setChecked(True)
            window.batch_control.add([pictures])
            panel = window.batch_dock.panel
            wait_until(lambda: panel.list.count() == args.pictures, 10, "the list")
            idle(0.5)  # the thumbnails of the list
            beat = Heartbeat()
            beat.start()
            started = time.perf_counter()
            panel.run_button.click()
            wait_until(lambda: window.batch.running, 10, "the batch to start")
            wait_until(lambda: not window.batch.running, 600, "the batch to end")
            seconds = time.perf_counter() - started
            busy = beat.stop()
            done = window.batch.batch.counts()
            beat.start()
            idle(seconds)
            quiet = beat.stop()
            window.close()
    print(
        f"batch of {args.pictures} pictures x 2 variations, 2 at once, stream delay "
        f"{args.stream_delay} s: {seconds:.1f} s, {dict((k.value, v) for k, v in done.items())}"
    )
    print(
        f"longest GUI stall during a batch of {args.pictures}: {max(busy):.1f} ms | idle "
        f"baseline {max(quiet):.1f} ms | ratio {max(busy) / max(quiet):.2f}x | target < "
        f"{TARGET_MS:.0f} ms | p99 {percentile(busy, 0.99):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
