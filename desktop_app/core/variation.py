"""From a picture, a square and the user's choices to one request: shared by CLI and window."""

from __future__ import annotations

import enum
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
from desktop_app.core.prompts import Strength, input_fidelity, variation_prompt
from desktop_app.core.requests import ClassicRequest, EditRequest, InvalidRequest
from desktop_app.core.results import EventSink, RunResult
from desktop_app.core.transparency import can_keep_transparency, output_format_for

if TYPE_CHECKING:  # the window imports this module at start-up: keep httpx and Pillow out
    from desktop_app.core.client import ImagesClient
    from desktop_app.core.cost import CostEstimate, PriceTable
    from desktop_app.core.imaging import SourceImage, Square, Upload

MAX_EDIT_UPLOAD_SIDE = 2048  # the edits endpoint works from a square; more pixels only cost time


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

    def check(self) -> None:
        """Refuses what no server would accept, before any work or money is spent."""
        if not 1 <= self.n <= MAX_VARIATIONS:
            raise InvalidRequest(
                f"The number of variations must be between 1 and {MAX_VARIATIONS}."
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


def prepare_upload(
    source: SourceImage, square: Square | None, settings: VariationSettings
) -> Upload:
    from desktop_app.core.imaging import prepare_classic_upload, prepare_edit_upload

    settings.check()
    side = size_side(settings.effective_size)
    if settings.mode is Mode.CLASSIC:
        return prepare_classic_upload(source, square, side)
    return prepare_edit_upload(source, square, min(side, MAX_EDIT_UPLOAD_SIDE))


SMALL_SQUARE = 384  # below this a GPT Image upload is enlarged enough to look soft


def upload_warnings(
    source: SourceImage, square: Square | None, settings: VariationSettings, upload: Upload
) -> list[str]:
    """What is worth a word before paying for this upload (the window and the command line)."""
    from desktop_app.core.imaging import largest_centred_square

    warnings: list[str] = []
    crop = square or largest_centred_square(source.width, source.height)
    # GPT Image models take any input size; only a really small square is worth a word there.
    if crop.side < upload.width and (settings.mode is Mode.CLASSIC or crop.side < SMALL_SQUARE):
        warnings.append(
            f"The square is only {crop.side} px wide; it will be enlarged to {upload.width} px, "
            "so details may look soft."
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
    upload: Upload, settings: VariationSettings, model: str, mask: Upload | None = None
) -> EditRequest | ClassicRequest:
    """The request for ``upload``; ``mask`` (see imaging/region.py) limits the change to a
    region, which only the edits endpoint can do."""
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
    # A model that cannot make transparent backgrounds would refuse the whole request: the
    # wish is dropped for it (the window and the CLI say so before the run).
    keep = settings.keep_transparency and can_keep_transparency(model)
    return EditRequest(
        image=upload,
        prompt=settings.effective_prompt,
        model=model,
        n=settings.n,
        size=settings.effective_size,
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
    if isinstance(request, ClassicRequest):
        return await client.classic_variations(request, sink)
    return await client.edit(request, sink)


def estimate_cost(
    settings: VariationSettings, model: str, prices: PriceTable
) -> CostEstimate | None:
    """What a run with ``settings`` will likely cost (None: the price table cannot tell)."""
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
        size=settings.effective_size,
        quality=settings.quality,
        prompt=settings.effective_prompt,
        input_images=1,  # the variation's one square; its tokens do not depend on fidelity
        partial_images=settings.partial_images if settings.stream else 0,
    )
