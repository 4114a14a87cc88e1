"""The one table of the fault campaign: each case, how it is provoked and what must come of it.

Both surfaces (tests/campaign/test_cli_campaign.py and test_window_campaign.py) run every row.
The window says the same sentence as the command line (both render ``str(error)``), so one
fragment serves both; the window shows failures in its message banner at level "error".

``requests`` counts what the server saw on the case's endpoint (``/v1/images/edits`` or
``/v1/images/variations``): more than one only where API.md allows a retry because nothing was
billed (429 and 5xx error answers, a connection that broke before the upload was complete).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tests.fake_openai import Fault

EDITS = "/v1/images/edits"
VARIATIONS = "/v1/images/variations"
OVERSIZED = 64 * 1024 * 1024 + 1  # one byte over the client's 64 MiB cap on a downloaded result

# How a case is provoked.
SERVER_FAULT = "server fault"  # FakeOpenAI.inject(...)
REFUSED = "connection refused"  # a port with nothing listening
DNS = "dns failure"  # a .invalid host name
TLS = "untrusted tls"  # an https server with a self-signed certificate
PROXY = "proxy from env"  # HTTP(S)_PROXY/ALL_PROXY point at a local recording proxy
# A plain-http base URL on a name that is not this computer, with the proxy variables pointing
# at the fake server: had anything been sent (with the key), the server would have seen it.
PLAIN_HTTP = "plain http base url"

EXIT_OK, EXIT_USAGE, EXIT_REFUSED, EXIT_NETWORK = 0, 2, 4, 5
ENDLESS = 64 * 1024 * 1024 + 4 * 1024 * 1024  # past the client's 64 MiB cap on one event
BILLED = "may have been billed"
NOT_BILLED = "Nothing was billed"


@dataclass(frozen=True)
class Case:
    name: str
    provoke: str = SERVER_FAULT
    fault: Fault | None = None
    fault_path: str = EDITS
    times: int = 1
    # The request: edit mode (the default) or the classic endpoint of a legacy gateway.
    classic: bool = False
    response_format: str = "b64_json"
    stream: bool = False  # the command line; the window streams edit runs as it does by default
    n: int = 1
    noise: bool = False  # a noisy photo: an upload larger than the socket buffers
    deadline: float = 20.0  # --timeout / the window's deadline; small only where it matters
    # What must come of it.
    exit_code: int = EXIT_OK
    says: tuple[str, ...] = ()  # fragments of the CLI's stderr and of the window's banner
    requests: int = 1  # on the case's endpoint
    kept: int | None = None  # images kept (library, saved files, window); None: n on success
    # A reset during the upload races the kernel's socket buffers: when the whole body fit into
    # them before the reset came, the client rightly counts it as sent (so maybe billed) and
    # does not send it again. Either outcome is correct; which one happened is told by the
    # number of requests the server saw, and the rest of the case must then match it.
    upload_race: bool = False

    def as_seen(self, requests_seen: int) -> Case:
        """The case's expectations once the server's count tells which side of a race won."""
        if self.upload_race and requests_seen == 1:
            return dataclasses.replace(
                self, exit_code=EXIT_NETWORK, says=("may have been billed",), requests=1
            )
        return self

    @property
    def endpoint(self) -> str:
        return VARIATIONS if self.classic else EDITS

    @property
    def succeeds(self) -> bool:
        return self.exit_code == EXIT_OK

    @property
    def images_kept(self) -> int:
        if self.kept is not None:
            return self.kept
        return self.n if self.succeeds else 0


def _refusal(name: str, fault: Fault, *says: str, times: int = 3) -> Case:
    """An API.md section 6 refusal: explained, never retried (queued 3 times to catch a retry)."""
    return Case(name, fault=fault, times=times, exit_code=EXIT_REFUSED, says=says, requests=1)


CASES: tuple[Case, ...] = (
    # -- API.md section 6 ------------------------------------------------------------------
    _refusal("invalid_api_key", Fault("invalid_api_key"), "API key was rejected", "Settings"),
    _refusal("org_not_verified", Fault("org_not_verified"), "must be verified", "platform.openai"),
    _refusal("model_not_found", Fault("model_not_found"), "is not available", "Try "),
    _refusal("moderation_blocked", Fault("moderation_blocked"), "safety system", "Nothing was"),
    _refusal(
        "unsupported_file_mimetype",
        Fault("unsupported_file_mimetype"),
        "did not accept the picture",
        "unsupported mimetype",
    ),
    _refusal(
        "invalid_image_file", Fault("invalid_image_file"), "did not accept the picture", "image"
    ),
    _refusal("unknown_parameter", Fault("unknown_parameter"), "did not understand", "report it"),
    Case(
        "rate_limit_then_ok",
        fault=Fault("rate_limit", retry_after="30", retry_after_ms="200"),  # -ms wins
        requests=2,
    ),
    Case(
        "rate_limit_persistent",
        fault=Fault("rate_limit", retry_after="0"),
        times=5,
        exit_code=EXIT_REFUSED,
        says=("rate-limiting",),
        requests=3,
    ),
    _refusal("insufficient_quota", Fault("insufficient_quota"), "run out of credit", "billing"),
    Case(
        "server_error_500_persistent",
        fault=Fault("server_error", status=500),
        times=5,
        exit_code=EXIT_NETWORK,
        says=("server had a problem (500) after 3 tries",),
        requests=3,
    ),
    Case(
        "server_error_502_html_persistent",
        fault=Fault("server_error", status=502),
        times=5,
        exit_code=EXIT_NETWORK,
        says=("server had a problem (502) after 3 tries",),
        requests=3,
    ),
    Case("server_error_503_once", fault=Fault("server_error", status=503), requests=2),
    Case(
        "error_event_mid_stream",
        fault=Fault("stream_error"),
        stream=True,
        exit_code=EXIT_NETWORK,
        says=("server had a problem",),
    ),
    # -- the network ---------------------------------------------------------------------------
    Case(
        "connection_refused",
        provoke=REFUSED,
        exit_code=EXIT_NETWORK,
        says=("Could not connect", NOT_BILLED),
        requests=0,
    ),
    Case(
        "dns_failure",
        provoke=DNS,
        exit_code=EXIT_NETWORK,
        says=("name could not be found", NOT_BILLED),
        requests=0,
    ),
    Case(
        "untrusted_tls_certificate",
        provoke=TLS,
        exit_code=EXIT_NETWORK,
        says=("certificate is not trusted", "nothing was sent"),
        requests=0,
    ),
    Case(
        "stall_before_headers",
        fault=Fault("stall_before_headers", seconds=30),
        deadline=3.0,
        exit_code=EXIT_NETWORK,
        says=("took too long", BILLED),
    ),
    Case(
        "reset_during_upload",
        fault=Fault("reset_during_upload", after_bytes=64 * 1024),
        noise=True,
        requests=2,  # the first body never arrived whole: nothing billed, so tried again
        upload_race=True,
    ),
    Case(
        "reset_mid_answer",
        fault=Fault("reset_mid_body", after_bytes=100),
        exit_code=EXIT_NETWORK,
        says=("connection broke", BILLED),
    ),
    Case(
        # after_bytes is worked out per session: half-way through the second finished image.
        "reset_mid_stream_keeps_arrived",
        fault=Fault("reset_mid_body"),
        stream=True,
        n=3,
        exit_code=EXIT_NETWORK,
        says=("1 image(s) that had arrived were kept", BILLED),
        kept=1,
    ),
    Case(
        "truncated_body",
        fault=Fault("truncated_body", after_bytes=100),
        exit_code=EXIT_NETWORK,
        says=(BILLED,),
    ),
    Case("slow_trickle", fault=Fault("slow_trickle", seconds=2.0)),
    Case(
        "expired_result_url",
        fault=Fault("expired_url"),
        fault_path=VARIATIONS,
        classic=True,
        response_format="url",
        exit_code=EXIT_NETWORK,
        says=("downloading them failed", BILLED),
    ),
    Case(
        "reset_mid_download",
        fault=Fault("reset_mid_body", after_bytes=2000),
        fault_path="/files/*",
        classic=True,
        response_format="url",
        exit_code=EXIT_NETWORK,
        says=("downloading them failed", BILLED),
    ),
    Case(
        "oversized_body_declared",
        fault=Fault("oversized_url", total_bytes=OVERSIZED),
        fault_path=VARIATIONS,
        classic=True,
        response_format="url",
        exit_code=EXIT_NETWORK,
        says=("downloading them failed", BILLED),
    ),
    Case(
        "oversized_body_streamed",
        fault=Fault("oversized_url", total_bytes=OVERSIZED, chunked=True),
        fault_path=VARIATIONS,
        classic=True,
        response_format="url",
        exit_code=EXIT_NETWORK,
        says=("downloading them failed", BILLED),
    ),
    Case(
        # BUG (desktop_app, open): a result link that serves 2 MiB of junk behind a PNG
        # signature is saved and recorded as a finished image, exit 0. The client sniffs the
        # magic bytes only; it should refuse a result that does not decode. Kept failing.
        "junk_result_download",
        fault=Fault("oversized_url", total_bytes=2 * 1024 * 1024),
        fault_path=VARIATIONS,
        classic=True,
        response_format="url",
        exit_code=EXIT_NETWORK,
        says=(BILLED,),
    ),
    Case("proxy_from_environment", provoke=PROXY),
    Case(
        # One event whose data line never ends, after the first finished image: cut off at the
        # client's cap on one event, the image that arrived kept.
        "endless_event",
        fault=Fault("endless_event", total_bytes=ENDLESS, seconds=30),
        stream=True,
        n=2,
        exit_code=EXIT_NETWORK,
        says=("could not be read", "1 image(s) that had arrived were kept", BILLED),
        kept=1,
    ),
    Case(
        "plain_http_base_url",
        provoke=PLAIN_HTTP,
        exit_code=EXIT_USAGE,
        says=("unencrypted", "nothing was sent"),
        requests=0,
    ),
)

CASE_IDS = [case.name for case in CASES]
