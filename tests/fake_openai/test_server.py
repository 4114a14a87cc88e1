"""Tests of the fake server itself, with plain httpx over real sockets."""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import random
import re
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.fake_openai import FakeOpenAI, Fault, read_provenance
from tests.fake_openai.validation import Gateway

KEY = "sk-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
REQUEST_ID = re.compile(r"^req_[0-9a-f]{32}$")
EDITS = "/v1/images/edits"  # as recorded by the server
VARIATIONS = "/v1/images/variations"
# Relative to base_url (".../v1"), for the httpx clients.
EDITS_URL = "/images/edits"
VARIATIONS_URL = "/images/variations"
# One TLS context for every client: httpx would otherwise build one per client (~0.1 s each).
TLS = ssl.create_default_context()


def new_client(**options: Any) -> httpx.Client:
    return httpx.Client(verify=TLS, **options)


def get(url: str, **options: Any) -> httpx.Response:
    with new_client() as http:
        return http.get(url, **options)


def png_bytes(
    width: int = 64, height: int = 64, color: tuple[int, int, int] = (200, 60, 30)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


UPLOAD = png_bytes()
SMALL = {"size": "1280x512"}  # the fewest pixels gpt-image-2 makes: small results are fast


def edit_fields(**extra: str) -> dict[str, str]:
    return {"prompt": "a variation", "model": "gpt-image-2", **SMALL, **extra}


def image_part(data: bytes = UPLOAD, content_type: str = "image/png") -> dict[str, Any]:
    return {"image": ("photo.png", data, content_type)}


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert {"message", "type", "param", "code"} <= set(error)
    return error


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def legacy() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(legacy_gateway=True) as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAI) -> Iterator[httpx.Client]:
    with new_client(base_url=fake.base_url, headers=AUTH, timeout=10) as http:
        yield http


@pytest.fixture
def legacy_client(legacy: FakeOpenAI) -> Iterator[httpx.Client]:
    with new_client(base_url=legacy.base_url, headers=AUTH, timeout=10) as http:
        yield http


# ---- models and auth ---------------------------------------------------------------------


def test_models_listing(client: httpx.Client) -> None:
    response = client.get("/models")
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    by_id = {model["id"]: model for model in body["data"]}
    for model_id in ("gpt-image-2", "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.6-flare"):
        assert by_id[model_id]["shutdown_date"] is None
    assert by_id["chatgpt-image-latest"]["shutdown_date"] == "2026-12-01"
    assert "gpt-5" in by_id and "whisper-1" in by_id
    assert "dall-e-2" not in by_id
    assert all(model["object"] == "model" for model in body["data"])


def test_legacy_models_listing_has_dall_e_2(legacy_client: httpx.Client) -> None:
    ids = [model["id"] for model in legacy_client.get("/models").json()["data"]]
    assert "dall-e-2" in ids


def test_models_override_also_decides_what_edits_accept() -> None:
    models = [{"id": "gpt-image-9", "object": "model", "created": 0, "owned_by": "system"}]
    with (
        FakeOpenAI(models=models) as server,
        new_client(base_url=server.base_url, headers=AUTH) as http,
    ):
        assert http.get("/models").json()["data"] == models
        ok = http.post(EDITS_URL, data=edit_fields(model="gpt-image-9", size="1024x1024"),
                       files=image_part())  # fmt: skip
        assert ok.status_code == 200
        gone = http.post(EDITS_URL, data=edit_fields(), files=image_part())
        assert gone.status_code == 404 and error_of(gone)["code"] == "model_not_found"


def test_auth_missing_and_wrong_key() -> None:
    with FakeOpenAI(api_key=KEY) as server, new_client(base_url=server.base_url) as http:
        missing = http.get("/models")
        wrong = http.get("/models", headers={"Authorization": "Bearer sk-other-key"})
        right = http.get("/models", headers={**AUTH, "OpenAI-Organization": "org-1"})
    assert missing.status_code == wrong.status_code == 401
    assert error_of(missing)["code"] == error_of(wrong)["code"] == "invalid_api_key"
    assert right.status_code == 200
    assert server.requests[-1].headers["openai-organization"] == "org-1"


def test_unknown_path_and_wrong_method(client: httpx.Client) -> None:
    unknown = client.get("/images/nothing")
    assert unknown.status_code == 404 and "Invalid URL" in error_of(unknown)["message"]
    wrong = client.get("/images/edits")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"


# ---- edits -------------------------------------------------------------------------------


def test_edits_happy_path_jpeg_n2_with_provenance(client: httpx.Client, fake: FakeOpenAI) -> None:
    response = client.post(
        "/images/edits",
        data={"prompt": "make it blue", "model": "gpt-image-2", "n": "2", "output_format": "jpeg"},
        files=image_part(),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["output_format"] == "jpeg" and body["size"] == "1024x1024"
    assert body["x_fake"] is True  # an unknown extra field clients must ignore
    assert body["usage"]["output_tokens"] == 2 * 440
    assert len(body["data"]) == 2
    sha = hashlib.sha256(UPLOAD).hexdigest()
    images = [base64.b64decode(item["b64_json"]) for item in body["data"]]
    for index, data in enumerate(images):
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == (1024, 1024)
        assert read_provenance(data) == {
            "fake-openai-source-sha256": sha,
            "fake-openai-index": str(index),
        }
    assert images[0] != images[1]
    recorded = fake.requests[-1]
    assert recorded.path == EDITS and recorded.body_complete
    assert recorded.value("prompt") == "make it blue"
    assert recorded.files[0].data == UPLOAD and recorded.files[0].content_type == "image/png"
    assert recorded.request_id == response.headers["x-request-id"]


def test_edits_png_provenance_chunks_and_missing_model_defaults(
    client: httpx.Client, fake: FakeOpenAI
) -> None:
    response = client.post(EDITS_URL, data={"prompt": "p"}, files=image_part())
    assert response.status_code == 200
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.info["fake-openai-source-sha256"] == hashlib.sha256(UPLOAD).hexdigest()
    assert "model" not in fake.requests[-1].fields


def test_edits_several_images_and_capabilities(client: httpx.Client) -> None:
    files = [
        ("image[]", ("a.png", UPLOAD, "image/png")),
        ("image[]", ("b.jpg", jpeg_bytes(), "image/jpeg")),
    ]
    data = edit_fields(
        model="gpt-image-2.6-sunburst",
        size="1024x1024",
        quality="xhigh",
        complexity="high",
        background="transparent",
        output_format="webp",
        output_compression="50",
    )
    response = client.post(EDITS_URL, data=data, files=files)
    assert response.status_code == 200, response.text
    result = base64.b64decode(response.json()["data"][0]["b64_json"])
    with Image.open(io.BytesIO(result)) as image:
        assert image.format == "WEBP" and image.mode == "RGBA"
    assert (
        read_provenance(result)["fake-openai-source-sha256"] == hashlib.sha256(UPLOAD).hexdigest()
    )


@pytest.mark.parametrize(
    ("model", "size"),
    [
        ("gpt-image-2", "1280x512"),  # exactly 655,360 pixels
        ("gpt-image-2", "2880x2880"),  # exactly 8,294,400 pixels
        ("gpt-image-2.5-flare", "2560x2560"),
        ("gpt-image-2.6-sunburst", "2048x1152"),  # reportedly any valid size on 2.6
    ],
)
def test_edits_accept_every_size_within_the_2x_rules(
    client: httpx.Client, model: str, size: str
) -> None:
    response = client.post(EDITS_URL, data=edit_fields(model=model, size=size), files=image_part())
    assert response.status_code == 200, response.text
    assert response.json()["size"] == size


def test_gateway_modes_refuse_what_relays_refuse() -> None:
    gateway = Gateway(refuse_stream=True, standard_sizes_only=True, ignore_n=True)
    with FakeOpenAI(gateway=gateway) as fake, httpx.Client(base_url=fake.base_url) as http:
        post = functools.partial(http.post, "/images/edits", headers=AUTH, files=image_part())
        streamed = post(data=edit_fields(size="1024x1024", stream="true"))
        assert streamed.status_code == 400 and "Streaming" in error_of(streamed)["message"]
        custom = post(data=edit_fields(size="2048x1152"))
        assert custom.status_code == 400 and error_of(custom)["param"] == "size"
        several = post(data=edit_fields(size="1024x1024", n="3"))
        assert several.status_code == 200 and len(several.json()["data"]) == 1


@pytest.mark.parametrize(
    ("data", "files", "status", "param", "code"),
    [
        pytest.param(edit_fields(), image_part(content_type="application/octet-stream"),
                     400, "image", "unsupported_file_mimetype", id="octet-stream"),
        pytest.param(edit_fields(response_format="b64_json"), image_part(),
                     400, "response_format", "unknown_parameter", id="response_format"),
        pytest.param(edit_fields(size="1000x1000"), image_part(),
                     400, "size", "invalid_value", id="size-not-multiple-of-16"),
        pytest.param(edit_fields(size="4096x1024"), image_part(),
                     400, "size", "invalid_value", id="size-too-big"),
        pytest.param(edit_fields(model="gpt-image-2.6-flare", size="512x512"), image_part(),
                     400, "size", "invalid_value", id="size-too-small-on-2.6"),
        pytest.param(edit_fields(n="11"), image_part(),
                     400, "n", "integer_above_max_value", id="n-11"),
        pytest.param(edit_fields(input_fidelity="high"), image_part(),
                     400, "input_fidelity", "invalid_input_fidelity_model",
                     id="fidelity-on-gpt-image-2"),
        pytest.param(edit_fields(model="gpt-image-2.5-flare", input_fidelity="low"), image_part(),
                     400, "input_fidelity", "invalid_input_fidelity_model",
                     id="fidelity-on-2.5"),
        pytest.param(edit_fields(model="gpt-image-2.6-sunburst", input_fidelity="high"),
                     image_part(), 400, "input_fidelity", "invalid_input_fidelity_model",
                     id="fidelity-on-2.6"),
        pytest.param(edit_fields(size="512x512"), image_part(),
                     400, "size", "invalid_value", id="size-below-655360-pixels"),
        pytest.param(edit_fields(size="1024x608"), image_part(),
                     400, "size", "invalid_value", id="size-1024x608-too-few-pixels"),
        pytest.param(edit_fields(size="3840x2176"), image_part(),
                     400, "size", "invalid_value", id="size-above-8294400-pixels"),
        pytest.param(edit_fields(model="gpt-image-1.5"), image_part(),
                     404, None, "model_not_found", id="retired-1.5"),
        pytest.param(edit_fields(model="gpt-image-1-mini"), image_part(),
                     404, None, "model_not_found", id="retired-1-mini"),
        pytest.param(edit_fields(model="chatgpt-image-latest"), image_part(),
                     404, None, "model_not_found", id="retired-chatgpt-image-latest"),
        pytest.param(edit_fields(model="gpt-image-2.5-flare", background="transparent",
                                 output_format="jpeg", size="1024x1024"), image_part(),
                     400, "background", None, id="transparent-jpeg"),
        pytest.param(edit_fields(background="transparent"), image_part(),
                     400, "background", None, id="transparent-on-gpt-image-2"),
        pytest.param(edit_fields(quality="max"), image_part(),
                     400, "quality", "unsupported_value", id="max-on-gpt-image-2"),
        pytest.param(edit_fields(output_compression="50"), image_part(),
                     400, "output_compression", "invalid_value", id="compression-with-png"),
        pytest.param(edit_fields(partial_images="2"), image_part(),
                     400, "partial_images", "invalid_value", id="partials-without-stream"),
        pytest.param({"model": "gpt-image-2"}, image_part(),
                     400, "prompt", "missing_required_parameter", id="no-prompt"),
        pytest.param(edit_fields(), image_part(data=jpeg_bytes()),
                     400, "image", "invalid_image_file", id="jpeg-bytes-declared-png"),
        pytest.param(edit_fields(model="gpt-image-1"), image_part(),
                     404, None, "model_not_found", id="retired-model"),
        pytest.param(edit_fields(model="gpt-5"), image_part(),
                     404, None, "model_not_found", id="not-an-image-model"),
    ],
)  # fmt: skip
def test_edits_validation(
    client: httpx.Client,
    data: dict[str, str],
    files: dict[str, Any],
    status: int,
    param: str | None,
    code: str,
) -> None:
    response = client.post(EDITS_URL, data=data, files=files)
    assert response.status_code == status, response.text
    error = error_of(response)
    assert (error["param"], error["code"]) == (param, code)
    assert REQUEST_ID.match(response.headers["x-request-id"])


def test_edits_mimetype_error_names_the_array_index(client: httpx.Client) -> None:
    files = [
        ("image[]", ("a.png", UPLOAD, "image/png")),
        ("image[]", ("b.bin", UPLOAD, "application/octet-stream")),
    ]
    error = error_of(client.post(EDITS_URL, data=edit_fields(), files=files))
    assert error["param"] == "image[1]"
    assert "unsupported mimetype ('application/octet-stream')" in error["message"]


# ---- masks (API.md section 4: PNG < 4 MB, alpha, the first image's size) --------------------


def mask_png(
    width: int = 64,
    height: int = 64,
    *,
    mode: str = "RGBA",
    region: tuple[int, int, int, int] = (8, 8, 24, 24),
) -> bytes:
    """A mask whose ``region`` is alpha 0 (may change) and the rest opaque."""
    image = Image.new(
        mode, (width, height), 255 if mode in ("L", "P") else (0, 0, 0, 255)[: len(mode)]
    )
    if mode == "RGBA":
        image.paste((0, 0, 0, 0), region)
    buffer = io.BytesIO()
    if mode == "P":  # a palette mask: transparency through tRNS, colour 0 fully transparent
        image.paste(0, region)
        image.save(buffer, "PNG", transparency=0)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def noise_mask_png(side: int) -> bytes:
    rng = random.Random(7)
    image = Image.frombytes("RGBA", (side, side), rng.randbytes(side * side * 4))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


def masked(mask: bytes, content_type: str = "image/png", filename: str = "mask.png") -> list[Any]:
    return [("image", ("photo.png", UPLOAD, "image/png")), ("mask", (filename, mask, content_type))]


@pytest.mark.parametrize("mode", ["RGBA", "P"])
def test_edits_take_a_mask_and_record_it(client: httpx.Client, fake: FakeOpenAI, mode: str) -> None:
    mask = mask_png(mode=mode)
    response = client.post(EDITS_URL, data=edit_fields(), files=masked(mask))
    assert response.status_code == 200, response.text
    recorded = fake.requests[-1]
    assert recorded.mask is not None and recorded.mask.data == mask
    assert (recorded.mask.filename, recorded.mask.content_type) == ("mask.png", "image/png")
    decoded = recorded.mask_image().convert("RGBA")
    assert decoded.size == (64, 64)
    alpha = decoded.getchannel("A")
    assert alpha.getpixel((10, 10)) == 0 and alpha.getpixel((40, 40)) == 255
    assert fake.requests[-1].files[0].field == "image"  # the mask is no second picture


def test_a_request_without_a_mask_records_none(client: httpx.Client, fake: FakeOpenAI) -> None:
    assert client.post(EDITS_URL, data=edit_fields(), files=image_part()).status_code == 200
    assert fake.requests[-1].mask is None
    with pytest.raises(LookupError):
        fake.requests[-1].mask_image()


@pytest.mark.parametrize(
    ("files", "code", "words"),
    [
        pytest.param(masked(mask_png(), "image/jpeg"), "invalid_image_file", "PNG",
                     id="jpeg-mimetype"),
        pytest.param(masked(jpeg_bytes()), "invalid_image_file", "not a valid image/png",
                     id="jpeg-bytes-labelled-png"),
        pytest.param(masked(mask_png(), "application/octet-stream"), "unsupported_file_mimetype",
                     "unsupported mimetype", id="octet-stream"),
        pytest.param(masked(mask_png(), filename=""), "unsupported_file_mimetype", "filename",
                     id="no-filename"),
        pytest.param(masked(mask_png(64, 48)), "invalid_image_file", "size does not match",
                     id="other-size"),
        pytest.param(masked(mask_png(mode="RGB")), "invalid_image_file", "alpha",
                     id="no-alpha-rgb"),
        pytest.param(masked(mask_png(mode="L")), "invalid_image_file", "alpha", id="no-alpha-grey"),
        pytest.param(masked(noise_mask_png(1100)), "invalid_image_file", "4 MB",
                     id="four-megabytes"),
        pytest.param([*masked(mask_png()), ("mask", ("m2.png", mask_png(), "image/png"))],
                     "invalid_value", "one 'mask'", id="two-masks"),
    ],
)  # fmt: skip
def test_edits_refuse_bad_masks(
    client: httpx.Client, fake: FakeOpenAI, files: list[Any], code: str, words: str
) -> None:
    response = client.post(EDITS_URL, data=edit_fields(), files=files)
    assert response.status_code == 400, response.text
    error = error_of(response)
    assert (error["param"], error["code"]) == ("mask", code)
    assert words in error["message"]


def test_a_four_megabyte_mask_is_refused_even_at_the_image_size(client: httpx.Client) -> None:
    mask = noise_mask_png(1100)
    assert len(mask) >= 4 * 1024 * 1024
    image = io.BytesIO()
    Image.new("RGB", (1100, 1100)).save(image, "PNG")
    files = [
        ("image", ("p.png", image.getvalue(), "image/png")),
        ("mask", ("m.png", mask, "image/png")),
    ]
    error = error_of(client.post(EDITS_URL, data=edit_fields(), files=files))
    assert error["param"] == "mask" and "4 MB" in error["message"]


def test_the_mask_applies_to_the_first_image(client: httpx.Client) -> None:
    other = png_bytes(48, 48)
    files = [
        ("image[]", ("a.png", UPLOAD, "image/png")),
        ("image[]", ("b.png", other, "image/png")),
        ("mask", ("mask.png", mask_png(), "image/png")),
    ]
    assert client.post(EDITS_URL, data=edit_fields(), files=files).status_code == 200
    files[2] = ("mask", ("mask.png", mask_png(48, 48), "image/png"))
    refused = client.post(EDITS_URL, data=edit_fields(), files=files)
    assert refused.status_code == 400 and error_of(refused)["param"] == "mask"


def test_variations_refuse_a_mask_as_an_unknown_parameter(legacy_client: httpx.Client) -> None:
    files = [
        ("image", ("p.png", UPLOAD, "image/png")),
        ("mask", ("m.png", mask_png(), "image/png")),
    ]
    response = legacy_client.post(VARIATIONS_URL, data={"size": "256x256"}, files=files)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["param"], error["code"]) == ("mask", "unknown_parameter")


def test_a_litellm_like_gateway_fails_on_masks_only() -> None:
    with (
        FakeOpenAI(gateway=Gateway(mask_fails=True)) as fake,
        new_client(base_url=fake.base_url, headers=AUTH) as http,
    ):
        plain = http.post(EDITS_URL, data=edit_fields(), files=image_part())
        with_mask = http.post(EDITS_URL, data=edit_fields(), files=masked(mask_png()))
    assert plain.status_code == 200
    assert with_mask.status_code == 500
    error = error_of(with_mask)
    assert error["code"] == "500" and error["message"].startswith("litellm.")


# ---- streaming ---------------------------------------------------------------------------


def sse_lines(client: httpx.Client, data: dict[str, str]) -> list[str]:
    with client.stream("POST", EDITS_URL, data=data, files=image_part()) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-length" not in response.headers
        return list(response.iter_lines())


def test_streaming_events_in_order(client: httpx.Client) -> None:
    lines = sse_lines(client, edit_fields(stream="true", partial_images="2", n="2"))
    events = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    partial, done = "image_edit.partial_image", "image_edit.completed"
    assert events == [partial, partial, done, partial, partial, done]
    assert lines.count(": keep-alive") == len(events) - 1
    data_lines = [line for line in lines if line.startswith("data: ")]
    assert data_lines[-1] == "data: [DONE]"
    payloads = [json.loads(line.removeprefix("data: ")) for line in data_lines[:-1]]
    assert [p["type"] for p in payloads] == events
    assert [p.get("partial_image_index") for p in payloads[:3]] == [0, 1, None]
    final = base64.b64decode(payloads[2]["b64_json"])
    assert read_provenance(final)["fake-openai-index"] == "0"
    assert payloads[2]["usage"]["output_tokens"] > 0


def test_streaming_knobs(client: httpx.Client, fake: FakeOpenAI) -> None:
    fake.stream_keepalive = False
    fake.stream_done_marker = False
    fake.stream_delay = 0.3
    arrivals: list[float] = []
    with client.stream(
        "POST", EDITS_URL, data=edit_fields(stream="true", partial_images="1"), files=image_part()
    ) as response:
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("event: "):
                arrivals.append(time.monotonic())
    assert ": keep-alive" not in lines and "data: [DONE]" not in lines
    assert len(arrivals) == 2 and arrivals[1] - arrivals[0] >= 0.2


# ---- variations --------------------------------------------------------------------------


def test_default_variations_is_model_not_found(client: httpx.Client) -> None:
    response = client.post(VARIATIONS_URL, data={"n": "1"}, files=image_part())
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "model_not_found" and "dall-e-2" in error["message"]


def test_legacy_variations_url_flow(legacy_client: httpx.Client, legacy: FakeOpenAI) -> None:
    response = legacy_client.post(
        VARIATIONS_URL, data={"n": "2", "size": "256x256"}, files=image_part()
    )
    assert response.status_code == 200, response.text
    urls = [item["url"] for item in response.json()["data"]]
    assert len(urls) == 2 and all(url.startswith(legacy.files_origin + "/files/") for url in urls)
    with new_client() as downloader:  # another host: no Authorization header
        downloads = [downloader.get(url) for url in urls]
    for index, download in enumerate(downloads):
        assert download.status_code == 200 and download.headers["content-type"] == "image/png"
        with Image.open(io.BytesIO(download.content)) as image:
            assert image.size == (256, 256)
        assert read_provenance(download.content) == {
            "fake-openai-source-sha256": hashlib.sha256(UPLOAD).hexdigest(),
            "fake-openai-index": str(index),
        }
    assert len(legacy.file_requests) == 2
    assert all("authorization" not in r.headers for r in legacy.file_requests)
    tampered = get(urls[0].split("&sig=")[0] + "&sig=forged")
    assert tampered.status_code == 403 and b"AuthenticationFailed" in tampered.content


def test_legacy_variations_b64_json(legacy_client: httpx.Client) -> None:
    response = legacy_client.post(
        VARIATIONS_URL, data={"response_format": "b64_json", "size": "512x512"}, files=image_part()
    )
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (512, 512)


@pytest.mark.parametrize(
    ("data", "files", "param", "code", "message"),
    [
        ({}, image_part(png_bytes(64, 32)), "image", "invalid_image_file", "must be square"),
        ({}, {"image": ("a.jpg", jpeg_bytes(), "image/jpeg")}, "image", "invalid_image_file",
         "must be a PNG"),
        ({}, image_part(content_type="application/octet-stream"), "image",
         "unsupported_file_mimetype", "unsupported mimetype"),
        ({"prompt": "x"}, image_part(), "prompt", "unknown_parameter", "Unknown parameter"),
        ({"size": "1024x1536"}, image_part(), "size", "invalid_value", "Invalid value"),
        ({"n": "0"}, image_part(), "n", "integer_below_min_value", "minimum"),
        ({"model": "gpt-image-2"}, image_part(), "model", "invalid_value", "dall-e-2"),
    ],
)  # fmt: skip
def test_legacy_variations_validation(
    legacy_client: httpx.Client,
    data: dict[str, str],
    files: dict[str, Any],
    param: str,
    code: str,
    message: str,
) -> None:
    response = legacy_client.post(VARIATIONS_URL, data=data, files=files)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["param"], error["code"]) == (param, code)
    assert message in error["message"]


# ---- faults ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "error_type", "code"),
    [
        (Fault("invalid_api_key"), 401, "invalid_request_error", "invalid_api_key"),
        (Fault("org_not_verified"), 403, "invalid_request_error", None),
        (Fault("model_not_found"), 404, "invalid_request_error", "model_not_found"),
        (Fault("moderation_blocked"), 400, "image_generation_user_error", "moderation_blocked"),
        (Fault("unsupported_file_mimetype"), 400, "invalid_request_error",
         "unsupported_file_mimetype"),
        (Fault("invalid_image_file"), 400, "invalid_request_error", "invalid_image_file"),
        (Fault("unknown_parameter"), 400, "invalid_request_error", "unknown_parameter"),
        (Fault("insufficient_quota"), 429, "insufficient_quota", "insufficient_quota"),
        (Fault("server_error"), 500, "server_error", None),
        (Fault("server_error", status=503), 503, "server_error", None),
    ],
    ids=lambda value: value.kind if isinstance(value, Fault) else None,
)  # fmt: skip
def test_error_faults_answer_valid_requests(
    client: httpx.Client,
    fake: FakeOpenAI,
    fault: Fault,
    status: int,
    error_type: str,
    code: str | None,
) -> None:
    fake.inject(fault, path=EDITS)
    response = client.post(EDITS_URL, data=edit_fields(), files=image_part())
    assert response.status_code == status
    error = error_of(response)
    assert (error["type"], error["code"]) == (error_type, code)
    assert REQUEST_ID.match(response.headers["x-request-id"])
    assert fake.requests[-1].request_id == response.headers["x-request-id"]
    if fault.kind == "moderation_blocked":
        assert error["moderation_details"]
    if fault.kind == "org_not_verified":
        assert "must be verified" in error["message"]
    if fault.kind == "insufficient_quota":
        assert "retry-after" not in response.headers
    # The fault was used up: the same request now succeeds.
    assert client.post(EDITS_URL, data=edit_fields(), files=image_part()).status_code == 200


def test_rate_limit_headers(client: httpx.Client, fake: FakeOpenAI) -> None:
    fake.inject(Fault("rate_limit", retry_after="3", retry_after_ms="2500", x_should_retry="true"))
    response = client.get("/models")
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limit_exceeded"
    assert response.headers["retry-after"] == "3"
    assert response.headers["retry-after-ms"] == "2500"
    assert response.headers["x-should-retry"] == "true"
    fake.inject(Fault("rate_limit"))
    bare = client.get("/models")
    assert "retry-after" not in bare.headers and "retry-after-ms" not in bare.headers


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_are_html(client: httpx.Client, fake: FakeOpenAI, status: int) -> None:
    fake.inject(Fault("server_error", status=status, x_should_retry="false"))
    response = client.get("/models")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert str(status) in response.text
    assert response.headers["x-should-retry"] == "false"
    assert REQUEST_ID.match(response.headers["x-request-id"])


def test_fault_queue_matching_fifo_and_times(client: httpx.Client, fake: FakeOpenAI) -> None:
    fake.inject(Fault("server_error", status=503), path=EDITS, times=2)
    fake.inject(Fault("insufficient_quota"))
    fake.inject(Fault("rate_limit"))
    assert client.get("/models").status_code == 429  # "any path" entries, oldest first
    assert error_of(client.get("/models"))["code"] == "rate_limit_exceeded"
    assert client.get("/models").status_code == 200
    statuses = [client.post(EDITS_URL, data=edit_fields(), files=image_part()).status_code
                for _ in range(3)]  # fmt: skip
    assert statuses == [503, 503, 200]
    fake.inject(Fault("server_error"))
    fake.reset()
    assert client.get("/models").status_code == 200
    assert fake.requests and fake.count("/v1/models") == 1


def test_stall_is_released_by_release_stalls(client: httpx.Client, fake: FakeOpenAI) -> None:
    fake.inject(Fault("stall_before_headers", seconds=30))
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            client.get("/models")
        except httpx.TransportError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    wait_for(lambda: fake.count("/v1/models") == 1)
    time.sleep(0.1)
    assert thread.is_alive()  # nothing was answered yet
    fake.release_stalls()
    thread.join(30)
    assert not thread.is_alive()
    assert isinstance(outcome[0], httpx.RemoteProtocolError)  # closed without an answer
    assert fake.requests[0].request_id == ""


def test_stall_releases_on_stop_within_one_second() -> None:
    server = FakeOpenAI().start()
    server.inject(Fault("stall_before_headers", seconds=60))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            get(f"{server.base_url}/models", headers=AUTH, timeout=10)
        except httpx.TransportError as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    wait_for(lambda: server.count("/v1/models") == 1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 30  # the stall is 60 s
    thread.join(30)
    assert errors and not thread.is_alive()


def test_stop_is_prompt_with_an_idle_keep_alive_connection(fake: FakeOpenAI) -> None:
    with new_client(base_url=fake.base_url, headers=AUTH) as http:
        http.get("/models")  # leaves a kept-alive connection whose handler waits for more
        started = time.monotonic()
        fake.stop()
        assert time.monotonic() - started < 60  # an idle connection would wait 120 s


def test_reset_mid_body_raises(client: httpx.Client, fake: FakeOpenAI) -> None:
    fake.inject(Fault("reset_mid_body", after_bytes=100))
    with pytest.raises(httpx.ReadError):
        client.get("/models")
    assert REQUEST_ID.match(fake.requests[-1].request_id)


def test_truncated_body_raises(client: httpx.Client, fake: FakeOpenAI) -> None:
    fake.inject(Fault("truncated_body", after_bytes=100))
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/models")


def test_truncated_stream_raises(client: httpx.Client, fake: FakeOpenAI) -> None:
    fake.inject(Fault("truncated_body", after_bytes=2000), path=EDITS)
    with pytest.raises(httpx.RemoteProtocolError):
        sse_lines(client, edit_fields(stream="true", partial_images="1"))


def test_reset_during_upload(client: httpx.Client, fake: FakeOpenAI) -> None:
    fake.inject(Fault("reset_during_upload", after_bytes=1000), path=EDITS)
    big = png_bytes(1024, 1024) + b"\0" * (4 * 1024 * 1024)
    with pytest.raises(httpx.TransportError):
        client.post(EDITS_URL, data=edit_fields(), files=image_part(big))
    recorded = fake.requests[-1]
    assert recorded.body_complete is False and recorded.request_id == ""


def test_slow_trickle_delivers_a_correct_answer_slowly(
    client: httpx.Client, fake: FakeOpenAI
) -> None:
    fake.inject(Fault("slow_trickle", seconds=0.6))
    started = time.monotonic()
    response = client.get("/models")
    assert time.monotonic() - started >= 0.5
    assert response.status_code == 200 and response.json()["object"] == "list"


def test_stream_error(client: httpx.Client, fake: FakeOpenAI) -> None:
    fake.inject(Fault("stream_error"), path=EDITS, times=2)
    lines = sse_lines(client, edit_fields(stream="true"))
    payloads = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    assert [p["type"] for p in payloads] == ["image_edit.partial_image", "error"]
    assert payloads[1]["error"]["type"] == "server_error"
    plain = client.post(EDITS_URL, data=edit_fields(), files=image_part())
    assert plain.status_code == 500 and error_of(plain)["type"] == "server_error"


def test_expired_url(legacy_client: httpx.Client, legacy: FakeOpenAI) -> None:
    legacy.inject(Fault("expired_url"))
    legacy_client.get("/models")  # an unrelated request does not use up the URL fault
    response = legacy_client.post(VARIATIONS_URL, data={"size": "256x256"}, files=image_part())
    assert response.status_code == 200
    download = get(response.json()["data"][0]["url"])
    assert download.status_code == 403
    assert download.headers["content-type"] == "application/xml"
    assert b"AuthenticationFailed" in download.content
    assert b"Request has expired" in download.content


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_url(legacy_client: httpx.Client, legacy: FakeOpenAI, chunked: bool) -> None:
    legacy.inject(Fault("oversized_url", chunked=chunked), path=VARIATIONS)
    response = legacy_client.post(VARIATIONS_URL, data={"size": "256x256"}, files=image_part())
    url = response.json()["data"][0]["url"]
    received = 0
    with new_client() as downloader, downloader.stream("GET", url) as download:
        assert download.status_code == 200
        if chunked:
            assert "content-length" not in download.headers
        else:
            assert download.headers["content-length"] == str(64 * 1024 * 1024)
        for piece in download.iter_raw():
            received += len(piece)
            if received > 8 * 1024 * 1024:  # a client's size cap would give up here
                break
    assert received > 8 * 1024 * 1024


def test_fault_on_the_files_origin(legacy_client: httpx.Client, legacy: FakeOpenAI) -> None:
    response = legacy_client.post(VARIATIONS_URL, data={"size": "256x256"}, files=image_part())
    legacy.inject(Fault("server_error", status=503), path="/files/*")
    url = response.json()["data"][0]["url"]
    assert get(url).status_code == 503
    assert get(url).status_code == 200


# ---- cross-cutting -----------------------------------------------------------------------


def test_every_answer_has_a_request_id(client: httpx.Client, fake: FakeOpenAI) -> None:
    answers = [
        client.get("/models"),
        client.get("/models/gpt-image-2"),
        client.get("/models/nope"),
        client.get("/nowhere"),
        client.put("/images/edits"),
        get(f"{fake.base_url}/models"),  # no key
        client.post(EDITS_URL, data=edit_fields(n="0"), files=image_part()),
        client.post(EDITS_URL, content=b"{}", headers={"content-type": "application/json"}),
    ]
    fake.inject(Fault("insufficient_quota"))
    answers.append(client.get("/models"))
    ids = [answer.headers.get("x-request-id", "") for answer in answers]
    assert all(REQUEST_ID.match(request_id) for request_id in ids), ids
    assert len(set(ids)) == len(ids)
    assert [r.request_id for r in fake.requests] == ids


def test_concurrent_requests(fake: FakeOpenAI) -> None:
    results: list[int] = []

    def call() -> None:
        with new_client(base_url=fake.base_url, headers=AUTH, timeout=10) as http:
            results.append(http.post(EDITS_URL, data=edit_fields(), files=image_part()).status_code)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == [200] * 6
    assert fake.count(EDITS) == 6


def test_answer_delay_holds_each_images_request_in_its_own_thread(fake: FakeOpenAI) -> None:
    fake.answer_delay = 1.0
    results: list[tuple[int, float]] = []

    def call() -> None:
        with new_client(base_url=fake.base_url, headers=AUTH, timeout=60) as http:
            started = time.monotonic()
            response = http.post(EDITS_URL, data=edit_fields(), files=image_part())
            results.append((response.status_code, time.monotonic() - started))

    call()  # alone: at least the delay (a lower bound: no machine is faster than it)
    assert results[0][0] == 200 and results[0][1] >= 1.0
    results.clear()

    def held() -> list[object]:
        return [r for r in fake.requests if r.path == "/v1/images/edits" and r.status is None]

    # Two at once are both received and held at the same moment: they wait side by side, not
    # one after the other. A long delay, ended by release_stalls(), keeps this off the clock.
    fake.answer_delay = 30.0
    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(held()) == 2, timeout=30)
    # Meanwhile the other endpoints answer: only the images endpoints wait.
    with new_client(base_url=fake.base_url, headers=AUTH, timeout=60) as http:
        assert http.get("/models").status_code == 200
    assert len(held()) == 2
    fake.release_stalls()
    for thread in threads:
        thread.join(60)
    assert [status for status, _ in results] == [200, 200]


def wait_for(condition: Any, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


# ---- Azure and OpenRouter modes ------------------------------------------------------------


@pytest.fixture
def azure() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY, dialect="azure", deployments={"pics": "gpt-image-2"}) as fake:
        yield fake


@pytest.fixture
def openrouter() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY, dialect="openrouter") as fake:
        yield fake


AZURE_V1 = "/openai/v1/images/edits"


def _azure_post(
    fake: FakeOpenAI, path: str, *, headers: dict[str, str], **fields: str
) -> httpx.Response:
    with new_client(base_url=fake.base_url) as http:
        return http.post(
            path, headers=headers, data=edit_fields(model="pics", **fields), files=image_part()
        )


def test_azure_edits_with_api_key_and_api_version(azure: FakeOpenAI) -> None:
    answer = _azure_post(azure, f"{AZURE_V1}?api-version=preview", headers={"api-key": KEY})
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert read_provenance(base64.b64decode(data[0]["b64_json"]))
    dated = "/openai/deployments/pics/images/edits?api-version=2025-04-01-preview"
    assert _azure_post(azure, dated, headers={"api-key": KEY}).status_code == 200
    assert azure.requests[-1].query == {"api-version": ["2025-04-01-preview"]}


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        (f"{AZURE_V1}?api-version=preview", {}, 401),
        (f"{AZURE_V1}?api-version=preview", {"api-key": "wrong"}, 401),
        (f"{AZURE_V1}?api-version=preview", {"api-key": KEY, **AUTH}, 401),  # stricter
        (AZURE_V1, {"api-key": KEY}, 404),  # no api-version
        ("/openai/deployments/pics/images/edits?api-version=2024-02-01", {"api-key": KEY}, 404),
        ("/openai/deployments/other/images/edits?api-version=2025-04-01-preview",
         {"api-key": KEY}, 404),
        ("/v1/images/edits?api-version=preview", {"api-key": KEY}, 404),
    ],
)  # fmt: skip
def test_azure_refuses_what_azure_refuses(
    azure: FakeOpenAI, path: str, headers: dict[str, str], status: int
) -> None:
    answer = _azure_post(azure, path, headers=headers)
    assert answer.status_code == status
    assert set(answer.json()["error"]) == {"code", "message"}


def test_azure_model_must_name_a_deployment(azure: FakeOpenAI) -> None:
    with new_client(base_url=azure.base_url) as http:
        answer = http.post(
            f"{AZURE_V1}?api-version=preview",
            headers={"api-key": KEY},
            data=edit_fields(),  # model gpt-image-2: a model, not a deployment
            files=image_part(),
        )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "DeploymentNotFound"


def _data_url(data: bytes = UPLOAD, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _openrouter_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "openai/gpt-image-2.6-sunburst",
        "prompt": "a variation",
        "size": "1280x512",
        "n": 2,
        "input_references": [{"type": "image_url", "image_url": {"url": _data_url()}}],
    }
    body.update(changes)
    return body


def test_openrouter_makes_images_from_a_json_request(openrouter: FakeOpenAI) -> None:
    with new_client(base_url=openrouter.base_url, headers=AUTH) as http:
        answer = http.post("/images", json=_openrouter_body())
        listed = http.get("/images/models").json()["data"]
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert len(document["data"]) == 2 and "cost" in document["usage"]
    stamp = read_provenance(base64.b64decode(document["data"][0]["b64_json"]))
    assert hashlib.sha256(UPLOAD).hexdigest() in stamp.values()
    assert openrouter.requests[0].json["n"] == 2
    sunburst = next(m for m in listed if m["id"] == "openai/gpt-image-2.6-sunburst")
    assert "input_references" in sunburst["supported_parameters"]


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"model": "openai/nothing"}, 404),
        ({"prompt": ""}, 400),
        ({"input_references": []}, 400),
        ({"input_references": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
         400),
        ({"input_references": [{"type": "image_url",
                                "image_url": {"url": _data_url(b"not a picture")}}]}, 400),
        ({"response_format": "b64_json"}, 400),
        ({"mask": _data_url()}, 400),  # its image API documents no mask
        ({"model": "bytedance-seed/seedream-4.5"}, 400),  # n=2 on a single-image model
        ({"model": "black-forest-labs/flux-text-only", "n": 1}, 400),  # takes no picture
    ],
)  # fmt: skip
def test_openrouter_refuses_bad_requests(
    openrouter: FakeOpenAI, changes: dict[str, Any], status: int
) -> None:
    with new_client(base_url=openrouter.base_url, headers=AUTH) as http:
        answer = http.post("/images", json=_openrouter_body(**changes))
    assert answer.status_code == status, answer.text
    assert isinstance(answer.json()["error"]["code"], int)


def test_openrouter_has_no_images_edits_and_wants_bearer_auth(openrouter: FakeOpenAI) -> None:
    with new_client(base_url=openrouter.base_url) as http:
        assert http.post("/images", json=_openrouter_body()).status_code == 401
        edits = http.post("/images/edits", headers=AUTH, data=edit_fields(), files=image_part())
        assert edits.status_code == 404
