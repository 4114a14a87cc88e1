"""Turn a request body into text fields and file parts, tolerating broken bodies.

Parsing never raises: a body the client did not finish, or malformed multipart, still yields
whatever arrived (so it can be recorded) plus a note of what was wrong (so it can be rejected).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from .recording import UploadedFile

# Field names that carry files; everything else is a text field unless it has a filename.
FILE_FIELD = re.compile(r"^(image|image\[\d*\]|mask)$")


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)
    is_multipart: bool = False
    content_type: str = ""  # the request's media type, lower-case, without parameters
    error: str | None = None  # why the body is not acceptable multipart, None when fine


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)


def parse_query(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=True)


def parse_form(content_type_header: str | None, body: bytes) -> Form:
    media_type, options = parse_options_header(content_type_header or "")
    form = Form(content_type=media_type.decode("latin-1").lower())
    if form.content_type != "multipart/form-data":
        return form
    form.is_multipart = True
    boundary = options.get(b"boundary")
    if not boundary:
        form.error = "multipart/form-data without a boundary"
        return form
    parts, complete, problem = _split_parts(boundary, body)
    for part in parts:
        _add_part(form, part)
    if problem is not None:
        form.error = problem
    elif not complete:
        form.error = "the multipart body ended before its closing boundary"
    return form


def _split_parts(boundary: bytes, body: bytes) -> tuple[list[_Part], bool, str | None]:
    parts: list[_Part] = []
    header_field = bytearray()
    header_value = bytearray()
    state = {"ended": False}

    def on_part_begin() -> None:
        parts.append(_Part())

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1].data += data[start:end]

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        name = header_field.decode("latin-1").strip().lower()
        parts[-1].headers[name] = header_value.decode("utf-8", "replace").strip()
        header_field.clear()
        header_value.clear()

    def on_end() -> None:
        state["ended"] = True

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_end": on_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        return parts, False, f"malformed multipart body: {exc}"
    return parts, state["ended"], None


def _add_part(form: Form, part: _Part) -> None:
    _, disposition = parse_options_header(part.headers.get("content-disposition", ""))
    raw_name = disposition.get(b"name")
    if raw_name is None:
        form.error = form.error or "a multipart part has no name"
        return
    name = raw_name.decode("utf-8", "replace")
    raw_filename = disposition.get(b"filename")
    filename = raw_filename.decode("utf-8", "replace") if raw_filename is not None else None
    content_type = part.headers.get("content-type")
    if filename is not None or FILE_FIELD.match(name):
        form.files.append(UploadedFile(name, filename, content_type, bytes(part.data)))
        return
    try:
        text = bytes(part.data).decode("utf-8")
    except UnicodeDecodeError:
        form.error = form.error or f"field {name!r} is not valid UTF-8"
        text = bytes(part.data).decode("utf-8", "replace")
    form.fields.setdefault(name, []).append(text)
