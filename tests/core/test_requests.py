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
