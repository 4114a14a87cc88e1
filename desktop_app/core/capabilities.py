"""Which parameters each image model family accepts: the one table the app consults.

Model names churn every few months, so the table matches families by prefix and the live list
always comes from ``GET /v1/models``. A model the table does not know gets the conservative
subset that every GPT Image model accepts. Keep this table easy to change: it is a guess about
a moving service (../shared/API.md marks several rows UNCONFIRMED).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STANDARD_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
BASE_QUALITIES = ("auto", "low", "medium", "high")
CLASSIC_MODEL = "dall-e-2"
CLASSIC_SIZES = ("256x256", "512x512", "1024x1024")
OUTPUT_FORMATS = ("png", "jpeg", "webp")
MAX_VARIATIONS = 10
MAX_PARTIAL_IMAGES = 3


@dataclass(frozen=True)
class ModelCapabilities:
    family: str
    input_fidelity: bool = False
    transparent_background: bool = False
    complexity: bool = False
    qualities: tuple[str, ...] = BASE_QUALITIES
    custom_sizes: bool = False  # any WxH, sides divisible by 16, aspect 1:3..3:1, <= 3840x2160
    streaming: bool = True

    def accepts_size(self, size: str) -> bool:
        if size in STANDARD_SIZES:
            return True
        return self.custom_sizes and custom_size_is_valid(size)


CONSERVATIVE = ModelCapabilities(family="unknown GPT Image model")

# Ordered: the first matching prefix wins, so put the longer prefixes first.
_FAMILIES: tuple[tuple[str, ModelCapabilities], ...] = (
    (
        "gpt-image-2.6-",
        ModelCapabilities(
            family="GPT Image 2.6",
            input_fidelity=True,
            complexity=True,
            qualities=(*BASE_QUALITIES, "xhigh", "max"),
        ),
    ),
    (
        "gpt-image-2.5-",
        ModelCapabilities(
            family="GPT Image 2.5",
            input_fidelity=True,
            qualities=(*BASE_QUALITIES, "xhigh", "max"),
            custom_sizes=True,
        ),
    ),
    ("gpt-image-2", ModelCapabilities(family="GPT Image 2", custom_sizes=True)),
    (
        "gpt-image-1",
        ModelCapabilities(family="GPT Image 1", input_fidelity=True, transparent_background=True),
    ),
    (
        "chatgpt-image-",
        ModelCapabilities(family="ChatGPT Image", input_fidelity=True, transparent_background=True),
    ),
)

_SIZE = re.compile(r"^([1-9][0-9]{1,4})x([1-9][0-9]{1,4})$")


def custom_size_is_valid(size: str) -> bool:
    match = _SIZE.match(size)
    if not match:
        return False
    width, height = int(match.group(1)), int(match.group(2))
    if width % 16 or height % 16:
        return False
    if max(width, height) > 3 * min(width, height):
        return False
    return max(width, height) <= 3840 and min(width, height) <= 2160


def capabilities_for(model: str) -> ModelCapabilities:
    for prefix, capabilities in _FAMILIES:
        if model.startswith(prefix):
            return capabilities
    return CONSERVATIVE


def is_image_model(model_id: str) -> bool:
    return model_id.startswith(("gpt-image-", "chatgpt-image-", "dall-e-"))


def is_gpt_image_model(model_id: str) -> bool:
    return model_id.startswith(("gpt-image-", "chatgpt-image-"))


def size_side(size: str, default: int = 1024) -> int:
    """The square upload side for a requested output size ("auto" uses ``default``)."""
    match = _SIZE.match(size)
    if not match:
        return default
    return max(int(match.group(1)), int(match.group(2)))
