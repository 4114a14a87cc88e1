from __future__ import annotations

import pytest

from desktop_app.core.errors import (
    ApiError,
    ApiErrorKind,
    ErrorBody,
    RunCancelled,
    TransportError,
    TransportErrorKind,
    parse_error_body,
)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (
            401,
            ErrorBody("Incorrect API key provided", "invalid_request_error", "invalid_api_key"),
            ApiErrorKind.BAD_KEY,
        ),
        (
            403,
            ErrorBody(
                "Your organization must be verified to use the model", "invalid_request_error"
            ),
            ApiErrorKind.ORG_NOT_VERIFIED,
        ),
        (
            404,
            ErrorBody("The model 'x' does not exist", "invalid_request_error", "model_not_found"),
            ApiErrorKind.MODEL_NOT_FOUND,
        ),
        (
            400,
            ErrorBody("Rejected", "image_generation_user_error", "moderation_blocked"),
            ApiErrorKind.MODERATION,
        ),
        (
            400,
            ErrorBody(
                "Invalid file 'image'",
                "invalid_request_error",
                "unsupported_file_mimetype",
                "image",
            ),
            ApiErrorKind.BAD_UPLOAD,
        ),
        (
            400,
            ErrorBody(
                "Unknown parameter: 'response_format'.",
                "invalid_request_error",
                "unknown_parameter",
                "response_format",
            ),
            ApiErrorKind.UNKNOWN_PARAMETER,
        ),
        (
            429,
            ErrorBody("Rate limit reached", "requests", "rate_limit_exceeded"),
            ApiErrorKind.RATE_LIMIT,
        ),
        (
            429,
            ErrorBody(
                "You exceeded your current quota", "insufficient_quota", "insufficient_quota"
            ),
            ApiErrorKind.QUOTA,
        ),
        (502, ErrorBody(), ApiErrorKind.SERVER),
    ],
)
def test_every_row_of_the_error_table_has_its_own_sentence(
    status: int, body: ErrorBody, kind: ApiErrorKind
) -> None:
    error = ApiError(status=status, body=body, request_id="req_abc")
    assert error.kind is kind
    sentence = str(error)
    assert sentence.endswith(".") and len(sentence) < 300
    assert error.details()["request id"] == "req_abc"
    assert error.details()["status"] == str(status)


def test_sentences_differ_between_rows() -> None:
    sentences = {
        str(ApiError(status=s, body=ErrorBody(code=c), request_id=None))
        for s, c in [
            (401, "invalid_api_key"),
            (404, "model_not_found"),
            (429, "rate_limit_exceeded"),
            (429, "insufficient_quota"),
            (500, None),
            (400, "moderation_blocked"),
        ]
    }
    assert len(sentences) == 6


def test_the_envelope_parser_survives_html_and_junk() -> None:
    assert parse_error_body(b"<html>502 Bad Gateway</html>") == ErrorBody()
    assert parse_error_body(b'{"error": "text"}') == ErrorBody()
    assert parse_error_body(b"\xff\xfe") == ErrorBody()
    body = parse_error_body(b'{"error": {"message": "m", "type": "t", "code": null, "param": "p"}}')
    assert body == ErrorBody("m", "t", None, "p")


def test_billing_is_always_stated() -> None:
    sent = TransportError(TransportErrorKind.NO_ANSWER, may_have_been_billed=True)
    unsent = TransportError(TransportErrorKind.CONNECT, may_have_been_billed=False)
    assert "may have been billed" in str(sent)
    assert "Nothing was billed" in str(unsent)
    assert "may have been billed" in str(RunCancelled(may_have_been_billed=True))
    assert "nothing was billed" in str(RunCancelled(may_have_been_billed=False))
