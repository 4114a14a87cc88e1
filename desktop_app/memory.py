"""Freed picture buffers go back to the system (Linux, glibc).

A picture is decoded into buffers of many megabytes that live a moment (the full-size decode
behind a preview, the planes of a resize, a result's thumbnail). glibc keeps what is freed for
reuse, and on worker threads it keeps it where ``malloc_trim`` cannot reach: each thread's own
heap keeps freed memory at its top up to a threshold that grows with the largest buffer seen
(up to 64 MB). Measured on a 12 MP photo and a run of ten: ~40 MB stayed resident for nothing.

``limit_retained_memory`` (called once, before the work starts) makes buffers of two megabytes
or more their own mappings, handed back the moment they are freed; ``release_freed_memory``
hands back the rest of what is free (small blocks, the main heap's top) after heavy work.
Elsewhere (macOS, Windows, musl) nothing happens: their allocators give large blocks back by
themselves.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable

_M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3
# Buffers this large or larger are mapped on their own and unmapped when freed. Fixed, it also
# stops glibc from raising the threshold to the largest buffer freed so far, which is what let
# the heaps grow. Measured on the streamed 10-image run (peak / the window's worst stall):
# 1 MiB 177 MB / 29-48 ms (every mapping is page-faulted in again, some on the GUI thread),
# 2 MiB 177 MB / 31-33 ms, 4 MiB 190 MB / 28 ms, 8 MiB 196 MB / 29 ms, glibc's own 228 MB.
MAP_ON_THEIR_OWN_BYTES = 2 * 1024 * 1024
# Free memory a heap may keep at its top. Each worker thread's heap keeps this much for nothing
# while the others work: measured on the streamed 10-image run (python -m benchmarks), 4 MiB
# (glibc's own rule for the threshold above) 150 MB, 1 MiB 148 MB, worst stall 24 ms and client
# CPU 0.50x the SDK's with it. Set too, since a large buffer freed before
# ``limit_retained_memory`` may have raised it.
KEEP_AT_HEAP_TOP_BYTES = MAP_ON_THEIR_OWN_BYTES // 2


@functools.cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.malloc_trim.argtypes = (ctypes.c_size_t,)
        libc.malloc_trim.restype = ctypes.c_int
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        libc.mallopt.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None  # not glibc (musl has neither)
    return libc


def _malloc_trim() -> Callable[[int], int] | None:
    libc = _libc()
    return None if libc is None else libc.malloc_trim


@functools.cache
def limit_retained_memory() -> bool:
    """Large buffers are handed back as soon as they are freed; True when the C library took
    the setting. Once per process (later calls do nothing); call it before pictures are
    decoded."""
    libc = _libc()
    if libc is None:
        return False
    mapped = libc.mallopt(_M_MMAP_THRESHOLD, MAP_ON_THEIR_OWN_BYTES)
    trimmed = libc.mallopt(_M_TRIM_THRESHOLD, KEEP_AT_HEAP_TOP_BYTES)
    return bool(mapped and trimmed)


def release_freed_memory() -> bool:
    """Returns the free pages of every heap to the system; True when the C library could."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
