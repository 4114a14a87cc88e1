"""Finding runs: newest first, search, favourites, pages."""

from __future__ import annotations

from datetime import timedelta

from desktop_app.core.library import Library
from tests.core.library.conftest import WHEN, DraftFactory


def _ids(library: Library, **query: object) -> list[str]:
    return [run.id for run in library.runs(**query)]  # type: ignore[arg-type]


def test_runs_come_newest_first_in_pages(library: Library, make_draft: DraftFactory) -> None:
    ids = [library.begin_run(make_draft(), now=WHEN + timedelta(minutes=i)) for i in range(7)]
    newest_first = ids[::-1]
    assert _ids(library) == newest_first
    assert _ids(library, limit=3) == newest_first[:3]
    assert _ids(library, limit=3, offset=3) == newest_first[3:6]
    assert _ids(library, limit=3, offset=6) == newest_first[6:]
    assert library.count_runs() == 7


def test_search_matches_prompt_model_and_file_name_ignoring_case(
    library: Library, make_draft: DraftFactory
) -> None:
    cat = library.begin_run(make_draft(prompt="A Cat on a sofa", source_name="x.png"))
    model = library.begin_run(make_draft(prompt="", model="dall-e-2", source_name="y.png"))
    name = library.begin_run(make_draft(prompt=None, model=None, source_name="Été-à-Paris.HEIC"))
    assert _ids(library, search="cat") == [cat]
    assert _ids(library, search="DALL-E") == [model]
    assert _ids(library, search="été") == [name]  # not only ASCII: case-folded
    assert _ids(library, search="ÉTÉ paris") == [name]  # every word must match
    assert _ids(library, search="cat paris") == []
    assert _ids(library, search="%") == []  # no LIKE wildcards
    assert set(_ids(library, search="  ")) == {cat, model, name}
    assert library.count_runs(search="png") == 2
    # A word does not match across two fields ("sofa" ends the prompt, "gpt" starts the model).
    assert _ids(library, search="sofagpt") == []


def test_favourites_are_starred_and_unstarred(library: Library, make_draft: DraftFactory) -> None:
    first = library.begin_run(make_draft(), now=WHEN)
    second = library.begin_run(make_draft(), now=WHEN + timedelta(minutes=1))
    library.set_favourite(first, True)
    assert _ids(library, favourites_only=True) == [first]
    assert library.count_runs(favourites_only=True) == 1
    record = library.run(first)
    assert record is not None and record.favourite
    library.set_favourite(first, False)
    library.set_favourite(second, True)
    assert _ids(library, favourites_only=True) == [second]
    assert _ids(library, favourites_only=True, search="nothing like it") == []


def test_unknown_ids_give_none(library: Library) -> None:
    assert library.run("20260101-000000-000000000000") is None
    assert library.result("20260101-000000-000000000000-0") is None
