"""The window's view model on its own: a picture in, a run out, its state set once from the
outcome. No widgets: the real Session, TaskRunner and local API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from desktop_app.core.imaging import loading, open_image, streaming
from desktop_app.core.keystore import KeyStore
from desktop_app.core.preferences import Preferences, Profile
from desktop_app.core.run import RunOutcome
from desktop_app.core.shared_library import SharedLibrary
from desktop_app.core.variation import VariationSettings
from desktop_app.qt.intake import PictureInput
from desktop_app.qt.tasks import TaskRunner
from desktop_app.session.session import LoadedPicture, Session
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI, Fault
from tests.keyring_backends import MemoryBackend
from tests.session.conftest import close_session

EDITS = "/v1/images/edits"


@pytest.fixture
def session(qtbot: QtBot, api_server: FakeOpenAI, tmp_path: Path) -> Iterator[Session]:
    keystore = KeyStore(backend=MemoryBackend(), environ={})
    keystore.set("Local", CANARY_KEY)
    prefs = Preferences(profiles=[Profile("Local", api_server.base_url)], active_profile="Local")
    runner = TaskRunner()
    library = SharedLibrary(tmp_path / "library")
    made = Session(runner, keystore, lambda: prefs, library=library)
    photo = tmp_path / "photo.jpg"
    Image.linear_gradient("L").resize((600, 400)).convert("RGB").save(photo, "JPEG")
    made.add_inputs([PictureInput(path=photo, name="photo.jpg")])
    qtbot.waitUntil(lambda: made.prepared is not None, timeout=20_000)
    yield made
    close_session(made, runner, library)


def test_a_run_sets_the_state_once_from_its_outcome(
    qtbot: QtBot, session: Session, api_server: FakeOpenAI
) -> None:
    session.set_settings(VariationSettings(n=2))  # same mode and size: the upload stays
    prepared = session.prepared
    assert prepared is not None
    with qtbot.waitSignal(session.runSucceeded, timeout=30_000) as succeeded:
        assert session.generate()
    outcome = succeeded.args[0]
    assert isinstance(outcome, RunOutcome)
    assert sorted(session.results) == [0, 1]
    assert session.run_id == outcome.run_id is not None
    assert session.result_ids == dict(outcome.stored) and len(session.result_ids) == 2
    assert session.last_cost == outcome.cost and session.last_model == outcome.model
    assert session.story is not None and session.story["model"] == outcome.model
    # What the preview showed is what was sent.
    assert api_server.requests[-1].files[0].data == prepared.upload.data


def test_a_failed_run_keeps_its_record_ids(
    qtbot: QtBot, session: Session, api_server: FakeOpenAI
) -> None:
    api_server.inject(Fault("moderation_blocked"), path=EDITS)
    with qtbot.waitSignal(session.runFailed, timeout=30_000) as failed:
        session.generate()
    assert "safety system" in str(failed.args[0])
    assert session.run_id is not None and session.results == {}
    qtbot.waitUntil(lambda: not session.running, timeout=30_000)


def test_a_camera_photo_is_decoded_once_at_reduced_scale_for_preview_and_upload(
    qtbot: QtBot, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory: a 12 MP photo is shown from 2000 px, decoded at half scale, not in full; its
    full size still stands for the crop and the upload. Those pixels serve the first upload
    (no second decode of the photo) and are then let go of by the picture, as the window lets
    go of its preview once it has its own copies."""
    photo = tmp_path / "camera.jpg"
    Image.linear_gradient("L").resize((4000, 3000)).convert("RGB").save(photo, "JPEG")
    decodes: list[object] = []
    shrink, load = streaming.decode_shrunk, loading.SourceImage._load

    def shrinking(*args: Any) -> Image.Image | None:
        decodes.append(args)
        return shrink(*args)

    def loading_whole(self: loading.SourceImage, image: Any) -> Image.Image:
        decodes.append(image)
        return load(self, image)

    monkeypatch.setattr(loading, "decode_shrunk", shrinking)
    monkeypatch.setattr(loading.SourceImage, "_load", loading_whole)
    session.add_inputs([PictureInput(path=photo, name="camera.jpg")], first=True)
    qtbot.waitUntil(
        lambda: session.picture is not None and session.picture.label == "camera.jpg",
        timeout=20_000,
    )
    picture = session.picture
    assert picture is not None and picture.full_size == (4000, 3000)
    shown = picture.preview
    assert (shown.width(), shown.height()) == (2000, 1500)
    assert shown.format() == QImage.Format.Format_RGBX8888  # the decoder's own rows
    qtbot.waitUntil(lambda: session.prepared is not None, timeout=20_000)
    assert decodes == []  # neither the preview nor the upload decoded the photo by Pillow's way
    assert picture.source._kept is None
    session.let_go_of_preview()
    assert picture.preview.isNull()
    assert (shown.width(), shown.height()) == (2000, 1500)  # a copy taken before stays whole


def test_the_preview_let_go_of_is_decoded_again_for_whoever_asks(
    qtbot: QtBot, session: Session
) -> None:
    picture = session.picture
    assert picture is not None
    session.let_go_of_preview()
    got: list[QImage] = []
    session.with_preview(got.append)
    session.with_preview(got.append)  # asked twice while decoding: decoded once, both told
    qtbot.waitUntil(lambda: len(got) == 2, timeout=20_000)
    assert got[0].size() == got[1].size() and (got[0].width(), got[0].height()) == (600, 400)
    assert picture.preview.isNull()  # handed out, not held again


def test_a_preview_asked_for_an_old_picture_comes_as_nothing(
    qtbot: QtBot, session: Session, tmp_path: Path
) -> None:
    """What waits for it (the viewer) is told at once and goes on without it, never left
    waiting, and never handed the old picture."""
    session.let_go_of_preview()
    got: list[QImage] = []
    session.with_preview(got.append)  # its decoding starts on the event loop's next turn
    other = tmp_path / "other.jpg"
    Image.new("RGB", (300, 200), "red").save(other, "JPEG")
    new = LoadedPicture(open_image(other), QImage(300, 200, QImage.Format.Format_RGB888), "b")
    session.on_picture_loaded(new)
    assert len(got) == 1 and got[0].isNull()
    qtbot.wait(500)
    assert len(got) == 1


def test_an_upload_the_preview_cannot_serve_lets_go_of_it_all_the_same(tmp_path: Path) -> None:
    """A tight crop needs the photo at full scale: decoded for it, and the kept preview goes."""
    import asyncio

    from desktop_app.core.imaging import Square
    from desktop_app.session.session import _prepare

    photo = tmp_path / "camera.jpg"
    Image.linear_gradient("L").resize((4000, 3000)).convert("RGB").save(photo, "JPEG")
    source = open_image(photo)
    assert source.decoded_preview(2048) is not None
    settings = VariationSettings(model="gpt-image-1", size="1024x1024")
    prepared = asyncio.run(_prepare(source, Square(0, 0, 1200), settings, None))
    assert prepared.upload.width == 1024
    assert source._kept is None
