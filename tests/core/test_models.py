from __future__ import annotations

import datetime as dt

from desktop_app.core.capabilities import (
    CONSERVATIVE,
    capabilities_for,
    custom_size_is_valid,
    size_side,
)
from desktop_app.core.models import ModelInfo, choose_default_model, suggest_replacement

TODAY = dt.date(2026, 11, 23)
LISTED = [
    ModelInfo("gpt-image-2"),
    ModelInfo("gpt-image-2-2026-04-21"),
    ModelInfo("gpt-image-2.5-flare"),
    ModelInfo("gpt-image-2.5-sunburst-2026-09-08"),
    ModelInfo("gpt-image-2.6-flare"),
    ModelInfo("gpt-image-2.6-sunburst"),
    ModelInfo("gpt-image-1.5", shutdown_date=dt.date(2026, 12, 1)),
    ModelInfo("dall-e-2"),
]


def test_the_default_is_the_newest_live_precision_model() -> None:
    assert choose_default_model(LISTED, TODAY) == "gpt-image-2.6-sunburst"


def test_models_close_to_shutdown_are_not_chosen_nor_suggested() -> None:
    only_old = [
        ModelInfo("gpt-image-1.5", shutdown_date=dt.date(2026, 12, 1)),
        ModelInfo("gpt-image-2"),
    ]
    assert choose_default_model(only_old, TODAY) == "gpt-image-2"
    assert suggest_replacement(LISTED, "gpt-image-2.6-sunburst", TODAY) == "gpt-image-2.6-flare"
    assert ModelInfo("x", shutdown_date=dt.date(2026, 12, 1)).shutting_down(TODAY)
    assert not ModelInfo("x", shutdown_date=dt.date(2027, 6, 1)).shutting_down(TODAY)


def test_a_dead_classic_model_is_replaced_by_the_classic_one_when_served() -> None:
    assert suggest_replacement(LISTED, "dall-e-3", TODAY) == "dall-e-2"


def test_nothing_to_choose_gives_none() -> None:
    assert choose_default_model([ModelInfo("whisper-1")], TODAY) is None


def test_capabilities_by_family_and_the_conservative_default() -> None:
    assert capabilities_for("gpt-image-2.6-flare-2026-09-08").complexity
    assert not capabilities_for("gpt-image-2-2026-04-21").input_fidelity
    assert capabilities_for("gpt-image-2.5-sunburst").custom_sizes
    assert "xhigh" in capabilities_for("gpt-image-2.5-flare").qualities
    assert capabilities_for("gpt-image-9-nova") is CONSERVATIVE
    assert capabilities_for("gpt-image-1.5").transparent_background
    assert not CONSERVATIVE.input_fidelity and not CONSERVATIVE.custom_sizes


def test_custom_sizes() -> None:
    assert custom_size_is_valid("2048x1152")
    assert not custom_size_is_valid("1000x1000")  # not divisible by 16
    assert not custom_size_is_valid("3840x1024")  # wider than 3:1
    assert not custom_size_is_valid("4096x2160")  # long edge over 3840
    # API.md section 4: 655,360..8,294,400 pixels, whatever the shorter side.
    assert not custom_size_is_valid("512x512")
    assert not custom_size_is_valid("1024x608")
    assert custom_size_is_valid("1280x512")
    assert custom_size_is_valid("2560x2560")
    assert custom_size_is_valid("2880x2880")
    assert custom_size_is_valid("3840x2160")
    assert not custom_size_is_valid("3840x2176")
    assert size_side("1536x1024") == 1536 and size_side("auto") == 1024


def test_2x_capabilities_follow_the_api_notes() -> None:
    for model in ("gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.6-sunburst"):
        assert not capabilities_for(model).input_fidelity
        assert capabilities_for(model).custom_sizes
    assert not capabilities_for("gpt-image-2").transparent_background
    assert capabilities_for("gpt-image-2.5-sunburst").transparent_background
    assert capabilities_for("gpt-image-2.6-flare").transparent_background
    assert "max" in capabilities_for("gpt-image-2.6-flare").qualities
    assert "xhigh" not in capabilities_for("gpt-image-2").qualities
    assert capabilities_for("gpt-image-2.6-flare").complexity
