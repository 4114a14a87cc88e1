"""What the queue panel says about a picture and about the batch."""

from __future__ import annotations

from desktop_app.core.batch.items import Batch, BatchItem, BatchState, ItemState
from desktop_app.ui.batch.wording import batch_summary, item_settings, item_status, snapshot_words


def test_a_picture_says_its_settings_and_where_it_is() -> None:
    item = BatchItem("/p/mug.jpg", {"n": 2, "shape": "3:2"}, crop=(0, 0, 300, 200))
    assert item_settings(item) == "2 variations · 3:2 · framed"
    item.estimate = 0.05
    assert item_status(item) == "Waiting · ≈ $0.05"
    item.state = ItemState.SENDING
    assert item_status(item) == "Sending…"
    item.state, item.saved, item.cost = ItemState.DONE, ["/o/a.png", "/o/b.png"], 0.044
    assert item_status(item) == "Done · 2 saved · $0.044"
    item.state, item.reason, item.billed = ItemState.FAILED, "The server hung up.", True
    assert item_status(item).endswith("The server hung up. It may have been billed.")
    item.reason = "The server hung up. Nothing was retried; try again later."
    assert (
        item_status(item, short=True)
        == "Failed · $0.044: The server hung up. It may have been billed."
    )
    item.reason, item.billed = "The app was closed, so it may have been billed; see History.", True
    closed = "Failed · $0.044: The app was closed, so it may have been billed."
    assert item_status(item, short=True) == closed


def test_the_batch_says_how_far_it_is_and_what_it_cost() -> None:
    assert batch_summary(Batch([])).startswith("Drop pictures here")
    items = [BatchItem(f"/p/{n}.jpg", {}) for n in range(4)]
    items[0].state, items[0].cost = ItemState.DONE, 0.5
    items[1].state = ItemState.FAILED
    batch = Batch(items, state=BatchState.RUNNING)
    assert batch_summary(batch) == "1 of 4 done, 1 failed · $0.50 so far"
    items[2].state = ItemState.SENDING
    assert batch_summary(batch, pausing=True) == (
        "Pausing: waiting for the 1 picture out to come back."
    )
    items[2].state = ItemState.WAITING
    batch.state = BatchState.READY
    assert batch_summary(batch) == "1 done, 1 failed, 2 waiting · $0.50"
    batch.state, batch.stop_reason = BatchState.STOPPED, "Out of credit."
    assert batch_summary(batch) == "Stopped: Out of credit. 2 not sent."


def test_a_picture_out_says_where_its_request_is() -> None:
    item = BatchItem("/p/mug.jpg", {"n": 2}, state=ItemState.SENDING)
    assert item_status(item, "1 of 2 arrived") == "Sending… 1 of 2 arrived"


def test_a_snapshot_says_what_differs_from_the_defaults() -> None:
    assert snapshot_words({"n": 1, "quality": "auto", "strength": "balanced"}) == "1 variation"
    busy = {
        "mode": "edit",
        "model": "gpt-image-1",
        "n": 3,
        "quality": "high",
        "size": "1536x1024",
        "strength": "strong",
        "output_format": "webp",
        "keep_transparency": True,
        "shape": "3:2",
        "zoom_out": 1.5,
    }
    words = "3 variations · gpt-image-1 · high · 1536x1024 · strong · WEBP · transparent"
    assert snapshot_words(busy) == f"{words} · 3:2 · zoom out 1.5×"
    assert "gpt-image-1" not in item_settings(BatchItem("/p/a.jpg", busy))
    assert snapshot_words({"n": 2, "mode": "classic", "prompt": "x"}) == (
        "2 variations · classic · own prompt"
    )
