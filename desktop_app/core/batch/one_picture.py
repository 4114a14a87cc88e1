"""One picture of a batch: open it, vary it with the shared use case (core/run.py) and save
what came back into the batch's folder, keeping even the images of a run that then failed.

It fills the item's ``run_id``, ``made`` and ``saved`` as they become known, so a picture that
fails half-way still says where its paid-for images went.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.errors import VariationError
from desktop_app.core.imaging.geometry import Frame
from desktop_app.core.results import EventSink, GeneratedImage
from desktop_app.core.run import SaveOptions, VariationRun, save_outcome

from .engine import ItemOutcome
from .items import BatchItem
from .snapshot import settings_from_dict

if TYPE_CHECKING:
    from desktop_app.core.client import ImagesClient
    from desktop_app.core.cost import PriceTable
    from desktop_app.core.library import Library
    from desktop_app.core.models import ModelInfo


@dataclass(frozen=True)
class BatchContext:
    """What every picture of a batch shares: the connection, the library, where results go."""

    client: ImagesClient
    library: Library | None
    prices: PriceTable | None
    folder: Path | None  # None: results stay in the library (History) only
    template: str
    keep_metadata: bool = True
    listed: Sequence[ModelInfo] = ()


async def vary_one(item: BatchItem, sink: EventSink, context: BatchContext) -> ItemOutcome:
    from desktop_app.core.imaging import open_image
    from desktop_app.core.variation import prepare_upload

    settings = settings_from_dict(item.settings)
    source = await asyncio.to_thread(open_image, Path(item.path))  # decoding takes a while
    crop = Frame(*item.crop) if item.crop else None
    upload = await asyncio.to_thread(prepare_upload, source, crop, settings)
    run = VariationRun(
        source,
        crop,
        upload,
        settings,
        library=context.library,
        prices=context.prices,
        keep_transparency=True if settings.keep_transparency else None,
    )
    name = source.name or Path(item.path).stem
    try:
        outcome = await run.execute(context.client, sink, context.listed)
    except VariationError as exc:
        # Whatever arrived before the failure was paid for: keep it, and say where.
        item.made = len(exc.results)
        await _save(item, exc.results, name, run.model or "", None, context)
        if exc.may_have_been_billed:
            item.cost = _recorded_cost(context.library, run.run_id)
        raise
    finally:
        item.run_id = run.run_id
    item.made = len(outcome.images)
    unsaved = await _save(item, outcome.images, name, outcome.model, outcome.story, context)
    return ItemOutcome(made=item.made, cost=outcome.cost, saved=list(item.saved), unsaved=unsaved)


def _recorded_cost(library: Library | None, run_id: str | None) -> float | None:
    """What the library reckons a failed run cost (its usage, or the estimate when the answer
    never came): the batch's total then counts what may have been billed."""
    if library is None or run_id is None:
        return None
    from desktop_app.core.library.trouble import LIBRARY_ERRORS

    try:
        record = library.run(run_id)
    except LIBRARY_ERRORS:
        return None
    return record.cost if record is not None else None


async def _save(
    item: BatchItem,
    images: Sequence[GeneratedImage],
    name: str,
    model: str,
    story: Mapping[str, str] | None,
    context: BatchContext,
) -> str:
    """Writes ``images`` into the folder; a sentence when some could not be (they stay in the
    library, whose History shows them)."""
    if context.folder is None or not images:
        return ""
    options = SaveOptions(
        template=context.template,
        save_format=None,  # each in the format it was made in
        story=story if context.keep_metadata else None,
    )
    folder = context.folder

    def write() -> list[Path | OSError]:
        return list(save_outcome(images, folder, source_name=name, model=model, options=options))

    problems: list[str] = []
    for written in await asyncio.to_thread(write):
        if isinstance(written, OSError):
            problems.append(written.strerror or str(written))
        else:
            item.saved.append(str(written))
    if not problems:
        return ""
    return (
        f"{len(problems)} image(s) could not be saved in {folder} ({problems[0]}); "
        "they are kept in the library (History)."
    )
