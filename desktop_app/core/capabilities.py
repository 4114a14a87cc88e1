"""Which parameters each image model family accepts: the one table the app consults.

Model names churn every few months, so the table matches families by prefix and the live list
always comes from ``GET /v1/models``. A model the table does not know gets the conservative
subset that every GPT Image model accepts. Keep this table easy to change: it is a guess about
a moving service (docs/API.md marks several rows UNCONFIRMED).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STANDARD_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
BASE_QUALITIES = ("auto", "low", "medium", "high")
CLASSIC_MODEL = "dall-e-2"
# The classic endpoint makes squares only: sides for the picture encoder, sizes for the API.
CLASSIC_SIDES = (256, 512, 1024)
CLASSIC_SIZES = tuple(f"{side}x{side}" for side in CLASSIC_SIDES)
OUTPUT_FORMATS = ("png", "jpeg", "webp")
MAX_VARIATIONS = 10
MAX_PARTIAL_IMAGES = 3
MAX_LONG_EDGE = 3840
MIN_PIXELS = 655_360
MAX_PIXELS = 8_294_400


@dataclass(frozen=True)
class ModelCapabilities:
    family: str
    input_fidelity: bool = False
    transparent_background: bool = False
    complexity: bool = False
    qualities: tuple[str, ...] = BASE_QUALITIES
    custom_sizes: bool = False  # any WxH within the rules of custom_size_is_valid
    # A `mask` part on /images/edits (API.md section 4 documents it for the endpoint as a
    # whole, so every GPT Image family and the conservative unknown model take it). The
    # classic /images/variations request has no mask at all.
    masks: bool = True

    def accepts_size(self, size: str) -> bool:
        if size in STANDARD_SIZES:
            return True
        return self.custom_sizes and custom_size_is_valid(size)


CONSERVATIVE = ModelCapabilities(family="unknown GPT Image model")

# Ordered: the first matching prefix wins, so put the longer prefixes first.
# input_fidelity is documented only for the retired 1.x models: gpt-image-2 refuses it
# (400 invalid_input_fidelity_model) and nothing says 2.5 / 2.6 accept it, so every 2.x row
# leaves it out; strength lives in the prompt (and quality / complexity where offered).
_FAMILIES: tuple[tuple[str, ModelCapabilities], ...] = (
    (
        "gpt-image-2.6-",
        ModelCapabilities(
            family="GPT Image 2.6",
            transparent_background=True,  # reportedly, as 2.5
            complexity=True,
            qualities=(*BASE_QUALITIES, "xhigh", "max"),
            custom_sizes=True,  # reportedly; a refusal is learnt per server (adaptation.py)
        ),
    ),
    (
        "gpt-image-2.5-",
        ModelCapabilities(
            family="GPT Image 2.5",
            transparent_background=True,
            qualities=(*BASE_QUALITIES, "xhigh", "max"),
            custom_sizes=True,
        ),
    ),
    # gpt-image-2's transparent-background preview was closed: it answers 400.
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
    """The 2.x rule (API.md section 4): both sides divisible by 16, aspect 1:3..3:1, long edge
    at most 3840, total pixels 655,360..8,294,400 (so 512x512 is refused, 2880x2880 is not)."""
    match = _SIZE.match(size)
    if not match:
        return False
    width, height = int(match.group(1)), int(match.group(2))
    if width % 16 or height % 16:
        return False
    if max(width, height) > 3 * min(width, height):
        return False
    return max(width, height) <= MAX_LONG_EDGE and MIN_PIXELS <= width * height <= MAX_PIXELS


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
