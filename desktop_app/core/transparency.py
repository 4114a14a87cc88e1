"""Keeping a picture's transparency: when the app offers it and what it does to a request.

Only some models make transparent backgrounds (the capability table says which), and a
transparent background needs PNG or WebP output: JPEG has no alpha and the API answers 400
(API.md section 4). The window, the CLI and ``build_request`` all decide through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_app.core.capabilities import capabilities_for

TRANSPARENT_FORMATS = ("png", "webp")
FALLBACK_FORMAT = "png"  # when the user chose JPEG: lossless and what the API defaults to


@dataclass(frozen=True)
class TransparencyOffer:
    """What the "Keep transparency" choice looks like for one source and model."""

    shown: bool  # the source has transparent areas and the mode sends a background
    possible: bool  # the model can make transparent backgrounds
    explanation: str  # what keeping does, or why it cannot be kept (a tooltip)

    @property
    def default(self) -> bool:
        """Keep by default whenever it can be kept: losing the transparency surprises people."""
        return self.shown and self.possible


def can_keep_transparency(model: str) -> bool:
    return bool(model) and capabilities_for(model).transparent_background


def transparency_offer(
    source_transparent: bool, model: str, *, classic: bool = False
) -> TransparencyOffer:
    # The classic endpoint has no background parameter: there is nothing to offer there.
    shown = source_transparent and not classic
    if can_keep_transparency(model):
        return TransparencyOffer(
            shown,
            True,
            "Ask for a transparent background, so the picture's transparent areas stay "
            "transparent in the variations (PNG or WebP).",
        )
    if not model:
        why = "Choose a model first: only some models can make transparent backgrounds."
    else:
        why = (
            f"{model} cannot make transparent backgrounds, so the variations will be opaque. "
            "Choose another model to keep the transparency."
        )
    return TransparencyOffer(shown, False, why)


def resolve_keep(wish: bool | None, source_transparent: bool, model: str) -> bool:
    """The CLI's rule: an explicit wish wins; without one, keep when source and model allow."""
    if wish is None:
        return source_transparent and can_keep_transparency(model)
    return wish


def output_format_for(output_format: str, keep: bool) -> str:
    """The format to ask for: JPEG cannot carry transparency, so keeping it means PNG."""
    if keep and output_format not in TRANSPARENT_FORMATS:
        return FALLBACK_FORMAT
    return output_format


def transparency_notes(keep: bool, output_format: str, model: str) -> list[str]:
    """Sentences telling the user how keeping transparency changes what they asked for."""
    if not keep:
        return []
    if not can_keep_transparency(model):
        return [
            f"{model or 'This model'} cannot make transparent backgrounds: "
            "the variations will be opaque."
        ]
    if output_format_for(output_format, keep) != output_format:
        return [
            f"{output_format.upper()} cannot hold transparency: the variations will be "
            f"{FALLBACK_FORMAT.upper()}."
        ]
    return []
