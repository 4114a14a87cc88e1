"""Benchmark: peak resident memory of the app's heavy moments, against a bare PySide6 window.

Each measurement is a fresh process (this module with ``--child KIND``) that reports its own
peak resident set when done (``VmHWM``; see ``peak_mb`` for why not ``ru_maxrss``):

- bare: a ``QMainWindow`` with a ``QLabel`` at the app's size, shown and painted (the baseline);
- app: the real window (built as ``bench_responsiveness`` builds it), a 4000x3000 camera-like
  JPEG dropped on it and a streamed n=10 run at 1024x1024 with previews, until every thumbnail is
  shown (``bench_responsiveness.one_run``); the local API runs in a further child process, so
  its memory is not counted. Its peak just before the drop is reported too (app at rest);
- history: a ``HistoryPanel`` over a library of 10,000 runs, scrolled to the last run with its
  thumbnails (``bench_history.scroll_stalls``; the library is built once, in the parent).

Kinds alternate, each run ``--runs`` times; medians reported, in MB (10^6 bytes).

    .venv/bin/python -m benchmarks.bench_memory [--runs N] [--json]

Target: the streamed run's peak at most 150 MB (``RUN_TARGET_MB``); the other rows are
reported only. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.report import print_rows

ROOT = Path(__file__).resolve().parent.parent
HISTORY_RUNS = 10_000
RUN_TARGET_MB = 150.0  # the app's peak through a streamed 10-image run
KINDS = ("bare", "app", "history")


def peak_mb() -> float:
    """This process image's peak resident set, in MB.

    ``VmHWM`` rather than ``ru_maxrss``: Linux carries ``ru_maxrss`` over ``execve`` from the
    process that spawned us (here the parent, which drew a 12 MP photo), so every child would
    report at least the parent's peak. ``VmHWM`` belongs to the new address space alone."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # Linux: KiB


# -- the children -----------------------------------------------------------------------------


def child_bare() -> dict[str, float]:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    from benchmarks.bench_responsiveness import idle, wait_until

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Bare")
    window.setCentralWidget(QLabel("Hello"))
    window.resize(1180, 820)
    window.show()
    wait_until(
        lambda: window.windowHandle() is not None and window.windowHandle().isExposed(),
        10,
        "the window to show",
    )
    idle(0.5)
    window.close()
    del app
    return {"peak_mb": peak_mb()}


def child_app(photo: Path) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from benchmarks import bench_responsiveness as scene

    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as name:
        folder = Path(name)
        with scene.api_server("process", 0.05) as base_url:
            window = scene.build(folder, base_url)
            scene.choose_parameters(window)
            scene.idle(0.5)
            at_rest = peak_mb()
            scene.one_run(window, photo)
            after_run = peak_mb()
            window.close()
    del app
    return {"peak_mb": after_run, "at_rest_mb": at_rest}


def child_history(folder: Path) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from benchmarks.bench_history import scroll_stalls
    from desktop_app.core.library import Library

    app = QApplication(sys.argv[:1])
    QApplication.setQuitOnLastWindowClosed(False)
    with Library.open(folder) as library:
        scroll_stalls(library, library.count_runs())
    del app
    return {"peak_mb": peak_mb()}


def run_child(kind: str, path: Path | None) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "benchmarks.bench_memory", "--child", kind]
    if path is not None:
        command.append(str(path))
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} child failed (exit {done.returncode}):\n{done.stderr}")
    figures: dict[str, float] = json.loads(lines[-1])
    return figures


# -- the parent -------------------------------------------------------------------------------


def measure(runs: int) -> list[dict[str, Any]]:
    from benchmarks.bench_history import library_folder
    from benchmarks.bench_responsiveness import make_photo

    peaks: dict[str, list[float]] = {kind: [] for kind in KINDS}
    at_rest: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as name:
        photo = make_photo(Path(name) / "camera.jpg")
        library = library_folder(HISTORY_RUNS, None)
        paths = {"bare": None, "app": photo, "history": library}
        for rep in range(runs):
            for kind in KINDS:
                figures = run_child(kind, paths[kind])
                peaks[kind].append(figures["peak_mb"])
                if "at_rest_mb" in figures:
                    at_rest.append(figures["at_rest_mb"])
            print(
                f"  rep {rep + 1}: "
                + ", ".join(f"{kind} {peaks[kind][-1]:.0f} MB" for kind in KINDS),
                flush=True,
            )
    bare = statistics.median(peaks["bare"])
    reps = f"{runs} fresh processes each"
    rows = []
    for label, value, target in (
        ("peak memory, app window at rest", statistics.median(at_rest), None),
        ("peak memory, streamed 10-image run", statistics.median(peaks["app"]), RUN_TARGET_MB),
        (
            f"peak memory, history scrolled through {HISTORY_RUNS:,} runs",
            statistics.median(peaks["history"]),
            None,
        ),
    ):
        rows.append(
            {
                "name": label,
                "figure": f"{value:.0f} MB",
                "baseline": f"bare window {bare:.0f} MB",
                "ratio": f"{value / bare:.2f}x",
                "target": "reported (no target)" if target is None else f"<= {target:.0f} MB",
                "met": None if target is None else value <= target,
                "repetitions": reps,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Peak resident memory against a bare window.")
    parser.add_argument("--runs", type=int, default=3, help="processes of each kind (default 3)")
    parser.add_argument("--json", action="store_true", help="print the rows as one JSON line")
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is None:
        print_rows(measure(max(1, args.runs)), args.json)
        return 0
    if args.child == "bare":
        figures = child_bare()
    else:
        figures = (child_app if args.child == "app" else child_history)(args.path)
    print(json.dumps(figures), flush=True)
    os._exit(0)  # the figure is out: skip Qt's teardown, which only adds noise


if __name__ == "__main__":
    sys.exit(main())
