"""The history list's query: a page of runs as plain tuples, read with as little Python as can be.

:meth:`Library.runs` builds a whole :class:`RunRecord` per run (~110 objects: paths, dicts,
results). A list that pages through thousands of runs on a worker thread needs a dozen fields of
each, and every object made there holds the GIL the GUI thread is waiting for, then gives the
garbage collector more to walk. So this query:

- asks SQLite for the paths, ready-made: the source file, the run's folder, and the names of its
  result files in index order, joined into one string by a correlated subquery (one statement
  per page, no second query, no Row or Path objects);
- pages by key (``(created, id) < (?, ?)``), not by ``OFFSET``, which makes SQLite step over
  every earlier row and grows slower deep in the list;
- returns exact tuples of atoms, which the collector stops tracking after its first pass.

The paths spelled here in SQL are those of :class:`~desktop_app.core.library.files.Layout`
(``sources/<hash>.<ext>``, ``runs/<YYYY-MM>/<run id>/<NN>.<format>``); the tests hold the two to
the same answers as :meth:`Library.runs`.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from typing import Any, Final

from desktop_app.core.library import records
from desktop_app.core.library.files import Layout

RunSummary = tuple[
    str,
    datetime,
    str | None,
    str | None,
    str,
    str,
    str,
    tuple[str, ...],
    float | None,
    float | None,
    str,
    bool,
    str,
]
"""What the history list shows of a run, in this order: id, created (aware, UTC), prompt, model,
mode, source file name, source path, result paths (every result, in index order), cost,
estimated cost, outcome (an :class:`Outcome` value), favourite, framing (its shape, zoom out or
region in words, :func:`~desktop_app.core.framing_words.framing_words`; "" for a square)."""

PageKey = tuple[datetime, str]
"""Where a page starts: the ``(created, id)`` of the last run shown before it."""

_NAMES_SEPARATOR: Final = ","  # result file names are digits, a dot and [a-z0-9]: never a comma

# Result file names in index order: the subquery walks the results' (run_id, idx) unique index,
# so its rows come in index order, which group_concat keeps (tested: results added out of order).
_SELECT: Final = f"""
SELECT r.id, r.created, r.prompt, r.model, r.mode, r.source_name,
       ? || r.source_hash || '.' || r.source_ext,
       ? || substr(r.id, 1, 4) || '-' || substr(r.id, 5, 2) || ? || r.id || ?,
       (SELECT group_concat(printf('%02d.', s.idx) || s.format, '{_NAMES_SEPARATOR}')
          FROM (SELECT idx, format FROM results WHERE run_id = r.id ORDER BY idx) AS s),
       r.cost, r.estimated_cost, r.outcome, r.favourite,
       json_extract(r.parameters, '$.shape'), json_extract(r.parameters, '$.zoom_out'),
       json_extract(r.parameters, '$.mask')
  FROM runs AS r
"""


def summaries(
    conn: sqlite3.Connection,
    layout: Layout,
    *,
    search: str,
    favourites_only: bool,
    limit: int,
    after: tuple[str, str] | None,
) -> list[RunSummary]:
    """One page of the history, newest first, after the run whose stored ``(created, id)`` is
    ``after`` (from the top when None). Same filter and order as :meth:`Library.runs`. The
    caller holds the connection's lock."""
    where, filter_params = records.filters(search, favourites_only)
    params: list[Any] = [str(layout.sources) + os.sep, str(layout.runs) + os.sep, os.sep, os.sep]
    params += filter_params
    if after is not None:
        where += " AND (r.created, r.id) < (?, ?)"
        params += after
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples, not sqlite3.Row
    cursor.execute(
        f"{_SELECT} WHERE {where} ORDER BY r.created DESC, r.id DESC LIMIT ?", (*params, limit)
    )
    parse_time = datetime.fromisoformat
    return [
        (
            run_id,
            parse_time(created),
            prompt,
            model,
            mode,
            source_name,
            source,
            tuple([folder + name for name in names.split(_NAMES_SEPARATOR)]) if names else (),
            cost,
            estimated_cost,
            outcome,
            favourite == 1,
            # Only a framed run pays for the words: most runs are plain squares.
            _framing(shape, zoom_out, mask) if shape or zoom_out or mask else "",
        )
        for (
            run_id,
            created,
            prompt,
            model,
            mode,
            source_name,
            source,
            folder,
            names,
            cost,
            estimated_cost,
            outcome,
            favourite,
            shape,
            zoom_out,
            mask,
        ) in cursor
    ]


def _framing(shape: object, zoom_out: object, mask: str | None) -> str:
    import json

    from desktop_app.core.framing_words import framing_words

    parameters = {"shape": shape, "zoom_out": zoom_out, "mask": json.loads(mask) if mask else None}
    return framing_words(parameters)
