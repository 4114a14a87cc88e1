"""Checks every campaign case makes: the canary key nowhere, and nothing lost."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

from desktop_app.core.library import Library, Outcome, RunRecord
from tests.conftest import CANARY_KEY

# The whole key, and a long piece of its secret part (a partial leak is a leak too).
_NEEDLES = (CANARY_KEY, CANARY_KEY[10:26])


def canary_in(text: str) -> bool:
    return any(needle in text for needle in _NEEDLES)


def assert_no_canary_in_texts(where: str, texts: Iterable[str]) -> None:
    for text in texts:
        assert not canary_in(text), f"the API key leaked into {where}: {text[:200]!r}"


def assert_no_canary_in_logs(records: Iterable[logging.LogRecord]) -> None:
    for record in records:
        parts = [record.getMessage(), record.exc_text or "", record.stack_info or ""]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(repr(record.exc_info[1]))
        assert_no_canary_in_texts(f"the log record of {record.name}", parts)


def assert_no_canary_in_files(*folders: Path) -> int:
    """Walks ``folders`` and greps every file's bytes; returns how many files were read."""
    needles = [needle.encode() for needle in _NEEDLES]
    read = 0
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            read += 1
            for needle in needles:
                assert needle not in data, f"the API key was written to {path}"
    return read


def latest_run(folder: Path | None = None) -> RunRecord | None:
    with Library.open(folder) as library:
        runs = library.runs(limit=1)
    return runs[0] if runs else None


def assert_run_intact(run: RunRecord, kept: int, *, succeeded: bool) -> None:
    """The library holds exactly the images that arrived, each file whole."""
    assert len(run.results) == kept, (run.outcome, run.error, len(run.results))
    for result in run.results:
        assert hashlib.sha256(result.path.read_bytes()).hexdigest() == result.sha256
    if succeeded:
        assert run.outcome is Outcome.SUCCEEDED, (run.outcome, run.error)
    else:
        expected = Outcome.PARTIAL if kept else Outcome.FAILED
        assert run.outcome is expected, (run.outcome, run.error)
