"""The history list's light query (``Library.run_summaries``) against ``Library.runs``: the same
runs, in the same order, with the same fields, page after page by key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.core.framing_words import framing_words
from desktop_app.core.library import Library, Outcome, RunDraft, RunRecord
from desktop_app.core.library.rows import RunSummary
from tests.core.library.conftest import WHEN, image_bytes

RUNS = 200
PROMPTS = ("A cat on a sofa", "A DOG in the snow", "Été à Paris", None, "", "cat and dog")
MODELS = ("gpt-image-1", "dall-e-2", None)
NAMES = ("holiday.jpg", "Cat-photo.PNG", "scan.webp", "")
# Square runs (no framing parameters), shapes, a zoom out and regions, as recording writes them.
FRAMINGS: tuple[dict[str, object], ...] = (
    {},
    {"shape": "3:2"},
    {"shape": "9:16", "mask": {"width": 1024, "height": 1536, "bytes": 900, "share": 0.25}},
    {"shape": "picture", "zoom_out": 1.5, "mask": {"share": 0.56}},
    {"mask": {"width": 1024, "height": 1024, "bytes": 700, "share": 0.031}},
)
ENDINGS = (Outcome.SUCCEEDED, Outcome.FAILED, Outcome.CANCELLED, Outcome.PARTIAL)


def summary_of(run: RunRecord) -> RunSummary:
    """What ``run_summaries`` must give for ``run``, made from the whole record."""
    return (
        run.id,
        run.created,
        run.prompt,
        run.model,
        run.mode,
        run.source_name,
        str(run.source_path),
        tuple(str(result.path) for result in run.results),
        run.cost,
        run.estimated_cost,
        run.outcome.value,
        run.favourite,
        framing_words(run.parameters),
    )


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    """A few hundred runs: several to a moment (equal times, so the id decides the order),
    prompts, models and names to search, stars, deleted runs, 0 to 12 results (some stored out
    of order), every outcome."""
    folder: Path = tmp_path_factory.mktemp("rows") / "library"
    sources = [image_bytes("first source"), image_bytes("second source")]
    with pytest.MonkeyPatch.context() as patch, Library.open(folder) as opened:
        # Durability is not what this module tests: the files need not reach the disk, and
        # filling the library is several times faster without.
        patch.setattr(os, "fsync", lambda fd: None)
        for n in range(RUNS):
            draft = RunDraft(
                source_bytes=sources[n % 2],
                source_name=NAMES[n % len(NAMES)],
                crop=None,
                mode="edit" if n % 5 else "generate",
                model=MODELS[n % len(MODELS)],
                parameters={"n": n % 4, **FRAMINGS[n % len(FRAMINGS)]},
                prompt=PROMPTS[n % len(PROMPTS)],
                estimated_cost=None if n % 7 == 0 else 0.01 * (n % 5),
            )
            run_id = opened.begin_run(draft, now=WHEN + timedelta(seconds=n // 4))
            count = 12 if n % 50 == 3 else n % 3
            order = list(range(count))
            if n % 3 == 0:
                order.reverse()  # stored out of order: listed in index order all the same
            for index in order:
                opened.add_result(run_id, index, image_bytes(f"{n}-{index}", 16), "png")
            if n % 11:
                cost = None if n % 6 == 0 else 0.02 * n
                opened.finish_run(run_id, ENDINGS[n % len(ENDINGS)], cost=cost)
            if n % 9 == 0:
                opened.set_favourite(run_id, True)
            if n % 13 == 0:
                opened.delete_run(run_id)
        patch.undo()
        yield opened


def all_summaries(library: Library, limit: int, **query: object) -> list[RunSummary]:
    """Every page of the light query, each one after the last run of the one before."""
    found: list[RunSummary] = []
    while True:
        after = (found[-1][1], found[-1][0]) if found else None
        page = library.run_summaries(limit=limit, after=after, **query)  # type: ignore[arg-type]
        assert len(page) <= limit
        if not page:
            return found
        found.extend(page)


QUERIES: list[dict[str, object]] = [
    {},
    {"search": "cat"},
    {"search": "CAT dog"},
    {"search": "ÉTÉ"},
    {"search": "dall-e"},
    {"search": ".png"},
    {"search": "%"},
    {"search": "nothing like it"},
    {"favourites_only": True},
    {"favourites_only": True, "search": "dog"},
]


@pytest.mark.parametrize("query", QUERIES, ids=repr)
@pytest.mark.parametrize("limit", [7, 100])
def test_pages_by_key_match_the_records(
    library: Library, query: dict[str, object], limit: int
) -> None:
    records = library.runs(limit=RUNS * 2, **query)  # type: ignore[arg-type]
    expected = [summary_of(run) for run in records]
    assert all_summaries(library, limit, **query) == expected
    assert len(expected) == library.count_runs(**query)  # type: ignore[arg-type]
    assert library.run_summaries(limit=limit, **query) == expected[:limit]  # type: ignore[arg-type]


def test_the_library_holds_what_the_comparison_needs(library: Library) -> None:
    listed = library.runs(limit=RUNS * 2)
    assert 0 < len(listed) < RUNS  # some runs are deleted, and hidden
    assert len({run.created for run in listed}) < len(listed)  # equal times
    assert any(len(run.results) == 12 for run in listed)
    assert any(run.favourite for run in listed)
    assert {run.outcome for run in listed} == set(Outcome) - {Outcome.INTERRUPTED}


def test_a_page_starts_after_any_run_even_one_deleted_since(library: Library) -> None:
    everything = library.run_summaries(limit=RUNS * 2)
    middle = everything[len(everything) // 2]
    after = (middle[1], middle[0])
    assert (
        library.run_summaries(limit=10, after=after) == everything[len(everything) // 2 + 1 :][:10]
    )
    library.delete_run(middle[0])
    try:
        assert (
            library.run_summaries(limit=10, after=after)
            == everything[len(everything) // 2 + 1 :][:10]
        )
        assert middle not in library.run_summaries(limit=RUNS * 2)
    finally:
        library.restore_run(middle[0])
    assert library.run_summaries(limit=RUNS * 2) == everything


def test_results_come_in_index_order_whatever_order_they_were_stored_in(
    library: Library,
) -> None:
    for summary in library.run_summaries(limit=RUNS * 2):
        names = [Path(path).name for path in summary[7]]
        assert names == [f"{index:02d}.png" for index in range(len(names))]
        assert all(Path(path).is_file() for path in summary[7])
        assert Path(summary[6]).is_file()


def test_a_framed_run_says_how_in_its_summary(library: Library) -> None:
    words = {summary[12] for summary in library.run_summaries(limit=50)}
    assert words == {"", "3:2", "9:16 · region 25 %", "whole picture · zoom out 1.5×", "region 3 %"}
