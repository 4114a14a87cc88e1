"""Small helpers for driving the real client against the local API server."""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from PIL import Image

from desktop_app.core.client import ImagesClient
from desktop_app.core.config import ClientConfig, Timeouts
from desktop_app.core.imaging import Upload
from desktop_app.core.keystore import ApiKey
from desktop_app.core.requests import ClassicRequest, EditRequest
from desktop_app.core.retry import RetryPolicy
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI, read_provenance

T = TypeVar("T")
FAST_RETRIES = RetryPolicy(base_delay=0.01, max_delay=0.05)


def png_upload(side: int = 64, *, noise: bool = False, seed: int = 1) -> Upload:
    """A square PNG; ``noise`` makes it incompressible (big enough to outlast socket buffers)."""
    if noise:
        rng = random.Random(seed)
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    else:
        image = Image.new("RGB", (side, side), (200, 60, 30))
        image.paste((20, 90, 220), (0, 0, side // 2, side // 2))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    data = buffer.getvalue()
    return Upload(
        data=data,
        filename="source.png",
        mime_type="image/png",
        width=side,
        height=side,
        format="png",
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def config_for(server: FakeOpenAI, **timeouts: float) -> ClientConfig:
    return ClientConfig(
        base_url=server.base_url,
        timeouts=Timeouts(**timeouts),
        retry=FAST_RETRIES,
    )


def make_client(server: FakeOpenAI, **timeouts: float) -> ImagesClient:
    return ImagesClient(config_for(server, **timeouts), ApiKey(CANARY_KEY), verify=True)


def run(make: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await make()

    return asyncio.run(main())


def edit_request(**changes: object) -> EditRequest:
    values: dict[str, object] = {
        "image": png_upload(),
        "prompt": "Create a new variation of this image.",
        "model": "gpt-image-2.6-sunburst",
    }
    values.update(changes)
    return EditRequest(**values)  # type: ignore[arg-type]


def classic_request(**changes: object) -> ClassicRequest:
    values: dict[str, object] = {"image": png_upload(), "size": "256x256"}
    values.update(changes)
    return ClassicRequest(**values)  # type: ignore[arg-type]


def provenance(data: bytes) -> dict[str, str]:
    """The fake server's stamp in a result: which upload it came from, and its index."""
    return read_provenance(data)
