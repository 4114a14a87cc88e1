"""Pictures first, bookkeeping second: whatever the library does, every image that arrived is
saved to --out, the request is sent once, and the trouble is one plain line."""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app import cli
from desktop_app.core.library import Library
from tests.cli_helpers import vary
from tests.fake_openai import FakeOpenAI
from tests.test_cli import photo  # noqa: F401 (a fixture)

FULL_ERRORS = [
    OSError(errno.ENOSPC, "No space left on device"),
    sqlite3.OperationalError("database or disk is full"),
]


def _edits(server: FakeOpenAI) -> int:
    return sum(1 for r in server.requests if r.path.endswith("/images/edits"))


def _fail(error: BaseException, *, after: int = 0) -> Callable[..., Any]:
    """A library method that works ``after`` times, then raises ``error``."""

    def install(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        real = getattr(Library, name)
        calls = {"n": 0}

        def failing(self: Library, *args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] > after:
                raise error
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Library, name, failing)

    return install


def _history() -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = json.loads(_capture_history())["runs"]
    return runs


def _capture_history() -> str:
    import io
    from argparse import Namespace

    from desktop_app import cli_history

    out, err = io.StringIO(), io.StringIO()
    assert cli_history.run(Namespace(json=True, search="", limit=20), out, err) == 0
    return out.getvalue()


@pytest.mark.parametrize("error", FULL_ERRORS, ids=["ENOSPC", "SQLITE_FULL"])
@pytest.mark.parametrize("point", ["begin_run", "add_result", "finish_run", "close"])
def test_a_full_library_disk_loses_no_picture(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    error: BaseException,
    point: str,
) -> None:
    out = tmp_path / "out"
    after = 1 if point == "add_result" else 0  # the first image is kept, the next two are not
    with pytest.MonkeyPatch.context() as fault:
        _fail(error, after=after)(fault, point)
        code = vary(env, str(photo), "-n", "3", "--out", str(out))
    printed = capsys.readouterr()
    assert code == cli.EXIT_OK, printed.err
    assert len(list(out.iterdir())) == 3  # every paid picture is in --out
    assert sorted(Path(p) for p in printed.out.splitlines()) == sorted(out.iterdir())
    assert _edits(api_server) == 1
    assert "Traceback" not in printed.err
    assert "the disk is full" in printed.err
    if point == "add_result":
        assert "2 results could not be kept in the library: the disk is full." in printed.err
    runs = _history()
    if point == "begin_run":
        assert runs == []
    else:  # never listed as succeeded with pictures the library does not hold
        (run,) = runs
        if run["outcome"] == "succeeded":
            assert len(run["results"]) == 3
        else:
            assert run["outcome"] in ("partial", "interrupted")


def test_a_library_that_cannot_open_at_all_is_one_plain_line(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop_app.core.library.trouble import DamagedIndex

    def damaged(*args: Any, **kwargs: Any) -> Library:
        raise DamagedIndex("the library's index is damaged")

    monkeypatch.setattr(Library, "open", damaged)
    assert vary(env, str(photo), "--out", str(tmp_path / "out")) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "warning: the library cannot record this run: the library's index is damaged" in err
    assert "Traceback" not in err and len(list((tmp_path / "out").iterdir())) == 1


def test_too_little_free_space_refuses_before_paying_and_can_be_overridden(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: usage._replace(free=10 * 1024 * 1024))
    out = tmp_path / "out"
    assert vary(env, str(photo), "-n", "2", "--out", str(out)) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "only 10 MB is free on the disk of the library" in err
    assert "needs at least 50 MB" in err and "--ignore-free-space" in err
    assert _edits(api_server) == 0
    code = vary(env, str(photo), "-n", "2", "--out", str(out), "--ignore-free-space")
    assert code == cli.EXIT_OK
    assert _edits(api_server) == 1 and len(list(out.iterdir())) == 2


def test_history_reads_a_library_it_cannot_write(
    env: dict[str, str],
    photo: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert vary(env, str(photo), "--out", str(tmp_path / "out")) == cli.EXIT_OK
    capsys.readouterr()
    real_open = Library.open.__func__  # type: ignore[attr-defined]

    def read_only_disk(cls: type[Library], folder: Any = None, *, read_only: bool = False) -> Any:
        if not read_only:
            raise PermissionError(errno.EACCES, "Permission denied", "sessions/x.claim")
        return real_open(cls, folder, read_only=True)

    monkeypatch.setattr(Library, "open", classmethod(read_only_disk))
    assert cli.main(["history"]) == cli.EXIT_OK
    printed = capsys.readouterr()
    assert "succeeded" in printed.out and "1 of 1 run(s)" in printed.out
    assert "note: the library is read as it is" in printed.err
    assert "Traceback" not in printed.err
