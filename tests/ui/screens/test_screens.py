"""The window on the screens people have: a 1024 × 600 netbook, 1280 × 720, a 1366 × 768
laptop, 1920 × 1080, and 1920 × 1080 at 200 % (960 × 540 logical pixels).

Each screen runs ``on_screen`` in a process of its own, under an offscreen platform configured
as that screen: at the first start, after a restart and with History open the window lies inside
the screen (with room left for a panel and a title bar), and after a run every variation is in
view without scrolling.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# name: (width, height, scale, variation counts to try)
SCREENS = {
    "1024x600": (1024, 600, 1, "1,4"),
    "1280x720": (1280, 720, 1, "1,4"),
    "1366x768": (1366, 768, 1, "1,4"),
    "1920x1080": (1920, 1080, 1, "1,4,10"),
    "1920x1080@2": (1920, 1080, 2, "1,4"),
}


@pytest.mark.parametrize("name", SCREENS)
def test_the_window_fits_the_screen_and_shows_every_result(name: str, tmp_path: Path) -> None:
    width, height, scale, counts = SCREENS[name]
    config = tmp_path / "screen.json"
    screen = {"name": name, "x": 0, "y": 0, "width": width, "height": height}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "QT_SCALE_FACTOR": str(scale),
        "IMAGE_VARIATIONS_COUNTS": counts,
        "IMAGE_VARIATIONS_SCREEN_NAME": name,
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(HERE / "on_screen.py"),
        "-q",
        "-p",
        "no:randomly",
    ]
    done = subprocess.run(
        command, env=env, cwd=HERE.parents[2], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
