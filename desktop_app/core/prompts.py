"""Variation prompts: the strength of a variation lives in its wording (and input fidelity)."""

from __future__ import annotations

import enum

_LEAD = "Create a new variation of this image."


class Strength(enum.Enum):
    SUBTLE = "subtle"
    BALANCED = "balanced"
    STRONG = "strong"


_WORDING = {
    Strength.SUBTLE: (
        f"{_LEAD} Keep the composition, subject, colour palette and style; vary only small "
        "details, texture and lighting."
    ),
    Strength.BALANCED: (
        f"{_LEAD} Keep the subject and the overall style; vary the composition, pose, "
        "background and details."
    ),
    Strength.STRONG: (
        f"{_LEAD} Keep only the main subject and the mood; reinterpret everything else freely."
    ),
}

# Higher fidelity to the input keeps a subtle variation close to its source.
_FIDELITY = {Strength.SUBTLE: "high", Strength.BALANCED: "low", Strength.STRONG: "low"}


def variation_prompt(strength: Strength) -> str:
    return _WORDING[strength]


def input_fidelity(strength: Strength) -> str:
    return _FIDELITY[strength]
