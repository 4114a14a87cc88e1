"""Opening after a crash: leftovers cleaned, unfinished runs marked, nothing paid for lost."""

from __future__ import annotations

import json
import os
from pathlib import Path

from desktop_app.core.library import Library, Outcome, files
from desktop_app.core.library.recovery import INTERRUPTED_MESSAGE
from desktop_app.core.library.sessions import Session
from tests.core.library.conftest import DraftFactory, image_bytes, real_png


def _abandon(library: Library) -> None:
    """What a killed process leaves: the connection closed, the session gone, nothing tidied."""
    library._conn.close()
    library._session.release()
    library._closed = True


def test_a_run_left_running_is_marked_interrupted_and_keeps_its_results(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    library = Library.open(library_folder)
    run_id = library.begin_run(make_draft())
    stored = library.add_result(run_id, 0, image_bytes(), "png")
    _abandon(library)
    with Library.open(library_folder) as reopened:
        record = reopened.run(run_id)
        assert record is not None
        assert (record.outcome, record.error) == (Outcome.INTERRUPTED, INTERRUPTED_MESSAGE)
        assert record.results == (stored,)
    sidecar = json.loads((stored.path.parent / "run.json").read_text(encoding="utf-8"))
    assert sidecar["outcome"] == "interrupted"


def test_a_clean_close_also_marks_its_unfinished_runs(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    with Library.open(library_folder) as library:
        run_id = library.begin_run(make_draft())
    with Library.open(library_folder) as library:
        record = library.run(run_id)
    assert record is not None and record.outcome is Outcome.INTERRUPTED


def test_the_running_runs_of_a_living_process_are_left_alone(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    with Library.open(library_folder) as window:
        run_id = window.begin_run(make_draft())
        with Library.open(library_folder) as command_line:  # e.g. `vary` while the window is open
            record = command_line.run(run_id)
            assert record is not None and record.outcome is Outcome.RUNNING
        window.add_result(run_id, 0, image_bytes(), "png")
        window.finish_run(run_id, Outcome.SUCCEEDED)
        record = window.run(run_id)
        assert record is not None and record.outcome is Outcome.SUCCEEDED


def test_leftovers_of_dead_processes_are_cleaned_but_not_those_of_living_ones(
    library_folder: Path,
) -> None:
    Library.open(library_folder).close()
    staging = library_folder / ".staging"
    dead = staging / "0123456789ab-half-written.part"
    dead.write_bytes(b"\x89PNG half")
    dead_trash = staging / "0123456789ab-trash-1.part"
    (dead_trash / "sub").mkdir(parents=True)
    living = Session(library_folder / "sessions")
    alive = staging / f"{living.tag}-being-written.part"
    alive.write_bytes(b"busy")
    try:
        Library.open(library_folder).close()
        assert sorted(os.listdir(staging)) == [alive.name]
    finally:
        living.release()
    Library.open(library_folder).close()
    assert os.listdir(staging) == []
    assert os.listdir(library_folder / "sessions") == []


def test_a_whole_image_that_was_not_yet_indexed_is_kept_and_a_bad_one_removed(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    library = Library.open(library_folder)
    run_id = library.begin_run(make_draft())
    folder = library._layout.run_folder(run_id)
    _abandon(library)
    # Renamed into place, then the process died before the index (and the sidecar) listed it.
    whole = real_png()
    (folder / "00.png").write_bytes(whole)
    (folder / "01.png").write_bytes(b"GIF89a not what the name says")
    (folder / "notes.txt").write_text("not ours", encoding="utf-8")
    with Library.open(library_folder) as reopened:
        record = reopened.run(run_id)
    assert record is not None and record.outcome is Outcome.INTERRUPTED
    assert [(r.index, r.size_bytes, r.sha256) for r in record.results] == [
        (0, len(whole), files.sha256_hex(whole))
    ]
    assert sorted(p.name for p in folder.iterdir()) == ["00.png", "notes.txt", "run.json"]


def test_a_finish_written_to_the_sidecar_but_not_the_index_is_kept(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    library = Library.open(library_folder)
    run_id = library.begin_run(make_draft())
    library.add_result(run_id, 0, image_bytes(), "png")
    # finish_run writes the sidecar first, then the index: killed between the two.
    run, results = library._rows(run_id)
    finished = {**run, "outcome": "succeeded", "request_id": "req_9", "cost": 0.4}
    library._write_sidecar(finished, results)
    _abandon(library)
    with Library.open(library_folder) as reopened:
        record = reopened.run(run_id)
        assert record is not None
        assert (record.outcome, record.request_id, record.cost) == (Outcome.SUCCEEDED, "req_9", 0.4)
        assert len(record.results) == 1
        assert reopened.month_total(record.created) == 0.4


def test_a_running_run_without_a_sidecar_gets_one(
    library_folder: Path, make_draft: DraftFactory
) -> None:
    library = Library.open(library_folder)
    run_id = library.begin_run(make_draft())
    sidecar = library._layout.sidecar_path(run_id)
    _abandon(library)
    sidecar.unlink()  # killed between the index row and the sidecar
    with Library.open(library_folder) as reopened:
        assert reopened.run(run_id) is not None
    assert json.loads(sidecar.read_text(encoding="utf-8"))["outcome"] == "interrupted"
