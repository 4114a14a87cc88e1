"""The batch engine with pictures that answer as told (no server): how many go out at once,
what a rate limit, a quota error, a billed failure, a pause and a cancel do to the batch, and
that the journal has every change before it matters."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

from desktop_app.core.batch.engine import BatchEngine, ItemOutcome
from desktop_app.core.batch.items import Batch, BatchItem, BatchState, ItemState
from desktop_app.core.batch.journal import BatchJournal, read_batch
from desktop_app.core.batch.pacing import Pacer
from desktop_app.core.errors import (
    ApiError,
    ErrorBody,
    TransportError,
    TransportErrorKind,
)
from desktop_app.core.results import (
    RATE_LIMITED,
    EventSink,
    Phase,
    PhaseChanged,
    RetryScheduled,
)

Answer = Callable[[BatchItem, EventSink], object]


def batch_of(count: int, jobs: int = 2) -> Batch:
    return Batch([BatchItem(f"/p/{n}.jpg", {}) for n in range(count)], jobs=jobs)


def rate_limit() -> ApiError:
    return ApiError(
        status=429, body=ErrorBody("Slow down", code="rate_limit_exceeded"), request_id=None
    )


def quota() -> ApiError:
    body = ErrorBody("You exceeded your current quota", code="insufficient_quota")
    return ApiError(status=429, body=body, request_id=None)


class Pictures:
    """``run_item`` for the engine: each picture takes a turn of the loop and answers as the
    test says (by its number: an exception to raise, or nothing for success)."""

    def __init__(self, answers: dict[int, list[BaseException]] | None = None) -> None:
        self.answers = answers or {}
        self.out = 0
        self.most_out = 0
        self.sent: list[str] = []

    async def __call__(self, item: BatchItem, sink: EventSink) -> ItemOutcome:
        self.out += 1
        self.most_out = max(self.most_out, self.out)
        try:
            self.sent.append(item.path)
            sink(PhaseChanged(Phase.UPLOADING))
            await asyncio.sleep(0.001)
            number = int(item.path.split("/")[-1].split(".")[0])
            pending = self.answers.get(number)
            if pending:
                raise pending.pop(0)
            return ItemOutcome(made=2, cost=0.05, saved=[f"/out/{number}-1.png"])
        finally:
            self.out -= 1


def state_of(batch: Batch) -> BatchState:
    """Read afresh (mypy would keep the state an earlier assert narrowed it to)."""
    return batch.state


def run(engine: BatchEngine) -> Batch:
    return asyncio.run(engine.run())


def test_every_picture_is_sent_once_and_never_more_than_jobs_at_once(tmp_path: Path) -> None:
    pictures = Pictures()
    batch = batch_of(9, jobs=3)
    journal = BatchJournal(tmp_path)
    seen: list[ItemState] = []

    def on_change(_batch: Batch, item: BatchItem | None) -> None:
        if item is not None:
            # What is on disk already says what the listener hears.
            on_disk = read_batch(journal.path_of(batch).read_bytes()).find(item.id)
            assert on_disk.state is item.state
            seen.append(item.state)

    run(BatchEngine(batch, pictures, journal=journal, on_change=on_change))
    assert batch.state is BatchState.FINISHED
    assert sorted(pictures.sent) == sorted(item.path for item in batch.items)
    assert pictures.most_out == 3
    assert seen.count(ItemState.SENDING) == 9 and seen.count(ItemState.DONE) == 9
    assert batch.total_cost() == sum(item.cost or 0 for item in batch.items)
    assert round(batch.total_cost(), 6) == 0.45


def test_a_rate_limit_slows_the_batch_and_the_picture_goes_again() -> None:
    pictures = Pictures({0: [rate_limit()]})
    batch = batch_of(4, jobs=2)
    pacer = Pacer(2, default_wait=0.2)  # a 429 that named no wait holds new starts 0.2 s
    held: list[float] = []

    def on_change(_batch: Batch, item: BatchItem | None) -> None:
        if item is batch.items[0] and item.state is ItemState.WAITING:
            held.append(pacer.wait_before_start(0))  # nothing made: it waits again, held

    run(BatchEngine(batch, pictures, pacer=pacer, on_change=on_change))
    assert held and held[0] > 0.1
    assert batch.state is BatchState.FINISHED
    assert all(item.state is ItemState.DONE for item in batch.items)
    assert pictures.sent.count("/p/0.jpg") == 2


def test_a_retry_after_heard_while_a_request_waits_holds_new_starts() -> None:
    pacer = Pacer(2, clock=lambda: 0.0)

    async def slow(item: BatchItem, sink: EventSink) -> ItemOutcome:
        sink(RetryScheduled(3.0, 2, RATE_LIMITED))
        assert pacer.limit == 1  # halved at once, while this request still waits
        return ItemOutcome(made=1, cost=None)

    batch = batch_of(1)
    run(BatchEngine(batch, slow, pacer=pacer))
    assert pacer.wait_before_start(0) == 3.0 and batch.state is BatchState.FINISHED


def test_a_quota_error_stops_the_batch_instead_of_failing_every_picture() -> None:
    pictures = Pictures({1: [quota()]})
    batch = batch_of(6, jobs=1)
    run(BatchEngine(batch, pictures))
    assert batch.state is BatchState.STOPPED and "run out of credit" in batch.stop_reason
    assert batch.items[0].state is ItemState.DONE
    assert [item.state for item in batch.items[1:]] == [ItemState.WAITING] * 5
    assert pictures.sent == ["/p/0.jpg", "/p/1.jpg"]


def test_a_picture_that_may_have_been_billed_fails_and_is_not_sent_again() -> None:
    reset = TransportError(TransportErrorKind.NO_ANSWER, may_have_been_billed=True)
    moderation = ApiError(
        status=400, body=ErrorBody("Blocked", code="moderation_blocked"), request_id=None
    )
    pictures = Pictures({1: [reset], 2: [moderation]})
    batch = batch_of(4)
    run(BatchEngine(batch, pictures))
    assert batch.state is BatchState.FINISHED
    billed, refused = batch.items[1], batch.items[2]
    assert billed.state is ItemState.FAILED and billed.billed and billed.failure == "network"
    assert refused.state is ItemState.FAILED and not refused.billed
    assert refused.failure == "api_refused"
    assert len(pictures.sent) == 4
    # "Retry failed" sends only what cannot have cost anything, unless asked.
    assert [item.retryable() for item in batch.items] == [False, False, True, False]
    batch.retry(item for item in batch.items if item.retryable())
    assert state_of(batch) is BatchState.READY and batch.waiting() == [refused]


def test_pause_lets_the_pictures_out_come_back_and_starts_nothing_more() -> None:
    pictures = Pictures()
    batch = batch_of(6, jobs=2)
    engine = BatchEngine(batch, pictures)

    async def go() -> None:
        task = asyncio.ensure_future(engine.run())
        while len(pictures.sent) < 2:
            await asyncio.sleep(0)
        engine.pause()
        await task

    asyncio.run(go())
    assert batch.state is BatchState.READY
    assert len(pictures.sent) == 2 and len(batch.waiting()) == 4
    run(engine)  # resume
    assert state_of(batch) is BatchState.FINISHED and len(pictures.sent) == 6


def test_cancel_ends_the_pictures_out_and_says_which_may_have_been_billed(tmp_path: Path) -> None:
    out: list[str] = []
    both_out = asyncio.Event()

    async def stalls(item: BatchItem, sink: EventSink) -> ItemOutcome:
        if item.path.endswith("0.jpg"):
            sink(PhaseChanged(Phase.UPLOADING))  # this one reached the server
        out.append(item.id)
        if len(out) == 2:
            both_out.set()
        await asyncio.sleep(60)
        raise AssertionError("not reached")

    batch = batch_of(5, jobs=2)
    journal = BatchJournal(tmp_path)

    async def go() -> None:
        task = asyncio.ensure_future(BatchEngine(batch, stalls, journal=journal).run())
        await both_out.wait()  # the two pictures at once are out
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert batch.state is BatchState.CANCELLED
    first, second = batch.items[0], batch.items[1]
    assert first.state is ItemState.FAILED and first.billed and first.failure == "cancelled"
    assert second.state is ItemState.WAITING  # never reached the server: waits, unbilled
    assert read_batch(journal.path_of(batch).read_bytes()) == batch


def test_a_second_cancel_while_the_pictures_out_settle_still_leaves_the_journal_whole(
    tmp_path: Path,
) -> None:
    # The window closing cancels the batch, then the task runner cancels it again: the
    # bookkeeping of the pictures out must finish all the same, or the journal keeps them
    # "sending" (read at the next start as "the app stopped").
    out: list[str] = []
    both_out = asyncio.Event()
    settling = asyncio.Event()

    async def slow_to_stop(item: BatchItem, sink: EventSink) -> ItemOutcome:
        sink(PhaseChanged(Phase.UPLOADING))  # reached the server
        out.append(item.id)
        if len(out) == 2:
            both_out.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            settling.set()
            await asyncio.sleep(0.05)  # closing its connection, keeping what arrived
            raise
        raise AssertionError("not reached")

    batch = batch_of(3, jobs=2)
    journal = BatchJournal(tmp_path)
    engine = BatchEngine(batch, slow_to_stop, journal=journal)
    engine.resume_later = True  # the app closing

    async def go() -> None:
        task = asyncio.ensure_future(engine.run())
        await both_out.wait()  # the two pictures at once are out
        task.cancel()
        await settling.wait()
        task.cancel()  # again, while the pictures out are settling
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(go())
    on_disk = read_batch(journal.path_of(batch).read_bytes())
    assert on_disk.state is BatchState.RUNNING  # goes on at the next start
    states = [item.state for item in on_disk.items]
    assert states == [ItemState.FAILED, ItemState.FAILED, ItemState.WAITING]
    assert all(item.billed for item in on_disk.items[:2])
