"""The command line when the library's disk fills or turns read-only mid-run, and when --out is
no folder: nothing paid for is lost, one request, no traceback, a plain message.

A real small tmpfs needs ``mount``, which a test machine may not allow: the full disk is an
injected ``OSError(ENOSPC)`` or SQLite's own "database or disk is full" at the same points.
Read-only is an injected ``PermissionError`` (the suite may run as root, who may write anything).
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from desktop_app import cli
from desktop_app.core.keystore import KeyStore
from desktop_app.core.library import Library, files, store
from desktop_app.core.library.trouble import LibraryUnavailable
from tests.campaign import checks
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI

pytestmark = pytest.mark.slow

ENOSPC = OSError(errno.ENOSPC, "No space left on device")
SQLITE_FULL = sqlite3.OperationalError("database or disk is full")
READ_ONLY = PermissionError(errno.EACCES, "Permission denied")


@contextmanager
def _library_fault(name: str, error: BaseException, after: int) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        if name == "write_atomically":  # runs/ or sources/ read-only: every library file write
            real_write = files.write_atomically
            calls = {"n": 0}

            def write(*args: Any, **kwargs: Any) -> None:
                calls["n"] += 1
                if calls["n"] > after:
                    raise error
                real_write(*args, **kwargs)

            patch.setattr(files, "write_atomically", write)
        elif name == "index":  # index.sqlite3 read-only (root may write anything: told so)
            real_access = os.access

            def access(path: Any, mode: int, **kwargs: Any) -> bool:
                if Path(path).name == "index.sqlite3" and mode & os.W_OK:
                    return False
                return real_access(path, mode, **kwargs)

            patch.setattr(os, "access", access)
        elif name == "shm":  # index-sqlite3-shm left read-only and not repairable
            patch.setattr(
                store,
                "_check_writable",
                lambda layout: _raise(
                    LibraryUnavailable(f"{layout.index}-shm is read-only; make it writable")
                ),
            )
        else:
            real = getattr(Library, name)
            calls = {"n": 0}

            def failing(self: Library, *args: Any, **kwargs: Any) -> Any:
                calls["n"] += 1
                if calls["n"] > after:
                    raise error
                return real(self, *args, **kwargs)

            patch.setattr(Library, name, failing)
        yield


def _raise(error: BaseException) -> None:
    raise error


CASES = [
    # (id, library point, error, calls that still work, what the message says)
    ("full-begin-enospc", "begin_run", ENOSPC, 0, "the disk is full"),
    ("full-begin-sqlite", "begin_run", SQLITE_FULL, 0, "the disk is full"),
    (
        "full-mid-run-enospc",
        "add_result",
        ENOSPC,
        1,
        "could not be kept in the library: the disk is full",
    ),
    (
        "full-mid-run-sqlite",
        "add_result",
        SQLITE_FULL,
        1,
        "could not be kept in the library: the disk is full",
    ),
    (
        "full-finish-enospc",
        "finish_run",
        ENOSPC,
        0,
        "could not finish this run's record: the disk is full",
    ),
    (
        "full-finish-sqlite",
        "finish_run",
        SQLITE_FULL,
        0,
        "could not finish this run's record: the disk is full",
    ),
    ("full-close-enospc", "close", ENOSPC, 0, "could not be closed cleanly: the disk is full"),
    ("full-close-sqlite", "close", SQLITE_FULL, 0, "could not be closed cleanly: the disk is full"),
    ("read-only-folders", "write_atomically", READ_ONLY, 0, "cannot be written to"),
    ("read-only-runs-mid-run", "write_atomically", READ_ONLY, 3, "cannot be written to"),
    ("read-only-index", "index", READ_ONLY, 0, "index.sqlite3 is read-only"),
    ("read-only-shm", "shm", READ_ONLY, 0, "-shm is read-only"),
]


@pytest.mark.parametrize(
    ("point", "error", "after", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_library_trouble_loses_no_paid_picture(
    api_server: FakeOpenAI,
    campaign_photos: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    point: str,
    error: BaseException,
    after: int,
    says: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("OPENAI_BASE_URL", api_server.base_url)
    out = tmp_path / "out"
    args = ["vary", str(campaign_photos["photo"]), "-n", "3", "--out", str(out)]
    Library.open().close()  # a library that exists, as on a machine in use
    with _library_fault(point, error, after):
        code = cli.main(args, keystore=KeyStore(environ={"OPENAI_API_KEY": CANARY_KEY}))
    printed = capsys.readouterr()
    assert code == cli.EXIT_OK, printed.err
    assert len(list(out.iterdir())) == 3, printed.err  # every paid picture
    assert len(printed.out.splitlines()) == 3
    assert sum(r.path.endswith("/images/edits") for r in api_server.requests) == 1
    assert says in printed.err, printed.err
    assert "Traceback" not in printed.err and "Traceback" not in caplog.text.split("DEBUG")[0]
    checks.assert_no_canary_in_texts("stderr", [printed.err, printed.out])
    run = checks.latest_run()  # the library again healthy: never "succeeded" with less
    if run is not None and run.outcome.value == "succeeded":
        assert len(run.results) == 3


def test_out_a_file_is_refused_before_paying(
    api_server: FakeOpenAI,
    campaign_photos: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", api_server.base_url)
    target = tmp_path / "photo.png"
    target.write_bytes(b"not a folder")
    args = ["vary", str(campaign_photos["photo"]), "--out", str(target)]
    code = cli.main(args, keystore=KeyStore(environ={"OPENAI_API_KEY": CANARY_KEY}))
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert "is a file, not a folder" in err and "Traceback" not in err
    assert not any(r.path.endswith("/images/") or "images" in r.path for r in api_server.requests)
    assert target.read_bytes() == b"not a folder"
