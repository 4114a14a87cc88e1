"""Opening a user's picture safely and rendering regions of it as upright sRGB pixels.

``open_image`` reads only what it must (the bytes, the header, EXIF orientation) and checks
that the file is whole and not absurdly large. Pixels are decoded later, on demand, and
each request decodes afresh from the kept bytes: a SourceImage holds no Pillow object, so
it can be used from several threads and never pins a 100 MB bitmap in memory.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import math
import os
import re
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageFile

from .colour import (
    ALPHA_MODES,
    drop_alpha,
    has_transparency,
    levels_for,
    to_srgb,
    to_working_mode,
)
from .decoded import DecodedPixels, decode_into_buffer, plain_rgb_jpeg
from .errors import ImageRejected
from .orientation import (
    Box,
    make_upright,
    normalise_orientation,
    upright_box_to_stored,
    upright_size,
)
from .resampling import resize_region, safe_box
from .sniffing import Kind, detect_kind
from .streaming import applies, decode_shrunk, shrink_decoded

# Limits that keep any input under roughly a second or two and well under 1 GB of memory.
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_PIXELS = 100_000_000  # JPEGs: they decode at a reduced scale (draft mode)
# Formats that must be decoded whole: a 100 MP PNG takes ~4.5 s and ~840 MB here, 50 MP ~2 s.
MAX_PIXELS_FULL_DECODE = 50_000_000
_SCALED_DECODE_FORMATS = ("JPEG", "MPO")
# More pixels per byte of file than this is no real picture but a "decompression bomb".
_BOMB_PIXELS_PER_BYTE = 1000
# Real progressive JPEGs have about ten scans; thousands make decoding crawl (a known DoS).
_MAX_JPEG_SCANS = 256
_PROGRESSIVE_SOF = (b"\xff\xc2", b"\xff\xc6", b"\xff\xca", b"\xff\xce")

PASTED_NAME = "pasted image"

_KIND_LABEL: dict[Kind, str] = {
    "PNG": "PNG",
    "JPEG": "JPEG",
    "GIF": "GIF",
    "WEBP": "WebP",
    "BMP": "BMP",
    "TIFF": "TIFF",
    "HEIF": "HEIC/HEIF",
}
# Modes whose pixels carry an alpha channel (other modes get one only from "transparency").
_ALPHA_HEADER_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
# Modes the JPEG "draft" (decode at 1/2, 1/4, 1/8 scale) fast path works for.
_DRAFT_SCALES = (8, 4, 2)
PREVIEW_SLACK = 0.75  # a preview may be this much smaller than asked, to be decoded faster


class SourceImage:
    """An opened, validated picture. Create it with ``open_image``."""

    format: str
    width: int
    height: int
    name: str

    def __init__(
        self,
        *,
        data: bytes,
        kind: Kind,
        pillow_format: str,
        stored_size: tuple[int, int],
        orientation: int,
        icc: bytes | None,
        may_have_alpha: bool,
        name: str,
    ) -> None:
        self._data = data
        self._kind = kind
        self._stored_size = stored_size
        self._orientation = orientation
        self._icc = icc
        self._has_alpha: bool | None = None if may_have_alpha else False
        self._kept: DecodedPixels | None = None  # the window's preview, see decoded_preview
        self.format = pillow_format
        self.width, self.height = upright_size(stored_size, orientation)
        self.name = name

    def __repr__(self) -> str:
        return (
            f"SourceImage(name={self.name!r}, format={self.format!r}, "
            f"size={self.width}x{self.height}, orientation={self._orientation})"
        )

    @property
    def original_bytes(self) -> bytes:
        """The file's bytes exactly as opened (the library keeps them as the run's source)."""
        return self._data

    @functools.cached_property
    def data_sha256(self) -> str:
        """SHA-256 of the original bytes (computed on first use: ~2 ms per MB)."""
        return hashlib.sha256(self._data).hexdigest()

    @property
    def orientation(self) -> int:
        """The EXIF orientation (1-8) that was applied to get the upright picture."""
        return self._orientation

    @property
    def has_alpha(self) -> bool:
        """Whether the picture has real transparency (decodes once to find out, then cached)."""
        if self._has_alpha is None:
            with _guard(self._kind, len(self._data)):
                image = self._decode(None, None)[0]
                work = _drop_unused_alpha(to_working_mode(image, levels_for(image)), None)
                self._has_alpha = has_transparency(work)
        return self._has_alpha

    def upright(self, max_side: int | None = None) -> Image.Image:
        """The whole picture, upright, RGB or RGBA in sRGB.

        ``max_side`` shrinks it (never enlarges) so neither side exceeds it; JPEGs are then
        decoded at reduced scale, which is much faster: use it for previews.
        """
        out: tuple[int, int] | None = None
        if max_side is not None:
            if max_side < 1:
                raise ValueError(f"max_side must be at least 1, got {max_side}")
            longest = max(self.width, self.height)
            if longest > max_side:
                ratio = max_side / longest
                out = (
                    max(1, round(self.width * ratio)),
                    max(1, round(self.height * ratio)),
                )
        return self.render((0, 0, self.width, self.height), out)

    def preview(self, max_side: int) -> Image.Image:
        """The whole picture upright for showing, its longest side at most ``max_side`` and at
        least 3/4 of it: a size the JPEG decoder reaches by itself (a 4000 px photo is shown
        at 2000 px, decoded at half scale) costs a quarter of the pixels and no resampling."""
        scale = self._preview_scale(max_side)
        if scale is None:
            return self.upright(max_side=max_side)
        return self.upright(max_side=max(self.width, self.height) // scale)

    def decoded_preview(self, max_side: int, *, keep: bool = True) -> DecodedPixels | None:
        """The pixels of ``preview(max_side)`` decoded straight into RGBX rows that a window
        shows without copying them (decoded.py); None unless the picture is a plain RGB JPEG,
        upright as stored and without a colour profile (then use ``preview``).

        With ``keep``, the picture keeps them until the first ``render`` at the decoder's scale
        of this preview (the upload, usually), which resizes them instead of decoding the file
        again (the same result, see decoded.py), or until ``forget_decoded``.
        """
        scale = self._preview_scale(max_side)
        if scale is None or self._kind != "JPEG" or self._icc or self._orientation != 1:
            return None
        with _guard(self._kind, len(self._data)):
            width, height = self._stored_size
            whole = (0.0, 0.0, float(width), float(height))
            opened, drafted = self._open_scaled(whole, (width // scale, height // scale))
            if drafted != scale or not plain_rgb_jpeg(opened):
                return None
            decoded = decode_into_buffer(self._data, opened, scale)
        if keep:
            self._kept = decoded
        return decoded

    def forget_decoded(self) -> None:
        """Lets go of the pixels ``decoded_preview`` kept (the window no longer shows them):
        renders decode the file again."""
        self._kept = None

    def _preview_scale(self, max_side: int) -> int | None:
        """The decoder's scale whose output is a preview for ``max_side`` as it is."""
        longest = max(self.width, self.height)
        if longest <= max_side:
            return 1
        for scale in _DRAFT_SCALES:  # largest first
            side = longest // scale  # rounded down: the decoder's ratio stays >= scale
            if max_side * PREVIEW_SLACK <= side <= max_side:
                return scale
        return None

    def render(self, region: Box, size: tuple[int, int] | None) -> Image.Image:
        """``region`` of the upright picture resampled to ``size`` (None: as is), RGB/RGBA sRGB.

        The region is mapped to stored (pre-EXIF) coordinates, the JPEG decoder shrinks as
        far as it can while keeping at least ``size`` pixels, and only the small result is
        colour-converted and turned upright.
        """
        left, top, right, bottom = region
        if not (0 <= left < right <= self.width and 0 <= top < bottom <= self.height):
            raise ValueError(f"region {region} is not inside {self.width}x{self.height}")
        if size is not None and min(size) < 1:
            raise ValueError(f"size must be at least 1x1, got {size}")
        stored_box = upright_box_to_stored(region, self._stored_size, self._orientation)
        stored_out = None if size is None else upright_size(size, self._orientation)
        with _guard(self._kind, len(self._data)):
            opened, scale = self._open_scaled(stored_box, stored_out)
            box = _scaled_box(stored_box, scale, opened.size)
            kept = self._kept_for(opened, scale, box, stored_out)
            if kept is not None and stored_out is not None:
                # The window's preview holds these very pixels decoded: no second decode.
                pixels = shrink_decoded(kept, box, stored_out, self._to_srgb, self._orientation)
                pixels.info = {}  # as below
                return pixels
            if stored_out is not None and self._kind == "JPEG":
                # Big JPEGs: shrunk band by band on the other core while still decoding.
                shrunk = decode_shrunk(
                    self._data, opened, box, stored_out, self._to_srgb, self._orientation
                )
                if shrunk is not None:
                    shrunk.info = {}  # no EXIF, ICC or text may leak into what we encode later
                    return shrunk
            image = self._load(opened)
            if stored_out is None:
                stored_out = (round(box[2] - box[0]), round(box[3] - box[1]))
            levels = levels_for(image)  # from the whole picture, so crops match it
            if image.mode not in ("RGB", "L", "CMYK") or "transparency" in image.info:
                # Mode conversion touches every pixel: convert only what the filter reads.
                outer = safe_box(image.size, box, stored_out)
                if outer != (0, 0, *image.size):
                    image = image.crop(outer)
                    box = (
                        box[0] - outer[0],
                        box[1] - outer[1],
                        box[2] - outer[0],
                        box[3] - outer[1],
                    )
            work = _drop_unused_alpha(to_working_mode(image, levels), box)
            return self._finish(resize_region(work, box, stored_out))

    def _kept_for(
        self, opened: ImageFile.ImageFile, scale: int, box: Box, size: tuple[int, int] | None
    ) -> Image.Image | None:
        """The kept preview, taken (once used, it is let go of), when it holds the pixels
        this render would decode for the path that shrinks them while decoding (the one whose
        result it then gives)."""
        kept = self._kept
        if kept is None or size is None or kept.scale != scale or kept.size != opened.size:
            return None
        if not applies(opened, box, size):
            return None
        self._kept = None
        return kept.image()

    def _finish(self, work: Image.Image) -> Image.Image:
        """The resized stored pixels made sRGB and upright, with nothing riding along."""
        result = make_upright(self._to_srgb(work), self._orientation)
        result.info = {}  # no EXIF, ICC or text may leak into what we encode later
        return result

    def _to_srgb(self, work: Image.Image) -> Image.Image:
        return to_srgb(work, self._icc)

    def _decode(
        self, stored_box: Box | None, stored_out: tuple[int, int] | None
    ) -> tuple[Image.Image, int]:
        """Decode the stored picture, at 1/scale size when that still gives enough pixels."""
        image, scale = self._open_scaled(stored_box, stored_out)
        return self._load(image), scale

    def _open_scaled(
        self, stored_box: Box | None, stored_out: tuple[int, int] | None
    ) -> tuple[ImageFile.ImageFile, int]:
        """Open the stored picture, drafted to decode at 1/scale size when that still gives
        enough pixels (JPEG), but not decoded yet."""
        image = _pillow_open(self._data, self._kind)
        scale = 1
        if self._kind == "JPEG" and stored_box is not None and stored_out is not None:
            ratio = min(
                (stored_box[2] - stored_box[0]) / stored_out[0],
                (stored_box[3] - stored_box[1]) / stored_out[1],
            )
            wanted = next((s for s in _DRAFT_SCALES if s <= ratio), 1)
            if wanted > 1:
                width, height = image.size
                drafted = image.draft(image.mode, (width // wanted, height // wanted))
                if drafted is not None:
                    scale = round(width / drafted[1][2])
        return image, scale

    def _load(self, image: ImageFile.ImageFile) -> Image.Image:
        image.load()
        if self._kind == "BMP" and image.mode == "RGBA" and image.getchannel("A").getbbox() is None:
            # 32-bit BMPs from Windows tools often carry an all-zero "alpha" meaning "unused".
            return image.convert("RGB")
        return image


def _drop_unused_alpha(image: Image.Image, box: Box | None) -> Image.Image:
    """Drop an alpha channel that is fully opaque in the area we use (None: everywhere)."""
    if image.mode not in ALPHA_MODES:
        return image
    alpha = image.getchannel("A")
    if box is not None:
        alpha = alpha.crop(
            (math.floor(box[0]), math.floor(box[1]), math.ceil(box[2]), math.ceil(box[3]))
        )
    low, _high = alpha.getextrema()
    return drop_alpha(image) if low == 255 else image


def open_image(source: Path | str | bytes, *, name: str | None = None) -> SourceImage:
    """Open and validate a picture from a path or bytes; raises only ImageRejected."""
    data, default_name = _read_source(source)
    if not data:
        raise ImageRejected("empty", "This file is empty.")
    kind = detect_kind(data)
    _check_structure(kind, data)
    with _guard(kind, len(data)):
        image = _pillow_open(data, kind)
        stored_size = image.size
        limit = MAX_PIXELS if image.format in _SCALED_DECODE_FORMATS else MAX_PIXELS_FULL_DECODE
        _check_size(stored_size, len(data), limit)
        orientation = _read_orientation(image, kind, data)
        icc = image.info.get("icc_profile")
        pillow_format = image.format or kind
        may_have_alpha = _may_have_alpha(image)
    return SourceImage(
        data=data,
        kind=kind,
        pillow_format="HEIF" if kind == "HEIF" else pillow_format,
        stored_size=stored_size,
        orientation=orientation,
        icc=icc if isinstance(icc, bytes) and icc else None,
        may_have_alpha=may_have_alpha,
        name=name or default_name,
    )


def _may_have_alpha(image: Image.Image) -> bool:
    """From the header alone: could any pixel be transparent? (False means surely not.)"""
    if image.mode in _ALPHA_HEADER_MODES or "transparency" in image.info:
        return True
    return image.mode == "P" and image.palette is not None and image.palette.mode == "RGBA"


def _read_source(source: Path | str | bytes) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > MAX_FILE_BYTES:
            raise _file_too_large()
        return data, PASTED_NAME
    if not isinstance(source, str | Path):
        raise TypeError(f"expected a path or bytes, got {type(source).__name__}")
    path = Path(source)
    try:
        if not path.is_file():  # also refuses FIFOs and devices, which could block forever
            if path.exists():
                raise ImageRejected("unreadable_file", "This is a folder or device, not a file.")
            raise ImageRejected("unreadable_file", "The file couldn't be found.")
        with path.open("rb") as handle:
            # Sized by the file (a byte more shows one that grew past the limit meanwhile): a
            # read of the limit itself would ask for 256 MB for every picture opened.
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(min(size, MAX_FILE_BYTES) + 1)
            if size < len(data) <= MAX_FILE_BYTES:  # still being written: the rest too
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except PermissionError as exc:
        raise ImageRejected("unreadable_file", "The app isn't allowed to read this file.") from exc
    except OSError as exc:
        raise ImageRejected("unreadable_file", "The file couldn't be read.") from exc
    if len(data) > MAX_FILE_BYTES:
        raise _file_too_large()
    return data, path.name


def _file_too_large() -> ImageRejected:
    return ImageRejected(
        "too_large",
        f"This file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; "
        "please use a smaller picture.",
    )


def _check_structure(kind: Kind, data: bytes) -> None:
    """Cheap whole-file checks done before decoding, so a cut-off file fails on opening."""
    label = _KIND_LABEL[kind]
    truncated = ImageRejected(
        "truncated",
        f"This {label} file is incomplete; it was probably cut off while copying or downloading.",
    )
    if kind == "JPEG":
        # The last end-of-image marker must follow the last scan. Searching backwards from
        # the end is quick; FF D9 / FF DA cannot occur inside compressed data (FF is escaped).
        last_end = data.rfind(b"\xff\xd9")
        if last_end < 0 or data.find(b"\xff\xda", last_end) >= 0:
            raise truncated
        first_scan = data.find(b"\xff\xda")
        if first_scan < 0:
            raise _corrupt(kind)
        # Sequential JPEGs have at most 4 scans; progressive ones (SOF2/6/10/14) about ten,
        # and thousands would make decoding crawl, a known denial of service.
        header = data[:first_scan]
        progressive = any(marker in header for marker in _PROGRESSIVE_SOF)
        if progressive and data.count(b"\xff\xda") > _MAX_JPEG_SCANS:
            raise _corrupt(kind)
    elif kind == "PNG":
        first_data = data.find(b"IDAT")
        if first_data < 0:
            raise truncated if len(data) < 1024 or b"IEND" not in data else _corrupt(kind)
        if data.rfind(b"IEND") < first_data:
            raise truncated
    elif kind == "WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        if len(data) < declared:
            raise truncated


def _check_size(size: tuple[int, int], file_bytes: int, limit: int = MAX_PIXELS) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageRejected("too_small", "This picture has no pixels.")
    _check_pixels(width * height, file_bytes, size, limit)


def _check_pixels(
    pixels: int, file_bytes: int, size: tuple[int, int] | None, limit: int = MAX_PIXELS
) -> None:
    if pixels <= limit:
        return
    dims = f"{size[0]}×{size[1]} pixels" if size else f"{pixels:,} pixels"
    if pixels > file_bytes * _BOMB_PIXELS_PER_BYTE:
        raise ImageRejected(
            "bomb",
            f"This file claims to be {dims} but holds only {_human_bytes(file_bytes)}; "
            "files like that are built to exhaust memory, so it was not opened.",
        )
    raise ImageRejected(
        "too_large",
        f"This picture is {dims} ({pixels / 1e6:.0f} megapixels); the app handles up to "
        f"{limit // 1_000_000} megapixels for this format, so please scale it down first.",
    )


def _human_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count / (1024 * 1024):.1f} MB"


def _read_orientation(image: Image.Image, kind: Kind, data: bytes) -> int:
    if kind in ("TIFF", "HEIF"):
        # Pillow's TIFF reader applies the orientation tag itself when loading and reports
        # the upright size from the start; libheif applies HEIF's rotation and mirroring.
        return 1
    if kind == "PNG" and "exif" not in image.info and b"eXIf" not in data:
        # PNG's getexif() decodes the whole picture looking for a late eXIf chunk; there
        # is none, so read only what the header gave (XMP or ImageMagick's text EXIF).
        exif = Image.Image.getexif(image)
    else:
        exif = image.getexif()
    return normalise_orientation(exif.get(0x0112))


def _pillow_open(data: bytes, kind: Kind) -> ImageFile.ImageFile:
    if kind == "HEIF":
        _register_heif()
    # Only the plugin for the kind the bytes showed: no other parser ever sees the file.
    return Image.open(io.BytesIO(data), formats=[kind])


_heif_lock = threading.Lock()
_heif_registered = False


def _register_heif() -> None:
    """Teach Pillow HEIC/HEIF once, on first need (pillow_heif is slow-ish to import)."""
    global _heif_registered
    with _heif_lock:
        if _heif_registered:
            return
        try:
            import pillow_heif
        except ImportError as exc:
            raise ImageRejected(
                "unsupported_format",
                "This is a HEIC/HEIF picture, but HEIC support is not installed.",
            ) from exc
        pillow_heif.register_heif_opener()
        _heif_registered = True


def _corrupt(kind: Kind) -> ImageRejected:
    return ImageRejected(
        "corrupt", f"This file looks like a {_KIND_LABEL[kind]} picture but is damaged."
    )


_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


@contextlib.contextmanager
def _guard(kind: Kind, file_bytes: int) -> Iterator[None]:
    """Run Pillow on untrusted bytes: any failure becomes one ImageRejected.

    Parsers for a dozen formats raise nearly anything on malformed input (OSError,
    SyntaxError, ValueError, struct.error, IndexError, ZeroDivisionError, MemoryError,
    even AssertionError), so everything but ImageRejected is translated here.
    Warnings are silenced meanwhile: Pillow warns about things it has already coped with
    (odd EXIF, oversized headers that our own limits check), which is noise in a desktop
    app and, under warnings-as-errors, would turn a readable picture into a rejected one.
    catch_warnings swaps the process-wide filter list; concurrent uses at worst leave an
    extra "ignore" filter behind, which is harmless.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    except ImageRejected:
        raise
    except Image.DecompressionBombError as exc:
        match = _BOMB_PIXELS.search(str(exc))
        pixels = int(match.group(1)) if match else 10**10
        _check_pixels(max(pixels, MAX_PIXELS + 1), file_bytes, None)
        raise  # not reached: _check_pixels always raises for that many pixels
    except MemoryError as exc:
        raise ImageRejected(
            "too_large", "This picture needs more memory than the computer can spare."
        ) from exc
    except EOFError as exc:
        raise _truncated_decode(kind) from exc
    except Exception as exc:  # any parser failure on hostile input, see docstring
        if "truncated" in str(exc).lower():
            raise _truncated_decode(kind) from exc
        raise _corrupt(kind) from exc


def _truncated_decode(kind: Kind) -> ImageRejected:
    return ImageRejected(
        "truncated",
        f"This {_KIND_LABEL[kind]} file is incomplete; it was probably cut off while copying "
        "or downloading.",
    )


def _scaled_box(box: Box, scale: int, size: tuple[int, int]) -> Box:
    """``box`` divided by the decode scale, kept inside the decoded picture."""
    width, height = size
    return (
        min(box[0] / scale, width - 1e-6),
        min(box[1] / scale, height - 1e-6),
        min(box[2] / scale, float(width)),
        min(box[3] / scale, float(height)),
    )
