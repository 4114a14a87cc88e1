"""An event stream's events, read from its bytes: a streamed picture is not copied as text.

A streamed 1024x1024 PNG is one ``data:`` line of ~2.5 MB of base64. httpx-sse, which read the
stream before, decodes every chunk to a str, joins the pieces of that line, copies it once more
without its leading space, and ``json.loads`` copies the base64 into a further str: about 10 MB
of transient text per picture, with ten of them in a run. Here the line is cut out of the bytes
once, and its picture is then decoded from those bytes (``_inline_images.load_event``).

The rules are the HTML standard's "event stream interpretation", as httpx-sse applies them
(tests/core/test_event_stream.py reads the same events with both, split anywhere): lines end
with CRLF, LF or CR; a blank line dispatches the event; ``:`` starts a comment; one space after
the field's colon is dropped. Written here rather than taken from a library because the point
is to keep the bytes: httpx-sse and the others hand out str.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

__all__ = ["StreamEvent", "StreamTooLarge", "read_events"]

_CR, _LF = 13, 10
# What a kept "data:" line costs besides its bytes (a bytes object's header and its list slot,
# rounded up), counted against the event's cap: a million one-byte lines are not one megabyte.
_DATA_LINE_COST = 64


class StreamTooLarge(Exception):
    """An event stream (or one of its events) is longer than any answer should be."""


@dataclass(frozen=True)
class StreamEvent:
    event: str  # the "event:" field; "message" when there was none (the standard's default)
    data: bytes  # the "data:" lines, joined with LF; still the stream's bytes (UTF-8)
    id: str  # the last "id:" so far (it carries over to later events, as the standard says)


class _Fields:
    """The fields of the event being read, until a blank line dispatches it."""

    def __init__(self) -> None:
        self.event = ""
        self.data: list[bytes] = []
        self.id = ""
        self.retry_seen = False
        self.size = 0  # what the lines read since the last blank line hold (bytes, roughly)

    def take(self, buffer: bytearray, start: int, end: int) -> StreamEvent | None:
        """One line, ``buffer[start:end]`` without its line break: its field, or the event
        when the line is blank."""
        if start == end:
            self.size = 0
            return self._dispatch()
        self.size += end - start
        if buffer[start] == ord(":"):
            return None  # a comment (a keep-alive)
        colon = buffer.find(b":", start, end)
        name_end = end if colon < 0 else colon
        value_start = end if colon < 0 else colon + 1
        if value_start < end and buffer[value_start] == ord(" "):
            value_start += 1
        name = bytes(buffer[start:name_end])
        if name == b"data":
            self.size += _DATA_LINE_COST
            with memoryview(buffer) as view:  # released at once: the buffer is cut after
                self.data.append(bytes(view[value_start:end]))  # the one copy of a picture
        elif name == b"event":
            self.event = _text(buffer, value_start, end)
        elif name == b"id":
            value = _text(buffer, value_start, end)
            if "\0" not in value:
                self.id = value
        elif name == b"retry":
            self.retry_seen = self.retry_seen or _text(buffer, value_start, end).isdigit()
        return None

    def _dispatch(self) -> StreamEvent | None:
        if not (self.event or self.data or self.id or self.retry_seen):
            return None
        event = StreamEvent(self.event or "message", b"\n".join(self.data), self.id)
        self.event, self.data, self.retry_seen = "", [], False
        return event


def _text(buffer: bytearray, start: int, end: int) -> str:
    return bytes(buffer[start:end]).decode("utf-8", "replace")


class _Lines:
    """Finds line breaks in a growing buffer. What a search found (or that it found nothing up
    to some point) is kept between calls, so neither a buffer of many short lines nor a long
    line arriving in many chunks is searched again from the start for each step."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        # For CR and LF: (where the next one is, or -1; where a search for another may start).
        self._known = {_CR: (-1, 0), _LF: (-1, 0)}

    def feed(self, chunk: bytes) -> None:
        self.buffer += chunk

    def next_break(self, start: int) -> int:
        """The index of the next CR or LF at or after ``start``; -1 when there is none yet."""
        found = [at for at in (self._next(_CR, start), self._next(_LF, start)) if at >= 0]
        return min(found) if found else -1

    def _next(self, byte: int, start: int) -> int:
        at, searched = self._known[byte]
        if at >= start:
            return at
        if at < 0 and searched >= len(self.buffer):
            return -1  # not in the buffer, and nothing came since it was searched
        at = self.buffer.find(byte, start if at >= 0 else max(start, searched))
        # Found: nothing is known past it. Not found: it is not in the buffer as it is now.
        self._known[byte] = (at, at if at >= 0 else len(self.buffer))
        return at

    def cut(self, upto: int) -> None:
        """Drops the lines read so far (``buffer[:upto]``). When most of the buffer goes (a
        picture's line), CPython gives its memory back at once and keeps the rest in a buffer
        of its size."""
        del self.buffer[:upto]
        for byte, (at, searched) in self._known.items():
            self._known[byte] = (at - upto if at >= upto else -1, max(searched - upto, 0))


async def read_events(
    chunks: AsyncIterator[bytes], *, max_event: int, max_total: int
) -> AsyncIterator[StreamEvent]:
    """The events of a stream of bytes. An event not ended by a blank line when the stream ends
    is dropped, as the standard says (httpx-sse does the same).

    An unfinished event is kept until a blank line ends it, so a server streaming one endless
    event would fill the memory: past ``max_total`` bytes in all, or ``max_event`` since the
    last blank line, the read ends with StreamTooLarge."""
    lines = _Lines()
    fields = _Fields()
    total = 0
    async for chunk in chunks:
        total += len(chunk)
        if total > max_total:
            raise StreamTooLarge("the event stream is larger than any answer should be")
        lines.feed(chunk)
        start = 0
        while (end := lines.next_break(start)) >= 0:
            buffer = lines.buffer
            if buffer[end] == _CR and end + 1 == len(buffer):
                break  # a CR last: an LF may follow in the next chunk (CRLF is one break)
            after = end + 2 if buffer[end : end + 2] == b"\r\n" else end + 1
            event = fields.take(buffer, start, end)
            start = after
            if event is not None:
                del buffer  # with the cut, the line read is let go of before it is decoded
                lines.cut(start)
                start = 0
                yield event
        lines.cut(start)
        if fields.size + len(lines.buffer) > max_event:
            raise StreamTooLarge("an event in the stream is larger than any result should be")
    buffer = lines.buffer
    if buffer.endswith(b"\r"):  # the stream ended: a CR kept back for an LF was a line break
        event = fields.take(buffer, 0, len(buffer) - 1)
        if event is not None:
            yield event
