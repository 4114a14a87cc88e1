"""Delete with undo, then the real removal (purge) at the next start."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.library import Library, Outcome
from tests.core.library.conftest import DraftFactory, image_bytes


def test_a_deleted_run_is_hidden_at_once_and_comes_back_with_undo(
    library: Library, make_draft: DraftFactory
) -> None:
    run_id = library.begin_run(make_draft())
    stored = library.add_result(run_id, 0, image_bytes(), "png")
    library.finish_run(run_id, Outcome.SUCCEEDED)
    library.delete_run(run_id)
    assert library.runs() == [] and library.count_runs() == 0
    assert stored.path.is_file()  # kept for the undo
    record = library.run(run_id)
    assert record is not None and record.deleted
    library.restore_run(run_id)
    assert [run.id for run in library.runs()] == [run_id]
    assert library.purge_deleted() == 0
    assert stored.path.is_file()


def test_purge_removes_deleted_runs_and_the_sources_only_they_used(
    library: Library, library_folder: Path, make_draft: DraftFactory
) -> None:
    shared = image_bytes("shared source")
    own = image_bytes("own source")
    kept = library.begin_run(make_draft(source_bytes=shared))
    gone = library.begin_run(make_draft(source_bytes=shared))
    gone_alone = library.begin_run(make_draft(source_bytes=own))
    results = [library.add_result(run, 0, image_bytes(), "png") for run in (gone, gone_alone)]
    for run_id in (kept, gone, gone_alone):
        library.finish_run(run_id, Outcome.SUCCEEDED, cost=0.5)
    library.delete_run(gone)
    library.delete_run(gone_alone)
    gone_source = library.run(gone_alone)
    assert gone_source is not None

    assert library.purge_deleted() == 2
    assert library.run(gone) is None and library.run(gone_alone) is None
    assert all(library.result(r.id) is None for r in results)
    assert not any(r.path.exists() for r in results)
    assert not any(r.path.parent.exists() for r in results)
    assert not gone_source.source_path.exists()
    kept_record = library.run(kept)
    assert kept_record is not None and kept_record.source_path.read_bytes() == shared
    assert list((library_folder / ".staging").iterdir()) == []
    assert library.month_total(gone_source.created) == 1.5  # the money was still spent


def test_a_running_run_is_not_purged(library: Library, make_draft: DraftFactory) -> None:
    run_id = library.begin_run(make_draft())
    library.delete_run(run_id)
    assert library.purge_deleted() == 0
    assert library.run(run_id) is not None
