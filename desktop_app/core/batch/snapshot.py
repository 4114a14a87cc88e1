"""A run's settings as plain JSON values, and back: each batch item keeps its own snapshot on
disk, so a batch resumed after a restart sends exactly what was queued."""

from __future__ import annotations

import dataclasses
from typing import Any

from desktop_app.core.imaging.shape import Shape
from desktop_app.core.prompts import Strength
from desktop_app.core.variation import Mode, VariationSettings

_ENUMS: dict[str, Any] = {"mode": Mode, "strength": Strength, "shape": Shape}


def settings_to_dict(settings: VariationSettings) -> dict[str, object]:
    values = dataclasses.asdict(settings)
    for name in _ENUMS:
        values[name] = values[name].value
    return values


def settings_from_dict(values: dict[str, object]) -> VariationSettings:
    """The settings of a snapshot; ValueError (with the field) for one this version cannot read
    (a damaged or hand-edited journal)."""
    known = {f.name for f in dataclasses.fields(VariationSettings)}
    kwargs: dict[str, Any] = {k: v for k, v in values.items() if k in known}
    for name, kind in _ENUMS.items():
        if name in kwargs:
            try:
                kwargs[name] = kind(kwargs[name])
            except ValueError:
                raise ValueError(f"unknown {name} {kwargs[name]!r}") from None
    try:
        return VariationSettings(**kwargs)
    except TypeError as exc:
        raise ValueError(str(exc)) from None
