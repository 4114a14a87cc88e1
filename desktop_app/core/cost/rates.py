"""The shape of a price: what one model costs per token or per image, and what estimates assume.

Plain values with no behaviour. ``prices.py`` fills them from prices.json and ``estimate.py``
does the arithmetic on them; keeping the shapes here lets each of those import them without
importing the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Assumptions", "ModelPrices", "TokenPrices"]


@dataclass(frozen=True)
class TokenPrices:
    """US dollars per 1,000,000 tokens; a cached or text-output price of None means "as the
    full input / image output rate" (overstating is safer for a budget)."""

    text_input: float
    image_input: float
    image_output: float
    cached_text_input: float | None = None
    cached_image_input: float | None = None
    text_output: float | None = None


@dataclass(frozen=True)
class ModelPrices:
    entry: str  # the prices.json entry that matched, e.g. "gpt-image-2.6"
    family: str
    tokens: TokenPrices | None = None
    per_image: Mapping[str, float] | None = None  # classic: size -> US dollars
    output_q: Mapping[str, int] | None = None  # quality -> q of the output-token formula
    output_q_from: str | None = None  # the estimates.output_q table it came from, if named
    output_q_published: bool = True  # False: borrowed from another family until OpenAI says


@dataclass(frozen=True)
class Assumptions:
    """How an estimate fills in what a run leaves open (the estimates section of prices.json)."""

    auto_quality: str
    auto_size: str
    prompt_chars_per_token: float
    partial_image_output_tokens: int
    input_image_tokens: int  # per input image of an edit
    output_q: Mapping[str, Mapping[str, int]]  # table name -> quality -> q
