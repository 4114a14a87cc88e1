"""The library's names load when first used: reading the waiting queue before the window's
first paint does not import the index, its models or SQLite."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_the_queue_loads_without_the_index() -> None:
    heavy = ("desktop_app.core.library.store", "sqlite3")
    code = (
        "import sys, desktop_app.core.library.queue\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_names_are_there_when_used() -> None:
    import desktop_app.core.library as library
    from desktop_app.core.library.store import Library

    assert library.Library is Library
    from desktop_app.core.library import Outcome, RunRecord

    assert Outcome.INTERRUPTED and RunRecord.__name__ == "RunRecord"
    with pytest.raises(AttributeError):
        _ = library.Nothing
