"""Where the library keeps its files, and writing them so that none is ever seen half-written.

Layout of the library folder::

    index.sqlite3            the index (WAL mode); rebuilt from the files below when damaged
    sources/<sha256>.<ext>   each source picture once, named by its content hash
    runs/<YYYY-MM>/<run id>/ one folder per run: run.json (the sidecar) and 00.png, 01.png...
    .staging/                temporary files on their way into place; emptied at the next open
    sessions/                one lock file per process that has the library open

Every file is written to ``.staging`` first, flushed to disk, then renamed into place and the
target folder flushed too. One staging folder (on the same file system, so the rename is atomic)
lets an open clean up after a crash without walking ten thousand run folders.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from desktop_app.core.fsio import fsync_folder, replace_atomically
from desktop_app.core.imaging.sniffing import kind_of

INDEX_NAME: Final = "index.sqlite3"
SIDECAR_NAME: Final = "run.json"
STAGING_SUFFIX: Final = ".part"
_RUN_ID_RE: Final = re.compile(r"(\d{4})(\d{2})\d{2}-\d{6}-[0-9a-f]{12}")
_RESULT_NAME_RE: Final = re.compile(r"(\d{2,6})\.([a-z0-9]{1,8})")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_run_id(created: datetime) -> str:
    """Sortable by time and readable in a file manager: ``20261201-101530-3f9a0c1b2d4e``."""
    return f"{created.astimezone(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(6)}"


def is_run_id(text: str) -> bool:
    return _RUN_ID_RE.fullmatch(text) is not None


def result_id(run_id: str, index: int) -> str:
    # Derived, not random: the index rebuilt from the files gives every result the same id, so
    # the parent links of "Vary this" survive a rebuild.
    return f"{run_id}-{index}"


def result_file_name(index: int, fmt: str) -> str:
    return f"{index:02d}.{fmt}"


def parse_result_file_name(name: str) -> tuple[int, str] | None:
    match = _RESULT_NAME_RE.fullmatch(name)
    return (int(match.group(1)), match.group(2)) if match else None


# As loading.py recognises them (sniffing.detect_kind): only a picture that opened is stored.
_SOURCE_EXTENSIONS = {
    "PNG": "png",
    "JPEG": "jpg",
    "GIF": "gif",
    "WEBP": "webp",
    "BMP": "bmp",
    "TIFF": "tif",
    "HEIF": "heic",
}


def sniff_source_ext(data: bytes) -> str:
    """A file extension for a source picture, from its content (the name can lie or be empty)."""
    return _SOURCE_EXTENSIONS.get(kind_of(data) or "", "bin")


class Layout:
    """The paths inside one library folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = root / INDEX_NAME
        self.sources = root / "sources"
        self.runs = root / "runs"
        self.staging = root / ".staging"
        self.sessions = root / "sessions"

    def create(self) -> None:
        for folder in (self.sources, self.runs, self.staging, self.sessions):
            folder.mkdir(parents=True, exist_ok=True)

    def source_path(self, source_hash: str, ext: str) -> Path:
        return self.sources / f"{source_hash}.{ext}"

    def run_folder(self, run_id: str) -> Path:
        match = _RUN_ID_RE.fullmatch(run_id)
        if match is None:
            raise ValueError(f"{run_id!r} is not a run id of this library.")
        return self.runs / f"{match.group(1)}-{match.group(2)}" / run_id

    def result_path(self, run_id: str, index: int, fmt: str) -> Path:
        return self.run_folder(run_id) / result_file_name(index, fmt)

    def sidecar_path(self, run_id: str) -> Path:
        return self.run_folder(run_id) / SIDECAR_NAME

    def sidecars(self) -> list[Path]:
        """Every run's sidecar, found by walking the run folders (for a rebuild)."""
        return sorted(self.runs.glob(f"*/*/{SIDECAR_NAME}"))


def write_atomically(
    layout: Layout,
    target: Path,
    data: bytes,
    *,
    tag: str,
    durable: bool = True,
    sync_folder: bool = True,
) -> None:
    """Puts ``data`` at ``target`` complete or not at all (replacing an older file there).

    ``tag`` starts the staging file's name: the session that writes it, so that an open only
    clears the leftovers of processes that are gone. ``durable=False`` skips the flushes, for
    building test libraries quickly; the app never uses it. ``sync_folder=False``: the caller
    flushes ``target``'s folder itself, once for several files (``Library.add_results``).
    """
    replace_atomically(
        target,
        data,
        staging=layout.staging,
        prefix=f"{tag}-",
        suffix=STAGING_SUFFIX,
        durable=durable,
        sync_folder=sync_folder,
    )


def remove_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def discard_folder(layout: Layout, folder: Path, *, tag: str) -> None:
    """Removes a run folder: first renamed into staging (one atomic step, so a crash never
    leaves half a run where a rebuild would find it), then deleted."""
    if not folder.exists():
        return
    trash = layout.staging / f"{tag}-trash-{secrets.token_hex(6)}{STAGING_SUFFIX}"
    os.replace(folder, trash)
    fsync_folder(folder.parent)
    shutil.rmtree(trash, ignore_errors=True)
    with contextlib.suppress(OSError):
        folder.parent.rmdir()  # the month folder, once empty


def clear_staging(layout: Layout, live_tags: set[str]) -> int:
    """Deletes the staging leftovers of every session not in ``live_tags``; returns how many."""
    removed = 0
    try:
        entries = list(os.scandir(layout.staging))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if entry.name.split("-", 1)[0] in live_tags:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            remove_file(Path(entry.path))
        removed += 1
    return removed
