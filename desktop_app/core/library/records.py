"""Index rows to records and back: the SQL that reads and writes one run or result."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from desktop_app.core.library.files import Layout, result_id
from desktop_app.core.library.models import Outcome, RunRecord, StoredResult
from desktop_app.core.library.sidecar import RUN_FIELDS

Row = dict[str, Any]

RUN_COLUMNS: Final = (*RUN_FIELDS, "haystack")
RESULT_COLUMNS: Final = ("id", "run_id", "idx", "format", "size", "sha256", "revised_prompt")
_CHUNK: Final = 500  # ids per "IN (...)" query, well under SQLite's variable limit


def haystack(prompt: str | None, model: str | None, source_name: str) -> str:
    """What a search looks in. The unit separator keeps a word from matching across fields;
    case-folding (not SQLite's ASCII-only LIKE) makes "ÉTÉ" find "été"."""
    return "\x1f".join((prompt or "", model or "", source_name)).casefold()


def filters(search: str, favourites_only: bool) -> tuple[str, list[Any]]:
    """The WHERE clause of a history query: not deleted, every word of ``search`` present."""
    clauses = ["deleted_at IS NULL"]
    params: list[Any] = []
    if favourites_only:
        clauses.append("favourite = 1")
    for word in search.casefold().split():
        clauses.append("instr(haystack, ?) > 0")  # instr, not LIKE: "%" and "_" are plain
        params.append(word)
    return " AND ".join(clauses), params


def chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def marks(items: Sequence[object]) -> str:
    return ",".join("?" * len(items))


def insert_run(conn: sqlite3.Connection, run: Mapping[str, Any]) -> None:
    conn.execute(
        f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({marks(RUN_COLUMNS)})",
        tuple(run[name] for name in RUN_COLUMNS),
    )
    _record_charge(conn, run)


def update_run(conn: sqlite3.Connection, run: Mapping[str, Any]) -> None:
    columns = [name for name in RUN_COLUMNS if name != "id"]
    conn.execute(
        f"UPDATE runs SET {', '.join(f'{name} = ?' for name in columns)} WHERE id = ?",
        (*(run[name] for name in columns), run["id"]),
    )
    _record_charge(conn, run)


def _record_charge(conn: sqlite3.Connection, run: Mapping[str, Any]) -> None:
    if run["cost"] is not None:
        conn.execute(
            "INSERT OR REPLACE INTO charges (run_id, created, cost) VALUES (?, ?, ?)",
            (run["id"], run["created"], run["cost"]),
        )


def insert_result(conn: sqlite3.Connection, result: Mapping[str, Any]) -> None:
    conn.execute(
        f"INSERT INTO results ({', '.join(RESULT_COLUMNS)}) VALUES ({marks(RESULT_COLUMNS)})",
        tuple(result[name] for name in RESULT_COLUMNS),
    )


def full_result(run_id: str, result: Mapping[str, Any]) -> Row:
    """A sidecar's result entry with the columns that are derived, not stored there."""
    return {**result, "id": result_id(run_id, result["idx"]), "run_id": run_id}


def stored_result(layout: Layout, row: Mapping[str, Any]) -> StoredResult:
    return StoredResult(
        id=row["id"],
        run_id=row["run_id"],
        index=row["idx"],
        path=layout.result_path(row["run_id"], row["idx"], row["format"]),
        format=row["format"],
        size_bytes=row["size"],
        revised_prompt=row["revised_prompt"],
        sha256=row["sha256"],
    )


def run_record(
    layout: Layout, row: Mapping[str, Any], results: Sequence[StoredResult]
) -> RunRecord:
    crop = json.loads(row["crop"]) if row["crop"] else None
    return RunRecord(
        id=row["id"],
        created=datetime.fromisoformat(row["created"]),
        source_hash=row["source_hash"],
        source_name=row["source_name"],
        source_path=layout.source_path(row["source_hash"], row["source_ext"]),
        crop=(int(crop[0]), int(crop[1]), int(crop[2])) if crop else None,
        mode=row["mode"],
        model=row["model"],
        parameters=json.loads(row["parameters"]),
        prompt=row["prompt"],
        parent_result_id=row["parent_result_id"],
        request_id=row["request_id"],
        usage=json.loads(row["usage"]) if row["usage"] else None,
        estimated_cost=row["estimated_cost"],
        cost=row["cost"],
        outcome=Outcome(row["outcome"]),
        error=row["error"],
        favourite=bool(row["favourite"]),
        results=tuple(results),
        deleted=row["deleted_at"] is not None,
    )
