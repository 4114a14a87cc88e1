"""The window and the command line run the same use case: same records, names and stories.

Both go through desktop_app.core.run; this drives each from its own surface with the same
picture, square, settings and preferences, and compares what the library keeps and what lands
in the save folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_app import cli
from desktop_app.core import metadata
from desktop_app.core.imaging import Square
from desktop_app.core.keystore import KeyStore
from desktop_app.core.library import Library, RunRecord
from desktop_app.core.paths import config_folder
from desktop_app.core.preferences import PreferencesStore
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import WindowFactory, _jpeg, _load

TEMPLATE = "{source}-{index:02d}"  # no time in it: the two runs happen a moment apart
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


def _comparable(record: RunRecord) -> dict[str, object]:
    return {
        "mode": record.mode,
        "model": record.model,
        "parameters": record.parameters,
        "prompt": record.prompt,
        "crop": record.crop,
        "source": record.source_hash,
        "outcome": record.outcome,
        "results": [(r.index, r.format) for r in record.results],
    }


def _story(path: Path) -> dict[str, object]:
    story: dict[str, object] = dict(metadata.read(path.read_bytes()))
    for differs in ("request_id", "time"):  # one request each, a moment apart
        assert story.pop(differs)
    story["parameters"] = json.loads(str(story["parameters"]))
    return story


def test_the_window_and_the_command_line_keep_and_save_the_same(
    qtbot: QtBot,
    make_window: WindowFactory,
    api_server: FakeOpenAI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings_file = config_folder() / "settings.json"
    store = PreferencesStore(settings_file)
    prefs = store.load()
    prefs.filename_template = TEMPLATE
    prefs.save_format = "png"
    store.save(prefs)
    photo = _jpeg(tmp_path / "photo.jpg", (900, 600))

    window = make_window(api_server, settings=settings_file, size=(1180, 820))
    _load(qtbot, window, photo)
    window.parameters.count.setValue(2)
    window.parameters.quality.setCurrentIndex(window.parameters.quality.findData("low"))
    qtbot.waitUntil(lambda: window.session.prepared is not None, timeout=20_000)
    square = window.session.crop
    assert isinstance(square, Square)
    window.on_generate()
    qtbot.waitUntil(lambda: window.session.running, timeout=10_000)
    qtbot.waitUntil(lambda: not window.session.running, timeout=30_000)
    assert len(window.session.results) == 2
    by_window = tmp_path / "window"
    with qtbot.waitSignal(window.session.saved, timeout=20_000):
        window.session.save([0, 1], by_window)

    by_cli = tmp_path / "cli"
    monkeypatch.setenv("OPENAI_BASE_URL", api_server.base_url)
    crop = f"{square.x},{square.y},{square.side}"
    code = cli.main(
        ["vary", str(photo), "-n", "2", "--quality", "low", "--stream", "--crop", crop,
         "--out", str(by_cli)],
        keystore=KeyStore(environ={"OPENAI_API_KEY": CANARY_KEY}),
    )  # fmt: skip
    assert code == cli.EXIT_OK

    library = Library.open()
    try:
        window_run, cli_run = (library.run(s.id) for s in library.runs(limit=2)[::-1])
    finally:
        library.close()
    assert window_run is not None and cli_run is not None
    assert _comparable(window_run) == _comparable(cli_run)

    names = sorted(p.name for p in by_window.iterdir())
    assert names == ["photo-01.png", "photo-02.png"] == sorted(p.name for p in by_cli.iterdir())
    for name in names:
        assert _story(by_window / name) == _story(by_cli / name)
    edits = [r for r in api_server.requests if r.path == "/v1/images/edits"]
    assert edits[0].files[0].data == edits[1].files[0].data  # the very same upload bytes
