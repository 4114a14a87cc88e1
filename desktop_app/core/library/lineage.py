"""Family trees of variations: which result was varied into which ("Vary this")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.library.models import LineageNode, StoredResult

# Deep enough for any real family; it stops a damaged index (a loop of parents) from recursing
# without end.
MAX_DEPTH = 500


@dataclass(frozen=True)
class RunLink:
    """What the tree needs of a run: its parent result and whether it is in the trash."""

    run_id: str
    parent_result_id: str | None
    deleted: bool


def find_root(
    start_run: RunLink,
    run_of_result: Callable[[str], RunLink | None],
) -> tuple[RunLink, set[str]]:
    """The first run of the family (walking up parent results) and the run ids on the way."""
    path = {start_run.run_id}
    run = start_run
    while run.parent_result_id is not None and len(path) < MAX_DEPTH:
        parent = run_of_result(run.parent_result_id)
        if parent is None or parent.run_id in path:  # purged parent, or a loop
            break
        path.add(parent.run_id)
        run = parent
    return run, path


def build_tree(
    root: RunLink,
    source_path: Path | None,
    *,
    results_of_run: Callable[[str], Sequence[StoredResult]],
    runs_varying: Callable[[str], Sequence[RunLink]],
    keep: set[str],
) -> LineageNode:
    """The tree below ``root``. Runs in the trash are left out unless in ``keep`` (the way from
    the root to the picture asked about, which must always be in its own tree)."""
    seen: set[str] = {root.run_id}

    def nodes_for(run_id: str, depth: int) -> tuple[LineageNode, ...]:
        return tuple(
            LineageNode(run_id=run_id, result=result, children=children_of(result.id, depth + 1))
            for result in results_of_run(run_id)
        )

    def children_of(result_id: str, depth: int) -> tuple[LineageNode, ...]:
        if depth >= MAX_DEPTH:
            return ()
        children: list[LineageNode] = []
        for run in runs_varying(result_id):
            if run.run_id in seen or (run.deleted and run.run_id not in keep):
                continue
            seen.add(run.run_id)
            children.extend(nodes_for(run.run_id, depth))
        return tuple(children)

    return LineageNode(
        run_id=root.run_id,
        result=None,
        children=nodes_for(root.run_id, 0),
        source_path=source_path,
    )
