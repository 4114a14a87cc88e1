"""open_image and the first renders under mutated files of every accepted format.

Anything may be refused, but only with ImageRejected (with a known reason and a sentence);
no other exception may escape, and no example may hang (the per-test backstop). At least
MIN_EXAMPLES mutated files run per session, split over the formats by how many parsers each
one exercises; the seeds are fixed, so a CI run is reproducible.
"""

from __future__ import annotations

import zlib

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from desktop_app.core.imaging import ImageRejected, open_image

from .conftest import EXAMPLES
from .mutations import bomb_headers, mutated_images
from .seeds import FORMATS, seeds_by_format

pytestmark = pytest.mark.slow  # pytest -m 'not slow' leaves it out

MIN_EXAMPLES = 10_000
# Examples per format; the sum must reach MIN_EXAMPLES (checked below).
QUOTA = {
    "PNG": 1_700,
    "JPEG": 1_600,
    "MPO": 600,
    "WEBP": 1_400,
    "GIF": 1_100,
    "HEIF": 900,
    "BMP": 1_100,
    "TIFF": 1_600,
}
BOMB_QUOTA = 60  # per format, on top of the quota: headers claiming enormous sizes
# The backstop should a parser spin in C, never a speed check: the example count is fixed, and
# a busy 2-core CI machine may take several times as long as a desk machine. Hypothesis's own
# per-example deadline is off for the same reason.
PER_TEST_TIMEOUT = 900

REASONS = {
    "empty",
    "unsupported_format",
    "vector",
    "truncated",
    "corrupt",
    "too_large",
    "bomb",
    "too_small",
}


def exercise_loader(data: bytes) -> str:
    """What the window does with a dropped file: open, check alpha, preview, render a crop."""
    try:
        image = open_image(data, name="fuzzed.bin")
        assert image.width >= 1 and image.height >= 1
        _ = image.has_alpha
        preview = image.upright(max_side=16)
        assert preview.mode in ("RGB", "RGBA")
        assert max(preview.size) <= 16
        region = (0, 0, max(1, image.width // 2), max(1, image.height // 2))
        crop = image.render(region, (8, 8))
        assert crop.size == (8, 8)
    except ImageRejected as rejected:
        assert rejected.reason in REASONS, rejected
        assert str(rejected).strip()
        return rejected.reason
    return "accepted"


def run_fuzz(key: str, strategy: st.SearchStrategy[bytes], examples: int) -> None:
    """Run ``exercise_loader`` on ``examples`` drawn inputs, seeded from ``key``."""

    @seed(zlib.crc32(key.encode()))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def fuzz(data: bytes) -> None:
        EXAMPLES[key] += 1
        exercise_loader(data)

    before = EXAMPLES[key]
    fuzz()
    assert EXAMPLES[key] - before >= examples


def _warm_up(fmt: str) -> None:
    """Import the codec (pillow-heif is slow to load) outside the timed examples."""
    for data in seeds_by_format()[fmt]:
        assert exercise_loader(data) == "accepted"


def test_quotas_reach_the_minimum() -> None:
    assert set(QUOTA) == set(FORMATS)
    assert sum(QUOTA.values()) >= MIN_EXAMPLES


@pytest.mark.timeout(PER_TEST_TIMEOUT)
@pytest.mark.parametrize("fmt", FORMATS)
def test_mutated_files_are_loaded_or_rejected(fmt: str) -> None:
    _warm_up(fmt)
    run_fuzz(f"image:{fmt}", mutated_images(fmt), QUOTA[fmt])


@pytest.mark.timeout(PER_TEST_TIMEOUT)
@pytest.mark.parametrize("fmt", FORMATS)
def test_headers_claiming_huge_sizes_are_refused_quickly(fmt: str) -> None:
    _warm_up(fmt)
    run_fuzz(f"image:{fmt}:huge", bomb_headers(fmt), BOMB_QUOTA)
