"""A saved image carries its story: model, prompt, parameters, request id, time and source hash.

The story is a flat ``{str: str}`` mapping (see :data:`STORY_FIELDS` for the usual keys). It is
written whole as JSON where each format keeps free text, and in part into the fields other
programs show:

- PNG: ``iTXt`` chunks (UTF-8) "Description" (the prompt), "Software", "Creation Time" and
  "image-variations" (the JSON), placed before the first ``IDAT`` so a reader finds them without
  reading the pixels.
- JPEG: an EXIF APP1 segment (ImageDescription, Software) and an XMP APP1 segment
  (dc:description, xmp:CreatorTool, xmp:CreateDate and the JSON).
- WebP: ``EXIF`` and ``XMP `` chunks; a simple WebP becomes an extended one (a ``VP8X`` header).

Writing replaces an earlier story and any EXIF block or XMP packet already there (keeping the
EXIF orientation): a result carries the app's story, not stale or private data from elsewhere.

All of it is done by editing the container: pixel data is copied byte for byte, never decoded
or re-encoded (so no Pillow here, and nothing slow to import). :func:`strip` removes text, EXIF
and XMP metadata the same way, keeping only what changes how the picture looks (colour
profiles, and an EXIF orientation other than "normal", rewritten alone) and C2PA provenance
(``caBX`` / APP11), which says how the picture was made but nothing about the user. Bytes after
a PNG ``IEND`` or a WebP RIFF end are dropped: they are not part of the picture.

Malformed input raises :class:`MalformedImageError` (a ``ValueError``); every parser moves
forward on each step, so no input can make it loop.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from desktop_app.core.results import sniff_format

__all__ = [
    "STORY_CHUNK",
    "STORY_FIELDS",
    "MalformedImageError",
    "embed",
    "read",
    "strip",
]

STORY_CHUNK = "image-variations"  # the PNG keyword and XMP property holding the JSON story
# The keys the app writes; any other str keys are kept too. "prompt", "app", "app_version" and
# "time" (ISO 8601) also fill the fields that other programs show.
STORY_FIELDS = (
    "app",
    "app_version",
    "model",
    "prompt",
    "parameters",  # JSON text of the request parameters
    "request_id",
    "time",
    "source_sha256",
)

_XMP_NS = "urn:image-variations:story:1/"
_DESCRIPTION_LIMIT = 16_000  # bytes of prompt in EXIF ImageDescription, a human-readable copy
_INFLATE_LIMIT = 8 * 1024 * 1024  # a compressed PNG text chunk may not expand beyond this


class MalformedImageError(ValueError):
    """The bytes are not a well-formed PNG, JPEG or WebP file (or our story in it is damaged)."""


def embed(data: bytes, fmt: str, story: Mapping[str, str]) -> bytes:
    """``data`` with ``story`` written into it, replacing a story written before."""
    kind = _checked_format(data, fmt)
    values = _checked_story(story)
    return _EMBEDDERS[kind](data, values)


def read(data: bytes) -> dict[str, str]:
    """The story :func:`embed` wrote, or ``{}`` when the image carries none."""
    kind = sniff_format(data)
    if kind not in _READERS:
        raise MalformedImageError("Not a PNG, JPEG or WebP image.")
    story = _READERS[kind](data)
    return {} if story is None else _parsed_story(story)


def strip(data: bytes, fmt: str) -> bytes:
    """``data`` without text, EXIF or XMP metadata, pixels untouched (privacy on export)."""
    kind = _checked_format(data, fmt)
    return _STRIPPERS[kind](data)


# -- the story -------------------------------------------------------------------------------


def _checked_format(data: bytes, fmt: str) -> str:
    kind = {"jpg": "jpeg"}.get(fmt.lower(), fmt.lower())
    if kind not in _EMBEDDERS:
        raise ValueError(f"Metadata is written to PNG, JPEG or WebP files, not {fmt!r}.")
    if sniff_format(data) != kind:
        raise MalformedImageError(f"The bytes are not a {kind.upper()} image.")
    return kind


def _checked_story(story: Mapping[str, str]) -> dict[str, str]:
    values = dict(story)
    for key, value in values.items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise ValueError(f"Story entries must be non-empty text keys with text values: {key!r}")
        try:
            (key + value).encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(f"Story entry {key!r} is not valid Unicode text.") from error
    return values


# Characters XML 1.0 cannot carry (surrogates are refused earlier, listed for completeness).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _story_json(story: Mapping[str, str]) -> str:
    text = json.dumps(dict(story), ensure_ascii=False, separators=(",", ":"))
    # Escape what XML cannot hold, so the same text is valid in a PNG chunk and in XMP.
    return _NOT_XML.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _parsed_story(text: str) -> dict[str, str]:
    try:
        story = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedImageError(f"The {STORY_CHUNK} metadata is damaged: {error}") from error
    if not isinstance(story, dict) or not all(isinstance(v, str) for v in story.values()):
        raise MalformedImageError(f"The {STORY_CHUNK} metadata is not a story of text fields.")
    return story


def _software(story: Mapping[str, str]) -> str:
    return " ".join(part for part in (story.get("app"), story.get("app_version")) if part)


# -- EXIF (a tiny TIFF writer and an orientation reader) --------------------------------------

_ORIENTATION = 0x0112
_ASCII, _SHORT = 2, 3


def _exif_tiff(story: Mapping[str, str], orientation: int) -> bytes | None:
    """A little-endian TIFF block with ImageDescription, Software and a non-default orientation.

    EXIF text is formally ASCII; UTF-8 is what modern readers expect, so that is what is written.
    """
    entries: list[tuple[int, int, bytes]] = []
    description = _utf8_prefix(story.get("prompt", ""), _DESCRIPTION_LIMIT)
    if description:
        entries.append((0x010E, _ASCII, description + b"\0"))
    if software := _software(story):
        entries.append((0x0131, _ASCII, software.encode("utf-8") + b"\0"))
    if orientation != 1:
        entries.append((_ORIENTATION, _SHORT, struct.pack("<H", orientation)))
    return _tiff(sorted(entries)) if entries else None


def _tiff(entries: list[tuple[int, int, bytes]]) -> bytes:
    data_offset = 8 + 2 + 12 * len(entries) + 4
    table, extra = bytearray(struct.pack("<H", len(entries))), bytearray()
    for tag, kind, value in entries:
        count = len(value) if kind == _ASCII else len(value) // 2
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
            continue
        table += struct.pack("<HHII", tag, kind, count, data_offset + len(extra))
        extra += value + b"\0" * (len(value) % 2)  # TIFF offsets are word aligned
    return b"II*\0" + struct.pack("<I", 8) + bytes(table) + struct.pack("<I", 0) + bytes(extra)


def _utf8_prefix(text: str, limit: int) -> bytes:
    encoded = text.encode("utf-8")[:limit]
    return encoded.decode("utf-8", errors="ignore").encode("utf-8")  # no half characters


def _orientation(tiff: bytes) -> int:
    """The EXIF orientation (1..8) in a TIFF block; 1 when absent or unreadable."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    try:
        if order is None:
            return 1
        (ifd,) = struct.unpack_from(order + "I", tiff, 4)
        (count,) = struct.unpack_from(order + "H", tiff, ifd)
        for index in range(count):
            tag, kind = struct.unpack_from(order + "HH", tiff, ifd + 2 + 12 * index)
            if tag == _ORIENTATION and kind == _SHORT:
                (value,) = struct.unpack_from(order + "H", tiff, ifd + 2 + 12 * index + 8)
                return int(value) if 1 <= value <= 8 else 1
    except struct.error:
        return 1  # a foreign, damaged EXIF block: it is being replaced anyway
    return 1


def _without_exif_header(payload: bytes) -> bytes:
    return payload[6:] if payload.startswith(b"Exif\0\0") else payload


# -- XMP -------------------------------------------------------------------------------------


def _xmp_packet(story: Mapping[str, str], *, with_description: bool = True) -> bytes:
    fields = [f"<{STORY_CHUNK}:story>{_escape(_story_json(story))}</{STORY_CHUNK}:story>"]
    if software := _software(story):
        fields.append(f"<xmp:CreatorTool>{_xml_text(software)}</xmp:CreatorTool>")
    if created := story.get("time"):
        fields.append(f"<xmp:CreateDate>{_xml_text(created)}</xmp:CreateDate>")
    if with_description and (prompt := story.get("prompt")):
        fields.append(
            "<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>"
            f"{_xml_text(prompt)}</rdf:li></rdf:Alt></dc:description>"
        )
    packet = (
        "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>"
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'>"
        "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/'"
        f" xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmlns:{STORY_CHUNK}='{_XMP_NS}'>"
        f"{''.join(fields)}</rdf:Description></rdf:RDF></x:xmpmeta>"
        "<?xpacket end='w'?>"
    )
    return packet.encode("utf-8")


def _escape(text: str) -> str:
    # xml.sax.saxutils.escape does the same, but importing it pulls in urllib and email (~60 ms).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_text(text: str) -> str:
    return _escape(_NOT_XML.sub("", text))  # a human-readable copy: the JSON keeps every char


def _story_from_xmp(packet: bytes) -> str | None:
    if _XMP_NS.encode() not in packet:
        return None  # someone else's XMP: not ours to judge
    from xml.etree import ElementTree  # only when a story is read: start-up stays quick

    try:
        root = ElementTree.fromstring(packet)
    except ElementTree.ParseError as error:
        raise MalformedImageError(f"The XMP metadata is damaged: {error}") from error
    element = root.find(f".//{{{_XMP_NS}}}story")
    return None if element is None else (element.text or "")


# -- PNG -------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT = (b"tEXt", b"zTXt", b"iTXt")
_PNG_PRIVATE = (*_PNG_TEXT, b"eXIf", b"tIME")  # what strip() removes


@dataclass(frozen=True)
class _Chunk:
    """A PNG or RIFF chunk: its type, its payload and its exact bytes in the file."""

    kind: bytes
    body: bytes
    raw: bytes


def _png_chunks(data: bytes) -> list[_Chunk]:
    if not data.startswith(_PNG_SIGNATURE):
        raise MalformedImageError("Not a PNG file.")
    chunks: list[_Chunk] = []
    position = len(_PNG_SIGNATURE)
    while not chunks or chunks[-1].kind != b"IEND":
        if position + 12 > len(data):
            raise MalformedImageError(f"The PNG file is cut short at byte {position}.")
        (length,) = struct.unpack_from(">I", data, position)
        kind = data[position + 4 : position + 8]
        end = position + 12 + length
        if not kind.isalpha() or end > len(data):
            raise MalformedImageError(f"The PNG chunk at byte {position} is damaged or cut short.")
        chunks.append(_Chunk(kind, data[position + 8 : end - 4], data[position:end]))
        position = end
    if chunks[0].kind != b"IHDR" or not any(chunk.kind == b"IDAT" for chunk in chunks):
        raise MalformedImageError("The PNG file has no header or no image data.")
    return chunks


def _png_chunk(kind: bytes, body: bytes) -> _Chunk:
    raw = struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return _Chunk(kind, body, raw)


def _png_bytes(chunks: list[_Chunk]) -> bytes:
    return _PNG_SIGNATURE + b"".join(chunk.raw for chunk in chunks)


def _itxt(keyword: str, text: str) -> _Chunk:
    # keyword NUL, uncompressed (0, 0), no language tag NUL, no translated keyword NUL, UTF-8 text
    return _png_chunk(b"iTXt", keyword.encode("latin-1") + b"\0\0\0\0\0" + text.encode("utf-8"))


def _png_keyword(chunk: _Chunk) -> bytes:
    return chunk.body.split(b"\0", 1)[0]


def _png_text(chunk: _Chunk) -> str:
    """The text of a tEXt, zTXt or iTXt chunk."""
    try:
        _, rest = chunk.body.split(b"\0", 1)
        if chunk.kind == b"tEXt":
            return rest.decode("latin-1")
        if chunk.kind == b"zTXt":
            return _inflate(rest[1:]).decode("latin-1")
        compressed = rest[0] == 1
        _language, _translated, text = rest[2:].split(b"\0", 2)
        return (_inflate(text) if compressed else text).decode("utf-8")
    except (ValueError, IndexError) as error:  # a missing separator, bad UTF-8
        raise MalformedImageError(f"A PNG text chunk is damaged: {error}") from error


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, _INFLATE_LIMIT)
    except zlib.error as error:
        raise MalformedImageError(f"A compressed PNG text chunk is damaged: {error}") from error
    if inflater.unconsumed_tail:
        raise MalformedImageError("A compressed PNG text chunk expands beyond the size limit.")
    return text


def _png_story_chunks(story: Mapping[str, str]) -> list[_Chunk]:
    chunks = [_itxt(STORY_CHUNK, _story_json(story))]
    if prompt := story.get("prompt"):
        chunks.append(_itxt("Description", prompt))
    if software := _software(story):
        chunks.append(_itxt("Software", software))
    if created := story.get("time"):
        chunks.append(_itxt("Creation Time", created))
    return chunks


_PNG_STORY_KEYWORDS = (STORY_CHUNK.encode(), b"Description", b"Software", b"Creation Time")


def _embed_png(data: bytes, story: Mapping[str, str]) -> bytes:
    chunks = [
        chunk
        for chunk in _png_chunks(data)
        if not (chunk.kind in _PNG_TEXT and _png_keyword(chunk) in _PNG_STORY_KEYWORDS)
    ]
    first_data = next(index for index, chunk in enumerate(chunks) if chunk.kind == b"IDAT")
    chunks[first_data:first_data] = _png_story_chunks(story)
    return _png_bytes(chunks)


def _read_png(data: bytes) -> str | None:
    for chunk in _png_chunks(data):
        if chunk.kind in _PNG_TEXT and _png_keyword(chunk) == STORY_CHUNK.encode():
            return _png_text(chunk)
    return None


def _strip_png(data: bytes) -> bytes:
    chunks = _png_chunks(data)
    orientation = next((_orientation(c.body) for c in chunks if c.kind == b"eXIf"), 1)
    kept = [chunk for chunk in chunks if chunk.kind not in _PNG_PRIVATE]
    if orientation != 1:
        # eXIf must precede the image data; it keeps the picture the right way up.
        first_data = next(index for index, chunk in enumerate(kept) if chunk.kind == b"IDAT")
        kept.insert(first_data, _png_chunk(b"eXIf", _tiff_orientation_only(orientation)))
    return _png_bytes(kept)


def _tiff_orientation_only(orientation: int) -> bytes:
    return _tiff([(_ORIENTATION, _SHORT, struct.pack("<H", orientation))])


# -- JPEG ------------------------------------------------------------------------------------

_SOI, _SOS, _EOI = 0xD8, 0xDA, 0xD9
_APP0, _APP1, _APP2, _APP11, _APP14, _APP15, _COM = 0xE0, 0xE1, 0xE2, 0xEB, 0xEE, 0xEF, 0xFE
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # markers without a length field
_EXIF_HEADER = b"Exif\0\0"
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\0"
_APP_PAYLOAD_LIMIT = 0xFFFF - 2  # a segment length counts its own two bytes


@dataclass(frozen=True)
class _Segment:
    marker: int
    payload: bytes
    raw: bytes


def _jpeg_parts(data: bytes) -> tuple[list[_Segment], bytes]:
    """The segments before the first scan, and everything from the scan on (copied verbatim)."""
    if not data.startswith(b"\xff\xd8"):
        raise MalformedImageError("Not a JPEG file.")
    segments: list[_Segment] = []
    position = 2
    while True:
        start = position
        if position >= len(data) or data[position] != 0xFF:
            raise MalformedImageError(f"The JPEG file is damaged or cut short at byte {position}.")
        while position < len(data) and data[position] == 0xFF:  # fill bytes before a marker
            position += 1
        if position + 1 > len(data):
            raise MalformedImageError("The JPEG file is cut short.")
        marker = data[position]
        position += 1
        if marker == _SOS:
            return segments, data[start:]
        if marker in (_EOI, _SOI, 0x00):
            raise MalformedImageError(f"The JPEG file has no image data (marker {marker:#04x}).")
        if marker in _STANDALONE:
            segments.append(_Segment(marker, b"", data[start:position]))
            continue
        if position + 2 > len(data):
            raise MalformedImageError("The JPEG file is cut short.")
        (length,) = struct.unpack_from(">H", data, position)
        end = position + length
        if length < 2 or end > len(data):
            raise MalformedImageError(f"The JPEG segment at byte {start} is damaged or cut short.")
        segments.append(_Segment(marker, data[position + 2 : end], data[start:end]))
        position = end


def _jpeg_segment(marker: int, payload: bytes) -> _Segment:
    raw = bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload
    return _Segment(marker, payload, raw)


def _jpeg_bytes(segments: list[_Segment], scan: bytes) -> bytes:
    return b"\xff\xd8" + b"".join(segment.raw for segment in segments) + scan


def _jpeg_orientation(segments: list[_Segment]) -> int:
    for segment in segments:
        if segment.marker == _APP1 and segment.payload.startswith(_EXIF_HEADER):
            return _orientation(segment.payload[len(_EXIF_HEADER) :])
    return 1


def _jpeg_story_segments(story: Mapping[str, str], orientation: int) -> list[_Segment]:
    segments = []
    if tiff := _exif_tiff(story, orientation):
        segments.append(_jpeg_segment(_APP1, _EXIF_HEADER + tiff))
    segments.append(_jpeg_segment(_APP1, _XMP_HEADER + _fitting_xmp(story)))
    return segments


def _fitting_xmp(story: Mapping[str, str]) -> bytes:
    """An XMP packet within a JPEG segment's 64 KB.

    The human copy of the prompt goes first; if the JSON story alone is still too big (a prompt
    of over ~20,000 non-Latin characters), the prompt in it is shortened until it fits and
    ``prompt_truncated`` says so: a shortened story beats a save that fails.
    """
    room = _APP_PAYLOAD_LIMIT - len(_XMP_HEADER)
    packet = _xmp_packet(story)
    if len(packet) <= room:
        return packet
    values = dict(story)
    while len(packet := _xmp_packet(values, with_description=False)) > room:
        prompt = values.get("prompt", "")
        if not prompt:
            raise ValueError("The story is too large for JPEG metadata, even without its prompt.")
        values |= {"prompt": prompt[: len(prompt) * 9 // 10], "prompt_truncated": "true"}
    return packet


def _is_story_segment(segment: _Segment) -> bool:
    if segment.marker != _APP1:
        return False
    return segment.payload.startswith(_EXIF_HEADER) or segment.payload.startswith(_XMP_HEADER)


def _embed_jpeg(data: bytes, story: Mapping[str, str]) -> bytes:
    segments, scan = _jpeg_parts(data)
    orientation = _jpeg_orientation(segments)
    kept = [segment for segment in segments if not _is_story_segment(segment)]
    # EXIF belongs right after SOI, or after the JFIF APP0 that readers expect first.
    after_app0 = next((i for i, s in enumerate(kept) if s.marker != _APP0), len(kept))
    kept[after_app0:after_app0] = _jpeg_story_segments(story, orientation)
    return _jpeg_bytes(kept, scan)


def _read_jpeg(data: bytes) -> str | None:
    segments, _scan = _jpeg_parts(data)
    for segment in segments:
        if segment.marker == _APP1 and segment.payload.startswith(_XMP_HEADER):
            story = _story_from_xmp(segment.payload[len(_XMP_HEADER) :])
            if story is not None:
                return story
    return None


def _keeps_in_stripped_jpeg(segment: _Segment) -> bool:
    """Decoding segments, JFIF, ICC profiles, Adobe colour transform and C2PA stay."""
    if segment.marker == _APP2:
        return segment.payload.startswith(b"ICC_PROFILE\0")
    if _APP0 <= segment.marker <= _APP15:
        return segment.marker in (_APP0, _APP11, _APP14)
    return segment.marker != _COM


def _strip_jpeg(data: bytes) -> bytes:
    segments, scan = _jpeg_parts(data)
    orientation = _jpeg_orientation(segments)
    kept = [segment for segment in segments if _keeps_in_stripped_jpeg(segment)]
    if orientation != 1:
        after_app0 = next((i for i, s in enumerate(kept) if s.marker != _APP0), len(kept))
        exif = _EXIF_HEADER + _tiff_orientation_only(orientation)
        kept.insert(after_app0, _jpeg_segment(_APP1, exif))
    return _jpeg_bytes(kept, scan)


# -- WebP ------------------------------------------------------------------------------------

_VP8X_EXIF, _VP8X_XMP, _VP8X_ALPHA = 0x08, 0x04, 0x10
_WEBP_IMAGE_CHUNKS = (b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF")
_WEBP_METADATA = (b"EXIF", b"XMP ")


def _webp_chunks(data: bytes) -> list[_Chunk]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise MalformedImageError("Not a WebP file.")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size
    if end > len(data):
        raise MalformedImageError("The WebP file is cut short.")
    chunks: list[_Chunk] = []
    position = 12
    while position + 8 <= end:
        kind = data[position : position + 4]
        (size,) = struct.unpack_from("<I", data, position + 4)
        body_end = position + 8 + size
        if body_end > end:
            raise MalformedImageError(f"The WebP chunk at byte {position} is damaged or cut short.")
        padded_end = min(body_end + size % 2, end)  # odd chunks carry a padding byte
        chunks.append(_Chunk(kind, data[position + 8 : body_end], data[position:padded_end]))
        position = padded_end
    if not chunks or chunks[0].kind not in (b"VP8 ", b"VP8L", b"VP8X"):
        raise MalformedImageError("The WebP file has no image data.")
    return chunks


def _webp_chunk(kind: bytes, body: bytes) -> _Chunk:
    raw = kind + struct.pack("<I", len(body)) + body + b"\0" * (len(body) % 2)
    return _Chunk(kind, body, raw)


def _webp_bytes(chunks: list[_Chunk]) -> bytes:
    body = b"WEBP" + b"".join(chunk.raw for chunk in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _webp_header(first: _Chunk, flags: int) -> _Chunk:
    """The VP8X header for a simple WebP (one VP8 or VP8L bitstream), with ``flags`` set."""
    width, height, alpha = _bitstream_size(first)
    extended = bytes((flags | (_VP8X_ALPHA if alpha else 0), 0, 0, 0))
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return _webp_chunk(b"VP8X", extended + canvas)


def _bitstream_size(chunk: _Chunk) -> tuple[int, int, bool]:
    body = chunk.body
    if chunk.kind == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        (bits,) = struct.unpack_from("<I", body, 1)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool(bits >> 28 & 1)
    if chunk.kind == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", body, 6)
        return width & 0x3FFF, height & 0x3FFF, False
    raise MalformedImageError("The WebP image data is damaged.")


def _with_flags(chunks: list[_Chunk], set_flags: int, clear_flags: int) -> list[_Chunk]:
    first = chunks[0]
    if first.kind != b"VP8X":
        return [_webp_header(first, set_flags), *chunks] if set_flags else chunks
    if len(first.body) < 10:
        raise MalformedImageError("The WebP header is damaged.")
    flags = (first.body[0] | set_flags) & ~clear_flags
    return [_webp_chunk(b"VP8X", bytes((flags,)) + first.body[1:]), *chunks[1:]]


def _webp_orientation(chunks: list[_Chunk]) -> int:
    exif = next((chunk.body for chunk in chunks if chunk.kind == b"EXIF"), b"")
    return _orientation(_without_exif_header(exif)) if exif else 1


def _after_image_data(chunks: list[_Chunk]) -> int:
    # The WebP order is VP8X, ICCP, ANIM, image data, EXIF, XMP, then unknown chunks.
    image = [index for index, chunk in enumerate(chunks) if chunk.kind in _WEBP_IMAGE_CHUNKS]
    return image[-1] + 1 if image else len(chunks)


def _embed_webp(data: bytes, story: Mapping[str, str]) -> bytes:
    chunks = _webp_chunks(data)
    orientation = _webp_orientation(chunks)
    kept = [chunk for chunk in chunks if chunk.kind not in _WEBP_METADATA]
    added = [_webp_chunk(b"XMP ", _xmp_packet(story))]
    tiff = _exif_tiff(story, orientation)
    if tiff is not None:
        added.insert(0, _webp_chunk(b"EXIF", tiff))
    flags = _VP8X_XMP | (_VP8X_EXIF if tiff is not None else 0)
    kept = _with_flags(kept, flags, _VP8X_EXIF & ~flags)
    position = _after_image_data(kept)
    kept[position:position] = added
    return _webp_bytes(kept)


def _read_webp(data: bytes) -> str | None:
    for chunk in _webp_chunks(data):
        if chunk.kind == b"XMP ":
            story = _story_from_xmp(chunk.body)
            if story is not None:
                return story
    return None


def _strip_webp(data: bytes) -> bytes:
    chunks = _webp_chunks(data)
    orientation = _webp_orientation(chunks)
    kept = [chunk for chunk in chunks if chunk.kind not in _WEBP_METADATA]
    if orientation == 1:
        return _webp_bytes(_with_flags(kept, 0, _VP8X_EXIF | _VP8X_XMP))
    kept = _with_flags(kept, _VP8X_EXIF, _VP8X_XMP)
    position = _after_image_data(kept)
    kept.insert(position, _webp_chunk(b"EXIF", _tiff_orientation_only(orientation)))
    return _webp_bytes(kept)


_EMBEDDERS: dict[str, Callable[[bytes, Mapping[str, str]], bytes]] = {
    "png": _embed_png,
    "jpeg": _embed_jpeg,
    "webp": _embed_webp,
}
_READERS: dict[str, Callable[[bytes], str | None]] = {
    "png": _read_png,
    "jpeg": _read_jpeg,
    "webp": _read_webp,
}
_STRIPPERS: dict[str, Callable[[bytes], bytes]] = {
    "png": _strip_png,
    "jpeg": _strip_jpeg,
    "webp": _strip_webp,
}
