"""Writing a file whole or not at all, and making a new name in a folder survive a power cut.

Settings, the run queue, the server rules, the library's records and the desktop entry all
replace a file in place. A crash halfway must leave the old bytes or the new, never a mix, so
they all go through :func:`replace_atomically` rather than each keeping its own copy of the
temporary-file dance.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["fsync_folder", "replace_atomically"]


def fsync_folder(folder: Path) -> None:
    """Makes a new name in ``folder`` durable; folders cannot be opened this way on Windows."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def replace_atomically(
    path: Path,
    data: bytes,
    *,
    staging: Path | None = None,
    prefix: str | None = None,
    suffix: str = ".tmp",
    durable: bool = True,
    mode: int | None = None,
    sync_folder: bool = True,
) -> None:
    """Writes ``path`` whole or not at all: after a crash it holds the old bytes or the new.

    The bytes go to a temporary file (beside it, or in ``staging`` on the same disk, named
    ``prefix``...``suffix``), are flushed to disk, and replace it in one rename; the folder is
    flushed too, so the new name survives a power cut. ``durable=False`` skips both flushes.
    The file stays private (0600, as ``mkstemp`` makes it) unless ``mode`` says otherwise:
    settings may name a folder, while a desktop entry must be readable by the desktop.
    ``sync_folder=False`` leaves the folder's flush to the caller, who writes several files
    into it and flushes it once (the new names are durable only then)."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=staging or folder, prefix=prefix or f".{path.name}.", suffix=suffix
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if mode is not None:
                os.chmod(handle.fileno(), mode)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    if durable and sync_folder:
        fsync_folder(folder)
