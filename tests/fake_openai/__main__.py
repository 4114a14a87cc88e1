"""Run the fake OpenAI Images API on its own, e.g. to point the app at it by hand:

python -m tests.fake_openai --port 8000 [--legacy-gateway] [--key sk-...]
"""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from .server import FakeOpenAI


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_openai", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="API port (0: any free port)")
    parser.add_argument(
        "--legacy-gateway",
        action="store_true",
        help="also serve POST /v1/images/variations (dall-e-2) like a compatible gateway",
    )
    parser.add_argument("--key", default=None, help="accept only this API key (default: any)")
    parser.add_argument(
        "--stream-delay", type=float, default=0.0, help="seconds between streamed events"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)

    fake = FakeOpenAI(
        legacy_gateway=args.legacy_gateway, api_key=args.key, host=args.host, port=args.port
    )
    fake.stream_delay = args.stream_delay
    fake.log_requests = not args.quiet
    # Stop cleanly on SIGTERM too, and on Ctrl+C even when started from a script with `&`
    # (background jobs inherit an ignored SIGINT).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    fake.start()
    print(f"base URL:     {fake.base_url}", flush=True)
    print(f"files origin: {fake.files_origin}", flush=True)
    print("Ctrl+C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
