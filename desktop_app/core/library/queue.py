"""The pictures waiting to be varied (from a multi-file drop), kept across a restart."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from desktop_app.core.naming import fsync_folder

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
        folder = self.path.parent
        with self._lock:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp_name, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name)
                raise
            fsync_folder(folder)

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
