"""Recognising what a file is from its first bytes, never from its name.

People rename files, browsers save WebP as .jpg, phones send HEIC as .jpeg: the name is
only a hint and is ignored. Files we can't use but can recognise (drawings, documents,
other picture formats) get a message that names them, which helps more than "unknown".
"""

from __future__ import annotations

import zlib
from typing import Literal

from .errors import SUPPORTED_LIST, ImageRejected

Kind = Literal["PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF", "HEIF"]

_VECTOR_TAIL = f"; only photos and bitmaps ({SUPPORTED_LIST}) can be varied."
_CONVERT_TAIL = f", which the app can't read; save it as one of {SUPPORTED_LIST} first."

# ISO base media ("ftyp") brands: HEVC-coded HEIF (what phones write), AVIF (AV1-coded, not
# supported here) and the generic still-image brands both of them list as compatible.
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2", b"heif"})


def detect_kind(data: bytes) -> Kind:
    """The raster format of ``data``, or ImageRejected saying what it is instead."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"  # also MPO (camera multi-picture), which Pillow tells apart on opening
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"  # classic and BigTIFF
    if head[:2] == b"BM" and len(head) >= 18:
        return "BMP"
    if head[4:8] == b"ftyp":
        return _iso_media_kind(data)
    raise _not_a_raster_picture(data)


def kind_of(data: bytes) -> Kind | None:
    """The raster format of ``data``, or None: for naming files, where no sentence is needed."""
    try:
        return detect_kind(data)
    except ImageRejected:
        return None


def _iso_media_kind(data: bytes) -> Kind:
    # ftyp box: size (4), "ftyp", major brand (4), minor version (4), compatible brands...
    box_size = int.from_bytes(data[:4], "big")
    end = min(max(box_size, 16), 256, len(data))
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, end - 3, 4)}
    major = data[8:12]
    if major not in _HEVC_BRANDS and (major in _AVIF_BRANDS or brands & _AVIF_BRANDS):
        raise ImageRejected("unsupported_format", "This file is an AVIF image" + _CONVERT_TAIL)
    if brands & (_HEVC_BRANDS | _GENERIC_HEIF_BRANDS):
        return "HEIF"
    if major in (b"crx ",):
        raise ImageRejected("unsupported_format", "This file is a Canon raw photo" + _CONVERT_TAIL)
    raise ImageRejected(
        "unsupported_format", "This file is a video or other media file, not a still picture."
    )


def _not_a_raster_picture(data: bytes) -> ImageRejected:
    vector = _vector_kind(data)
    if vector is not None:
        return ImageRejected("vector", f"This file is {vector}{_VECTOR_TAIL}")
    other = _other_known_kind(data)
    if other is not None:
        return ImageRejected("unsupported_format", f"This file is {other}{_CONVERT_TAIL}")
    return ImageRejected(
        "unsupported_format",
        f"This file isn't a picture the app can read (it reads {SUPPORTED_LIST}).",
    )


# Placeable WMF header, then plain WMF headers for in-memory and on-disk metafiles.
_WMF_MAGIC = (b"\xd7\xcd\xc6\x9a", b"\x01\x00\x09\x00\x00\x03", b"\x02\x00\x09\x00\x00\x03")


def _vector_kind(data: bytes) -> str | None:
    head = data[:1024]
    if b"%PDF-" in head:  # the PDF spec allows junk before the header
        return "a PDF document"
    if head.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):  # PostScript / DOS EPS binary header
        return "an EPS/PostScript drawing"
    if head.startswith(_WMF_MAGIC):
        return "a Windows metafile (WMF) drawing"
    if head[:4] == b"\x01\x00\x00\x00" and head[40:44] == b" EMF":
        return "a Windows enhanced metafile (EMF) drawing"
    if _looks_like_svg(head):
        return "an SVG drawing"
    if head.startswith(b"\x1f\x8b"):  # gzip: .svgz is a compressed SVG; peek at a bounded amount
        try:
            peek = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[:65536], 4096)
        except zlib.error:
            return None
        if _looks_like_svg(peek):
            return "a compressed SVG drawing"
    return None


def _looks_like_svg(head: bytes) -> bool:
    text = _as_text(head)
    if text is None:
        return False
    text = text.lstrip("\ufeff \t\r\n").lower()
    return text.startswith(("<?xml", "<svg", "<!doctype svg", "<!--")) and "<svg" in text


def _as_text(head: bytes) -> str | None:
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(codec, errors="ignore")
    return head.decode("utf-8", errors="ignore")


def _other_known_kind(data: bytes) -> str | None:
    head = data[:64]
    signatures: tuple[tuple[bytes, str], ...] = (
        (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "a JPEG 2000 image"),
        (b"\xff\x4f\xff\x51", "a JPEG 2000 image"),
        (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "a JPEG XL image"),
        (b"\xff\x0a", "a JPEG XL image"),
        (b"8BPS", "a Photoshop document (PSD)"),
        (b"\x00\x00\x01\x00", "a Windows icon (ICO)"),
        (b"\x00\x00\x02\x00", "a Windows cursor (CUR)"),
        (b"qoif", "a QOI image"),
        (b"icns", "a macOS icon (ICNS)"),
        (b"DDS ", "a DirectDraw texture (DDS)"),
        (b"PK\x03\x04", "a ZIP archive (or an office document)"),
        (b"gimp xcf", "a GIMP document (XCF)"),
    )
    for magic, name in signatures:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF":
        return "a RIFF media file (audio or video)"
    return None
