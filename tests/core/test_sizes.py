"""The app's size rule and the strict local server agree, family by family (API.md section 4).

The server's rule is written independently (tests/fake_openai/validation.py), so this compares
two readings of the API notes rather than the app with itself.
"""

from __future__ import annotations

import httpx
import pytest

from desktop_app.core.capabilities import capabilities_for
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import png_upload
from tests.fake_openai import FakeOpenAI

SIZES = (
    "auto", "1024x1024", "1536x1024", "1024x1536",  # the presets
    "512x512", "1024x608", "1000x1000", "4096x2160", "3840x1024",  # refused
    "1280x512", "1024x640", "2048x1152", "2560x2560", "2880x2880",  # in the pixel range
)  # fmt: skip
FAMILIES = ("gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.6-sunburst")
# The largest sizes take a moment to draw; the rule is the same at every size in the range.
SLOW = {"2560x2560", "2880x2880"}


@pytest.mark.parametrize("model", FAMILIES)
def test_sizes_the_app_sends_are_the_sizes_the_server_makes(
    api_server: FakeOpenAI, model: str
) -> None:
    caps = capabilities_for(model)
    with httpx.Client(base_url=api_server.base_url, timeout=60) as http:
        for size in SIZES:
            if size in SLOW and model != "gpt-image-2":
                continue
            response = http.post(
                "/images/edits",
                headers={"Authorization": f"Bearer {CANARY_KEY}"},
                data={"model": model, "prompt": "vary", "size": size},
                files={"image": ("a.png", png_upload().data, "image/png")},
            )
            server_ok = response.status_code == 200
            assert caps.accepts_size(size) == server_ok, (model, size, response.text[:200])
