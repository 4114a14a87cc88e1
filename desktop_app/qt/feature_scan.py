"""A faster answer to the question PySide6 asks about every module imported after it.

PySide6 keeps, per module, whether its source mentions "PySide6" (only such modules take part
in its optional ``__feature__`` switches, which this app does not use). It finds out with
``inspect.getsource``, and ``inspect`` walks ``sys.modules`` again for each module it is asked
about: 15-25 ms over the ~130 modules the window imports before its panels are painted, about
a tenth of the start-up. Reading the file answers the same question in a few microseconds.
"""

from __future__ import annotations

import sys
from types import ModuleType


def uses_pyside(module: ModuleType) -> bool:
    """Whether the module's source file mentions "PySide6" (False without a source file)."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def install() -> bool:
    """Replaces PySide6's own check with ``uses_pyside``; True when it did. A PySide6 without
    that check (another version) keeps its own way."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    setattr(feature, "_mod_uses_pyside", uses_pyside)  # noqa: B010  (PySide6's own module)
    return True
