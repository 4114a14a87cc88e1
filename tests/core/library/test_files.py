"""The file layer: names, content sniffing and atomic writes."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.core.library import files


@pytest.mark.parametrize(
    ("head", "ext"),
    [
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"\xff\xd8\xff\xe1", "jpg"),
        (b"GIF89a", "gif"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "webp"),
        (b"BM\0\0", "bmp"),
        (b"II*\0", "tif"),
        (b"\0\0\0\x18ftypheic", "heic"),
        (b"\0\0\0\x18ftypavif", "bin"),  # the app cannot open AVIF, so never stores one
        (b"hello", "bin"),
    ],
)
def test_a_source_is_named_after_its_content(head: bytes, ext: str) -> None:
    assert files.sniff_source_ext(head + b"\0" * 40) == ext


def test_run_ids_sort_by_time_and_name_their_folder(tmp_path: Path) -> None:
    early = files.new_run_id(datetime(2026, 1, 31, 23, 59, tzinfo=UTC))
    late = files.new_run_id(datetime(2026, 2, 1, 0, 0, tzinfo=UTC))
    assert early < late and files.is_run_id(early)
    layout = files.Layout(tmp_path)
    assert layout.run_folder(late) == tmp_path / "runs" / "2026-02" / late
    with pytest.raises(ValueError):
        layout.run_folder("../../etc")
    assert files.parse_result_file_name("03.jpeg") == (3, "jpeg")
    assert files.parse_result_file_name("run.json") is None


def test_a_failed_atomic_write_leaves_neither_the_file_nor_a_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = files.Layout(tmp_path)
    layout.create()
    target = tmp_path / "runs" / "x" / "00.png"
    files.write_atomically(layout, target, b"old", tag="abc")

    def broken_replace(*args: object) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        files.write_atomically(layout, target, b"new", tag="abc")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert os.listdir(layout.staging) == []
