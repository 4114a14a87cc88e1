from __future__ import annotations

import pytest

from desktop_app.core.framing_words import framing_words


@pytest.mark.parametrize(
    ("parameters", "words"),
    [
        ({}, ""),
        ({"shape": "1:1"}, ""),
        ({"shape": "3:2"}, "3:2"),
        ({"shape": "picture"}, "whole picture"),
        ({"mask": {"share": 0.234}}, "region 23 %"),
        ({"mask": {"share": 0.001}}, "region 1 %"),
        ({"mask": {}}, "region"),
        ({"shape": "16:9", "mask": {"share": 0.5}}, "16:9 · region 50 %"),
        # A zoom-out's mask is its border: the words say zoom out, not region.
        ({"shape": "3:2", "zoom_out": 1.5, "mask": {"share": 0.55}}, "3:2 · zoom out 1.5×"),
        ({"zoom_out": 2}, "zoom out 2×"),
        ({"zoom_out": 2, "mask": {"share": 0.8, "region": True}}, "zoom out 2× · region"),
        ({"zoom_out": True, "shape": 7}, ""),  # not what the app writes: no words
    ],
)
def test_a_runs_framing_in_words(parameters: dict[str, object], words: str) -> None:
    assert framing_words(parameters) == words
