"""One click from a result: Vary subtle and Vary strong make the result the source and start a
run with that strength's wording at once; Vary region makes it the source with the region tool
in hand; the cell's Vary menu offers them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.prompts import Strength, variation_prompt
from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import WindowFactory, _generate, _jpeg, _load

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support raise\(\)")


def _edit_prompts(server: FakeOpenAI) -> list[str | None]:
    return [r.value("prompt") for r in server.requests if r.path.endswith("/images/edits")]


@pytest.mark.parametrize("kind", ["subtle", "strong"])
def test_vary_subtle_or_strong_starts_a_run_from_the_result_with_that_wording(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path, kind: str
) -> None:
    window = make_window(api_server)
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 2)
    first_run = window.session.run_id
    cell = window.results._cell(1)
    assert cell is not None

    cell.vary_action(kind).trigger()

    qtbot.waitUntil(lambda: window.session.run_id not in (None, first_run), timeout=20_000)
    qtbot.waitUntil(lambda: not window.session.running, timeout=20_000)
    picture = window.session.picture
    assert picture is not None and picture.label.startswith("photo-v2")
    assert _edit_prompts(api_server) == [
        variation_prompt(Strength.BALANCED),
        variation_prompt(Strength(kind)),
    ]
    assert window.parameters.settings().strength is Strength(kind)


def test_the_vary_menu_offers_subtle_strong_and_region_on_a_finished_result(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    window = make_window(api_server)
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 1)
    cell = window.results._cell(0)
    assert cell is not None
    texts = [action.text() for action in cell.vary_menu.actions()]
    assert texts == ["Vary subtle", "Vary strong", "Vary region…"]
    assert cell.vary_button.menu() is cell.vary_menu


def test_vary_region_makes_the_result_the_source_with_the_region_tool_in_hand(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    window = make_window(api_server)
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 2)
    cell = window.results._cell(0)
    assert cell is not None

    cell.vary_action("region").trigger()

    qtbot.waitUntil(lambda: window.source.region.is_painting(), timeout=20_000)
    picture = window.session.picture
    assert picture is not None and picture.label.startswith("photo-v2")
    assert window.moods.currentWidget() is window.source, "the framing view is shown"
    assert window.source.region.region() is None, "a new source starts without a region"
    assert api_server.count("/v1/images/edits") == 1  # only the first run: nothing paid yet
