"""The queue of pictures waiting to be varied survives a restart."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_app.core.library.queue import QueueStore


def test_the_queue_is_saved_and_loaded(tmp_path: Path) -> None:
    path = tmp_path / "state" / "queue.json"
    items = ["/home/me/a.jpg", "https://example.com/b.png", "/tmp/Été à Paris.heic"]
    QueueStore(path).save(items)
    assert QueueStore(path).load() == items
    QueueStore(path).save(items[1:])
    assert QueueStore(path).load() == items[1:]
    assert os.listdir(path.parent) == ["queue.json"]  # no temporary file left behind
    QueueStore(path).clear()
    assert QueueStore(path).load() == []


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{ not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"format": "other", "items": ["a"]}',
        b'{"format": "image-variations-queue", "items": "a"}',
    ],
)
def test_a_missing_or_broken_queue_loads_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "queue.json"
    assert QueueStore(path).load() == []
    path.write_bytes(content)
    assert QueueStore(path).load() == []


def test_items_that_are_not_text_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "queue.json"
    path.write_text(
        '{"format": "image-variations-queue", "version": 1, "items": ["a", 3, null, "b"]}',
        encoding="utf-8",
    )
    assert QueueStore(path).load() == ["a", "b"]


def test_a_failed_save_keeps_the_old_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "queue.json"
    store = QueueStore(path)
    store.save(["old"])

    def broken_replace(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.save(["new"])
    monkeypatch.undo()
    assert store.load() == ["old"]
    assert os.listdir(tmp_path) == ["queue.json"]
