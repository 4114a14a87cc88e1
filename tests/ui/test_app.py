"""The real start-up path (``run_window``): the frame paints first, then the panels are built,
then the picture from the command line opens and the models load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_app.ui.main_window import MainWindow
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import _jpeg


def test_run_window_paints_the_frame_before_building_the_panels(
    tmp_path: Path, api_server: FakeOpenAI
) -> None:
    photo = _jpeg(tmp_path / "photo.jpg")
    env = _app_env(api_server)
    child = subprocess.run(
        [sys.executable, "-m", "tests.ui.run_window_child", str(photo)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == 0, child.stderr
    seen = _result(child.stdout)
    assert seen == {
        "frame painted before attach": True,
        "visible before attach": True,
        "collector on while building": False,
        "client modules after attach": [],
        "collector on while finishing": False,
        "picture": "photo.jpg",
        "title": "Image Variations",
        "collector on once shown": True,
        "exit code": 0,
    }
    assert api_server.count("/v1/models") >= 1
    assert "Traceback" not in child.stderr


def test_the_frame_alone_ignores_drops_and_closes_cleanly(qtbot: QtBot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert not window.attached
    assert window.statusBar().currentMessage() == "Getting ready…"
    window.open_inputs([])  # before the panels exist nothing is opened, and nothing fails
    assert window.close()


def _app_env(api_server: FakeOpenAI) -> dict[str, str]:
    return {
        **os.environ,
        "OPENAI_API_KEY": CANARY_KEY,
        "OPENAI_BASE_URL": api_server.base_url,
        "QT_QPA_PLATFORM": "offscreen",
    }


def _start_first_window(env: dict[str, str]) -> subprocess.Popen[str]:
    """The running window, in a child that reports when its panels are attached."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.ui.run_window_child"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _result(stdout: str) -> dict[str, object]:
    line = stdout.strip().splitlines()[-1]
    result: dict[str, object] = json.loads(line)
    return result


def test_a_second_start_hands_its_picture_to_the_running_window(
    tmp_path: Path, api_server: FakeOpenAI
) -> None:
    photo = _jpeg(tmp_path / "photo.jpg")
    env = _app_env(api_server)
    first = _start_first_window(env)
    try:
        assert first.stdout is not None
        assert first.stdout.readline().strip() == "attached"
        second = subprocess.run(
            [sys.executable, "-m", "desktop_app", str(photo)],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 0, second.stderr
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, err
    assert _result(out)["picture"] == "photo.jpg"  # opened by the first window, not a second


def test_open_with_from_the_desktop_entry_reaches_the_running_window(
    tmp_path: Path, api_server: FakeOpenAI
) -> None:
    """The installed desktop entry, launched by GLib as a file manager's "Open with" would,
    hands the picture to the window that is already running."""
    import shutil

    from desktop_app import desktop_entry

    gio = shutil.which("gio")
    assert gio, "gio is missing (package libglib2.0-bin): run scripts/install-system-deps test"
    photo = _jpeg(tmp_path / "holiday photo.jpg")
    env = _app_env(api_server)
    home = tmp_path / "share"
    desktop_entry.install(home, command=[sys.executable, "-m", "desktop_app"])
    installed = home / "applications" / desktop_entry.DESKTOP_FILE
    first = _start_first_window(env)
    try:
        assert first.stdout is not None
        assert first.stdout.readline().strip() == "attached"
        launched = subprocess.run(
            [gio, "launch", str(installed), str(photo)],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert launched.returncode == 0, launched.stderr
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, err
    assert _result(out)["picture"] == "holiday photo.jpg"
