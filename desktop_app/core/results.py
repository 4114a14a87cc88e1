"""What a run hands out: images as they arrive, progress events, and the final result."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.imaging.sniffing import kind_of

# The formats the API returns, as file extensions; any other picture is not a result.
_RESULT_FORMATS = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "WEBP": "webp"}


def sniff_format(data: bytes) -> str:
    """The image format of result bytes, from their magic number (the server's word can lie)."""
    return _RESULT_FORMATS.get(kind_of(data) or "", "bin")


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    input_text_tokens: int = 0
    input_image_tokens: int = 0
    output_image_tokens: int = 0
    input_cached_tokens: int = 0  # priced at the cached rate (cost.py)

    @classmethod
    def from_json(cls, raw: Any) -> Usage | None:
        if not isinstance(raw, Mapping):
            return None

        def number(source: Any, key: str) -> int:
            value = source.get(key) if isinstance(source, Mapping) else None
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        inputs = raw.get("input_tokens_details")
        outputs = raw.get("output_tokens_details")
        return cls(
            input_tokens=number(raw, "input_tokens"),
            output_tokens=number(raw, "output_tokens"),
            total_tokens=number(raw, "total_tokens"),
            input_text_tokens=number(inputs, "text_tokens"),
            input_image_tokens=number(inputs, "image_tokens"),
            output_image_tokens=number(outputs, "image_tokens"),
            input_cached_tokens=number(inputs, "cached_tokens"),
        )

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(a + b for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[int, ...]:
        return (
            self.input_tokens,
            self.output_tokens,
            self.total_tokens,
            self.input_text_tokens,
            self.input_image_tokens,
            self.output_image_tokens,
            self.input_cached_tokens,
        )


class GeneratedImage:
    """One finished variation: the bytes exactly as the server made them.

    Once the library has them on disk (``kept_at``), they are read from there when asked for
    instead of held: the window shows thumbnails, and ten results' bytes (~18 MB) would
    otherwise stay in memory as long as the run is on screen. Reading them may then raise
    OSError, if the file went away meanwhile (the library folder moved by hand, say).
    """

    __slots__ = ("_bytes", "_path", "format", "index", "revised_prompt", "source_url")

    def __init__(
        self,
        index: int,
        data: bytes,
        format: str,  # png | jpeg | webp | gif, sniffed from the bytes
        revised_prompt: str | None = None,
        source_url: str | None = None,  # for classic url results, where it was downloaded from
    ) -> None:
        self.index = index
        self.format = format
        self.revised_prompt = revised_prompt
        self.source_url = source_url
        self._bytes: bytes | None = data
        self._path: Path | None = None

    @classmethod
    def on_disk(
        cls, index: int, path: Path, format: str, revised_prompt: str | None = None
    ) -> GeneratedImage:
        """A result the library keeps (a run reopened): read when asked for."""
        image = cls(index, b"", format, revised_prompt)
        image.kept_at(path)
        return image

    @property
    def data(self) -> bytes:
        held = self._bytes
        if held is not None:
            return held
        assert self._path is not None  # one of the two is always set
        return self._path.read_bytes()

    @property
    def path(self) -> Path | None:
        """Where the library keeps these bytes; None while they are only in memory."""
        return self._path

    def kept_at(self, path: Path) -> None:
        """The bytes are on disk at ``path`` (written and flushed): they are let go of. Called
        on the run's worker thread; a reader on another sees the bytes or the path, never
        neither (the path is set first)."""
        self._path = path
        self._bytes = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GeneratedImage):
            return NotImplemented
        if other is self:
            return True
        if self._fields() != other._fields():
            return False
        if self._path is not None and self._path == other._path:
            return True  # the same file: not read to be compared
        return self.data == other.data

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"GeneratedImage{self._fields()!r}"

    def _fields(self) -> tuple[int, str, str | None, str | None]:
        return (self.index, self.format, self.revised_prompt, self.source_url)


@dataclass(frozen=True)
class PartialImage:
    """A streamed preview of image ``index`` (``partial_index`` counts previews of that image)."""

    index: int
    partial_index: int
    data: bytes = field(repr=False)


class Phase(enum.Enum):
    PREPARING = "preparing"
    CONNECTING = "connecting"
    UPLOADING = "uploading"
    WAITING = "waiting"  # the request is sent; the server is working (this is when billing starts)
    RECEIVING = "receiving"
    DOWNLOADING = "downloading"


@dataclass(frozen=True)
class PhaseChanged:
    phase: Phase


@dataclass(frozen=True)
class UploadProgress:
    sent: int
    total: int


CONNECTION_FAILED = "connection failed"  # a RetryScheduled reason: the server was not reached
RATE_LIMITED = "rate limit"  # a RetryScheduled reason: the server answered 429


@dataclass(frozen=True)
class RetryScheduled:
    """The client waits ``seconds`` and tries again (a countdown for the user)."""

    seconds: float
    attempt: int  # the attempt that is about to start, 2 or 3
    reason: str  # "rate limit", "server error 503", CONNECTION_FAILED


@dataclass(frozen=True)
class PartialArrived:
    image: PartialImage


@dataclass(frozen=True)
class ImageArrived:
    image: GeneratedImage
    # Another image of the same answer follows at once (a JSON answer brings them all): a sink
    # may hold this one back and handle them together (the library stores them in one go).
    # Either an event with ``more=False`` follows, or the call fails; a holding sink must then
    # still handle what it holds (``RunLog.failed``).
    more: bool = False


@dataclass(frozen=True)
class ParameterAdjusted:
    """The server refused a parameter (unbilled); the request goes again without it."""

    description: str  # one sentence for the status line
    learnt: bool  # False: a rule known from earlier runs, applied before sending


RunEvent = (
    PhaseChanged
    | UploadProgress
    | RetryScheduled
    | PartialArrived
    | ImageArrived
    | ParameterAdjusted
)


# Whoever watches a run: the window's bridge, the command line's printer, the library's RunLog.
EventSink = Callable[[RunEvent], None]


@dataclass(frozen=True)
class RunResult:
    images: tuple[GeneratedImage, ...]
    request_id: str | None
    usage: Usage | None = None
    created: int | None = None
    size: str | None = None
    quality: str | None = None
    output_format: str | None = None
    background: str | None = None
    attempts: int = 1
    adjustments: tuple[str, ...] = ()  # what was changed for this server, one sentence each
