"""The library, opened once per process on first use, from whichever thread needs it first.

Opening cleans up after a crash and may rebuild the index from the files, so it must never run
on the GUI thread while the window starts; the first run (or the history panel's background
open) pays for it instead.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.core.library import Library


class SharedLibrary:
    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder  # None: the app's data folder
        self._lock = threading.Lock()
        self._library: Library | None = None

    def get(self) -> Library:
        """The open library (opened now if it is not yet); raises OSError when it cannot be."""
        with self._lock:
            if self._library is None:
                from desktop_app.core.library import Library

                self._library = Library.open(self._folder)
            return self._library

    def close(self) -> None:
        with self._lock:
            if self._library is not None:
                self._library.close()
                self._library = None
