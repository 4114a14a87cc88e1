"""What a run costs: an estimate before it (from the settings) and the figure after it (from the
usage the server reports). A model the price file does not know gets no estimate, never a guess.

Pure arithmetic on the values in ``rates.py``; ``PriceTable.estimate`` and ``.actual`` are the
usual way in.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Literal

from desktop_app.core.cost.money import MILLION, format_usd
from desktop_app.core.cost.rates import Assumptions, ModelPrices, TokenPrices
from desktop_app.core.results import Usage

__all__ = [
    "CostEstimate",
    "CostMode",
    "actual_cost",
    "estimate_cost",
    "no_price_note",
    "output_image_tokens",
]

CostMode = Literal["edit", "classic"]
_MODES = ("edit", "classic")
_SIZE = re.compile(r"^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$")


@dataclass(frozen=True)
class CostEstimate:
    usd: float
    breakdown: str  # one line for a tooltip, e.g. "2 images x ~439 output tokens $0.026 + ..."
    assumptions: tuple[str, ...] = ()  # what was guessed: "quality auto counted as medium"
    # The model's output tokens are unpublished and borrowed from another family: the UI should
    # call the figure an estimate (the reason is also among the assumptions).
    unpublished: bool = False

    @property
    def label(self) -> str:
        return f"≈ {format_usd(self.usd)}"


def estimate_cost(
    prices: ModelPrices | None,
    guess: Assumptions,
    *,
    mode: CostMode,
    n: int,
    size: str,
    quality: str,
    prompt: str,
    input_images: int = 1,
    partial_images: int = 0,
) -> CostEstimate | None:
    """The likely cost of one run, or None when the price is unknown (``prices`` None)."""
    kind = _mode_name(mode)
    if n < 1:
        raise ValueError(f"A run makes at least one image, not {n}.")
    if prices is None:
        return None
    if kind == "classic":
        return _classic_estimate(prices, n, size)
    if input_images < 1:
        raise ValueError(f"An edit sends at least one image, not {input_images}.")
    return _edit_estimate(prices, guess, n, size, quality, prompt, input_images, partial_images)


def actual_cost(
    prices: ModelPrices | None, *, mode: CostMode, usage: Usage | None, n: int, size: str
) -> float | None:
    """What a finished run cost: classic by images received, edits by the reported usage.

    None when it cannot be told: unknown model or size, or no usage reported for an edit.
    """
    kind = _mode_name(mode)
    if prices is None:
        return None
    if kind == "classic":
        price = _classic_price(prices, size)
        return None if price is None else price * n
    if prices.tokens is None or usage is None:
        return None
    billed = _billed_tokens(usage)
    return None if billed is None else billed.usd(prices.tokens)


def _classic_price(prices: ModelPrices, size: str) -> float | None:
    if prices.per_image is None:
        return None
    return prices.per_image.get("1024x1024" if size == "auto" else size)


def _classic_estimate(prices: ModelPrices, n: int, size: str) -> CostEstimate | None:
    price = _classic_price(prices, size)
    if price is None:
        return None
    shown_size = "1024x1024" if size == "auto" else size
    notes = ("size auto counted as 1024x1024",) if size == "auto" else ()
    breakdown = f"{_images(n)} x {format_usd(price)} ({shown_size})"
    return CostEstimate(usd=price * n, breakdown=breakdown, assumptions=notes)


def _edit_estimate(
    prices: ModelPrices,
    guess: Assumptions,
    n: int,
    size: str,
    quality: str,
    prompt: str,
    input_images: int,
    partial_images: int,
) -> CostEstimate | None:
    if prices.tokens is None or prices.output_q is None:
        return None
    notes: list[str] = []
    quality = _settled("quality", quality, guess.auto_quality, notes)
    size = _settled("size", size, guess.auto_size, notes)
    q = prices.output_q.get(quality)
    match = _SIZE.match(size)
    if q is None or match is None:
        return None
    per_image = output_image_tokens(q, int(match.group(1)), int(match.group(2)))
    per_image += guess.partial_image_output_tokens * max(partial_images, 0)
    if not prices.output_q_published:
        notes.append(
            f"{prices.entry} output tokens are unpublished:"
            f" estimated with the {prices.output_q_from or 'model'} figures"
        )
    estimate = _token_estimate(
        prices.tokens,
        output=per_image,
        n=n,
        inputs=input_images,
        upload=guess.input_image_tokens * input_images,
        text=math.ceil(len(prompt) / guess.prompt_chars_per_token),
        notes=tuple(notes),
    )
    return replace(estimate, unpublished=not prices.output_q_published)


def output_image_tokens(q: int, width: int, height: int) -> int:
    """Output tokens of one ``width`` x ``height`` image at quality factor ``q`` (API.md §7).

    The formula as reported reproduces every worked example there exactly (2.5: 1024x1024
    196 / 439 / 1,756 / 3,122 / 7,024, 1536x1024 158 / 343 / 1,372 / 2,459 / 5,488, 3840x2160
    high 3,336), so no other reading of its floor and ceil was needed. Integer maths: a float
    could land a hair above a whole number and tip the ceiling.
    """
    short, long = sorted((width, height))
    s = (2 * q * short + long) // (2 * long)  # q scaled by the aspect ratio, rounded half up
    return -(-q * s * (2_000_000 + width * height) // 4_000_000)


def _settled(what: str, value: str, auto_means: str, notes: list[str]) -> str:
    """``value``, or what the price file says "auto" is estimated as (noting the guess)."""
    if value != "auto":
        return value
    notes.append(f"{what} auto counted as {auto_means}")
    return auto_means


def _token_estimate(
    rates: TokenPrices,
    *,
    output: int,
    n: int,
    inputs: int,
    upload: int,
    text: int,
    notes: tuple[str, ...],
) -> CostEstimate:
    # Inputs are billed once per request; every image made is billed its own output tokens.
    output_usd = n * output * rates.image_output / MILLION
    upload_usd = upload * rates.image_input / MILLION
    text_usd = text * rates.text_input / MILLION
    pictures = "picture" if inputs == 1 else f"{inputs} pictures"
    breakdown = (
        f"{_images(n)} x ~{output:,} output tokens {format_usd(output_usd)}"
        f" + {pictures} ~{upload:,} tokens {format_usd(upload_usd)}"
        f" + prompt ~{text:,} tokens {format_usd(text_usd)}"
    )
    return CostEstimate(
        usd=output_usd + upload_usd + text_usd, breakdown=breakdown, assumptions=notes
    )


@dataclass(frozen=True)
class _Billed:
    """The tokens a usage report bills, by rate."""

    text: int
    image: int
    cached: int  # part of text + image
    output_image: int
    output_text: int

    def usd(self, rates: TokenPrices) -> float:
        text_cached = _or(rates.cached_text_input, rates.text_input)
        image_cached = _or(rates.cached_image_input, rates.image_input)
        # Usage does not say whether cached tokens were text or picture: discount first the kind
        # whose cache saves less, so that the figure errs high.
        cached_text = (
            min(self.cached, self.text)
            if rates.text_input - text_cached <= rates.image_input - image_cached
            else max(self.cached - self.image, 0)
        )
        cached_image = min(self.cached - cached_text, self.image)
        per_million = (
            (self.text - cached_text) * rates.text_input
            + cached_text * text_cached
            + (self.image - cached_image) * rates.image_input
            + cached_image * image_cached
            + self.output_image * rates.image_output
            + self.output_text * _or(rates.text_output, rates.image_output)
        )
        return per_million / MILLION


def _or(price: float | None, fallback: float) -> float:
    return fallback if price is None else price


def _billed_tokens(usage: Usage) -> _Billed | None:
    """The billed tokens, falling back on totals when details are missing.

    Input tokens the details do not explain are counted at the image-input rate, the dearer one,
    so a figure built from incomplete usage overstates rather than understates the spend. Output
    tokens count as text only when the details name the image part. None when the usage holds
    no tokens at all (a server that does not report usage): "unknown" is more honest than "$0".
    """
    split = usage.output_image_tokens > 0
    image_out = usage.output_image_tokens if split else usage.output_tokens
    text_out = max(usage.output_tokens - image_out, 0) if split else 0
    input_total = usage.input_tokens or max(usage.total_tokens - image_out - text_out, 0)
    text = usage.input_text_tokens
    image = usage.input_image_tokens + max(input_total - text - usage.input_image_tokens, 0)
    # By name: results.Usage does not parse input_tokens_details.cached_tokens yet (expected as
    # input_cached_tokens); until it does, all input is priced at the full rate, which errs high.
    cached = getattr(usage, "input_cached_tokens", 0)
    cached = min(cached, text + image) if isinstance(cached, int) and cached > 0 else 0
    if text + image + image_out + text_out == 0:
        return None
    return _Billed(text, image, cached, image_out, text_out)


def _mode_name(mode: CostMode) -> str:
    # Refuses a typo rather than silently pricing it as an edit.
    if mode not in _MODES:
        raise ValueError(f"Unknown mode {mode!r}: expected 'edit' or 'classic'.")
    return mode


def _images(n: int) -> str:
    return "1 image" if n == 1 else f"{n} images"


def no_price_note(model: str) -> str:
    """What to show instead of an estimate when the price table has no entry for ``model``."""
    return f"No price known for {model}: cost not estimated (see prices.json)."
