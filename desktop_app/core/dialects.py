"""How each kind of server differs from OpenAI's own API (API.md section 8), in one place.

The client speaks one protocol (an edit from an :class:`~desktop_app.core.requests.EditRequest`,
a model list, a :class:`~desktop_app.core.results.RunResult`); a :class:`Dialect` says how that
protocol is spelt on the wire for one kind of server: the auth header, the path and query of
each call, how the request body is encoded and how the model list reads.

- OpenAI and compatible servers: Bearer auth, multipart ``images/edits``, ``GET models``.
- Azure OpenAI: ``api-key`` header (never Authorization), ``api-version`` in the query, the
  deployment name as ``model``; no classic variations. Its model list names base models, not
  deployments (those are listed by the management API), so the deployment is the list.
- OpenRouter: Bearer auth, no ``images/edits``: its Unified Image API takes JSON at ``images``
  with the picture as a data URL in ``input_references``; ``images/models`` lists the models
  with the request fields each accepts.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit, urlunsplit

from desktop_app.core.models import ModelInfo, choose_default_model, image_models
from desktop_app.core.requests import MASK_FILENAME, MASK_MIME_TYPE, InvalidRequest

# Re-exported: these names were defined here before servers.py (a start-up saving).
from desktop_app.core.servers import OPENROUTER_BASE_URL as OPENROUTER_BASE_URL
from desktop_app.core.servers import ServerKind as ServerKind
from desktop_app.core.servers import offers_classic as offers_classic

if TYPE_CHECKING:
    import httpx

    from desktop_app.core.config import ClientConfig
    from desktop_app.core.imaging import Upload

FormFields = list[tuple[str, str]]


KIND_LABELS: Final[Mapping[ServerKind, str]] = {
    ServerKind.OPENAI: "OpenAI or compatible",
    ServerKind.AZURE: "Azure OpenAI",
    ServerKind.OPENROUTER: "OpenRouter",
}
MASKS_REFUSED: Final = (
    "{server} takes no region mask, and sending the picture without it would vary all of it: "
    "vary the whole picture, or use an OpenAI or Azure server for a region."
)
# Azure's v1 API ("preview" or "latest") serves GPT Image edits at /openai/v1; dated versions
# use the older per-deployment path, and versions before 2025-04-01-preview 404 on edits.
AZURE_DEFAULT_API_VERSION: Final = "preview"
AZURE_V1_VERSIONS: Final = ("preview", "latest", "v1")
_DATED_VERSION: Final = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
_DEPLOYMENT: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Endpoint:
    """One call: a path relative to the base URL, and its query."""

    path: str
    params: Mapping[str, str] = field(default_factory=dict)


class Dialect:
    """OpenAI's own spelling; the other kinds override what differs."""

    kind: ServerKind = ServerKind.OPENAI
    offers_classic: bool = True
    # Whether its edit takes a region ``mask`` part. OpenAI and Azure document one; a server
    # without it must refuse a masked run (sending the picture alone would vary all of it).
    accepts_masks: bool = True

    def __init__(self, config: ClientConfig) -> None:
        self._config = config

    def auth_headers(self, key: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {key}"}
        if self._config.organization:
            headers["OpenAI-Organization"] = self._config.organization
        if self._config.project:
            headers["OpenAI-Project"] = self._config.project
        return headers

    def edit_endpoint(self) -> Endpoint:
        return Endpoint("images/edits")

    def variations_endpoint(self) -> Endpoint | None:
        """None: this kind of server has no classic variations."""
        return Endpoint("images/variations") if self.offers_classic else None

    def models_endpoint(self) -> Endpoint | None:
        """None: the list is known without asking (see :meth:`models_from`)."""
        return Endpoint("models")

    def edit_form(self, form: FormFields) -> FormFields:
        """The edit's fields as this server wants them (before learnt rules apply)."""
        return form

    def encode(
        self,
        http: httpx.AsyncClient,
        endpoint: Endpoint,
        form: FormFields,
        upload: Upload,
        mask: Upload | None = None,
    ) -> tuple[bytes, str]:
        """The request body and its Content-Type, built once so every retry sends the same bytes.

        A region mask goes as its own ``mask`` part, always ``mask.png`` / ``image/png`` (the
        only kind the edits endpoint takes), after the image it applies to."""
        files: list[tuple[str, tuple[str, bytes, str]]] = [
            ("image", (upload.filename, upload.data, upload.mime_type))
        ]
        if mask is not None:
            files.append(("mask", (MASK_FILENAME, mask.data, MASK_MIME_TYPE)))
        request = http.build_request("POST", endpoint.path, data=dict(form), files=files)
        return request.read(), request.headers["Content-Type"]

    def models_from(self, entries: Iterable[Mapping[str, Any]]) -> list[ModelInfo]:
        models = (ModelInfo.from_json(e) for e in entries)
        return image_models(m for m in models if m is not None)

    def default_model(self, models: Iterable[ModelInfo], today: dt.date) -> str | None:
        return choose_default_model(list(models), today)


class AzureDialect(Dialect):
    kind = ServerKind.AZURE
    offers_classic = False  # retired on Azure (API.md section 8)

    def auth_headers(self, key: str) -> dict[str, str]:
        # Azure's own header; Authorization is never sent to Azure (it would carry an OpenAI
        # key there had one been configured), nor OpenAI's organisation and project headers.
        return {"api-key": key}

    def _version(self) -> str:
        return self._config.api_version or AZURE_DEFAULT_API_VERSION

    def _call(self, operation: str) -> Endpoint:
        version = self._version()
        if is_dated_api_version(version):
            deployment = self._config.deployment or ""
            return Endpoint(
                f"openai/deployments/{deployment}/{operation}", {"api-version": version}
            )
        return Endpoint(f"openai/v1/{operation}", {"api-version": version})

    def edit_endpoint(self) -> Endpoint:
        return self._call("images/edits")

    def models_endpoint(self) -> Endpoint | None:
        # Asked only to prove the key and resource work ("Test key"): the answer lists the
        # resource's base models, not its deployments, so the deployment stays the list.
        return Endpoint("openai/v1/models", {"api-version": AZURE_DEFAULT_API_VERSION})

    def edit_form(self, form: FormFields) -> FormFields:
        # On Azure `model` names the deployment, whatever model the window had chosen.
        deployment = self._config.deployment or ""
        return [(name, deployment if name == "model" else value) for name, value in form]

    def models_from(self, entries: Iterable[Mapping[str, Any]]) -> list[ModelInfo]:
        deployment = self._config.deployment
        return [ModelInfo(id=deployment, owned_by="azure")] if deployment else []

    def default_model(self, models: Iterable[ModelInfo], today: dt.date) -> str | None:
        return self._config.deployment


# Form fields OpenRouter's image API documents, and which of them are numbers in its JSON.
# Others (input_fidelity, complexity, safety_identifier) are OpenAI-only and not sent; streaming
# is left out because its event format for images is not documented as OpenAI's is.
_OPENROUTER_FIELDS: Final = frozenset(
    {"prompt", "model", "n", "size", "quality", "background", "output_format",
     "output_compression"}
)  # fmt: skip
_OPENROUTER_NUMBERS: Final = frozenset({"n", "output_compression"})


class OpenRouterDialect(Dialect):
    kind = ServerKind.OPENROUTER
    offers_classic = False
    accepts_masks = False  # its Unified Image API documents no mask (API.md section 8)

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def edit_endpoint(self) -> Endpoint:
        return Endpoint("images")

    def models_endpoint(self) -> Endpoint | None:
        return Endpoint("images/models")

    def edit_form(self, form: FormFields) -> FormFields:
        kept: FormFields = []
        for name, value in form:
            if name not in _OPENROUTER_FIELDS:
                continue
            if name == "size" and value == "auto":
                continue  # its own default; "auto" is not among its documented sizes
            if name == "quality" and value == "auto":
                continue
            kept.append((name, value))
        return kept

    def encode(
        self,
        http: httpx.AsyncClient,
        endpoint: Endpoint,
        form: FormFields,
        upload: Upload,
        mask: Upload | None = None,
    ) -> tuple[bytes, str]:
        if mask is not None:  # the client refuses earlier; never send the picture without it
            raise InvalidRequest(MASKS_REFUSED.format(server=KIND_LABELS[self.kind]))
        body: dict[str, Any] = {}
        for name, value in form:
            body[name] = int(value) if name in _OPENROUTER_NUMBERS else value
        data_url = f"data:{upload.mime_type};base64,{base64.b64encode(upload.data).decode()}"
        body["input_references"] = [{"type": "image_url", "image_url": {"url": data_url}}]
        return json.dumps(body).encode("utf-8"), "application/json"

    def models_from(self, entries: Iterable[Mapping[str, Any]]) -> list[ModelInfo]:
        """Models that take a picture in (a variation needs one), ids like "openai/gpt-image-2"."""
        models: list[ModelInfo] = []
        for entry in entries:
            info = ModelInfo.from_json(entry)
            if info is None:
                continue
            architecture = entry.get("architecture")
            inputs = (
                architecture.get("input_modalities") if isinstance(architecture, Mapping) else None
            )
            if isinstance(inputs, list) and "image" not in inputs:
                continue  # text-to-image only: it cannot vary a picture
            supported = entry.get("supported_parameters")
            parameters = tuple(sorted(supported)) if isinstance(supported, Mapping) else ()
            owner = info.id.split("/", 1)[0] if "/" in info.id else ""
            models.append(ModelInfo(id=info.id, owned_by=owner, parameters=parameters))
        return sorted(models, key=lambda m: m.id)


def offers_masks(kind: ServerKind | str) -> bool:
    """Whether a server of this kind takes a mask (the window's region tool and zoom out)."""
    return _dialect_class(ServerKind(kind)).accepts_masks


def dialect_for(config: ClientConfig) -> Dialect:
    return _dialect_class(config.kind)(config)


def _dialect_class(kind: ServerKind) -> type[Dialect]:
    if kind is ServerKind.AZURE:
        return AzureDialect
    if kind is ServerKind.OPENROUTER:
        return OpenRouterDialect
    return Dialect


# -- checks and helpers for the settings that each kind needs ------------------------------------


def is_dated_api_version(version: str) -> bool:
    """A dated api-version ("2025-04-01-preview") uses the per-deployment path."""
    return bool(_DATED_VERSION.match(version.strip()))


def api_version_problem(version: str) -> str | None:
    text = version.strip()
    if not text or text in AZURE_V1_VERSIONS:
        return None
    if not is_dated_api_version(text):
        return "Use “preview”, or a dated version such as 2025-04-01-preview."
    if text[:10] < "2025-04-01":
        return "Versions before 2025-04-01-preview do not serve image edits; use “preview”."
    return None


def deployment_problem(deployment: str) -> str | None:
    text = deployment.strip()
    if not text:
        return "Enter the name of the image model's deployment in your Azure resource."
    if not _DEPLOYMENT.match(text):
        return "A deployment name has letters, digits, dots, dashes and underscores only."
    return None


@dataclass(frozen=True)
class AzureAddress:
    resource: str  # https://<resource>.openai.azure.com
    deployment: str = ""
    api_version: str = ""


def split_azure_url(url: str) -> AzureAddress:
    """The resource URL, deployment and api-version inside a pasted Azure address, such as
    ``https://r.openai.azure.com/openai/deployments/d/images/edits?api-version=2025-04-01-preview``,
    so people can paste what the Azure portal shows and still get plain fields."""
    parts = urlsplit(url.strip())
    version = (parse_qs(parts.query).get("api-version") or [""])[-1]
    match = re.search(r"/openai/deployments/([^/?#]+)", parts.path)
    resource = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return AzureAddress(resource, match.group(1) if match else "", version)
