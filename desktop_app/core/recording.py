"""Every run goes into the library while it happens, from the window and the command line alike.

``RunLog`` wraps a run's event sink: a finished image is written to the library (and flushed to
disk) *before* the event travels on to whoever shows it, so nothing on screen or printed can be
lost by a crash a moment later. The images of one answer (``ImageArrived.more``) are stored
together, each written while the next is decoded, and travel on once all of them are kept.
The run's row is made before the request is sent and closed with its outcome, usage and cost
whatever happens, failures and cancellations included.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from desktop_app.core.library.trouble import BOOKKEEPING_ERRORS, plain_reason
from desktop_app.core.results import EventSink, GeneratedImage, ImageArrived, RunEvent, RunResult

if TYPE_CHECKING:
    from desktop_app.core.cost import PriceTable
    from desktop_app.core.imaging import Frame, SourceImage, Square
    from desktop_app.core.library import Library, RunDraft, RunRecord, StoredResult
    from desktop_app.core.library.store import ResultBatch
    from desktop_app.core.requests import ClassicRequest, EditRequest
    from desktop_app.core.variation import VariationSettings

log = logging.getLogger(__name__)


def draft_for(
    source: SourceImage,
    square: Square | Frame | None,
    request: EditRequest | ClassicRequest,
    *,
    parent_result_id: str | None = None,
    prices: PriceTable | None = None,
    settings: VariationSettings | None = None,
) -> RunDraft:
    """The library's record of a run about to be sent: every parameter but the upload bytes,
    and how it was framed (shape, zoom out: ``framing_words`` reads them back)."""
    from desktop_app.core.imaging import Square
    from desktop_app.core.library import RunDraft
    from desktop_app.core.requests import EditRequest

    parameters = _parameters(request)
    if settings is not None and settings.shape.value != "1:1":
        parameters["shape"] = settings.shape.value
    if settings is not None and settings.zoom_out is not None:
        parameters["zoom_out"] = settings.zoom_out
    crop = None
    if isinstance(square, Square):
        crop = (square.x, square.y, square.side)
    elif square is not None:  # a frame: the crop column keeps squares, the frame goes here
        parameters["frame"] = [square.x, square.y, square.width, square.height]
    is_edit = isinstance(request, EditRequest)
    prompt = request.prompt if isinstance(request, EditRequest) else None
    estimate = None
    if prices is not None:
        estimated = prices.estimate(
            request.model,
            mode="edit" if is_edit else "classic",
            n=request.n,
            size=request.size,
            quality=str(parameters.get("quality", "auto")),
            prompt=prompt or "",
            partial_images=int(parameters.get("partial_images", 0)),
        )
        estimate = estimated.usd if estimated is not None else None
    return RunDraft(
        source_bytes=source.original_bytes,
        source_name=source.name,
        crop=crop,
        mode="edit" if is_edit else "classic",
        model=request.model,
        parameters=parameters,
        prompt=prompt,
        parent_result_id=parent_result_id,
        estimated_cost=estimate,
    )


def _parameters(request: EditRequest | ClassicRequest) -> dict[str, Any]:
    values = {
        field.name: getattr(request, field.name)
        for field in dataclasses.fields(request)
        if field.name not in ("image", "prompt", "mask")
    }
    values["upload"] = {
        "format": request.image.format,
        "width": request.image.width,
        "height": request.image.height,
        "bytes": len(request.image.data),
    }
    mask = getattr(request, "mask", None)
    if mask is not None:
        # The record says that the run was limited to a region and how much of the picture
        # that was; the mask's pixels follow from the run's source, crop and region.
        values["mask"] = {
            "width": mask.width,
            "height": mask.height,
            "bytes": len(mask.data),
            "share": mask_share(mask.data),
        }
    return values


def mask_share(png: bytes) -> float:
    """The share of a mask's pixels that may change (alpha 0), rounded to three places."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        alpha = image.convert("RGBA").getchannel("A")
        histogram = alpha.histogram()
        return round(histogram[0] / max(1, alpha.width * alpha.height), 3)


class RunLog:
    """One run's record in the library; use it as the run's event sink."""

    def __init__(
        self,
        library: Library,
        draft: RunDraft,
        forward: EventSink,
        *,
        prices: PriceTable | None = None,
        let_go: bool = False,
    ) -> None:
        """``let_go``: a stored image's bytes are let go of (``GeneratedImage.kept_at``), for
        whoever keeps the results long after the run (the window); the command line and the
        batch save them at once and keep them in memory until then."""
        self._library = library
        self._forward = forward
        self._let_go_of_stored = let_go
        self._prices = prices
        self._draft = draft
        self.run_id = library.begin_run(draft)
        self.stored: dict[int, str] = {}  # image index -> result id
        self.unsaved: list[int] = []  # indexes the library could not keep
        self.trouble: str | None = None  # why, in plain words ("the disk is full")
        # A burst (images of one answer) being stored together, and its events held back.
        self._batch: ResultBatch | None = None
        self._batched: list[GeneratedImage] = []  # what went into the batch, in order
        self._held: list[ImageArrived] = []

    def __call__(self, event: RunEvent) -> None:
        if not isinstance(event, ImageArrived):
            self._forward(event)
            return
        image = event.image
        if event.more or self._held:  # one of a burst: travels on once all of it is stored
            self._hold(image)
            self._held.append(event)
            if not event.more:
                self._let_go()
            return
        if image.index not in self.stored:
            self._store(image)
        self._forward(event)

    def _hold(self, image: GeneratedImage) -> None:
        """Starts writing an image of a burst while the next one is decoded (ResultBatch)."""
        if image.index in self.stored or any(e.image.index == image.index for e in self._held):
            return
        if self._batch is None:
            try:
                self._batch = self._library.results_together(self.run_id)
            except BOOKKEEPING_ERRORS as exc:
                self._not_kept(image, exc)
                return
        self._batch.add(image.index, image.data, image.format, image.revised_prompt)
        self._batched.append(image)

    def _let_go(self) -> None:
        """Stores the burst held back in one go, then hands its images on, in order."""
        batch, self._batch = self._batch, None
        images, self._batched = self._batched, []
        held, self._held = self._held, []
        if batch is not None:
            try:
                outcomes: list[StoredResult | Exception] = batch.commit()
            except BOOKKEEPING_ERRORS as exc:
                outcomes = [exc] * len(images)
            for image, outcome in zip(images, outcomes, strict=True):
                if isinstance(outcome, BOOKKEEPING_ERRORS):
                    self._not_kept(image, outcome)
                elif isinstance(outcome, Exception):
                    raise outcome  # not bookkeeping trouble: a bug, as from add_result
                else:
                    self._stored(image, outcome)
        for event in held:
            self._forward(event)

    def _store(self, image: GeneratedImage) -> None:
        try:
            stored = self._library.add_result(
                self.run_id, image.index, image.data, image.format, image.revised_prompt
            )
        except BOOKKEEPING_ERRORS as exc:
            self._not_kept(image, exc)
        else:
            self._stored(image, stored)

    def _stored(self, image: GeneratedImage, stored: StoredResult) -> None:
        self.stored[image.index] = stored.id
        if self._let_go_of_stored:
            image.kept_at(stored.path)  # on disk now: not held in memory as well

    def _not_kept(self, image: GeneratedImage, exc: Exception) -> None:
        # The disk is full or gone: the image still reaches the window (to be saved by hand)
        # and the command line's --out, rather than being dropped with the run.
        log.warning(
            "result %d could not be kept in the library: %s", image.index + 1, plain_reason(exc)
        )
        self.unsaved.append(image.index)
        self.trouble = self.trouble or plain_reason(exc)

    def succeeded(self, result: RunResult) -> float | None:
        """Closes the run; returns its cost in USD when the price table knows the model."""
        from desktop_app.core.library import Outcome

        self._let_go()
        for image in result.images:  # a result whose event was not seen is still kept
            if image.index not in self.stored and image.index not in self.unsaved:
                self(ImageArrived(image))
        cost = self.cost(result)
        wanted = int(self._draft.parameters.get("n", len(result.images)))
        # Succeeded only when the library holds every result: its history must not claim
        # pictures it does not have.
        complete = len(result.images) >= wanted and not self.unsaved
        outcome = Outcome.SUCCEEDED if complete else Outcome.PARTIAL
        error = None
        if self.unsaved:
            error = f"{self.unsaved_sentence()}."
        self._library.finish_run(
            self.run_id,
            outcome,
            request_id=result.request_id,
            usage=_usage(result),
            cost=cost,
            error=error,
        )
        return cost

    def unsaved_sentence(self) -> str:
        """ "3 results could not be kept in the library: the disk is full"."""
        count = len(self.unsaved)
        noun = "result" if count == 1 else "results"
        return f"{count} {noun} could not be kept in the library: {self.trouble or 'unknown'}"

    def failed(self, error: BaseException, *, cancelled: bool = False) -> None:
        from desktop_app.core.library import Outcome

        self._let_go()  # images of an answer that broke off after them are kept and shown
        if cancelled:
            outcome = Outcome.PARTIAL if self.stored else Outcome.CANCELLED
        else:
            outcome = Outcome.PARTIAL if self.stored else Outcome.FAILED
        details = getattr(error, "details", None)
        request_id = details().get("request id") if callable(details) else None
        billed = bool(self.stored or self.unsaved or getattr(error, "may_have_been_billed", False))
        self._library.finish_run(
            self.run_id,
            outcome,
            request_id=request_id or None,
            # No usage came back: the estimate keeps the month's total from undercounting.
            cost=self._draft.estimated_cost if billed else None,
            error=str(error) or None,
        )

    def cost(self, result: RunResult) -> float | None:
        if self._prices is None:
            return None
        return self._prices.actual(
            self._draft.model or "",
            mode="classic" if self._draft.mode == "classic" else "edit",
            usage=result.usage,
            n=len(result.images),
            size=result.size or str(self._draft.parameters.get("size", "1024x1024")),
        )


def _usage(result: RunResult) -> dict[str, int] | None:
    if result.usage is None:
        return None
    return {
        field.name: int(getattr(result.usage, field.name))
        for field in dataclasses.fields(result.usage)
    }


def story_of(record: RunRecord) -> dict[str, str]:
    """What a saved file tells about itself (``metadata.embed``): how it was made."""
    import json

    from desktop_app import APP_NAME, __version__

    story = {
        "app": APP_NAME,
        "app_version": __version__,
        "model": record.model or "",
        "prompt": record.prompt or "",
        "parameters": json.dumps(record.parameters, sort_keys=True, default=str),
        "request_id": record.request_id or "",
        "time": record.created.isoformat(timespec="seconds"),
        "source_sha256": record.source_hash,
    }
    return {key: value for key, value in story.items() if value}
