"""Shapes and the sizes asked for them: every size is one the model accepts (the capability
table's own rule), as near the shape as the model allows, at about the area wanted."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.capabilities import (
    MAX_PIXELS,
    MIN_PIXELS,
    STANDARD_SIZES,
    capabilities_for,
)
from desktop_app.core.imaging import Shape, size_for_ratio

CUSTOM_MODELS = ("gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.6-sunburst")
STANDARD_MODELS = ("gpt-image-1.5", "chatgpt-image-latest", "someone-elses-model", "")
PICTURES = ((4032, 3024), (3024, 4032), (6000, 1000), (1000, 6000), (1080, 1080), (1919, 1081))


def _sides(size: str) -> tuple[int, int]:
    width, height = size.split("x")
    return int(width), int(height)


def _log_error(size: str, ratio: tuple[int, int]) -> float:
    width, height = _sides(size)
    return abs(math.log(width / height) - math.log(ratio[0] / ratio[1]))


@pytest.mark.parametrize("model", CUSTOM_MODELS + STANDARD_MODELS)
@pytest.mark.parametrize("shape", list(Shape))
@pytest.mark.parametrize("picture", PICTURES)
def test_every_shape_gets_a_size_the_model_accepts(
    model: str, shape: Shape, picture: tuple[int, int]
) -> None:
    size = size_for_ratio(shape.ratio(picture), model)
    assert capabilities_for(model).accepts_size(size), (model, shape, size)
    assert size != "auto"


@pytest.mark.parametrize("model", STANDARD_MODELS)
@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (Shape.SQUARE, "1024x1024"),
        (Shape.LANDSCAPE, "1536x1024"),
        (Shape.PORTRAIT, "1024x1536"),
        (Shape.WIDE, "1536x1024"),
        (Shape.TALL, "1024x1536"),
    ],
)
def test_conservative_models_get_the_nearest_standard_size(
    model: str, shape: Shape, expected: str
) -> None:
    assert size_for_ratio(shape.ratio(), model) == expected
    assert size_for_ratio(shape.ratio(), model, "1024x1536") == expected  # the area is fixed


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [((5, 4), "1536x1024"), ((6, 5), "1024x1024"), ((4, 5), "1024x1536"), ((1, 9), "1024x1536")],
)
def test_the_nearest_standard_size_is_nearest_in_ratio(
    ratio: tuple[int, int], expected: str
) -> None:
    assert size_for_ratio(ratio, "gpt-image-1") == expected


@pytest.mark.parametrize("model", CUSTOM_MODELS)
@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        (Shape.SQUARE, "1024x1024"),
        (Shape.LANDSCAPE, "1248x832"),  # exactly 3:2
        (Shape.PORTRAIT, "832x1248"),
        (Shape.WIDE, "1360x768"),  # 16:9 to 0.4 %
        (Shape.TALL, "768x1360"),
    ],
)
def test_custom_size_models_get_the_shape_at_about_a_megapixel(
    model: str, shape: Shape, expected: str
) -> None:
    assert size_for_ratio(shape.ratio(), model) == expected
    assert size_for_ratio(shape.ratio(), model, "auto") == expected


@given(
    st.integers(1, 50),
    st.integers(1, 50),
    st.sampled_from([None, "auto", *STANDARD_SIZES[1:], "2048x1152", "2880x2880", "1280x512"]),
)
def test_custom_sizes_are_valid_near_the_ratio_and_the_area(
    across: int, down: int, chosen: str | None
) -> None:
    ratio = (across, down)
    size = size_for_ratio(ratio, "gpt-image-2", chosen)
    width, height = _sides(size)
    assert capabilities_for("gpt-image-2").accepts_size(size)
    assert width % 16 == 0 and height % 16 == 0
    wanted = across / down
    clamped = min(max(wanted, 1 / 3), 3)
    area = 1024 * 1024 if chosen in (None, "auto") else math.prod(_sides(chosen))
    # The long edge (3840) limits the area of the most extreme ratios at the largest areas.
    reachable = min(area, MAX_PIXELS, 3840 * 3840 * min(clamped, 1 / clamped))
    assert abs(math.log(width / height / clamped)) < 0.02  # within 2 % of the shape
    assert abs(math.log(width * height / reachable)) < 0.12  # within about 12 % of the area
    assert MIN_PIXELS <= width * height <= MAX_PIXELS


def test_the_chosen_size_sets_the_area() -> None:
    assert size_for_ratio((3, 2), "gpt-image-2", "1536x1024") == "1536x1024"
    assert size_for_ratio((2, 3), "gpt-image-2", "1536x1024") == "1024x1536"
    big = size_for_ratio((16, 9), "gpt-image-2", "2880x2880")
    assert big == "3840x2160" and _log_error(big, (16, 9)) == 0


def test_ratios_beyond_1_to_3_are_clamped_to_it() -> None:
    wide = size_for_ratio((10, 1), "gpt-image-2")
    tall = size_for_ratio((1, 10), "gpt-image-2")
    assert _sides(wide)[0] == 3 * _sides(wide)[1]
    assert _sides(tall)[1] == 3 * _sides(tall)[0]


def test_the_whole_picture_takes_the_pictures_ratio() -> None:
    assert Shape.PICTURE.ratio((4032, 3024)) == (4, 3)
    assert Shape.PICTURE.ratio((1920, 1080)) == (16, 9)
    assert Shape.PICTURE.ratio() == (1, 1)  # no picture yet
    assert size_for_ratio(Shape.PICTURE.ratio((4032, 3024)), "gpt-image-2") == "1152x864"
    with pytest.raises(ValueError):
        Shape.PICTURE.ratio((0, 10))


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("1:1", Shape.SQUARE),
        ("square", Shape.SQUARE),
        ("3:2", Shape.LANDSCAPE),
        ("2:3", Shape.PORTRAIT),
        ("16:9", Shape.WIDE),
        (" 9:16 ", Shape.TALL),
        ("picture", Shape.PICTURE),
        ("Whole", Shape.PICTURE),
    ],
)
def test_shapes_parse_from_the_command_line(text: str, shape: Shape) -> None:
    assert Shape.parse(text) is shape


@pytest.mark.parametrize("text", ["4:3", "", "3x2", "wide"])
def test_unknown_shapes_are_refused_with_the_choices(text: str) -> None:
    with pytest.raises(ValueError, match="1:1, 3:2, 2:3, 16:9, 9:16, picture"):
        Shape.parse(text)


def test_labels_name_the_presets() -> None:
    assert [shape.label for shape in Shape] == [
        "Square",
        "3:2",
        "2:3",
        "16:9",
        "9:16",
        "Whole picture",
    ]
