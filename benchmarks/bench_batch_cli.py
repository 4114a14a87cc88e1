"""Benchmark: does a batch gain from sending two pictures at once?

20 pictures, one variation each, through the real command line (``python -m desktop_app vary
FOLDER --jobs K``) against the local API server answering every edit after 1 s, as a slow
model would: ``--jobs 2`` against ``--jobs 1`` (the baseline, measured in the same run).

    .venv/bin/python -m benchmarks.bench_batch_cli [--pictures N] [--delay S] [--json]

The server runs in this process, one thread per request (its ``answer_delay`` never blocks
another request); the command lines are child processes with their own home, as a person's would be.
Target: ``--jobs 2`` takes at most 0.6x the time of ``--jobs 1``. Informational only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-bench-batch-0123456789"
TARGET = 0.6


@contextmanager
def slow_server(delay: float) -> Iterator[str]:
    """The local API server, every images request answered after ``delay`` seconds."""
    from tests.fake_openai import FakeOpenAI

    fake = FakeOpenAI(api_key=KEY)
    fake.answer_delay = delay  # in each request's own thread: the others go on
    fake.start()
    try:
        yield fake.base_url
    finally:
        fake.stop()


def make_pictures(folder: Path, count: int) -> Path:
    from PIL import Image

    folder.mkdir()
    for number in range(count):
        colour = (number * 12 % 256, 140, 200 - number * 5)
        Image.new("RGB", (800, 600), colour).save(folder / f"p{number:02}.jpg", "JPEG")
    return folder


def vary(base_url: str, pictures: Path, out: Path, jobs: int, home: Path) -> float:
    env = dict(
        os.environ,
        OPENAI_API_KEY=KEY,
        OPENAI_BASE_URL=base_url,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        PYTHONPATH=str(ROOT),
    )
    command = [
        sys.executable, "-m", "desktop_app", "vary", str(pictures), "-n", "1",
        "--quality", "low", "--jobs", str(jobs), "--out", str(out),
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    saved = list(out.iterdir()) if out.is_dir() else []
    if done.returncode != 0 or len(saved) != len(list(pictures.iterdir())):
        raise RuntimeError(f"--jobs {jobs} exited {done.returncode}: {done.stderr[-800:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A batch, two at once against one at once.")
    parser.add_argument("--pictures", type=int, default=20)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per answer")
    parser.add_argument("--json", action="store_true", help="also print the rows as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as name:
        folder = Path(name)
        pictures = make_pictures(folder / "pictures", args.pictures)
        with slow_server(args.delay) as base_url:
            one = vary(base_url, pictures, folder / "out1", 1, folder / "home1")
            two = vary(base_url, pictures, folder / "out2", 2, folder / "home2")
    ratio = two / one
    print(
        f"batch of {args.pictures} pictures, answers after {args.delay} s: --jobs 1 "
        f"{one:.1f} s, --jobs 2 {two:.1f} s, ratio {ratio:.2f}x (target <= {TARGET})"
    )
    if args.json:
        row = {
            "name": f"batch of {args.pictures}, --jobs 2 vs --jobs 1 (1 s answers)",
            "figure": f"{two:.1f} s",
            "baseline": f"--jobs 1 {one:.1f} s",
            "ratio": f"{ratio:.2f}x",
            "target": f"<= {TARGET}x",
            "met": ratio <= TARGET,
            "repetitions": "1",
        }
        print(json.dumps([row]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
