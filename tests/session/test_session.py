"""The window's view model on its own: a picture in, a run out, its state set once from the
outcome. No widgets: the real Session, TaskRunner and local API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pytestqt.qtbot import QtBot

from desktop_app.core.keystore import KeyStore
from desktop_app.core.preferences import Preferences, Profile
from desktop_app.core.run import RunOutcome
from desktop_app.core.shared_library import SharedLibrary
from desktop_app.core.variation import VariationSettings
from desktop_app.qt.intake import PictureInput
from desktop_app.qt.tasks import TaskRunner
from desktop_app.session.session import Session
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


def test_a_camera_photo_is_framed_from_a_preview_decoded_at_reduced_scale(
    qtbot: QtBot, session: Session, tmp_path: Path
) -> None:
    # Memory: the preview lives as long as the picture (through every run). A 12 MP photo is
    # shown from 2000 px, decoded at half scale, not in full; its full size still stands for
    # the crop and the upload.
    photo = tmp_path / "camera.jpg"
    Image.linear_gradient("L").resize((4000, 3000)).convert("RGB").save(photo, "JPEG")
    session.add_inputs([PictureInput(path=photo, name="camera.jpg")], first=True)
    qtbot.waitUntil(
        lambda: session.picture is not None and session.picture.label == "camera.jpg",
        timeout=20_000,
    )
    picture = session.picture
    assert picture is not None and picture.full_size == (4000, 3000)
    assert (picture.preview.width(), picture.preview.height()) == (2000, 1500)
