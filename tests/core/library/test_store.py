"""Recording a run: what is stored, that it is on disk when acknowledged, and all-or-nothing."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.core.library import Library, Outcome, files, records
from tests.core.library.conftest import WHEN, DraftFactory, fail_writes, image_bytes


def _staging(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / ".staging").iterdir())


def test_a_run_is_recorded_with_everything_about_it(
    library: Library, library_folder: Path, make_draft: DraftFactory
) -> None:
    parent = library.begin_run(make_draft(), now=WHEN)
    parent_result = library.add_result(parent, 0, image_bytes(), "png")
    draft = make_draft(parent_result_id=parent_result.id, parameters={"n": 1, "strength": 0.7})
    run_id = library.begin_run(draft, now=WHEN + timedelta(minutes=1))
    first = image_bytes("first")
    library.add_result(run_id, 0, first, "png", revised_prompt="A cat, revised")
    library.add_result(run_id, 1, image_bytes("second"), "JPG")
    usage = {"input_tokens": 100, "output_tokens": 4000, "total_tokens": 4100}
    library.finish_run(run_id, Outcome.SUCCEEDED, request_id="req_1", usage=usage, cost=0.17)

    record = library.run(run_id)
    assert record is not None
    assert record.created == WHEN + timedelta(minutes=1)
    assert record.created.utcoffset() == timedelta(0)
    assert (record.source_name, record.crop, record.mode) == ("holiday.jpg", (10, 20, 300), "edit")
    assert (record.model, record.prompt) == ("gpt-image-1", "A subtle variation")
    assert record.parameters == {"n": 1, "strength": 0.7}
    assert record.parent_result_id == parent_result.id
    assert (record.request_id, record.usage, record.cost) == ("req_1", usage, 0.17)
    assert (record.estimated_cost, record.outcome, record.error) == (0.08, Outcome.SUCCEEDED, None)
    assert record.source_path.read_bytes() == draft.source_bytes
    assert record.source_path.parent == library_folder / "sources"
    assert [r.index for r in record.results] == [0, 1]
    assert [r.format for r in record.results] == ["png", "jpeg"]  # "JPG" normalised
    assert record.results[0].path.read_bytes() == first
    assert record.results[0].size_bytes == len(first)
    assert record.results[0].revised_prompt == "A cat, revised"
    assert library.result(record.results[1].id) == record.results[1]


def test_a_source_is_stored_once_by_its_content(
    library: Library, library_folder: Path, make_draft: DraftFactory
) -> None:
    first = library.begin_run(make_draft(source_name="a.png"))
    second = library.begin_run(make_draft(source_name="b.png"))
    other = library.begin_run(make_draft(source_bytes=b"\xff\xd8\xff\xe0 a jpeg"))
    records = [library.run(first), library.run(second), library.run(other)]
    assert records[0] is not None and records[1] is not None and records[2] is not None
    assert records[0].source_path == records[1].source_path
    assert records[2].source_path.suffix == ".jpg"
    assert len(list((library_folder / "sources").iterdir())) == 2


def test_what_is_acknowledged_is_there_after_reopening(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    with Library.open(library_folder) as library:
        run_id = library.begin_run(make_draft())
        stored = library.add_result(run_id, 0, image_bytes(), "png")
        library.finish_run(run_id, Outcome.FAILED, error="The server said no.")
    with Library.open(library_folder) as library:
        record = library.run(run_id)
    assert record is not None
    assert record.results == (stored,)
    assert (record.outcome, record.error) == (Outcome.FAILED, "The server said no.")


def test_the_index_is_in_wal_mode_with_full_sync(library: Library, library_folder: Path) -> None:
    with sqlite3.connect(library_folder / "index.sqlite3") as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn = library._conn  # the library's own connection: synchronous is per connection
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_failing_index_write_leaves_no_row_and_no_file(
    library: Library,
    library_folder: Path,
    make_draft: DraftFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id = library.begin_run(make_draft())
    kept = library.add_result(run_id, 0, image_bytes(), "png")

    real_insert = records.insert_result

    def broken_insert(conn: sqlite3.Connection, result: dict[str, object]) -> None:
        real_insert(conn, result)  # the row is written inside the transaction...
        raise sqlite3.OperationalError("disk I/O error")  # ...then the disk fails

    monkeypatch.setattr(records, "insert_result", broken_insert)
    with pytest.raises(sqlite3.OperationalError):
        library.add_result(run_id, 1, image_bytes(), "png")
    monkeypatch.undo()

    record = library.run(run_id)
    assert record is not None and record.results == (kept,)
    assert library.result(files.result_id(run_id, 1)) is None
    run_folder = kept.path.parent
    assert sorted(p.name for p in run_folder.iterdir()) == ["00.png", "run.json"]
    sidecar = json.loads((run_folder / "run.json").read_text(encoding="utf-8"))
    assert [r["idx"] for r in sidecar["results"]] == [0]
    assert _staging(library_folder) == []
    # The index is usable afterwards: the same index can be stored again.
    assert library.add_result(run_id, 1, image_bytes(), "png").index == 1


def test_a_failing_sidecar_write_leaves_no_row_and_no_file(
    library: Library,
    library_folder: Path,
    make_draft: DraftFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id = library.begin_run(make_draft())
    fail_writes(monkeypatch, lambda target: target.name == "run.json")
    with pytest.raises(OSError, match="No space"):
        library.add_result(run_id, 0, image_bytes(), "png")
    monkeypatch.undo()
    record = library.run(run_id)
    assert record is not None and record.results == ()
    assert sorted(p.name for p in library._layout.run_folder(run_id).iterdir()) == ["run.json"]
    assert _staging(library_folder) == []


def test_a_failing_begin_leaves_no_run(
    library: Library, make_draft: DraftFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_sidecar(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(library, "_write_sidecar", no_sidecar)
    with pytest.raises(OSError):
        library.begin_run(make_draft())
    monkeypatch.undo()
    assert library.count_runs() == 0


def test_the_writes_that_make_no_sense_are_refused(
    library: Library, make_draft: DraftFactory
) -> None:
    with pytest.raises(ValueError, match="parameters"):
        library.begin_run(make_draft(parameters={"when": object()}))
    run_id = library.begin_run(make_draft())
    library.add_result(run_id, 0, image_bytes(), "png")
    with pytest.raises(ValueError, match="already has a result 0"):
        library.add_result(run_id, 0, image_bytes(), "png")
    with pytest.raises(ValueError, match="format"):
        library.add_result(run_id, 1, image_bytes(), "../png")
    with pytest.raises(ValueError, match="not with 'running'"):
        library.finish_run(run_id, Outcome.RUNNING)
    library.finish_run(run_id, Outcome.CANCELLED)
    with pytest.raises(ValueError, match="finished"):
        library.add_result(run_id, 1, image_bytes(), "png")
    with pytest.raises(ValueError, match="already finished"):
        library.finish_run(run_id, Outcome.SUCCEEDED)
    with pytest.raises(KeyError):
        library.add_result("20260101-000000-000000000000", 0, image_bytes(), "png")
    with pytest.raises(KeyError):
        library.set_favourite("20260101-000000-000000000000", True)


def test_the_default_folder_is_in_the_app_data_folder(make_draft: DraftFactory) -> None:
    from desktop_app.core.paths import data_folder

    with Library.open() as library:
        assert library.folder == data_folder() / "library"
        library.begin_run(make_draft())
    assert (data_folder() / "library" / "index.sqlite3").is_file()


def test_importing_the_library_loads_neither_pillow_nor_the_network() -> None:
    import subprocess
    import sys

    script = (
        "import sys, desktop_app.core.library\n"
        "print(sorted(m for m in ('PIL', 'httpx', 'platformdirs') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_a_failed_commit_leaves_the_index_usable(
    library: Library, make_draft: DraftFactory
) -> None:
    from desktop_app.core.library.schema import transaction

    conn = library._conn
    with pytest.raises(sqlite3.IntegrityError), transaction(conn):
        # Deferred: the broken reference is only noticed at COMMIT, which then fails.
        conn.execute("PRAGMA defer_foreign_keys = ON")
        conn.execute(
            "INSERT INTO results (id, run_id, idx, format, size, sha256) "
            "VALUES ('x', 'no such run', 0, 'png', 1, '')"
        )
    assert not conn.in_transaction
    run_id = library.begin_run(make_draft())
    assert library.result("x") is None and library.run(run_id) is not None
