"""A shaped upload keeps the ratio of the size actually sent, whatever the server refused.

A shaped run (3:2, 16:9, Whole picture, ...) prepares its upload, and any mask, at exactly the
ratio of the size it asks for. A gateway that takes only the standard sizes makes the client
swap a custom size for a preset (adaptation.py), learnt now or from a remembered rule; sent
as it is, the model would get a picture of one ratio and be asked for another, and a mask would
no longer match the output. The client cannot frame the picture again (it has only the
finished upload), so it stops with :class:`ReframeNeeded` before sending that request; the run
(run.py), which has the source, the frame and the region, prepares them again for the new size
and sends once more. Any other caller gets the exception's plain sentence instead.

A square run's upload is square whatever size it asks for (variation.upload_size): its ratio
never matched a non-square size, so a swap never stops it and it behaves as it always did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop_app.core.requests import FormFields, InvalidRequest

if TYPE_CHECKING:
    from desktop_app.core.imaging import Upload


class ReframeNeeded(InvalidRequest):
    """The server takes ``size`` instead of ``asked``, which the upload was made for: nothing
    was sent with the mismatched upload (a refused 400 before it, if any, is not billed)."""

    def __init__(
        self, upload: Upload, asked: str, size: str, model: str, adjustments: Sequence[str]
    ) -> None:
        self.asked = asked
        self.size = size  # what the server takes: prepare the upload for this
        self.adjustments = tuple(adjustments)  # the sentences the client said about the swap
        super().__init__(
            f"This server makes only the standard sizes for {model}, so it would be sent "
            f"{_spelt(size)} instead of {_spelt(asked)}; the picture, framed as "
            f"{upload.width} × {upload.height}, was not sent in another shape. Nothing was "
            "billed. Choose Square, 3:2 or 2:3, the shapes this server makes."
        )

    @property
    def note(self) -> str:
        """What the run says once it has framed the picture again for ``size``."""
        return (
            f"The picture was framed again as {_spelt(self.size)} for it (instead of "
            f"{_spelt(self.asked)}), so the result matches what was sent."
        )


def check_size_kept(
    upload: Upload, before: FormFields, after: FormFields, model: str, said: Sequence[str]
) -> None:
    """Raises :class:`ReframeNeeded` when changing ``before`` into ``after`` gives a size whose
    ratio differs from the upload's, which had the ratio of the size in ``before``. A dropped
    size or "auto" lets the server follow the picture, so only a new ``WxH`` counts."""
    asked, sent = dict(before).get("size"), dict(after).get("size")
    if asked is None or sent is None or asked == sent:
        return
    if has_ratio(upload, asked) and _sides(sent) is not None and not has_ratio(upload, sent):
        raise ReframeNeeded(upload, asked, sent, model, said)


def has_ratio(upload: Upload, size: str) -> bool:
    """Whether ``upload`` has the ratio of ``size`` (``WxH``), to the half pixel that rounding
    the upload's sides leaves (variation.upload_size)."""
    sides = _sides(size)
    if sides is None:
        return False
    width, height = sides
    return abs(upload.width * height - upload.height * width) <= (width + height) / 2


def _sides(size: str) -> tuple[int, int] | None:
    width, _, height = size.partition("x")
    if not (width.isdigit() and height.isdigit()) or int(width) < 1 or int(height) < 1:
        return None
    return int(width), int(height)


def _spelt(size: str) -> str:
    return size.replace("x", " × ")
