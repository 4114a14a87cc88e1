from __future__ import annotations

import pytest

from desktop_app.core.downloads import DownloadFailed, check_result_url


@pytest.mark.parametrize(
    "url",
    [
        "https://files.example.com/a.png",
        "http://127.0.0.1:9/a.png",
        "http://localhost/a",
        "http://[::1]:8/x",
    ],
)
def test_https_and_loopback_are_allowed(url: str) -> None:
    check_result_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://files.example.com/a.png",
        "ftp://x/a.png",
        "file:///etc/passwd",
        "http://10.0.0.1/a.png",
        "javascript:alert(1)",
    ],
)
def test_everything_else_is_refused(url: str) -> None:
    with pytest.raises(DownloadFailed):
        check_result_url(url)
