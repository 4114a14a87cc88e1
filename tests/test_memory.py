"""Freed picture buffers leave the process: after a 12 MP photo is decoded for a preview and the
decode freed, ``release_freed_memory`` hands the pages back (glibc keeps them otherwise)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import io
    from pathlib import Path
    from PIL import Image
    from desktop_app.core.imaging import open_image
    from desktop_app.memory import release_freed_memory

    def resident_mb():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1000

    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (90, 140, 200)).save(buffer, "JPEG")
    data = buffer.getvalue()
    before = resident_mb()
    for _ in range(3):
        preview = open_image(data).upright(max_side=2048)  # a full-size decode, then freed
    kept = resident_mb() - before
    released = release_freed_memory()
    print(released, kept, resident_mb() - before)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_a_decoded_photo_does_not_stay_resident_once_released() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True
    ).stdout.split()
    released, kept_before, kept_after = out[0] == "True", float(out[1]), float(out[2])
    assert released
    # Three 36 MB decodes left ~100 MB resident; released, what stays is mostly the preview.
    assert kept_after < kept_before / 2, (kept_before, kept_after)


WORKER_CHILD = textwrap.dedent(
    """
    import io
    import sys
    import threading
    from pathlib import Path
    from PIL import Image
    from desktop_app.core.imaging import open_image
    from desktop_app.memory import limit_retained_memory

    def resident_mb():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1000

    limited = limit_retained_memory() if sys.argv[1] == "limited" else False
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (90, 140, 200)).save(buffer, "JPEG")
    data = buffer.getvalue()
    before = resident_mb()

    def decode():
        # A 20 MB buffer freed first: glibc then raises its mmap threshold past it (its own
        # rule), as any big picture freed earlier in a session would have done.
        freed_first = bytearray(20 * 1024 * 1024)
        del freed_first
        for _ in range(3):
            open_image(data).upright()  # a full-size 36 MB decode, freed at once

    worker = threading.Thread(target=decode)  # a worker's heap: malloc_trim cannot reach it
    worker.start()
    worker.join()
    print(limited, resident_mb() - before)
    """
)


def _kept_after_worker_decodes(mode: str) -> tuple[bool, float]:
    out = subprocess.run(
        [sys.executable, "-c", WORKER_CHILD, mode], capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0] == "True", float(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_large_buffers_freed_on_a_worker_leave_at_once_once_limited() -> None:
    limited, kept = _kept_after_worker_decodes("limited")
    _, kept_by_default = _kept_after_worker_decodes("default")
    assert limited
    # By default the worker's heap keeps tens of MB of the freed decodes (glibc's threshold
    # having risen past the picture's blocks); limited, about none.
    assert kept < 10 < kept_by_default, (kept, kept_by_default)
