"""The special servers of the campaign: nothing listening, an untrusted https server, a proxy
from the environment; and the byte offset that cuts a streamed answer after its first image."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import selectors
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

LOOPBACK = "127.0.0.1"
UNRESOLVABLE_BASE_URL = "https://api.fault-campaign.invalid/v1"  # RFC 2606: never resolves
# Not this computer by its name; reached (were it allowed) only through the proxy variables.
PLAIN_HTTP_BASE_URL = "http://api.fault-campaign.test/v1"


def closed_port_base_url() -> str:
    """A base URL on a loopback port that was free a moment ago: connections are refused."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = probe.getsockname()[1]
    return f"http://{LOOPBACK}:{port}/v1"


# -- an https server whose certificate nobody trusts --------------------------------------------


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself. No system trust store contains it.

    Made with the `cryptography` package (here through SecretStorage, keyring's Linux backend),
    or with the openssl command line where that package is missing."""
    cert_path, key_path = folder / "untrusted-cert.pem", folder / "untrusted-key.pem"
    try:
        from cryptography import x509
    except ImportError:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
             "-subj", "/CN=fault-campaign.test",
             "-addext", f"subjectAltName=DNS:localhost,IP:{LOOPBACK}",
             "-keyout", str(key_path), "-out", str(cert_path)],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        return cert_path, key_path
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fault-campaign.test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class UntrustedTlsServer:
    """Accepts TLS connections with a self-signed certificate; counts handshakes that were
    attempted and HTTP requests that arrived (there must be none: the client refuses first)."""

    def __init__(self, folder: Path) -> None:
        cert, key = self_signed_certificate(folder)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert, key)
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="campaign-tls", daemon=True)
        self.handshakes = 0
        self.requests: list[bytes] = []
        port = self._listener.getsockname()[1]
        self.base_url = f"https://{LOOPBACK}:{port}/v1"

    def start(self) -> UntrustedTlsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self.handshakes += 1
                conn.settimeout(5)
                try:
                    with self._context.wrap_socket(conn, server_side=True) as tls:
                        head = tls.recv(4096)
                        if head:
                            self.requests.append(head.split(b"\r\n", 1)[0])
                except (ssl.SSLError, OSError):
                    continue  # the client hung up on the certificate: as it should


# -- a proxy from the environment ---------------------------------------------------------------


@dataclass
class ProxyUse:
    method: str
    target: str


@dataclass
class RecordingProxy:
    """A tiny HTTP proxy: absolute-URI requests are forwarded, CONNECT is tunnelled. It records
    each request line it saw (never the headers: they carry the key)."""

    used: list[ProxyUse] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.url = f"http://{LOOPBACK}:{self._listener.getsockname()[1]}"

    def start(self) -> RecordingProxy:
        self._spawn(self._serve)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in list(self._threads):
            thread.join(5)
        self._listener.close()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name="campaign-proxy", daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._spawn(self._handle, conn)

    def _handle(self, client: socket.socket) -> None:
        with client:
            client.settimeout(30)
            head = b""
            while b"\r\n\r\n" not in head:
                piece = client.recv(65536)
                if not piece:
                    return
                head += piece
            line, _, rest = head.partition(b"\r\n")
            method, target, version = line.decode("latin-1").split(" ", 2)
            with self._lock:
                self.used.append(ProxyUse(method, target))
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = socket.create_connection((host, int(port)), timeout=30)
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                leftover = rest.partition(b"\r\n\r\n")[2]
            else:
                parts = urlsplit(target)
                upstream = socket.create_connection(
                    (parts.hostname or LOOPBACK, parts.port or 80), timeout=30
                )
                origin_form = parts.path + (f"?{parts.query}" if parts.query else "")
                headers, _, body = rest.partition(b"\r\n\r\n")
                # One request per connection, so that each one passes by the recorder: ask
                # both sides to close after it.
                kept = [
                    h for h in headers.split(b"\r\n")
                    if not h.lower().startswith((b"connection:", b"proxy-connection:"))
                ]  # fmt: skip
                leftover = (
                    f"{method} {origin_form} {version}\r\n".encode("latin-1")
                    + b"\r\n".join([*kept, b"Connection: close"])
                    + b"\r\n\r\n"
                    + body
                )
            with upstream:
                if leftover:
                    upstream.sendall(leftover)
                self._relay(client, upstream, close_after_answer=method != "CONNECT")

    def _relay(
        self, a: socket.socket, b: socket.socket, *, close_after_answer: bool = False
    ) -> None:
        """Bytes both ways until both sides are done; a reset on one side resets the other.
        ``close_after_answer``: the answer's head (from ``b``) gets ``Connection: close``."""
        peer = {a: b, b: a}
        head = b"" if close_after_answer else None
        with selectors.DefaultSelector() as selector:
            for sock in (a, b):
                sock.setblocking(False)
                selector.register(sock, selectors.EVENT_READ)
            open_ends = 2
            while open_ends and not self._stop.is_set():
                for key, _ in selector.select(timeout=0.2):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    try:
                        data = source.recv(65536)
                    except BlockingIOError:
                        continue
                    except OSError:
                        return  # a reset: closing both ends passes it on
                    if head is not None and source is b and data:
                        head += data
                        if b"\r\n\r\n" not in head:
                            continue
                        data, head = _closing_head(head), None
                    if not data:
                        selector.unregister(source)
                        open_ends -= 1
                        with contextlib.suppress(OSError):
                            peer[source].shutdown(socket.SHUT_WR)
                        continue
                    try:
                        peer[source].setblocking(True)
                        peer[source].sendall(data)
                        peer[source].setblocking(False)
                    except OSError:
                        return


def _closing_head(answer: bytes) -> bytes:
    head, _, rest = answer.partition(b"\r\n\r\n")
    lines = [
        h for h in head.split(b"\r\n") if not h.lower().startswith(b"connection:")
    ]  # fmt: skip
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + rest


# -- where to cut a streamed answer ---------------------------------------------------------------


def stream_cut_after_first_image(base_url: str, key: str, photo: Path, n: int) -> int:
    """The byte offset half-way through the second finished image of a streamed edit of
    ``photo``: a reset there leaves exactly one image arrived. Measured against a throwaway
    server (``base_url``) with the request the app itself would build."""
    from desktop_app.core.imaging import open_image
    from desktop_app.core.variation import VariationSettings, build_request, prepare_upload

    settings = VariationSettings(n=n, stream=True)
    upload = prepare_upload(open_image(photo), None, settings)
    request = build_request(upload, settings, "gpt-image-2")
    files = {"image": (upload.filename, upload.data, upload.mime_type)}
    with httpx.Client(base_url=base_url + "/", timeout=60) as client:
        answer = client.post(
            "images/edits",
            data=dict(request.form()),
            files=files,
            headers={"Authorization": f"Bearer {key}", "Accept": "text/event-stream"},
        )
    answer.raise_for_status()
    body = answer.content
    ends: list[int] = []
    start = 0
    while (found := body.find(b"image_edit.completed", start)) >= 0:
        end = body.find(b"\n\n", found)
        ends.append(end)
        start = end
    if len(ends) < 2:
        raise AssertionError(f"calibration stream had {len(ends)} finished images")
    return ends[0] + (ends[1] - ends[0]) // 2
