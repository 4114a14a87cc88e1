"""Tab through a window part by part, in the order the parts read.

Qt keeps one focus chain per window, in the order widgets joined it: a part built later (after
the first paint) joins at its end, whatever its place on screen. ``QWidget.setTabOrder`` on a
part moves only that widget, not the widgets inside it, so the chain is laid again widget by
widget.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def order_tabs(window: QWidget, parts: Sequence[QWidget]) -> None:
    """Tab reaches the widgets of ``parts[0]``, then those of ``parts[1]``, ...; inside each
    part, and elsewhere in ``window``, the order stays as it was."""
    inside: list[list[QWidget]] = [[] for _ in parts]
    widget = window.nextInFocusChain()
    while widget is not None and widget is not window:  # the chain is a ring
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            for index, part in enumerate(parts):
                if widget is part or part.isAncestorOf(widget):
                    inside[index].append(widget)
                    break
        widget = widget.nextInFocusChain()
    chain = [widget for widgets in inside for widget in widgets]
    for first, second in itertools.pairwise(chain):
        QWidget.setTabOrder(first, second)
