"""An event stream read from its bytes: the same events as httpx-sse reads, however it is split,
and a picture's line copied once, not as text."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import tracemalloc
from collections.abc import AsyncIterator

import pytest
from httpx_sse._decoders import SSEDecoder, SSELineDecoder
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.core._event_stream import StreamTooLarge, read_events
from desktop_app.core._inline_images import Encoded, decode_span, load_event

_NO_CAP = {"max_event": 1 << 40, "max_total": 1 << 40}


def _mine(pieces: list[bytes]) -> list[tuple[str, str, str]]:
    async def chunks() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    async def read() -> list[tuple[str, str, str]]:
        found = read_events(chunks(), **_NO_CAP)
        return [(e.event, e.data.decode("utf-8", "replace"), e.id) async for e in found]

    return asyncio.run(read())


def _httpx_sse(pieces: list[bytes]) -> list[tuple[str, str, str]]:
    """What httpx-sse reads from the same pieces (its line and event decoders, as its
    ``aiter_sse`` drives them over a UTF-8 text decoder)."""
    import codecs

    text = codecs.getincrementaldecoder("utf-8")("replace")
    lines, events = SSELineDecoder(), SSEDecoder()
    found = []
    for piece in pieces:
        decoded = text.decode(piece)
        for line in lines.decode(decoded) if decoded else []:
            event = events.decode(line.rstrip("\n"))
            if event is not None:
                found.append((event.event, event.data, event.id))
    for line in lines.flush():
        event = events.decode(line.rstrip("\n"))
        if event is not None:
            found.append((event.event, event.data, event.id))
    return found


def _split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts} | {0, len(body)})
    return [body[a:b] for a, b in itertools.pairwise(points) if b > a]


_LINE_END = st.sampled_from([b"\n", b"\r", b"\r\n"])
_VALUE = st.binary(max_size=12) | st.sampled_from([b"", b" ", b"  x", b"caf\xc3\xa9", b"\xff\xfe"])
_LINE = st.tuples(
    st.sampled_from([b"data", b"event", b"id", b"retry", b":", b"", b"other", b"data:", b"id\0"]),
    st.sampled_from([b":", b": ", b""]),
    _VALUE,
).map(lambda parts: b"".join(parts))


@settings(max_examples=400, deadline=None)
@given(
    lines=st.lists(st.tuples(_LINE, _LINE_END), max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=8),
)
def test_the_same_events_as_httpx_sse_reads_split_anywhere(
    lines: list[tuple[bytes, bytes]], cuts: list[int]
) -> None:
    body = b"".join(line.replace(b"\r", b"").replace(b"\n", b"") + end for line, end in lines)
    pieces = _split(body, cuts)
    assert _mine(pieces) == _httpx_sse(pieces)


@pytest.mark.parametrize("ending", [b"\r\r", b"\n\r", b"\r\n\r"])
def test_a_stream_ending_in_a_lone_cr_still_ends_its_last_event(ending: bytes) -> None:
    body = b"data: x" + ending
    for size in (1, len(body)):
        pieces = [body[i : i + size] for i in range(0, len(body), size)]
        assert _mine(pieces) == _httpx_sse(pieces) == [("message", "x", "")]


def test_a_known_stream_mixing_line_ends() -> None:
    body = (
        b": keep-alive\r\n\r\nevent: a\r\ndata: 1\r\ndata: 2\r\n\r\n"
        b'id: 7\ndata: {"x": "\xc3\xa9"}\n\n'
        b"event: b\rdata: three\r\rdata: unterminated"
    )
    for size in (1, 2, 3, 7, len(body)):
        pieces = [body[i : i + size] for i in range(0, len(body), size)]
        assert _mine(pieces) == [
            ("a", "1\n2", ""),
            ("message", '{"x": "é"}', "7"),
            ("b", "three", "7"),
        ]


def test_a_streamed_picture_is_decoded_from_the_events_bytes() -> None:
    picture = bytes(range(256)) * 4096  # 1 MB
    payload = {"type": "image_edit.completed", "b64_json": base64.b64encode(picture).decode()}
    line = json.dumps(payload).encode()
    event = b"event: image_edit.completed\ndata: " + line + b"\n\n"
    body = event + b": the next event begins in the same chunk\n" + b"data: 1\n\n"
    pieces = [body[i : i + 64 * 1024] for i in range(0, len(body), 64 * 1024)]

    async def chunks() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    async def read() -> tuple[bytes, int]:
        tracemalloc.start()
        try:
            async for event in read_events(
                chunks(), **_NO_CAP
            ):  # decoded as it comes, as the client does
                document = load_event(event.data)
                encoded = document["b64_json"]
                assert isinstance(encoded, Encoded) and encoded.body is event.data
                decoded = decode_span(encoded)
                return decoded, tracemalloc.get_traced_memory()[1]
            raise AssertionError("no event")
        finally:
            tracemalloc.stop()

    decoded, peak = asyncio.run(read())
    assert decoded == picture
    # At most the line twice (while it is copied out of the buffer it arrived in; the picture
    # is decoded after the buffer has let go of it). Read as text (the chunks decoded, the line
    # joined, copied without its leading space, a str from the JSON) it peaked at 3.25 lines.
    assert peak < 2.3 * len(line), peak / len(line)


def test_an_event_that_is_not_json_or_has_broken_utf8_reads_as_text_would() -> None:
    raw = b'{"type": "error", "error": {"message": "caf\xff"}}'
    assert load_event(raw) == json.loads(raw.decode("utf-8", "replace"))


@pytest.mark.parametrize(
    ("pieces", "cap", "words"),
    [
        # one endless line, and an event of many lines, both without the blank line that ends it
        ([b"data: " + b"x" * 100] * 50, {"max_event": 1000}, "an event in the stream"),
        ([b"data: 12345\n"] * 500, {"max_event": 1000}, "an event in the stream"),
        # tiny lines: their bytes are within the cap, the objects they make are not
        ([b"data:\n"] * 2000, {"max_event": 20_000}, "an event in the stream"),
        ([b"data: 1\n\n"] * 500, {"max_total": 1000}, "the event stream is larger"),
    ],
)
def test_a_stream_past_its_caps_ends_the_read(
    pieces: list[bytes], cap: dict[str, int], words: str
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    async def read() -> int:
        return len([e async for e in read_events(chunks(), **{**_NO_CAP, **cap})])

    with pytest.raises(StreamTooLarge, match=words):
        asyncio.run(read())
    # Events of any number, each within the cap, are fine.
    many = [b"data: 12345\n\n"] * 500
    assert _mine(many) == [("message", "12345", "")] * 500
