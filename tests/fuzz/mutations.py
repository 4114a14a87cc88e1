"""Hypothesis strategies that damage valid files the way real damage and attacks do.

Byte flips, extreme byte values, truncation, insertion, deletion, duplicated chunks, header
fields (sizes, counts) set to boundary values, and splices of two formats. For PNG the chunk
CRCs are often repaired afterwards, so a mutation reaches the decoder instead of stopping at
the checksum.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from .seeds import all_seeds, seeds_by_format

# Values that sit on the edges parsers get wrong: zero, one, sign bits, all-ones, and sizes
# just past the loader's pixel caps (7072² > 50 MP, 10001² > 100 MP) or huge enough to be bombs.
BOUNDARY_VALUES = (
    0,
    1,
    2,
    3,
    7,
    8,
    15,
    16,
    255,
    256,
    4096,
    7072,
    10001,
    0x3FFF,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x10000,
    46341,
    65500,
    0x7FFFFFFF,
    0x80000000,
    0xFFFFFFFE,
    0xFFFFFFFF,
)


@dataclass(frozen=True)
class Field:
    """A header field: found after ``marker`` (None: from the file start), at ``offset``."""

    marker: bytes | None
    offset: int
    width: int  # bytes
    big_endian: bool


# Where each format keeps its sizes, counts and bit depths.
HEADER_FIELDS: dict[str, tuple[Field, ...]] = {
    "PNG": (
        Field(b"IHDR", 4, 4, True),  # width
        Field(b"IHDR", 8, 4, True),  # height
        Field(b"IHDR", 12, 1, True),  # bit depth
        Field(b"IHDR", 13, 1, True),  # colour type
        Field(b"IHDR", 16, 1, True),  # interlace
        Field(b"IDAT", -4, 4, True),  # chunk length
        Field(b"PLTE", -4, 4, True),
        Field(b"tRNS", -4, 4, True),
        Field(b"iCCP", -4, 4, True),
        Field(b"eXIf", -4, 4, True),
    ),
    "JPEG": (
        Field(b"\xff\xc0", 5, 2, True),  # SOF0 height
        Field(b"\xff\xc0", 7, 2, True),  # SOF0 width
        Field(b"\xff\xc0", 9, 1, True),  # component count
        Field(b"\xff\xc2", 5, 2, True),  # SOF2 (progressive) height
        Field(b"\xff\xc2", 7, 2, True),
        Field(b"\xff\xc4", 2, 2, True),  # DHT length
        Field(b"\xff\xdb", 2, 2, True),  # DQT length
        Field(b"\xff\xda", 4, 1, True),  # components in scan
        Field(b"\xff\xdd", 4, 2, True),  # restart interval
        Field(b"\xff\xe1", 2, 2, True),  # APP1 (EXIF) length
        Field(b"\xff\xe2", 2, 2, True),  # APP2 (ICC / MPF) length
        Field(b"MM\x00*", 4, 4, True),  # EXIF/MPF IFD offset
        Field(b"II*\x00", 4, 4, False),
    ),
    "GIF": (
        Field(None, 6, 2, False),  # logical screen width
        Field(None, 8, 2, False),  # height
        Field(None, 10, 1, False),  # flags (global palette size)
        Field(b"\x2c\x00\x00", 5, 2, False),  # image descriptor width
        Field(b"\x2c\x00\x00", 7, 2, False),
        Field(b"\x21\xf9", 3, 1, False),  # graphic control flags
    ),
    "WEBP": (
        Field(None, 4, 4, False),  # RIFF size
        Field(b"VP8X", 12, 3, False),  # canvas width - 1
        Field(b"VP8X", 15, 3, False),  # canvas height - 1
        Field(b"VP8 ", 4, 4, False),  # chunk size
        Field(b"VP8 ", 14, 2, False),  # lossy width
        Field(b"VP8 ", 16, 2, False),  # lossy height
        Field(b"VP8L", 4, 4, False),
        Field(b"VP8L", 9, 4, False),  # lossless packed width/height
        Field(b"ANMF", 4, 4, False),
        Field(b"ANMF", 14, 3, False),  # frame width - 1
    ),
    "HEIF": (
        Field(b"ispe", 8, 4, True),  # width
        Field(b"ispe", 12, 4, True),  # height
        Field(b"ftyp", -4, 4, True),  # box sizes
        Field(b"meta", -4, 4, True),
        Field(b"iloc", -4, 4, True),
        Field(b"iloc", 8, 1, True),
        Field(b"mdat", -4, 4, True),
        Field(b"hvcC", -4, 4, True),
    ),
    "BMP": (
        Field(None, 2, 4, False),  # file size
        Field(None, 10, 4, False),  # pixel data offset
        Field(None, 14, 4, False),  # header size
        Field(None, 18, 4, False),  # width
        Field(None, 22, 4, False),  # height (negative: top-down)
        Field(None, 28, 2, False),  # bits per pixel
        Field(None, 30, 4, False),  # compression
        Field(None, 34, 4, False),  # image size
        Field(None, 46, 4, False),  # colours used
    ),
    "TIFF": (
        Field(None, 4, 4, False),  # first IFD offset
        Field(b"\x00\x01\x03\x00", 8, 2, False),  # ImageWidth (SHORT)
        Field(b"\x00\x01\x04\x00", 8, 4, False),  # ImageWidth (LONG)
        Field(b"\x01\x01\x03\x00", 8, 2, False),  # ImageLength
        Field(b"\x01\x01\x04\x00", 8, 4, False),
        Field(b"\x02\x01\x03\x00", 4, 4, False),  # BitsPerSample count
        Field(b"\x02\x01\x03\x00", 8, 2, False),
        Field(b"\x15\x01\x03\x00", 8, 2, False),  # SamplesPerPixel
        Field(b"\x16\x01\x03\x00", 8, 2, False),  # RowsPerStrip
        Field(b"\x16\x01\x04\x00", 8, 4, False),
        Field(b"\x17\x01\x04\x00", 8, 4, False),  # StripByteCounts
        Field(b"\x11\x01\x04\x00", 8, 4, False),  # StripOffsets
        Field(b"\x03\x01\x03\x00", 8, 2, False),  # Compression
        Field(b"\x06\x01\x03\x00", 8, 2, False),  # Photometric
        Field(b"\x1c\x01\x03\x00", 8, 2, False),  # PlanarConfiguration
        Field(b"\x12\x01\x03\x00", 8, 2, False),  # Orientation
    ),
}
HEADER_FIELDS["MPO"] = (
    *HEADER_FIELDS["JPEG"],
    Field(b"MPF\x00", 4 + 8 + 2 + 12 * 2 + 8, 4, True),  # around the MP entry's size/offset
    Field(b"\xb0\x02\x00\x07", 4, 4, True),  # MPEntry count
)

MUTATIONS = ("flip", "set", "cut", "insert", "delete", "duplicate", "field", "splice", "zero")


def set_field(data: bytearray, field: Field, value: int, occurrence: int) -> None:
    """Overwrite ``field`` (its ``occurrence``-th marker) with ``value``, clipped to width."""
    if field.marker is None:
        start = field.offset
    else:
        position = -1
        for _ in range(occurrence + 1):
            found = data.find(field.marker, position + 1)
            if found < 0:
                break
            position = found
        if position < 0:
            return
        start = position + field.offset
    if start < 0 or start + field.width > len(data):
        return
    value &= (1 << (8 * field.width)) - 1
    data[start : start + field.width] = value.to_bytes(
        field.width, "big" if field.big_endian else "little"
    )


def repair_png_crcs(data: bytes) -> bytes:
    """Recompute every PNG chunk CRC that can be found, so damage reaches the decoder."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    out = bytearray(data)
    position = 8
    while position + 8 <= len(out):
        (length,) = struct.unpack(">I", out[position : position + 4])
        end = position + 8 + length
        if end + 4 > len(out):
            break
        crc = zlib.crc32(bytes(out[position + 4 : end])) & 0xFFFFFFFF
        out[end : end + 4] = struct.pack(">I", crc)
        position = end + 4
    return bytes(out)


@st.composite
def mutate(draw: st.DrawFn, seed_data: bytes, fmt: str, others: Sequence[bytes]) -> bytes:
    """One seed, damaged by 1-4 mutations."""
    data = bytearray(seed_data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(MUTATIONS))
        size = len(data)
        where = draw(st.integers(0, max(0, size - 1)))
        if kind == "flip" and data:
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            data[where] = draw(st.sampled_from((0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)))
        elif kind == "zero":
            del data[where : where + draw(st.integers(1, 16))]
            data[where:where] = bytes(draw(st.integers(1, 16)))
        elif kind == "cut":
            del data[where:]
        elif kind == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=32))
        elif kind == "delete":
            del data[where : where + draw(st.integers(1, 64))]
        elif kind == "duplicate" and data:
            length = draw(st.integers(1, 256))
            data[where:where] = data[where : where + length] * draw(st.integers(1, 8))
        elif kind == "field":
            fields = HEADER_FIELDS[fmt]
            set_field(
                data,
                draw(st.sampled_from(fields)),
                draw(st.sampled_from(BOUNDARY_VALUES) | st.integers(0, 0xFFFFFFFF)),
                draw(st.integers(0, 2)),
            )
        elif kind == "splice":
            other = draw(st.sampled_from(others))
            start = draw(st.integers(0, max(0, len(other) - 1)))
            if draw(st.booleans()):
                data[where:] = other[start:]  # this file's head, another format's tail
            else:
                data[where : where + 64] = other[start : start + 64]
    result = bytes(data)
    if fmt == "PNG" and draw(st.booleans()):
        result = repair_png_crcs(result)
    return result


def mutated_images(fmt: str) -> st.SearchStrategy[bytes]:
    """Mutated files of ``fmt`` (splices draw from every format's seeds)."""
    others = all_seeds()
    return st.sampled_from(seeds_by_format()[fmt]).flatmap(
        lambda seed_data: mutate(seed_data, fmt, others)
    )


# The fields that give a picture's width and height, per format.
SIZE_FIELDS: dict[str, tuple[Field, ...]] = {
    "PNG": HEADER_FIELDS["PNG"][:2],
    "JPEG": (*HEADER_FIELDS["JPEG"][:2], *HEADER_FIELDS["JPEG"][3:5]),
    "MPO": (*HEADER_FIELDS["JPEG"][:2], *HEADER_FIELDS["JPEG"][3:5]),
    "GIF": (*HEADER_FIELDS["GIF"][:2], *HEADER_FIELDS["GIF"][3:5]),
    "WEBP": (*HEADER_FIELDS["WEBP"][1:3], *HEADER_FIELDS["WEBP"][4:6], HEADER_FIELDS["WEBP"][7]),
    "HEIF": HEADER_FIELDS["HEIF"][:2],
    "BMP": HEADER_FIELDS["BMP"][3:5],
    "TIFF": HEADER_FIELDS["TIFF"][1:5],
}
HUGE_SIDES = (7072, 10001, 30000, 0x7FFF, 0xFFFF, 0x3FFF3FFF, 0x7FFFFFFF)


def bomb_headers(fmt: str) -> st.SearchStrategy[bytes]:
    """A valid seed whose size fields claim a huge picture (PNG CRCs repaired)."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(seeds_by_format()[fmt])))
        for field in SIZE_FIELDS[fmt]:
            if draw(st.integers(0, 3)):  # most of the time: every size field claims a lot
                set_field(data, field, draw(st.sampled_from(HUGE_SIDES)), 0)
        return repair_png_crcs(bytes(data))

    return build()
