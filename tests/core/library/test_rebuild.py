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
        assert library.rebuild() == 2
        first = library.run(before[0].id)
        assert first is not None and first.results == before[0].results[:1]
        assert library.run(before[1].id) == before[1]
        assert library.run(before[2].id) is None
