"""How the benchmarks that ``python -m benchmarks`` runs in a subprocess print their rows."""

from __future__ import annotations

import json
from typing import Any


def print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    """One line per figure for a person, or one JSON line for ``benchmarks/__main__.py``."""
    if as_json:
        print(json.dumps(rows))
        return
    for row in rows:
        met = {True: "met", False: "MISSED", None: "-"}[row["met"]]
        print(
            f"{row['name']}: {row['figure']} | baseline {row['baseline']} | ratio "
            f"{row['ratio']} | target {row['target']} | {met} | {row['repetitions']}"
        )
