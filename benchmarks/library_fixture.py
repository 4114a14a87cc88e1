"""A synthetic library of many runs, for the history's scale benchmark (and by hand).

    .venv/bin/python -m benchmarks.library_fixture FOLDER [--runs 10000] [--seed 0]

:func:`build_library` writes the files a real library holds (sources stored once by hash, small
real PNG results, one sidecar per run) without flushing each one to disk, which is what makes
10,000 runs take seconds rather than minutes, and then lets ``Library.open`` build the index from
them: the same path as the rebuild after a damaged index, so it also shows how long that takes.
Runs spread over the last 400 days; a quarter vary an earlier result (lineage), one in twenty is
a favourite, most have a cost.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from desktop_app.core.library import Library, Outcome, files
from desktop_app.core.library.sidecar import to_document

THUMBNAIL_SIDE = 256
POOL = 48  # distinct result images, reused: the benchmark measures the index and the view
SOURCES = 200
MODELS = ("gpt-image-1", "gpt-image-1.5", "gpt-image-1-mini", "dall-e-2")
SUBJECTS = ("cat", "lighthouse", "portrait", "mountain lake", "robot", "bicycle", "garden")
_TAG = "fixture"


def _png(rng: random.Random, side: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.linear_gradient("L").resize((side, side)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(side), rng.randrange(side)
        r = rng.randrange(8, side // 3)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def build_library(folder: Path, runs: int = 10_000, *, seed: int = 0) -> Path:
    """Fills ``folder`` (new or empty) with ``runs`` runs and their index; returns ``folder``."""
    rng = random.Random(seed)
    layout = files.Layout(Path(folder))
    layout.create()
    images = [_png(rng, THUMBNAIL_SIDE) for _ in range(POOL)]
    sources: list[tuple[str, str]] = []
    for n in range(SOURCES):
        data = _png(rng, 384 + n % 5 * 64)
        source_hash = files.sha256_hex(data)
        write(layout, layout.source_path(source_hash, "png"), data)
        sources.append((source_hash, f"photo-{n:03d}.png"))

    now = datetime.now(UTC)
    start = now - timedelta(days=400)
    step = (now - start) / max(runs, 1)
    earlier_results: list[str] = []
    for n in range(runs):
        created = start + step * n
        run_id = files.new_run_id(created)
        source_hash, source_name = rng.choice(sources)
        model = rng.choice(MODELS)
        count = rng.randint(1, 4)
        parent = rng.choice(earlier_results) if earlier_results and rng.random() < 0.25 else None
        subject = rng.choice(SUBJECTS)
        run: dict[str, Any] = {
            "id": run_id,
            "created": created.isoformat(timespec="microseconds"),
            "source_hash": source_hash,
            "source_ext": "png",
            "source_name": source_name,
            "crop": json.dumps([0, 0, 384]),
            "mode": "classic" if model == "dall-e-2" else "edit",
            "model": model,
            "parameters": json.dumps({"n": count, "size": "1024x1024", "quality": "medium"}),
            "prompt": f"A {rng.choice(('subtle', 'balanced', 'strong'))} variation of a {subject}",
            "parent_result_id": parent,
            "request_id": f"req_{n:06d}",
            "usage": json.dumps({"input_tokens": 400, "output_tokens": 1056 * count}),
            "estimated_cost": 0.042 * count,
            "cost": round(0.04 * count, 4) if rng.random() < 0.95 else None,
            "outcome": Outcome.SUCCEEDED.value if rng.random() < 0.92 else Outcome.FAILED.value,
            "error": None,
            "favourite": 1 if rng.random() < 0.05 else 0,
            "deleted_at": None,
            "session": None,  # a finished run: no live session owns it
        }
        results = []
        for index in range(count if run["outcome"] == Outcome.SUCCEEDED.value else 0):
            data = images[rng.randrange(POOL)]
            write(layout, layout.result_path(run_id, index, "png"), data)
            results.append(
                {
                    "idx": index,
                    "format": "png",
                    "size": len(data),
                    "sha256": files.sha256_hex(data),
                    "revised_prompt": None,
                }
            )
            earlier_results.append(files.result_id(run_id, index))
        write(layout, layout.sidecar_path(run_id), to_document(run, results))
    files.remove_file(layout.index)
    Library.open(layout.root).close()  # no index: the open builds it from the files
    return layout.root


def write(layout: files.Layout, path: Path, data: bytes) -> None:
    files.write_atomically(layout, path, data, tag=_TAG, durable=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a synthetic library for benchmarks.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.folder.exists() and any(args.folder.iterdir()):
        parser.error(f"{args.folder} is not empty")
    started = time.perf_counter()
    build_library(args.folder, args.runs, seed=args.seed)
    built = time.perf_counter() - started
    with Library.open(args.folder) as library:
        started = time.perf_counter()
        page = library.runs(limit=100)
        first_page = time.perf_counter() - started
        started = time.perf_counter()
        found = library.count_runs(search="lighthouse")
        search = time.perf_counter() - started
        total = library.count_runs()
    print(
        f"{total} runs built in {built:.1f} s; first page of {len(page)} in "
        f"{first_page * 1000:.1f} ms; search ({found} found) in {search * 1000:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
