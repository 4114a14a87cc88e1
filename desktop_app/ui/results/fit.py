"""How a run's variations share the space they are given: every one visible at once, each as
large as the space allows.

Plain arithmetic, apart from the widgets, so that it can be checked for every count and every
screen without building a window. A cell is a picture of the run's shape (``aspect``, width /
height: 1 for a square run, 1.5 for 3:2) plus a fixed frame around it (its caption and
buttons): ``chrome`` is that frame's extra width and height.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Fit:
    columns: int
    rows: int
    side: int  # the picture's width, in logical pixels (its side, for a square run)
    fits: bool  # False: even the smallest side does not fit, and the grid must scroll
    aspect: float = 1.0  # the picture's width / height

    @property
    def height(self) -> int:
        """The picture's height, in logical pixels."""
        return max(1, round(self.side / self.aspect))


def best_fit(
    count: int,
    width: int,
    height: int,
    *,
    chrome: tuple[int, int],
    gap: int,
    least: int,
    most: int,
    aspect: float = 1.0,
) -> Fit:
    """The column count that gives the largest pictures of ``aspect``, and their width
    (at least ``least``, the buttons' row; the long side at most ``most``). Ties go to fewer
    rows: a wide screen fills across first."""
    count = max(count, 1)
    widest = most if aspect >= 1 else round(most * aspect)
    best: Fit | None = None
    for columns in range(1, count + 1):
        rows = math.ceil(count / columns)
        if (rows - 1) * columns >= count:
            continue  # a row would stay empty: the same rows with fewer columns are larger
        across = (width - (columns - 1) * gap) // columns - chrome[0]
        down = (height - (rows - 1) * gap) // rows - chrome[1]
        side = min(across, math.floor((down + 0.5) * aspect), widest)
        while side > 1 and round(side / aspect) > down:  # the height is rounded from it
            side -= 1
        if best is None or side > best.side or (side == best.side and rows < best.rows):
            best = Fit(columns, rows, side, fits=True, aspect=aspect)
    assert best is not None
    if best.side >= least:
        return best
    # Too small everywhere: the widest layout that keeps the smallest side, scrolling down.
    columns = max(1, min(count, (width + gap) // (least + chrome[0] + gap)))
    rows = math.ceil(count / columns)
    return Fit(columns, rows, least, fits=False, aspect=aspect)
