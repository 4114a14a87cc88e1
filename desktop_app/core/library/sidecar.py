"""The sidecar: a small JSON file in each run's folder that holds everything the index holds
about the run, so that the index can be made again from the files alone."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from desktop_app.core.library.files import is_run_id
from desktop_app.core.library.models import Outcome

FORMAT: Final = "image-variations-run"
VERSION: Final = 1

# The runs table's columns that a sidecar carries; crop, parameters and usage are JSON in the
# index and plain JSON values here.
RUN_FIELDS: Final = (
    "id",
    "created",
    "source_hash",
    "source_ext",
    "source_name",
    "crop",
    "mode",
    "model",
    "parameters",
    "prompt",
    "parent_result_id",
    "request_id",
    "usage",
    "estimated_cost",
    "cost",
    "outcome",
    "error",
    "favourite",
    "deleted_at",
    # The session that runs it (None once finished): a rebuild while that session still lives
    # must not take its run for an abandoned one.
    "session",
)
JSON_FIELDS: Final = frozenset({"crop", "parameters", "usage"})
RESULT_FIELDS: Final = ("idx", "format", "size", "sha256", "revised_prompt")

Row = dict[str, Any]


def to_document(run: Mapping[str, Any], results: Sequence[Mapping[str, Any]]) -> bytes:
    """The sidecar's bytes for a run as the index holds it (``run`` and ``results`` rows)."""
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    for name in RUN_FIELDS:
        value = run[name]
        if name in JSON_FIELDS and value is not None:
            value = json.loads(value)
        elif name == "favourite":
            value = bool(value)
        document[name] = value
    document["results"] = [
        {name: result[name] for name in RESULT_FIELDS}
        for result in sorted(results, key=lambda r: int(r["idx"]))
    ]
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def from_document(data: bytes) -> tuple[Row, list[Row]]:
    """The index rows of a sidecar; ``ValueError`` when it is not one this app can read."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("not a run sidecar")
    run: Row = {}
    for name in RUN_FIELDS:
        value = document.get(name)
        if name in JSON_FIELDS:
            value = None if value is None else json.dumps(value, ensure_ascii=False)
        run[name] = value
    run["favourite"] = 1 if document.get("favourite") is True else 0
    run["parameters"] = run["parameters"] or "{}"
    _check_run(run)
    raw_results = document.get("results")
    if not isinstance(raw_results, list):
        raise ValueError("results is not a list")
    results = [_result_row(raw) for raw in raw_results]
    return run, results


def _check_run(run: Row) -> None:
    if not isinstance(run["id"], str) or not is_run_id(run["id"]):
        raise ValueError("no run id")
    try:
        created = datetime.fromisoformat(run["created"])
    except (TypeError, ValueError):
        raise ValueError("no creation time") from None
    if created.tzinfo is None:
        raise ValueError("creation time without a time zone")
    for name in ("source_hash", "source_ext", "source_name", "mode"):
        if not isinstance(run[name], str):
            raise ValueError(f"{name} is missing")
    try:
        Outcome(run["outcome"])
    except ValueError:
        raise ValueError(f"unknown outcome {run['outcome']!r}") from None
    for name in ("estimated_cost", "cost"):
        if run[name] is not None and not isinstance(run[name], int | float):
            raise ValueError(f"{name} is not a number")
    if run["session"] is not None and not isinstance(run["session"], str):
        run["session"] = None  # written by no version of this app: treated as abandoned


def _result_row(raw: Any) -> Row:
    if not isinstance(raw, dict):
        raise ValueError("a result is not an object")
    row: Row = {name: raw.get(name) for name in RESULT_FIELDS}
    if not (isinstance(row["idx"], int) and isinstance(row["size"], int)):
        raise ValueError("a result has no index or size")
    if not (isinstance(row["format"], str) and isinstance(row["sha256"], str)):
        raise ValueError("a result has no format or hash")
    return row
