"""The cost maths: estimates before a run, actual cost after it, the budget cap, the price file.

Expected values are worked out by hand from the prices in the comments, not by the code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.cost import (
    CostEstimate,
    PriceFileError,
    PriceTable,
    check_budget,
    format_usd,
    no_price_note,
)
from desktop_app.core.results import Usage
from desktop_app.core.variation import Mode

SUNBURST = "gpt-image-2.6-sunburst"


@pytest.fixture(scope="module")
def shipped() -> PriceTable:
    return PriceTable.load()


def _price_file(
    tmp_path: Path, models: dict[str, Any], changes: dict[str, Any] | None = None
) -> Path:
    """A small price file: 1024x1024 medium is 100 output tokens, an upload 10 or 1000."""
    raw: dict[str, Any] = {
        "updated": "2026-01-01",
        "source": "test",
        "estimates": {
            "auto_quality": "medium",
            "auto_size": "1024x1024",
            "prompt_chars_per_token": 4,
            "partial_image_output_tokens": 100,
            "upload_image_tokens": {"low": 10, "high": 1000, "unset": "high"},
            "output_image_tokens": {"1024x1024": {"medium": 100}},
        },
        "models": models,
    }
    raw.update(changes or {})
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def _tokens(output: float) -> dict[str, Any]:
    return {"per_million_tokens": {"text_input": 1, "image_input": 2, "image_output": output}}


# -- the shipped file ------------------------------------------------------------------------


def test_the_shipped_price_file_loads_and_says_when_it_was_updated(shipped: PriceTable) -> None:
    assert date.fromisoformat(shipped.updated) <= date(2026, 12, 31)
    assert "API.md" in shipped.source
    assert {"gpt-image-2.6", "dall-e-2"} <= set(shipped.models)


def test_shipped_prices_for_the_2_6_family(shipped: PriceTable) -> None:
    prices = shipped.prices_for("gpt-image-2.6-flare-2026-12-01")
    assert prices is not None and prices.tokens is not None
    assert (prices.tokens.text_input, prices.tokens.image_input) == (5.0, 8.0)
    assert prices.tokens.image_output == 30.0


# -- estimates -------------------------------------------------------------------------------


def test_edit_estimate_adds_outputs_per_image_and_inputs_once(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        SUNBURST, mode="edit", n=2, size="1024x1024", quality="medium",
        prompt="x" * 40, input_fidelity="low",
    )  # fmt: skip
    # 2 x 440 x $30/M = 0.0264; upload 135 x $8/M = 0.00108; prompt 40/4 = 10 x $5/M = 0.00005
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.02753)
    assert estimate.assumptions == ()
    assert estimate.breakdown == (
        "2 images x ~440 output tokens $0.026 + picture ~135 tokens <$0.01"
        " + prompt ~10 tokens <$0.01"
    )
    assert estimate.label == "≈ $0.028"


def test_auto_quality_size_and_fidelity_are_estimated_and_say_so(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        SUNBURST, mode="edit", n=1, size="auto", quality="auto", prompt="abcde"
    )
    # medium 1024x1024: 440 x $30/M = 0.0132; unset fidelity = high: 3050 x $8/M = 0.0244;
    # 5 characters round up to 2 tokens: 2 x $5/M = 0.00001
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.03761)
    assert estimate.assumptions == (
        "quality auto counted as medium",
        "size auto counted as 1024x1024",
        "input fidelity unset counted as high",
    )


def test_a_listed_non_square_size_uses_its_row(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        SUNBURST, mode="edit", n=1, size="1536x1024", quality="xhigh", prompt="",
        input_fidelity="high",
    )  # fmt: skip
    # 4650 x $30/M = 0.1395; 3050 x $8/M = 0.0244
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.1639)


def test_an_unlisted_size_scales_the_square_figure_by_pixel_area(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        SUNBURST, mode="edit", n=1, size="2048x1024", quality="high", prompt="",
        input_fidelity="low",
    )  # fmt: skip
    # twice the pixels of 1024x1024: 2 x 1760 = 3520 x $30/M = 0.1056; 135 x $8/M = 0.00108
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.10668)
    assert "~3,520 output tokens" in estimate.breakdown


def test_partial_images_cost_extra_output_tokens_per_image(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        SUNBURST, mode="edit", n=3, size="1024x1024", quality="medium", prompt="",
        input_fidelity="low", partial_images=2,
    )  # fmt: skip
    # (440 + 2 x 100) x 3 = 1920 x $30/M = 0.0576; 135 x $8/M = 0.00108
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.05868)


def test_an_unknown_quality_or_size_gets_no_estimate(shipped: PriceTable) -> None:
    assert shipped.estimate(SUNBURST, mode="edit", n=1, size="1024x1024", quality="ultra",
                            prompt="") is None  # fmt: skip
    assert shipped.estimate(SUNBURST, mode="edit", n=1, size="huge", quality="low",
                            prompt="") is None  # fmt: skip


def test_unknown_models_get_no_estimate_and_a_note_saying_so(shipped: PriceTable) -> None:
    for model in ("gpt-image-2-2026-10-01", "gpt-image-3", "my-local-model"):
        assert shipped.estimate(model, mode="edit", n=1, size="auto", quality="auto",
                                prompt="") is None  # fmt: skip
        assert shipped.actual(model, mode="edit", usage=Usage(output_tokens=9), n=1,
                              size="auto") is None  # fmt: skip
    assert no_price_note("gpt-image-3") == (
        "No price known for gpt-image-3: cost not estimated (see prices.json)."
    )


def test_models_match_exactly_then_by_the_longest_family_prefix(tmp_path: Path) -> None:
    table = PriceTable.load(
        _price_file(
            tmp_path,
            {
                "gpt-image-2": _tokens(10),
                "gpt-image-2.5": _tokens(20),
                "gpt-image-2.5-flare": _tokens(15),
            },
        )
    )

    def entry(model: str) -> str | None:
        prices = table.prices_for(model)
        return None if prices is None else prices.entry

    assert entry("gpt-image-2") == "gpt-image-2"
    assert entry("gpt-image-2-2026-10-01") == "gpt-image-2"
    assert entry("gpt-image-2.5-sunburst") == "gpt-image-2.5"
    assert entry("gpt-image-2.5-flare") == "gpt-image-2.5-flare"
    assert entry("gpt-image-2.5-flare-2026-09-08") == "gpt-image-2.5-flare"
    assert entry("gpt-image-2.6-flare") is None  # not priced as gpt-image-2
    assert entry("gpt-image-20") is None


def test_a_model_may_carry_its_own_output_token_table(tmp_path: Path) -> None:
    own = {**_tokens(10), "output_image_tokens": {"1024x1024": {"medium": 300}}}
    table = PriceTable.load(_price_file(tmp_path, {"fast": own}))
    estimate = table.estimate(
        "fast", mode="edit", n=1, size="1024x1024", quality="medium", prompt="",
        input_fidelity="low",
    )  # fmt: skip
    # 300 x $10/M = 0.003; 10 x $2/M = 0.00002
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.00302)


def test_classic_estimate_is_the_price_per_image_times_images(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        "dall-e-2", mode="classic", n=3, size="512x512", quality="auto", prompt=""
    )
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.054)  # 3 x $0.018
    assert estimate.breakdown == "3 images x $0.018 (512x512)"
    auto = shipped.estimate("dall-e-2", mode=Mode.CLASSIC, n=1, size="auto", quality="auto",
                            prompt="")  # fmt: skip
    assert auto is not None
    assert auto.usd == pytest.approx(0.020)
    assert auto.assumptions == ("size auto counted as 1024x1024",)


def test_prices_of_the_wrong_kind_give_no_estimate(shipped: PriceTable) -> None:
    assert shipped.estimate("dall-e-2", mode="classic", n=1, size="2048x2048", quality="auto",
                            prompt="") is None  # fmt: skip
    assert shipped.estimate("dall-e-2", mode="edit", n=1, size="1024x1024", quality="low",
                            prompt="") is None  # fmt: skip
    assert shipped.estimate(SUNBURST, mode="classic", n=1, size="1024x1024", quality="low",
                            prompt="") is None  # fmt: skip


def test_a_mistyped_mode_or_no_images_is_refused(shipped: PriceTable) -> None:
    with pytest.raises(ValueError, match="Unknown mode"):
        shipped.estimate(SUNBURST, mode="clasic", n=1, size="auto", quality="auto",  # type: ignore[arg-type]
                         prompt="")  # fmt: skip
    with pytest.raises(ValueError, match="at least one image"):
        shipped.estimate(SUNBURST, mode="edit", n=0, size="auto", quality="auto", prompt="")


# -- actual cost from usage ------------------------------------------------------------------


def _actual(shipped: PriceTable, usage: Usage | None) -> float | None:
    return shipped.actual(SUNBURST, mode=Mode.EDIT, usage=usage, n=2, size="1024x1024")


def test_actual_cost_prices_each_kind_of_token(shipped: PriceTable) -> None:
    usage = Usage(
        input_tokens=1000, output_tokens=880, total_tokens=1880,
        input_text_tokens=50, input_image_tokens=950, output_image_tokens=880,
    )  # fmt: skip
    # 50 x $5 + 950 x $8 + 880 x $30 = 250 + 7600 + 26400 = 34250 per million
    assert _actual(shipped, usage) == pytest.approx(0.03425)


def test_input_tokens_without_details_count_at_the_image_input_rate(shipped: PriceTable) -> None:
    no_details = Usage(input_tokens=1000, output_tokens=880, total_tokens=1880)
    # 1000 x $8 + 880 x $30 = 8000 + 26400 = 34400 per million
    assert _actual(shipped, no_details) == pytest.approx(0.0344)
    only_text_detail = Usage(input_tokens=1000, output_tokens=880, input_text_tokens=50)
    # 50 x $5 + 950 x $8 + 880 x $30 = 34250 per million
    assert _actual(shipped, only_text_detail) == pytest.approx(0.03425)


def test_only_totals_are_enough(shipped: PriceTable) -> None:
    assert _actual(shipped, Usage(total_tokens=1880, output_tokens=880)) == pytest.approx(0.0344)
    # output known only from its details: 880 x $30 = 26400 per million, no input reported
    assert _actual(shipped, Usage(output_image_tokens=880)) == pytest.approx(0.0264)


def test_no_usage_or_empty_usage_is_unknown_not_free(shipped: PriceTable) -> None:
    assert _actual(shipped, None) is None
    assert _actual(shipped, Usage()) is None


def test_classic_actual_cost_counts_images_received(shipped: PriceTable) -> None:
    cost = shipped.actual("dall-e-2", mode="classic", usage=None, n=2, size="256x256")
    assert cost == pytest.approx(0.032)  # 2 x $0.016
    assert shipped.actual("dall-e-2", mode="classic", usage=None, n=0, size="256x256") == 0.0
    assert shipped.actual("dall-e-2", mode="classic", usage=None, n=1, size="99x99") is None


# -- display ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0.0, "$0.00"),
        (0.004, "<$0.01"),
        (0.0099, "<$0.01"),
        (0.01, "$0.01"),
        (0.042, "$0.042"),
        (0.04, "$0.04"),
        (0.1, "$0.10"),
        (0.0425, "$0.043"),  # half up
        (0.0424999, "$0.042"),
        (0.9996, "$1.00"),
        (1.005, "$1.01"),  # half up from the decimal 1.005, although the float is 1.00499...
        (12.3, "$12.30"),
        (1234.5, "$1,234.50"),
        (-0.5, "-$0.50"),
    ],
)
def test_format_usd(amount: float, shown: str) -> None:
    assert format_usd(amount) == shown


def test_format_usd_refuses_what_is_not_an_amount() -> None:
    with pytest.raises(ValueError):
        format_usd(float("nan"))


# -- the budget ------------------------------------------------------------------------------


def test_no_cap_never_exceeds() -> None:
    check = check_budget(1_000.0, 50.0, None)
    assert not check.would_exceed
    assert (check.overrun, check.remaining) == (0.0, None)
    assert check.message == "No monthly budget set."


def test_reaching_the_cap_exactly_is_within_budget() -> None:
    check = check_budget(9.97, 0.03, 10.0)
    assert not check.would_exceed
    assert check.overrun == 0.0
    assert check.remaining == pytest.approx(0.03)
    assert check.message == "This run fits: $0.03 of this month's $10.00 left."


def test_float_noise_does_not_push_an_exact_fit_over() -> None:
    million = 1e6
    assert 0.1 + 0.2 > 0.3  # what naive comparisons trip over, in dollars
    assert 0.14 * million + 1.87 * million > 2.01 * million  # and in micro-dollars
    assert not check_budget(0.1, 0.2, 0.3).would_exceed
    assert not check_budget(0.14, 1.87, 2.01).would_exceed


def test_going_over_says_by_how_much() -> None:
    estimate = CostEstimate(usd=0.05, breakdown="")
    check = check_budget(9.99, estimate, 10.0)
    assert check.would_exceed
    assert check.overrun == pytest.approx(0.04)
    assert check.message == (
        "This run (about $0.05) would go $0.04 over this month's budget of $10.00."
    )


def test_already_over_the_cap() -> None:
    check = check_budget(12.0, 0.01, 10.0)
    assert check.would_exceed
    assert check.overrun == pytest.approx(2.01)
    assert check.remaining == 0.0


def test_a_run_of_unknown_price_exceeds_only_once_the_cap_is_reached() -> None:
    below = check_budget(5.0, None, 10.0)
    assert not below.would_exceed
    assert below.message == "$5.00 of this month's $10.00 left; this run's cost is unknown."
    reached = check_budget(10.0, None, 10.0)
    assert reached.would_exceed
    assert reached.overrun == 0.0


def test_a_zero_cap_allows_only_free_runs() -> None:
    assert check_budget(0.0, 0.001, 0.0).would_exceed
    assert not check_budget(0.0, 0.0, 0.0).would_exceed


def test_negative_amounts_are_refused() -> None:
    for spent, run, cap in ((-1.0, 0.0, 1.0), (0.0, -1.0, 1.0), (0.0, 0.0, -1.0)):
        with pytest.raises(ValueError, match="0 or more"):
            check_budget(spent, run, cap)


# -- a damaged price file --------------------------------------------------------------------


def test_a_missing_price_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PriceFileError, match="Cannot read the price file"):
        PriceTable.load(tmp_path / "nowhere.json")


def test_a_price_file_that_is_not_json_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text('{"models": {', encoding="utf-8")
    with pytest.raises(PriceFileError, match="not valid JSON"):
        PriceTable.load(path)


@pytest.mark.parametrize(
    ("models", "changes", "message"),
    [
        ({"m": _tokens(-3)}, {}, r"models\.m\.per_million_tokens\.image_output must be a number"),
        ({"m": _tokens(True)}, {}, r"image_output must be a number"),  # a bool is not a price
        ({"m": {"family": "M"}}, {}, r"models\.m needs per_million_tokens or per_image"),
        ({"m": {"per_image": {"1024x1024": "cheap"}}}, {}, r"per_image\.1024x1024"),
        ({}, {"models": []}, r"models must be a JSON object"),
        ({}, {"updated": ""}, r"updated must be a non-empty string"),
        ({}, {"estimates": {}}, r"estimates\.upload_image_tokens must be a JSON object"),
    ],
)
def test_a_malformed_price_file_names_the_bad_field(
    tmp_path: Path, models: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(PriceFileError, match=message):
        PriceTable.load(_price_file(tmp_path, models, changes))


def test_a_price_file_error_is_a_value_error() -> None:
    assert issubclass(PriceFileError, ValueError)


def test_importing_the_cost_module_stays_cheap() -> None:
    script = (
        "import sys, desktop_app.core.cost; print('PIL' in sys.modules, 'httpx' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["False", "False"]
