"""Several images of one answer stored as one (``Library.add_results``, ``ResultBatch``): the
same promise as ``add_result`` for each image, with one sidecar write and one transaction."""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from pathlib import Path

import pytest

from desktop_app.core.library import Library, StoredResult, records
from tests.core.library.conftest import (
    DraftFactory,
    fail_add_result_after,
    fail_writes,
    image_bytes,
)


def _staging(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / ".staging").iterdir())


def _sidecar_indexes(library: Library, run_id: str) -> list[int]:
    document = json.loads(library._layout.sidecar_path(run_id).read_text(encoding="utf-8"))
    return [r["idx"] for r in document["results"]]


def _three_images() -> list[tuple[int, bytes, str, str | None]]:
    return [(i, image_bytes(str(i)), "png", None) for i in range(3)]


def test_a_batch_is_stored_as_add_result_would_store_each(
    library: Library, library_folder: Path, make_draft: DraftFactory
) -> None:
    run_id = library.begin_run(make_draft())
    pictures = [image_bytes(f"picture {i}", size=4096) for i in range(5)]
    outcomes = library.add_results(
        run_id, [(i, data, "PNG", f"revised {i}") for i, data in enumerate(pictures)]
    )
    assert all(isinstance(o, StoredResult) for o in outcomes)
    record = library.run(run_id)
    assert record is not None and list(record.results) == outcomes
    for result, data in zip(record.results, pictures, strict=True):
        assert result.path.read_bytes() == data
        assert result.sha256 == hashlib.sha256(data).hexdigest()
        assert result.format == "png"
    assert _sidecar_indexes(library, run_id) == [0, 1, 2, 3, 4]
    assert _staging(library_folder) == []
    with Library.open(library_folder) as again:  # what it said is kept is kept
        reopened = again.run(run_id)
    assert reopened is not None and [r.sha256 for r in reopened.results] == [
        r.sha256 for r in record.results
    ]


def test_a_refused_image_is_handed_back_and_the_rest_are_kept(
    library: Library, make_draft: DraftFactory
) -> None:
    run_id = library.begin_run(make_draft())
    before, three = image_bytes("kept before"), image_bytes("three")
    first = library.add_result(run_id, 0, before, "png")
    outcomes = library.add_results(
        run_id,
        [
            (0, image_bytes("a second result 0"), "png", None),  # the run has a result 0
            (1, image_bytes("one"), "png", None),
            (2, image_bytes("two"), "../png", None),  # no format name
            (3, three, "png", None),
            (3, image_bytes("three again"), "png", None),
        ],
    )
    assert isinstance(outcomes[0], ValueError) and "already has a result 0" in str(outcomes[0])
    assert isinstance(outcomes[2], ValueError) and "format" in str(outcomes[2])
    assert isinstance(outcomes[4], ValueError)
    assert isinstance(outcomes[1], StoredResult) and isinstance(outcomes[3], StoredResult)
    record = library.run(run_id)
    assert record is not None and [r.index for r in record.results] == [0, 1, 3]
    # The result the run had is untouched: an image is never written early over one.
    assert first.path.read_bytes() == before
    assert outcomes[3].path.read_bytes() == three
    folder = library._layout.run_folder(run_id)
    assert sorted(p.name for p in folder.iterdir()) == ["00.png", "01.png", "03.png", "run.json"]


def test_an_image_that_add_result_refuses_leaves_no_file(
    library: Library, make_draft: DraftFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command line's fault tests make add_result itself fail: the file written early for
    # that image must not stay behind.
    run_id = library.begin_run(make_draft())
    fail_add_result_after(monkeypatch, 1)
    outcomes = library.add_results(
        run_id, [(i, image_bytes(str(i)), "png", None) for i in range(3)]
    )
    monkeypatch.undo()
    assert isinstance(outcomes[0], StoredResult)
    assert all(isinstance(o, OSError) for o in outcomes[1:])
    folder = library._layout.run_folder(run_id)
    assert sorted(p.name for p in folder.iterdir()) == ["00.png", "run.json"]
    assert _sidecar_indexes(library, run_id) == [0]


def test_a_failing_file_write_keeps_the_others(
    library: Library,
    library_folder: Path,
    make_draft: DraftFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_id = library.begin_run(make_draft())
    fail_writes(monkeypatch, lambda target: target.name.startswith("01."))
    outcomes = library.add_results(
        run_id, [(i, image_bytes(str(i)), "png", None) for i in range(3)]
    )
    monkeypatch.undo()
    assert isinstance(outcomes[1], OSError)
    record = library.run(run_id)
    assert record is not None and [r.index for r in record.results] == [0, 2]
    assert _sidecar_indexes(library, run_id) == [0, 2]
    assert _staging(library_folder) == []


@pytest.mark.parametrize("where", ["sidecar", "index"])
def test_a_failing_sidecar_or_index_keeps_none_and_leaves_no_file(
    library: Library,
    library_folder: Path,
    make_draft: DraftFactory,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    run_id = library.begin_run(make_draft())
    kept = library.add_result(run_id, 0, image_bytes("before"), "png")
    if where == "sidecar":
        sidecars = itertools.count(1)
        # The batch's sidecar fails; putting the old one back works.
        fail_writes(monkeypatch, lambda target: target.name == "run.json" and next(sidecars) == 1)
    else:
        real_insert = records.insert_result

        def broken_insert(conn: sqlite3.Connection, result: dict[str, object]) -> None:
            real_insert(conn, result)
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(records, "insert_result", broken_insert)
    outcomes = library.add_results(run_id, [(i, image_bytes(str(i)), "png", None) for i in (1, 2)])
    monkeypatch.undo()
    assert all(isinstance(o, OSError | sqlite3.Error) for o in outcomes)
    record = library.run(run_id)
    assert record is not None and record.results == (kept,)
    folder = library._layout.run_folder(run_id)
    assert sorted(p.name for p in folder.iterdir()) == ["00.png", "run.json"]
    assert _sidecar_indexes(library, run_id) == [0]
    assert _staging(library_folder) == []


def test_nothing_added_to_a_finished_run(library: Library, make_draft: DraftFactory) -> None:
    from desktop_app.core.library import Outcome

    run_id = library.begin_run(make_draft())
    library.finish_run(run_id, Outcome.CANCELLED)
    outcomes = library.add_results(run_id, [(0, image_bytes(), "png", None)])
    assert isinstance(outcomes[0], ValueError)
    assert sorted(p.name for p in library._layout.run_folder(run_id).iterdir()) == ["run.json"]
