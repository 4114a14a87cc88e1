"""The server's model list: which image models are live, which to pick, what replaces a dead one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop_app.core.capabilities import CLASSIC_MODEL, is_gpt_image_model, is_image_model

SHUTDOWN_WARNING_DAYS = 30
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")
_VERSION = re.compile(r"^(?:gpt-image|chatgpt-image)-(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class ModelInfo:
    id: str
    owned_by: str = ""
    shutdown_date: dt.date | None = None
    # The request fields the server lists for this model (OpenRouter does); () = not said.
    parameters: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ModelInfo | None:
        model_id = raw.get("id")
        if not isinstance(model_id, str) or not model_id:
            return None
        owner = raw.get("owned_by")
        return cls(
            id=model_id,
            owned_by=owner if isinstance(owner, str) else "",
            shutdown_date=_parse_date(raw.get("shutdown_date")),
        )

    def days_left(self, today: dt.date) -> int | None:
        return None if self.shutdown_date is None else (self.shutdown_date - today).days

    def shutting_down(self, today: dt.date) -> bool:
        """True when the model is gone or goes within the warning window."""
        days = self.days_left(today)
        return days is not None and days <= SHUTDOWN_WARNING_DAYS

    @property
    def is_snapshot(self) -> bool:
        return bool(_SNAPSHOT.search(self.id))


def _parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def image_models(models: Iterable[ModelInfo]) -> list[ModelInfo]:
    return sorted((m for m in models if is_image_model(m.id)), key=lambda m: m.id)


def _bare(model_id: str) -> str:
    """OpenRouter's "openai/gpt-image-2" is gpt-image-2."""
    return model_id.rsplit("/", 1)[-1]


def _preference(model: ModelInfo) -> tuple[float, int, int, str]:
    version = _VERSION.match(_bare(model.id))
    number = float(version.group(1)) if version else 0.0
    # Sunburst is described as the choice where editing precision matters: variations are edits.
    flavour = 2 if "sunburst" in model.id else 1 if "flare" not in model.id else 0
    alias = 0 if model.is_snapshot else 1
    return (number, flavour, alias, model.id)


def choose_default_model(models: Iterable[ModelInfo], today: dt.date) -> str | None:
    """The newest live GPT Image model, preferring aliases and precision-oriented variants."""
    models = list(models)
    gpt_image = [m for m in models if is_gpt_image_model(_bare(m.id))]
    candidates = [m for m in gpt_image if not m.shutting_down(today)]
    if not candidates:
        candidates = [m for m in gpt_image if not _gone(m, today)]
    if not candidates:
        return None
    return max(candidates, key=_preference).id


def suggest_replacement(models: Iterable[ModelInfo], dead_model: str, today: dt.date) -> str | None:
    """A live model to offer instead of ``dead_model`` (never the dead one itself)."""
    live = [m for m in models if m.id != dead_model]
    if dead_model.startswith("dall-e-") and any(m.id == CLASSIC_MODEL for m in live):
        return CLASSIC_MODEL
    return choose_default_model(live, today)


def _gone(model: ModelInfo, today: dt.date) -> bool:
    days = model.days_left(today)
    return days is not None and days < 0
