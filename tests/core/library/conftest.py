"""A fresh library in a temporary folder, and drafts and images to record into it."""

from __future__ import annotations

import hashlib
import io
import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.library import Library, RunDraft, StoredResult, files

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WHEN = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
_counter = itertools.count()

DraftFactory = Callable[..., RunDraft]


def image_bytes(label: str = "", size: int = 64) -> bytes:
    """Bytes the library takes for a PNG (it sniffs the magic number), different per label."""
    body = hashlib.sha256(f"{label}-{next(_counter)}".encode()).digest()
    return PNG_MAGIC + (body * (size // len(body) + 1))[:size]


def real_png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def library_folder(tmp_path: Path) -> Path:
    return tmp_path / "library"


@pytest.fixture
def library(library_folder: Path) -> Iterator[Library]:
    opened = Library.open(library_folder)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def make_draft() -> DraftFactory:
    source = image_bytes("source")

    def make(**overrides: Any) -> RunDraft:
        values: dict[str, Any] = {
            "source_bytes": source,
            "source_name": "holiday.jpg",
            "crop": (10, 20, 300),
            "mode": "edit",
            "model": "gpt-image-1",
            "parameters": {"n": 2, "size": "1024x1024", "quality": "high"},
            "prompt": "A subtle variation",
            "estimated_cost": 0.08,
        }
        values.update(overrides)
        return RunDraft(**values)

    return make


def disk_full() -> OSError:
    return OSError(28, "No space left on device")


def fail_writes(monkeypatch: pytest.MonkeyPatch, refuse: Callable[[Path], bool]) -> None:
    """The library's file writes fail as on a full disk for the targets ``refuse`` picks (it
    is asked once for each write, in order)."""
    real = files.write_atomically

    def write(layout: files.Layout, target: Path, data: bytes, **kw: Any) -> None:
        if refuse(target):
            raise disk_full()
        real(layout, target, data, **kw)

    monkeypatch.setattr(files, "write_atomically", write)


def fail_add_result_after(monkeypatch: pytest.MonkeyPatch, stored: int) -> None:
    """``Library.add_result`` (the seam the command line's fault tests use too) stores
    ``stored`` images, then fails as on a full disk."""
    real = Library.add_result
    calls = itertools.count(1)

    def add(self: Library, *args: Any, **kwargs: Any) -> StoredResult:
        if next(calls) > stored:
            raise disk_full()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Library, "add_result", add)
