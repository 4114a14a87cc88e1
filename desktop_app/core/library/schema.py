"""The SQLite index: its tables, and opening it so that a committed row survives a crash.

The index only speeds things up; the files (sidecars, images, sources) are the truth, and the
index can always be made again from them (``Library.rebuild``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from desktop_app.core.library.trouble import (
    DamagedIndex,
    LibraryUnavailable,
    is_corruption,
    plain_reason,
)

__all__ = ["VERSION", "DamagedIndex", "LibraryUnavailable", "connect", "transaction"]

VERSION: Final = 1

_TABLES: Final = """
CREATE TABLE IF NOT EXISTS sources (
    hash TEXT PRIMARY KEY,
    ext TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,          -- ISO 8601, UTC, microseconds: sorts as text
    session TEXT,                   -- the process that ran it (while it is running)
    source_hash TEXT NOT NULL,
    source_ext TEXT NOT NULL,
    source_name TEXT NOT NULL,
    crop TEXT,                      -- JSON [x, y, side]
    mode TEXT NOT NULL,
    model TEXT,
    parameters TEXT NOT NULL,       -- JSON
    prompt TEXT,
    parent_result_id TEXT,
    request_id TEXT,
    usage TEXT,                     -- JSON
    estimated_cost REAL,
    cost REAL,
    outcome TEXT NOT NULL,
    error TEXT,
    favourite INTEGER NOT NULL DEFAULT 0,
    deleted_at TEXT,
    haystack TEXT NOT NULL          -- prompt, model and file name, case-folded, for search
);
CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created);
CREATE INDEX IF NOT EXISTS runs_by_parent ON runs (parent_result_id);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs (source_hash);
CREATE INDEX IF NOT EXISTS runs_running ON runs (outcome) WHERE outcome = 'running';
CREATE TABLE IF NOT EXISTS results (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    format TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    revised_prompt TEXT,
    UNIQUE (run_id, idx)
);
-- What was spent stays on record when a run is purged or pruned: the money is gone either way.
CREATE TABLE IF NOT EXISTS charges (
    run_id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    cost REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS charges_by_created ON charges (created);
"""


def _failure(exc: sqlite3.Error) -> DamagedIndex | LibraryUnavailable:
    """Damage only when SQLite says so: a full disk, a read-only file or an I/O error leaves a
    healthy index that must not be moved aside."""
    if is_corruption(exc):
        return DamagedIndex(f"the library's index is damaged ({exc})")
    return LibraryUnavailable(plain_reason(exc))


def connect(path: Path, *, read_only: bool = False) -> tuple[sqlite3.Connection, bool]:
    """Opens (or creates) the index; raises :class:`DamagedIndex` when it is not usable, and
    :class:`LibraryUnavailable` when the disk is full, read-only or failing.

    Also says whether the index is new (an empty file counts: SQLite takes it for a new
    database), in which case it has to be filled from the files. ``read_only`` opens an
    existing index without writing anything (not even the WAL's shared memory when the folder
    cannot take it).
    """
    if read_only:
        return _connect_read_only(path), False
    try:
        conn = sqlite3.connect(
            path,
            isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
            check_same_thread=False,  # shared by the GUI and worker threads, behind a lock
            timeout=10.0,  # another process (the CLI) may hold the write lock briefly
        )
    except sqlite3.Error as exc:
        raise _failure(exc) from exc
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: the WAL is flushed at every commit, so an acknowledged result survives a
        # power cut too, not only a crash of the app.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        problems = conn.execute("PRAGMA quick_check").fetchall()
        if problems != [("ok",)]:
            raise DamagedIndex("; ".join(str(row[0]) for row in problems[:3]))
        # A newer version of the app may have added to the index: it is left as it is.
        new = conn.execute("PRAGMA user_version").fetchone()[0] == 0
        conn.executescript(_TABLES)
        if new:
            conn.execute(f"PRAGMA user_version = {VERSION}")
    except DamagedIndex:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise _failure(exc) from exc
    return conn, new


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise LibraryUnavailable("the library has no index yet")
    uri = path.absolute().as_uri()
    last: sqlite3.Error | None = None
    # immutable=1 as a last resort: a read-only folder where the WAL's shared memory cannot be
    # made (what a still open writer has not checkpointed is then not seen).
    for query in ("mode=ro", "mode=ro&immutable=1"):
        try:
            conn = sqlite3.connect(
                f"{uri}?{query}",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=10.0,
            )
        except sqlite3.Error as exc:
            last = exc
            continue
        try:
            problems = conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.Error as exc:
            conn.close()
            if is_corruption(exc):
                raise DamagedIndex(f"the library's index is damaged ({exc})") from exc
            last = exc
            continue
        if problems != [("ok",)]:
            conn.close()
            raise DamagedIndex("the library's index is damaged")
        return conn
    assert last is not None
    raise _failure(last) from last


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One short write transaction: all of it is committed, or none of it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # Also when COMMIT itself failed (disk full): the connection must not be left inside
        # a transaction, or every later write would fail.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
