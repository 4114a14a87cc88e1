"""Result images derived from the upload, carrying provenance, so tests can tell which upload
(and which result index) an image came from.

Provenance keys: "fake-openai-source-sha256" (sha256 hex of the first uploaded image's bytes),
"fake-openai-index" (result index) and, for streamed previews, "fake-openai-partial-index".
PNG carries them as tEXt chunks; JPEG and WebP as EXIF ImageDescription "key=value;key=value"
(JPEG also as a COM comment). `read_provenance` reads any of them back.
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw, ImageOps, PngImagePlugin

SOURCE_KEY = "fake-openai-source-sha256"
INDEX_KEY = "fake-openai-index"
PARTIAL_KEY = "fake-openai-partial-index"

_EXIF_IMAGE_DESCRIPTION = 0x010E
_PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}

# What Pillow may raise on hostile or truncated input (a DecompressionBombWarning becomes an
# exception when warnings are errors, as under this project's pytest configuration).
DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ValueError,
    EOFError,
    SyntaxError,
    IndexError,
    TypeError,
    RuntimeWarning,
    Image.DecompressionBombError,
)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_image(data: bytes) -> Image.Image:
    """Decode fully (raises one of DECODE_ERRORS when the bytes are not a usable image)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def base_canvas(source: Image.Image, size: tuple[int, int], *, transparent: bool) -> Image.Image:
    """The upload scaled to the output size, shared by all result indexes of one request."""
    upright = ImageOps.exif_transpose(source)
    rgba = upright.convert("RGBA")
    # BILINEAR keeps big outputs cheap; the tests only need "recognisably derived".
    canvas = rgba.resize(size, Image.Resampling.BILINEAR)
    if not transparent:
        opaque = Image.new("RGBA", size, (255, 255, 255, 255))
        opaque.alpha_composite(canvas)
        return opaque.convert("RGB")
    if source.mode not in ("RGBA", "LA", "PA") and "transparency" not in source.info:
        # An opaque upload gains a transparent frame, so "transparent" visibly did something.
        alpha = Image.new("L", size, 0)
        margin = max(1, min(size) // 16)
        ImageDraw.Draw(alpha).rectangle(
            (margin, margin, size[0] - 1 - margin, size[1] - 1 - margin), fill=255
        )
        canvas.putalpha(alpha)
    return canvas


def variant(canvas: Image.Image, index: int) -> Image.Image:
    """A per-index visible change that keeps the overall brightness: rotate the hue, and mark
    index+1 dots in the top-left corner (grey uploads have no hue to rotate)."""
    alpha = canvas.getchannel("A") if canvas.mode == "RGBA" else None
    hue, saturation, value = canvas.convert("RGB").convert("HSV").split()
    shift = (index + 1) * 43 % 256
    hue = hue.point(lambda h: (h + shift) % 256)
    result = Image.merge("HSV", (hue, saturation, value)).convert("RGB")
    draw = ImageDraw.Draw(result)
    dot = max(2, min(result.size) // 64)
    for i in range(index + 1):
        x = dot + i * dot * 2
        draw.rectangle((x, dot, x + dot - 1, 2 * dot - 1), fill=(255, 255, 255))
    if alpha is not None:
        result.putalpha(alpha)
    return result


def preview(final: Image.Image, partial_index: int) -> Image.Image:
    """A cheap blocky preview, finer for later partial indexes (like a progressive render)."""
    factor = 32 >> min(partial_index, 4)
    small = final.resize(
        (max(1, final.width // factor), max(1, final.height // factor)), Image.Resampling.BILINEAR
    )
    return small.resize(final.size, Image.Resampling.NEAREST)


def encode(
    image: Image.Image,
    output_format: str,
    provenance: dict[str, str],
    *,
    compression: int | None = None,
) -> bytes:
    buffer = io.BytesIO()
    pil_format = _PIL_FORMATS[output_format]
    if pil_format == "PNG":
        info = PngImagePlugin.PngInfo()
        for key, value in provenance.items():
            info.add_text(key, value)
        # compress_level 1: big outputs encode fast; the size is irrelevant for tests.
        image.save(buffer, "PNG", pnginfo=info, compress_level=1)
        return buffer.getvalue()
    description = ";".join(f"{key}={value}" for key, value in provenance.items())
    exif = Image.Exif()
    exif[_EXIF_IMAGE_DESCRIPTION] = description
    quality = 90 if compression is None else max(1, compression)
    if pil_format == "JPEG":
        image.convert("RGB").save(
            buffer, "JPEG", quality=quality, exif=exif.tobytes(), comment=description.encode()
        )
    else:
        image.save(buffer, "WEBP", quality=quality, exif=exif.tobytes(), method=0)
    return buffer.getvalue()


def read_provenance(data: bytes) -> dict[str, str]:
    """The provenance keys embedded by `encode` (empty when there are none)."""
    with Image.open(io.BytesIO(data)) as image:
        found: dict[str, str] = {}
        for key, value in image.info.items():
            if isinstance(key, str) and key.startswith("fake-openai-") and isinstance(value, str):
                found[key] = value
        description = image.getexif().get(_EXIF_IMAGE_DESCRIPTION)
    if isinstance(description, str):
        for item in description.split(";"):
            key, sep, value = item.partition("=")
            if sep and key.startswith("fake-openai-"):
                found[key] = value
    return found
