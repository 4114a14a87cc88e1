"""A JSON answer's base64 pictures cut out of its bytes: always what json.loads would read."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.core._inline_images import Encoded, decode_span, load_answer


def _as_text(value: Any) -> Any:
    """The document with every Encoded span as the str json.loads would have made of it."""
    if isinstance(value, Encoded):
        return value.body[value.start : value.end].decode("ascii")
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    return value


def _spans(document: Any) -> list[Encoded]:
    return [e["b64_json"] for e in document["data"] if isinstance(e.get("b64_json"), Encoded)]


def test_the_pictures_of_an_answer_stay_in_its_bytes() -> None:
    pictures = [bytes(range(256)) * 9, b"\x89PNG second"]
    raw = json.dumps(
        {
            "created": 1,
            "data": [
                {"b64_json": base64.b64encode(pictures[0]).decode(), "revised_prompt": "x"},
                {"b64_json": base64.b64encode(pictures[1]).decode()},
            ],
            "usage": {"total_tokens": 3},
        }
    ).encode()
    document = load_answer(raw)
    assert _as_text(document) == json.loads(raw)
    assert [decode_span(span) for span in _spans(document)] == pictures
    assert all(span.body is raw for span in _spans(document))  # no copy of the text


@pytest.mark.parametrize(
    "raw",
    [
        # An escaped slash is valid JSON (some servers write it): read the ordinary way.
        b'{"data": [{"b64_json": "QUJD\\/w=="}]}',
        # The key spelled inside another string, a key given twice, the key elsewhere.
        b'{"data": [{"revised_prompt": "say \\"b64_json\\": \\"QUJD\\"", "b64_json": "QUJD"}]}',
        b'{"data": [{"b64_json": "QUJD", "b64_json": "REVG"}]}',
        b'{"b64_json": "QUJD", "data": [{"url": "https://x"}]}',
        b'{"data": [{"x\\"b64_json": "QUJD"}]}',
        b'{"data": [{"nested": {"b64_json": "QUJD"}}]}',
        b'{"data": {"b64_json": "QUJD"}}',
        b'["b64_json", "QUJD"]',
        b'{"data": [{"b64_json" : \n "QUJD"}]}',
        b'{"data": [{"b64_json": 12}]}',
        b'\xef\xbb\xbf{"data": [{"b64_json": "QUJD"}]}',  # a UTF-8 byte order mark
    ],
)
def test_what_json_loads_reads_is_what_comes_back(raw: bytes) -> None:
    assert _as_text(load_answer(raw)) == json.loads(raw)


@pytest.mark.parametrize(
    "raw",
    [b'{"data": [{"b64_json": "QUJD"}]', b'{"data": [{"b64_json": "QUJD}]}', b"", b"{}x"],
)
def test_what_json_loads_refuses_is_refused(raw: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(raw)
    with pytest.raises(ValueError):
        load_answer(raw)


_TEXT = st.text(alphabet=st.sampled_from('ab"\\/: {}[],\n\u00e9'), max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)
_B64 = st.binary(max_size=64).map(lambda data: base64.b64encode(data).decode())
_ENTRY = st.dictionaries(
    st.sampled_from(["b64_json", "url", "revised_prompt", "b64_json\\", 'x"b64_json']),
    _B64 | _JSON,
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(_ENTRY | _JSON, max_size=4),
    extra=st.dictionaries(st.sampled_from(["b64_json", "usage", "created"]), _JSON, max_size=2),
    indent=st.sampled_from([None, 0, 2]),
    escape_slashes=st.booleans(),
)
def test_any_answer_reads_as_json_loads_reads_it(
    data: list[Any], extra: dict[str, Any], indent: int | None, escape_slashes: bool
) -> None:
    text = json.dumps({**extra, "data": data}, indent=indent, ensure_ascii=False)
    if escape_slashes:
        text = text.replace("/", "\\/")
    raw = text.encode()
    assert _as_text(load_answer(raw)) == json.loads(raw)


def test_a_large_picture_decodes_and_bad_base64_is_refused() -> None:
    picture = bytes(range(256)) * 1031
    good = base64.b64encode(picture)
    assert decode_span(Encoded(b"xx" + good + b"yy", 2, 2 + len(good))) == picture
    padded_in_the_middle = good[:262_142] + b"==" + good[262_144:]
    newline = good[:76] + b"\n" + good[76:]
    for bad in (padded_in_the_middle, good[:-1], good[:100] + b"*" + good[101:], newline):
        with pytest.raises(binascii.Error):
            decode_span(Encoded(bad, 0, len(bad)))
