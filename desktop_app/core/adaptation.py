"""Learning from a server that refuses a parameter: change that one parameter, try once more.

A 400 that names an unsupported parameter or value is not billed (API.md sections 4 and 6), and
servers differ from the documentation and from each other: gpt-image-2 refuses
``input_fidelity``, gateways refuse ``stream=true`` or custom sizes, some refuse ``n``. So the
client drops or changes the one parameter the server named, tries once more, and the rule is
remembered for that server and model (:class:`ServerRules`) so the next run sends the right
thing the first time.

A rule is the parameter and the *class* of value that was refused ("any value", one value, or
"custom" for a non-standard size); the replacement is worked out again from the value a later
run sends, so a refused 2048x1152 teaches "custom sizes are refused here", not "2048x1152".

One part is never adapted away: the region ``mask``. Without it the server would vary the whole
picture, not the region the person chose, and bill them for it; so a refusal that names the mask
(or a server failing on a masked request, as some LiteLLM versions do with a 500) ends the run
with :class:`MaskRefused` and its plain sentence instead. A refusal of masks as such is
remembered too, as a rule on ``mask`` (:meth:`ServerRules.refuse_masks`): the next masked run
to that server and model is refused before sending (:class:`MasksRefusedBefore`), never sent
without its mask, until the person forgets the server's rules in the settings.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from desktop_app.core.capabilities import STANDARD_SIZES
from desktop_app.core.errors import ApiError, ApiErrorKind, ErrorBody
from desktop_app.core.requests import InvalidRequest

log = logging.getLogger(__name__)

FormFields = list[tuple[str, str]]

ANY: Final = "*"
CUSTOM_SIZE: Final = "custom"
FILE_NAME: Final = "server_rules.json"
MASK: Final = "mask"  # a rule's parameter: this server and model refused region masks
# Where the person forgets what a server refused (ui/settings/server_rules.py).
FORGET_HINT: Final = "Settings → What this server accepts → Forget"

# Refinements the run works without: dropping one changes how, not whether, it works.
_DROPPABLE: Final = frozenset(
    {
        "input_fidelity", "complexity", "stream", "partial_images", "safety_identifier", "user",
        "output_compression", "response_format", "background", "quality", "size",
        "output_format", "n",
    }
)  # fmt: skip
_ADAPTABLE_KINDS: Final = (
    ApiErrorKind.UNKNOWN_PARAMETER,
    ApiErrorKind.UNSUPPORTED_PARAMETER,
    ApiErrorKind.INVALID_REQUEST,
)
_QUOTED: Final = re.compile(r"'([a-z_]+)(?:\[\d*\])?'")
_CODE_PARAMETER: Final = re.compile(r"^invalid_([a-z_]+)_model$")
_MASK_WORD: Final = re.compile(r"\bmasks?\b")
_MASK_REFUSAL_KINDS: Final = (*_ADAPTABLE_KINDS, ApiErrorKind.BAD_UPLOAD, ApiErrorKind.OTHER)


@dataclass(frozen=True)
class Adjustment:
    """One parameter changed for a server: ``replacement`` None means it is left out."""

    parameter: str
    refused: str  # the value the server refused
    replacement: str | None
    scope: str  # which values the rule covers later: ANY, CUSTOM_SIZE or ``refused`` itself

    def apply(self, form: FormFields) -> FormFields:
        dropped = {self.parameter}
        if self.parameter == "stream" and self.replacement is None:
            dropped.add("partial_images")  # only allowed with stream=true
        kept: FormFields = []
        for name, value in form:
            if name == self.parameter and self.replacement is not None:
                kept.append((name, self.replacement))
            elif name not in dropped:
                kept.append((name, value))
        return kept

    def refused_pair(self) -> tuple[str, str]:
        return self.parameter, self.refused

    def describe(self) -> str:
        """The status line's sentence."""
        if self.parameter == "stream":
            return "This server does not stream results: sent without live previews."
        if self.parameter == "n" and self.replacement == "1":
            return "This server makes one image per request here: asked for one."
        if self.replacement is None:
            return f"This server does not accept {self.parameter}={self.refused}: sent without it."
        return (
            f"This server does not accept {self.parameter}={self.refused}: "
            f"sent {self.replacement} instead."
        )


def adjustment_for(error: ApiError, form: FormFields) -> Adjustment | None:
    """The one change that answers ``error``, or None when it is not a parameter refusal
    (moderation, a bad upload, a bad key) or names nothing we can change. A refusal about the
    mask is never answered by changing something else ("mask size does not match" is no reason
    to drop ``size``)."""
    if error.status != 400 or error.kind not in _ADAPTABLE_KINDS or names_mask(error):
        return None
    sent = dict(form)
    parameter = _named_parameter(error, sent)
    if parameter is None:
        return None
    return _change(parameter, sent[parameter])


def names_mask(error: ApiError) -> bool:
    """Whether an error answer is about the ``mask`` part (its param, code or message)."""
    if (error.param or "").split("[")[0].strip().lower() == "mask":
        return True
    if "mask" in (error.code or "").lower():
        return True
    return bool(_MASK_WORD.search(error.message.lower()))


def refuses_mask(error: ApiError) -> bool:
    """Whether ``error``, the answer to a request that carried a mask, is the mask's fault or
    may be: a refusal or a bad upload that names the mask, or a server failure (API.md section 8:
    LiteLLM answers 500). Moderation, rate limits, keys and models keep their own sentences."""
    if error.kind is ApiErrorKind.SERVER:
        return True
    return error.kind in _MASK_REFUSAL_KINDS and names_mask(error)


class MaskRefused(ApiError):
    """The server refused (or failed on) a request with a region mask. The run stops: retrying
    without the mask would vary the whole picture instead of the chosen region."""

    def __init__(self, error: ApiError, *, remembered: bool = False) -> None:
        self.remembered = remembered  # a later masked run here is refused before sending
        super().__init__(
            status=error.status,
            body=ErrorBody(error.message, error.type, error.code, error.param),
            request_id=error.request_id,
            model=error.model,
            suggested_model=error.suggested_model,
            attempts=error.attempts,
            results=error.results,
            may_have_been_billed=error.may_have_been_billed,
        )

    def _sentence(self) -> str:
        billed = "It may have been billed." if self.may_have_been_billed else "Nothing was billed."
        if self.kind is ApiErrorKind.SERVER:
            tries = f" after {self.attempts} tries" if self.attempts > 1 else ""
            return (
                f"The server failed ({self.status}){tries} on the request with a region mask. "
                "Some compatible servers (LiteLLM proxies, for one) fail on masks: try again "
                "later, or vary the whole picture instead."
            )
        if self.kind is ApiErrorKind.BAD_UPLOAD:
            rule = (self.message or "it broke one of the server's rules").rstrip(". ")
            return f"The server did not accept the region mask: {rule}. {billed}"
        model = f" for {self.model}" if self.model else ""
        sentence = (
            f"This server does not accept a region mask{model}. {billed} The picture was not "
            "sent without it, since that would vary all of it: vary the whole picture on "
            "purpose, or use another server or model for a region."
        )
        if self.remembered:
            sentence += f" This is remembered for this server ({FORGET_HINT} to ask again)."
        return sentence


def remembers_mask_refusal(error: ApiError) -> bool:
    """Whether a mask refusal (``refuses_mask``) says this server takes no masks at all, and is
    worth remembering: the mask refused as an unknown or unsupported parameter, or a plain 500
    after every retry (LiteLLM, API.md section 8: possibly billed each time). Not a refusal of
    this mask file ("mask size does not match": a bad upload or a plain invalid request, the
    mask's fault, not masks'), nor 502/503/504, which are a gateway or an overload passing by;
    those still stop the run, but the next masked run is sent."""
    if error.kind is ApiErrorKind.SERVER:
        return error.status == 500
    parameter_refused = (ApiErrorKind.UNKNOWN_PARAMETER, ApiErrorKind.UNSUPPORTED_PARAMETER)
    return error.kind in parameter_refused and names_mask(error)


class MasksRefusedBefore(InvalidRequest):
    """A masked run to a server and model known to refuse masks: refused before sending."""

    def __init__(self, model: str) -> None:
        super().__init__(
            f"This server refused a region mask for {model} before, so nothing was sent (the "
            "picture without its mask would vary all of it). Vary the whole picture, or use "
            "another server or model for a region; if the server has changed since, forget "
            f"what it refused in {FORGET_HINT}."
        )


def _named_parameter(error: ApiError, sent: Mapping[str, str]) -> str | None:
    candidates: list[str] = []
    if error.param:
        candidates.append(error.param.split("[")[0])
    code = _CODE_PARAMETER.match(error.code or "")
    if code:
        candidates.append(code.group(1))
    message = error.message.lower()
    candidates.extend(_QUOTED.findall(message))
    # "Transparent background is not supported for this model", "Streaming is not supported"
    candidates.extend(name for name in sent if re.search(rf"\b{name}\b", message))
    if "stream" in message:
        candidates.append("stream")
    for name in candidates:
        if name in sent and name in _DROPPABLE:
            return name
    return None


def _change(parameter: str, value: str) -> Adjustment | None:
    if parameter == "size":
        if value not in STANDARD_SIZES:
            return Adjustment(parameter, value, nearest_standard_size(value), CUSTOM_SIZE)
        return Adjustment(parameter, value, None, value)  # even a preset: the server's default
    if parameter == "quality":
        if value in ("xhigh", "max"):
            return Adjustment(parameter, value, "high", value)
        return Adjustment(parameter, value, None, value)
    if parameter == "output_format":
        if value == "png":
            return None  # the format every server makes; nothing to fall back to
        return Adjustment(parameter, value, "png", value)
    if parameter == "n":
        if value == "1":
            return Adjustment(parameter, value, None, ANY)
        return Adjustment(parameter, value, "1", ANY)
    if parameter == "background":
        return Adjustment(parameter, value, None, value)
    return Adjustment(parameter, value, None, ANY)


def fewer_than_asked(made: int, asked: int) -> str:
    """Relays often ignore ``n``: normal, and worth one plain sentence."""
    return (
        f"The server made {made} of the {asked} variations asked for; some servers make fewer "
        "than asked (generate again for more)."
    )


def nearest_standard_size(size: str) -> str:
    """The preset of the same orientation: what a gateway that refuses custom sizes makes."""
    width, _, height = size.partition("x")
    try:
        w, h = int(width), int(height)
    except ValueError:
        return "auto"
    if w > h:
        return "1536x1024"
    if h > w:
        return "1024x1536"
    return "1024x1024"


def _covers(scope: str, parameter: str, value: str) -> bool:
    if scope == ANY:
        return True
    if scope == CUSTOM_SIZE:
        return parameter == "size" and value not in STANDARD_SIZES
    return scope == value


@dataclass(frozen=True)
class Rule:
    """What one server refused for one model (``model`` ``*``: for every model)."""

    server: str
    model: str
    parameter: str
    scope: str

    def describe(self) -> str:
        if self.parameter == "stream":
            what = "streamed results"
        elif self.parameter == MASK:
            what = "region masks (masked runs are not sent)"
        elif self.scope == ANY:
            what = self.parameter
        elif self.scope == CUSTOM_SIZE:
            what = "custom sizes (only 1024x1024, 1536x1024, 1024x1536)"
        else:
            what = f"{self.parameter}={self.scope}"
        return f"{self.model}: no {what}"


def apply_rules(rules: list[Rule], form: FormFields) -> tuple[FormFields, list[Adjustment]]:
    """``form`` as the server is known to accept it, and the changes made."""
    made: list[Adjustment] = []
    for rule in rules:
        if rule.parameter == MASK:
            continue  # never adapted away: the client refuses the masked run instead
        sent = dict(form)
        value = sent.get(rule.parameter)
        if value is None or not _covers(rule.scope, rule.parameter, value):
            continue
        change = _change(rule.parameter, value)
        if change is not None:
            form = change.apply(form)
            made.append(change)
    return form, made


class ServerRules:
    """The rules learnt so far, kept in ``server_rules.json`` beside the preferences.

    Written whole and atomically on every change (they are few and rare); shared by the window
    and the command line. A damaged file counts as empty: the worst case is one refused,
    unbilled request that teaches the rule again.
    """

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._rules: list[Rule] = _read(path) if path is not None else []

    @classmethod
    def in_memory(cls) -> ServerRules:
        return cls(None)

    @classmethod
    def default(cls) -> ServerRules:
        from desktop_app.core.paths import config_folder

        return cls(config_folder() / FILE_NAME)

    def for_request(self, server: str, model: str) -> list[Rule]:
        server = _server_key(server)
        with self._lock:
            return [r for r in self._rules if r.server == server and r.model in (model, ANY)]

    def learn(self, server: str, model: str, adjustment: Adjustment) -> None:
        self._keep(Rule(_server_key(server), model, adjustment.parameter, adjustment.scope))

    def refuse_masks(self, server: str, model: str) -> None:
        """Remembers that ``server`` refused region masks for ``model``."""
        self._keep(Rule(_server_key(server), model, MASK, ANY))

    def size_taken(self, server: str, model: str, size: str) -> str:
        """The size a request asking ``size`` is sent with, after the rules known for this
        server and model (a gateway that refused custom sizes gets a standard one)."""
        form, _changes = apply_rules(self.for_request(server, model), [("size", size)])
        return dict(form).get("size", size)

    def refuses_masks(self, server: str, model: str) -> bool:
        return any(rule.parameter == MASK for rule in self.for_request(server, model))

    def known(self, server: str | None = None) -> list[Rule]:
        with self._lock:
            if server is None:
                return list(self._rules)
            key = _server_key(server)
            return [r for r in self._rules if r.server == key]

    def forget(self, server: str | None = None) -> None:
        """Forgets the rules of ``server`` (of every server when None)."""
        with self._lock:
            if server is None:
                self._rules = []
            else:
                key = _server_key(server)
                self._rules = [r for r in self._rules if r.server != key]
            self._save()

    def _keep(self, rule: Rule) -> None:
        with self._lock:
            if rule not in self._rules:
                self._rules.append(rule)
                self._save()

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.known())

    def _save(self) -> None:
        if self._path is None:
            return
        from desktop_app.core.fsio import replace_atomically

        document = {
            "version": 1,
            "about": "What each server refused, learnt from its answers. Delete to forget.",
            "rules": [
                {"server": r.server, "model": r.model, "parameter": r.parameter, "scope": r.scope}
                for r in self._rules
            ],
        }
        try:
            replace_atomically(self._path, json.dumps(document, indent=2).encode())
        except OSError:
            log.warning("could not keep what the server refused", exc_info=True)


def _server_key(base_url: str) -> str:
    return base_url.rstrip("/")


def _read(path: Path) -> list[Rule]:
    try:
        document = json.loads(path.read_bytes())
        rows = document["rules"]
        return [
            Rule(str(r["server"]), str(r["model"]), str(r["parameter"]), str(r["scope"]))
            for r in rows
        ]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring a damaged %s", path, exc_info=True)
        return []
