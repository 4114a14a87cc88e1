"""The batch on disk, written whole and atomically after every change of state.

One small JSON file per batch in the data folder. An item is marked "sending" *before* its
request leaves; after a crash such an item is failed as "may have been billed" and is never sent
again without asking, while items still "waiting" simply resume.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from desktop_app.core.fsio import replace_atomically
from desktop_app.core.paths import data_folder

from .items import Batch, BatchItem, BatchState, ItemState

log = logging.getLogger(__name__)

VERSION = 1
INTERRUPTED = (
    "The app stopped while this picture was being sent, so it may have been billed; its "
    "images, if any arrived, are in History. It is not sent again unless you ask."
)
CLOSED = INTERRUPTED.replace("The app stopped", "The app was closed")


WINDOW = "window"
COMMAND_LINE = "command-line"


def batches_folder(kind: str) -> Path:
    """Where the batches of the window or of the command line are kept: apart, so that one
    never takes up the other's unfinished batch."""
    return data_folder() / "batches" / kind


class BatchJournal:
    """Keeps one batch in ``folder``/<batch id>.json (default: the window's)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or batches_folder(WINDOW)

    def path_of(self, batch: Batch) -> Path:
        return self.folder / f"{batch.id}.json"

    def save(self, batch: Batch) -> None:
        """Writes ``batch`` whole (rename over the old file, fsync'd): raises OSError."""
        self.folder.mkdir(parents=True, exist_ok=True)
        document = {"version": VERSION, **asdict(batch)}
        data = json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")
        replace_atomically(self.path_of(batch), data)

    def forget(self, batch: Batch) -> None:
        self.path_of(batch).unlink(missing_ok=True)

    def unfinished(self) -> list[Batch]:
        """Every batch left with pictures waiting, out or failed, oldest first, recovered (see
        :func:`recover`); unreadable files are skipped (and kept for a person to look at)."""
        found: list[tuple[float, Batch]] = []
        for path in self.folder.glob("*.json") if self.folder.is_dir() else ():
            try:
                batch = read_batch(path.read_bytes())
                when = path.stat().st_mtime
            except (OSError, ValueError) as exc:
                log.warning("skipping the batch file %s: %s", path, exc)
                continue
            if any(item.state is not ItemState.DONE for item in batch.items):
                found.append((when, recover(batch)))
        return [batch for _when, batch in sorted(found, key=lambda pair: pair[0])]


def recover(batch: Batch) -> Batch:
    """``batch`` as found after the app stopped: items that were out may have been billed.
    Its own state is kept, so the window can tell a batch that was running (and goes on)
    from one that was paused."""
    for item in batch.items:
        if item.state is ItemState.SENDING:
            item.state, item.billed, item.reason = ItemState.FAILED, True, INTERRUPTED
            item.failure = "interrupted"
    return batch  # a batch left "running" is one the person meant to finish: it goes on


def read_batch(data: bytes) -> Batch:
    """A batch from its file; ValueError for anything that is not one."""
    try:
        document: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a batch file: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise ValueError("not a batch file")
    try:
        items = [_item(raw) for raw in document["items"]]
        return Batch(
            items=items,
            folder=document.get("folder"),
            jobs=int(document.get("jobs", 2)),
            id=str(document["id"]),
            state=BatchState(document.get("state", BatchState.READY)),
            stop_reason=str(document.get("stop_reason", "")),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"damaged batch file: {exc!r}") from None


def _item(raw: dict[str, Any]) -> BatchItem:
    crop = raw.get("crop")
    return BatchItem(
        path=str(raw["path"]),
        settings=dict(raw["settings"]),
        crop=(int(crop[0]), int(crop[1]), int(crop[2]), int(crop[3])) if crop else None,
        id=str(raw["id"]),
        state=ItemState(raw["state"]),
        reason=str(raw.get("reason", "")),
        billed=bool(raw.get("billed", False)),
        failure=str(raw.get("failure", "")),
        estimate=raw.get("estimate"),
        cost=raw.get("cost"),
        run_id=raw.get("run_id"),
        made=int(raw.get("made", 0)),
        saved=[str(path) for path in raw.get("saved", [])],
    )
