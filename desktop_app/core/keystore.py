"""The OpenAI API key, kept only in the operating system's keyring.

Order of lookup in :meth:`KeyStore.get`: the ``OPENAI_API_KEY`` environment variable (when not
empty), then a key held in memory for this session only, then the keyring. The key is never
written to a file by this module, and it never appears in a log line, an exception message or a
``repr``: it travels wrapped in :class:`ApiKey`.

Every failure of the keyring becomes a :class:`KeyStoreError` whose ``reason`` says what kind of
failure it was and whose message is one plain sentence for a person. Backend exceptions are not
chained onto it (their text could quote the key): the error is raised outside the ``except`` block,
so neither ``__cause__`` nor ``__context__`` carries them.
"""

from __future__ import annotations

import contextlib
import hmac
import importlib
import logging
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, NoReturn

import keyring
import keyring.errors

from desktop_app.core.causes import exception_chain

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = [
    "ENV_VAR",
    "SERVICE",
    "ApiKey",
    "KeySource",
    "KeyStore",
    "KeyStoreError",
    "Reason",
]

ENV_VAR: Final = "OPENAI_API_KEY"
SERVICE: Final = "Image Variations"

log = logging.getLogger(__name__)

Reason = Literal[
    "no_backend",
    "locked",
    "no_collection",
    "write_refused",
    "unavailable",
    "not_found",
    "bad_env_key",
    "bad_stored_key",
]
KeySource = Literal["environment", "keyring", "session"]
Operation = Literal["read", "save", "remove", "open"]

_SESSION_HINT = " or enter the key for this session only"

_MESSAGES: Final[dict[Reason, str]] = {
    "no_backend": (
        "No system keyring is available to keep the API key; install or turn on one "
        "(such as GNOME Keyring or KWallet){session}."
    ),
    "locked": "The system keyring is locked; unlock it and try again{session}.",
    "no_collection": (
        "The system keyring has no default keyring to keep the API key in; create one "
        "in your passwords app (such as Passwords and Keys) and try again{session}."
    ),
    "write_refused": (
        "The system keyring refused to {verb} the API key; check its settings and try again"
        "{session}."
    ),
    "unavailable": (
        "The system keyring could not be reached to {verb} the API key; make sure it is running "
        "and try again{session}."
    ),
    "not_found": "No API key is stored in the system keyring for this profile; enter one first.",
    "bad_env_key": (
        "The API key in OPENAI_API_KEY contains characters no API key has (only plain letters, "
        "digits and punctuation); copy it again from your account page."
    ),
    "bad_stored_key": (
        "The API key stored for this profile contains characters no API key has (only plain "
        "letters, digits and punctuation); enter it again in Settings."
    ),
}

KEY_TEXT_PROBLEM: Final = (
    "The API key contains characters no API key has (only plain letters, digits and "
    "punctuation); copy it again from your account page."
)

_VERBS: Final[dict[Operation, str]] = {
    "read": "read",
    "save": "save",
    "remove": "remove",
    "open": "open",
}


def _message(reason: Reason, operation: Operation) -> str:
    session = "" if operation == "remove" else _SESSION_HINT
    return _MESSAGES[reason].format(verb=_VERBS[operation], session=session)


class KeyStoreError(Exception):
    """A keyring failure, with a plain ``reason`` and a message for a person.

    The message never contains the key; the backend's own exception is not attached.
    """

    reason: Reason
    operation: Operation

    def __init__(self, reason: Reason, operation: Operation = "open") -> None:
        self.reason = reason
        self.operation = operation
        super().__init__(_message(reason, operation))

    def __repr__(self) -> str:
        return f"KeyStoreError(reason={self.reason!r}, operation={self.operation!r})"

    def __reduce__(self) -> tuple[type[KeyStoreError], tuple[Reason, Operation]]:
        return (KeyStoreError, (self.reason, self.operation))


class ApiKey:
    """A secret wrapper: the key is only given out by :meth:`reveal`.

    ``repr``/``str`` show a masked form; equality and hashing go by the secret; pickling raises
    ``TypeError`` so the key cannot be written to a file by accident.
    """

    __slots__ = ("_secret", "source")

    _secret: str
    source: KeySource

    def __init__(self, secret: str, *, source: KeySource = "session") -> None:
        if not isinstance(secret, str):
            raise TypeError("The API key must be text.")
        stripped = secret.strip()
        if not stripped:
            raise ValueError("The API key is empty.")
        if not all("!" <= c <= "~" for c in stripped):
            # Not even sendable in a header (non-ASCII), or a line break that would cut it.
            raise ValueError(KEY_TEXT_PROBLEM)
        object.__setattr__(self, "_secret", stripped)
        object.__setattr__(self, "source", source)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ApiKey is read-only.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("ApiKey is read-only.")

    def reveal(self) -> str:
        """The key itself: pass it straight to the HTTP header, nowhere else."""
        return self._secret

    def masked(self) -> str:
        """A form safe to show: ``sk-…a1b2`` for a long key, ``••••`` for a short one."""
        secret = self._secret
        if len(secret) >= 16:
            return f"{secret[:3]}…{secret[-4:]}"
        return "••••"

    def __repr__(self) -> str:
        return f"ApiKey({self.masked()})"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return format(repr(self), format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ApiKey):
            return NotImplemented
        return hmac.compare_digest(self._secret.encode(), other._secret.encode())

    def __hash__(self) -> int:
        return hash(self._secret)

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("An ApiKey cannot be pickled; it must stay out of files.")

    def __reduce__(self) -> NoReturn:
        raise TypeError("An ApiKey cannot be pickled; it must stay out of files.")

    def __getstate__(self) -> NoReturn:
        raise TypeError("An ApiKey cannot be pickled; it must stay out of files.")

    def __copy__(self) -> ApiKey:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> ApiKey:
        return self


# --- mapping backend exceptions to reasons -------------------------------------------------------

_SS_LOCKED: tuple[type[BaseException], ...] = ()
_SS_NOT_FOUND: tuple[type[BaseException], ...] = ()
_SS_NOT_AVAILABLE: tuple[type[BaseException], ...] = ()
try:  # secretstorage exists only where the Secret Service backend does (Linux)
    from secretstorage.exceptions import (
        ItemNotFoundException,
        LockedException,
        PromptDismissedException,
        SecretServiceNotAvailableException,
    )
except ImportError:  # pragma: no cover - macOS and Windows
    pass
else:
    # A dismissed unlock prompt is an ItemNotFoundException subclass, but it means "locked".
    _SS_LOCKED = (LockedException, PromptDismissedException)
    _SS_NOT_FOUND = (ItemNotFoundException,)
    _SS_NOT_AVAILABLE = (SecretServiceNotAvailableException,)


def _classify(exc: BaseException) -> Reason:
    chain = exception_chain(exc)
    # Most specific first: secretstorage's own exception may sit under keyring's wrapper.
    if any(isinstance(e, (keyring.errors.KeyringLocked, *_SS_LOCKED)) for e in chain):
        return "locked"
    if _SS_NOT_FOUND and any(isinstance(e, _SS_NOT_FOUND) for e in chain):
        return "no_collection"
    if any(isinstance(e, keyring.errors.NoKeyringError) for e in chain):
        return "no_backend"
    if _SS_NOT_AVAILABLE and any(isinstance(e, _SS_NOT_AVAILABLE) for e in chain):
        return "unavailable"
    if isinstance(exc, keyring.errors.PasswordSetError | keyring.errors.PasswordDeleteError):
        return "write_refused"
    # InitError and anything else a backend may raise.
    return "unavailable"


def _close_leaked_connections(exc: BaseException) -> None:
    """Close the D-Bus connections keyring's Secret Service backend leaves open when it raises.

    That backend opens a connection per call and closes it only on success: a locked or missing
    collection would leave a socket open until the garbage collector finds it. The connections
    are still referenced from the frames of the exception's traceback; only frames of that
    backend's module are looked at, as it never shares a connection between calls.
    """
    for error in exception_chain(exc):
        tb = error.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_globals.get("__name__") == "keyring.backends.SecretService":
                for value in list(frame.f_locals.values()):
                    connection = getattr(value, "connection", value)
                    if type(connection).__module__.startswith("jeepney"):
                        close = getattr(connection, "close", None)
                        if callable(close):
                            with contextlib.suppress(Exception):
                                close()
            tb = tb.tb_next


def _is_fail_backend(backend: KeyringBackend) -> bool:
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return True
    # keyring's chainer with nothing behind it fails the same way.
    return isinstance(backend, chainer.ChainerBackend) and not list(backend.backends)


# --- describing the backend ----------------------------------------------------------------------

_BACKEND_NAMES: Final[dict[tuple[str, str], str]] = {
    ("keyring.backends.macOS", "Keyring"): "macOS Keychain",
    ("keyring.backends.Windows", "WinVaultKeyring"): "Windows Credential Locker",
    ("keyring.backends.kwallet", "DBusKeyring"): "KDE Wallet",
    ("keyring.backends.kwallet", "DBusKeyringKWallet4"): "KDE Wallet",
    ("keyring.backends.libsecret", "Keyring"): "Secret Service (libsecret)",
    ("keyring.backends.fail", "Keyring"): "No system keyring",
    ("keyring.backends.null", "Keyring"): "No keyring (disabled)",
}

# Well-known D-Bus names of Secret Service providers.
_SECRET_SERVICE_PROVIDERS: Final[tuple[tuple[str, str], ...]] = (
    ("org.gnome.keyring", "GNOME Keyring"),
    ("org.kde.kwalletd6", "KDE Wallet"),
    ("org.kde.kwalletd5", "KDE Wallet"),
    ("org.keepassxc.KeePassXC.MainWindow", "KeePassXC"),
)


def _secret_service_provider() -> str | None:
    """Which program owns the Secret Service on the session bus, when it can be told."""
    try:
        # jeepney (secretstorage's D-Bus library) ships no type hints, hence import_module.
        bus_messages = importlib.import_module("jeepney.bus_messages")
        blocking = importlib.import_module("jeepney.io.blocking")
        with blocking.open_dbus_connection(bus="SESSION") as connection:
            reply = connection.send_and_get_reply(bus_messages.message_bus.ListNames(), timeout=2)
        names = {str(name) for name in reply.body[0]}
    except Exception:  # noqa: BLE001 - only a nicer label is at stake
        return None
    for bus_name, label in _SECRET_SERVICE_PROVIDERS:
        if bus_name in names:
            return label
    return None


def _describe(backend: KeyringBackend) -> str:
    from keyring.backends import chainer

    cls = type(backend)
    if isinstance(backend, chainer.ChainerBackend):
        inner = list(backend.backends)
        return _describe(inner[0]) if inner else "No system keyring"
    if (cls.__module__, cls.__name__) == ("keyring.backends.SecretService", "Keyring"):
        provider = _secret_service_provider()
        return f"Secret Service ({provider})" if provider else "Secret Service"
    known = _BACKEND_NAMES.get((cls.__module__, cls.__name__))
    if known is not None:
        return known
    name = getattr(cls, "name", None)
    return name if isinstance(name, str) and name else cls.__name__


def _check_profile(profile: str) -> None:
    if not isinstance(profile, str) or not profile.strip():
        raise ValueError("The profile name is empty.")


# --- the store -----------------------------------------------------------------------------------


class KeyStore:
    """Reads and writes the API key for a profile (the keyring username is the profile name)."""

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        backend: KeyringBackend | None = None,
    ) -> None:
        self._environ: Mapping[str, str] = os.environ if environ is None else environ
        self._backend: KeyringBackend | None = backend
        self._session: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"KeyStore(backend={type(self._backend).__name__ if self._backend else 'lazy'})"

    # -- lookups --

    def environment_override(self) -> bool:
        """Whether ``OPENAI_API_KEY`` is set (not empty) and so wins over stored keys."""
        return bool(self._environ.get(ENV_VAR, "").strip())

    def get(self, profile: str) -> ApiKey | None:
        """The key to use for ``profile``, or ``None`` when there is none anywhere.

        Raises :class:`KeyStoreError` when the keyring has to be asked and fails.
        """
        _check_profile(profile)
        env_value = self._environ.get(ENV_VAR, "").strip()
        if env_value:
            try:
                return ApiKey(env_value, source="environment")
            except ValueError:
                raise KeyStoreError("bad_env_key", "read") from None
        with self._lock:
            session_key = self._session.get(profile)
        if session_key is not None:
            return session_key
        backend = self._resolve("read")
        error: KeyStoreError | None = None
        value: object = None
        try:
            value = backend.get_password(SERVICE, profile)
        except Exception as exc:  # noqa: BLE001 - third-party backends raise anything
            error = self._failure(exc, "read", profile)
        if error is not None:
            raise error
        if not isinstance(value, str) or not value.strip():
            return None
        try:
            return ApiKey(value, source="keyring")
        except ValueError:
            raise KeyStoreError("bad_stored_key", "read") from None

    def describe_backend(self) -> str:
        """A name for the keyring in use, for the settings dialog."""
        try:
            backend = self._resolve("open")
        except KeyStoreError as exc:
            return "No system keyring" if exc.reason == "no_backend" else "Unknown keyring"
        return _describe(backend)

    # -- changes --

    def set(self, profile: str, key: str) -> None:
        """Store ``key`` for ``profile`` in the keyring; never falls back to a file.

        Raises ``ValueError`` for an empty key and :class:`KeyStoreError` when the keyring fails.
        """
        _check_profile(profile)
        api_key = ApiKey(key, source="keyring")
        backend = self._resolve("save")
        error: KeyStoreError | None = None
        try:
            backend.set_password(SERVICE, profile, api_key.reveal())
        except Exception as exc:  # noqa: BLE001 - third-party backends raise anything
            error = self._failure(exc, "save", profile)
        if error is not None:
            raise error
        with self._lock:
            self._session.pop(profile, None)

    def delete(self, profile: str) -> None:
        """Forget the key of ``profile``: the session copy and the keyring entry.

        A key that is not there is not an error.
        """
        _check_profile(profile)
        with self._lock:
            self._session.pop(profile, None)
        backend = self._resolve("remove")
        error: KeyStoreError | None = None
        try:
            backend.delete_password(SERVICE, profile)
        except keyring.errors.PasswordDeleteError as exc:
            # Backends raise this for "no such password" too: look before calling it a failure.
            if not self._still_stored(backend, profile):
                return
            error = self._failure(exc, "remove", profile)
        except Exception as exc:  # noqa: BLE001 - third-party backends raise anything
            error = self._failure(exc, "remove", profile)
        if error is not None:
            raise error

    def set_for_session(self, profile: str, key: str) -> None:
        """Keep ``key`` in memory only, until the app quits (for a missing or locked keyring)."""
        _check_profile(profile)
        api_key = ApiKey(key, source="session")
        with self._lock:
            self._session[profile] = api_key

    def clear_session(self, profile: str) -> None:
        """Drop the session-only key of ``profile``, if any."""
        with self._lock:
            self._session.pop(profile, None)

    # -- internals --

    def _resolve(self, operation: Operation) -> KeyringBackend:
        backend = self._backend
        if backend is None:
            error: KeyStoreError | None = None
            try:
                backend = keyring.get_keyring()
            except Exception as exc:  # noqa: BLE001 - backend discovery runs third-party code
                error = self._failure(exc, operation, None)
            if backend is None:
                raise error or KeyStoreError("unavailable", operation)
            self._backend = backend
        if _is_fail_backend(backend):
            log.warning("No usable system keyring (backend %s)", type(backend).__name__)
            raise KeyStoreError("no_backend", operation)
        return backend

    def _still_stored(self, backend: KeyringBackend, profile: str) -> bool:
        try:
            return backend.get_password(SERVICE, profile) is not None
        except Exception:  # noqa: BLE001 - if we cannot look, report the delete failure
            return True

    @staticmethod
    def _failure(exc: BaseException, operation: Operation, profile: str | None) -> KeyStoreError:
        reason = _classify(exc)
        _close_leaked_connections(exc)
        # Only the exception's type: its message could quote the key.
        log.warning(
            "Keyring %s failed for profile %r: %s.%s (%s)",
            operation,
            profile,
            type(exc).__module__,
            type(exc).__qualname__,
            reason,
        )
        return KeyStoreError(reason, operation)
