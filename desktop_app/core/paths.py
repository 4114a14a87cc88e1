"""Where the app keeps its files, per the platform's conventions (via platformdirs, not Qt).

On Linux platformdirs honours the XDG variables: ``XDG_DATA_HOME`` and ``XDG_CONFIG_HOME`` for
the data and config folders, and for Pictures first ``XDG_PICTURES_DIR``, then the
``XDG_PICTURES_DIR`` line of ``$XDG_CONFIG_HOME/user-dirs.dirs`` (``~/.config/user-dirs.dirs``),
then ``~/Pictures``. None of these functions creates a folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import platformdirs

__all__ = ["APP_DIR_NAME", "config_folder", "data_folder", "default_output_folder"]

APP_DIR_NAME: Final = "Image Variations"


def default_output_folder() -> Path:
    """The user's Pictures folder / ``Image Variations``: where results go unless changed."""
    return Path(platformdirs.user_pictures_dir()) / APP_DIR_NAME


def data_folder() -> Path:
    """The app's data folder (history, thumbnails): ``~/.local/share/Image Variations`` on Linux,
    ``~/Library/Application Support/Image Variations`` on macOS, ``%LOCALAPPDATA%\\Image
    Variations`` on Windows."""
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


def config_folder() -> Path:
    """The app's settings folder: ``~/.config/Image Variations`` on Linux; the same as
    :func:`data_folder` on macOS and Windows."""
    return Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False))
