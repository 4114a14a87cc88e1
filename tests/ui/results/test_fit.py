"""The arithmetic that shares the grid's space among a run's variations."""

from __future__ import annotations

import math

import pytest

from desktop_app.ui.results.fit import best_fit

CHROME = (16, 57)  # about a real cell's frame: margins, caption and buttons
GAP = 6


def _block(count: int, columns: int, side: int) -> tuple[int, int]:
    rows = math.ceil(count / columns)
    width = columns * (side + CHROME[0]) + (columns - 1) * GAP
    height = rows * (side + CHROME[1]) + (rows - 1) * GAP
    return width, height


@pytest.mark.parametrize("count", range(1, 11))
@pytest.mark.parametrize("room", [(600, 330), (1000, 560), (1500, 800), (400, 900), (2400, 500)])
def test_the_chosen_layout_fits_and_no_other_gives_larger_pictures(
    count: int, room: tuple[int, int]
) -> None:
    fit = best_fit(count, *room, chrome=CHROME, gap=GAP, least=96, most=4000)
    assert fit.fits
    assert fit.columns * fit.rows >= count and (fit.rows - 1) * fit.columns < count
    width, height = _block(count, fit.columns, fit.side)
    assert width <= room[0] and height <= room[1]
    for columns in range(1, count + 1):  # every other column count, at one pixel more
        width, height = _block(count, columns, fit.side + 1)
        assert width > room[0] or height > room[1], columns


def test_a_wide_room_puts_four_in_a_row_and_a_square_one_two_by_two() -> None:
    assert best_fit(4, 1200, 330, chrome=CHROME, gap=GAP, least=96, most=4000).columns == 4
    assert best_fit(4, 700, 760, chrome=CHROME, gap=GAP, least=96, most=4000).columns == 2


def test_a_single_picture_stops_growing_at_the_largest_side() -> None:
    fit = best_fit(1, 3000, 3000, chrome=CHROME, gap=GAP, least=96, most=1024)
    assert fit.side == 1024


def test_too_little_room_keeps_the_smallest_side_and_scrolls() -> None:
    fit = best_fit(10, 300, 200, chrome=CHROME, gap=GAP, least=96, most=1024)
    assert not fit.fits and fit.side == 96
    assert fit.columns == 2 and fit.rows == 5  # as wide as fits, then down


@pytest.mark.parametrize("count", range(1, 11))
@pytest.mark.parametrize("aspect", [1.5, 16 / 9, 2 / 3, 9 / 16])
@pytest.mark.parametrize("room", [(600, 330), (1000, 560), (1500, 800), (400, 900)])
def test_pictures_of_a_shape_fit_and_no_other_layout_gives_larger_ones(
    count: int, aspect: float, room: tuple[int, int]
) -> None:
    fit = best_fit(count, *room, chrome=CHROME, gap=GAP, least=60, most=4000, aspect=aspect)
    assert abs(fit.side / fit.height - aspect) < 0.05
    if not fit.fits:  # ten tall pictures in a low room: the smallest width, scrolling
        assert fit.side == 60 and room[1] < 600
        return
    rows = math.ceil(count / fit.columns)
    width = fit.columns * (fit.side + CHROME[0]) + (fit.columns - 1) * GAP
    height = rows * (fit.height + CHROME[1]) + (rows - 1) * GAP
    assert width <= room[0] and height <= room[1]
    for columns in range(1, count + 1):  # every other column count, one pixel wider
        rows = math.ceil(count / columns)
        wider = fit.side + 1
        width = columns * (wider + CHROME[0]) + (columns - 1) * GAP
        height = rows * (round(wider / aspect) + CHROME[1]) + (rows - 1) * GAP
        assert width > room[0] or height > room[1], columns


def test_a_3_2_run_in_a_wide_low_room_gets_larger_pictures_than_squares_would() -> None:
    room = (1030, 480)  # the results' room on a 1366 x 768 laptop
    square = best_fit(4, *room, chrome=CHROME, gap=GAP, least=96, most=4000)
    wide = best_fit(4, *room, chrome=CHROME, gap=GAP, least=96, most=4000, aspect=1.5)
    # A 3:2 picture in a square cell is as wide as the cell and two thirds as high.
    assert wide.side * wide.height > 1.2 * square.side * round(square.side / 1.5)
    tall = best_fit(1, 3000, 3000, chrome=CHROME, gap=GAP, least=96, most=1024, aspect=2 / 3)
    assert tall.height == 1024  # the long side stops at the largest
