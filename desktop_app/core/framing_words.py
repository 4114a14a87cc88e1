"""How a run was framed, in a few words: "region 23 %", "3:2", "zoom out 2×".

Read from the run's recorded parameters (``recording._parameters`` writes ``mask``, ``shape`` and
``zoom_out``), so History, the lineage view and the command line name a run's framing alike. A
plain square run has no words: it is what every run was before shapes and regions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SQUARE = "1:1"


def framing_words(parameters: Mapping[str, Any]) -> str:
    """The framing of a run, " · "-joined; "" for a whole square."""
    words: list[str] = []
    shape = parameters.get("shape")
    if isinstance(shape, str) and shape and shape != SQUARE:
        words.append("whole picture" if shape == "picture" else shape)
    zoom = parameters.get("zoom_out")
    if isinstance(zoom, int | float) and not isinstance(zoom, bool) and zoom > 1:
        words.append(f"zoom out {zoom:g}×")
    mask = parameters.get("mask")
    if isinstance(mask, Mapping):
        share = mask.get("share")
        if isinstance(share, int | float) and not isinstance(share, bool) and zoom is None:
            words.append(f"region {max(1, round(share * 100))} %")
        elif zoom is None or mask.get("region") is True:
            # A zoom-out's mask is its border, so its share is not the region's.
            words.append("region")
    return " · ".join(words)
