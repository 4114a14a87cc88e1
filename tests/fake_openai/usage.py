"""Token accounting imitating the service's `usage` object (API.md sections 4 and 7)."""

from __future__ import annotations

from typing import Any

# Reported output tokens for one 1024x1024 image, by quality; other sizes scale by area.
OUTPUT_TOKENS_1024 = {"low": 200, "medium": 440, "high": 1760, "xhigh": 3100, "max": 7000}
IMAGE_INPUT_TOKENS = 300  # per uploaded image (and mask)
PARTIAL_IMAGE_TOKENS = 100  # each streamed partial image costs about this much extra


def image_output_tokens(quality: str, width: int, height: int) -> int:
    base = OUTPUT_TOKENS_1024.get(quality, OUTPUT_TOKENS_1024["medium"])
    return max(1, round(base * width * height / (1024 * 1024)))


def usage(
    *,
    prompt: str,
    input_images: int,
    quality: str,
    width: int,
    height: int,
    images: int,
    partial_images: int,
) -> dict[str, Any]:
    text_tokens = max(1, len(prompt) // 4)
    image_tokens = IMAGE_INPUT_TOKENS * input_images
    per_image = image_output_tokens(quality, width, height) + PARTIAL_IMAGE_TOKENS * partial_images
    output = per_image * images
    return {
        "input_tokens": text_tokens + image_tokens,
        "output_tokens": output,
        "total_tokens": text_tokens + image_tokens + output,
        "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": image_tokens},
        "output_tokens_details": {"text_tokens": 0, "image_tokens": output},
    }
