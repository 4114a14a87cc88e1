"""Freed picture buffers leave the process: opening a 12 MP photo for its preview leaves little
resident behind (glibc, where the app sets a fixed mmap threshold at start)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import io, sys
    from pathlib import Path
    from PIL import Image
    from desktop_app.memory import return_freed_memory

    def resident_mb():
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1000

    taken = return_freed_memory() if sys.argv[1] == "set" else False
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), (90, 140, 200)).save(buffer, "JPEG")
    data = buffer.getvalue()
    from desktop_app.core.imaging import open_image
    before = resident_mb()
    for _ in range(3):
        preview = open_image(data).upright(max_side=2048)  # a full-size decode, then freed
    print(taken, resident_mb() - before)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_a_decoded_photo_does_not_stay_resident_once_freed() -> None:
    def left(how: str) -> tuple[bool, float]:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, how], capture_output=True, text=True, check=True
        ).stdout.split()
        return out[0] == "True", float(out[1])

    taken, kept = left("set")
    assert taken
    _untaken, kept_by_default = left("unset")
    # The preview itself is 9 MB; the 36 MB decode behind it must not stay.
    assert kept < 25, (kept, kept_by_default)
