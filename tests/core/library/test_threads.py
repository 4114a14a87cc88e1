"""The window queries while workers record: one library, several threads, no mix-ups."""

from __future__ import annotations

import threading
import time

from desktop_app.core.library import Library, Outcome
from tests.core.library.conftest import DraftFactory, image_bytes

RUNS_PER_WORKER = 8
RESULTS_PER_RUN = 4


def test_results_added_from_threads_while_another_queries(
    library: Library, make_draft: DraftFactory
) -> None:
    errors: list[BaseException] = []
    done = threading.Event()

    def record(worker: int) -> None:
        try:
            for _ in range(RUNS_PER_WORKER):
                run_id = library.begin_run(make_draft(prompt=f"worker {worker}"))
                for index in range(RESULTS_PER_RUN):
                    library.add_result(run_id, index, image_bytes(size=2_000), "png")
                library.set_favourite(run_id, True)
                library.finish_run(run_id, Outcome.SUCCEEDED, cost=0.01)
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)

    workers = [threading.Thread(target=record, args=(n,)) for n in range(2)]
    for worker in workers:
        worker.start()
    queries = 0
    deadline = time.monotonic() + 60
    try:
        while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
            for run in library.runs(search="worker", limit=50):
                # Results are added in order and each is on disk before it is listed.
                assert [r.index for r in run.results] == list(range(len(run.results)))
                assert all(r.path.stat().st_size == r.size_bytes for r in run.results)
                if run.outcome is Outcome.SUCCEEDED:
                    assert len(run.results) == RESULTS_PER_RUN and run.favourite
            library.count_runs(favourites_only=True)
            library.spending("day")
            queries += 1
    finally:
        done.set()
        for worker in workers:
            worker.join(timeout=60)
    assert errors == []
    assert queries > 0
    runs = library.runs(limit=100)
    assert len(runs) == 2 * RUNS_PER_WORKER
    assert all(len(r.results) == RESULTS_PER_RUN for r in runs)
    assert library.month_total() == sum([0.01] * 2 * RUNS_PER_WORKER)
