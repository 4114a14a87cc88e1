"""Request validation as strict as the real service (API.md sections 3 and 4).

Each check raises ApiError with the envelope the service would send; the order of checks
(unknown parameters, required ones, model, values, capabilities, files) is the service's
usual order as far as it was observed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PIL import Image

from .answers import ApiError
from .catalog import DEFAULT_EDIT_MODEL, RETIRED_MODELS, Capabilities, capabilities_for
from .multipart_form import FILE_FIELD, Form
from .recording import UploadedFile
from .results import DECODE_ERRORS, open_image, sha256_hex

MAX_PROMPT_CHARS = 32_000
MAX_EDIT_IMAGES = 16
MAX_EDIT_IMAGE_BYTES = 50 * 1024 * 1024
MAX_MASK_BYTES = 4 * 1024 * 1024
MAX_VARIATION_BYTES = 4 * 1024 * 1024
MAX_SIDE = 3840
MIN_PIXELS = 655_360
MAX_PIXELS = 8_294_400

SUPPORTED_MIMETYPES = ("image/jpeg", "image/png", "image/webp")
_PIL_FORMAT = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}

QUALITIES = ("low", "medium", "high", "auto")
EXTRA_QUALITIES = ("xhigh", "max")
BACKGROUNDS = ("transparent", "opaque", "auto")
OUTPUT_FORMATS = ("png", "jpeg", "webp")
FIDELITIES = ("high", "low")
COMPLEXITIES = ("low", "medium", "high")
PRESET_SIZES = ("1024x1024", "1536x1024", "1024x1536")
VARIATION_SIZES = ("256x256", "512x512", "1024x1024")
RESPONSE_FORMATS = ("url", "b64_json")

EDIT_TEXT_FIELDS = frozenset(
    {
        "prompt", "model", "n", "size", "quality", "background", "output_format",
        "output_compression", "input_fidelity", "complexity", "stream", "partial_images",
        "safety_identifier", "user",
    }
)  # fmt: skip
VARIATION_TEXT_FIELDS = frozenset({"model", "n", "size", "response_format", "user"})
_SIZE = re.compile(r"^(\d{1,5})x(\d{1,5})$")
_INTEGER = re.compile(r"^[+-]?\d{1,9}$")


@dataclass(frozen=True)
class Gateway:
    """How a relay or gateway differs from OpenAI (API.md section 8); all off: OpenAI itself."""

    refuse_stream: bool = False  # 400 for stream=true, with a message naming no parameter
    standard_sizes_only: bool = False  # only auto and the three presets
    ignore_n: bool = False  # one image, whatever n asked for
    # Fields it does not know at all; "mask" here refuses the mask part as unknown.
    unknown_parameters: frozenset[str] = frozenset()
    # Some LiteLLM proxy versions answer 500 to every edit that carries a mask, retries
    # included (API.md section 8; BerriAI/litellm#26552: "OpenAIException - Attempted to access
    # streaming request content, without having called `read()`").
    mask_fails: bool = False


@dataclass
class EditRequest:
    model: str
    model_defaulted: bool  # no `model` field was sent (the recorded fields show it too)
    prompt: str
    n: int
    size: str  # resolved, "WxH"
    width: int
    height: int
    quality: str  # resolved ("auto" -> what the service picked)
    background: str  # resolved
    output_format: str
    output_compression: int | None
    stream: bool
    partial_images: int
    images: list[UploadedFile]
    has_mask: bool
    mask: Image.Image | None  # the mask, decoded (checked: PNG with alpha, the image's size)
    source: Image.Image  # the first image, decoded
    source_sha256: str


@dataclass
class VariationRequest:
    n: int
    size: str
    width: int
    height: int
    response_format: str
    source: Image.Image
    source_sha256: str


def choices(values: Iterable[str]) -> str:
    quoted = [f"'{value}'" for value in values]
    return (
        ", ".join(quoted[:-1]) + f", and {quoted[-1]}" if len(quoted) > 2 else " and ".join(quoted)
    )


def bad_request(message: str, *, param: str | None, code: str | None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def model_not_found(model: str, extra_sentence: str = "") -> ApiError:
    message = f"The model '{model}' does not exist or you do not have access to it."
    return ApiError(
        404, (message + " " + extra_sentence).strip(), param=None, code="model_not_found"
    )


# ---- generic field readers -------------------------------------------------------------


def _text(form: Form, name: str) -> str | None:
    values = form.fields.get(name)
    return values[-1] if values else None


def _enum(form: Form, name: str, allowed: Iterable[str], default: str | None) -> str | None:
    value = _text(form, name)
    if value is None:
        return default
    allowed = tuple(allowed)
    if value not in allowed:
        raise bad_request(
            f"Invalid value: '{value}'. Supported values are: {choices(allowed)}.",
            param=name,
            code="invalid_value",
        )
    return value


def _integer(form: Form, name: str, low: int, high: int, default: int | None) -> int | None:
    raw = _text(form, name)
    if raw is None:
        return default
    if not _INTEGER.match(raw.strip()):
        raise bad_request(
            f"Invalid type for '{name}': expected an integer, but got a string instead.",
            param=name,
            code="invalid_type",
        )
    value = int(raw)
    if value < low:
        raise bad_request(
            f"Invalid '{name}': integer below minimum value. "
            f"Expected a value >= {low}, but got {value} instead.",
            param=name,
            code="integer_below_min_value",
        )
    if value > high:
        raise bad_request(
            f"Invalid '{name}': integer above maximum value. "
            f"Expected a value <= {high}, but got {value} instead.",
            param=name,
            code="integer_above_max_value",
        )
    return value


def _boolean(form: Form, name: str) -> bool:
    raw = _text(form, name)
    if raw is None:
        return False
    if raw.lower() not in ("true", "false"):
        raise bad_request(
            f"Invalid type for '{name}': expected a boolean, but got a string instead.",
            param=name,
            code="invalid_type",
        )
    return raw.lower() == "true"


def _require_multipart(form: Form) -> None:
    if not form.is_multipart:
        shown = form.content_type or "none"
        raise bad_request(
            f"Invalid Content-Type header ({shown}), expected multipart/form-data. (HINT: If "
            "you're using curl, you can pass -H 'Content-Type: multipart/form-data')",
            param=None,
            code=None,
        )
    if form.error is not None:
        raise bad_request(f"Could not parse multipart form: {form.error}.", param=None, code=None)


def _reject_unknown(
    form: Form, text_fields: frozenset[str], unknown_files: frozenset[str] = frozenset()
) -> None:
    for name in form.fields:
        if name not in text_fields:
            raise bad_request(f"Unknown parameter: '{name}'.", param=name, code="unknown_parameter")
    for upload in form.files:
        if FILE_FIELD.match(upload.field) and upload.field not in unknown_files:
            continue
        if upload.field in text_fields:
            raise bad_request(
                f"Invalid type for '{upload.field}': expected a string, but got a file instead.",
                param=upload.field,
                code="invalid_type",
            )
        raise bad_request(
            f"Unknown parameter: '{upload.field}'.", param=upload.field, code="unknown_parameter"
        )


def _missing(name: str) -> ApiError:
    return bad_request(
        f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter"
    )


# ---- files -----------------------------------------------------------------------------


def _mimetype(upload: UploadedFile) -> str:
    return (upload.content_type or "application/octet-stream").split(";")[0].strip().lower()


def _check_mimetype(upload: UploadedFile, param: str) -> str:
    mimetype = _mimetype(upload)
    supported = choices(SUPPORTED_MIMETYPES)
    if not upload.filename:
        raise bad_request(
            f"Invalid file '{param}': the part has no filename, so its type cannot be "
            f"determined. Supported file formats are {supported}.",
            param=param,
            code="unsupported_file_mimetype",
        )
    if mimetype not in SUPPORTED_MIMETYPES:
        raise bad_request(
            f"Invalid file '{param}': unsupported mimetype ('{mimetype}'). "
            f"Supported file formats are {supported}.",
            param=param,
            code="unsupported_file_mimetype",
        )
    return mimetype


def _decode_as(upload: UploadedFile, mimetype: str, param: str) -> Image.Image:
    try:
        image = open_image(upload.data)
    except DECODE_ERRORS:
        image = None
    if image is None or image.format != _PIL_FORMAT[mimetype]:
        raise bad_request(
            f"Invalid image file or mode for '{param}': the bytes are not a valid {mimetype} "
            "image, please check your image file.",
            param=param,
            code="invalid_image_file",
        )
    return image


def _image_param(images: list[UploadedFile], index: int) -> str:
    return "image" if len(images) == 1 and images[0].field == "image" else f"image[{index}]"


def _check_edit_images(images: list[UploadedFile]) -> Image.Image:
    if len(images) > MAX_EDIT_IMAGES:
        raise bad_request(
            f"Invalid 'image': array too long. Expected an array with maximum length "
            f"{MAX_EDIT_IMAGES}, but got an array with length {len(images)} instead.",
            param="image",
            code="array_above_max_length",
        )
    first: Image.Image | None = None
    for index, upload in enumerate(images):
        param = _image_param(images, index)
        mimetype = _check_mimetype(upload, param)
        if len(upload.data) > MAX_EDIT_IMAGE_BYTES:
            raise bad_request(
                f"Invalid file '{param}': file too large ({len(upload.data)} bytes). "
                "Each image must be smaller than 50 MB.",
                param=param,
                code="image_too_large",
            )
        decoded = _decode_as(upload, mimetype, param)
        first = first or decoded
    assert first is not None  # images is never empty here
    return first


def _check_mask(masks: list[UploadedFile], first: Image.Image) -> Image.Image:
    """The mask rules of API.md section 4 (and OpenAI's CreateImageEditRequest): one PNG file,
    smaller than 4 MB, with an alpha channel, the same size as the first image."""
    if len(masks) > 1:
        raise bad_request("Only one 'mask' may be sent.", param="mask", code="invalid_value")
    mask = masks[0]
    mimetype = _check_mimetype(mask, "mask")
    rule = "Invalid mask image: the mask must be a PNG file smaller than 4 MB."
    if mimetype != "image/png" or len(mask.data) >= MAX_MASK_BYTES:
        raise bad_request(rule, param="mask", code="invalid_image_file")
    decoded = _decode_as(mask, mimetype, "mask")  # PNG bytes, not just a PNG label
    if decoded.size != first.size:
        raise bad_request(
            "Invalid mask image format - mask size does not match image size.",
            param="mask",
            code="invalid_image_file",
        )
    has_alpha = decoded.mode in ("RGBA", "LA", "PA") or "transparency" in decoded.info
    if not has_alpha:
        raise bad_request(
            f"Invalid mask image: it needs an alpha channel (alpha 0 marks the area to "
            f"change), got mode {decoded.mode}.",
            param="mask",
            code="invalid_image_file",
        )
    return decoded


def mask_failure() -> ApiError:
    """What a LiteLLM proxy that cannot forward masks answers (Gateway.mask_fails)."""
    return LiteLLMError(
        500,
        "litellm.InternalServerError: InternalServerError: OpenAIException - Attempted to "
        "access streaming request content, without having called `read()`.",
    )


class LiteLLMError(ApiError):
    """LiteLLM's envelope: the status as a string code, no type or param."""

    def envelope(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": None,
                "param": None,
                "code": str(self.status),
            }
        }


# ---- sizes -----------------------------------------------------------------------------


def _edit_size(form: Form, caps: Capabilities, gateway: Gateway) -> tuple[str, int, int]:
    raw = _text(form, "size")
    if raw is None or raw == "auto":
        return "1024x1024", 1024, 1024
    match = _SIZE.match(raw)
    if raw in PRESET_SIZES and match:
        return raw, int(match[1]), int(match[2])
    if not caps.flexible_sizes or gateway.standard_sizes_only or not match:
        raise bad_request(
            f"Invalid value: '{raw}'. Supported values are: {choices(('auto', *PRESET_SIZES))}.",
            param="size",
            code="invalid_value",
        )
    width, height = int(match[1]), int(match[2])
    problem = _flexible_size_problem(width, height)
    if problem:
        raise bad_request(f"Invalid size '{raw}': {problem}", param="size", code="invalid_value")
    return raw, width, height


def _flexible_size_problem(width: int, height: int) -> str | None:
    if width < 16 or height < 16 or width % 16 or height % 16:
        return "width and height must both be positive multiples of 16."
    if max(width, height) > 3 * min(width, height):
        return "the aspect ratio must be between 1:3 and 3:1."
    if max(width, height) > MAX_SIDE:
        return f"the longest side may be at most {MAX_SIDE} pixels."
    if not MIN_PIXELS <= width * height <= MAX_PIXELS:
        return "the total number of pixels must be between 655,360 and 8,294,400."
    return None


# ---- endpoints -------------------------------------------------------------------------


def validate_edit(
    form: Form, live_image_models: set[str], gateway: Gateway | None = None
) -> EditRequest:
    gateway = gateway or Gateway()
    _require_multipart(form)
    _reject_unknown(form, EDIT_TEXT_FIELDS - gateway.unknown_parameters, gateway.unknown_parameters)
    images = [upload for upload in form.files if upload.field != "mask"]
    masks = [upload for upload in form.files if upload.field == "mask"]
    if not images:
        raise _missing("image")
    prompt = _text(form, "prompt")
    if prompt is None:
        raise _missing("prompt")

    model = _text(form, "model")
    model_defaulted = model is None
    model = model or DEFAULT_EDIT_MODEL
    if model in RETIRED_MODELS or model not in live_image_models:
        raise model_not_found(model)
    caps = capabilities_for(model)

    if not prompt:
        raise bad_request(
            "Invalid 'prompt': string too short. Expected a string with minimum length 1, "
            "but got an empty string instead.",
            param="prompt",
            code="string_below_min_length",
        )
    if len(prompt) > MAX_PROMPT_CHARS:
        raise bad_request(
            f"Invalid 'prompt': string too long. Expected a string with maximum length "
            f"{MAX_PROMPT_CHARS}, but got a string with length {len(prompt)} instead.",
            param="prompt",
            code="string_above_max_length",
        )
    n = _integer(form, "n", 1, 10, 1)
    quality = _enum(form, "quality", QUALITIES + EXTRA_QUALITIES, "auto")
    background = _enum(form, "background", BACKGROUNDS, "auto")
    output_format = _enum(form, "output_format", OUTPUT_FORMATS, "png")
    compression = _integer(form, "output_compression", 0, 100, None)
    fidelity = _enum(form, "input_fidelity", FIDELITIES, None)
    complexity = _enum(form, "complexity", COMPLEXITIES, None)
    stream = _boolean(form, "stream")
    partial_images = _integer(form, "partial_images", 0, 3, None)
    assert n is not None and quality and background and output_format

    if quality in EXTRA_QUALITIES and not caps.extra_qualities:
        raise _unsupported_value("quality", quality, QUALITIES)
    if fidelity is not None and not caps.input_fidelity:
        raise ApiError(
            400,
            "Input fidelity is not supported for this model.",
            type="image_generation_user_error",
            param="input_fidelity",
            code="invalid_input_fidelity_model",
        )
    if complexity is not None and not caps.complexity:
        raise _unsupported_parameter("complexity")
    if background == "transparent" and not caps.transparent:
        raise bad_request(
            "Transparent background is not supported for this model.",
            param="background",
            code=None,
        )
    if background == "transparent" and output_format not in ("png", "webp"):
        raise bad_request(
            "Transparent background is not supported for JPEG output format.",
            param="background",
            code=None,
        )
    if compression is not None and output_format == "png":
        raise bad_request(
            "Invalid 'output_compression': compression is only supported for the 'jpeg' and "
            "'webp' output formats.",
            param="output_compression",
            code="invalid_value",
        )
    if partial_images is not None and not stream:
        raise bad_request(
            "Invalid 'partial_images': partial images are only supported when stream is true.",
            param="partial_images",
            code="invalid_value",
        )
    if stream and gateway.refuse_stream:
        raise bad_request("Streaming is not supported for image edits.", param=None, code=None)
    size, width, height = _edit_size(form, caps, gateway)

    source = _check_edit_images(images)
    mask = _check_mask(masks, source) if masks else None
    if mask is not None and gateway.mask_fails:
        raise mask_failure()
    return EditRequest(
        model=model,
        model_defaulted=model_defaulted,
        prompt=prompt,
        n=1 if gateway.ignore_n else n,
        size=size,
        width=width,
        height=height,
        quality="medium" if quality == "auto" else quality,
        background="transparent" if background == "transparent" else "opaque",
        output_format=output_format,
        output_compression=compression,
        stream=stream,
        partial_images=partial_images or 0,
        images=images,
        has_mask=mask is not None,
        mask=mask,
        source=source,
        source_sha256=sha256_hex(images[0].data),
    )


def _unsupported_parameter(name: str) -> ApiError:
    return bad_request(
        f"Unsupported parameter: '{name}' is not supported with this model.",
        param=name,
        code="unsupported_parameter",
    )


def _unsupported_value(name: str, value: str, supported: Iterable[str]) -> ApiError:
    return bad_request(
        f"Unsupported value: '{name}' does not support '{value}' with this model. "
        f"Supported values are: {choices(supported)}.",
        param=name,
        code="unsupported_value",
    )


def validate_variation(form: Form) -> VariationRequest:
    """The legacy dall-e-2 endpoint as gateways still serve it."""
    _require_multipart(form)
    _reject_unknown(form, VARIATION_TEXT_FIELDS)
    for upload in form.files:
        if upload.field != "image":  # no image[] arrays and no mask on this endpoint
            raise bad_request(
                f"Unknown parameter: '{upload.field}'.",
                param=upload.field,
                code="unknown_parameter",
            )
    if not form.files:
        raise _missing("image")
    if len(form.files) > 1:
        raise bad_request("Only one 'image' may be sent.", param="image", code="invalid_value")
    model = _text(form, "model")
    if model is not None and model != "dall-e-2":
        raise bad_request(
            f"Invalid value: '{model}'. Supported values are: 'dall-e-2'.",
            param="model",
            code="invalid_value",
        )
    n = _integer(form, "n", 1, 10, 1)
    size = _enum(form, "size", VARIATION_SIZES, "1024x1024")
    response_format = _enum(form, "response_format", RESPONSE_FORMATS, "url")
    assert n is not None and size and response_format

    upload = form.files[0]
    mimetype = _check_mimetype(upload, "image")
    rule = bad_request(
        "Uploaded image must be a PNG and less than 4 MB.", param="image", code="invalid_image_file"
    )
    if mimetype != "image/png" or len(upload.data) >= MAX_VARIATION_BYTES:
        raise rule
    try:
        source = open_image(upload.data)
    except DECODE_ERRORS:
        raise rule from None
    if source.format != "PNG":
        raise rule
    if source.width != source.height:
        raise bad_request(
            "Invalid input image - image must be square", param="image", code="invalid_image_file"
        )
    side = int(size.split("x")[0])
    return VariationRequest(
        n=n,
        size=size,
        width=side,
        height=side,
        response_format=response_format,
        source=source,
        source_sha256=sha256_hex(upload.data),
    )
