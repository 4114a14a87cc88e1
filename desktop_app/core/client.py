"""The Images API client (async httpx), as docs/API.md describes the service.

One ``ImagesClient`` per event loop. Callers pass an ``EventSink`` to watch a run: phases,
upload progress, retry countdowns, partial and finished images. Cancelling the task that awaits
a call stops it at once, also while the server has not sent headers yet.

This module is the public face and one request's cycle (adapt the form, send, read). Sending
with retries lives in ``_transport.py``, reading the answer in ``_answers.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import ssl
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from desktop_app import __version__
from desktop_app.core import downloads
from desktop_app.core._answers import (
    is_event_stream,
    read_json_result,
    read_model_entries,
    read_stream,
)
from desktop_app.core._transport import Attempt, send_with_retries, tracer, upload_chunks
from desktop_app.core.adaptation import (
    MaskRefused,
    MasksRefusedBefore,
    ServerRules,
    adjustment_for,
    apply_rules,
    refuses_mask,
    remembers_mask_refusal,
)
from desktop_app.core.config import ClientConfig
from desktop_app.core.dialects import KIND_LABELS, MASKS_REFUSED, Dialect, Endpoint, dialect_for
from desktop_app.core.errors import (
    ApiError,
    ProxyUnsupported,
    TransportError,
    TransportErrorKind,
    response_request_id,
)
from desktop_app.core.http import system_ssl_context
from desktop_app.core.keystore import ApiKey
from desktop_app.core.models import ModelInfo, suggest_replacement
from desktop_app.core.reframing import check_size_kept
from desktop_app.core.requests import ClassicRequest, EditRequest, FormFields, InvalidRequest
from desktop_app.core.results import (
    EventSink,
    ParameterAdjusted,
    Phase,
    PhaseChanged,
    RunEvent,
    RunResult,
)

if TYPE_CHECKING:
    from desktop_app.core.imaging import Upload

__all__ = ["ImagesClient", "system_ssl_context"]

log = logging.getLogger(__name__)

# Each adjusted retry changes a different parameter, so a server that refuses two things
# (stream and a custom size) still gets its run; the bound keeps a confused server cheap.
MAX_ADJUSTMENTS = 3


def _ignore(_event: RunEvent) -> None:
    return None


class ImagesClient:
    def __init__(
        self,
        config: ClientConfig,
        api_key: ApiKey,
        *,
        verify: ssl.SSLContext | bool | None = None,
        today: Callable[[], dt.date] = dt.date.today,
        rules: ServerRules | None = None,
    ) -> None:
        self._config = config
        # How this kind of server spells each call (auth header, path, body); see dialects.py.
        self._dialect = dialect_for(config)
        # What this server refused before; the caller shares one store between runs.
        self._rules = rules if rules is not None else ServerRules.in_memory()
        self._key = api_key
        self._today = today
        context = verify if verify is not None else system_ssl_context()
        timeouts = config.timeouts
        try:
            # No auth here: the key is added per request, only to requests for the API itself.
            self._http = httpx.AsyncClient(
                base_url=config.base_url + "/",
                verify=context,
                timeout=httpx.Timeout(
                    connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=5.0
                ),
                follow_redirects=False,
                headers={"User-Agent": f"ImageVariations/{__version__}"},
            )
            self._downloads = downloads.make_download_client(context)
        except ImportError as exc:  # httpx reads the proxy variables here
            if "socksio" not in str(exc):
                raise
            raise ProxyUnsupported from None

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    async def __aenter__(self) -> ImagesClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._downloads.aclose()

    # -- public calls -------------------------------------------------------------------------

    async def list_models(self) -> list[ModelInfo]:
        """The image models the server lists (listed does not mean allowed)."""
        endpoint = self._dialect.models_endpoint()
        if endpoint is None:
            return self._dialect.models_from(())
        try:
            async with asyncio.timeout(self._config.timeouts.deadline):
                response = await self._send(
                    lambda attempt: self._http.build_request(
                        "GET", endpoint.path, params=endpoint.params, headers=self._auth_headers()
                    ),
                    sink=_ignore,
                )
                async with contextlib.aclosing(response):
                    entries = await read_model_entries(response)
        except TimeoutError:
            raise TransportError(  # listing is never billed
                TransportErrorKind.DEADLINE,
                may_have_been_billed=False,
                detail=f"no model list within {self._config.timeouts.deadline:g} s",
            ) from None
        return self._dialect.models_from(entries)

    async def edit(self, request: EditRequest, sink: EventSink | None = None) -> RunResult:
        """A GPT Image variation through ``/images/edits`` (streamed when asked)."""
        return await self._adapting_call(self._dialect.edit_endpoint(), request, sink or _ignore)

    async def classic_variations(
        self, request: ClassicRequest, sink: EventSink | None = None
    ) -> RunResult:
        """The classic ``/images/variations`` endpoint (dall-e-2 on servers that serve it)."""
        endpoint = self._dialect.variations_endpoint()
        if endpoint is None:
            raise InvalidRequest(
                "This kind of server has no classic variations; use GPT Image variation."
            )
        return await self._adapting_call(endpoint, request, sink or _ignore)

    async def _adapting_call(
        self, endpoint: Endpoint, request: EditRequest | ClassicRequest, sink: EventSink
    ) -> RunResult:
        """Sends what this server is known to accept; a refused parameter (an unbilled 400) is
        changed, tried once more and remembered for this server and model. A size changed
        away from the upload's ratio stops before sending (reframing.py)."""
        server, model = self._config.base_url, request.model
        fields = request.form()
        mask = request.mask if isinstance(request, EditRequest) else None
        if mask is not None and not self._dialect.accepts_masks:
            raise InvalidRequest(MASKS_REFUSED.format(server=KIND_LABELS[self._dialect.kind]))
        if mask is not None and self._rules.refuses_masks(server, model):
            # Known from an earlier refusal: sending would fail again (a 500 may be billed).
            raise MasksRefusedBefore(model)
        if isinstance(request, EditRequest):
            fields = self._dialect.edit_form(fields)
        form, known = apply_rules(self._rules.for_request(server, model), fields)
        said = [change.describe() for change in known]
        for sentence in said:
            sink(ParameterAdjusted(sentence, learnt=False))
        check_size_kept(request.image, fields, form, model, said)
        changed: set[str] = set()
        while True:
            try:
                result = await self._images_call(
                    endpoint,
                    form,
                    request.image,
                    sink,
                    mask=mask,
                    stream=dict(form).get("stream") == "true",
                    model=model,
                    n=request.n,
                )
            except ApiError as error:
                if mask is not None and refuses_mask(error):
                    # Never retried without it: that would vary (and bill) the whole picture.
                    remembered = remembers_mask_refusal(error)
                    if remembered:
                        self._rules.refuse_masks(server, model)
                    raise MaskRefused(error, remembered=remembered) from None
                change = adjustment_for(error, form)
                if change is None or change.parameter in changed or len(changed) >= MAX_ADJUSTMENTS:
                    raise
                changed.add(change.parameter)
                log.info("%s refused %s=%s; trying once more", model, *change.refused_pair())
                self._rules.learn(server, model, change)
                said.append(change.describe())
                sink(ParameterAdjusted(change.describe(), learnt=True))
                changed_form = change.apply(form)
                check_size_kept(request.image, form, changed_form, model, said)
                form = changed_form
                continue
            return dataclasses.replace(result, adjustments=tuple(said)) if said else result

    # -- the request cycle --------------------------------------------------------------------

    def _auth_headers(self) -> dict[str, str]:
        return self._dialect.auth_headers(self._key.reveal())

    async def _images_call(
        self,
        endpoint: Endpoint,
        form: FormFields,
        upload: Upload,
        sink: EventSink,
        *,
        mask: Upload | None = None,
        stream: bool,
        model: str,
        n: int,
    ) -> RunResult:
        body, content_type = self._dialect.encode(self._http, endpoint, form, upload, mask)
        attempt_state = Attempt()

        def build(attempt: Attempt) -> httpx.Request:
            nonlocal attempt_state
            attempt_state = attempt
            headers = self._auth_headers()
            headers["Content-Type"] = content_type
            headers["Content-Length"] = str(len(body))
            if stream:
                headers["Accept"] = "text/event-stream"
            return self._http.build_request(
                "POST",
                endpoint.path,
                params=endpoint.params,
                headers=headers,
                content=upload_chunks(body, sink),
                extensions={"trace": tracer(attempt, sink)},
            )

        try:
            async with asyncio.timeout(self._config.timeouts.deadline):
                response = await self._send(build, sink, model=model)
                async with contextlib.aclosing(response):
                    sink(PhaseChanged(Phase.RECEIVING))
                    request_id = response_request_id(response.headers)
                    if stream and is_event_stream(response):
                        return await read_stream(response, sink, request_id, n)
                    return await read_json_result(response, sink, request_id, self._download)
        except TimeoutError:
            raise TransportError(
                TransportErrorKind.DEADLINE,
                may_have_been_billed=attempt_state.body_sent,
                detail=f"no result within {self._config.timeouts.deadline:g} s",
            ) from None

    async def _send(
        self,
        build: Callable[[Attempt], httpx.Request],
        sink: EventSink,
        *,
        model: str | None = None,
    ) -> httpx.Response:
        return await send_with_retries(
            self._http,
            build,
            sink,
            policy=self._config.retry,
            model=model,
            suggest=self._replacement_for,
        )

    async def _replacement_for(self, model: str) -> str | None:
        try:
            listed = await self.list_models()
        except (ApiError, TransportError):
            return None
        return suggest_replacement(listed, model, self._today())

    async def _download(self, url: str) -> bytes:
        return await downloads.download(
            self._downloads,
            url,
            max_bytes=self._config.max_download_bytes,
            deadline=self._config.download_deadline,
        )
