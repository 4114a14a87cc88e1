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


def test_downloads_send_no_cookie_that_a_result_link_tried_to_set() -> None:
    import asyncio
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from desktop_app.core.downloads import download, make_download_client

    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("Cookie"))
            self.send_response(302 if self.path == "/go" else 200)
            self.send_header("Set-Cookie", "session=secret; Path=/")
            if self.path == "/go":
                self.send_header("Location", "/pic.png")
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"png")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    async def fetch_twice() -> list[bytes]:
        async with make_download_client(True) as client:
            first = await download(client, f"{base}/go", max_bytes=100, deadline=10)
            second = await download(client, f"{base}/pic.png", max_bytes=100, deadline=10)
            return [first, second]

    try:
        assert asyncio.run(fetch_twice()) == [b"png", b"png"]
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [None, None, None]  # /go, its redirect, and the next download
