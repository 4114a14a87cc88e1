"""Benchmark: the app's engine against the official ``openai`` SDK, one 10-image edit each.

Both sides send the same request (``POST /v1/images/edits``, n=10, 1024x1024, PNG, b64_json,
the same upload bytes and form fields) to the same local API (``tests.fake_openai``) running in
a child process, so the server's own CPU counts against neither; both decode the ten base64
images and write them to disk.

- app: the shared use case the window and the command line run (``desktop_app.core.run``,
  minus the key store): a new ``ImagesClient`` on the run's own event loop (``CancellableRun``),
  the price table, a ``VariationRun`` whose ``RunLog`` stores every image in a temporary
  ``Library`` (file flushed to disk, sidecar, index) as it arrives.
- sdk: ``openai.OpenAI(...).images.edit(...)``, ``base64.b64decode`` and ``write_bytes`` of ten
  files, as a script would. The SDK is installed into the venv by this benchmark if missing.

Sides alternate (the order flips every repetition) after one warm-up each; medians reported.
The figure is the wall time from the call to the last file written; the client's CPU time (this
process only, the server is elsewhere) is shown as well.

    .venv/bin/python -m benchmarks.bench_e2e [--runs N] [--json]

Target: app / sdk <= 1.0, for the wall time and for the client CPU. Informational only: it
asserts nothing.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.report import print_rows

ROOT = Path(__file__).resolve().parent.parent
N = 10
SIZE = "1024x1024"
TARGET = 1.0


def ensure_openai() -> str:
    """Installs the official SDK into this interpreter's environment when it is not there."""
    if importlib.util.find_spec("openai") is None:
        print("installing the openai SDK for this benchmark...", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "openai"], check=True, cwd=ROOT
        )
        importlib.invalidate_caches()
    import openai

    return str(openai.__version__)


class Scene:
    """The shared input: one prepared upload, the settings, the model the app would pick."""

    def __init__(self, base_url: str, key: str, folder: Path) -> None:
        from desktop_app.core.imaging import open_image
        from desktop_app.core.variation import VariationSettings, build_request, prepare_upload
        from tests.core.imaging.corpus import photo_like

        self.base_url = base_url
        self.key = key
        self.folder = folder
        photo = folder / "photo.jpg"
        photo_like(2000, 1500, seed=11, style="scene").save(photo, "JPEG", quality=90)
        self.source = open_image(photo)
        self.settings = VariationSettings(n=N, size=SIZE, output_format="png")
        self.upload = prepare_upload(self.source, None, self.settings)
        self.model = self._default_model()
        self.request = build_request(self.upload, self.settings, self.model)
        self.form = dict(self.request.form())

    def _default_model(self) -> str:
        import asyncio
        import datetime as dt

        from desktop_app.core.client import ImagesClient
        from desktop_app.core.config import ClientConfig
        from desktop_app.core.keystore import ApiKey
        from desktop_app.core.models import choose_default_model

        async def listed() -> str:
            config = ClientConfig(base_url=self.base_url)
            async with ImagesClient(config, ApiKey(self.key)) as client:
                models = await client.list_models()
            return choose_default_model(models, dt.date.today()) or "gpt-image-2"

        return asyncio.run(listed())


def app_side(scene: Scene, library: Any, out: Path) -> int:
    """One run the way the window's worker makes it; returns the number of images stored."""
    from desktop_app.core.client import ImagesClient
    from desktop_app.core.config import ClientConfig
    from desktop_app.core.keystore import ApiKey
    from desktop_app.core.run import VariationRun, shipped_prices
    from desktop_app.core.runner import CancellableRun, RunRecorder

    recorder = RunRecorder()
    settings = replace(scene.settings, model=scene.model)

    async def work() -> int:
        config = ClientConfig(base_url=scene.base_url)
        async with ImagesClient(config, ApiKey(scene.key)) as client:
            run = VariationRun(
                scene.source, None, scene.upload, settings, library=library, prices=shipped_prices()
            )
            outcome = await run.execute(client, recorder)
            return len(outcome.stored)

    return CancellableRun(work).run()


def sdk_side(scene: Scene, library: Any, out: Path) -> int:
    """The same request through the official SDK; decode and write the ten files."""
    import openai

    client = openai.OpenAI(api_key=scene.key, base_url=scene.base_url, max_retries=0)
    form = scene.form
    # The app's own form fields, so both sides ask for exactly the same thing.
    options: dict[str, Any] = {
        k: form[k]
        for k in ("model", "size", "quality", "output_format", "input_fidelity")
        if k in form
    }
    try:
        answer = client.images.edit(
            image=(scene.upload.filename, scene.upload.data, scene.upload.mime_type),
            prompt=form["prompt"],
            n=int(form["n"]),
            **options,
        )
    finally:
        client.close()
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for index, item in enumerate(answer.data or []):
        if item.b64_json:
            (out / f"variation-{index + 1}.png").write_bytes(base64.b64decode(item.b64_json))
            written += 1
    return written


Side = Callable[[Scene, Any, Path], int]


def timed(side: Side, scene: Scene, library: Any, out: Path) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    made = side(scene, library, out)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if made != N:
        raise RuntimeError(f"{side.__name__} stored {made} images, not {N}")
    return wall, cpu


def measure(runs: int) -> list[dict[str, Any]]:
    version = ensure_openai()
    # The local API in a child process (it pulls in Qt here, which times nothing).
    from benchmarks.bench_responsiveness import KEY, api_server
    from desktop_app.core.library import Library

    sides: dict[str, Side] = {"app": app_side, "sdk": sdk_side}
    wall: dict[str, list[float]] = {"app": [], "sdk": []}
    cpu: dict[str, list[float]] = {"app": [], "sdk": []}
    server = api_server("process", 0.0)
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as name, server as base_url:
        folder = Path(name)
        scene = Scene(base_url, KEY, folder)
        print(
            f"openai SDK {version}; model {scene.model}; n={N}, {SIZE}, PNG; upload "
            f"{scene.upload.format} {len(scene.upload.data):,} bytes; API in a child process",
            flush=True,
        )
        with Library.open(folder / "library") as library:
            for kind in ("app", "sdk"):  # warm-up: imports, connection set-up code paths
                timed(sides[kind], scene, library, folder / "warm" / kind)
            for rep in range(runs):
                order = ("app", "sdk") if rep % 2 == 0 else ("sdk", "app")
                for kind in order:
                    w, c = timed(sides[kind], scene, library, folder / f"{kind}-{rep}")
                    wall[kind].append(w)
                    cpu[kind].append(c)
                print(
                    f"  rep {rep + 1}: app {wall['app'][-1] * 1000:.0f} ms "
                    f"(CPU {cpu['app'][-1] * 1000:.0f}), sdk {wall['sdk'][-1] * 1000:.0f} ms "
                    f"(CPU {cpu['sdk'][-1] * 1000:.0f})",
                    flush=True,
                )
    rows = []
    for label, values, target in (
        ("e2e 10-image edit, wall (median)", wall, TARGET),
        ("e2e 10-image edit, client CPU (median)", cpu, TARGET),
    ):
        app_ms = statistics.median(values["app"]) * 1000
        sdk_ms = statistics.median(values["sdk"]) * 1000
        ratio = app_ms / sdk_ms
        rows.append(
            {
                "name": label,
                "figure": f"app {app_ms:.0f} ms",
                "baseline": f"openai SDK {sdk_ms:.0f} ms",
                "ratio": f"{ratio:.2f}x",
                "target": f"<= {target:.1f}x" if target is not None else "informational",
                "met": (ratio <= target) if target is not None else None,
                "repetitions": f"{runs} each, alternating",
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The app's engine against the openai SDK.")
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each (default 5)")
    parser.add_argument("--json", action="store_true", help="print the rows as one JSON line")
    args = parser.parse_args(argv)
    print_rows(measure(max(1, args.runs)), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
