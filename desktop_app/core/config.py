"""Where the API lives and how patient to be with it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from desktop_app.core.dialects import ServerKind
from desktop_app.core.retry import RetryPolicy
from desktop_app.core.servers import DEFAULT_BASE_URL as DEFAULT_BASE_URL  # re-exported


class InsecureBaseUrl(ValueError):
    """A plain ``http://`` base URL on another computer, not allowed by the user: refused
    before anything is sent, because the key would travel unencrypted."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(
            f"The base URL uses plain http to {host}, which would send the API key "
            "unencrypted, so nothing was sent: use https, or allow plain http for this "
            "connection (Settings → Connection, or --allow-insecure-http)."
        )


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    # The server sends nothing while it draws: a high-quality edit can take minutes.
    read: float = 360.0
    write: float = 120.0
    deadline: float = 600.0  # the whole request, retries and waits included

    def __post_init__(self) -> None:
        for name in ("connect", "read", "write", "deadline"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Timeout {name} must be more than 0 seconds.")


@dataclass(frozen=True)
class ClientConfig:
    """Where the API lives. For Azure ``base_url`` is the resource URL
    (``https://<resource>.openai.azure.com``) and ``deployment`` / ``api_version`` say the rest;
    :mod:`desktop_app.core.dialects` turns these into paths and headers."""

    base_url: str = DEFAULT_BASE_URL
    organization: str | None = None
    project: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_download_bytes: int = 64 * 1024 * 1024
    download_deadline: float = 120.0
    kind: ServerKind = ServerKind.OPENAI
    deployment: str | None = None  # Azure: the deployment, sent as the model
    api_version: str | None = None  # Azure: None = dialects.AZURE_DEFAULT_API_VERSION
    # Plain http to another computer sends the key unencrypted: only when the user said so.
    allow_insecure_http: bool = False

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"The base URL {self.base_url!r} is not an http(s) address.")
        if (
            parts.scheme == "http"
            and not is_loopback_host(parts.hostname)
            and not self.allow_insecure_http
        ):
            raise InsecureBaseUrl(parts.hostname)
        object.__setattr__(self, "kind", ServerKind(self.kind))
        if self.kind is ServerKind.AZURE and not (self.deployment or "").strip():
            raise ValueError("An Azure OpenAI connection needs the deployment name.")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
