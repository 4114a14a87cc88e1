"""What a run costs: an estimate before it, the actual figure after it, and the monthly budget.

Prices live in ``desktop_app/resources/prices.json`` (one file a person can update; it explains
its own fields). A model the file does not know gets no estimate rather than a guess.

Rounding: amounts are kept as unrounded floats (US dollars) everywhere; only :func:`format_usd`
rounds, half up, for display. Budget comparisons are made in whole micro-dollars so that float
noise (0.1 + 0.2) cannot flip an "exactly at the cap" decision.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from desktop_app.core.results import Usage

if TYPE_CHECKING:
    from desktop_app.core.variation import Mode

__all__ = [
    "BudgetCheck",
    "CostEstimate",
    "ModelPrices",
    "PriceFileError",
    "PriceTable",
    "TokenPrices",
    "check_budget",
    "format_usd",
    "no_price_note",
    "output_image_tokens",
]

CostMode = Literal["edit", "classic"]
_MODES = ("edit", "classic")
_MILLION = 1_000_000
_SIZE = re.compile(r"^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$")


class PriceFileError(ValueError):
    """The price file is missing, not JSON, or has a field of the wrong shape."""


# -- the price table -------------------------------------------------------------------------


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
class _Assumptions:
    auto_quality: str
    auto_size: str
    prompt_chars_per_token: float
    partial_image_output_tokens: int
    input_image_tokens: int  # per input image of an edit
    output_q: Mapping[str, Mapping[str, int]]  # table name -> quality -> q


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


@dataclass(frozen=True)
class PriceTable:
    updated: str
    source: str
    models: Mapping[str, ModelPrices]
    assumptions: _Assumptions

    @classmethod
    def load(cls, path: Path | None = None) -> PriceTable:
        """The price table from ``path``, or the one shipped with the app."""
        from importlib import resources  # ~10 ms: only when prices are first needed

        try:
            if path is None:
                text = (
                    resources.files("desktop_app")
                    .joinpath("resources/prices.json")
                    .read_text(encoding="utf-8")
                )
            else:
                text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PriceFileError(
                f"Cannot read the price file {path or 'prices.json'}: {error}"
            ) from error
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise PriceFileError(f"The price file is not valid JSON: {error}") from error
        return cls.from_json(raw)

    @classmethod
    def from_json(cls, raw: Any) -> PriceTable:
        top = _mapping(raw, "the price file")
        models = _mapping(top.get("models"), "models")
        assumptions = _assumptions(_mapping(top.get("estimates"), "estimates"))
        return cls(
            updated=_text(top.get("updated"), "updated"),
            source=_text(top.get("source"), "source"),
            models={
                name: _model_prices(name, entry, assumptions.output_q)
                for name, entry in models.items()
            },
            assumptions=assumptions,
        )

    def prices_for(self, model: str) -> ModelPrices | None:
        """The exact entry, else the longest family prefix followed by "-", else None."""
        if model in self.models:
            return self.models[model]
        families = [name for name in self.models if model.startswith(name + "-")]
        return self.models[max(families, key=len)] if families else None

    def estimate(
        self,
        model: str,
        *,
        mode: CostMode | Mode,
        n: int,
        size: str,
        quality: str,
        prompt: str,
        input_images: int = 1,
        partial_images: int = 0,
        input_fidelity: str | None = None,
    ) -> CostEstimate | None:
        """The likely cost of one run, or None when the price is unknown (never a guess).

        ``input_fidelity`` is ignored: a 2.x input image costs the same tokens whatever it is
        (and the retired 1.x models it mattered for have no prices). It is still accepted so
        that callers written for the old signature keep working until they drop it.
        """
        del input_fidelity
        kind = _mode_name(mode)
        if n < 1:
            raise ValueError(f"A run makes at least one image, not {n}.")
        prices = self.prices_for(model)
        if prices is None:
            return None
        if kind == "classic":
            return self._classic_estimate(prices, n, size)
        if input_images < 1:
            raise ValueError(f"An edit sends at least one image, not {input_images}.")
        return self._edit_estimate(prices, n, size, quality, prompt, input_images, partial_images)

    def actual(
        self, model: str, *, mode: CostMode | Mode, usage: Usage | None, n: int, size: str
    ) -> float | None:
        """What a finished run cost: classic by images received, edits by the reported usage.

        None when it cannot be told: unknown model or size, or no usage reported for an edit.
        """
        kind = _mode_name(mode)
        prices = self.prices_for(model)
        if prices is None:
            return None
        if kind == "classic":
            price = self._classic_price(prices, size)
            return None if price is None else price * n
        if prices.tokens is None or usage is None:
            return None
        billed = _billed_tokens(usage)
        return None if billed is None else billed.usd(prices.tokens)

    # -- estimates, by mode ----------------------------------------------------------------

    def _classic_price(self, prices: ModelPrices, size: str) -> float | None:
        if prices.per_image is None:
            return None
        return prices.per_image.get("1024x1024" if size == "auto" else size)

    def _classic_estimate(self, prices: ModelPrices, n: int, size: str) -> CostEstimate | None:
        price = self._classic_price(prices, size)
        if price is None:
            return None
        shown_size = "1024x1024" if size == "auto" else size
        notes = ("size auto counted as 1024x1024",) if size == "auto" else ()
        breakdown = f"{_images(n)} x {format_usd(price)} ({shown_size})"
        return CostEstimate(usd=price * n, breakdown=breakdown, assumptions=notes)

    def _edit_estimate(
        self,
        prices: ModelPrices,
        n: int,
        size: str,
        quality: str,
        prompt: str,
        input_images: int,
        partial_images: int,
    ) -> CostEstimate | None:
        if prices.tokens is None or prices.output_q is None:
            return None
        guess = self.assumptions
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
    output_usd = n * output * rates.image_output / _MILLION
    upload_usd = upload * rates.image_input / _MILLION
    text_usd = text * rates.text_input / _MILLION
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
        return per_million / _MILLION


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


def _mode_name(mode: CostMode | Mode) -> str:
    # Accepts the run's Mode enum as well as its value, and refuses a typo rather than
    # silently pricing it as an edit.
    name = getattr(mode, "value", mode)
    if name not in _MODES:
        raise ValueError(f"Unknown mode {mode!r}: expected 'edit' or 'classic'.")
    return str(name)


def _images(n: int) -> str:
    return "1 image" if n == 1 else f"{n} images"


def no_price_note(model: str) -> str:
    """What to show instead of an estimate when the price table has no entry for ``model``."""
    return f"No price known for {model}: cost not estimated (see prices.json)."


# -- reading prices.json ---------------------------------------------------------------------


def _model_prices(name: str, raw: Any, q_tables: Mapping[str, Mapping[str, int]]) -> ModelPrices:
    where = f"models.{name}"
    entry = _mapping(raw, where)
    tokens = entry.get("per_million_tokens")
    per_image = entry.get("per_image")
    if tokens is None and per_image is None:
        raise PriceFileError(f"{where} needs per_million_tokens or per_image prices.")
    # output_q names a shared table (families that share figures) or is the model's own table.
    q = entry.get("output_q")
    if isinstance(q, str) and q not in q_tables:
        raise PriceFileError(f"{where}.output_q names {q!r}, which estimates.output_q lacks.")
    own_q = None if q is None or isinstance(q, str) else _q(q, f"{where}.output_q")
    published = entry.get("output_q_published", True)
    if not isinstance(published, bool):
        raise PriceFileError(f"{where}.output_q_published must be true or false.")
    return ModelPrices(
        entry=name,
        family=_text(entry.get("family", name), f"{where}.family"),
        tokens=None if tokens is None else _token_prices(tokens, f"{where}.per_million_tokens"),
        per_image=None if per_image is None else _numbers(per_image, f"{where}.per_image"),
        output_q=q_tables[q] if isinstance(q, str) else own_q,
        output_q_from=q if isinstance(q, str) else None,
        output_q_published=published,
    )


def _token_prices(raw: Any, where: str) -> TokenPrices:
    table = _mapping(raw, where)

    def optional(key: str) -> float | None:
        return None if table.get(key) is None else _price(table[key], f"{where}.{key}")

    return TokenPrices(
        text_input=_price(table.get("text_input"), f"{where}.text_input"),
        image_input=_price(table.get("image_input"), f"{where}.image_input"),
        image_output=_price(table.get("image_output"), f"{where}.image_output"),
        cached_text_input=optional("cached_text_input"),
        cached_image_input=optional("cached_image_input"),
        text_output=optional("text_output"),
    )


def _assumptions(raw: Mapping[str, Any]) -> _Assumptions:
    inputs = _mapping(raw.get("input_image_tokens"), "estimates.input_image_tokens")
    chars_per_token = _price(raw.get("prompt_chars_per_token"), "estimates.prompt_chars_per_token")
    if chars_per_token == 0:
        raise PriceFileError("estimates.prompt_chars_per_token must be more than 0.")
    tables = _mapping(raw.get("output_q"), "estimates.output_q")
    return _Assumptions(
        auto_quality=_text(raw.get("auto_quality"), "estimates.auto_quality"),
        auto_size=_text(raw.get("auto_size"), "estimates.auto_size"),
        prompt_chars_per_token=chars_per_token,
        partial_image_output_tokens=_count(
            raw.get("partial_image_output_tokens"), "estimates.partial_image_output_tokens"
        ),
        input_image_tokens=_count(
            inputs.get("per_image"), "estimates.input_image_tokens.per_image"
        ),
        output_q={
            name: _q(table, f"estimates.output_q.{name}")
            for name, table in tables.items()
            if name != "about"
        },
    )


def _q(raw: Any, where: str) -> dict[str, int]:
    table = _mapping(raw, where)
    return {quality: _count(q, f"{where}.{quality}") for quality, q in table.items()}


def _numbers(raw: Any, where: str) -> dict[str, float]:
    return {key: _price(value, f"{where}.{key}") for key, value in _mapping(raw, where).items()}


def _mapping(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise PriceFileError(f"{where} must be a JSON object.")
    return raw


def _text(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise PriceFileError(f"{where} must be a non-empty string.")
    return raw


def _price(raw: Any, where: str) -> float:
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int | float)
        or not math.isfinite(raw)
        or raw < 0
    ):
        raise PriceFileError(f"{where} must be a number of 0 or more, not {raw!r}.")
    return float(raw)


def _count(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise PriceFileError(f"{where} must be a whole number of 0 or more, not {raw!r}.")
    return raw


# -- display ---------------------------------------------------------------------------------


def format_usd(amount: float) -> str:
    """Dollars for people: "$0.042" under a dollar, "$1,234.50" above, "<$0.01" under a cent.

    Rounds half up (0.0425 -> "$0.043") from the shortest decimal form of the float, so what is
    shown does not depend on binary float quirks. A third decimal of 0 is dropped ("$0.04").
    """
    if not math.isfinite(amount):
        raise ValueError(f"Not an amount of money: {amount!r}")
    if amount < 0:
        return "-" + format_usd(-amount)
    value = Decimal(repr(amount))
    if value == 0:
        return "$0.00"
    if value < Decimal("0.01"):
        return "<$0.01"
    if value < 1:
        text = f"{value.quantize(Decimal('0.001'), rounding=ROUND_HALF_UP):f}"
        return "$" + (text[:-1] if text.endswith("0") else text)
    return f"${value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,f}"


# -- the monthly budget ----------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetCheck:
    """Whether a run fits under the monthly cap; ``overrun`` is how far it would go past it."""

    cap: float | None
    month_spent: float
    run_estimate: float | None  # None: the run's price is unknown
    would_exceed: bool
    overrun: float  # US dollars beyond the cap if the run goes ahead; 0.0 when it fits
    remaining: float | None  # what the cap leaves before this run (0.0 once reached); None: no cap

    @property
    def message(self) -> str:
        """One sentence for the confirmation dialog or the status line."""
        if self.cap is None:
            return "No monthly budget set."
        cap = format_usd(self.cap)
        left = format_usd(self.remaining or 0.0)
        if self.run_estimate is None:
            if self.would_exceed:
                return f"This month's budget of {cap} is used up; this run's cost is unknown."
            return f"{left} of this month's {cap} left; this run's cost is unknown."
        if self.would_exceed:
            run, overrun = format_usd(self.run_estimate), format_usd(self.overrun)
            return f"This run (about {run}) would go {overrun} over this month's budget of {cap}."
        return f"This run fits: {left} of this month's {cap} left."


def check_budget(
    month_spent: float, estimate: CostEstimate | float | None, cap: float | None
) -> BudgetCheck:
    """Would this run take the month's spending past ``cap``?

    Reaching the cap exactly is within budget. A run of unknown price counts as exceeding only
    once the cap is reached, since any paid run would then go past it. No cap: never exceeds.
    """
    run = estimate.usd if isinstance(estimate, CostEstimate) else estimate
    spent_micro = _micro(month_spent, "month_spent")
    run_micro = None if run is None else _micro(run, "estimate")
    if cap is None:
        return BudgetCheck(None, month_spent, run, would_exceed=False, overrun=0.0, remaining=None)
    cap_micro = _micro(cap, "cap")
    after = spent_micro + (run_micro or 0)
    would_exceed = spent_micro >= cap_micro if run_micro is None else after > cap_micro
    return BudgetCheck(
        cap,
        month_spent,
        run,
        would_exceed=would_exceed,
        overrun=max(after - cap_micro, 0) / _MILLION,
        remaining=max(cap_micro - spent_micro, 0) / _MILLION,
    )


def _micro(amount: float, what: str) -> int:
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"{what} must be an amount of 0 or more, not {amount!r}")
    return round(amount * _MILLION)
