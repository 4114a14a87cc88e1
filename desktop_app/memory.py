"""Freed picture buffers go back to the system at once (Linux, glibc).

A picture is decoded into buffers of many megabytes that live a moment (the full-size decode
behind a preview, the planes of a resize). glibc raises its mmap threshold each time such a
buffer is freed, so later ones come from the heap and stay in the process after use: opening a
12 MP photo left ~90 MB resident for nothing. A fixed threshold keeps every buffer of 1 MiB
or more in its own mapping, unmapped when freed. Elsewhere (macOS, Windows, musl) nothing is
changed: their allocators hand large blocks back by themselves.
"""

from __future__ import annotations

import ctypes
import sys

M_MMAP_THRESHOLD = -3  # <malloc.h>
MMAP_THRESHOLD = 1 << 20


def return_freed_memory() -> bool:
    """Sets the fixed threshold; True when the C library took it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
