"""The family tree against a real library: three generations with branches, the chosen picture
highlighted, keyboard walking, activation, thumbnails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library, RunRecord
from desktop_app.ui.history.lineage import RESULT_ID_ROLE, LineageView
from tests.ui.history.helpers import add_run, png


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "library") as opened:
        yield opened


@pytest.fixture
def family(library: Library) -> dict[str, RunRecord]:
    """first -> (a0, a1); a0 -> second (b0, b1); a1 -> third (c0); b1 -> fourth (d0)."""
    first = add_run(
        library,
        prompt="first",
        minute=0,
        source=png("#2266aa", (120, 90)),
        source_name="harbour.jpg",
        results=[png("#aa3322"), png("#22aa33")],
    )
    second = add_run(
        library,
        prompt="second",
        minute=1,
        results=[png("#aaaa22"), png("#aa22aa")],
        parent_result_id=first.results[0].id,
    )
    third = add_run(
        library,
        prompt="third",
        minute=2,
        results=[png("#22aaaa")],
        parent_result_id=first.results[1].id,
    )
    fourth = add_run(
        library,
        prompt="fourth",
        minute=3,
        results=[png("#555555")],
        parent_result_id=second.results[1].id,
        model="gpt-image-1.5",
    )
    return {"first": first, "second": second, "third": third, "fourth": fourth}


@pytest.fixture
def view(qtbot: QtBot, library: Library) -> Iterator[LineageView]:
    widget = LineageView(library)
    qtbot.addWidget(widget)
    widget.resize(460, 440)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    assert widget.wait_idle(), "a thumbnail decode outlived its test"


def shape(item: QTreeWidgetItem) -> tuple[object, list[object]]:
    """(result id or "source", children's shapes): the tree without its labels."""
    result_id = item.data(0, RESULT_ID_ROLE) or "source"
    return (
        result_id,
        [shape(child) for n in range(item.childCount()) if (child := item.child(n)) is not None],
    )


def test_three_generations_hang_under_the_picture_they_came_from(
    view: LineageView, family: dict[str, RunRecord]
) -> None:
    a0, a1 = (r.id for r in family["first"].results)
    b0, b1 = (r.id for r in family["second"].results)
    c0 = family["third"].results[0].id
    d0 = family["fourth"].results[0].id
    view.show_lineage(d0)
    root = view.tree.topLevelItem(0)
    assert root is not None and view.tree.topLevelItemCount() == 1
    assert shape(root) == ("source", [(a0, [(b0, []), (b1, [(d0, [])])]), (a1, [(c0, [])])])
    assert root.text(0) == "Original picture · harbour.jpg"
    assert view.caption.text().startswith("6 pictures over 3 generations")


def test_the_chosen_picture_is_current_and_bold(
    view: LineageView, family: dict[str, RunRecord]
) -> None:
    b1 = family["second"].results[1].id
    view.show_lineage(b1)
    current = view.tree.currentItem()
    assert current is not None and current.data(0, RESULT_ID_ROLE) == b1
    assert current.font(0).bold()
    assert current.text(0).endswith("(this picture)")
    bold = [
        item
        for item in view.tree.findItems(
            "", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive
        )
        if item.font(0).bold()
    ]
    assert bold == [current]


def test_walking_with_the_keyboard_and_activating_a_picture(
    qtbot: QtBot, view: LineageView, family: dict[str, RunRecord]
) -> None:
    b1 = family["second"].results[1].id
    d0 = family["fourth"].results[0].id
    view.show_lineage(b1)
    view.tree.setFocus()
    qtbot.keyClick(view.tree, Qt.Key.Key_Down)  # from b1 down to its child
    with qtbot.waitSignal(view.resultActivated, timeout=30_000) as activated:
        qtbot.keyClick(view.tree, Qt.Key.Key_Return)
    assert activated.args == [d0]


def test_the_original_picture_is_no_result_to_activate(
    qtbot: QtBot, view: LineageView, family: dict[str, RunRecord]
) -> None:
    view.show_lineage(family["first"].results[0].id)
    root = view.tree.topLevelItem(0)
    assert root is not None
    view.tree.setCurrentItem(root)
    with qtbot.assertNotEmitted(view.resultActivated, wait=50):
        qtbot.keyClick(view.tree, Qt.Key.Key_Return)


def test_thumbnails_replace_the_placeholders(
    qtbot: QtBot, view: LineageView, family: dict[str, RunRecord]
) -> None:
    view.show_lineage(family["third"].results[0].id)
    qtbot.waitUntil(lambda: view.thumbnails.pending() == 0, timeout=30_000)
    root = view.tree.topLevelItem(0)
    assert root is not None
    icon = root.icon(0).pixmap(48, 48).toImage()
    assert icon.pixelColor(icon.width() // 2, icon.height() // 2).name() == "#2266aa"


def test_an_unknown_result_is_a_key_error(view: LineageView) -> None:
    with pytest.raises(KeyError):
        view.show_lineage("no-such-result")


def test_screenshot_of_the_family_tree(
    qtbot: QtBot, view: LineageView, family: dict[str, RunRecord], screenshots: Path
) -> None:
    view.show_lineage(family["second"].results[1].id)
    qtbot.waitUntil(lambda: view.thumbnails.pending() == 0, timeout=30_000)
    qtbot.wait(50)
    assert view.grab().save(str(screenshots / "lineage.png"))
