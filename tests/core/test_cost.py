"""The cost maths: estimates before a run, actual cost after it, the budget cap, the price file.

Expected values are worked out by hand from the prices in the comments, not by the code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
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
    output_image_tokens,
)
from desktop_app.core.results import Usage

SUNBURST = "gpt-image-2.6-sunburst"


@pytest.fixture(scope="module")
def shipped() -> PriceTable:
    return PriceTable.load()


def _price_file(
    tmp_path: Path, models: dict[str, Any], changes: dict[str, Any] | None = None
) -> Path:
    """A small price file: q 16 at medium (1024x1024: 196 output tokens), 100 per input image."""
    raw: dict[str, Any] = {
        "updated": "2026-01-01",
        "source": "test",
        "estimates": {
            "auto_quality": "medium",
            "auto_size": "1024x1024",
            "prompt_chars_per_token": 4,
            "partial_image_output_tokens": 100,
            "input_image_tokens": {"per_image": 100},
            "output_q": {"small": {"medium": 16}},
        },
        "models": models,
    }
    raw.update(changes or {})
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def _tokens(output: float, **more: Any) -> dict[str, Any]:
    return {
        "per_million_tokens": {"text_input": 1, "image_input": 2, "image_output": output},
        **more,
    }


# -- the shipped file ------------------------------------------------------------------------


def test_the_shipped_price_file_loads_and_says_when_it_was_updated(shipped: PriceTable) -> None:
    assert date.fromisoformat(shipped.updated) <= date(2026, 12, 31)
    assert "API.md" in shipped.source
    assert {"gpt-image-2.6", "dall-e-2"} <= set(shipped.models)


@pytest.mark.parametrize("model", ["gpt-image-2", "gpt-image-2.5-sunburst", SUNBURST])
def test_shipped_token_prices_of_every_2_x_family(shipped: PriceTable, model: str) -> None:
    prices = shipped.prices_for(model)
    assert prices is not None and prices.tokens is not None
    rates = prices.tokens
    assert (rates.text_input, rates.cached_text_input) == (5.0, 1.25)
    assert (rates.image_input, rates.cached_image_input) == (8.0, 2.0)
    assert rates.image_output == 30.0
    assert rates.text_output == (10.0 if model == "gpt-image-2" else None)


def test_the_2_6_family_is_priced_by_its_prefix(shipped: PriceTable) -> None:
    prices = shipped.prices_for("gpt-image-2.6-flare-2026-12-01")
    assert prices is not None and prices.entry == "gpt-image-2.6"


# -- estimates -------------------------------------------------------------------------------

# API.md section 7, gpt-image-2.5: output tokens of one image by size and quality.
_WORKED_EXAMPLES_2_5 = [
    ("1024x1024", "low", 196),
    ("1024x1024", "medium", 439),
    ("1024x1024", "high", 1756),
    ("1024x1024", "xhigh", 3122),
    ("1024x1024", "max", 7024),
    ("1536x1024", "low", 158),
    ("1536x1024", "medium", 343),
    ("1536x1024", "high", 1372),
    ("1536x1024", "xhigh", 2459),
    ("1536x1024", "max", 5488),
    ("3840x2160", "high", 3336),
]


@pytest.mark.parametrize(("size", "quality", "tokens"), _WORKED_EXAMPLES_2_5)
def test_2_5_estimates_match_the_worked_examples(
    shipped: PriceTable, size: str, quality: str, tokens: int
) -> None:
    estimate = shipped.estimate(
        "gpt-image-2.5-flare", mode="edit", n=1, size=size, quality=quality, prompt=""
    )
    assert estimate is not None
    assert f"1 image x ~{tokens:,} output tokens " in estimate.breakdown
    # outputs at $30/M plus one input picture of 1,536 tokens at $8/M
    assert estimate.usd == pytest.approx((tokens * 30 + 1536 * 8) / 1e6)
    assert estimate.assumptions == () and not estimate.unpublished


@pytest.mark.parametrize(("size", "quality", "tokens"), _WORKED_EXAMPLES_2_5)
def test_the_formula_reproduces_the_worked_examples_exactly(
    size: str, quality: str, tokens: int
) -> None:
    q = {"low": 16, "medium": 24, "high": 48, "xhigh": 64, "max": 96}[quality]
    width, height = (int(side) for side in size.split("x"))
    assert output_image_tokens(q, width, height) == tokens
    assert output_image_tokens(q, height, width) == tokens  # portrait costs as landscape


@pytest.mark.parametrize(
    ("size", "quality", "tokens"),
    [
        # q 16 / 48 / 96; 1024x1024: s = q, so tokens = ceil(q^2 x 3,048,576 / 4,000,000)
        ("1024x1024", "low", 196),  # 256 x 0.762144 = 195.1
        ("1024x1024", "medium", 1756),  # 2304 x 0.762144 = 1755.98
        ("1024x1024", "high", 7024),  # 9216 x 0.762144 = 7023.92
        # 1536x1024: s = floor((2q x 1024 + 1536) / 3072) = 11 / 32 / 64; x 3,572,864 / 4e6
        ("1536x1024", "low", 158),  # 16 x 11 = 176 x 0.893216 = 157.2
        ("1536x1024", "medium", 1372),  # 48 x 32 = 1536 x 0.893216 = 1371.98
        ("1536x1024", "high", 5488),  # 96 x 64 = 6144 x 0.893216 = 5487.92
    ],
)
def test_gpt_image_2_estimates_follow_its_own_q_table(
    shipped: PriceTable, size: str, quality: str, tokens: int
) -> None:
    estimate = shipped.estimate(
        "gpt-image-2-2026-04-21", mode="edit", n=1, size=size, quality=quality, prompt=""
    )
    assert estimate is not None
    assert f"~{tokens:,} output tokens" in estimate.breakdown
    assert not estimate.unpublished
    assert shipped.estimate("gpt-image-2", mode="edit", n=1, size=size, quality="xhigh",
                            prompt="") is None  # fmt: skip


def test_2_6_is_estimated_with_the_2_5_table_and_marked_unpublished(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        SUNBURST, mode="edit", n=1, size="1536x1024", quality="xhigh", prompt=""
    )
    assert estimate is not None
    assert estimate.unpublished
    assert "~2,459 output tokens" in estimate.breakdown  # the 2.5 figure
    assert estimate.assumptions == (
        "gpt-image-2.6 output tokens are unpublished: estimated with the gpt-image-2.5 figures",
    )


def test_edit_estimate_adds_outputs_per_image_and_inputs_once(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        "gpt-image-2.5-sunburst", mode="edit", n=2, size="1024x1024", quality="medium",
        prompt="x" * 40,
    )  # fmt: skip
    # 2 x 439 x $30/M = 0.02634; picture 1536 x $8/M = 0.012288; prompt 40/4 = 10 x $5/M = 0.00005
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.038678)
    assert estimate.assumptions == ()
    assert estimate.breakdown == (
        "2 images x ~439 output tokens $0.026 + picture ~1,536 tokens $0.012"
        " + prompt ~10 tokens <$0.01"
    )
    assert estimate.label == "≈ $0.039"


def test_upload_tokens_are_per_input_image_whatever_the_fidelity(shipped: PriceTable) -> None:
    def estimate(**options: Any) -> CostEstimate:
        result = shipped.estimate(
            "gpt-image-2.5-flare", mode="edit", n=1, size="1024x1024", quality="low",
            prompt="", **options,
        )  # fmt: skip
        assert result is not None
        return result

    one, three = estimate(), estimate(input_images=3)
    # 3 x 1536 = 4608 input tokens: two more pictures at 1536 x $8/M = 0.012288 each
    assert three.usd - one.usd == pytest.approx(2 * 0.012288)
    assert "3 pictures ~4,608 tokens" in three.breakdown
    for fidelity in ("low", "high", None):
        assert estimate(input_fidelity=fidelity) == one  # accepted, but no longer counts
    with pytest.raises(ValueError, match="at least one image"):
        estimate(input_images=0)


def test_auto_quality_and_size_are_estimated_and_say_so(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        "gpt-image-2.5-flare", mode="edit", n=1, size="auto", quality="auto", prompt="abcde"
    )
    # medium 1024x1024: 439 x $30/M = 0.01317; 1536 x $8/M = 0.012288;
    # 5 characters round up to 2 tokens: 2 x $5/M = 0.00001
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.025468)
    assert estimate.assumptions == (
        "quality auto counted as medium",
        "size auto counted as 1024x1024",
    )


def test_any_valid_size_uses_the_formula_not_pixel_area(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        "gpt-image-2.5-flare", mode="edit", n=1, size="2048x1024", quality="high", prompt=""
    )
    # s = floor((96 x 1024 + 2048) / 4096) = 24; ceil(48 x 24 x 4,097,152 / 4e6) = 1180
    # (area scaling from 1024x1024 would have said 2 x 1756 = 3512)
    assert estimate is not None
    assert "~1,180 output tokens" in estimate.breakdown
    assert estimate.usd == pytest.approx((1180 * 30 + 1536 * 8) / 1e6)


def test_partial_images_cost_extra_output_tokens_per_image(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        "gpt-image-2.5-flare", mode="edit", n=3, size="1024x1024", quality="medium", prompt="",
        partial_images=2,
    )  # fmt: skip
    # (439 + 2 x 100) x 3 = 1917 x $30/M = 0.05751; 1536 x $8/M = 0.012288
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.069798)


def test_an_unknown_quality_or_size_gets_no_estimate(shipped: PriceTable) -> None:
    assert shipped.estimate(SUNBURST, mode="edit", n=1, size="1024x1024", quality="ultra",
                            prompt="") is None  # fmt: skip
    assert shipped.estimate(SUNBURST, mode="edit", n=1, size="huge", quality="low",
                            prompt="") is None  # fmt: skip


def test_unknown_models_get_no_estimate_and_a_note_saying_so(shipped: PriceTable) -> None:
    for model in ("gpt-image-1", "gpt-image-3", "gpt-image-20", "my-local-model"):
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


def test_a_model_names_a_shared_q_table_or_carries_its_own(tmp_path: Path) -> None:
    table = PriceTable.load(
        _price_file(
            tmp_path,
            {
                "shared": _tokens(10, output_q="small"),
                "own": _tokens(10, output_q={"medium": 24}),
                "borrowed": _tokens(10, output_q="small", output_q_published=False),
                "none": _tokens(10),
            },
        )
    )

    def estimate(model: str) -> CostEstimate | None:
        return table.estimate(model, mode="edit", n=1, size="1024x1024", quality="medium",
                              prompt="")  # fmt: skip

    shared, own, borrowed = estimate("shared"), estimate("own"), estimate("borrowed")
    # q 16: 196 x $10/M = 0.00196; q 24: 439 x $10/M = 0.00439; upload 100 x $2/M = 0.0002
    assert shared is not None and shared.usd == pytest.approx(0.00216)
    assert own is not None and own.usd == pytest.approx(0.00459)
    assert borrowed is not None and borrowed.unpublished and not shared.unpublished
    assert borrowed.usd == shared.usd
    assert estimate("none") is None  # no output figures: no guess


def test_classic_estimate_is_the_price_per_image_times_images(shipped: PriceTable) -> None:
    estimate = shipped.estimate(
        "dall-e-2", mode="classic", n=3, size="512x512", quality="auto", prompt=""
    )
    assert estimate is not None
    assert estimate.usd == pytest.approx(0.054)  # 3 x $0.018
    assert estimate.breakdown == "3 images x $0.018 (512x512)"
    auto = shipped.estimate("dall-e-2", mode="classic", n=1, size="auto", quality="auto",
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
    return shipped.actual(SUNBURST, mode="edit", usage=usage, n=2, size="1024x1024")


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


def test_usage_reads_the_cached_input_tokens() -> None:
    usage = Usage.from_json(
        {"input_tokens": 1000, "input_tokens_details": {"cached_tokens": 600, "image_tokens": 9}}
    )
    assert usage is not None and usage.input_cached_tokens == 600


def test_cached_input_tokens_are_priced_at_the_cached_rate(shipped: PriceTable) -> None:
    usage = Usage(
        input_tokens=1000, output_tokens=880, input_text_tokens=50, input_image_tokens=950,
        output_image_tokens=880, input_cached_tokens=600,
    )  # fmt: skip
    # Not said whether text or picture was cached: the text cache saves less ($3.75 vs $6), so
    # it is taken first. 50 x $1.25 + 550 x $2 + 400 x $8 + 880 x $30
    # = 62.5 + 1100 + 3200 + 26400 = 30762.5 per million
    assert _actual(shipped, usage) == pytest.approx(0.0307625)
    # more cached than text: the rest comes off the pictures at $2 instead of $8
    usage = replace(usage, input_cached_tokens=1000)
    # 50 x $1.25 + 950 x $2 + 880 x $30 = 62.5 + 1900 + 26400 = 28362.5 per million
    assert _actual(shipped, usage) == pytest.approx(0.0283625)


def test_cached_tokens_without_a_cached_price_cost_the_full_rate(tmp_path: Path) -> None:
    table = PriceTable.load(_price_file(tmp_path, {"m": _tokens(10)}))
    usage = Usage(input_tokens=100, output_tokens=10, input_cached_tokens=100)
    # 100 x $2 + 10 x $10 = 300 per million, as if nothing were cached
    assert table.actual("m", mode="edit", usage=usage, n=1, size="auto") == pytest.approx(0.0003)


def test_text_output_is_priced_apart_only_where_the_details_split_it(shipped: PriceTable) -> None:
    usage = Usage(input_tokens=100, output_tokens=1100, output_image_tokens=1000)
    # gpt-image-2: 100 x $8 + 1000 x $30 + 100 text x $10 = 800 + 30000 + 1000 per million
    assert shipped.actual("gpt-image-2", mode="edit", usage=usage, n=1,
                          size="1024x1024") == pytest.approx(0.0318)  # fmt: skip
    # 2.5 has no text output price: all output at $30, 800 + 33000 per million
    assert shipped.actual("gpt-image-2.5-flare", mode="edit", usage=usage, n=1,
                          size="1024x1024") == pytest.approx(0.0338)  # fmt: skip


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
        ({}, {"estimates": {}}, r"estimates\.input_image_tokens must be a JSON object"),
        ({"m": _tokens(1, output_q="nowhere")}, {}, r"models\.m\.output_q names 'nowhere'"),
        ({"m": _tokens(1, output_q={"low": 1.5})}, {}, r"models\.m\.output_q\.low"),
        ({"m": _tokens(1, output_q_published="no")}, {}, r"output_q_published must be true"),
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
