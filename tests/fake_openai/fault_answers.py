"""The error answers behind the error fault kinds, worded like the real service's."""

from __future__ import annotations

from .answers import Answer, ApiError
from .faults import VARIATIONS_PATH, Fault
from .multipart_form import Form

_SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"
_GATEWAY_PAGES = {
    502: "502 Bad Gateway",
    504: "504 Gateway Time-out",
}


def _model_hint(form: Form, path: str) -> str:
    sent = form.fields.get("model")
    if sent:
        return sent[-1]
    return "dall-e-2" if path == VARIATIONS_PATH else "gpt-image-2"


def fault_error_answer(fault: Fault, form: Form, path: str, request_id: str) -> Answer:
    extra_headers: list[tuple[str, str]] = []
    if fault.x_should_retry is not None:
        extra_headers.append(("x-should-retry", fault.x_should_retry))
    if fault.kind == "server_error":
        answer = _server_error(fault.status or 500)
    else:
        answer = _error_for(fault, form, path, request_id).answer()
    answer.headers.extend(extra_headers)
    return answer


def _server_error(status: int) -> Answer:
    if status in _GATEWAY_PAGES or (status >= 500 and status not in (500, 503)):
        # Gateways in front of the API answer with their own HTML page, not the JSON envelope.
        title = _GATEWAY_PAGES.get(status, f"{status} Error")
        page = (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return Answer(status=status, body=page.encode(), content_type="text/html")
    if status == 503:
        message = "The engine is currently overloaded, please try again later."
    elif status >= 500:
        message = _SERVER_ERROR
    else:
        message = f"The request could not be completed (HTTP {status}). Please try again."
    return ApiError(status, message, type="server_error").answer()


def _error_for(fault: Fault, form: Form, path: str, request_id: str) -> ApiError:
    model = _model_hint(form, path)
    kind = fault.kind
    if kind == "invalid_api_key":
        return ApiError(
            401,
            "Incorrect API key provided: sk-fake***********1234. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        )
    if kind == "org_not_verified":
        return ApiError(
            403,
            f"Your organization must be verified to use the model '{model}'. Please go to: "
            "https://platform.openai.com/settings/organization/general and click on Verify "
            "Organization. If you just verified, it can take up to 15 minutes for access to "
            "propagate.",
        )
    if kind == "model_not_found":
        return ApiError(
            404,
            f"The model '{model}' does not exist or you do not have access to it.",
            code="model_not_found",
        )
    if kind == "moderation_blocked":
        return ApiError(
            400,
            "Your request was rejected by the safety system. If you believe this is an error, "
            f"contact us at help.openai.com and include the request ID {request_id}.",
            type="image_generation_user_error",
            code="moderation_blocked",
            extra={"moderation_details": {"flagged": True, "stage": "input",
                                          "categories": ["violence"]}},
        )  # fmt: skip
    if kind == "unsupported_file_mimetype":
        return ApiError(
            400,
            "Invalid file 'image': unsupported mimetype ('application/octet-stream'). Supported "
            "file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
            param="image",
            code="unsupported_file_mimetype",
        )
    if kind == "invalid_image_file":
        return ApiError(
            400,
            "Invalid image file or mode for image 1, please check your image file.",
            param="image",
            code="invalid_image_file",
        )
    if kind == "unknown_parameter":
        return ApiError(
            400,
            "Unknown parameter: 'response_format'.",
            param="response_format",
            code="unknown_parameter",
        )
    if kind == "rate_limit":
        headers = [("x-ratelimit-limit-requests", "5"), ("x-ratelimit-remaining-requests", "0")]
        if fault.retry_after is not None:
            headers.append(("retry-after", fault.retry_after))
        if fault.retry_after_ms is not None:
            headers.append(("retry-after-ms", fault.retry_after_ms))
        return ApiError(
            429,
            f"Rate limit reached for {model} in organization org-fake on images per min (IPM): "
            "Limit 5, Used 5, Requested 1. Please try again in 12s. Visit "
            "https://platform.openai.com/account/rate-limits to learn more.",
            type="requests",
            code="rate_limit_exceeded",
            headers=headers,
        )
    if kind == "insufficient_quota":
        return ApiError(
            429,
            "You exceeded your current quota, please check your plan and billing details. For "
            "more information on this error, read the docs: "
            "https://platform.openai.com/docs/guides/error-codes/api-errors.",
            type="insufficient_quota",
            code="insufficient_quota",
        )
    raise ValueError(f"not an error fault: {kind}")
