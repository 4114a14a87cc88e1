"""Benchmark: preparing an edit upload from a 24-megapixel camera JPEG.

Times the straightforward pipeline (open, exif_transpose, crop the centred square, LANCZOS
to 1024, save PNG) against ``prepare_edit_upload(open_image(...), None, 1024)``, best of N
runs taken alternately (so both see the same machine load), and prints the speed ratio,
the upload's size against a PNG of the same pixels and its PSNR against those lossless
pixels (plus, for reference, against the baseline's pixels).

    .venv/bin/python -m benchmarks.bench_prepare [photo.jpg | --noisy] [--runs N]

Without a file it draws a photo-like 6000x4000 JPEG (quality 92, EXIF orientation 6, as a
camera held upright writes it); ``--noisy`` draws a hard one (dense detail, strong noise,
quality 95, EXIF orientation 6). Informational only: it asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageOps

from desktop_app.core.imaging import open_image, prepare_edit_upload, psnr
from desktop_app.core.imaging.encoding import square_pixels

SIDE = 1024


def make_camera_jpeg(width: int = 6000, height: int = 4000) -> bytes:
    from tests.core.imaging.corpus import exif_bytes, photo_like

    picture = photo_like(width, height, seed=24, style="scene")
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=92, exif=exif_bytes(6))
    return buffer.getvalue()


def make_noisy_camera_jpeg(width: int = 6000, height: int = 4000) -> bytes:
    """A hard case: dense detail under strong sensor noise (a phone at night), quality 95,
    EXIF orientation 6. Noise makes the JPEG big and its decoding slow, and no DCT-domain
    shrinking skips the entropy decoding of every block."""
    from tests.core.imaging.corpus import exif_bytes, photo_like

    picture = photo_like(width, height, seed=7, style="foliage")
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    picture = Image.blend(picture, noise, 0.25)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95, exif=exif_bytes(6))
    return buffer.getvalue()


def baseline(data: bytes) -> tuple[Image.Image, bytes]:
    """What one writes first: decode everything, rotate everything, then shrink."""
    with Image.open(io.BytesIO(data)) as opened:
        upright = ImageOps.exif_transpose(opened)
    side = min(upright.size)
    left, top = (upright.width - side) // 2, (upright.height - side) // 2
    small = upright.crop((left, top, left + side, top + side)).resize(
        (SIDE, SIDE), Image.Resampling.LANCZOS
    )
    buffer = io.BytesIO()
    small.save(buffer, "PNG")
    return small, buffer.getvalue()


def ours(data: bytes) -> bytes:
    return prepare_edit_upload(open_image(data, name="camera.jpg"), None, SIDE).data


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time prepare_edit_upload on a camera JPEG.")
    parser.add_argument("photo", nargs="?", type=Path, help="a camera JPEG (default: drawn)")
    parser.add_argument("--runs", type=int, default=7, help="best of N (default 7)")
    parser.add_argument(
        "--noisy", action="store_true", help="draw the noisy photo (make_noisy_camera_jpeg)"
    )
    args = parser.parse_args(argv)
    runs = max(1, args.runs)

    if args.photo is not None:
        data, origin = args.photo.read_bytes(), str(args.photo)
    elif args.noisy:
        started = time.perf_counter()
        data = make_noisy_camera_jpeg()
        origin = f"drawn noisy 6000x4000 JPEG, EXIF orientation 6 ({_since(started)})"
    else:
        started = time.perf_counter()
        data = make_camera_jpeg()
        origin = f"drawn 6000x4000 photo-like JPEG, EXIF orientation 6 ({_since(started)})"
    source = open_image(data)
    print(f"input: {origin}; {len(data) / 1e6:.1f} MB, upright {source.width}x{source.height}")

    baseline_times, our_times = [], []
    for _ in range(runs):  # alternate, so load from elsewhere hits both alike
        baseline_times.append(_timed(lambda: baseline(data)))
        our_times.append(_timed(lambda: ours(data)))
    baseline_best, our_best = min(baseline_times), min(our_times)

    baseline_pixels, _ = baseline(data)
    upload = ours(data)
    lossless = square_pixels(source, None, SIDE)
    same_pixels_png = len(_png(lossless))
    with Image.open(io.BytesIO(upload)) as decoded_file:
        upload_format = decoded_file.format
        decoded = decoded_file.convert("RGB")

    print(f"runs: best of {runs}, taken alternately")
    print(
        f"time baseline: {baseline_best * 1000:.0f} ms "
        "(Image.open, exif_transpose, crop, LANCZOS 1024, PNG)"
    )
    print(f"time ours: {our_best * 1000:.0f} ms (open_image + prepare_edit_upload)")
    print(f"speed ratio: {baseline_best / our_best:.2f}x (target >= 4x)")
    print(
        f"upload bytes vs PNG of the same pixels: {upload_format} {len(upload):,} / "
        f"{same_pixels_png:,} = {len(upload) / same_pixels_png:.3f} (target <= 0.25)"
    )
    print(f"PSNR vs the lossless crop: {psnr(lossless, decoded):.2f} dB (target >= 40 dB)")
    reference = (psnr(lossless, baseline_pixels), psnr(decoded, baseline_pixels))
    print(
        f"for reference, PSNR vs the baseline's pixels: lossless crop {reference[0]:.2f} dB, "
        f"upload {reference[1]:.2f} dB"
    )
    return 0


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _since(started: float) -> str:
    return f"drawn in {time.perf_counter() - started:.1f} s"


if __name__ == "__main__":
    sys.exit(main())
