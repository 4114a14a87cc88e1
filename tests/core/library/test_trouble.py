"""A full disk, a read-only file or a failing disk is not a damaged index: told apart, said
plainly, and the healthy index is never moved aside."""

from __future__ import annotations

import errno
import os
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.library import Library, Outcome, store
from desktop_app.core.library.files import Layout
from desktop_app.core.library.trouble import (
    DamagedIndex,
    LibraryUnavailable,
    plain_reason,
)
from tests.core.library.conftest import DraftFactory, image_bytes

FULL = sqlite3.OperationalError("database or disk is full")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
        (sqlite3.OperationalError("database or disk is full"), "the disk is full"),
        (sqlite3.OperationalError("disk I/O error"), "the disk could not be read or written"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
        (PermissionError(errno.EACCES, "Permission denied"), "read-only"),
        (sqlite3.DatabaseError("database disk image is malformed"), "damaged"),
        (KeyError("run"), "no longer in the library"),
    ],
)
def test_every_library_failure_has_a_plain_reason(error: BaseException, reason: str) -> None:
    text = plain_reason(error)
    assert reason in text
    assert "\n" not in text and "Traceback" not in text


def _failing_connect(error: sqlite3.Error) -> Any:
    real = sqlite3.connect

    class Failing:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self._conn = conn

        def execute(self, sql: str, *args: Any) -> Any:
            if sql.startswith("PRAGMA journal_mode"):
                raise error
            return self._conn.execute(sql, *args)

        def close(self) -> None:
            self._conn.close()

    return lambda *args, **kwargs: Failing(real(*args, **kwargs))


@pytest.mark.parametrize(
    "error",
    [
        sqlite3.OperationalError("database or disk is full"),
        sqlite3.OperationalError("disk I/O error"),
        sqlite3.OperationalError("attempt to write a readonly database"),
    ],
    ids=["full", "ioerr", "readonly"],
)
def test_a_full_or_failing_disk_never_moves_the_index_aside(
    library_folder: Path,
    make_draft: DraftFactory,
    monkeypatch: pytest.MonkeyPatch,
    error: sqlite3.Error,
) -> None:
    with Library.open(library_folder) as library:
        run_id = library.begin_run(make_draft())
        library.finish_run(run_id, Outcome.FAILED, error="refused")
    index = library_folder / "index.sqlite3"
    before = index.read_bytes()
    monkeypatch.setattr("desktop_app.core.library.schema.sqlite3.connect", _failing_connect(error))
    with pytest.raises(LibraryUnavailable) as raised:
        Library.open(library_folder)
    assert not isinstance(raised.value, DamagedIndex)
    assert str(raised.value) == plain_reason(error)
    monkeypatch.undo()
    assert index.read_bytes() == before
    assert list(library_folder.glob("index.sqlite3.damaged-*")) == []
    with Library.open(library_folder) as library:
        assert [r.id for r in library.runs()] == [run_id]


def test_damage_is_still_set_aside_and_two_in_the_same_second_are_both_kept(
    library_folder: Path, make_draft: DraftFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            return cls(2026, 12, 3, 6, 47, 7, 123456)

    monkeypatch.setattr(store, "datetime", Frozen)
    with Library.open(library_folder) as library:
        library.begin_run(make_draft())
    index = library_folder / "index.sqlite3"
    damages = [b"first damage " * 100, b"second damage " * 100]
    for damage in damages:
        index.write_bytes(damage)
        with Library.open(library_folder) as library:
            assert library.count_runs() == 1  # rebuilt from the files
    kept = sorted(library_folder.glob("index.sqlite3.damaged-*"))
    assert sorted(p.read_bytes() for p in kept) == sorted(damages)


def test_a_read_only_shared_memory_file_is_made_writable_again(
    library_folder: Path, make_draft: DraftFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    Library.open(library_folder).close()
    shm = library_folder / "index.sqlite3-shm"
    shm.write_bytes(b"")
    shm.chmod(0o444)
    real_access = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:  # root may write anything
        if Path(path) == shm and mode & os.W_OK:
            return bool(shm.stat().st_mode & 0o200)
        return real_access(path, mode, **kwargs)

    monkeypatch.setattr("desktop_app.core.library.store.os.access", access)
    with Library.open(library_folder) as library:
        assert shm.stat().st_mode & 0o200
        library.begin_run(make_draft())


def test_a_read_only_index_is_said_plainly_and_left_alone(
    library_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Library.open(library_folder).close()
    index = library_folder / "index.sqlite3"
    real_access = os.access
    monkeypatch.setattr(
        "desktop_app.core.library.store.os.access",
        lambda path, mode, **kw: False if Path(path) == index else real_access(path, mode, **kw),
    )
    with pytest.raises(LibraryUnavailable, match="read-only"):
        Library.open(library_folder)
    assert not (library_folder / "index.sqlite3-shm").exists()
    assert list(library_folder.glob("index.sqlite3.damaged-*")) == []


def test_read_only_opening_writes_nothing(library_folder: Path, make_draft: DraftFactory) -> None:
    with Library.open(library_folder) as library:
        run_id = library.begin_run(make_draft())
        library.add_result(run_id, 0, image_bytes(), "png")
        library.finish_run(run_id, Outcome.SUCCEEDED, cost=0.25)

    def contents() -> dict[str, bytes]:
        return {
            str(p): p.read_bytes()
            for p in library_folder.rglob("*")
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))  # SQLite's own
        }

    before = contents()
    with Library.open(library_folder, read_only=True) as library:
        assert library.read_only
        assert [r.id for r in library.runs()] == [run_id]
        assert library.month_total() == pytest.approx(0.25)
        with pytest.raises(LibraryUnavailable):
            library.set_favourite(run_id, True)
    assert contents() == before


def test_a_damaged_sidecar_is_reported_not_silently_dropped(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    with Library.open(library_folder) as library:
        kept = library.begin_run(make_draft())
        lost = library.begin_run(make_draft())
        for run_id in (kept, lost):
            library.finish_run(run_id, Outcome.FAILED)
    sidecar = Layout(library_folder).sidecar_path(lost)
    sidecar.write_text("{ not json", encoding="utf-8")
    with Library.open(library_folder) as library:
        assert library.rebuild() == 2
        assert library.unreadable_sidecars == (sidecar,)


def test_an_interrupted_run_counts_its_estimate_in_the_month(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    library = Library.open(library_folder)
    run_id = library.begin_run(make_draft(estimated_cost=0.078))
    library.close()  # never finished: recorded as interrupted
    with Library.open(library_folder) as reopened:
        record = reopened.run(run_id)
        assert record is not None and record.outcome is Outcome.INTERRUPTED
        assert record.cost == pytest.approx(0.078) and record.usage is None
        assert reopened.month_total() == pytest.approx(0.078)
