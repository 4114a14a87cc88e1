"""Benchmark: how long until the main window is on screen and painted, against a bare window.

Each measurement is a fresh process (``benchmarks/startup_child.py``), app and bare taken
alternately so both see the same machine load. The parent writes ``time.time_ns()`` into the
child's environment just before spawning it; the child reports the wall time from there until
its main window has handled its first Expose, i.e. was painted and flushed once. So the figure
covers process start, interpreter start, imports, building the window and the first paint.

    .venv/bin/python -m benchmarks.bench_startup [--runs N] [--platform offscreen|xcb]

The app child runs the real entry point (``desktop_app.__main__.main``) with throwaway config and
data folders and a keyring that fails (the window must not touch the keyring before it shows).
It also lists which heavy modules (network, keyring, imaging, asyncio) were loaded before the
first paint. The app's window shows in two steps: its frame (title, remembered geometry,
status bar) paints first, then the panels are built and painted (``firstPainted``); what that
paint does not show (the results mood) is built right after it, with the icon, the socket for
later starts and the first requests: when all that is done is reported too. All are
reported against the bare window; the target, app <= 1.5x bare, is for the second: what a
person waits for is the finished window. Informational only: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "startup_child.py"
TARGET = 1.5
PHASES = ("interpreter_ms", "qt_init_ms", "until_expose_ms", "paint_ms")


def run_child(kind: str, platform: str, home: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        {
            "QT_QPA_PLATFORM": platform,
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_PICTURES_DIR": str(home / "pictures"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "PYTHONPATH": str(ROOT),
        }
    )
    # PYTHONDONTWRITEBYTECODE would make every start compile the app's modules again, which
    # no installed app does (the warm-up writes the bytecode caches, as a first start would).
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    env["BENCH_SPAWN_NS"] = str(time.time_ns())
    done = subprocess.run(
        [sys.executable, str(CHILD), kind],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{kind} child printed nothing (exit {done.returncode}):\n{done.stderr}")
    result: dict[str, Any] = json.loads(lines[-1])
    if "error" in result:
        raise RuntimeError(f"{kind} child: {result['error']}\n{done.stderr}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time to the first painted main window.")
    parser.add_argument("--runs", type=int, default=9, help="repetitions of each (default 9)")
    parser.add_argument(
        "--platform",
        choices=("offscreen", "xcb"),
        default="offscreen",
        help="Qt platform plugin (xcb needs DISPLAY, e.g. under Xvfb)",
    )
    args = parser.parse_args(argv)
    if args.platform == "xcb" and not os.environ.get("DISPLAY"):
        parser.error("--platform xcb needs DISPLAY (e.g. run under xvfb-run)")
    runs = max(1, args.runs)

    results: dict[str, list[dict[str, Any]]] = {"app": [], "bare": []}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        home = Path(folder)
        for kind in ("bare", "app"):  # warm-up: bytecode caches, font cache, page cache
            run_child(kind, args.platform, home)
        for _ in range(runs):
            for kind in ("app", "bare"):
                results[kind].append(run_child(kind, args.platform, home))

    print(f"platform: {args.platform}; {runs} runs of each, alternating, after one warm-up each")
    figures = (
        ("window shown (first paint)", "total_ms"),
        ("window complete (panels painted)", "complete_ms"),
        ("after-paint work done (results mood, icon, socket, requests)", "built_ms"),
    )
    for title, key in figures:
        app_times = [r[key] for r in results["app"]]
        bare_times = [r["total_ms"] for r in results["bare"]]
        for label, pick in (("median", statistics.median), ("best", min)):
            app_ms, bare_ms = pick(app_times), pick(bare_times)
            target = f" | target <= {TARGET}x" if key == "complete_ms" else " | informational"
            print(
                f"{title} ({label}): app {app_ms:.0f} ms | bare {bare_ms:.0f} ms | "
                f"ratio {app_ms / bare_ms:.2f}x{target} | runs {runs}"
            )
    for kind in ("app", "bare"):
        phases = ", ".join(
            f"{name.removesuffix('_ms')} {statistics.median(r[name] for r in results[kind]):.0f}"
            for name in PHASES
        )
        print(f"  {kind} phases, median ms: {phases}")
    before = sorted({m for r in results["app"] for m in r["modules_before_paint"]})
    after = sorted({m for r in results["app"] for m in r["modules_after_paint"]} - set(before))
    print(f"heavy modules loaded before the first paint (app): {', '.join(before) or 'none'}")
    print(f"  ...loaded during the first paint (app, other threads): {', '.join(after) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
