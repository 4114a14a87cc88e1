"""Run the fake OpenAI Images API on its own, e.g. to point the app at it by hand:

python -m tests.fake_openai --port 8000 [--legacy-gateway] [--key sk-...]
    [--stream-delay S] [--answer-delay S] [--refuse-stream] [--standard-sizes-only] [--ignore-n]
    [--azure | --openrouter]

--azure serves Azure OpenAI's paths (base URL = the resource URL; deployment "images-sunburst",
or --deployment NAME=MODEL); --openrouter serves OpenRouter's image API at /api/v1.
"""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from .server import FakeOpenAI
from .validation import Gateway


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
    parser.add_argument(
        "--answer-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds before answering each images request (others are not held up)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.add_argument(
        "--refuse-stream", action="store_true", help="answer 400 to stream=true, like some relays"
    )
    parser.add_argument(
        "--standard-sizes-only", action="store_true", help="refuse sizes other than the presets"
    )
    parser.add_argument("--ignore-n", action="store_true", help="make one image whatever n says")
    parser.add_argument(
        "--mask-fails", action="store_true", help="answer 500 to a mask, like some LiteLLM versions"
    )
    kinds = parser.add_mutually_exclusive_group()
    kinds.add_argument("--azure", action="store_true", help="behave like Azure OpenAI")
    kinds.add_argument("--openrouter", action="store_true", help="behave like OpenRouter")
    parser.add_argument(
        "--deployment",
        action="append",
        metavar="NAME=MODEL",
        help="an Azure deployment and the model it runs (repeatable)",
    )
    args = parser.parse_args(argv)
    deployments = None
    if args.deployment:
        deployments = dict(item.partition("=")[::2] for item in args.deployment)

    gateway = Gateway(
        refuse_stream=args.refuse_stream,
        standard_sizes_only=args.standard_sizes_only,
        ignore_n=args.ignore_n,
        mask_fails=args.mask_fails,
    )
    fake = FakeOpenAI(
        legacy_gateway=args.legacy_gateway,
        api_key=args.key,
        host=args.host,
        port=args.port,
        gateway=gateway,
        dialect="azure" if args.azure else "openrouter" if args.openrouter else "openai",
        deployments=deployments,
    )
    fake.stream_delay = args.stream_delay
    fake.answer_delay = args.answer_delay
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
