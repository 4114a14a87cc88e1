"""Reading prices.json: one file a person can update, checked field by field as it loads.

Prices live in ``prices.json`` beside this module (it explains its own fields). A field of
the wrong shape is refused with its dotted path, so a typo in an update says where it is
instead of turning into a wrong estimate.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.core.cost.estimate import CostEstimate, CostMode, actual_cost, estimate_cost
from desktop_app.core.cost.rates import Assumptions, ModelPrices, TokenPrices
from desktop_app.core.results import Usage

__all__ = ["PriceFileError", "PriceTable"]


class PriceFileError(ValueError):
    """The price file is missing, not JSON, or has a field of the wrong shape."""


@dataclass(frozen=True)
class PriceTable:
    updated: str
    source: str
    models: Mapping[str, ModelPrices]
    assumptions: Assumptions

    @classmethod
    def load(cls, path: Path | None = None) -> PriceTable:
        """The price table from ``path``, or the one shipped with the app."""
        from importlib import resources  # ~10 ms: only when prices are first needed

        try:
            if path is None:
                text = (
                    resources.files("desktop_app.core.cost")
                    .joinpath("prices.json")
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
        mode: CostMode,
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
        return estimate_cost(
            self.prices_for(model),
            self.assumptions,
            mode=mode,
            n=n,
            size=size,
            quality=quality,
            prompt=prompt,
            input_images=input_images,
            partial_images=partial_images,
        )

    def actual(
        self, model: str, *, mode: CostMode, usage: Usage | None, n: int, size: str
    ) -> float | None:
        """What a finished run cost (see :func:`actual_cost`); None when it cannot be told."""
        return actual_cost(self.prices_for(model), mode=mode, usage=usage, n=n, size=size)


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


def _assumptions(raw: Mapping[str, Any]) -> Assumptions:
    inputs = _mapping(raw.get("input_image_tokens"), "estimates.input_image_tokens")
    chars_per_token = _price(raw.get("prompt_chars_per_token"), "estimates.prompt_chars_per_token")
    if chars_per_token == 0:
        raise PriceFileError("estimates.prompt_chars_per_token must be more than 0.")
    tables = _mapping(raw.get("output_q"), "estimates.output_q")
    return Assumptions(
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
