"""From a picture, a frame and the user's choices to one request: shared by CLI and window.

The size asked for follows the shape and the model (``requested_size``); the upload, its mask
and the cost estimate all follow that size, so they can never disagree about the ratio.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop_app.core.capabilities import (
    CLASSIC_MODEL,
    CLASSIC_SIZES,
    MAX_VARIATIONS,
    STANDARD_SIZES,
    capabilities_for,
    custom_size_is_valid,
    size_side,
)
from desktop_app.core.errors import InvalidRequest
from desktop_app.core.imaging.shape import Shape, size_for_ratio
from desktop_app.core.prompts import Strength, input_fidelity, variation_prompt
from desktop_app.core.transparency import can_keep_transparency, output_format_for

if TYPE_CHECKING:  # the window imports this module at start-up: keep httpx and Pillow out
    from PIL import Image

    from desktop_app.core.client import ImagesClient
    from desktop_app.core.cost import CostEstimate, PriceTable
    from desktop_app.core.imaging import Frame, SourceImage, Square, Upload
    from desktop_app.core.requests import ClassicRequest, EditRequest
    from desktop_app.core.results import EventSink, RunResult

MAX_EDIT_UPLOAD_SIDE = 2048  # the model works from a small picture; more pixels only cost time
ZOOM_OUTS = (1.5, 2.0)  # the zoom-out presets: the picture at 2/3 or 1/2 of the frame


class Mode(enum.Enum):
    EDIT = "edit"  # GPT Image edits with a variation prompt: the default against OpenAI
    CLASSIC = "classic"  # the retired /images/variations, on servers that still serve it


@dataclass(frozen=True)
class VariationSettings:
    mode: Mode = Mode.EDIT
    model: str | None = None  # None: the caller picks one from the server's list
    n: int = 1
    size: str | None = None  # None: "auto" for edits, "1024x1024" for classic
    quality: str = "auto"
    output_format: str = "png"
    strength: Strength = Strength.BALANCED
    prompt: str | None = None  # None: the wording for ``strength``
    response_format: str = "b64_json"  # classic only
    stream: bool = False
    partial_images: int = 2
    # Ask for a transparent background (edit mode, models that can): see transparency.py.
    keep_transparency: bool = False
    # The frame's shape; other than square, the size asked for follows it (requested_size)
    # and ``size`` only tells the area wanted (edit mode only).
    shape: Shape = Shape.SQUARE
    # Place the framed picture 1 / zoom_out as large on a transparent canvas and let the model
    # fill the border (edit mode only: it needs a mask).
    zoom_out: float | None = None

    def check(self) -> None:
        """Refuses what no server would accept, before any work or money is spent."""
        if not 1 <= self.n <= MAX_VARIATIONS:
            raise InvalidRequest(
                f"The number of variations must be between 1 and {MAX_VARIATIONS}."
            )
        if self.zoom_out is not None and (
            isinstance(self.zoom_out, bool) or self.zoom_out not in ZOOM_OUTS
        ):
            raise InvalidRequest(f"Zoom out is 1.5× or 2×, not {self.zoom_out!r}.")
        if self.mode is Mode.CLASSIC and self.shape is not Shape.SQUARE:
            raise InvalidRequest(
                f"Classic variations are square only: use the edit mode for {self.shape.label}."
            )
        if self.mode is Mode.CLASSIC and self.zoom_out is not None:
            raise InvalidRequest(
                "Classic variations cannot zoom out (there is no border to fill without a "
                "mask): use the edit mode."
            )
        size = self.effective_size
        if self.mode is Mode.CLASSIC and size not in CLASSIC_SIZES:
            raise InvalidRequest(
                f"The classic endpoint makes sizes {', '.join(CLASSIC_SIZES)}, not {size}."
            )
        if self.mode is Mode.EDIT and size not in STANDARD_SIZES and not custom_size_is_valid(size):
            raise InvalidRequest(
                f"{size} is not a size GPT Image models make: use auto, 1024x1024, 1536x1024, "
                "1024x1536, or WxH with sides divisible by 16, aspect 1:3 to 3:1, long edge at "
                "most 3840 and 655,360 to 8,294,400 pixels."
            )

    @property
    def effective_size(self) -> str:
        if self.size:
            return self.size
        return "auto" if self.mode is Mode.EDIT else "1024x1024"

    @property
    def effective_prompt(self) -> str:
        return self.prompt if self.prompt is not None else variation_prompt(self.strength)


def requested_size(
    settings: VariationSettings, model: str, picture: tuple[int, int] | None = None
) -> str:
    """The size to ask ``model`` for: the chosen one for a square (as before shapes, "auto"
    included), else the size the model makes nearest the shape (imaging/shape.py) at about the
    chosen size's area. ``picture`` (upright width, height) gives "Whole picture" its ratio."""
    if settings.mode is Mode.CLASSIC or settings.shape is Shape.SQUARE:
        return settings.effective_size
    return size_for_ratio(settings.shape.ratio(picture), model, settings.size)


def frame_ratio(
    settings: VariationSettings,
    model: str,
    picture: tuple[int, int] | None = None,
    taken: Callable[[str], str] = lambda size: size,
) -> tuple[int, int]:
    """The ratio the framing tool draws, width:height: 1:1 for a square run (whatever size it
    asks for, its upload is square), else that of the size ``requested_size`` asks for as the
    server takes it (``taken``: its remembered rules), so the frame shown is the frame sent."""
    if settings.mode is Mode.CLASSIC or settings.shape is Shape.SQUARE:
        return (1, 1)
    width, _x, height = taken(requested_size(settings, model, picture)).partition("x")
    if not (width.isdigit() and height.isdigit()):  # "auto": the server follows the picture
        return (1, 1) if picture is None else picture
    return (int(width), int(height))


def upload_size(settings: VariationSettings, size: str) -> tuple[int, int]:
    """The upload's width and height for a request of ``size``: a square of the size's long
    side for square runs (as before shapes), else the size's own ratio; the long side at most
    MAX_EDIT_UPLOAD_SIDE for edits (rounded to the pixel, so the ratio holds within one)."""
    side = size_side(size)
    if settings.mode is Mode.CLASSIC:
        return side, side
    if settings.shape is Shape.SQUARE:
        side = min(side, MAX_EDIT_UPLOAD_SIDE)
        return side, side
    width, height = (int(part) for part in size.split("x"))
    scale = min(1.0, MAX_EDIT_UPLOAD_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def prepare_upload(
    source: SourceImage,
    crop: Square | Frame | None,
    settings: VariationSettings,
    model: str | None = None,
    *,
    size: str | None = None,
) -> Upload:
    """The picture to send: ``crop`` (None: the largest centred one) given the ratio of the
    size requested of ``model`` (None: ``settings.model``, else an unknown model's standard
    sizes; pass the model the run uses once it is known), zoomed out when asked. ``size``: the
    size the server takes instead (a gateway that refused a custom one, reframing.py)."""
    from desktop_app.core.imaging import prepare_classic_upload, prepare_edit_upload

    settings.check()
    if size is None:
        picture = (source.width, source.height)
        size = requested_size(settings, model or settings.model or "", picture)
    width, height = upload_size(settings, size)
    if settings.mode is Mode.CLASSIC:
        return prepare_classic_upload(source, crop, width)
    return prepare_edit_upload(source, crop, (width, height), zoom_out=settings.zoom_out)


def upload_fits(upload: Upload, settings: VariationSettings, size: str) -> bool:
    """Whether ``upload`` was made for a request of ``size`` (a run whose model turned out to
    make another size must prepare its upload again)."""
    return (upload.width, upload.height) == upload_size(settings, size)


def prepare_mask(
    source: SourceImage,
    crop: Square | Frame | None,
    upload: Upload,
    settings: VariationSettings,
    region: Image.Image | None = None,
) -> Upload | None:
    """The ``mask`` for ``upload``: ``region`` (imaging/region.py) mapped like the picture, and
    a zoom-out's border; None when the whole picture may change. Raises ImageRejected for a
    region that changes nothing or everything, InvalidRequest in classic mode."""
    if region is None and settings.zoom_out is None:
        return None
    if settings.mode is Mode.CLASSIC:
        raise InvalidRequest("Classic variations cannot vary a region: use the edit mode.")
    from desktop_app.core.imaging.region import mask_for

    size = (source.width, source.height)
    return mask_for(region, crop, size, upload, zoom_out=settings.zoom_out)


SMALL_SQUARE = 384  # below this a GPT Image upload is enlarged enough to look soft


def upload_warnings(
    source: SourceImage,
    crop: Square | Frame | None,
    settings: VariationSettings,
    upload: Upload,
) -> list[str]:
    """What is worth a word before paying for this upload (the window and the command line)."""
    from desktop_app.core.imaging.geometry import frame_for_upload, zoom_placement

    warnings: list[str] = []
    frame = frame_for_upload(crop, source.width, source.height, (upload.width, upload.height))
    shown = (
        zoom_placement(upload.width, upload.height, settings.zoom_out)
        if settings.zoom_out is not None
        else upload
    )
    # GPT Image models take any input size; only a really small crop is worth a word there.
    small = min(frame.width, frame.height) < SMALL_SQUARE
    if frame.width < shown.width and (settings.mode is Mode.CLASSIC or small):
        if frame.width == frame.height and shown.width == shown.height:
            warnings.append(
                f"The square is only {frame.width} px wide; it will be enlarged to "
                f"{shown.width} px, so details may look soft."
            )
        else:
            warnings.append(
                f"The frame is only {frame.width} × {frame.height} px; it will be enlarged to "
                f"{shown.width} × {shown.height} px, so details may look soft."
            )
    if settings.mode is Mode.CLASSIC:
        if source.format != "PNG" or source.width != source.height:
            warnings.append(
                "The classic endpoint takes square PNGs only: the square is sent as a PNG."
            )
        if len(upload.data) > 3_500_000:
            warnings.append("The PNG is close to the classic 4 MB limit.")
    return warnings


def build_request(
    upload: Upload,
    settings: VariationSettings,
    model: str,
    mask: Upload | None = None,
    *,
    picture: tuple[int, int] | None = None,
    size: str | None = None,
) -> EditRequest | ClassicRequest:
    """The request for ``upload``; ``mask`` (``prepare_mask``) limits the change to a region or
    a zoom-out's border, which only the edits endpoint can do. ``picture`` is the source's
    upright size, needed for "Whole picture" (the upload's own ratio is rounded, and a size
    found again from it can differ by 16 pixels). ``size`` overrides the size asked for (an
    edit's, when the server takes another: reframing.py); the upload must be made for it."""
    from desktop_app.core.requests import ClassicRequest, EditRequest

    if settings.mode is Mode.CLASSIC:
        if mask is not None:
            raise InvalidRequest("Classic variations cannot vary a region: use the edit mode.")
        return ClassicRequest(
            image=upload,
            model=model or CLASSIC_MODEL,
            n=settings.n,
            size=settings.effective_size,
            response_format=settings.response_format,
        )
    if settings.zoom_out is not None and mask is None:
        raise InvalidRequest("A zoom out needs its mask: the border is what the model fills.")
    if size is None:
        if settings.shape is Shape.PICTURE and picture is None:
            raise ValueError("build_request needs the picture's size for the Whole picture shape")
        size = requested_size(settings, model, picture)
    if settings.shape is not Shape.SQUARE and not upload_fits(upload, settings, size):
        # Sending it would stretch the picture into another ratio: prepare it for this model.
        raise InvalidRequest(
            f"The picture was prepared as {upload.width} × {upload.height}, not for {size}."
        )
    # A model that cannot make transparent backgrounds would refuse the whole request: the
    # wish is dropped for it (the window and the CLI say so before the run). A zoom-out never
    # asks for one: its transparent border is there to be filled, not kept.
    keep = settings.keep_transparency and can_keep_transparency(model) and settings.zoom_out is None
    return EditRequest(
        image=upload,
        prompt=settings.effective_prompt,
        model=model,
        n=settings.n,
        size=size,
        quality=settings.quality,
        background="transparent" if keep else None,
        output_format=output_format_for(settings.output_format, keep),
        # Only for models documented to take it (the retired 1.x); every 2.x model refuses it.
        input_fidelity=(
            input_fidelity(settings.strength) if capabilities_for(model).input_fidelity else None
        ),
        stream=settings.stream,
        partial_images=settings.partial_images if settings.stream else 0,
        mask=mask,
    )


async def send(
    client: ImagesClient, request: EditRequest | ClassicRequest, sink: EventSink
) -> RunResult:
    from desktop_app.core.requests import ClassicRequest

    if isinstance(request, ClassicRequest):
        return await client.classic_variations(request, sink)
    return await client.edit(request, sink)


def estimate_cost(
    settings: VariationSettings,
    model: str,
    prices: PriceTable,
    picture: tuple[int, int] | None = None,
) -> CostEstimate | None:
    """What a run with ``settings`` will likely cost (None: the price table cannot tell), at
    the size ``requested_size`` asks ``model`` for (``picture``: for "Whole picture")."""
    if settings.mode is Mode.CLASSIC:
        return prices.estimate(
            CLASSIC_MODEL,
            mode="classic",
            n=settings.n,
            size=settings.effective_size,
            quality="standard",
            prompt="",
        )
    return prices.estimate(
        model,
        mode="edit",
        n=settings.n,
        size=requested_size(settings, model, picture),
        quality=settings.quality,
        prompt=settings.effective_prompt,
        input_images=1,  # the variation's one picture; its tokens do not depend on fidelity
        partial_images=settings.partial_images if settings.stream else 0,
    )
