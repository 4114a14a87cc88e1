"""The batch on disk: written whole after every change, read back as it was, and recovered
after a crash with the pictures that were out marked "may have been billed"."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core.batch.items import Batch, BatchItem, BatchState, ItemState
from desktop_app.core.batch.journal import INTERRUPTED, BatchJournal, read_batch
from desktop_app.core.batch.snapshot import settings_from_dict, settings_to_dict
from desktop_app.core.imaging.shape import Shape
from desktop_app.core.prompts import Strength
from desktop_app.core.variation import Mode, VariationSettings


def test_settings_survive_the_snapshot() -> None:
    settings = VariationSettings(
        mode=Mode.EDIT, model="gpt-image-2", n=3, strength=Strength.STRONG,
        shape=Shape.WIDE, zoom_out=1.5, prompt="more light",
    )  # fmt: skip
    assert settings_from_dict(settings_to_dict(settings)) == settings
    with pytest.raises(ValueError, match="shape"):
        settings_from_dict({**settings_to_dict(settings), "shape": "5:4"})


def test_a_batch_reads_back_as_written_and_recovers_what_was_out(tmp_path: Path) -> None:
    journal = BatchJournal(tmp_path)
    snapshot = settings_to_dict(VariationSettings(n=2))
    items = [BatchItem(f"/pictures/{n}.jpg", snapshot) for n in range(4)]
    items[1].crop = (10, 20, 300, 200)
    items[2].state, items[2].cost, items[2].saved = ItemState.DONE, 0.08, ["/out/2-v1.png"]
    items[3].state, items[3].run_id = ItemState.SENDING, "run-3"
    batch = Batch(items, folder="/out", jobs=3, state=BatchState.RUNNING)
    journal.save(batch)
    assert read_batch(journal.path_of(batch).read_bytes()) == batch

    (recovered,) = journal.unfinished()
    assert recovered.state is BatchState.RUNNING  # it was running: the window goes on
    out = recovered.find(items[3].id)
    assert out.state is ItemState.FAILED and out.billed and out.reason == INTERRUPTED
    assert out.run_id == "run-3"  # its images, if any arrived, are in the library
    assert [item.state for item in recovered.waiting()] == [ItemState.WAITING] * 2
    assert recovered.find(items[2].id).saved == ["/out/2-v1.png"]


def test_finished_and_damaged_batches_are_not_resumed(tmp_path: Path) -> None:
    journal = BatchJournal(tmp_path)
    done = BatchItem("/a.jpg", {}, state=ItemState.DONE)
    journal.save(Batch([done], state=BatchState.FINISHED))
    (tmp_path / "broken.json").write_text("{not json")
    assert journal.unfinished() == []  # all done, or no batch at all
