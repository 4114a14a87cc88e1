"""Which runs to prune when the user limits the library by age or by size.

Only unstarred, finished runs are ever candidates: favourites are never pruned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    run_id: str
    created: str  # ISO 8601 UTC, as the index stores it
    result_bytes: int
    source_hash: str


def choose_runs_to_prune(
    candidates: Sequence[Candidate],
    *,
    cutoff: str | None,
    max_bytes: int | None,
    total_bytes: int,
    source_sizes: Mapping[str, int],
    source_users: Mapping[str, int],
) -> tuple[list[str], int]:
    """The runs to remove and the bytes that frees.

    ``candidates`` are the prunable runs, oldest first. Every one created before ``cutoff`` goes;
    then, while the library is still larger than ``max_bytes``, the oldest of the rest. A source
    picture is freed with the last run that uses it (``source_users`` counts every run, starred
    ones included, so a source a favourite needs is never counted as freed).
    """
    users = dict(source_users)
    chosen: list[str] = []
    freed = 0
    for candidate in candidates:
        too_old = cutoff is not None and candidate.created < cutoff
        too_big = max_bytes is not None and total_bytes - freed > max_bytes
        if not (too_old or too_big):
            break  # oldest first: every later run is newer, and the size is already met
        chosen.append(candidate.run_id)
        freed += candidate.result_bytes
        users[candidate.source_hash] = users.get(candidate.source_hash, 0) - 1
        if users[candidate.source_hash] == 0:
            freed += source_sizes.get(candidate.source_hash, 0)
    return chosen, freed
