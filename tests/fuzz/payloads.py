"""Hypothesis strategies for hostile API answers: JSON bodies, error bodies, headers, SSE.

Every strategy starts from the documented shape (API.md) and damages it: JSON values of any
type in place of fields, missing and extra fields, huge numbers, deep nesting, non-UTF-8
bytes, truncated bodies; for event streams random event names, broken ``data:`` lines,
comments and keep-alives, huge lines, bad base64, wrong indexes and a missing final event.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from .seeds import encode, picture

RESULT_PNG = encode(picture(4, 4), "PNG")
RESULT_B64 = base64.b64encode(RESULT_PNG).decode()
HOSTS_API = "api.fuzz.test"

# Text without lone surrogates, which no server can send as UTF-8.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=24)
HUGE_NUMBERS = st.sampled_from(
    (10**30, -(10**30), 2**63, -(2**63) - 1, 2**64, 1e308, -1e308, float("inf"), -1, 0)
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | HUGE_NUMBERS
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


def _usage() -> dict[str, Any]:
    return {
        "input_tokens": 120,
        "output_tokens": 1760,
        "total_tokens": 1880,
        "input_tokens_details": {"text_tokens": 20, "image_tokens": 100},
        "output_tokens_details": {"text_tokens": 0, "image_tokens": 1760},
    }


def edit_result_document() -> dict[str, Any]:
    return {
        "created": 1763900000,
        "data": [{"b64_json": RESULT_B64}, {"b64_json": RESULT_B64, "revised_prompt": "x"}],
        "background": "opaque",
        "output_format": "png",
        "quality": "high",
        "size": "1024x1024",
        "usage": _usage(),
    }


def classic_result_document() -> dict[str, Any]:
    return {
        "created": 1763900000,
        "data": [{"url": f"https://cdn.{HOSTS_API}/result-0.png"}, {"b64_json": RESULT_B64}],
    }


def models_document() -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {
                "id": "gpt-image-2.6-sunburst",
                "object": "model",
                "created": 0,
                "owned_by": "o",
                "shutdown_date": None,
            },
            {
                "id": "gpt-image-1.5",
                "object": "model",
                "created": 0,
                "owned_by": "o",
                "shutdown_date": "2026-12-01",
            },
            {"id": "dall-e-2", "object": "model", "created": 0, "owned_by": "o"},
        ],
    }


def error_document() -> dict[str, Any]:
    return {
        "error": {
            "message": "Your request was rejected by the safety system.",
            "type": "image_generation_user_error",
            "param": None,
            "code": "moderation_blocked",
        }
    }


# Values a field may be replaced with: any JSON value, or one aimed at a known weak spot.
BASE64_VALUES = st.sampled_from(
    (
        RESULT_B64,
        RESULT_B64[:-1],  # bad padding
        RESULT_B64 + "=",
        "!!!!" + RESULT_B64,
        "é" + RESULT_B64,  # not ASCII
        "",
        "====",
        RESULT_B64.replace("A", "-"),  # urlsafe alphabet
        "A" * (256 * 1024 + 4),  # past the sliced-decoding threshold
        "A" * (256 * 1024 + 1),
        "A" * (256 * 1024) + "=" + "AAA",
    )
)
URL_VALUES = st.sampled_from(
    (
        f"https://cdn.{HOSTS_API}/r.png",
        f"https://cdn.{HOSTS_API}/status/404",
        f"https://cdn.{HOSTS_API}/status/500",
        f"https://cdn.{HOSTS_API}/redirect",
        f"https://cdn.{HOSTS_API}/big",
        f"https://cdn.{HOSTS_API}/broken",
        "http://cdn.example.com/r.png",
        "http://127.0.0.1/r.png",
        "ftp://cdn.example.com/r.png",
        "https://",
        "https:///path",
        "",
        "https://[::1/r.png",
        "https://exa mple.com/r.png",
        "https://a\x00b.example/r.png",
        "https://\u2603.example/r.png",
        "https://xn--.example/r.png",
        "https://a..b/r.png",
        "https://" + "a" * 300 + ".example/r.png",
        "https://user:pass@cdn.example.com:99999/r.png",
    )
)
FIELD_VALUES = JSON_VALUES | HUGE_NUMBERS | BASE64_VALUES | URL_VALUES


@st.composite
def mutated_json(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """``value`` with fields replaced, dropped, added, retyped or nested absurdly deep."""
    roll = draw(st.integers(0, 9))
    if roll == 0 and depth > 0:
        return draw(FIELD_VALUES)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, child in value.items():
            if draw(st.integers(0, 7)) == 0:
                continue  # missing field
            out[key] = draw(mutated_json(child, depth + 1))
        for _ in range(draw(st.integers(0, 1))):
            out[draw(st.sampled_from([*value, "error", "type", "extra"]) | TEXT)] = draw(
                FIELD_VALUES
            )
        return out
    if isinstance(value, list):
        items = [draw(mutated_json(child, depth + 1)) for child in value]
        if draw(st.integers(0, 5)) == 0:
            items = items * draw(st.integers(0, 3))
        if draw(st.integers(0, 5)) == 0:
            items.append(draw(FIELD_VALUES))
        return items
    if roll == 1:
        return draw(FIELD_VALUES)
    return value


NON_UTF8 = st.sampled_from((b"\xff", b"\xfe\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80", b"\x00"))


@st.composite
def damaged_bytes(draw: st.DrawFn, raw: bytes) -> bytes:
    """Body-level damage: truncation, invalid UTF-8, BOMs, deep nesting, other encodings."""
    kind = draw(
        st.sampled_from(
            ("none", "none", "truncate", "non_utf8", "bom", "nest", "utf16", "random", "flip")
        )
    )
    if kind == "truncate":
        return raw[: draw(st.integers(0, max(0, len(raw) - 1)))]
    if kind == "non_utf8":
        at = draw(st.integers(0, len(raw)))
        return raw[:at] + draw(NON_UTF8) + raw[at:]
    if kind == "bom":
        return b"\xef\xbb\xbf" + raw
    if kind == "nest":
        depth = draw(st.sampled_from((100, 1_000, 10_000, 100_000)))
        opener = draw(st.sampled_from((b"[", b'{"a":')))
        closer = b"]" if opener == b"[" else b"}"
        inner = raw if draw(st.booleans()) else b"1"
        return opener * depth + inner + closer * depth
    if kind == "utf16":
        return raw.decode("utf-8", "replace").encode(draw(st.sampled_from(("utf-16", "utf-32"))))
    if kind == "random":
        return draw(st.binary(max_size=64))
    if kind == "flip" and raw:
        at = draw(st.integers(0, len(raw) - 1))
        return raw[:at] + bytes([raw[at] ^ (1 << draw(st.integers(0, 7)))]) + raw[at + 1 :]
    return raw


@st.composite
def json_bodies(draw: st.DrawFn, document: dict[str, Any]) -> bytes:
    doc = draw(mutated_json(document))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    return draw(damaged_bytes(text.encode("utf-8")))


HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
WAITS = st.sampled_from(
    (
        "0",
        "1",
        "0.001",
        "-1",
        "nan",
        "NaN",
        "-nan",
        "inf",
        "-inf",
        "1e400",
        "1e-400",
        "",
        " 1",
        "0x10",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Mon, 99 Foo 2015 25:61:61 GMT",
        " ",
    )
)


@st.composite
def error_headers(draw: st.DrawFn) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name in ("retry-after", "retry-after-ms", "x-should-retry", "x-request-id"):
        if draw(st.booleans()):
            headers[name] = draw(WAITS | HEADER_TEXT | st.sampled_from(("true", "false")))
    return headers


ERROR_STATUSES = st.sampled_from(
    (400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504)
) | st.integers(400, 599)


@dataclass
class Answer:
    """One scripted HTTP answer."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: tuple[int, ...] = ()  # split the body at these sizes (streamed delivery)
    break_after: int | None = None  # raise a read error after this many chunks


@st.composite
def answers(draw: st.DrawFn, document: dict[str, Any], *, content_type: str) -> Answer:
    """A success or an error answer, each body damaged."""
    if draw(st.integers(0, 3)) == 0:
        return Answer(
            status=draw(ERROR_STATUSES),
            body=draw(json_bodies(error_document())),
            headers={"content-type": "application/json", **draw(error_headers())},
        )
    status = draw(st.sampled_from((200, 200, 200, 201, 204, 302)))
    headers = {"content-type": draw(st.sampled_from((content_type, "text/html", "")))}
    if draw(st.booleans()):
        headers["x-request-id"] = draw(HEADER_TEXT)
    return Answer(
        status=status,
        body=draw(json_bodies(document)),
        headers=headers,
        chunks=tuple(draw(st.lists(st.integers(1, 4096), max_size=4))),
        break_after=draw(st.none() | st.integers(0, 3)),
    )


# -- event streams ----------------------------------------------------------------------------

EVENT_NAMES = (
    st.sampled_from(("image_edit.partial_image", "image_edit.completed", "error", "ping", ""))
    | TEXT
)


def stream_payload() -> dict[str, Any]:
    return {
        "type": "image_edit.partial_image",
        "b64_json": RESULT_B64,
        "partial_image_index": 0,
        "image_index": 0,
        "created_at": 1763900000,
        "size": "1024x1024",
        "quality": "high",
        "background": "opaque",
        "output_format": "png",
        "usage": _usage(),
    }


@st.composite
def stream_event(draw: st.DrawFn) -> str:
    """One event's lines (without the blank line that ends it)."""
    lines: list[str] = []
    for _ in range(draw(st.integers(0, 2))):
        lines.append(":" + draw(st.sampled_from((" keep-alive", "", " ping"))))
    name = draw(EVENT_NAMES)
    payload = stream_payload()
    payload["type"] = draw(
        st.sampled_from(("image_edit.partial_image", "image_edit.completed", "error"))
    )
    if payload["type"] == "error":
        payload["error"] = error_document()["error"]
    if draw(st.booleans()):
        lines.append(f"event: {name or payload['type']}")
    kind = draw(
        st.sampled_from(("json", "json", "json", "done", "empty", "garbage", "huge", "raw_value"))
    )
    if kind == "json":
        data = json.dumps(draw(mutated_json(payload)))
    elif kind == "done":
        data = draw(st.sampled_from(("[DONE]", " [DONE] ", "[DONE")))
    elif kind == "empty":
        data = ""
    elif kind == "garbage":
        data = draw(TEXT)
    elif kind == "huge":
        data = json.dumps({"type": "image_edit.completed", "b64_json": "A" * 300_000})
    else:
        data = json.dumps(draw(JSON_VALUES))
    if draw(st.booleans()) and len(data) > 2:
        cut = draw(st.integers(1, len(data) - 1))  # one data field split over two lines
        lines += [f"data: {data[:cut]}", f"data: {data[cut:]}"]
    else:
        lines.append(draw(st.sampled_from(("data: ", "data:", "data :", "DATA: "))) + data)
    if draw(st.integers(0, 5)) == 0:
        lines.append(draw(st.sampled_from(("id: 7", "retry: abc", "retry: 10", "id: \x00"))))
    return "\n".join(lines)


@st.composite
def event_stream_answers(draw: st.DrawFn) -> Answer:
    events = draw(st.lists(stream_event(), max_size=6))
    newline = draw(st.sampled_from(("\n", "\r\n", "\r")))
    text = (newline * 2).join(e.replace("\n", newline) for e in events)
    if events and draw(st.integers(0, 3)) != 0:
        text += newline * 2  # else: the last event is never terminated
    raw = text.encode("utf-8")
    if draw(st.integers(0, 3)) == 0:
        raw = draw(damaged_bytes(raw))
    content_type = draw(
        st.sampled_from(
            (
                "text/event-stream",
                "text/event-stream; charset=utf-8",
                "text/event-stream; charset=bogus",
                "application/json",
            )
        )
    )
    if draw(st.integers(0, 7)) == 0:
        return Answer(
            status=draw(ERROR_STATUSES),
            body=raw,
            headers={"content-type": content_type, **draw(error_headers())},
        )
    return Answer(
        status=200,
        body=raw,
        headers={"content-type": content_type},
        chunks=tuple(draw(st.lists(st.integers(1, 512), max_size=6))),
        break_after=draw(st.none() | st.integers(0, 5)),
    )
