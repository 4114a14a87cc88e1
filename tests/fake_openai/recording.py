"""What the fake server saw: one record per HTTP request, kept for the tests to inspect."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from PIL import Image


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart upload, exactly as it arrived."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One request as received (recorded before it is answered)."""

    method: str
    path: str  # without the query string
    headers: dict[str, str]  # names lower-case; repeated headers joined with ", "
    fields: dict[str, list[str]]  # multipart text fields, or query parameters for GET
    files: list[UploadedFile]
    body_complete: bool  # False when the client vanished (or was cut off) mid-upload
    request_id: str  # the x-request-id answered with, "" when no headers were sent
    query: dict[str, list[str]] = field(default_factory=dict)  # the URL's query, always
    json: Any = None  # a JSON body, parsed (OpenRouter's image API); None for anything else
    # The status answered with (200: images were made, so the real service would bill it);
    # None while unanswered, or when the connection was cut before a status line.
    status: int | None = None

    def value(self, name: str) -> str | None:
        """The last value of text field `name`, None when absent (a convenience for tests)."""
        values = self.fields.get(name)
        return values[-1] if values else None

    @property
    def mask(self) -> UploadedFile | None:
        """The ``mask`` file part exactly as it arrived, None when none was sent."""
        masks = [upload for upload in self.files if upload.field == "mask"]
        return masks[-1] if masks else None

    def mask_image(self) -> Image.Image:
        """The mask part decoded (raises when none was sent or it is no image), loaded fully so
        its pixels can be compared; its ``format`` and ``mode`` tell what was sent."""
        mask = self.mask
        if mask is None:
            raise LookupError("this request carried no mask")
        image = Image.open(io.BytesIO(mask.data))
        image.load()
        return image
