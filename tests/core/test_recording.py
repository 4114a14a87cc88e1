"""RunLog with the images of one answer (``ImageArrived.more``): stored together, and none of
them travels on before all of them are on disk and listed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.errors import TransportError, TransportErrorKind
from desktop_app.core.library import Library, Outcome, RunDraft
from desktop_app.core.recording import RunLog
from desktop_app.core.results import (
    GeneratedImage,
    ImageArrived,
    Phase,
    PhaseChanged,
    RunEvent,
    RunResult,
)
from tests.core.library.conftest import fail_add_result_after, image_bytes


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "library") as library:
        yield library


def _draft(n: int) -> RunDraft:
    return RunDraft(
        source_bytes=image_bytes("source"),
        source_name="photo.png",
        crop=None,
        mode="edit",
        model="gpt-image-2",
        parameters={"n": n},
        prompt="vary",
    )


class Watcher:
    """A sink that notes, for each image it is handed, whether the library holds it then."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.events: list[RunEvent] = []
        self.kept_when_seen: list[bool] = []
        self.log: RunLog | None = None

    def __call__(self, event: RunEvent) -> None:
        self.events.append(event)
        if isinstance(event, ImageArrived):
            assert self.log is not None
            result_id = self.log.stored.get(event.image.index)
            stored = None if result_id is None else self.library.result(result_id)
            self.kept_when_seen.append(stored is not None and stored.path.is_file())


def _images(count: int) -> list[GeneratedImage]:
    return [GeneratedImage(i, image_bytes(f"result {i}", size=2048), "png") for i in range(count)]


def test_a_burst_travels_on_only_once_all_of_it_is_stored(library: Library) -> None:
    watcher = Watcher(library)
    log = watcher.log = RunLog(library, _draft(3), watcher)
    images = _images(3)
    log(PhaseChanged(Phase.RECEIVING))
    log(ImageArrived(images[0], more=True))
    log(ImageArrived(images[1], more=True))
    assert [type(e) for e in watcher.events] == [PhaseChanged]  # held back, being written
    log(ImageArrived(images[2]))
    assert [e.image.index for e in watcher.events if isinstance(e, ImageArrived)] == [0, 1, 2]
    assert watcher.kept_when_seen == [True, True, True]
    log.succeeded(RunResult(images=tuple(images), request_id="req_1"))
    record = library.run(log.run_id)
    assert record is not None and record.outcome is Outcome.SUCCEEDED
    assert [r.path.read_bytes() for r in record.results] == [i.data for i in images]


def test_a_burst_cut_short_by_a_failure_is_still_kept_and_shown(library: Library) -> None:
    watcher = Watcher(library)
    log = watcher.log = RunLog(library, _draft(3), watcher)
    images = _images(2)
    log(ImageArrived(images[0], more=True))
    log(ImageArrived(images[1], more=True))  # then the third is no picture: the call fails
    error = TransportError(
        TransportErrorKind.BAD_RESPONSE, may_have_been_billed=True, results=images
    )
    log.failed(error)
    assert watcher.kept_when_seen == [True, True]
    record = library.run(log.run_id)
    assert record is not None and record.outcome is Outcome.PARTIAL
    assert [r.index for r in record.results] == [0, 1]


def test_a_library_that_fails_mid_burst_still_hands_every_image_on(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = Watcher(library)
    log = watcher.log = RunLog(library, _draft(3), watcher)
    fail_add_result_after(monkeypatch, 1)
    images = _images(3)
    for image in images:
        log(ImageArrived(image, more=image.index < 2))
    monkeypatch.undo()
    assert [e.image.index for e in watcher.events if isinstance(e, ImageArrived)] == [0, 1, 2]
    assert watcher.kept_when_seen == [True, False, False]
    assert log.unsaved == [1, 2] and log.trouble == "the disk is full"
    log.succeeded(RunResult(images=tuple(images), request_id="req_1"))
    record = library.run(log.run_id)
    assert record is not None and record.outcome is Outcome.PARTIAL


@pytest.mark.parametrize("burst", [False, True])
def test_a_stored_image_is_read_from_the_library_not_held(library: Library, burst: bool) -> None:
    """For the window (``let_go``): once on disk, a result's bytes are let go of (ten of them
    are ~18 MB a run); asking for them reads the library's file, so a file gone is an
    OSError, not stale bytes."""
    watcher = Watcher(library)
    log = watcher.log = RunLog(library, _draft(2), watcher, let_go=True)
    images = _images(2)
    originals = [image.data for image in images]
    for image in images:
        log(ImageArrived(image, more=burst and image.index == 0))
    stored = [library.result(log.stored[i]) for i in range(2)]
    assert [image.path for image in images] == [s.path for s in stored if s is not None]
    assert [image.data for image in images] == originals
    assert images[0].path is not None
    images[0].path.unlink()
    with pytest.raises(FileNotFoundError):
        _ = images[0].data


def test_without_let_go_a_stored_image_stays_in_memory(library: Library) -> None:
    """The command line and the batch save at once: their images keep their bytes."""
    watcher = Watcher(library)
    log = watcher.log = RunLog(library, _draft(1), watcher)
    [image] = _images(1)
    log(ImageArrived(image))
    assert log.stored and image.path is None


def test_an_image_the_library_could_not_keep_stays_in_memory(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    watcher = Watcher(library)
    log = watcher.log = RunLog(library, _draft(1), watcher, let_go=True)
    fail_add_result_after(monkeypatch, 0)
    [image] = _images(1)
    original = image.data
    log(ImageArrived(image))
    assert image.path is None and image.data == original and log.unsaved == [0]
