"""Finishing the records of runs that were still running when their process died."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from desktop_app.core.library.files import (
    SIDECAR_NAME,
    Layout,
    is_run_id,
    parse_result_file_name,
    remove_file,
    sha256_hex,
)
from desktop_app.core.library.models import Outcome
from desktop_app.core.library.sidecar import RUN_FIELDS, from_document
from desktop_app.core.results import sniff_format

Row = dict[str, Any]

INTERRUPTED_MESSAGE: Final = "The app stopped before this run finished."
DAMAGED_MESSAGE: Final = (
    "This run's record was damaged: its images are listed without their settings or source."
)
# What finish_run writes: found in a sidecar whose index row was not yet committed.
FINISH_FIELDS: Final = ("outcome", "request_id", "usage", "cost", "error")


def recover_run(layout: Layout, run: Row, results: list[Row]) -> tuple[Row, list[Row]]:
    """The record of an abandoned run, from its index rows and its folder.

    Every image file in the folder was renamed into place complete (files go through staging),
    so each one that the index or the sidecar lists with the same hash is kept, and one that
    neither lists (the process died between the rename and the commit) is adopted when its
    content is the format its name says: it arrived whole and was paid for. Anything else in the
    folder that looks like a result is removed, so it can never be listed.
    """
    folder = layout.run_folder(run["id"])
    listed: dict[int, Row] = {}
    recovered = dict(run, session=None, outcome=Outcome.INTERRUPTED.value)
    recovered["error"] = run["error"] or INTERRUPTED_MESSAGE
    try:
        side_run, side_results = from_document((folder / SIDECAR_NAME).read_bytes())
    except (OSError, ValueError):
        pass
    else:
        listed.update((r["idx"], r) for r in side_results)
        if side_run["outcome"] != Outcome.RUNNING.value:  # finished, but not yet committed
            recovered.update((name, side_run[name]) for name in FINISH_FIELDS)
    listed.update((r["idx"], r) for r in results)

    kept = _results_in(folder, listed)
    _settle(recovered)
    return recovered, kept


def salvage_run(folder: Path) -> tuple[Row, list[Row]] | None:
    """The record of a run whose sidecar cannot be read, from its folder alone: its id and time
    from the folder's name, its images from the files (each one whose content is the format its
    name says). Settings, prompt and source are lost; the run says so. None when the folder is
    not a run's."""
    run_id = folder.name
    if not is_run_id(run_id):
        return None
    created = datetime.strptime(run_id[:15], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    run: Row = dict.fromkeys(RUN_FIELDS)
    run.update(
        id=run_id,
        created=created.isoformat(timespec="microseconds"),
        source_hash="",  # unknown: no source file has this name, so none is ever shown
        source_ext="png",
        source_name="damaged record",
        mode="edit",
        parameters="{}",
        outcome=Outcome.INTERRUPTED.value,
        error=DAMAGED_MESSAGE,
        favourite=0,
    )
    return run, _results_in(folder, {}, salvaging=True)


def _results_in(folder: Path, listed: dict[int, Row], *, salvaging: bool = False) -> list[Row]:
    """The result files in ``folder`` that ``listed`` names with the same hash, and those it
    does not name whose content is the format their name says. When ``salvaging`` a run whose
    record is lost, every file with a result's name is listed and nothing is removed: files
    reach their names complete, and with the record gone the person is the judge."""
    kept: list[Row] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        entries = []
    for entry in entries:
        parsed = parse_result_file_name(entry.name)
        if parsed is None or not entry.is_file(follow_symlinks=False):
            continue
        index, fmt = parsed
        path = Path(entry.path)
        data = path.read_bytes()
        digest = sha256_hex(data)
        known = listed.get(index)
        if known is not None and known["sha256"] == digest and known["format"] == fmt:
            kept.append(known)
        elif known is None and (salvaging or sniff_format(data) == fmt):
            kept.append(
                {
                    "idx": index,
                    "format": fmt,
                    "size": len(data),
                    "sha256": digest,
                    "revised_prompt": None,
                }
            )
        elif not salvaging:
            remove_file(path)
    return kept


def _settle(recovered: Row) -> None:
    """An abandoned run counts what it probably cost (the estimate, when no usage came back;
    ``history`` marks it as such), so that the month's total does not undercount: the money
    may have gone even though the run never finished."""
    if recovered["cost"] is None and recovered["outcome"] == Outcome.INTERRUPTED.value:
        recovered["cost"] = recovered.get("estimated_cost")
