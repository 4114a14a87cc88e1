"""The user's preferences: connection profiles, where results go, timeouts, the last choices.

Preferences live in ``settings.json`` in the config folder; the API key never does (it is in the
keyring, see :mod:`desktop_app.core.keystore`). Loading never fails: a missing file gives the
defaults, an unreadable one is kept aside as ``settings.json.bad-<time>`` and each field that is
missing, of the wrong type or out of range falls back to its own default. Saving writes a
temporary file in the same folder, flushes it to disk and renames it over the old one, so a crash
leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import math
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from desktop_app.core.batch.items import MOST_JOBS
from desktop_app.core.capabilities import MAX_VARIATIONS, OUTPUT_FORMATS
from desktop_app.core.fsio import replace_atomically
from desktop_app.core.imaging.shape import Shape
from desktop_app.core.naming import DEFAULT_TEMPLATE, render_filename
from desktop_app.core.paths import config_folder, default_output_folder
from desktop_app.core.prompts import Strength
from desktop_app.core.servers import DEFAULT_BASE_URL, OPENROUTER_BASE_URL, ServerKind
from desktop_app.core.variation import ZOOM_OUTS, Mode, VariationSettings

if TYPE_CHECKING:  # the client's configuration is built later, not at start-up (servers.py)
    from desktop_app.core.config import ClientConfig, Timeouts

__all__ = [
    "BASE_URL_ENV_VAR",
    "DEFAULT_PROFILE",
    "FILE_NAME",
    "MAX_PROFILE_NAME",
    "SAVE_FORMATS",
    "TIMEOUT_LIMITS",
    "VERSION",
    "Preferences",
    "PreferencesStore",
    "Profile",
    "base_url_caution",
    "base_url_problem",
    "effective_base_url",
    "looks_like_api_key",
    "profile_name_problem",
    "profile_problem",
    "template_example",
]

log = logging.getLogger(__name__)

VERSION: Final = 1
FILE_NAME: Final = "settings.json"
DEFAULT_PROFILE: Final = "OpenAI"
BASE_URL_ENV_VAR: Final = "OPENAI_BASE_URL"
SAVE_FORMATS: Final = OUTPUT_FORMATS
MAX_PROFILE_NAME: Final = 64
# Seconds, (lowest, highest): the settings dialog offers the same ranges.
TIMEOUT_LIMITS: Final[Mapping[str, tuple[float, float]]] = {
    "connect_timeout": (1.0, 120.0),
    "read_timeout": (10.0, 3600.0),
    "deadline": (30.0, 7200.0),
}

# OpenAI keys: sk-..., sk-proj-..., sk-svcacct-...; long enough not to catch ordinary words.
_KEY_LIKE: Final = re.compile(r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{16,}")
_EXAMPLE_TIME: Final = datetime(2026, 11, 23, 10, 15, 0)


def looks_like_api_key(text: str) -> bool:
    """Whether ``text`` contains something shaped like an OpenAI API key."""
    return bool(_KEY_LIKE.search(text))


@dataclass
class Profile:
    """Where to reach the API; the name is also the keyring username of its key.

    ``kind`` is a :class:`ServerKind` value. For "azure", ``base_url`` is the resource URL
    (``https://<resource>.openai.azure.com``) and ``deployment`` / ``api_version`` say the rest;
    organisation and project are OpenAI's and unused there. Files written before kinds existed
    have none and load as "openai", which is what they were.
    """

    name: str
    base_url: str = DEFAULT_BASE_URL
    organization: str = ""
    project: str = ""
    kind: str = ServerKind.OPENAI.value
    deployment: str = ""  # azure only
    api_version: str = ""  # azure only; "" = dialects.AZURE_DEFAULT_API_VERSION
    # The user's explicit yes to a plain http:// base URL on another computer (the key then
    # travels unencrypted). It covers this profile's own URL, never an OPENAI_BASE_URL.
    allow_insecure_http: bool = False

    def client_config(
        self,
        timeouts: Timeouts,
        environ: Mapping[str, str] | None = None,
        *,
        allow_insecure_http: bool = False,
    ) -> ClientConfig:
        """The client settings for this profile, with ``OPENAI_BASE_URL`` applied (see
        :func:`effective_base_url`); raises ``ValueError`` for a base URL that is not http(s),
        an Azure profile without a deployment, and :class:`InsecureBaseUrl` for plain http to
        another computer unless allowed (by the profile for its own URL, or by the caller:
        the command line's ``--allow-insecure-http``)."""
        from desktop_app.core.config import ClientConfig

        env = os.environ if environ is None else environ
        kind = ServerKind(self.kind)
        openai = kind is ServerKind.OPENAI
        base_url = effective_base_url(self, env)
        allowed = allow_insecure_http or (
            self.allow_insecure_http and base_url.strip() == self.base_url.strip()
        )
        return ClientConfig(
            base_url=base_url,
            allow_insecure_http=allowed,
            organization=(self.organization.strip() or None) if openai else None,
            project=(self.project.strip() or None) if openai else None,
            timeouts=timeouts,
            kind=kind,
            deployment=self.deployment.strip() or None if kind is ServerKind.AZURE else None,
            api_version=self.api_version.strip() or None if kind is ServerKind.AZURE else None,
        )

    @classmethod
    def of_kind(cls, name: str, kind: ServerKind | str) -> Profile:
        """A new profile with the defaults of its kind (OpenRouter's address is known)."""
        kind = ServerKind(kind)
        base_url = {ServerKind.OPENROUTER: OPENROUTER_BASE_URL, ServerKind.AZURE: ""}.get(
            kind, DEFAULT_BASE_URL
        )
        return cls(name, base_url=base_url, kind=kind.value)


def effective_base_url(profile: Profile, environ: Mapping[str, str]) -> str:
    """The base URL to use now: ``OPENAI_BASE_URL`` wins for the profile named "OpenAI" only.

    The variable is read at use time and never saved, so unsetting it brings back the profile's
    own URL; other profiles are gateways the user set up on purpose and keep their URL.
    """
    override = environ.get(BASE_URL_ENV_VAR, "").strip()
    # Only an OpenAI-kind profile: the variable names an OpenAI-compatible server.
    if override and profile.name == DEFAULT_PROFILE and profile.kind == ServerKind.OPENAI:
        return override
    return profile.base_url


def _shape(value: str) -> Shape:
    try:
        return Shape(value)
    except ValueError:  # a file from a newer version, or edited by hand
        return Shape.SQUARE


def _default_profiles() -> list[Profile]:
    return [Profile(DEFAULT_PROFILE)]


@dataclass
class Preferences:
    profiles: list[Profile] = field(default_factory=_default_profiles)
    active_profile: str = DEFAULT_PROFILE
    save_folder: str = ""  # "" = default_output_folder()
    filename_template: str = DEFAULT_TEMPLATE
    save_format: str = "png"  # the format results are saved in
    connect_timeout: float = 10.0
    read_timeout: float = 360.0
    deadline: float = 600.0
    # The window's last choices, so the next run starts where the last one ended.
    mode: str = Mode.EDIT.value
    model: str = ""
    n: int = 4
    size: str = "auto"
    quality: str = "auto"
    output_format: str = "png"
    strength: str = Strength.BALANCED.value
    prompt: str = ""  # "" = the wording of the chosen strength
    shape: str = Shape.SQUARE.value  # the framing tool's preset (edit mode)
    zoom_out: float = 0.0  # 0 = no zoom out; else one of ZOOM_OUTS (edit mode)
    last_open_folder: str = ""
    batch_jobs: int = 2  # a batch sends at most this many pictures at once
    batch_saves: bool = True  # a batch saves each result into the save folder as it arrives
    # The library and costs.
    strip_metadata: bool = False  # True: saved files carry no model, prompt or parameters
    monthly_budget: float = 0.0  # USD; 0 = no cap. Above it, a run asks first.
    keep_days: int = 0  # 0 = keep every run; else unstarred runs older than this are pruned
    keep_gb: float = 0.0  # 0 = no size limit; else the oldest unstarred runs go above it

    def __post_init__(self) -> None:
        if not self.profiles:
            raise ValueError("There must be at least one connection profile.")

    def profile(self, name: str | None = None) -> Profile:
        """The profile called ``name``; by default the active one (or the first, if the active
        name went missing). Raises ``KeyError`` for an unknown explicit name."""
        wanted = self.active_profile if name is None else name
        for profile in self.profiles:
            if profile.name == wanted:
                return profile
        if name is None:
            return self.profiles[0]
        raise KeyError(name)

    def timeouts(self) -> Timeouts:
        from desktop_app.core.config import Timeouts

        return Timeouts(
            connect=self.connect_timeout, read=self.read_timeout, deadline=self.deadline
        )

    def last_settings(self) -> VariationSettings:
        """The choices of the last session, as the next run's settings (previews on)."""
        try:
            mode = Mode(self.mode)
        except ValueError:
            mode = Mode.EDIT
        try:
            strength = Strength(self.strength)
        except ValueError:
            strength = Strength.BALANCED
        return VariationSettings(
            mode=mode,
            model=self.model or None,
            n=max(1, min(MAX_VARIATIONS, self.n)),
            size=self.size or None,
            quality=self.quality or "auto",
            output_format=self.output_format or "png",
            strength=strength,
            prompt=self.prompt or None,
            stream=True,
            shape=_shape(self.shape) if mode is Mode.EDIT else Shape.SQUARE,
            zoom_out=self.zoom_out if mode is Mode.EDIT and self.zoom_out in ZOOM_OUTS else None,
        )

    def remember(self, settings: VariationSettings) -> None:
        """Keeps ``settings`` as the choices the next session starts from."""
        self.mode = settings.mode.value
        self.model = settings.model or ""
        self.n = settings.n
        self.size = settings.effective_size
        self.quality = settings.quality
        self.output_format = settings.output_format
        self.strength = settings.strength.value
        self.prompt = settings.prompt or ""
        if settings.mode is Mode.EDIT:  # classic runs are square: that is no choice to keep
            self.shape = settings.shape.value
            self.zoom_out = settings.zoom_out or 0.0

    def output_folder(self) -> Path:
        folder = self.save_folder.strip()
        return Path(folder).expanduser() if folder else default_output_folder()


# --- checks shared by the loader and the settings dialog -----------------------------------------


def profile_name_problem(name: str, taken: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why ``name`` cannot name a profile (a plain sentence), or ``None`` when it can.

    Names are compared without regard to case: "openai" beside "OpenAI" would only confuse.
    """
    stripped = name.strip()
    if not stripped:
        return "Give the profile a name."
    if len(stripped) > MAX_PROFILE_NAME:
        return f"Keep the profile name to {MAX_PROFILE_NAME} characters or fewer."
    if any(not ch.isprintable() for ch in stripped):
        return "The profile name cannot contain control characters."
    if looks_like_api_key(stripped):
        return "That looks like an API key; enter keys in the API key field, not as a name."
    if stripped.casefold() in {t.strip().casefold() for t in taken}:
        return f"There is already a profile called “{stripped}”."
    return None


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a base URL (a plain sentence), or ``None`` when it can."""
    text = url.strip()
    if not text:
        return "Enter the server's base URL, such as https://api.openai.com/v1."
    if looks_like_api_key(text):
        return "That looks like an API key; enter keys in the API key field below."
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "The base URL is not a valid address."
    if parts.scheme not in ("http", "https"):
        return "The base URL must start with https:// (or http:// for a server on this computer)."
    if not parts.hostname:
        return "The base URL needs a server name, such as https://api.openai.com/v1."
    if parts.query or parts.fragment:
        return "The base URL cannot contain ? or #."
    return None


def profile_problem(profile: Profile) -> str | None:
    """Why ``profile`` cannot connect as it stands (its address and its kind's own fields)."""
    if profile.kind not in {k.value for k in ServerKind}:
        return "Choose what kind of server this is."
    problem = base_url_problem(profile.base_url)
    if problem is not None:
        if profile.kind == ServerKind.AZURE:
            return problem.replace("base URL", "resource URL")
        return problem
    if profile.kind == ServerKind.AZURE:
        from desktop_app.core.dialects import api_version_problem, deployment_problem

        return deployment_problem(profile.deployment) or api_version_problem(profile.api_version)
    return None


def base_url_caution(url: str) -> str | None:
    """A warning that does not block: plain http to another computer exposes the key."""
    from desktop_app.core.config import is_loopback_host

    parts = urlsplit(url.strip())
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return "Plain http sends the API key unencrypted; use https unless this is a test server."
    return None


def template_example(template: str, save_format: str) -> str:
    """The file name ``template`` gives the first result of ``photo.jpg`` (raises ``ValueError``
    with a plain message for a bad template)."""
    return render_filename(
        template or DEFAULT_TEMPLATE,
        source="photo",
        index=1,
        when=_EXAMPLE_TIME,
        ext=save_format,
        model="gpt-image-2",
    )


# --- reading a settings document -----------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _timeout_check(name: str) -> Callable[[object], bool]:
    low, high = TIMEOUT_LIMITS[name]

    def check(value: object) -> bool:
        return isinstance(value, int | float) and _is_number(value) and low <= value <= high

    return check


def _str_check(choices: tuple[str, ...] | None = None) -> Callable[[object], bool]:
    if choices is None:
        return lambda v: isinstance(v, str)
    return lambda v: isinstance(v, str) and v in choices


def _template_ok(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    try:
        template_example(value, "png")
    except ValueError:
        return False
    return True


# Every simple field and what it must look like; anything else falls back to the default.
_CHECKS: Final[Mapping[str, Callable[[object], bool]]] = {
    "active_profile": _str_check(),
    "save_folder": _str_check(),
    "filename_template": _template_ok,
    "save_format": _str_check(SAVE_FORMATS),
    "connect_timeout": _timeout_check("connect_timeout"),
    "read_timeout": _timeout_check("read_timeout"),
    "deadline": _timeout_check("deadline"),
    "mode": _str_check(tuple(m.value for m in Mode)),
    "model": _str_check(),
    "n": lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_VARIATIONS,
    "size": _str_check(),
    "quality": _str_check(),
    "output_format": _str_check(OUTPUT_FORMATS),
    "strength": _str_check(tuple(s.value for s in Strength)),
    "prompt": _str_check(),
    "shape": _str_check(tuple(s.value for s in Shape)),
    "zoom_out": lambda v: _is_number(v) and (v == 0 or v in ZOOM_OUTS),
    "last_open_folder": _str_check(),
    "batch_jobs": lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MOST_JOBS,
    "batch_saves": lambda v: isinstance(v, bool),
    "strip_metadata": lambda v: isinstance(v, bool),
    "monthly_budget": lambda v: _is_number(v) and 0 <= float(v) <= 1_000_000,  # type: ignore[arg-type]
    "keep_days": lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 36_500,
    "keep_gb": lambda v: _is_number(v) and 0 <= float(v) <= 100_000,  # type: ignore[arg-type]
}


def _read_profile(raw: object, taken: list[str]) -> Profile | None:
    if not isinstance(raw, Mapping):
        return None
    name = raw.get("name")
    if not isinstance(name, str) or profile_name_problem(name, taken) is not None:
        return None
    profile = Profile(name.strip())
    kind = raw.get("kind", ServerKind.OPENAI.value)
    if kind not in {k.value for k in ServerKind}:
        # A kind from a newer version: guessing would send the key in the wrong header.
        log.warning("Dropping profile %r: its kind %r is not known here.", profile.name, kind)
        return None
    profile.kind = kind
    for attr in ("deployment", "api_version"):
        value = raw.get(attr)
        if isinstance(value, str) and not looks_like_api_key(value):
            setattr(profile, attr, value.strip())
    base_url = raw.get("base_url", DEFAULT_BASE_URL)
    if isinstance(base_url, str) and base_url_problem(base_url) is None:
        profile.base_url = base_url.strip()
    elif profile.name != DEFAULT_PROFILE or profile.kind != ServerKind.OPENAI:
        # OpenAI's address in place of a gateway's would send the gateway's key to OpenAI.
        log.warning("Dropping profile %r: its base URL is not usable.", profile.name)
        return None
    for attr in ("organization", "project"):
        value = raw.get(attr)
        if isinstance(value, str) and not looks_like_api_key(value):
            setattr(profile, attr, value.strip())
    profile.allow_insecure_http = raw.get("allow_insecure_http") is True  # only a real yes
    return profile


def _read_profiles(raw: object) -> list[Profile] | None:
    if not isinstance(raw, list):
        return None
    profiles: list[Profile] = []
    for entry in raw:
        profile = _read_profile(entry, [p.name for p in profiles])
        if profile is not None:
            profiles.append(profile)
    return profiles or None


def _from_document(document: Mapping[str, Any]) -> tuple[Preferences, list[str]]:
    """Preferences from a parsed file, and the names of the fields that fell back to defaults."""
    prefs = Preferences()
    bad: list[str] = []
    if "profiles" in document:
        profiles = _read_profiles(document["profiles"])
        if profiles is None:
            bad.append("profiles")
        else:
            prefs.profiles = profiles
    for name, check in _CHECKS.items():
        if name not in document:
            continue
        value = document[name]
        if check(value):
            as_float = name in TIMEOUT_LIMITS or name in ("monthly_budget", "keep_gb", "zoom_out")
            setattr(prefs, name, float(value) if as_float else value)
        else:
            bad.append(name)
    if prefs.active_profile not in {p.name for p in prefs.profiles}:
        prefs.active_profile = prefs.profiles[0].name
    return prefs, bad


# --- writing ---------------------------------------------------------------------------------


def _without_key_like_values(prefs: Preferences) -> Preferences:
    """A copy with every key-shaped text replaced by its default: the last guard that keeps a
    key pasted into the wrong field out of a plain file."""
    clean = copy.deepcopy(prefs)
    # Profiles first: a renamed active profile must be followed before active_profile is checked.
    for index, profile in enumerate(clean.profiles, start=1):
        for attr in ("base_url", "organization", "project", "deployment", "api_version"):
            if looks_like_api_key(getattr(profile, attr)):
                log.warning("Not saving %s of profile %d: it looks like an API key.", attr, index)
                setattr(profile, attr, getattr(Profile(""), attr))
        if looks_like_api_key(profile.name):
            log.warning("Not saving the name of profile %d: it looks like an API key.", index)
            if clean.active_profile == profile.name:
                clean.active_profile = f"Profile {index}"
            profile.name = f"Profile {index}"
    defaults = Preferences()
    for f in dataclasses.fields(clean):
        value = getattr(clean, f.name)
        if isinstance(value, str) and looks_like_api_key(value):
            log.warning("Not saving the setting %s: it looks like an API key.", f.name)
            setattr(clean, f.name, getattr(defaults, f.name))
    return clean


def _to_document(prefs: Preferences) -> dict[str, Any]:
    document: dict[str, Any] = {"version": VERSION}
    document.update(dataclasses.asdict(_without_key_like_values(prefs)))
    return document


class PreferencesStore:
    """Loads and saves :class:`Preferences` as JSON at ``path``."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else config_folder() / FILE_NAME
        self._lock = threading.Lock()  # the window may save while a worker saves

    def __repr__(self) -> str:
        return f"PreferencesStore({str(self.path)!r})"

    def load(self) -> Preferences:
        """The saved preferences; defaults for whatever is missing or broken. Never raises."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Preferences()
        except OSError as exc:
            log.warning("Could not read %s (%s); using the default settings.", self.path, exc)
            return Preferences()
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            document = None
        if not isinstance(document, dict):
            kept = self._keep_bad_copy(raw)
            log.warning(
                "%s is not a settings file; using the default settings%s.",
                self.path,
                f" (the old file is kept as {kept.name})" if kept else "",
            )
            return Preferences()
        version = document.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
            log.info("%s was written by a newer version; reading what this one knows.", self.path)
        prefs, bad = _from_document(document)
        if bad:
            log.warning("Settings %s were not usable; using their defaults.", ", ".join(bad))
        return prefs

    def save(self, prefs: Preferences) -> None:
        """Writes ``prefs`` atomically; raises ``OSError`` when the folder cannot be written."""
        text = json.dumps(_to_document(prefs), indent=2, ensure_ascii=False) + "\n"
        with self._lock:
            replace_atomically(self.path, text.encode("utf-8"))

    def _keep_bad_copy(self, raw: bytes) -> Path | None:
        """Keeps an unreadable file beside the new one, so a person can still rescue it."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        for n in range(1, 100):
            suffix = f".bad-{stamp}" if n == 1 else f".bad-{stamp}-{n}"
            target = self.path.with_name(self.path.name + suffix)
            try:
                with open(target, "xb") as handle:
                    handle.write(raw)
            except FileExistsError:
                continue
            except OSError as exc:
                log.warning("Could not keep a copy of %s: %s", self.path, exc)
                return None
            return target
        return None
