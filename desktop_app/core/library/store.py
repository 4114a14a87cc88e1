"""The library: every run and every result the user paid for, on disk before it is shown.

One :class:`Library` is shared by the GUI thread (queries) and a worker thread (recording a run
while it streams). It keeps one SQLite connection behind a lock that is held only for SQL, never
for file writes, so a query waits at most for one short commit. Changes are serialised by a
second lock, so two writers never interleave the rewrites of a run's sidecar.

Order of the writes, which is what makes a crash at any moment harmless:

- ``begin_run``: source file, then the index row, then the sidecar (a running run without a
  sidecar gets one when it is recovered);
- ``add_result`` and every later change: the image file, then the sidecar, then the index. The
  index never lists what the files do not hold, and what the files hold beyond the index is
  taken up again when the run is recovered (see ``recovery.py``);
- ``add_results`` (:class:`ResultBatch`, the images of one answer): the same order for all of
  them at once: every image file, then one sidecar, then one transaction.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal

from desktop_app.core.fsio import fsync_folder
from desktop_app.core.library import files, records, retention
from desktop_app.core.library.files import Layout
from desktop_app.core.library.lineage import RunLink, build_tree, find_root
from desktop_app.core.library.models import (
    LineageNode,
    Outcome,
    PruneReport,
    RunDraft,
    RunRecord,
    StoredResult,
)
from desktop_app.core.library.recovery import recover_run, salvage_run
from desktop_app.core.library.rows import PageKey, RunSummary, summaries
from desktop_app.core.library.schema import connect, transaction
from desktop_app.core.library.sessions import Session, live_tags
from desktop_app.core.library.sidecar import from_document, to_document
from desktop_app.core.library.trouble import LIBRARY_ERRORS, DamagedIndex, LibraryUnavailable

__all__ = ["Library"]

Row = dict[str, Any]

FOLDER_NAME: Final = "library"
_WRITERS: Final = 4  # files of one batch written and flushed at a time
_FORMAT_RE: Final = re.compile(r"[a-z0-9]{1,8}")
_FORMAT_ALIASES: Final = {"jpg": "jpeg", "tif": "tiff"}
_PERIOD_FORMATS: Final = {"day": "%Y-%m-%d", "month": "%Y-%m-01"}

log = logging.getLogger(__name__)


def _now_utc(now: datetime | None) -> datetime:
    # A naive time is taken as local time, as datetime.astimezone does.
    return (now or datetime.now(UTC)).astimezone(UTC)


def _keep_aside(record: Path) -> None:
    """A copy of a damaged run record beside it, once, so a person can still rescue it."""
    aside = record.with_name(record.name + ".damaged")
    with suppress(OSError):
        if not aside.exists():
            shutil.copyfile(record, aside)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Library:
    """The app's library in one folder; see :func:`Library.open`."""

    def __init__(self, layout: Layout, conn: sqlite3.Connection, session: Session) -> None:
        self._layout = layout
        self._conn = conn
        self._conn.row_factory = sqlite3.Row
        self._session = session
        self._sql = threading.RLock()  # guards the connection; held only for SQL
        self._writing = threading.RLock()  # one change at a time (files, then index)
        self._closed = False
        self._read_only = False
        # Run id -> the batch being listed and the run as it was (ResultBatch.commit).
        self._batches: dict[str, tuple[ResultBatch, tuple[Row, list[Row]]]] = {}
        self._unreadable: list[Path] = []

    # --- opening and closing ---------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path | None = None, *, read_only: bool = False) -> Library:
        """Opens the library in ``folder`` (default: the app's data folder / ``library``).

        Creates it when new; rebuilds the index from the files when the index is missing or
        damaged; removes the leftovers of processes that died while writing; records the runs
        they left running as interrupted, keeping every result that had fully arrived.

        A full disk, a read-only file or an I/O error raises :class:`LibraryUnavailable` and
        leaves the index as it is; only a damaged index is set aside (and kept) and rebuilt.

        ``read_only`` writes nothing at all, for reading the history of a library that cannot
        be written (it needs an existing, healthy index).
        """
        if folder is None:
            from desktop_app.core.paths import data_folder

            folder = data_folder() / FOLDER_NAME
        layout = Layout(Path(folder))
        if read_only:
            conn, _new = connect(layout.index, read_only=True)
            library = cls(layout, conn, Session.none())
            library._read_only = True
            return library
        layout.create()
        _check_writable(layout)
        session = Session(layout.sessions)
        try:
            fresh = not layout.index.exists()
            if fresh:
                _remove_journal(layout)  # a journal without its index must not be replayed
            try:
                conn, new = connect(layout.index)
            except DamagedIndex:
                log.warning("the library's index is damaged: set aside and rebuilt")
                _set_damaged_index_aside(layout)
                conn, new = connect(layout.index)
            fresh = fresh or new
            library = cls(layout, conn, session)
        except BaseException:
            session.release()
            raise
        try:
            if fresh:
                library.rebuild()
            library._tidy()
        except BaseException:
            with suppress(*LIBRARY_ERRORS):
                library.close()
            raise
        return library

    def close(self) -> None:
        """Records this process's unfinished runs as interrupted and lets the library go."""
        with self._writing:
            if self._closed:
                return
            try:
                if not self._read_only:
                    self._recover_runs(lambda session: session == self._session.tag)
            finally:
                self._closed = True
                with self._sql:
                    self._conn.close()
                self._session.release()

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def unreadable_sidecars(self) -> tuple[Path, ...]:
        """Run records the last :meth:`rebuild` could not read: those runs are listed with their
        images alone (see ``recovery.salvage_run``)."""
        return tuple(self._unreadable)

    def __enter__(self) -> Library:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def folder(self) -> Path:
        return self._layout.root

    # --- recording a run -------------------------------------------------------------------

    def begin_run(self, draft: RunDraft, *, now: datetime | None = None) -> str:
        """Records a run that is about to be sent; returns its id. On disk when it returns."""
        created = _now_utc(now)
        run_id = files.new_run_id(created)
        try:
            parameters = json.dumps(dict(draft.parameters), ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"The run's parameters cannot be stored: {exc}") from None
        source_hash = files.sha256_hex(draft.source_bytes)
        source_ext = files.sniff_source_ext(draft.source_bytes)
        run: Row = {
            "id": run_id,
            "created": _iso(created),
            "source_hash": source_hash,
            "source_ext": source_ext,
            "source_name": draft.source_name,
            "crop": json.dumps(list(draft.crop)) if draft.crop is not None else None,
            "mode": draft.mode,
            "model": draft.model,
            "parameters": parameters,
            "prompt": draft.prompt,
            "parent_result_id": draft.parent_result_id,
            "request_id": None,
            "usage": None,
            "estimated_cost": draft.estimated_cost,
            "cost": None,
            "outcome": Outcome.RUNNING.value,
            "error": None,
            "favourite": 0,
            "deleted_at": None,
            "session": self._session.tag,
            "haystack": records.haystack(draft.prompt, draft.model, draft.source_name),
        }
        with self._writing:
            self._store_source(source_hash, source_ext, draft.source_bytes)
            with self._sql, transaction(self._conn) as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO sources (hash, ext, size) VALUES (?, ?, ?)",
                    (source_hash, source_ext, len(draft.source_bytes)),
                )
                records.insert_run(conn, run)
            try:
                self._write_sidecar(run, [])
            except BaseException:
                with self._sql, transaction(self._conn) as conn:
                    conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
                raise
        return run_id

    def add_result(
        self,
        run_id: str,
        index: int,
        data: bytes,
        fmt: str,
        revised_prompt: str | None = None,
    ) -> StoredResult:
        """Stores one finished image of a running run. When this returns, the image file is on
        disk under its final name and the index lists it; on an error, neither is there."""
        normal = _normal_format(fmt)
        if normal is None:
            raise ValueError(f"{fmt!r} is not an image format name such as 'png'.")
        fmt = normal
        if index < 0:
            raise ValueError("A result's index cannot be negative.")
        with self._writing:
            batch, before = self._batches.get(run_id) or (None, None)
            run, results = before if before is not None else self._rows(run_id)
            if run["outcome"] != Outcome.RUNNING.value:
                raise ValueError(f"Run {run_id} has finished; it takes no more results.")
            queued = [row for _, row in batch.rows] if batch is not None else []
            if any(r["idx"] == index for r in (*results, *queued)):
                raise ValueError(f"Run {run_id} already has a result {index}.")
            row: Row = {
                "id": files.result_id(run_id, index),
                "run_id": run_id,
                "idx": index,
                "format": fmt,
                "size": len(data),
                "sha256": "",
                "revised_prompt": revised_prompt,
            }
            path = self._layout.result_path(run_id, index, fmt)
            if batch is not None:  # written already (or now); listed with the rest by _commit
                row["sha256"] = batch.written(index, path, data)
                batch.rows.append((path, row))
                return records.stored_result(self._layout, row)
            row["sha256"] = files.sha256_hex(data)
            self._write(path, data)
            try:
                self._write_sidecar(run, [*results, row])
                with self._sql, transaction(self._conn) as conn:
                    records.insert_result(conn, row)
            except BaseException:
                files.remove_file(path)
                fsync_folder(path.parent)
                with suppress(OSError):
                    self._write_sidecar(run, results)
                raise
        return records.stored_result(self._layout, row)

    def results_together(self, run_id: str) -> ResultBatch:
        """Several images of a running run, stored as one: see :class:`ResultBatch`."""
        return ResultBatch(self, run_id)

    def add_results(self, run_id: str, new: Sequence[NewResult]) -> list[StoredResult | Exception]:
        """Stores several finished images of a running run at once; see :class:`ResultBatch`."""
        batch = self.results_together(run_id)
        for index, data, fmt, revised_prompt in new:
            batch.add(index, data, fmt, revised_prompt)
        return batch.commit()

    def _commit(self, batch: ResultBatch) -> list[StoredResult | Exception]:
        outcomes: list[StoredResult | Exception] = []
        run_id = batch.run_id
        with self._writing:
            try:
                before = self._rows(run_id)  # afresh: another change to the run may have come
            except BaseException:
                for _, path in batch.finished_early():
                    files.remove_file(path)
                raise
            self._batches[run_id] = (batch, before)
            try:
                for index, data, fmt, revised_prompt in batch.new:
                    try:
                        outcomes.append(self.add_result(run_id, index, data, fmt, revised_prompt))
                    except Exception as exc:  # noqa: BLE001 - handed back, the caller decides
                        outcomes.append(exc)
            finally:
                del self._batches[run_id]
            # Written early, then refused by add_result: not kept (never one a run already had).
            listed = {row["idx"] for row in before[1]}
            queued = {path for path, _ in batch.rows}
            stray = [p for i, p in batch.finished_early() if p not in queued and i not in listed]
            for path in stray:
                files.remove_file(path)
            position = {o.id: i for i, o in enumerate(outcomes) if isinstance(o, StoredResult)}
            for row, failure in self._list_batch(batch.rows, before, bool(stray)):
                outcomes[position[row["id"]]] = failure
        return outcomes

    def _list_batch(
        self, written: list[tuple[Path, Row]], before: tuple[Row, list[Row]], removed: bool
    ) -> list[tuple[Row, Exception]]:
        """Makes a batch's written files durable and listed: their folder flushed once, the
        sidecar written once, the index changed in one transaction. On an error none is kept
        (as add_result would leave it); returns each row with that error."""
        run, results = before
        if not written:
            if removed:
                fsync_folder(self._layout.run_folder(run["id"]))
            return []
        folder = written[0][0].parent
        fsync_folder(folder)  # the new names, all at once
        kept = [row for _, row in written]
        try:
            self._write_sidecar(run, [*results, *kept])
            with self._sql, transaction(self._conn) as conn:
                for row in kept:
                    records.insert_result(conn, row)
        except BaseException as exc:
            for path, _ in written:
                files.remove_file(path)
            fsync_folder(folder)
            with suppress(OSError):
                self._write_sidecar(run, results)
            if not isinstance(exc, Exception):
                raise
            return [(row, exc) for row in kept]
        return []

    def _write_hashed(self, path: Path, data: bytes) -> str:
        """Writes one image of a batch into place (its folder is flushed once, by the batch);
        returns its SHA-256, computed on the same thread."""
        digest = files.sha256_hex(data)
        self._write(path, data, sync_folder=False)
        return digest

    def _result_path(self, run_id: str, index: int, fmt: str) -> Path | None:
        """Where add_result would put this image; None when it would refuse it."""
        normal = _normal_format(fmt)
        if normal is None or index < 0:
            return None
        return self._layout.result_path(run_id, index, normal)

    def finish_run(
        self,
        run_id: str,
        outcome: Outcome,
        *,
        request_id: str | None = None,
        usage: Mapping[str, int] | None = None,
        cost: float | None = None,
        error: str | None = None,
    ) -> None:
        """Records how a run ended, with what it cost (the cost counts in the spending)."""
        outcome = Outcome(outcome)
        if outcome is Outcome.RUNNING:
            raise ValueError("A run is finished with its outcome, not with 'running'.")
        with self._writing:
            run, results = self._rows(run_id)
            if run["outcome"] != Outcome.RUNNING.value:
                raise ValueError(f"Run {run_id} has already finished ({run['outcome']}).")
            changes: Row = {
                "outcome": outcome.value,
                "request_id": request_id,
                "usage": json.dumps(dict(usage), sort_keys=True) if usage is not None else None,
                "cost": cost,
                "error": error,
                "session": None,
            }
            self._change(run, results, changes)

    # --- the user's changes ----------------------------------------------------------------

    def set_favourite(self, run_id: str, favourite: bool) -> None:
        with self._writing:
            run, results = self._rows(run_id)
            self._change(run, results, {"favourite": 1 if favourite else 0})

    def delete_run(self, run_id: str, *, now: datetime | None = None) -> None:
        """Hides the run at once; its files stay until :meth:`purge_deleted`, for the undo."""
        with self._writing:
            run, results = self._rows(run_id)
            self._change(run, results, {"deleted_at": _iso(_now_utc(now))})

    def restore_run(self, run_id: str) -> None:
        """Undoes :meth:`delete_run`."""
        with self._writing:
            run, results = self._rows(run_id)
            self._change(run, results, {"deleted_at": None})

    def purge_deleted(self) -> int:
        """Really removes the deleted runs (rows and files); returns how many."""
        with self._writing:  # so that an undo cannot slip in between choosing and removing
            with self._sql:
                ids = [
                    row[0]
                    for row in self._conn.execute(
                        "SELECT id FROM runs WHERE deleted_at IS NOT NULL AND outcome != 'running'"
                    )
                ]
            self._remove_runs(ids)
        return len(ids)

    def prune(
        self,
        *,
        older_than_days: int | None = None,
        max_bytes: int | None = None,
        now: datetime | None = None,
    ) -> PruneReport:
        """Removes unstarred, finished runs created more than ``older_than_days`` ago, then the
        oldest of them while the library holds more than ``max_bytes``. Never a favourite."""
        cutoff = None
        if older_than_days is not None:
            cutoff = _iso(_now_utc(now) - timedelta(days=older_than_days))
        with self._writing:
            with self._sql:
                candidates = [
                    retention.Candidate(row[0], row[1], row[2], row[3])
                    for row in self._conn.execute(
                        "SELECT r.id, r.created, COALESCE(SUM(s.size), 0), r.source_hash"
                        " FROM runs r LEFT JOIN results s ON s.run_id = r.id"
                        " WHERE r.favourite = 0 AND r.outcome != 'running'"
                        " GROUP BY r.id ORDER BY r.created, r.id"
                    )
                ]
                source_sizes = {
                    row[0]: row[1] for row in self._conn.execute("SELECT hash, size FROM sources")
                }
                source_users = {
                    row[0]: row[1]
                    for row in self._conn.execute(
                        "SELECT source_hash, COUNT(*) FROM runs GROUP BY source_hash"
                    )
                }
                total = self._conn.execute("SELECT COALESCE(SUM(size), 0) FROM results")
                total_bytes = int(total.fetchone()[0]) + sum(source_sizes.values())
            chosen, freed = retention.choose_runs_to_prune(
                candidates,
                cutoff=cutoff,
                max_bytes=max_bytes,
                total_bytes=total_bytes,
                source_sizes=source_sizes,
                source_users=source_users,
            )
            self._remove_runs(chosen)
        return PruneReport(runs_removed=len(chosen), bytes_freed=freed, run_ids=tuple(chosen))

    # --- queries ---------------------------------------------------------------------------

    def runs(
        self,
        *,
        search: str = "",
        favourites_only: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[RunRecord]:
        """One page of runs, newest first. ``search`` keeps the runs whose prompt, model or
        source file name contains every word of it, ignoring case. Deleted runs are hidden."""
        where, params = records.filters(search, favourites_only)
        with self._sql:
            rows = self._conn.execute(
                f"SELECT * FROM runs WHERE {where} ORDER BY created DESC, id DESC LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
            by_run = self._results_of([row["id"] for row in rows])
        return [records.run_record(self._layout, row, by_run.get(row["id"], [])) for row in rows]

    def run_summaries(
        self,
        *,
        search: str = "",
        favourites_only: bool = False,
        limit: int = 100,
        after: PageKey | None = None,
    ) -> list[RunSummary]:
        """What the history list shows of a page of runs: those :meth:`runs` gives, in its
        order, as plain tuples (:data:`RunSummary`), cheap to read on any thread. ``after`` is
        the ``(created, id)`` of the last run already shown: the page starts with the next one
        (paging by key, not by offset, costs the same at any depth)."""
        key = None if after is None else (_iso(after[0]), after[1])
        with self._sql:
            return summaries(
                self._conn,
                self._layout,
                search=search,
                favourites_only=favourites_only,
                limit=limit,
                after=key,
            )

    def count_runs(self, *, search: str = "", favourites_only: bool = False) -> int:
        where, params = records.filters(search, favourites_only)
        with self._sql:
            row = self._conn.execute(
                f"SELECT COUNT(*) FROM runs WHERE {where}",
                params,
            ).fetchone()
        return int(row[0])

    def run(self, run_id: str) -> RunRecord | None:
        """The run with this id, deleted or not; None when there is none."""
        with self._sql:
            row = self._conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                return None
            results = self._results_of([run_id]).get(run_id, [])
        return records.run_record(self._layout, row, results)

    def result(self, result_id: str) -> StoredResult | None:
        with self._sql:
            row = self._conn.execute("SELECT * FROM results WHERE id = ?", (result_id,)).fetchone()
        return None if row is None else records.stored_result(self._layout, row)

    def lineage(self, result_id: str) -> LineageNode:
        """The family tree that holds ``result_id``: from the first run made of the original
        picture down to every variation of a variation. ``KeyError`` for an unknown result."""
        with self._sql:
            start = self._run_of_result(result_id)
            if start is None:
                raise KeyError(result_id)
            root, path = find_root(start, self._run_of_result)
            source = self._conn.execute(
                "SELECT source_hash, source_ext FROM runs WHERE id = ?", (root.run_id,)
            ).fetchone()
            return build_tree(
                root,
                self._layout.source_path(source[0], source[1]),
                results_of_run=lambda run_id: self._results_of([run_id]).get(run_id, []),
                runs_varying=self._runs_varying,
                keep=path,
            )

    def spending(
        self, period: Literal["day", "month"], *, limit: int = 12
    ) -> list[tuple[str, float]]:
        """What was spent per local day ("2026-12-07") or month ("2026-12-01"), newest first.
        Deleted and pruned runs still count: the money was spent."""
        pattern = _PERIOD_FORMATS[period]
        with self._sql:
            rows = self._conn.execute(
                "SELECT strftime(?, created, 'localtime') AS period, SUM(cost) FROM charges"
                " GROUP BY period ORDER BY period DESC LIMIT ?",
                (pattern, limit),
            ).fetchall()
        return [(row[0], float(row[1])) for row in rows]

    def month_total(self, now: datetime | None = None) -> float:
        """What was spent in the local calendar month of ``now`` (default: this month)."""
        local = (now or datetime.now()).astimezone()
        with self._sql:
            row = self._conn.execute(
                "SELECT COALESCE(SUM(cost), 0) FROM charges"
                " WHERE strftime('%Y-%m', created, 'localtime') = ?",
                (f"{local.year:04d}-{local.month:02d}",),
            ).fetchone()
        return float(row[0])

    # --- rebuilding ------------------------------------------------------------------------

    def rebuild(self) -> int:
        """Makes the index again from the files (sidecars, images, sources); returns the number
        of runs found. What was spent on runs purged earlier is kept from the old index."""
        with self._writing:
            with self._sql:
                running = dict(
                    self._conn.execute(
                        "SELECT id, session FROM runs WHERE outcome = 'running'"
                    ).fetchall()
                )
            found: list[tuple[Row, list[Row]]] = []
            unreadable: list[Path] = []
            for path in self._layout.sidecars():
                try:
                    run, results = from_document(path.read_bytes())
                except (OSError, ValueError):
                    salvaged = salvage_run(path.parent)
                    if salvaged is None:
                        log.warning("%s is no run record of this app: skipped", path)
                        continue
                    # Its images are still listed, and the user is told.
                    log.warning("the run record %s cannot be read; its images are listed", path)
                    unreadable.append(path)
                    _keep_aside(path)  # a later change to the run rewrites its record
                    run, results = salvaged
                if path.parent != self._layout.run_folder(run["id"]):
                    continue
                # The old index knows who runs it; when the index is gone, the sidecar does.
                running_here = run["outcome"] == Outcome.RUNNING.value
                run["session"] = running.get(run["id"], run["session"]) if running_here else None
                run["haystack"] = records.haystack(run["prompt"], run["model"], run["source_name"])
                results = [r for r in results if self._file_matches(run["id"], r)]
                found.append((run, results))
            sources = list(self._source_files())
            with self._sql, transaction(self._conn) as conn:
                conn.execute("DELETE FROM results")
                conn.execute("DELETE FROM runs")
                conn.execute("DELETE FROM sources")
                conn.executemany("INSERT INTO sources (hash, ext, size) VALUES (?, ?, ?)", sources)
                for run, results in found:
                    records.insert_run(conn, run)
                    for result in results:
                        records.insert_result(conn, records.full_result(run["id"], result))
            self._unreadable = unreadable
        return len(found)

    # --- internals -------------------------------------------------------------------------

    def _tidy(self) -> None:
        """Clears what dead processes left behind: staging files and running runs."""
        live = live_tags(self._layout.sessions)
        files.clear_staging(self._layout, live)
        self._recover_runs(lambda session: session not in live)

    def _recover_runs(self, abandoned: Callable[[str | None], bool]) -> None:
        with self._writing:
            with self._sql:
                rows = self._conn.execute(
                    "SELECT id, session FROM runs WHERE outcome = 'running'"
                ).fetchall()
            for run_id, session in rows:
                if not abandoned(session):
                    continue
                run, results = self._rows(run_id)
                recovered, kept = recover_run(self._layout, run, results)
                self._write_sidecar(recovered, kept)
                with self._sql, transaction(self._conn) as conn:
                    conn.execute("DELETE FROM results WHERE run_id = ?", (run_id,))
                    records.update_run(conn, recovered)
                    for result in kept:
                        records.insert_result(conn, records.full_result(run_id, result))

    def _rows(self, run_id: str) -> tuple[Row, list[Row]]:
        with self._sql:
            row = self._conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise KeyError(f"There is no run {run_id!r} in the library.")
            results = self._conn.execute(
                "SELECT * FROM results WHERE run_id = ? ORDER BY idx", (run_id,)
            ).fetchall()
        return dict(row), [dict(r) for r in results]

    def _change(self, run: Row, results: list[Row], changes: Row) -> None:
        """Applies ``changes`` to a run: the sidecar first, then the index."""
        changed = {**run, **changes}
        self._write_sidecar(changed, results)
        try:
            with self._sql, transaction(self._conn) as conn:
                records.update_run(conn, changed)
        except BaseException:
            with suppress(OSError):
                self._write_sidecar(run, results)
            raise

    def _remove_runs(self, run_ids: Sequence[str]) -> None:
        """Index rows first: once they are gone the runs are not listed, whatever happens to the
        files next (a crash there leaves a folder only a rebuild would see again)."""
        if not run_ids:
            return
        with self._writing:
            with self._sql, transaction(self._conn) as conn:
                for chunk in records.chunks(run_ids):
                    conn.execute(
                        f"DELETE FROM runs WHERE id IN ({records.marks(chunk)})",
                        tuple(chunk),
                    )
                orphans = conn.execute(
                    "SELECT hash, ext FROM sources WHERE hash NOT IN (SELECT source_hash FROM runs)"
                ).fetchall()
                conn.execute("DELETE FROM sources WHERE hash NOT IN (SELECT source_hash FROM runs)")
            for run_id in run_ids:
                files.discard_folder(
                    self._layout, self._layout.run_folder(run_id), tag=self._session.tag
                )
            for source_hash, ext in orphans:
                files.remove_file(self._layout.source_path(source_hash, ext))
            fsync_folder(self._layout.sources)

    def _store_source(self, source_hash: str, ext: str, data: bytes) -> None:
        path = self._layout.source_path(source_hash, ext)
        try:
            if path.stat().st_size == len(data):
                return  # stored once: the name is the content's hash
        except FileNotFoundError:
            pass
        self._write(path, data)

    def _write(self, path: Path, data: bytes, *, sync_folder: bool = True) -> None:
        if self._read_only:
            raise LibraryUnavailable("the library is open read-only")
        files.write_atomically(
            self._layout, path, data, tag=self._session.tag, sync_folder=sync_folder
        )

    def _write_sidecar(self, run: Mapping[str, Any], results: Sequence[Mapping[str, Any]]) -> None:
        self._write(self._layout.sidecar_path(run["id"]), to_document(run, results))

    def _file_matches(self, run_id: str, result: Row) -> bool:
        path = self._layout.result_path(run_id, result["idx"], result["format"])
        try:
            return bool(path.stat().st_size == result["size"])
        except OSError:
            return False

    def _source_files(self) -> Iterable[tuple[str, str, int]]:
        for path in self._layout.sources.iterdir():
            stem, dot, ext = path.name.partition(".")
            if dot and len(stem) == 64 and path.is_file():
                yield stem, ext, path.stat().st_size

    def _results_of(self, run_ids: Sequence[str]) -> dict[str, list[StoredResult]]:
        by_run: dict[str, list[StoredResult]] = {}
        for chunk in records.chunks(run_ids):
            query = f"SELECT * FROM results WHERE run_id IN ({records.marks(chunk)})"
            for row in self._conn.execute(query + " ORDER BY run_id, idx", tuple(chunk)):
                result = records.stored_result(self._layout, row)
                by_run.setdefault(result.run_id, []).append(result)
        return by_run

    def _run_of_result(self, result_id: str) -> RunLink | None:
        row = self._conn.execute(
            "SELECT r.id, r.parent_result_id, r.deleted_at FROM results s"
            " JOIN runs r ON r.id = s.run_id WHERE s.id = ?",
            (result_id,),
        ).fetchone()
        return None if row is None else RunLink(row[0], row[1], row[2] is not None)

    def _runs_varying(self, result_id: str) -> list[RunLink]:
        rows = self._conn.execute(
            "SELECT id, parent_result_id, deleted_at FROM runs WHERE parent_result_id = ?"
            " ORDER BY created, id",
            (result_id,),
        )
        return [RunLink(row[0], row[1], row[2] is not None) for row in rows]


# One new image for add_results: index, bytes, format, revised prompt (as add_result takes them).
NewResult = tuple[int, bytes, str, str | None]


class ResultBatch:
    """Images of one answer stored as one (a JSON answer brings them all at once).

    :meth:`add` starts writing the image into place at once, on a thread of the batch's own,
    with its hash, and returns: the caller goes on (decoding the next image) while the disk
    works, and the files are flushed side by side. :meth:`commit` then does what each
    :meth:`Library.add_result` would do for its image (its checks, and it is the one place a
    test makes fail), flushes the run's folder once, writes the sidecar once and changes the
    index in one transaction.

    Nothing added counts as stored before :meth:`commit` returns, and a crash before that
    leaves at most complete files beyond the index, which recovery takes up like those of any
    interrupted run. ``commit`` returns, for each image in order, its stored result or the error
    that kept it out; of a failed one, neither file nor row is there. Always commit a batch: it
    ends its threads. While a batch is open, nothing else adds results to its run (the run's
    RunLog is its only writer).
    """

    def __init__(self, library: Library, run_id: str) -> None:
        self._library = library
        self.run_id = run_id
        with library._writing:
            run, results = library._rows(run_id)
        self._early_ok = run["outcome"] == Outcome.RUNNING.value  # else add_result refuses all
        self._taken = {row["idx"] for row in results}  # never written over, even early
        self._writers = ThreadPoolExecutor(max_workers=_WRITERS, thread_name_prefix="library-write")
        self._early: dict[int, tuple[Path, Future[str]]] = {}
        self.new: list[NewResult] = []
        self.rows: list[tuple[Path, Row]] = []  # what add_result took, in order

    def add(self, index: int, data: bytes, fmt: str, revised_prompt: str | None = None) -> None:
        self.new.append((index, data, fmt, revised_prompt))
        path = self._library._result_path(self.run_id, index, fmt)
        if path is not None and self._early_ok and index not in self._taken:
            self._taken.add(index)
            job = self._writers.submit(self._library._write_hashed, path, data)
            self._early[index] = (path, job)

    def commit(self) -> list[StoredResult | Exception]:
        try:
            return self._library._commit(self)
        finally:
            self._writers.shutdown(wait=True)

    def written(self, index: int, path: Path, data: bytes) -> str:
        """The SHA-256 of the image, once it is in place (written now if it was not early);
        raises what writing it raised."""
        early = self._early.pop(index, None)
        if early is not None and early[0] == path:
            return early[1].result()
        if early is not None:  # elsewhere than add_result puts it: a stray, removed later
            self._early[index] = early
        return self._library._write_hashed(path, data)

    def finished_early(self) -> list[tuple[int, Path]]:
        """The files written early that add_result did not take, once they are written."""
        leftovers = [*self._early.items()]
        self._early.clear()
        done: list[tuple[int, Path]] = []
        for index, (path, job) in leftovers:
            if job.exception() is None:  # waits for it
                done.append((index, path))
        return done


def _normal_format(fmt: str) -> str | None:
    """A result's format as a file extension ("JPG" -> "jpeg"); None when it is no such name."""
    fmt = fmt.strip().lstrip(".").lower()
    fmt = _FORMAT_ALIASES.get(fmt, fmt)
    return fmt if _FORMAT_RE.fullmatch(fmt) else None


def _set_damaged_index_aside(layout: Layout) -> None:
    """Keeps a damaged index beside the new one (someone may want to look at it), with its
    journal files under the same name, so what it held is all there. Each one gets a name of
    its own: two set aside in the same second never replace each other."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    aside = layout.index.with_name(f"{layout.index.name}.damaged-{stamp}")
    number = 1
    while any(Path(f"{aside}{suffix}").exists() for suffix in ("", "-wal", "-shm")):
        number += 1
        aside = layout.index.with_name(f"{layout.index.name}.damaged-{stamp}-{number}")
    for suffix in ("", "-wal"):
        journal = Path(f"{layout.index}{suffix}")
        with suppress(FileNotFoundError):
            os.rename(journal, Path(f"{aside}{suffix}"))
    files.remove_file(layout.index)
    _remove_journal(layout)


def _check_writable(layout: Layout) -> None:
    """Before SQLite opens the index: a read-only index is said plainly (and SQLite does not
    make its shared-memory file read-only too); a journal file left read-only by such a moment
    is made writable again, or named."""
    index = layout.index
    if not index.exists():
        return
    if not os.access(index, os.R_OK | os.W_OK):
        raise LibraryUnavailable(f"the library's index {index} is read-only")
    mode = index.stat().st_mode & 0o666
    for suffix in ("-wal", "-shm"):
        journal = Path(f"{index}{suffix}")
        if journal.exists() and not os.access(journal, os.R_OK | os.W_OK):
            try:
                os.chmod(journal, mode)
            except OSError:
                raise LibraryUnavailable(
                    f"{journal} is read-only; make it writable (or remove it while the app "
                    "is closed)"
                ) from None
            log.warning("made %s writable again", journal)


def _remove_journal(layout: Layout) -> None:
    for suffix in ("-wal", "-shm"):
        files.remove_file(layout.index.with_name(layout.index.name + suffix))
    fsync_folder(layout.root)
