"""The one error type for pictures the app cannot use.

Everything that can go wrong with a user's file (wrong kind, damaged, absurdly large...)
surfaces as ImageRejected, so callers need a single ``except`` and can show ``str(exc)``
to the person as it is: it is always one plain sentence.
"""

from __future__ import annotations

from typing import Literal

Reason = Literal[
    "empty",
    "unsupported_format",
    "vector",
    "truncated",
    "corrupt",
    "too_large",
    "bomb",
    "too_small",
    "bad_crop",
    "bad_mask",
    "unreadable_file",
]

# Named once so that every "we can't read this" message lists the same formats.
SUPPORTED_LIST = "PNG, JPEG, WebP, GIF, HEIC, BMP, TIFF"


class ImageRejected(Exception):
    """The input can't be used; ``reason`` is a short code, ``str(exc)`` a sentence for people."""

    reason: Reason

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    @property
    def message(self) -> str:
        return str(self.args[0])

    def __repr__(self) -> str:
        return f"ImageRejected(reason={self.reason!r}, message={self.message!r})"
