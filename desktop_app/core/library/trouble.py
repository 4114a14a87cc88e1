"""What can go wrong with the library, told apart and said in plain words.

A full disk, a read-only file or folder and an I/O error are *conditions*: the index is healthy
and must be left exactly as it is (never moved aside, never rebuilt). Only SQLite's own
"corrupt" and "not a database" answers, or a failed ``quick_check``, mean the index is damaged.

The library's own exceptions derive from ``sqlite3.DatabaseError``, so every caller that already
treats ``(OSError, sqlite3.Error)`` as "the library cannot help now" also catches them.
"""

from __future__ import annotations

import errno
import sqlite3
from typing import Final

LIBRARY_ERRORS: Final = (OSError, sqlite3.Error)
# What bookkeeping may raise besides: a run whose row vanished (KeyError), a run already closed
# (ValueError). None of it may ever cost a picture.
BOOKKEEPING_ERRORS: Final = (OSError, sqlite3.Error, KeyError, ValueError)


class LibraryError(sqlite3.DatabaseError):
    """A library failure, with a message fit to show as it is."""


class DamagedIndex(LibraryError):
    """The index file is not a usable SQLite database of this library."""


class LibraryUnavailable(LibraryError):
    """The library cannot be written (or read) now: the disk is full, something is read-only,
    the disk failed. The index is left as it is."""


_FULL: Final = "the disk is full"
_READ_ONLY: Final = "the library cannot be written to (read-only or not allowed)"
_IO: Final = "the disk could not be read or written"

_SQLITE_PRIMARY: Final = {
    13: _FULL,  # SQLITE_FULL
    8: _READ_ONLY,  # SQLITE_READONLY
    3: _READ_ONLY,  # SQLITE_PERM
    23: _READ_ONLY,  # SQLITE_AUTH
    10: _IO,  # SQLITE_IOERR
    14: "the library's index cannot be opened",  # SQLITE_CANTOPEN
    5: "another program is holding the library",  # SQLITE_BUSY
    6: "another program is holding the library",  # SQLITE_LOCKED
    11: "the library's index is damaged",  # SQLITE_CORRUPT
    26: "the library's index is damaged",  # SQLITE_NOTADB
}
_SQLITE_CORRUPTION: Final = {11, 26}
# Hand-made errors (and old SQLite builds) carry no code: SQLite's message says the same.
_SQLITE_TEXTS: Final = (
    ("disk is full", _FULL),
    ("readonly database", _READ_ONLY),
    ("read-only", _READ_ONLY),
    ("disk i/o error", _IO),
    ("unable to open", "the library's index cannot be opened"),
    ("database is locked", "another program is holding the library"),
    ("malformed", "the library's index is damaged"),
    ("not a database", "the library's index is damaged"),
)
_ERRNO: Final = {
    errno.ENOSPC: _FULL,
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: _READ_ONLY,
    errno.EPERM: _READ_ONLY,
    errno.EROFS: "the library is on a read-only disk",
    errno.EIO: _IO,
}


def is_corruption(exc: sqlite3.Error) -> bool:
    """Whether SQLite says the file itself is broken (not: full, read-only, failing disk)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return (code & 0xFF) in _SQLITE_CORRUPTION
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def plain_reason(exc: BaseException) -> str:
    """One lower-case phrase for a library failure: "the disk is full", ..."""
    if isinstance(exc, LibraryError) and str(exc):
        return str(exc).rstrip(".")
    if isinstance(exc, OSError):
        known = _ERRNO.get(exc.errno or 0)
        if known:
            return known
        return str(exc.strerror or exc or type(exc).__name__).rstrip(".")
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and (code & 0xFF) in _SQLITE_PRIMARY:
            return _SQLITE_PRIMARY[code & 0xFF]
        text = str(exc).lower()
        for needle, reason in _SQLITE_TEXTS:
            if needle in text:
                return reason
        return f"the library's index failed ({str(exc).rstrip('.') or type(exc).__name__})"
    if isinstance(exc, KeyError):
        return "the run is no longer in the library's index"
    return str(exc).rstrip(".") or type(exc).__name__
