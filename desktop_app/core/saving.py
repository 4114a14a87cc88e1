"""Saving results: the user's folder, name template and format, and never an overwrite."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path

from desktop_app.core.naming import render_filename, save_new_file
from desktop_app.core.results import GeneratedImage

SAVE_FORMATS = ("png", "jpeg", "webp")
_PILLOW_NAMES = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def encode_as(data: bytes, current: str, wanted: str) -> bytes:
    """The result in the wanted format; untouched when it already is (no re-encoding loss)."""
    if wanted not in SAVE_FORMATS:
        raise ValueError(f"Cannot save as {wanted!r}; choose PNG, JPEG or WebP.")
    if current == wanted:
        return data
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        image: Image.Image = opened
        if wanted == "jpeg" and image.mode not in ("RGB", "L"):
            # JPEG has no transparency: flatten onto white, as image viewers show it.
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, (255, 255, 255))
            image.paste(rgba, mask=rgba.getchannel("A"))
        out = io.BytesIO()
        options: dict[str, object] = {"quality": 95} if wanted in ("jpeg", "webp") else {}
        image.save(out, _PILLOW_NAMES[wanted], **options)
    return out.getvalue()


def save_result(
    image: GeneratedImage,
    folder: Path,
    *,
    template: str,
    source_name: str,
    save_format: str,
    when: dt.datetime | None = None,
    model: str = "",
    story: Mapping[str, str] | None = None,
) -> Path:
    """Writes ``image`` as a new file; ``story`` (how it was made) goes into the file, and with
    ``story=None`` whatever metadata the bytes carried is stripped (the privacy setting)."""
    wanted = save_format if image.format in SAVE_FORMATS or save_format != "png" else "png"
    data = _with_story(encode_as(image.data, image.format, wanted), wanted, story)
    name = render_filename(
        template,
        source=Path(source_name).stem or "image",
        index=image.index + 1,
        when=when or dt.datetime.now(),
        ext=wanted,
        model=model,
    )
    return save_new_file(folder, name, data)


def _with_story(data: bytes, fmt: str, story: Mapping[str, str] | None) -> bytes:
    from desktop_app.core import metadata

    try:
        return metadata.embed(data, fmt, story) if story else metadata.strip(data, fmt)
    except metadata.MalformedImageError:
        return data  # the picture itself matters more than its label: save it as it came
