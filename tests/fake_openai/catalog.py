"""The service's own knowledge of models: the /v1/models listing and per-model capabilities.

Deliberately independent of the app's code, so the app's capability table is tested against
a second opinion rather than against itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

IMAGE_PREFIXES = ("gpt-image-", "chatgpt-image-", "dall-e-")
DEFAULT_EDIT_MODEL = "gpt-image-2"
# Shut down on the real service: listed or not, the image endpoints answer model_not_found.
# The 1.5 / 1-mini / chatgpt-image models are still listed (with their past shutdown_date),
# as the real listing keeps them a while: listed does not mean allowed.
RETIRED_MODELS = frozenset(
    {
        "gpt-image-1", "dall-e-2", "dall-e-3", "gpt-image-1.5", "gpt-image-1.5-2025-12-16",
        "gpt-image-1-mini", "chatgpt-image-latest",
    }
)  # fmt: skip

_SHUTDOWN_2026_12_01 = "2026-12-01"

# (id, created unix time, shutdown_date)
_IMAGE_MODELS: list[tuple[str, int, str | None]] = [
    ("gpt-image-2", 1776729600, None),
    ("gpt-image-2-2026-04-21", 1776729600, None),
    ("gpt-image-2.5-sunburst", 1788825600, None),
    ("gpt-image-2.5-flare", 1788825600, None),
    ("gpt-image-2.5-sunburst-2026-09-08", 1788825600, None),
    ("gpt-image-2.5-flare-2026-09-08", 1788825600, None),
    ("gpt-image-2.6-sunburst", 1792972800, None),
    ("gpt-image-2.6-flare", 1792972800, None),
    ("gpt-image-1.5", 1765843200, _SHUTDOWN_2026_12_01),
    ("gpt-image-1-mini", 1759363200, _SHUTDOWN_2026_12_01),
    ("chatgpt-image-latest", 1765843200, _SHUTDOWN_2026_12_01),
]
# Non-image models, so clients have to filter the listing themselves.
_OTHER_MODELS: list[tuple[str, int, str | None]] = [
    ("gpt-5", 1754524800, None),
    ("whisper-1", 1677532384, None),
    ("text-embedding-3-small", 1705948997, None),
]
_LEGACY_MODELS: list[tuple[str, int, str | None]] = [("dall-e-2", 1698798177, None)]


def default_models(*, legacy_gateway: bool) -> list[dict[str, Any]]:
    rows = _IMAGE_MODELS + _OTHER_MODELS + (_LEGACY_MODELS if legacy_gateway else [])
    return [
        {
            "id": model_id,
            "object": "model",
            "created": created,
            "owned_by": "system",
            "shutdown_date": shutdown,
        }
        for model_id, created, shutdown in rows
    ]


def is_image_model(model_id: str) -> bool:
    return model_id.startswith(IMAGE_PREFIXES)


@dataclass(frozen=True)
class Capabilities:
    input_fidelity: bool
    extra_qualities: bool  # "xhigh" and "max"
    complexity: bool
    transparent: bool
    flexible_sizes: bool  # any WxH within the gpt-image-2 rules, not just the three presets


# input_fidelity: gpt-image-2 answers invalid_input_fidelity_model and nothing documents it
# for 2.5 / 2.6, so this double refuses it on every 2.x model (stricter than the world).
# 2.6's flexible sizes are "reportedly" (API.md section 4); a gateway mode refuses them.
_GEN_2_6 = Capabilities(
    input_fidelity=False, extra_qualities=True, complexity=True, transparent=True,
    flexible_sizes=True,
)  # fmt: skip
_GEN_2_5 = Capabilities(
    input_fidelity=False, extra_qualities=True, complexity=False, transparent=True,
    flexible_sizes=True,
)  # fmt: skip
_GEN_2 = Capabilities(
    input_fidelity=False, extra_qualities=False, complexity=False, transparent=False,
    flexible_sizes=True,
)  # fmt: skip
_GEN_1 = Capabilities(
    input_fidelity=True, extra_qualities=False, complexity=False, transparent=True,
    flexible_sizes=False,
)  # fmt: skip
# Image models the table does not know (e.g. a test's custom listing): the plain feature set.
_UNKNOWN = Capabilities(
    input_fidelity=False, extra_qualities=False, complexity=False, transparent=False,
    flexible_sizes=False,
)  # fmt: skip


def capabilities_for(model_id: str) -> Capabilities:
    # Order matters: "gpt-image-2.5-..." also starts with "gpt-image-2".
    if model_id.startswith("gpt-image-2.6-"):
        return _GEN_2_6
    if model_id.startswith("gpt-image-2.5-"):
        return _GEN_2_5
    if model_id == "gpt-image-2" or model_id.startswith("gpt-image-2-"):
        return _GEN_2
    if model_id.startswith(("gpt-image-1.5", "gpt-image-1-mini", "chatgpt-image-")):
        return _GEN_1
    return _UNKNOWN
