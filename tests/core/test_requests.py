from __future__ import annotations

import pytest

from desktop_app.core.requests import InvalidRequest
from tests.core.client_helpers import classic_request, edit_request


def test_edit_form_never_carries_response_format() -> None:
    fields = dict(edit_request(n=4, stream=True, partial_images=9).form())
    assert "response_format" not in fields
    assert fields["n"] == "4" and fields["partial_images"] == "3"


@pytest.mark.parametrize(
    "changes",
    [
        {"n": 0},
        {"n": 11},
        {"prompt": "  "},
        {"size": "1000x1000"},
        {"quality": "max", "model": "gpt-image-2"},
        {"background": "transparent", "model": "gpt-image-2"},
        {"background": "transparent", "model": "gpt-image-1.5", "output_format": "jpeg"},
    ],
)
def test_requests_the_server_would_refuse_are_stopped_before_sending(
    changes: dict[str, object],
) -> None:
    with pytest.raises(InvalidRequest):
        edit_request(**changes).form()


def test_refinements_the_model_lacks_are_left_out() -> None:
    fields = dict(
        edit_request(model="gpt-image-2", input_fidelity="high", complexity="high").form()
    )
    assert "input_fidelity" not in fields and "complexity" not in fields


def test_classic_form_rules() -> None:
    assert dict(classic_request(size="512x512").form())["size"] == "512x512"
    with pytest.raises(InvalidRequest):
        classic_request(size="1536x1024").form()
    with pytest.raises(InvalidRequest):
        classic_request(n=11).form()


def test_a_mask_adds_no_text_field_and_every_capability_row_takes_one() -> None:
    from desktop_app.core.capabilities import _FAMILIES, CONSERVATIVE, capabilities_for
    from tests.core.test_mask_requests import mask_upload

    assert "mask" not in dict(edit_request(mask=mask_upload()).form())
    assert CONSERVATIVE.masks and capabilities_for("gpt-image-9-nova").masks
    assert all(capabilities.masks for _prefix, capabilities in _FAMILIES)


def test_the_classic_request_has_no_mask() -> None:
    import dataclasses

    from desktop_app.core.requests import ClassicRequest

    assert "mask" not in {field.name for field in dataclasses.fields(ClassicRequest)}


def test_png_facts_read_size_and_alpha_from_the_header() -> None:
    import io

    from PIL import Image

    from desktop_app.core.requests import PngFacts, png_facts

    def png(mode: str, **options: object) -> bytes:
        buffer = io.BytesIO()
        Image.new(mode, (30, 20)).save(buffer, "PNG", **options)
        return buffer.getvalue()

    assert png_facts(png("RGBA")) == PngFacts(30, 20, True)
    assert png_facts(png("LA")) == PngFacts(30, 20, True)
    assert png_facts(png("RGB")) == PngFacts(30, 20, False)
    assert png_facts(png("P", transparency=0)) == PngFacts(30, 20, True)
    assert png_facts(png("RGB", transparency=(0, 0, 0))) == PngFacts(30, 20, True)
    assert png_facts(b"GIF89a") is None and png_facts(b"") is None
