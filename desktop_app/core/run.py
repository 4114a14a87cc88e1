"""Make variations, record them as they arrive, save them: the one use case.

The window (``session/session.py``) and the command line (``cli.py``) both run a
:class:`VariationRun` and save with :func:`save_outcome`; where they differ it is a named
parameter, never a copy:

- the upload: the window passes the one it already shows ("what you see is what is sent"),
  the command line prepares it the same way (:func:`~desktop_app.core.variation.prepare_upload`);
- the model: named, or the newest the server lists (:func:`choose_model`), for both;
- transparency: the window's checkbox is a yes or no; the command line may leave it open
  (``keep_transparency=None``), and the run decides from the picture and the model;
- saving: the user's name template and format from the preferences; the command line keeps
  each result's own format (``save_format=None``).

Every image is written to the library *before* it travels on (``RunLog``), the run's record is
closed whatever happens, and a library that fails is a note, never a lost picture.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.core.capabilities import CLASSIC_MODEL
from desktop_app.core.library.trouble import BOOKKEEPING_ERRORS, plain_reason
from desktop_app.core.models import ModelInfo, suggest_replacement
from desktop_app.core.reframing import ReframeNeeded
from desktop_app.core.requests import ClassicRequest, EditRequest, InvalidRequest
from desktop_app.core.results import EventSink, GeneratedImage, RunResult
from desktop_app.core.variation import (
    Mode,
    VariationSettings,
    build_request,
    prepare_mask,
    prepare_upload,
    requested_size,
    send,
    upload_fits,
)

if TYPE_CHECKING:
    from PIL import Image

    from desktop_app.core.client import ImagesClient
    from desktop_app.core.config import ClientConfig
    from desktop_app.core.cost import PriceTable
    from desktop_app.core.imaging import Frame, SourceImage, Square, Upload
    from desktop_app.core.keystore import ApiKey
    from desktop_app.core.library import Library
    from desktop_app.core.recording import RunLog

log = logging.getLogger(__name__)

_LIBRARY_ERRORS = BOOKKEEPING_ERRORS


@functools.cache
def shipped_prices() -> PriceTable:
    """The price table shipped with the app, read once per process (not once per run)."""
    from desktop_app.core.cost import PriceTable

    return PriceTable.load()


class NoModelListed(InvalidRequest):
    """The server lists no GPT Image model and none was named: nothing was sent."""


@dataclass(frozen=True)
class RunOutcome:
    """What a finished run leaves: set once, on the caller's side, from this one value."""

    result: RunResult
    model: str
    run_id: str | None  # None: the library could not record the run
    stored: Mapping[int, str]  # image index -> result id in the library
    cost: float | None  # from the returned usage; None when the price is unknown
    story: Mapping[str, str] | None  # how it was made, for the saved files
    notes: tuple[str, ...]  # sentences worth showing (retiring model, library trouble, ...)

    @property
    def images(self) -> tuple[GeneratedImage, ...]:
        return self.result.images


def connect(config: ClientConfig, key: ApiKey) -> ImagesClient:
    """The client for one run, knowing what this server refused before (read afresh for each
    run: the window and the command line learn into the same file)."""
    from desktop_app.core.adaptation import ServerRules
    from desktop_app.core.client import ImagesClient

    return ImagesClient(config, key, rules=ServerRules.default())


async def choose_model(
    client: ImagesClient,
    settings: VariationSettings,
    listed: Sequence[ModelInfo] = (),
    today: dt.date | None = None,
) -> tuple[str, list[str]]:
    """The model to use and what to say about it; asks the server only when needed."""
    if settings.model:
        return settings.model, []
    if settings.mode is Mode.CLASSIC:
        return CLASSIC_MODEL, []
    today = today or dt.date.today()
    models = list(listed) or await client.list_models()
    chosen = client.dialect.default_model(models, today)
    if chosen is None:
        raise NoModelListed("The server lists no GPT Image model; choose one by name.")
    return chosen, _retiring_notes(models, chosen, today)


def _retiring_notes(models: Sequence[ModelInfo], model: str, today: dt.date) -> list[str]:
    for info in models:
        if info.id == model and info.shutting_down(today):
            other = suggest_replacement(models, model, today)
            hint = f"; consider {other}" if other else ""
            return [f"{model} shuts down on {info.shutdown_date}{hint}."]
    return []


class VariationRun:
    """One run: choose the model, send, record every image as it arrives, close the record.

    Made on the caller's thread, executed on a worker's event loop; its fields (``model``,
    ``run_id``, ``stored``) are complete when ``execute`` has ended, however it ended, so a
    failed run's kept images still know their library ids.
    """

    def __init__(
        self,
        source: SourceImage,
        square: Square | Frame | None,
        upload: Upload | None,
        settings: VariationSettings,
        *,
        library: Library | None,
        prices: PriceTable | None,
        parent_result_id: str | None = None,
        keep_transparency: bool | None = None,
        region: Image.Image | None = None,
        results_from_disk: bool = False,
    ) -> None:
        self.source = source
        self.square = square
        self.upload = upload  # None: prepared here, from the source, square and settings
        self.settings = settings
        self.library = library
        self.prices = prices
        self.parent_result_id = parent_result_id
        self.keep_transparency = keep_transparency  # None: decide from picture and model
        # Where the picture may change (imaging/region.py); None: anywhere. Its mask is made
        # for the upload actually sent, so the two always have the same size.
        self.region = region
        # Stored results are read back from the library when asked for, not held (RunLog's
        # ``let_go``): for the window, which shows a run long after it ends.
        self.results_from_disk = results_from_disk
        self.model: str | None = None
        self.run_id: str | None = None
        self.stored: dict[int, str] = {}
        self.notes: list[str] = []

    async def execute(
        self, client: ImagesClient, sink: EventSink, listed: Sequence[ModelInfo] = ()
    ) -> RunOutcome:
        model, notes = await choose_model(client, self.settings, listed)
        self.model = model
        self.notes.extend(notes)
        settings = self._settings_for(model)
        size = requested_size(self.settings, model, (self.source.width, self.source.height))
        request = self._request(settings, model, size)
        record = self._begin(request, sink)
        if record is None:
            result = await self._send(client, request, sink, settings)
            return self._outcome(result, model, cost=None, story=None)
        try:
            result = await self._send(client, request, record, settings)
        except (asyncio.CancelledError, Exception) as exc:
            self._close_failed(record, exc)
            raise
        cost, story = self._close_succeeded(record, result)
        return self._outcome(result, model, cost=cost, story=story)

    def _request(
        self, settings: VariationSettings, model: str, size: str
    ) -> EditRequest | ClassicRequest:
        """The request asking ``model`` for ``size``, with an upload (and mask) made for it."""
        upload = self.upload
        if upload is None or not upload_fits(upload, self.settings, size):
            # A shape's size depends on the model (custom sizes or the three standard ones)
            # and on the server (reframing.py): an upload made for another size is made again.
            upload = prepare_upload(self.source, self.square, self.settings, model, size=size)
        mask = prepare_mask(self.source, self.square, upload, self.settings, self.region)
        picture = (self.source.width, self.source.height)
        return build_request(upload, settings, model, mask, picture=picture, size=size)

    async def _send(
        self,
        client: ImagesClient,
        request: EditRequest | ClassicRequest,
        sink: EventSink,
        settings: VariationSettings,
    ) -> RunResult:
        try:
            return await send(client, request, sink)
        except ReframeNeeded as needed:
            # The server takes only a standard size, of another ratio than the shape's: the
            # picture and its mask are framed again for it and sent once more (a second
            # refusal of the same kind cannot happen: a standard size is never swapped for
            # another ratio). The client's sentences about the swap went with the exception.
            self.notes.extend([*needed.adjustments, needed.note])
            again = self._request(settings, request.model, needed.size)
            return await send(client, again, sink)

    def _settings_for(self, model: str) -> VariationSettings:
        if self.settings.mode is not Mode.EDIT:
            return self.settings
        from desktop_app.core.transparency import resolve_keep, transparency_notes

        wish = self.keep_transparency
        if wish is None:
            wish = self.settings.keep_transparency or None
        # Only look at the pixels when nothing was said: it may decode the whole picture.
        keep = resolve_keep(wish, wish is None and self.source.has_alpha, model)
        self.notes.extend(transparency_notes(keep, self.settings.output_format, model))
        return replace(self.settings, keep_transparency=keep)

    def _begin(self, request: object, sink: EventSink) -> RunLog | None:
        """The run's record, made before the request is sent (a run that dies mid-way is still
        in the history); None when there is no library or it cannot be written."""
        if self.library is None:
            return None
        from desktop_app.core.recording import RunLog, draft_for

        draft = draft_for(
            self.source,
            self.square,
            request,  # type: ignore[arg-type]
            parent_result_id=self.parent_result_id,
            prices=self.prices,
            settings=self.settings,
        )
        try:
            record = RunLog(
                self.library, draft, sink, prices=self.prices, let_go=self.results_from_disk
            )
        except _LIBRARY_ERRORS as exc:
            log.warning("the library cannot record this run: %s", plain_reason(exc))
            self.notes.append(f"This run could not be kept in the library: {plain_reason(exc)}.")
            return None
        self.run_id = record.run_id
        self.stored = record.stored  # the same dict: filled as images arrive
        return record

    def _close_failed(self, record: RunLog, exc: BaseException) -> None:
        from desktop_app.core.errors import RunCancelled

        cancelled = isinstance(exc, asyncio.CancelledError | RunCancelled)
        try:
            record.failed(exc, cancelled=cancelled)
        except _LIBRARY_ERRORS as trouble:
            log.warning("the library could not close run %s", record.run_id, exc_info=True)
            self.notes.append(
                f"The library could not finish this run's record: {plain_reason(trouble)}."
            )
        if record.unsaved:
            self.notes.append(f"{record.unsaved_sentence()}.")

    def _close_succeeded(
        self, record: RunLog, result: RunResult
    ) -> tuple[float | None, Mapping[str, str] | None]:
        from desktop_app.core.recording import story_of

        try:
            cost = record.succeeded(result)
            kept = self.library.run(record.run_id) if self.library is not None else None
        except _LIBRARY_ERRORS as exc:
            # The pictures are on screen (or saved by the command line); only the bookkeeping
            # is missing. The run stays "running" in the index and is closed as interrupted by
            # the next open, never shown as succeeded.
            log.warning("the library could not close run %s", record.run_id, exc_info=True)
            if record.unsaved:
                self.notes.append(f"{record.unsaved_sentence()}.")
            self.notes.append(
                f"The library could not finish this run's record: {plain_reason(exc)}."
            )
            return (record.cost(result), None)
        if record.unsaved:
            self.notes.append(f"{record.unsaved_sentence()}.")
        return cost, story_of(kept) if kept is not None else None

    def _outcome(
        self,
        result: RunResult,
        model: str,
        *,
        cost: float | None,
        story: Mapping[str, str] | None,
    ) -> RunOutcome:
        # dict.fromkeys: a rule the client applied again after a reframe is said once.
        notes = list(dict.fromkeys([*self.notes, *result.adjustments]))
        if len(result.images) < self.settings.n:
            from desktop_app.core.adaptation import fewer_than_asked

            notes.append(fewer_than_asked(len(result.images), self.settings.n))
        return RunOutcome(
            result=result,
            model=model,
            run_id=self.run_id,
            stored=dict(self.stored),
            cost=cost,
            story=story,
            notes=tuple(notes),
        )


@dataclass(frozen=True)
class SaveOptions:
    """How results become files: the preferences' template and format, and the story."""

    template: str
    save_format: str | None  # None: each result in the format it was made in
    story: Mapping[str, str] | None  # None: strip what the bytes carry (the privacy setting)


def save_outcome(
    images: Sequence[GeneratedImage],
    folder: Path,
    *,
    source_name: str,
    model: str,
    options: SaveOptions,
    when: dt.datetime | None = None,
) -> Iterator[Path | OSError]:
    """Saves each image as a new file, yielding its path (or the error that stopped it) as it
    goes, so a caller can report each one before the next is written."""
    from desktop_app.core.saving import save_result

    when = when or dt.datetime.now()
    for image in images:
        try:
            yield save_result(
                image,
                folder,
                template=options.template,
                source_name=source_name,
                save_format=options.save_format or image.format,
                when=when,
                model=model,
                story=options.story,
            )
        except OSError as exc:
            yield exc
