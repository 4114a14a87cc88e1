"""Lineage: which variation came from which, across generations and branches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from desktop_app.core.library import Library, LineageNode, Outcome, StoredResult
from tests.core.library.conftest import WHEN, DraftFactory, image_bytes


def _vary(
    library: Library, make_draft: DraftFactory, parent: StoredResult | None, n: int, minute: int
) -> list[StoredResult]:
    run_id = library.begin_run(
        make_draft(parent_result_id=parent.id if parent else None),
        now=WHEN + timedelta(minutes=minute),
    )
    results = [library.add_result(run_id, i, image_bytes(), "png") for i in range(n)]
    library.finish_run(run_id, Outcome.SUCCEEDED)
    return results


def _shape(node: LineageNode) -> object:
    """The tree as nested (result id, [children]) for comparing."""
    label = node.result.id if node.result else "root"
    return (label, [_shape(child) for child in node.children])


def test_three_generations_with_branches(library: Library, make_draft: DraftFactory) -> None:
    a0, a1 = _vary(library, make_draft, None, 2, 0)  # generation 1, from the source picture
    (b0,) = _vary(library, make_draft, a0, 1, 1)  # generation 2, from a0
    c0, c1 = _vary(library, make_draft, a0, 2, 2)  # a second branch from a0
    d0, d1 = _vary(library, make_draft, b0, 2, 3)  # generation 3, from b0
    (e0,) = _vary(library, make_draft, a1, 1, 4)  # a branch from a1
    _vary(library, make_draft, None, 1, 5)  # another family: not in this tree

    expected = (
        "root",
        [
            (a0.id, [(b0.id, [(d0.id, []), (d1.id, [])]), (c0.id, []), (c1.id, [])]),
            (a1.id, [(e0.id, [])]),
        ],
    )
    for member in (a0, b0, d1, e0, c1):  # the same tree from wherever one starts
        assert _shape(library.lineage(member.id)) == expected

    tree = library.lineage(d1.id)
    assert tree.result is None and tree.run_id == a0.run_id
    first_run = library.run(a0.run_id)
    assert first_run is not None and tree.source_path == first_run.source_path
    found = tree.find(d1.id)
    assert found is not None and found.run_id == d1.run_id and found.result == d1
    depths = {node.result.id: depth for depth, node in tree.walk() if node.result}
    assert (depths[a0.id], depths[b0.id], depths[d1.id]) == (1, 2, 3)
    # Siblings from one run share its id, so a view can group them.
    assert {n.run_id for n in tree.children[0].children[1:]} == {c0.run_id}


def test_deleted_runs_leave_the_tree_but_the_way_to_the_picture_stays(
    library: Library, make_draft: DraftFactory
) -> None:
    (a0,) = _vary(library, make_draft, None, 1, 0)
    (b0,) = _vary(library, make_draft, a0, 1, 1)
    (c0,) = _vary(library, make_draft, a0, 1, 2)
    library.delete_run(c0.run_id)
    assert _shape(library.lineage(a0.id)) == ("root", [(a0.id, [(b0.id, [])])])
    assert _shape(library.lineage(c0.id)) == ("root", [(a0.id, [(b0.id, []), (c0.id, [])])])


def test_a_purged_parent_makes_its_child_run_a_root(
    library: Library, make_draft: DraftFactory
) -> None:
    (a0,) = _vary(library, make_draft, None, 1, 0)
    (b0,) = _vary(library, make_draft, a0, 1, 1)
    library.delete_run(a0.run_id)
    library.purge_deleted()
    tree = library.lineage(b0.id)
    assert _shape(tree) == ("root", [(b0.id, [])])
    assert tree.run_id == b0.run_id


def test_an_unknown_result_has_no_lineage(library: Library) -> None:
    with pytest.raises(KeyError):
        library.lineage("20260101-000000-000000000000-0")
