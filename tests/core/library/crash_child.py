"""The process the crash-injection test kills: it records runs as fast as it can until then.

    python -m tests.core.library.crash_child FOLDER SEED

One line on stdout, flushed, for each thing the library has acknowledged:
``ready`` once the library is open, ``run <id>`` after ``begin_run`` returned, and
``ack <result id> <sha256>`` after ``add_result`` (or the ``add_results`` of a batch) returned.
Whatever a line names must survive a kill that comes after the line.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
import time
from pathlib import Path

from desktop_app.core.library import Library, Outcome, RunDraft

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Set by the test that proves the campaign notices a loss: the child then claims each result
# before storing it, as a careless app would show an image before saving it.
EARLY_ACK = os.environ.get("CRASH_CHILD_EARLY_ACK") == "1"
ENDINGS = (Outcome.SUCCEEDED, Outcome.PARTIAL, Outcome.FAILED, Outcome.CANCELLED)


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def fake_image(rng: random.Random, low: int, high: int) -> bytes:
    # Sniffed as PNG by the library; random bytes keep every file distinct and incompressible.
    return PNG_MAGIC + rng.randbytes(rng.randint(low, high))


def record_forever(library: Library, rng: random.Random) -> None:
    sources = [fake_image(rng, 2_000, 40_000) for _ in range(3)]  # repeated: stored once
    acknowledged: list[str] = []
    while True:
        parent = rng.choice(acknowledged) if acknowledged and rng.random() < 0.3 else None
        draft = RunDraft(
            source_bytes=rng.choice(sources),
            source_name=f"photo-{rng.randint(1, 9)}.png",
            crop=(0, 0, 512),
            mode="edit",
            model="gpt-image-1",
            parameters={"n": 4, "size": "1024x1024", "seed": rng.random()},
            prompt="A variation of the picture",
            parent_result_id=parent,
            estimated_cost=0.04,
        )
        run_id = library.begin_run(draft)
        emit(f"run {run_id}")
        if not EARLY_ACK and rng.random() < 0.5:
            acknowledged.extend(store_together(library, rng, run_id))
        else:
            acknowledged.extend(store_one_by_one(library, rng, run_id))
        chance = rng.random()
        if chance < 0.15:
            library.set_favourite(run_id, True)
        elif chance < 0.3:
            library.delete_run(run_id)
            library.restore_run(run_id)
        library.finish_run(
            run_id,
            rng.choice(ENDINGS),
            request_id=f"req_{run_id}",
            usage={"total_tokens": 9},
            cost=0.01,
        )


def store_one_by_one(library: Library, rng: random.Random, run_id: str) -> list[str]:
    acknowledged: list[str] = []
    for index in range(rng.randint(1, 4)):
        data = fake_image(rng, 1_000, 200_000)
        digest = hashlib.sha256(data).hexdigest()
        if EARLY_ACK:
            emit(f"ack {run_id}-{index} {digest}")
            time.sleep(0.05)
        stored = library.add_result(run_id, index, data, "png", revised_prompt="revised")
        if not EARLY_ACK:
            emit(f"ack {stored.id} {digest}")
        acknowledged.append(stored.id)
    return acknowledged


def store_together(library: Library, rng: random.Random, run_id: str) -> list[str]:
    """The images of one answer in one batch (``add_results``), acknowledged once it returns,
    as the app shows them only then."""
    images = [fake_image(rng, 1_000, 200_000) for _ in range(rng.randint(2, 6))]
    outcomes = library.add_results(
        run_id, [(index, data, "png", "revised") for index, data in enumerate(images)]
    )
    acknowledged: list[str] = []
    for data, stored in zip(images, outcomes, strict=True):
        if isinstance(stored, Exception):
            raise stored
        emit(f"ack {stored.id} {hashlib.sha256(data).hexdigest()}")
        acknowledged.append(stored.id)
    return acknowledged


def main(argv: list[str]) -> int:
    folder, seed = Path(argv[0]), int(argv[1])
    library = Library.open(folder)
    emit("ready")
    record_forever(library, random.Random(seed))
    return 0  # never reached: the test kills this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
