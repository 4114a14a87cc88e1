"""The errors a run can end with, each carrying one plain sentence for a person.

Widgets and the command line render these; they never parse HTTP themselves. Every error says
whether the request may already have been billed, because a request the server received costs
money even when no answer came back.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the window's start-up imports this module; the results come with a run
    from desktop_app.core.results import GeneratedImage

VERIFICATION_URL = "https://platform.openai.com/settings/organization/general"
BILLING_URL = "https://platform.openai.com/settings/organization/billing"


class InvalidRequest(ValueError):
    """A request the app itself knows the server would refuse (a usage error, nothing sent)."""


class ApiErrorKind(enum.Enum):
    BAD_KEY = "bad_key"
    ORG_NOT_VERIFIED = "org_not_verified"
    MODEL_NOT_FOUND = "model_not_found"
    MODERATION = "moderation"
    BAD_UPLOAD = "bad_upload"
    UNKNOWN_PARAMETER = "unknown_parameter"
    UNSUPPORTED_PARAMETER = "unsupported_parameter"  # a known parameter or value this model refuses
    INVALID_REQUEST = "invalid_request"
    RATE_LIMIT = "rate_limit"
    QUOTA = "quota"
    SERVER = "server"
    OTHER = "other"


class Remedy(enum.Enum):
    """What the window offers next to an error (the window only renders it)."""

    OPEN_KEY_SETTINGS = "open_key_settings"
    USE_EDIT_MODE = "use_edit_mode"  # classic variations are gone on this server
    USE_SUGGESTED_MODEL = "use_suggested_model"  # ApiError.suggested_model
    TRY_AGAIN = "try_again"


class TransportErrorKind(enum.Enum):
    CONNECT = "connect"  # nothing reached the server
    DNS = "dns"
    TLS = "tls"
    NO_ANSWER = "no_answer"  # the request went out, the answer did not come back
    DEADLINE = "deadline"
    BAD_RESPONSE = "bad_response"  # an answer came, but not one we can read
    DOWNLOAD = "download"  # results were made, fetching them failed


class NoApiKey(Exception):
    """No key for the active profile: nothing can be sent until one is added."""

    def __str__(self) -> str:
        return "No API key yet. Add your OpenAI API key in Settings to make variations."


class VariationError(Exception):
    """Base of every failure of a run. ``str(error)`` is the sentence for the user."""

    may_have_been_billed: bool = False
    results: Sequence[GeneratedImage] = ()

    def details(self) -> dict[str, str]:
        """Technical facts for a details pane: never the key, never a body we did not parse."""
        return {}


@dataclass(frozen=True)
class ErrorBody:
    message: str = ""
    type: str | None = None
    code: str | None = None
    param: str | None = None


def parse_error_body(raw: bytes) -> ErrorBody:
    """Reads OpenAI's error envelope; anything else (an HTML gateway page) gives an empty body."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting is no envelope
        return ErrorBody()
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        return ErrorBody()

    def text(key: str) -> str | None:
        value = error.get(key)
        return value if isinstance(value, str) and value else None

    return ErrorBody(
        message=text("message") or "",
        type=text("type"),
        code=text("code"),
        param=text("param"),
    )


_MODEL_REFUSALS = ("not supported for this model", "not supported with this model")


def refuses_for_this_model(body: ErrorBody) -> bool:
    """A 400 saying a parameter or value is not for this model (API.md section 6): e.g.
    ``invalid_input_fidelity_model``, ``unsupported_parameter`` / ``unsupported_value``, or
    "Transparent background is not supported for this model"."""
    code = body.code or ""
    if code.startswith("invalid_") and code.endswith("_model"):
        return True
    if code in ("unsupported_parameter", "unsupported_value"):
        return True
    return any(phrase in body.message.lower() for phrase in _MODEL_REFUSALS)


def classify(status: int, body: ErrorBody) -> ApiErrorKind:
    code = body.code or ""
    if status == 401:
        return ApiErrorKind.BAD_KEY
    if status == 403 and "verif" in body.message.lower():
        return ApiErrorKind.ORG_NOT_VERIFIED
    if status == 404 and code in ("model_not_found", ""):
        return ApiErrorKind.MODEL_NOT_FOUND
    if code == "moderation_blocked":
        return ApiErrorKind.MODERATION
    if code == "unknown_parameter":
        return ApiErrorKind.UNKNOWN_PARAMETER
    if status == 400 and refuses_for_this_model(body):
        return ApiErrorKind.UNSUPPORTED_PARAMETER
    # The safety system's errors share this type with parameter errors (invalid_input_fidelity_
    # model), so it decides only when no code said otherwise.
    if body.type == "image_generation_user_error" and not code:
        return ApiErrorKind.MODERATION
    if code in ("unsupported_file_mimetype", "invalid_image_file", "image_too_large") or (
        status == 400 and (body.param or "").startswith(("image", "mask"))
    ):
        return ApiErrorKind.BAD_UPLOAD
    if status == 429:
        if "quota" in code or "billing" in code or "quota" in body.message.lower():
            return ApiErrorKind.QUOTA
        return ApiErrorKind.RATE_LIMIT
    if status >= 500:
        return ApiErrorKind.SERVER
    if status == 403:
        return ApiErrorKind.ORG_NOT_VERIFIED if body.type is None else ApiErrorKind.OTHER
    if status in (400, 404, 422):
        return ApiErrorKind.INVALID_REQUEST
    return ApiErrorKind.OTHER


class ApiError(VariationError):
    """The API answered with an error status."""

    def __init__(
        self,
        *,
        status: int,
        body: ErrorBody,
        request_id: str | None,
        model: str | None = None,
        suggested_model: str | None = None,
        attempts: int = 1,
        results: Sequence[GeneratedImage] = (),
        may_have_been_billed: bool | None = None,
    ) -> None:
        self.status = status
        self._billed = may_have_been_billed
        self.type = body.type
        self.code = body.code
        self.param = body.param
        self.message = body.message
        self.request_id = request_id
        self.kind = classify(status, body)
        self.model = model
        self.suggested_model = suggested_model
        self.attempts = attempts
        self.results = tuple(results)
        super().__init__(self._sentence())

    @property
    def may_have_been_billed(self) -> bool:  # type: ignore[override]
        # An error answer means no image was made, unless it broke off a stream that had begun.
        return self._billed if self._billed is not None else bool(self.results)

    def with_suggestion(self, model: str | None) -> ApiError:
        self.suggested_model = model
        self.args = (self._sentence(),)
        return self

    def _sentence(self) -> str:
        kind = self.kind
        if kind is ApiErrorKind.BAD_KEY:
            return "The API key was rejected. Check or replace it in Settings."
        if kind is ApiErrorKind.ORG_NOT_VERIFIED:
            return (
                "Your OpenAI organisation must be verified before it can use this model. "
                f"Verify it at {VERIFICATION_URL}, then try again."
            )
        if kind is ApiErrorKind.MODEL_NOT_FOUND and (self.model or "").startswith("dall-e-"):
            advice = (
                f" Use GPT Image variation mode instead, e.g. with {self.suggested_model!r}."
                if self.suggested_model and not self.suggested_model.startswith("dall-e-")
                else " Use GPT Image variation mode instead."
            )
            return (
                "This server does not offer the classic variations endpoint (OpenAI retired "
                f"{self.model} on 2026-05-12).{advice}"
            )
        if kind is ApiErrorKind.MODEL_NOT_FOUND:
            gone = f"The model {self.model!r}" if self.model else "This model"
            if self.suggested_model:
                return (
                    f"{gone} is not available (it may have been retired). "
                    f"Try {self.suggested_model!r} instead."
                )
            return f"{gone} is not available on this server (it may have been retired)."
        if kind is ApiErrorKind.MODERATION:
            return (
                "The safety system refused this picture or prompt. Nothing was retried; "
                "change the picture or the prompt and try again."
            )
        if kind is ApiErrorKind.BAD_UPLOAD:
            rule = (self.message or "the upload broke one of the server's rules").rstrip(". ")
            return f"The server did not accept the picture: {rule}."
        if kind is ApiErrorKind.UNKNOWN_PARAMETER:
            return (
                "The server did not understand a setting we sent"
                f"{f' ({self.param})' if self.param else ''}. Nothing was billed. Please "
                "report it with the request id."
            )
        if kind is ApiErrorKind.UNSUPPORTED_PARAMETER:
            setting = f" ({self.param})" if self.param else ""
            return (
                f"The server does not accept a setting{setting} for this model. Nothing was "
                "billed. Change the setting and try again."
            )
        if kind is ApiErrorKind.RATE_LIMIT:
            return "The server is rate-limiting requests. Wait a minute and try again."
        if kind is ApiErrorKind.QUOTA:
            return (
                "Your OpenAI account has run out of credit or hit its spending limit. "
                f"Check billing at {BILLING_URL}."
            )
        if kind is ApiErrorKind.SERVER:
            tries = f" after {self.attempts} tries" if self.attempts > 1 else ""
            return f"The server had a problem ({self.status}){tries}. Try again later."
        if self.message:
            return f"The server refused the request: {self.message}"
        return f"The server refused the request (HTTP {self.status})."

    def details(self) -> dict[str, str]:
        facts = {
            "status": str(self.status),
            "type": self.type or "",
            "code": self.code or "",
            "param": self.param or "",
            "message": self.message,
            "request id": self.request_id or "",
        }
        return {name: value for name, value in facts.items() if value}


class TransportError(VariationError):
    """The conversation with the server broke down."""

    def __init__(
        self,
        kind: TransportErrorKind,
        *,
        may_have_been_billed: bool,
        detail: str = "",
        request_id: str | None = None,
        results: Sequence[GeneratedImage] = (),
        attempts: int = 1,
    ) -> None:
        self.kind = kind
        self.may_have_been_billed = may_have_been_billed
        self.detail = detail
        self.request_id = request_id
        self.results = tuple(results)
        self.attempts = attempts
        super().__init__(self._sentence())

    def _sentence(self) -> str:
        kind = self.kind
        if kind is TransportErrorKind.DNS:
            sentence = "The server's name could not be found. Check the base URL and your network."
        elif kind is TransportErrorKind.CONNECT:
            sentence = "Could not connect to the server. Check your network and the base URL."
        elif kind is TransportErrorKind.TLS:
            sentence = (
                "The server's security certificate is not trusted, so nothing was sent. "
                "If your company uses its own certificate authority, install it in the system."
            )
        elif kind is TransportErrorKind.DEADLINE:
            sentence = "The server took too long to answer."
        elif kind is TransportErrorKind.BAD_RESPONSE:
            sentence = "The server's answer could not be read."
        elif kind is TransportErrorKind.DOWNLOAD:
            sentence = "The images were made, but downloading them failed."
        else:
            sentence = "The connection broke before the server answered."
        if self.results:
            sentence += f" {len(self.results)} image(s) that had arrived were kept."
        if self.may_have_been_billed:
            sentence += (
                " The request reached the server, so it may have been billed; it was not "
                "sent again. Generate again only if you want to pay for another try."
            )
        elif kind is not TransportErrorKind.TLS:
            sentence += " Nothing was billed."
        return sentence

    def details(self) -> dict[str, str]:
        facts = {
            "problem": self.kind.value,
            "detail": self.detail,
            "request id": self.request_id or "",
            "tries": str(self.attempts) if self.attempts > 1 else "",
        }
        return {name: value for name, value in facts.items() if value}


class ProxyUnsupported(VariationError):
    """A SOCKS proxy is set in the environment, and httpx's SOCKS support (socksio) is not
    installed: found before anything is sent."""

    def __init__(self) -> None:
        super().__init__(
            "A SOCKS proxy is set (ALL_PROXY, HTTPS_PROXY or HTTP_PROXY), and this installation "
            "cannot use SOCKS proxies: use an http proxy, or unset the variable. Nothing was sent."
        )

    def details(self) -> dict[str, str]:
        return {"problem": "socks proxy without the socksio package"}


class RunCancelled(VariationError):
    """The user stopped the run."""

    def __init__(
        self, *, may_have_been_billed: bool, results: Sequence[GeneratedImage] = ()
    ) -> None:
        self.may_have_been_billed = may_have_been_billed
        self.results = tuple(results)
        if may_have_been_billed:
            sentence = (
                "Cancelled. The request had already reached the server, so it may have been billed."
            )
        else:
            sentence = "Cancelled before the request was sent: nothing was billed."
        if self.results:
            sentence += f" {len(self.results)} image(s) that had arrived were kept."
        super().__init__(sentence)


def response_request_id(headers: Mapping[str, Any]) -> str | None:
    value = headers.get("x-request-id")
    return value if isinstance(value, str) and value else None


def remedy_for(error: BaseException, *, classic_mode: bool) -> Remedy | None:
    if isinstance(error, NoApiKey):
        return Remedy.OPEN_KEY_SETTINGS
    if not isinstance(error, ApiError):
        return None
    if error.kind is ApiErrorKind.BAD_KEY:
        return Remedy.OPEN_KEY_SETTINGS
    if error.kind is ApiErrorKind.MODEL_NOT_FOUND and classic_mode:
        return Remedy.USE_EDIT_MODE
    if error.kind is ApiErrorKind.MODEL_NOT_FOUND and error.suggested_model:
        return Remedy.USE_SUGGESTED_MODEL
    if error.kind in (ApiErrorKind.RATE_LIMIT, ApiErrorKind.SERVER):
        return Remedy.TRY_AGAIN
    return None
