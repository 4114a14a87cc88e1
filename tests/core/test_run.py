"""The shared use case, headless: choose the model, send, record every image, close the record.

Against the local API server and a real library in a temporary folder; the window and the
command line only add their own key, library and event sink around this.
"""

from __future__ import annotations

import asyncio
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.core.errors import ApiError
from desktop_app.core.imaging import SourceImage, open_image
from desktop_app.core.keystore import ApiKey
from desktop_app.core.library import Library, Outcome
from desktop_app.core.results import ImageArrived, RunEvent
from desktop_app.core.run import (
    NoModelListed,
    RunOutcome,
    SaveOptions,
    VariationRun,
    connect,
    save_outcome,
    shipped_prices,
)
from desktop_app.core.variation import VariationSettings
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import config_for, provenance
from tests.fake_openai import FakeOpenAI, Fault

EDITS = "/v1/images/edits"


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    opened = Library.open(tmp_path / "library")
    yield opened
    opened.close()


@pytest.fixture
def source(tmp_path: Path) -> SourceImage:
    path = tmp_path / "photo.jpg"
    Image.linear_gradient("L").resize((600, 400)).convert("RGB").save(path, "JPEG")
    return open_image(path)


def _execute(server: FakeOpenAI, variation: VariationRun, events: list[RunEvent]) -> RunOutcome:
    async def go() -> RunOutcome:
        async with connect(config_for(server), ApiKey(CANARY_KEY)) as client:
            return await variation.execute(client, events.append)

    return asyncio.run(go())


def _run(source: SourceImage, library: Library | None, **settings: object) -> VariationRun:
    return VariationRun(
        source,
        None,
        None,  # no prepared upload: the run prepares it, as the command line does
        VariationSettings(**settings),  # type: ignore[arg-type]
        library=library,
        prices=shipped_prices(),
    )


def test_a_run_records_every_image_before_handing_it_on(
    api_server: FakeOpenAI, library: Library, source: SourceImage
) -> None:
    events: list[RunEvent] = []
    stored_when_seen: list[bool] = []
    variation = _run(source, library, n=3)

    def watch(event: RunEvent) -> None:
        events.append(event)
        if isinstance(event, ImageArrived):
            stored_when_seen.append(event.image.index in variation.stored)

    async def go() -> RunOutcome:
        async with connect(config_for(api_server), ApiKey(CANARY_KEY)) as client:
            return await variation.execute(client, watch)

    outcome = asyncio.run(go())

    assert stored_when_seen == [True, True, True]
    assert outcome.model == "gpt-image-2.6-sunburst"  # the newest the server lists
    assert outcome.run_id is not None and sorted(outcome.stored) == [0, 1, 2]
    record = library.run(outcome.run_id)
    assert record is not None and record.outcome is Outcome.SUCCEEDED
    assert [r.id for r in record.results] == [outcome.stored[i] for i in range(3)]
    assert record.cost == pytest.approx(outcome.cost) and outcome.cost is not None
    assert outcome.story is not None and outcome.story["model"] == outcome.model
    assert outcome.story["request_id"] == outcome.result.request_id
    assert "input_fidelity" not in api_server.requests[-1].fields
    assert outcome.notes == ()


def test_a_failed_run_is_closed_and_keeps_its_ids(
    api_server: FakeOpenAI, library: Library, source: SourceImage
) -> None:
    api_server.inject(Fault("moderation_blocked"), path=EDITS)
    variation = _run(source, library, n=2)
    with pytest.raises(ApiError):
        _execute(api_server, variation, [])
    assert variation.run_id is not None and variation.model == "gpt-image-2.6-sunburst"
    record = library.run(variation.run_id)
    assert record is not None and record.outcome is Outcome.FAILED
    assert record.error and "safety system" in record.error


def test_a_library_that_fails_at_the_end_loses_no_picture(
    api_server: FakeOpenAI,
    library: Library,
    source: SourceImage,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(library, "finish_run", full)
    outcome = _execute(api_server, _run(source, library, n=2), [])

    assert len(outcome.images) == 2 and all(provenance(i.data) for i in outcome.images)
    assert any("could not finish" in note and "disk is full" in note for note in outcome.notes)


def test_without_a_library_the_run_still_works(api_server: FakeOpenAI, source: SourceImage) -> None:
    outcome = _execute(api_server, _run(source, None, n=1), [])
    assert outcome.run_id is None and outcome.stored == {} and len(outcome.images) == 1


def test_no_model_listed_sends_nothing(source: SourceImage) -> None:
    with FakeOpenAI(api_key=CANARY_KEY, models=[]) as server:
        with pytest.raises(NoModelListed):
            _execute(server, _run(source, None), [])
        assert server.count(EDITS) == 0


def test_saving_keeps_the_story_or_strips_it(
    api_server: FakeOpenAI, library: Library, source: SourceImage, tmp_path: Path
) -> None:
    from desktop_app.core import metadata

    outcome = _execute(api_server, _run(source, library, n=2), [])
    told = SaveOptions(template="{source}-{index:02d}", save_format=None, story=outcome.story)
    paths = list(
        save_outcome(
            outcome.images, tmp_path / "out", source_name="photo.jpg", model="m", options=told
        )
    )
    assert [p.name for p in paths if isinstance(p, Path)] == ["photo-01.png", "photo-02.png"]
    first = paths[0]
    assert isinstance(first, Path)
    assert metadata.read(first.read_bytes())["model"] == outcome.model

    silent = SaveOptions(template="{source}-{index:02d}", save_format="jpeg", story=None)
    (jpeg,) = save_outcome(
        outcome.images[:1], tmp_path / "out", source_name="photo.jpg", model="m", options=silent
    )
    assert isinstance(jpeg, Path) and jpeg.name == "photo-01.jpeg"
    with Image.open(io.BytesIO(jpeg.read_bytes())) as image:
        assert image.format == "JPEG" and not image.info.get("exif")
