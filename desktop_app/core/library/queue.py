"""The pictures waiting to be varied (from a multi-file drop), kept across a restart."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from desktop_app.core.fsio import replace_atomically

FORMAT: Final = "image-variations-queue"


class QueueStore:
    """A list of strings (paths or links) saved as JSON at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"QueueStore({str(self.path)!r})"

    def save(self, items: Sequence[str]) -> None:
        """Replaces the saved queue atomically: after a crash it is the old one or the new one."""
        document = {"format": FORMAT, "version": 1, "items": [str(item) for item in items]}
        data = (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        with self._lock:
            replace_atomically(self.path, data)

    def load(self) -> list[str]:
        """The saved queue; empty when there is none or it cannot be read (never raises)."""
        try:
            document = json.loads(self.path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return []
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            return []
        items = document.get("items")
        if not isinstance(items, list):
            return []
        return [item for item in items if isinstance(item, str)]

    def clear(self) -> None:
        with self._lock, contextlib.suppress(FileNotFoundError):
            self.path.unlink()
