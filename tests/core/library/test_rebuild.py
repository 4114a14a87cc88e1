"""The index made again from the files when it is deleted, damaged, or on request."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.core.library import Library, Outcome, RunRecord
from tests.core.library.conftest import WHEN, DraftFactory, image_bytes


def _fill(folder: Path, make_draft: DraftFactory) -> list[RunRecord]:
    """A library with a bit of everything: a family, a favourite, a deleted run, costs."""
    with Library.open(folder) as library:
        first = library.begin_run(make_draft(prompt="The first"), now=WHEN)
        parent = library.add_result(first, 0, image_bytes(), "png", revised_prompt="revised")
        library.add_result(first, 1, image_bytes(), "webp")
        library.finish_run(
            first, Outcome.SUCCEEDED, request_id="req_1", usage={"total_tokens": 5}, cost=0.2
        )
        child = library.begin_run(
            make_draft(parent_result_id=parent.id, source_bytes=parent.path.read_bytes()),
            now=WHEN + timedelta(hours=1),
        )
        library.add_result(child, 0, image_bytes(), "png")
        library.finish_run(child, Outcome.PARTIAL, error="One image was refused.", cost=0.1)
        library.set_favourite(child, True)
        deleted = library.begin_run(make_draft(prompt="Deleted"), now=WHEN + timedelta(hours=2))
        library.finish_run(deleted, Outcome.CANCELLED)
        library.delete_run(deleted)
        records = [library.run(run_id) for run_id in (first, child, deleted)]
    assert all(records)
    return [r for r in records if r is not None]


def _snapshot(library: Library, run_ids: list[str]) -> list[RunRecord | None]:
    return [library.run(run_id) for run_id in run_ids]


def test_a_deleted_index_is_rebuilt_from_the_files(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    before = _fill(library_folder, make_draft)
    (library_folder / "index.sqlite3").unlink()
    with Library.open(library_folder) as library:
        assert _snapshot(library, [r.id for r in before]) == before
        assert library.count_runs() == 2  # the deleted run stays in the trash
        assert library.lineage(before[1].results[0].id).children[0].result == before[0].results[0]
        [(month, spent)] = library.spending("month")
        assert month == "2026-03-01"
        assert spent == pytest.approx(0.3)


@pytest.mark.parametrize(
    "damage",
    [
        b"this is not a database at all" * 100,
        b"SQLite format 3\x00" + b"\xff" * 4000,  # the right header, then garbage
        b"",
    ],
    ids=["garbage", "bad-pages", "empty"],
)
def test_a_damaged_index_is_set_aside_and_rebuilt(
    library_folder: Path, make_draft: DraftFactory, damage: bytes
) -> None:
    before = _fill(library_folder, make_draft)
    (library_folder / "index.sqlite3").write_bytes(damage)
    with Library.open(library_folder) as library:
        assert _snapshot(library, [r.id for r in before]) == before
    if damage:
        kept = list(library_folder.glob("index.sqlite3.damaged-*"))
        assert [p.read_bytes() for p in kept] == [damage]


def test_rebuild_on_request_finds_every_run_and_skips_what_is_missing(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    before = _fill(library_folder, make_draft)
    before[0].results[1].path.unlink()  # a result file lost outside the app
    stray = library_folder / "runs" / "2026-03" / "not-a-run"
    stray.mkdir()
    (stray / "run.json").write_text('{"format": "something else"}', encoding="utf-8")
    broken = before[2].results  # no results; give the deleted run a damaged sidecar instead
    assert broken == ()
    sidecar = library_folder / "runs" / "2026-03" / before[2].id / "run.json"
    sidecar.write_text("{ not json", encoding="utf-8")
    with Library.open(library_folder) as library:
        assert library.rebuild() == 3  # the stray folder is no run; the damaged one still is
        first = library.run(before[0].id)
        assert first is not None and first.results == before[0].results[:1]
        assert library.run(before[1].id) == before[1]
        damaged = library.run(before[2].id)
        assert damaged is not None and damaged.outcome is Outcome.INTERRUPTED
        assert library.unreadable_sidecars == (sidecar,)


def test_a_damaged_run_record_still_lists_its_images_and_says_so(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    before = _fill(library_folder, make_draft)
    sidecar = before[0].results[0].path.parent / "run.json"
    sidecar.write_bytes(b'{"format": "image-variations-run", "version": 1, "id": 7')
    (library_folder / "index.sqlite3").unlink()
    with Library.open(library_folder) as library:
        assert library.count_runs() == 2
        assert library.unreadable_sidecars == (sidecar,)
        run = library.run(before[0].id)
        assert run is not None and run.outcome is Outcome.INTERRUPTED
        assert run.created == before[0].created.replace(microsecond=0)
        assert "damaged" in (run.error or "")
        assert [(r.id, r.path, r.sha256) for r in run.results] == [
            (r.id, r.path, r.sha256) for r in before[0].results
        ]
        # The child made from its first image still finds its parent.
        child = library.lineage(before[1].results[0].id).children[0].result
        assert child is not None and child.id == run.results[0].id
    assert (sidecar.parent / "run.json.damaged").read_bytes().startswith(b'{"format"')


def test_a_rebuild_while_a_run_goes_on_leaves_it_running_and_it_ends_as_it_did(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    """The index deleted during a run, and rebuilt by another open (``history``): that run is
    still running, not interrupted; once it ends, the library agrees with what arrived."""
    running = Library.open(library_folder)
    try:
        run_id = running.begin_run(make_draft(), now=WHEN)
        running.add_result(run_id, 0, image_bytes("a"), "png")
        for path in library_folder.glob("index.sqlite3*"):
            path.unlink()
        with Library.open(library_folder) as history:
            record = history.run(run_id)
            assert record is not None and record.outcome is Outcome.RUNNING
            assert len(record.results) == 1
        with Library.open(library_folder) as history:  # and again: still not abandoned
            record = history.run(run_id)
            assert record is not None and record.outcome is Outcome.RUNNING
        running.add_result(run_id, 1, image_bytes("b"), "png")
        running.add_result(run_id, 2, image_bytes("c"), "png")
        running.finish_run(run_id, Outcome.SUCCEEDED, cost=0.3)
    finally:
        running.close()
    with Library.open(library_folder) as later:
        record = later.run(run_id)
        assert record is not None and record.outcome is Outcome.SUCCEEDED
        assert [r.index for r in record.results] == [0, 1, 2]
        assert record.cost == pytest.approx(0.3)
