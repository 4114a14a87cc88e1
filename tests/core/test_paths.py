"""The app's folders, checked against what platformdirs does on Linux (XDG variables, HOME and
user-dirs.dirs), always under tmp_path: the real user folders are never touched."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop_app.core.paths import (
    APP_DIR_NAME,
    config_folder,
    data_folder,
    default_output_folder,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="checks the XDG rules platformdirs uses on Linux"
)

XDG_VARS = (
    "XDG_PICTURES_DIR",
    "XDG_DATA_HOME",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_STATE_HOME",
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake HOME with no XDG variables set."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in XDG_VARS:
        monkeypatch.delenv(name, raising=False)
    return home


def test_app_dir_name() -> None:
    assert APP_DIR_NAME == "Image Variations"


def test_defaults_under_home(home: Path) -> None:
    assert default_output_folder() == home / "Pictures" / APP_DIR_NAME
    assert data_folder() == home / ".local" / "share" / APP_DIR_NAME
    assert config_folder() == home / ".config" / APP_DIR_NAME


def test_xdg_variables_win(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_PICTURES_DIR", str(tmp_path / "pics"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert default_output_folder() == tmp_path / "pics" / APP_DIR_NAME
    assert data_folder() == tmp_path / "data" / APP_DIR_NAME
    assert config_folder() == tmp_path / "config" / APP_DIR_NAME


def test_relative_xdg_variables_are_ignored(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The XDG spec says relative paths are invalid; platformdirs falls back to the defaults.
    monkeypatch.setenv("XDG_PICTURES_DIR", "relative/pics")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    assert default_output_folder() == home / "Pictures" / APP_DIR_NAME
    assert data_folder() == home / ".local" / "share" / APP_DIR_NAME


def test_pictures_from_user_dirs_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = home / ".config"
    config.mkdir()
    (config / "user-dirs.dirs").write_text(
        '# written by xdg-user-dirs-update\nXDG_PICTURES_DIR="$HOME/Bilder"\n', encoding="utf-8"
    )
    assert default_output_folder() == home / "Bilder" / APP_DIR_NAME
    # the variable still wins over the file
    monkeypatch.setenv("XDG_PICTURES_DIR", str(home / "Elsewhere"))
    assert default_output_folder() == home / "Elsewhere" / APP_DIR_NAME


def test_user_dirs_file_follows_xdg_config_home(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "user-dirs.dirs").write_text(
        f'XDG_PICTURES_DIR="{tmp_path}/Fotos"\n', encoding="utf-8"
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    assert default_output_folder() == tmp_path / "Fotos" / APP_DIR_NAME


def test_nothing_is_created(home: Path) -> None:
    default_output_folder()
    data_folder()
    config_folder()
    assert list(home.iterdir()) == []


def test_results_are_paths(home: Path) -> None:
    for folder in (default_output_folder(), data_folder(), config_folder()):
        assert isinstance(folder, Path)
        assert folder.is_absolute()
        assert folder.name == APP_DIR_NAME
