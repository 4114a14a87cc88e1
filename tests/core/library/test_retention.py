"""Pruning by age and by size: unstarred runs only, oldest first, favourites never."""

from __future__ import annotations

from datetime import timedelta

from desktop_app.core.library import Library, Outcome
from desktop_app.core.library.retention import Candidate, choose_runs_to_prune
from tests.core.library.conftest import WHEN, DraftFactory, image_bytes

RESULT_SIZE = 10_000


def _run(library: Library, make_draft: DraftFactory, days_ago: int, **draft: object) -> str:
    run_id = library.begin_run(make_draft(**draft), now=WHEN - timedelta(days=days_ago))
    library.add_result(run_id, 0, image_bytes(size=RESULT_SIZE), "png")
    library.finish_run(run_id, Outcome.SUCCEEDED, cost=0.1)
    return run_id


def test_prune_by_age_spares_favourites_and_recent_runs(
    library: Library, make_draft: DraftFactory
) -> None:
    old = _run(library, make_draft, 40)
    old_favourite = _run(library, make_draft, 50)
    library.set_favourite(old_favourite, True)
    recent = _run(library, make_draft, 5)
    old_running = library.begin_run(make_draft(), now=WHEN - timedelta(days=60))
    old_record = library.run(old)
    assert old_record is not None

    report = library.prune(older_than_days=30, now=WHEN)
    assert report.run_ids == (old,)
    assert report.runs_removed == 1
    assert report.bytes_freed == RESULT_SIZE + 8  # the result; the source is still used
    assert library.run(old) is None
    assert not old_record.results[0].path.exists()
    for kept in (old_favourite, recent, old_running):
        assert library.run(kept) is not None
    assert library.prune(older_than_days=30, now=WHEN).runs_removed == 0


def test_prune_by_size_removes_the_oldest_unstarred_first(
    library: Library, make_draft: DraftFactory
) -> None:
    source = image_bytes("source", size=1_000)
    runs = [_run(library, make_draft, days, source_bytes=source) for days in (9, 8, 7, 6, 5)]
    library.set_favourite(runs[0], True)  # the oldest, but a favourite
    per_run = RESULT_SIZE + 8
    total = 5 * per_run + len(source)
    # Room for the source and three runs: the two oldest unstarred go, the favourite stays.
    report = library.prune(max_bytes=total - 2 * per_run)
    assert report.run_ids == (runs[1], runs[2])
    assert report.bytes_freed == 2 * per_run
    assert [r.id for r in library.runs()] == [runs[4], runs[3], runs[0]]
    # Even a limit of nothing keeps the favourite (and its source).
    report = library.prune(max_bytes=0)
    assert report.run_ids == (runs[3], runs[4])
    remaining = library.runs()
    assert [r.id for r in remaining] == [runs[0]]
    assert remaining[0].source_path.read_bytes() == source
    assert remaining[0].results[0].path.is_file()


def test_without_limits_nothing_is_pruned(library: Library, make_draft: DraftFactory) -> None:
    _run(library, make_draft, 400)
    assert library.prune().runs_removed == 0
    assert library.count_runs() == 1


def test_the_last_run_of_a_source_frees_the_source_too() -> None:
    candidates = [
        Candidate("a", "2026-01-01", 100, "s1"),
        Candidate("b", "2026-01-02", 100, "s1"),
        Candidate("c", "2026-01-03", 100, "s2"),
    ]
    chosen, freed = choose_runs_to_prune(
        candidates,
        cutoff=None,
        max_bytes=1_000,
        total_bytes=1_500,
        source_sizes={"s1": 400, "s2": 50},
        source_users={"s1": 2, "s2": 1},
    )
    # "a" frees 100 (s1 still used by b); "b" frees 100 + 400 for s1: 600 freed >= 500 needed.
    assert (chosen, freed) == (["a", "b"], 600)
