"""FakeOpenAI: a real HTTP server on 127.0.0.1 imitating the OpenAI Images API (API.md).

Two origins: the API (base_url) and a "files" origin that serves legacy `url` results the way
blob storage does. Standard-library http.server, so faults can act on the raw socket.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from .answers import Answer, ApiError, to_json
from .catalog import RETIRED_MODELS, default_models, is_image_model
from .dialects import (
    AZURE,
    AZURE_V1_MODELS,
    DEFAULT_DEPLOYMENTS,
    DIALECTS,
    OPENROUTER,
    azure_edit_form,
    openrouter_answer,
)
from .endpoints import (
    edit_answer,
    edit_stream_answer,
    endless_event_answer,
    model_answer,
    models_answer,
    stream_error_answer,
    variation_answer,
    variations_retired,
)
from .fault_answers import fault_error_answer
from .faults import ERROR_KINDS, URL_KINDS, Fault, FaultQueue
from .files_store import FileStore, file_answer
from .multipart_form import Form, parse_form, parse_query
from .recording import RecordedRequest
from .transport import (
    BadRequestBody,
    BodyWriter,
    ServerStopping,
    StallGate,
    read_body,
    reset_connection,
)
from .validation import Gateway, validate_edit, validate_variation

logger = logging.getLogger(__name__)

EDITS_PATH = "/v1/images/edits"
VARIATIONS_PATH = "/v1/images/variations"
MODELS_PATH = "/v1/models"
_ROUTES = {MODELS_PATH: ("GET",), EDITS_PATH: ("POST",), VARIATIONS_PATH: ("POST",)}
MAX_REQUEST_BODY = 300 * 1024 * 1024  # 16 images of 50 MB would be more; no test needs that
_STOP_JOIN_SECONDS = 0.8
_CONNECTION_ERRORS = (ConnectionError, TimeoutError, ServerStopping)


def new_request_id() -> str:
    return f"req_{secrets.token_hex(16)}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # FakeOpenAI joins handler threads itself, with a deadline
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], owner: FakeOpenAI, *, api: bool) -> None:
        self.owner = owner
        self.api = api
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would do a reverse DNS lookup (getfqdn), slow in sandboxes.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"fake-openai-{'api' if self.api else 'files'}-handler",
            daemon=True,
        )
        self.owner._track_thread(thread)
        thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients vanishing is routine here (faults, cancelled downloads): not worth a traceback.
        if isinstance(sys.exc_info()[1], (*_CONNECTION_ERRORS, OSError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections of a standalone server do not live forever
    server: _Server

    # ---- plumbing ----------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.server.owner._register_connection(self.request)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._unregister_connection(self.request)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.owner.log_requests:
            super().log_message(format, *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, unknown method) in the JSON envelope too."""
        self.close_connection = True
        text = message or HTTPStatus(code).phrase
        envelope = ApiError(code, text).envelope()
        body = to_json(envelope)
        self.send_response(code, message)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        if self.server.api:
            self.send_header("x-request-id", new_request_id())
        self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)

    # ---- one request -------------------------------------------------------------------

    def _dispatch(self) -> None:
        try:
            self._handle_request()
        except _CONNECTION_ERRORS:
            self.close_connection = True
        except OSError:  # e.g. the socket was closed by stop() or by a reset fault
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def _handle_request(self) -> None:
        owner = self.server.owner
        api = self.server.api
        started = time.monotonic()
        target = urlsplit(self.path)
        path, method = target.path, self.command
        headers = _lower_headers(self.headers.items())
        fault = owner._faults.take(api_origin=api, path=path)
        request_id = new_request_id() if api else ""

        upload_limit = fault.after_bytes if fault and fault.kind == "reset_during_upload" else None
        try:
            body, complete = read_body(
                self.rfile, headers, limit=upload_limit, max_bytes=MAX_REQUEST_BODY
            )
        except (BadRequestBody, OverflowError) as exc:
            self._refuse_body(method, path, headers, request_id, exc)
            return
        form = parse_form(headers.get("content-type"), body) if body else Form()
        query = parse_query(target.query)
        fields = form.fields if form.is_multipart else query
        silent = not complete or (
            fault is not None and fault.kind in ("reset_during_upload", "stall_before_headers")
        )
        recorded = RecordedRequest(
            method=method,
            path=path,
            headers=headers,
            fields=fields,
            files=list(form.files),
            body_complete=complete,
            request_id="" if silent else request_id,
            query=query,
            json=_json_or_none(form, body),
        )
        owner._record(api, recorded)
        if fault is not None and fault.kind == "reset_during_upload":
            self.close_connection = True
            reset_connection(self.request, self.rfile)
            return
        if not complete:  # the client went away mid-upload: nobody left to answer
            self.close_connection = True
            return
        if fault is not None and fault.kind == "stall_before_headers":
            owner._gate.wait(fault.seconds)
            self.close_connection = True  # then just close (FIN), having said nothing
            return
        if api and method == "POST" and "/images" in path and owner.answer_delay > 0:
            owner._gate.pause(owner.answer_delay)  # this request's thread only: others go on

        try:
            if api:
                answer = self._api_answer(
                    method, path, headers, form, fault, request_id, query=query, body=body
                )
            elif fault is not None and fault.kind in ERROR_KINDS:
                answer = fault_error_answer(fault, form, path, request_id)
            else:
                answer = file_answer(owner._store, _routing_method(method), path, target.query)
        except ApiError as error:
            answer = error.answer()
        except ServerStopping:
            raise
        except Exception as exc:  # a bug in the fake: say so loudly instead of hanging up
            logger.exception("fake-openai failed on %s %s", method, path)
            bug = ApiError(500, f"fake-openai internal error: {exc!r}", type="server_error")
            answer = bug.answer()
        recorded.status = answer.status
        self._send(answer, request_id, fault, started)

    def _refuse_body(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        request_id: str,
        exc: Exception,
    ) -> None:
        owner = self.server.owner
        owner._record(
            self.server.api,
            RecordedRequest(method, path, headers, {}, [], False, request_id),
        )
        self.close_connection = True  # the unread body makes the connection unusable
        if isinstance(exc, OverflowError):
            error = ApiError(413, "Request body too large.", code="request_too_large")
        else:
            error = ApiError(400, f"Invalid request framing: {exc}.")
        answer = error.answer()
        answer.headers.append(("connection", "close"))
        self._send(answer, request_id, None, time.monotonic())

    # ---- API routes --------------------------------------------------------------------

    def _api_answer(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        form: Form,
        fault: Fault | None,
        request_id: str,
        *,
        query: dict[str, list[str]],
        body: bytes,
    ) -> Answer:
        owner = self.server.owner
        # Faults come before any validation, so they answer even perfectly valid requests.
        if fault is not None and fault.kind in ERROR_KINDS:
            return fault_error_answer(fault, form, path, request_id)
        if fault is not None and fault.kind == "stream_error":
            if path == EDITS_PATH and (form.fields.get("stream") or [""])[-1].lower() == "true":
                return stream_error_answer(
                    form,
                    pause=owner._gate.pause,
                    delay=owner.stream_delay,
                    keepalive=owner.stream_keepalive,
                )
            return ApiError(
                500,
                "The server had an error while processing your request. Sorry about that!",
                type="server_error",
            ).answer()

        if owner.dialect == OPENROUTER:
            return openrouter_answer(owner, _routing_method(method), path, headers, body)
        if owner.dialect == AZURE:
            # Azure's edit becomes the OpenAI edit it stands for, checked by the same rules.
            form = azure_edit_form(owner, method, path, query, headers, form)
            path = MODELS_PATH if path == AZURE_V1_MODELS else EDITS_PATH
        else:
            owner._check_auth(headers)
        routing_method = _routing_method(method)
        model_id = (
            path.removeprefix(MODELS_PATH + "/") if path.startswith(MODELS_PATH + "/") else None
        )
        allowed = ("GET",) if model_id else _ROUTES.get(path)
        if allowed is None:
            raise ApiError(404, f"Invalid URL ({method} {path})")
        if routing_method not in allowed:
            raise ApiError(
                405,
                f"Invalid method for URL ({method} {path})",
                headers=[("allow", ", ".join(allowed))],
            )
        if model_id is not None:
            return model_answer(owner.models, model_id)
        if path == MODELS_PATH:
            return models_answer(owner.models)
        if path == EDITS_PATH:
            edit = validate_edit(form, owner._live_image_models(), owner.gateway)
            if edit.stream and fault is not None and fault.kind == "endless_event":
                return endless_event_answer(
                    edit, total_bytes=fault.total_bytes, seconds=fault.seconds
                )
            if edit.stream:
                return edit_stream_answer(
                    edit,
                    pause=owner._gate.pause,
                    delay=owner.stream_delay,
                    keepalive=owner.stream_keepalive,
                    done_marker=owner.stream_done_marker,
                )
            return edit_answer(edit)
        if not owner.legacy_gateway:
            raise variations_retired()
        variation = validate_variation(form)
        url_fault = fault if fault is not None and fault.kind in URL_KINDS else None
        return variation_answer(
            variation, store=owner._store, files_origin=owner.files_origin, url_fault=url_fault
        )

    # ---- sending -----------------------------------------------------------------------

    def _send(self, answer: Answer, request_id: str, fault: Fault | None, started: float) -> None:
        owner = self.server.owner
        self.send_response(answer.status)
        self.send_header("content-type", answer.content_type)
        if request_id:
            self.send_header("x-request-id", request_id)
        if self.server.api:
            self.send_header("openai-version", "2020-10-01")
            elapsed_ms = int((time.monotonic() - started) * 1000)
            self.send_header("openai-processing-ms", str(elapsed_ms))
        for name, value in answer.headers:
            self.send_header(name, value)
        streamed = answer.chunks is not None
        chunked = streamed and answer.content_length is None
        if chunked:
            self.send_header("transfer-encoding", "chunked")
        else:
            length = answer.content_length if streamed else len(answer.body)
            self.send_header("content-length", str(length))
        self.end_headers()
        if self.command == "HEAD":
            return

        kind = fault.kind if fault is not None else ""
        cut_after = (
            fault.after_bytes if fault and kind in ("reset_mid_body", "truncated_body") else None
        )
        trickle = fault.seconds if fault and kind == "slow_trickle" else 0.0
        writer = BodyWriter(self.wfile.write, owner._gate, cut_after=cut_after)
        if answer.chunks is None:
            writer.write(answer.body, duration=trickle)
        else:
            per_chunk = trickle / max(1, answer.expected_chunks)
            iterator = iter(answer.chunks)
            try:
                for piece in iterator:
                    if not piece:
                        continue
                    framed = f"{len(piece):X}\r\n".encode() + piece + b"\r\n" if chunked else piece
                    if not writer.write(framed, duration=per_chunk):
                        break
                else:
                    if chunked:
                        writer.write(b"0\r\n\r\n")
            finally:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()
        if kind == "reset_mid_body":
            self.close_connection = True
            reset_connection(self.request, self.rfile)
        elif kind == "truncated_body":
            self.close_connection = True  # socketserver then shuts down cleanly: FIN, not RST


def _json_or_none(form: Form, body: bytes) -> object:
    if form.content_type != "application/json" or not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _routing_method(method: str) -> str:
    return "GET" if method == "HEAD" else method


def _lower_headers(items: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in items:
        key = str(name).lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else str(value)
    return headers


class FakeOpenAI:
    """A real local server imitating the OpenAI Images API; see the package docstring."""

    def __init__(
        self,
        *,
        legacy_gateway: bool = False,
        api_key: str | None = None,
        models: list[dict[str, Any]] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        gateway: Gateway | None = None,
        dialect: str = "openai",
        deployments: dict[str, str] | None = None,
    ) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {DIALECTS}")
        # "azure" or "openrouter": that service's paths, auth and body (see dialects.py).
        self.dialect = dialect
        # Azure: deployment name -> the model it runs.
        self.deployments = dict(DEFAULT_DEPLOYMENTS if deployments is None else deployments)
        self.legacy_gateway = legacy_gateway
        # How a relay differs from OpenAI; changeable at any time (tests flip it between runs).
        self.gateway = gateway or Gateway()
        self.api_key = api_key  # None: any non-empty Bearer token is accepted
        self.models: list[dict[str, Any]] = (
            models if models is not None else default_models(legacy_gateway=legacy_gateway)
        )
        self.host = host
        self.port = port
        # Streaming knobs, changeable at any time.
        self.stream_keepalive = True
        self.stream_done_marker = True
        self.stream_delay = 0.0
        # Seconds before answering each POST to an images endpoint, as a slow model takes.
        self.answer_delay = 0.0
        self.log_requests = False  # the standalone server turns this on
        self.base_url = ""
        self.files_origin = ""
        self.requests: list[RecordedRequest] = []
        self.file_requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._faults = FaultQueue()
        self._gate = StallGate()
        self._store = FileStore()
        self._servers: list[_Server] = []
        self._serve_threads: list[threading.Thread] = []
        self._handler_threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()
        self._stopping = False

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        if self._servers:
            raise RuntimeError("FakeOpenAI is already running")
        self._gate = StallGate()
        self._stopping = False
        api = _Server((self.host, self.port), self, api=True)
        files = _Server((self.host, 0), self, api=False)
        self._servers = [api, files]
        origin = _origin(self.host, api.server_port)
        # Azure: the resource URL (paths start /openai/...); OpenRouter: its /api/v1.
        suffix = {AZURE: "", OPENROUTER: "/api/v1"}.get(self.dialect, "/v1")
        self.base_url = origin + suffix
        self.files_origin = _origin(self.host, files.server_port)
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.02},  # how long shutdown() may have to wait
                name="fake-openai-serve",
                daemon=True,
            )
            self._serve_threads.append(thread)
            thread.start()
        return self

    def stop(self) -> None:
        if not self._servers:
            return
        deadline = time.monotonic() + _STOP_JOIN_SECONDS
        with self._lock:
            self._stopping = True
            connections = list(self._connections)
        self._gate.stop()
        # shutdown() waits up to one poll interval per server: wait for both at once.
        stoppers = [threading.Thread(target=server.shutdown) for server in self._servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for server in self._servers:
            server.server_close()
        for connection in connections:
            # Unblocks handlers reading an idle keep-alive connection or writing to a slow one.
            _shutdown_socket(connection)
        with self._lock:
            threads = self._serve_threads + self._handler_threads
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._servers = []
        self._serve_threads = []
        with self._lock:
            self._handler_threads = [t for t in self._handler_threads if t.is_alive()]

    def __enter__(self) -> FakeOpenAI:
        return self if self._servers else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- test controls -----------------------------------------------------------------

    def inject(self, fault: Fault, *, path: str | None = None, times: int = 1) -> None:
        """Queue `fault` for the next `times` requests matching `path` (None: any API path;
        shell-style patterns such as "/files/*" also match requests on the files origin)."""
        self._faults.add(fault, path, times)

    def release_stalls(self) -> None:
        self._gate.release_all()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.file_requests.clear()
        self._faults.clear()

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests + self.file_requests if r.path == path)

    # ---- used by handlers --------------------------------------------------------------

    def _record(self, api: bool, request: RecordedRequest) -> None:
        with self._lock:
            (self.requests if api else self.file_requests).append(request)

    def _check_auth(self, headers: Mapping[str, str]) -> None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). "
                "You can obtain an API key from https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        if self.api_key is not None and token != self.api_key:
            shown = f"{token[:3]}{'*' * max(0, len(token) - 7)}{token[-4:]}"
            raise ApiError(
                401,
                f"Incorrect API key provided: {shown}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )

    def _live_image_models(self) -> set[str]:
        ids = {str(model.get("id", "")) for model in self.models}
        return {i for i in ids if is_image_model(i) and i not in RETIRED_MODELS}

    def _track_thread(self, thread: threading.Thread) -> None:
        with self._lock:
            self._handler_threads = [t for t in self._handler_threads if t.is_alive()]
            self._handler_threads.append(thread)

    def _register_connection(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)
            stopping = self._stopping
        if stopping:  # accepted just as stop() ran: do not let it block the join
            _shutdown_socket(connection)

    def _unregister_connection(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)


def _origin(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _shutdown_socket(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        return  # already closed by its handler
