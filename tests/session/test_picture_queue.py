"""The pictures waiting to be framed: "Vary this" while another picture is still opening."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pytestqt.qtbot import QtBot

from desktop_app.core.keystore import KeyStore
from desktop_app.core.preferences import Preferences
from desktop_app.core.shared_library import SharedLibrary
from desktop_app.qt.intake import PictureInput
from desktop_app.qt.tasks import TaskRunner
from desktop_app.session.session import Session
from tests.keyring_backends import MemoryBackend
from tests.session.conftest import close_session


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    runner = TaskRunner()
    library = SharedLibrary(tmp_path / "library")
    keystore = KeyStore(backend=MemoryBackend(), environ={})
    made = Session(runner, keystore, Preferences, library=library)
    yield made
    close_session(made, runner, library)


def _photo(path: Path, size: tuple[int, int]) -> Path:
    Image.linear_gradient("L").resize(size).convert("RGB").save(path, "JPEG")
    return path


def test_a_picture_to_vary_opens_once_the_one_opening_has(
    qtbot: QtBot, session: Session, tmp_path: Path
) -> None:
    opening = PictureInput(path=_photo(tmp_path / "opening.jpg", (600, 400)), name="opening.jpg")
    kept = PictureInput(path=_photo(tmp_path / "kept.jpg", (400, 400)), name="kept-v2.jpg")
    session.add_inputs([opening])
    session.add_inputs([kept], first=True)  # "Vary this" while opening.jpg is still opening

    qtbot.waitUntil(
        lambda: session.picture is not None and session.picture.label == "kept-v2.jpg",
        timeout=20_000,
    )
    assert session.waiting() == 0
