"""Which processes have the library open, so that one never tidies up after a living other.

The window and the command line (``vary``) may use the same library at once. Each open holds a
lock on its own file in ``sessions/``; the operating system drops the lock when the process dies,
however it dies. A run still marked running, or a staging file, belongs to a session: it is an
abandoned leftover only when that session's lock is free.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path
from typing import IO

_SUFFIX = ".lock"


class Session:
    """This process's claim on a library folder, held until :meth:`release`."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.tag = secrets.token_hex(6)
        self._path = folder / f"{self.tag}{_SUFFIX}"
        self._handle: IO[bytes] | None = _claim(self._path)

    @classmethod
    def none(cls) -> Session:
        """No claim at all, for a library opened read-only: it tidies nothing up."""
        session = cls.__new__(cls)
        session.tag = ""
        session._path = Path(os.devnull)
        session._handle = None
        return session

    def release(self) -> None:
        if self._handle is None:
            return
        self._handle.close()
        self._handle = None
        with contextlib.suppress(OSError):
            self._path.unlink()


def live_tags(folder: Path) -> set[str]:
    """The sessions that are open now; lock files of dead ones are removed on the way."""
    alive: set[str] = set()
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return alive
    for name in names:
        if name.endswith(_SUFFIX) and _is_alive(folder / name):
            alive.add(name.removesuffix(_SUFFIX))
    return alive


if sys.platform == "win32":

    def _claim(path: Path) -> IO[bytes]:
        # Windows keeps a file that is open without FILE_SHARE_DELETE (as Python opens it)
        # from being deleted: holding it open is the lock.
        return open(path, "xb")  # held open until release

    def _is_alive(path: Path) -> bool:
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError:
            return True
        return False

else:
    import fcntl

    def _claim(path: Path) -> IO[bytes]:
        # Locked under another name, then renamed: another process must never see the lock
        # file before it is locked (it would take this session for a dead one). flock, not
        # lockf: flock belongs to the open file, so a second Library in the same process
        # also sees the first one as alive.
        claiming = path.with_suffix(".claim")
        handle = open(claiming, "xb")  # noqa: SIM115 (held open until release)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.replace(claiming, path)
        except BaseException:
            handle.close()
            claiming.unlink(missing_ok=True)
            raise
        return handle

    def _is_alive(path: Path) -> bool:
        try:
            handle = open(path, "rb")  # noqa: SIM115 (closed below)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            handle.close()
        with contextlib.suppress(OSError):
            path.unlink()
        return False
