"""Keep transparency: when it is offered, what the request asks for, and that the upload keeps
its alpha (API.md section 4: background=transparent needs PNG or WebP output)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from desktop_app.core.imaging import open_image
from desktop_app.core.requests import ClassicRequest, EditRequest
from desktop_app.core.transparency import (
    can_keep_transparency,
    output_format_for,
    resolve_keep,
    transparency_notes,
    transparency_offer,
)
from desktop_app.core.variation import Mode, VariationSettings, build_request, prepare_upload
from tests.core.client_helpers import png_upload

CAN = ("gpt-image-2.5-sunburst", "gpt-image-2.5-flare-2026-09-08", "gpt-image-2.6-flare",
       "gpt-image-1.5")  # fmt: skip
CANNOT = ("gpt-image-2", "gpt-image-2-2026-04-21", "some-new-image-model", "")


def _transparent_png(mode: str = "RGBA") -> bytes:
    """A red disc on a transparent square, saved in ``mode`` (RGBA, LA or a palette)."""
    image = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((100, 100, 500, 500), fill=(200, 30, 30, 255))
    converted = image.convert(mode) if mode != "RGBA" else image
    buffer = io.BytesIO()
    converted.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("model", CAN)
def test_offered_and_on_by_default_for_a_transparent_source_and_a_capable_model(
    model: str,
) -> None:
    offer = transparency_offer(True, model)
    assert offer.shown and offer.possible and offer.default
    assert can_keep_transparency(model)


@pytest.mark.parametrize("model", CANNOT)
def test_shown_disabled_with_the_reason_when_the_model_cannot(model: str) -> None:
    offer = transparency_offer(True, model)
    assert offer.shown and not offer.possible and not offer.default
    assert "transparent backgrounds" in offer.explanation
    assert not can_keep_transparency(model)


def test_not_shown_for_opaque_sources_or_the_classic_endpoint() -> None:
    assert not transparency_offer(False, "gpt-image-2.5-sunburst").shown
    assert not transparency_offer(True, "gpt-image-2.5-sunburst", classic=True).shown


def test_the_cli_rule_an_explicit_wish_wins() -> None:
    assert resolve_keep(None, True, "gpt-image-2.5-sunburst")
    assert not resolve_keep(None, True, "gpt-image-2")
    assert not resolve_keep(None, False, "gpt-image-2.5-sunburst")
    assert not resolve_keep(False, True, "gpt-image-2.5-sunburst")
    assert resolve_keep(True, False, "gpt-image-2.5-sunburst")


def test_jpeg_becomes_png_and_the_user_is_told() -> None:
    assert output_format_for("jpeg", True) == "png"
    assert output_format_for("webp", True) == "webp"
    assert output_format_for("jpeg", False) == "jpeg"
    (note,) = transparency_notes(True, "jpeg", "gpt-image-2.5-sunburst")
    assert "JPEG" in note and "PNG" in note
    assert transparency_notes(True, "png", "gpt-image-2.5-sunburst") == []
    assert transparency_notes(False, "jpeg", "gpt-image-2.5-sunburst") == []
    (refused,) = transparency_notes(True, "png", "gpt-image-2")
    assert "gpt-image-2 cannot" in refused


@pytest.mark.parametrize(("chosen", "sent"), [("png", "png"), ("webp", "webp"), ("jpeg", "png")])
def test_build_request_asks_for_a_transparent_background(chosen: str, sent: str) -> None:
    settings = VariationSettings(output_format=chosen, keep_transparency=True)
    request = build_request(png_upload(), settings, "gpt-image-2.5-sunburst")
    assert isinstance(request, EditRequest)
    fields = dict(request.form())
    assert fields["background"] == "transparent" and fields["output_format"] == sent


def test_build_request_never_sends_transparent_to_a_model_that_refuses_it() -> None:
    settings = VariationSettings(output_format="jpeg", keep_transparency=True)
    request = build_request(png_upload(), settings, "gpt-image-2")
    fields = dict(request.form())
    assert "background" not in fields and fields["output_format"] == "jpeg"


def test_build_request_without_the_wish_leaves_the_background_alone() -> None:
    request = build_request(png_upload(), VariationSettings(), "gpt-image-2.5-sunburst")
    assert "background" not in dict(request.form())


def test_the_classic_endpoint_ignores_the_wish() -> None:
    settings = VariationSettings(mode=Mode.CLASSIC, keep_transparency=True)
    request = build_request(png_upload(), settings, "dall-e-2")
    assert isinstance(request, ClassicRequest)
    assert "background" not in dict(request.form())


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_the_upload_of_a_transparent_source_keeps_its_alpha(mode: str) -> None:
    source = open_image(_transparent_png(mode), name="logo.png")
    assert source.has_alpha
    upload = prepare_upload(source, None, VariationSettings(keep_transparency=True))
    assert upload.format in ("png", "webp") and upload.mime_type in ("image/png", "image/webp")
    with Image.open(io.BytesIO(upload.data)) as decoded:
        decoded.load()
        assert decoded.mode == "RGBA"
        alpha = decoded.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0  # the transparent corner stays transparent
    assert alpha.getpixel((upload.width // 2, upload.height // 2)) == 255
