"""The app's HTTP reads: httpcore reads an answer in pieces as large as what arrived."""

from __future__ import annotations


def test_httpcore_still_has_the_read_size_the_app_raises() -> None:
    # desktop_app/core/http.py raises httpcore's 64 KiB read size (a class attribute, not an
    # option): a new httpcore without it would quietly make 25 MB answers cost ~20 ms more CPU.
    from httpcore._async.http11 import AsyncHTTP11Connection

    from desktop_app.core.http import READ_PIECE

    assert AsyncHTTP11Connection.READ_NUM_BYTES >= READ_PIECE
