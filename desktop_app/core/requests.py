"""The two kinds of variation request and how each becomes a multipart form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop_app.core.capabilities import (
    CLASSIC_MODEL,
    CLASSIC_SIZES,
    MAX_PARTIAL_IMAGES,
    MAX_VARIATIONS,
    OUTPUT_FORMATS,
    capabilities_for,
)
from desktop_app.core.errors import InvalidRequest as InvalidRequest  # re-exported

if TYPE_CHECKING:
    from desktop_app.core.imaging import Upload

FormFields = list[tuple[str, str]]

# The mask rules of POST /v1/images/edits (API.md section 4, OpenAI's CreateImageEditRequest):
# a PNG under 4 MB with an alpha channel, the same size as the (first) image.
MASK_MAX_BYTES = 4 * 1024 * 1024
MASK_FILENAME = "mask.png"
MASK_MIME_TYPE = "image/png"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_ALPHA_COLOUR_TYPES = (4, 6)  # grey + alpha, RGBA; other types have alpha only with tRNS


@dataclass(frozen=True)
class EditRequest:
    """A GPT Image variation: ``POST /v1/images/edits`` with a variation prompt."""

    image: Upload
    prompt: str
    model: str
    n: int = 1
    size: str = "auto"
    quality: str = "auto"
    background: str | None = None
    output_format: str = "png"
    output_compression: int | None = None
    input_fidelity: str | None = None
    complexity: str | None = None
    stream: bool = False
    partial_images: int = 0
    safety_identifier: str | None = None
    # Optional region mask: a PNG with alpha of the image's exact size; alpha 0 = may change.
    mask: Upload | None = None

    def form(self) -> FormFields:
        """The form fields, checked against the model's capabilities.

        Parameters the model does not accept are left out when they are only refinements
        (input fidelity, complexity) and refused when the user asked for them outright.
        """
        caps = capabilities_for(self.model)
        if not self.prompt.strip():
            raise InvalidRequest("The variation prompt is empty.")
        if len(self.prompt) > 32_000:
            raise InvalidRequest("The prompt is longer than 32,000 characters.")
        _check_n(self.n)
        if not caps.accepts_size(self.size):
            raise InvalidRequest(f"{self.model} does not make images of size {self.size}.")
        if self.quality not in caps.qualities:
            raise InvalidRequest(
                f"{self.model} accepts quality {', '.join(caps.qualities)}, not {self.quality}."
            )
        if self.output_format not in OUTPUT_FORMATS:
            raise InvalidRequest(f"Output format must be one of {', '.join(OUTPUT_FORMATS)}.")
        if self.mask is not None:
            if not caps.masks:
                raise InvalidRequest(
                    f"{self.model} does not take a region mask; vary the whole picture instead."
                )
            check_mask(self.mask, self.image)
        fields: FormFields = [
            ("prompt", self.prompt),
            ("model", self.model),
            ("n", str(self.n)),
            ("size", self.size),
            ("quality", self.quality),
            ("output_format", self.output_format),
        ]
        if self.background:
            if self.background == "transparent":
                if not caps.transparent_background:
                    raise InvalidRequest(f"{self.model} cannot make transparent backgrounds.")
                if self.output_format == "jpeg":
                    raise InvalidRequest("A transparent background needs PNG or WebP output.")
            fields.append(("background", self.background))
        if self.output_compression is not None and self.output_format in ("jpeg", "webp"):
            if not 0 <= self.output_compression <= 100:
                raise InvalidRequest("Output compression must be between 0 and 100.")
            fields.append(("output_compression", str(self.output_compression)))
        if self.input_fidelity and caps.input_fidelity:
            fields.append(("input_fidelity", self.input_fidelity))
        if self.complexity and caps.complexity:
            fields.append(("complexity", self.complexity))
        if self.stream:
            fields.append(("stream", "true"))
            partials = max(0, min(self.partial_images, MAX_PARTIAL_IMAGES))
            fields.append(("partial_images", str(partials)))
        if self.safety_identifier:
            fields.append(("safety_identifier", self.safety_identifier))
        return fields


@dataclass(frozen=True)
class ClassicRequest:
    """The classic ``POST /v1/images/variations`` (dall-e-2), for servers that still serve it."""

    image: Upload
    model: str = CLASSIC_MODEL
    n: int = 1
    size: str = "1024x1024"
    response_format: str = "b64_json"
    user: str | None = None

    def form(self) -> FormFields:
        _check_n(self.n)
        if self.size not in CLASSIC_SIZES:
            raise InvalidRequest(
                f"The classic endpoint makes sizes {', '.join(CLASSIC_SIZES)}, not {self.size}."
            )
        if self.response_format not in ("url", "b64_json"):
            raise InvalidRequest("The response format must be url or b64_json.")
        if self.image.format != "png":
            raise InvalidRequest("The classic endpoint takes PNG uploads only.")
        fields: FormFields = [
            ("model", self.model),
            ("n", str(self.n)),
            ("size", self.size),
            ("response_format", self.response_format),
        ]
        if self.user:
            fields.append(("user", self.user))
        return fields


@dataclass(frozen=True)
class PngFacts:
    """What a PNG's header says: its size, and whether it carries alpha (a channel or tRNS)."""

    width: int
    height: int
    has_alpha: bool


def png_facts(data: bytes) -> PngFacts | None:
    """The header facts of a PNG file, None when ``data`` is not one (read without decoding)."""
    if not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 33:
        return None
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    colour_type = data[25]
    has_alpha = colour_type in _PNG_ALPHA_COLOUR_TYPES
    offset = 8
    while not has_alpha and offset + 8 <= len(data):  # a tRNS chunk comes before the pixels
        length = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8]
        if kind in (b"IDAT", b"IEND"):
            break
        has_alpha = kind == b"tRNS"
        offset += 12 + length
    return PngFacts(width, height, has_alpha)


def check_mask(mask: Upload, image: Upload) -> None:
    """Refuses, before anything is sent, a region mask the edits endpoint would refuse."""
    facts = png_facts(mask.data)
    if mask.format != "png" or mask.mime_type != MASK_MIME_TYPE or facts is None:
        raise InvalidRequest("The region mask must be a PNG file.")
    if len(mask.data) >= MASK_MAX_BYTES:
        raise InvalidRequest("The region mask must be smaller than 4 MB.")
    if (facts.width, facts.height) != (mask.width, mask.height):
        raise InvalidRequest(
            f"The region mask file is {facts.width}x{facts.height} pixels, "
            f"not the {mask.width}x{mask.height} it claims."
        )
    if (mask.width, mask.height) != (image.width, image.height):
        raise InvalidRequest(
            f"The region mask is {mask.width}x{mask.height} pixels but the picture sent is "
            f"{image.width}x{image.height}; they must be the same size."
        )
    if not facts.has_alpha:
        raise InvalidRequest(
            "The region mask needs an alpha channel (transparent where the picture may change)."
        )


def _check_n(n: int) -> None:
    if not 1 <= n <= MAX_VARIATIONS:
        raise InvalidRequest(f"The number of variations must be between 1 and {MAX_VARIATIONS}.")
