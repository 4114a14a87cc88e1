"""Counts every fuzz example run and reports the totals at the end of the session."""

from __future__ import annotations

from collections import Counter

import pytest

# Examples run per fuzz target in this session, filled in by the tests themselves.
EXAMPLES: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not EXAMPLES:
        return
    images = sum(n for name, n in EXAMPLES.items() if name.startswith("image:"))
    responses = sum(n for name, n in EXAMPLES.items() if not name.startswith("image:"))
    terminalreporter.section("fuzz examples")
    for name, count in sorted(EXAMPLES.items()):
        terminalreporter.write_line(f"{name:<32} {count:>7,}")
    terminalreporter.write_line(f"{'image loading, total':<32} {images:>7,}")
    terminalreporter.write_line(f"{'response parsing, total':<32} {responses:>7,}")
