"""A batch against the local API server with faults the real service gives: 30 pictures, two
variations each, rate limits with retry-after, server errors, answers cut off after the images
were made, moderation. Every picture is accounted for, nothing that may have been billed is
sent twice, and the batch's cost is the sum of its pictures' and of the library's records."""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.core.batch.engine import BatchEngine
from desktop_app.core.batch.items import Batch, BatchItem, BatchState, ItemState
from desktop_app.core.batch.journal import BatchJournal
from desktop_app.core.batch.one_picture import BatchContext, vary_one
from desktop_app.core.batch.snapshot import settings_to_dict
from desktop_app.core.keystore import ApiKey
from desktop_app.core.library import Library
from desktop_app.core.naming import DEFAULT_TEMPLATE
from desktop_app.core.run import connect, shipped_prices
from desktop_app.core.variation import VariationSettings
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import config_for
from tests.fake_openai import FakeOpenAI, Fault

EDITS = "/v1/images/edits"


def pictures(folder: Path, count: int) -> list[Path]:
    folder.mkdir()
    paths = []
    for number in range(count):
        path = folder / f"photo-{number:02}.jpg"
        colour = (number * 8 % 256, 255 - number * 8 % 256, number * 37 % 256)
        Image.new("RGB", (320 + number, 240), colour).save(path, "JPEG")
        paths.append(path)
    return paths


def faults(seed: int) -> list[Fault]:
    chosen = [
        *[Fault("rate_limit", retry_after="1")] * 4,
        *[Fault("server_error", status=500)] * 3,
        *[Fault("reset_mid_body", after_bytes=200)] * 2,  # cut off after the images were made
        *[Fault("moderation_blocked")] * 2,
    ]
    random.Random(seed).shuffle(chosen)
    return chosen


@pytest.mark.parametrize("seed", [1, 2])
def test_thirty_pictures_with_faults_are_all_accounted_for(
    api_server: FakeOpenAI, tmp_path: Path, seed: int
) -> None:
    for fault in faults(seed):
        api_server.inject(fault, path=EDITS)
    settings = settings_to_dict(VariationSettings(n=2, quality="low"))
    paths = pictures(tmp_path / "in", 30)
    batch = Batch([BatchItem(str(path), settings) for path in paths], folder=str(tmp_path / "out"))
    (tmp_path / "out").mkdir()
    library = Library.open(tmp_path / "library")
    journal = BatchJournal(tmp_path / "batches")

    async def go() -> None:
        async with connect(config_for(api_server), ApiKey(CANARY_KEY)) as client:
            context = BatchContext(
                client=client,
                library=library,
                prices=shipped_prices(),
                folder=tmp_path / "out",
                template=DEFAULT_TEMPLATE,
            )
            await BatchEngine(
                batch, lambda item, sink: vary_one(item, sink, context), journal=journal
            ).run()

    try:
        asyncio.run(go())
        assert batch.state is BatchState.FINISHED
        states = Counter(item.state for item in batch.items)
        assert states[ItemState.DONE] + states[ItemState.FAILED] == 30
        for item in batch.items:
            if item.state is ItemState.DONE:
                assert item.made == 2 and len(item.saved) == 2
                assert all(Path(saved).is_file() for saved in item.saved)
            else:
                assert item.reason
        # Moderation refuses a picture (not billed); a cut-off answer may have been billed.
        failed = [item for item in batch.items if item.state is ItemState.FAILED]
        assert sum(item.failure == "api_refused" and not item.billed for item in failed) == 2
        assert sum(item.billed for item in failed) == 2

        # Nothing that may have been billed went out twice: one answered-200 request at most
        # per picture, and none at all after a billed failure.
        upload_of = {}
        for item in batch.items:
            upload_of[item.path] = item
        billed_requests: Counter[str] = Counter()
        sent_for: Counter[str] = Counter()
        for request in api_server.requests:
            if request.path != EDITS or not request.files:
                continue
            digest = hashlib.sha256(request.files[0].data).hexdigest()
            sent_for[digest] += 1
            if request.status == 200:
                billed_requests[digest] += 1
        assert len(sent_for) == 30  # each picture's upload is its own
        assert max(billed_requests.values()) == 1

        # The cost: the batch's total is its pictures', and the library recorded the same.
        total = batch.total_cost()
        assert total == pytest.approx(sum(item.cost or 0 for item in batch.items))
        recorded = [library.run(item.run_id) for item in batch.items if item.run_id]
        assert total == pytest.approx(sum(run.cost or 0 for run in recorded if run))
        assert total > 0
    finally:
        library.close()
