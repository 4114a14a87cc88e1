"""Room on the disks before paying: a run whose pictures cannot be written is money lost.

Checked on the library's disk and on the output folder's (often the same one, then once), with
a margin well above what the pictures take: SQLite, the sidecars and the staging copies need
room too.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Final

MIN_FREE_BYTES: Final = 50 * 1024 * 1024
PER_IMAGE_BYTES: Final = 20 * 1024 * 1024


def needed_bytes(n: int) -> int:
    """What a run of ``n`` pictures wants free before it is sent."""
    return max(MIN_FREE_BYTES, n * PER_IMAGE_BYTES)


def free_bytes(folder: Path) -> int | None:
    """Free bytes on the disk of ``folder`` (or of its nearest existing parent, for a folder
    not made yet); None when it cannot be told."""
    try:
        return shutil.disk_usage(_nearest_existing(folder)).free
    except OSError:
        return None


def shortage(folders: Iterable[tuple[str, Path]], n: int) -> str | None:
    """A sentence naming the first disk with too little room for ``n`` pictures, or None.

    ``folders`` are (what, where) pairs, e.g. ("the library", path): a disk shared by two of
    them is checked once.
    """
    needed = needed_bytes(n)
    seen: set[int] = set()
    for what, folder in folders:
        device = _device(folder)
        if device is not None and device in seen:
            continue
        if device is not None:
            seen.add(device)
        free = free_bytes(folder)
        if free is not None and free < needed:
            return (
                f"only {_mb(free)} is free on the disk of {what} ({folder}); a run of {n} "
                f"picture{'s' if n != 1 else ''} needs at least {_mb(needed)}"
            )
    return None


def before_a_run(n: int, output: tuple[str, Path] | None = None) -> str | None:
    """The shortage (see :func:`shortage`) for a run of ``n``: the library's disk, and the
    output folder's when the pictures are also written there at once (``(what, where)``)."""
    from desktop_app.core.library.store import FOLDER_NAME
    from desktop_app.core.paths import data_folder

    folders = [("the library", data_folder() / FOLDER_NAME)]
    return shortage([*folders, output] if output is not None else folders, n)


def _nearest_existing(folder: Path) -> Path:
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return probe


def _device(folder: Path) -> int | None:
    try:
        return os.stat(_nearest_existing(folder)).st_dev
    except OSError:
        return None


def _mb(count: int) -> str:
    return f"{count / (1024 * 1024):.0f} MB"
