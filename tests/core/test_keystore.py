"""KeyStore and ApiKey against small in-process keyring backends (no real keyring touched)."""

from __future__ import annotations

import copy
import logging
import pickle
import traceback
from collections.abc import Callable

import keyring
import keyring.errors
import pytest
import secretstorage.exceptions as ss_exc
from keyring.backend import KeyringBackend
from keyring.backends import fail

from desktop_app.core import keystore
from desktop_app.core.keystore import ENV_VAR, SERVICE, ApiKey, KeyStore, KeyStoreError
from tests.keyring_backends import MemoryBackend

CANARY = "sk-canary-5f3a9c1e7b2d4a6f8e0c1b3d5f7a9c2e4b6d8f0a"
PROFILE = "default"


class RaisingBackend(KeyringBackend):
    """Raises ``make(password)`` from every operation, quoting the password when it has one."""

    viable = False
    priority = 1

    def __init__(self, make: Callable[[str], BaseException], *, stored: str | None = None) -> None:
        super().__init__()
        self.make = make
        self.stored = stored

    def get_password(self, service: str, username: str) -> str | None:
        raise self.make(self.stored or CANARY)

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.make(password)

    def delete_password(self, service: str, username: str) -> None:
        raise self.make(CANARY)


def _locked_from_secretstorage(secret: str) -> BaseException:
    return ss_exc.LockedException(f"Item {secret} is locked!")


def _keyring_wraps(cause: BaseException, outer: BaseException) -> BaseException:
    try:
        raise outer from cause
    except BaseException as exc:  # noqa: BLE001 - building a chained exception for a test
        return exc


# (factory, expected reason): each quotes the secret in its message, as a careless backend might.
FAILURES: list[tuple[str, Callable[[str], BaseException], str]] = [
    ("NoKeyringError", lambda s: keyring.errors.NoKeyringError(f"none for {s}"), "no_backend"),
    ("KeyringLocked", lambda s: keyring.errors.KeyringLocked(f"locked {s}"), "locked"),
    ("LockedException", _locked_from_secretstorage, "locked"),
    (
        "PromptDismissed",
        lambda s: ss_exc.PromptDismissedException(f"dismissed {s}"),
        "locked",
    ),
    (
        "ItemNotFound",
        lambda s: ss_exc.ItemNotFoundException(f"No collection for {s}"),
        "no_collection",
    ),
    (
        "InitError(ItemNotFound)",
        lambda s: _keyring_wraps(
            ss_exc.ItemNotFoundException(f"No such collection {s}"),
            keyring.errors.InitError(f"Failed to create the collection: {s}."),
        ),
        "no_collection",
    ),
    (
        "InitError",
        lambda s: keyring.errors.InitError(f"cannot init {s}"),
        "unavailable",
    ),
    (
        "SecretServiceNotAvailable",
        lambda s: ss_exc.SecretServiceNotAvailableException(f"no bus {s}"),
        "unavailable",
    ),
    (
        "PasswordSetError",
        lambda s: keyring.errors.PasswordSetError(f"refused {s}"),
        "write_refused",
    ),
    (
        "PasswordDeleteError",
        lambda s: keyring.errors.PasswordDeleteError(f"refused {s}"),
        "write_refused",
    ),
    ("RuntimeError", lambda s: RuntimeError(f"boom {s}"), "unavailable"),
    ("OSError", lambda s: OSError(5, f"I/O {s}"), "unavailable"),
    ("KeyError", lambda s: KeyError(s), "unavailable"),
]


def _leak_text(exc: BaseException) -> str:
    return "\n".join(
        [
            str(exc),
            repr(exc),
            "".join(traceback.format_exception(exc)),
            "".join(traceback.format_exception(exc, chain=True)),
            repr(exc.args),
            repr(exc.__cause__),
            repr(exc.__context__),
            repr(vars(exc)),
        ]
    )


@pytest.fixture
def memory() -> MemoryBackend:
    return MemoryBackend()


@pytest.fixture
def store(memory: MemoryBackend) -> KeyStore:
    return KeyStore(environ={}, backend=memory)


# --- ApiKey --------------------------------------------------------------------------------------


def test_api_key_strips_and_reveals() -> None:
    key = ApiKey(f"  {CANARY}\n")
    assert key.reveal() == CANARY
    assert key.source == "session"
    assert ApiKey(CANARY, source="keyring").source == "keyring"


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_api_key_empty_is_value_error(blank: str) -> None:
    with pytest.raises(ValueError, match=r"^The API key is empty\.$"):
        ApiKey(blank)


def test_api_key_masks() -> None:
    key = ApiKey("sk-proj-abcdefghijklmnopa1b2")
    assert key.masked() == "sk-…a1b2"
    assert repr(key) == "ApiKey(sk-…a1b2)"
    assert str(key) == "ApiKey(sk-…a1b2)"
    assert f"{key}" == "ApiKey(sk-…a1b2)"
    assert ApiKey("sk-short").masked() == "••••"
    assert repr(ApiKey("sk-short")) == "ApiKey(••••)"


def test_api_key_never_shows_secret() -> None:
    key = ApiKey(CANARY)
    shown = [repr(key), str(key), f"{key}", f"{key!r}", format(key), repr([key]), repr({1: key})]
    shown.append("%s" % key)  # noqa: UP031 - the old formatting path too
    for text in shown:
        assert CANARY not in text
        assert CANARY[3:-4] not in text


def test_api_key_equality_and_hash() -> None:
    a, b, c = ApiKey(CANARY), ApiKey(f" {CANARY} ", source="keyring"), ApiKey(CANARY + "x")
    assert a == b
    assert hash(a) == hash(b)
    assert a != c
    assert a != CANARY
    assert len({a, b, c}) == 2


def test_api_key_is_not_picklable() -> None:
    key = ApiKey(CANARY)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled") as info:
            pickle.dumps(key, protocol=protocol)
        assert CANARY not in str(info.value)
    with pytest.raises(TypeError):
        pickle.dumps([key])


def test_api_key_is_read_only_and_copies_safely() -> None:
    key = ApiKey(CANARY)
    with pytest.raises(AttributeError):
        key.source = "keyring"
    with pytest.raises(AttributeError):
        key._secret = "x"
    assert not hasattr(key, "__dict__")
    assert copy.copy(key) is key
    assert copy.deepcopy(key) is key


# --- lookup order --------------------------------------------------------------------------------


def test_get_none_when_nothing_stored(store: KeyStore) -> None:
    assert store.get(PROFILE) is None
    assert store.environment_override() is False


def test_set_then_get_from_keyring(store: KeyStore, memory: MemoryBackend) -> None:
    store.set(PROFILE, f" {CANARY} ")
    assert memory.store == {(SERVICE, PROFILE): CANARY}
    key = store.get(PROFILE)
    assert key is not None
    assert key.reveal() == CANARY
    assert key.source == "keyring"
    assert store.get("other") is None


def test_profiles_are_separate(store: KeyStore) -> None:
    store.set("a", "sk-aaaaaaaaaaaaaaaaaaaa")
    store.set("b", "sk-bbbbbbbbbbbbbbbbbbbb")
    assert store.get("a") == ApiKey("sk-aaaaaaaaaaaaaaaaaaaa")
    assert store.get("b") == ApiKey("sk-bbbbbbbbbbbbbbbbbbbb")


def test_set_overwrites(store: KeyStore) -> None:
    store.set(PROFILE, "sk-first-111111111111")
    store.set(PROFILE, "sk-second-22222222222")
    key = store.get(PROFILE)
    assert key is not None and key.reveal() == "sk-second-22222222222"


def test_set_empty_key_is_value_error(store: KeyStore, memory: MemoryBackend) -> None:
    with pytest.raises(ValueError, match="empty"):
        store.set(PROFILE, "  ")
    assert memory.calls == []


def test_environment_overrides_everything(memory: MemoryBackend) -> None:
    memory.store[(SERVICE, PROFILE)] = "sk-from-keyring-000000"
    store = KeyStore(environ={ENV_VAR: f" {CANARY}\n"}, backend=memory)
    store.set_for_session(PROFILE, "sk-from-session-000000")
    assert store.environment_override() is True
    key = store.get(PROFILE)
    assert key is not None
    assert key.reveal() == CANARY
    assert key.source == "environment"
    assert "get" not in memory.calls  # the keyring is not even asked


@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_environment_is_ignored(memory: MemoryBackend, blank: str) -> None:
    memory.store[(SERVICE, PROFILE)] = CANARY
    store = KeyStore(environ={ENV_VAR: blank}, backend=memory)
    assert store.environment_override() is False
    key = store.get(PROFILE)
    assert key is not None and key.source == "keyring"


def test_environ_defaults_to_os_environ(
    monkeypatch: pytest.MonkeyPatch, memory: MemoryBackend
) -> None:
    monkeypatch.setenv(ENV_VAR, CANARY)
    store = KeyStore(backend=memory)
    assert store.environment_override() is True
    key = store.get(PROFILE)
    assert key is not None and key.source == "environment"
    monkeypatch.delenv(ENV_VAR)
    assert store.environment_override() is False
    assert store.get(PROFILE) is None


def test_session_key_wins_over_keyring_and_never_reaches_it(
    store: KeyStore, memory: MemoryBackend
) -> None:
    memory.store[(SERVICE, PROFILE)] = "sk-from-keyring-000000"
    store.set_for_session(PROFILE, CANARY)
    key = store.get(PROFILE)
    assert key is not None
    assert key.reveal() == CANARY
    assert key.source == "session"
    assert CANARY not in memory.store.values()
    assert "set" not in memory.calls


def test_session_key_works_without_any_keyring() -> None:
    store = KeyStore(environ={}, backend=fail.Keyring())
    store.set_for_session(PROFILE, CANARY)
    key = store.get(PROFILE)
    assert key is not None and key.reveal() == CANARY and key.source == "session"
    with pytest.raises(KeyStoreError) as info:
        store.get("other-profile")
    assert info.value.reason == "no_backend"


def test_session_key_is_dropped_by_set_and_delete(store: KeyStore, memory: MemoryBackend) -> None:
    store.set_for_session(PROFILE, "sk-session-0000000000")
    store.set(PROFILE, CANARY)
    key = store.get(PROFILE)
    assert key is not None and key.source == "keyring"
    store.set_for_session(PROFILE, "sk-session-0000000000")
    store.delete(PROFILE)
    assert store.get(PROFILE) is None
    store.set_for_session(PROFILE, "sk-session-0000000000")
    store.clear_session(PROFILE)
    assert store.get(PROFILE) is None


def test_set_for_session_empty_is_value_error(store: KeyStore) -> None:
    with pytest.raises(ValueError, match="empty"):
        store.set_for_session(PROFILE, "")


def test_delete_missing_is_not_an_error(store: KeyStore, memory: MemoryBackend) -> None:
    store.delete(PROFILE)
    store.set(PROFILE, CANARY)
    store.delete(PROFILE)
    store.delete(PROFILE)
    assert memory.store == {}
    assert store.get(PROFILE) is None


def test_empty_stored_value_reads_as_none(store: KeyStore, memory: MemoryBackend) -> None:
    memory.store[(SERVICE, PROFILE)] = "  "
    assert store.get(PROFILE) is None


def test_backend_resolved_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    memory = MemoryBackend()
    calls: list[int] = []

    def fake_get_keyring() -> KeyringBackend:
        calls.append(1)
        return memory

    monkeypatch.setattr(keyring, "get_keyring", fake_get_keyring)
    store = KeyStore(environ={})
    assert calls == []
    store.set(PROFILE, CANARY)
    assert store.get(PROFILE) == ApiKey(CANARY)
    assert calls == [1]


def test_backend_discovery_failure_is_keystore_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> KeyringBackend:
        raise RuntimeError(f"config names {CANARY}")

    monkeypatch.setattr(keyring, "get_keyring", broken)
    store = KeyStore(environ={})
    with caplog.at_level(logging.DEBUG), pytest.raises(KeyStoreError) as info:
        store.set(PROFILE, CANARY)
    assert info.value.reason == "unavailable"
    assert CANARY not in _leak_text(info.value)
    assert CANARY not in caplog.text
    assert store.describe_backend() == "Unknown keyring"


# --- failures ------------------------------------------------------------------------------------


def test_fail_backend_is_no_backend(caplog: pytest.LogCaptureFixture) -> None:
    store = KeyStore(environ={}, backend=fail.Keyring())
    with caplog.at_level(logging.WARNING):
        calls: list[Callable[[], object]] = [
            lambda: store.get(PROFILE),
            lambda: store.set(PROFILE, CANARY),
            lambda: store.delete(PROFILE),
        ]
        for call in calls:
            with pytest.raises(KeyStoreError) as info:
                call()
            assert info.value.reason == "no_backend"
            assert CANARY not in _leak_text(info.value)
    assert "No usable system keyring" in caplog.text
    assert CANARY not in caplog.text
    assert store.describe_backend() == "No system keyring"


@pytest.mark.parametrize(("name", "make", "reason"), FAILURES, ids=[f[0] for f in FAILURES])
@pytest.mark.parametrize("operation", ["get", "set", "delete"])
def test_failures_map_to_reason_without_leaking(
    name: str,
    make: Callable[[str], BaseException],
    reason: str,
    operation: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = KeyStore(environ={}, backend=RaisingBackend(make))
    with caplog.at_level(logging.DEBUG), pytest.raises(KeyStoreError) as info:
        if operation == "get":
            store.get(PROFILE)
        elif operation == "set":
            store.set(PROFILE, CANARY)
        else:
            store.delete(PROFILE)
    exc = info.value
    assert exc.reason == reason
    # Nothing of the backend's exception travels with ours.
    assert exc.__cause__ is None
    assert exc.__context__ is None
    text = _leak_text(exc)
    assert CANARY not in text
    assert CANARY not in caplog.text
    assert CANARY not in info.exconly()
    assert CANARY not in str(info.getrepr())
    # One plain sentence for a person, saying what to do.
    message = str(exc)
    assert message.endswith(".")
    assert message.count(". ") == 0
    assert "keyring" in message
    assert "try again" in message or "turn on" in message
    # A warning is logged, naming the failure but not the key.
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_delete_error_but_key_gone_is_success() -> None:
    # e.g. macOS/Windows raise PasswordDeleteError for "not found" as well
    class Backend(MemoryBackend):
        def delete_password(self, service: str, username: str) -> None:
            raise keyring.errors.PasswordDeleteError(f"nothing for {CANARY}")

    KeyStore(environ={}, backend=Backend()).delete(PROFILE)


def test_delete_refused_while_key_still_there() -> None:
    class Backend(MemoryBackend):
        def delete_password(self, service: str, username: str) -> None:
            raise keyring.errors.PasswordDeleteError(f"refused {CANARY}")

    backend = Backend()
    backend.store[(SERVICE, PROFILE)] = CANARY
    with pytest.raises(KeyStoreError) as info:
        KeyStore(environ={}, backend=backend).delete(PROFILE)
    assert info.value.reason == "write_refused"
    assert info.value.operation == "remove"
    assert CANARY not in _leak_text(info.value)


def test_set_never_falls_back_to_a_file(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    real_open = open

    def spy_open(*args: object, **kwargs: object) -> object:
        opened.append(args[0] if args else kwargs.get("file"))
        return real_open(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", spy_open)
    store = KeyStore(environ={}, backend=RaisingBackend(keyring.errors.PasswordSetError))
    with pytest.raises(KeyStoreError):
        store.set(PROFILE, CANARY)
    assert opened == []


def test_error_message_and_repr() -> None:
    exc = KeyStoreError("locked", "save")
    assert exc.reason == "locked"
    assert repr(exc) == "KeyStoreError(reason='locked', operation='save')"
    assert str(exc) == (
        "The system keyring is locked; unlock it and try again"
        " or enter the key for this session only."
    )
    assert "session" not in str(KeyStoreError("unavailable", "remove"))
    assert "remove" in str(KeyStoreError("unavailable", "remove"))


def test_store_repr_has_no_key(store: KeyStore) -> None:
    store.set_for_session(PROFILE, CANARY)
    assert CANARY not in repr(store)


# --- describing the backend ----------------------------------------------------------------------


def test_describe_known_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    def make(module: str, name: str) -> KeyringBackend:
        cls = type(name, (MemoryBackend,), {"__module__": module})
        backend: KeyringBackend = cls()
        return backend

    cases = {
        ("keyring.backends.macOS", "Keyring"): "macOS Keychain",
        ("keyring.backends.Windows", "WinVaultKeyring"): "Windows Credential Locker",
        ("keyring.backends.kwallet", "DBusKeyring"): "KDE Wallet",
    }
    for (module, name), label in cases.items():
        assert KeyStore(environ={}, backend=make(module, name)).describe_backend() == label

    monkeypatch.setattr(keystore, "_secret_service_provider", lambda: "GNOME Keyring")
    secret_service = make("keyring.backends.SecretService", "Keyring")
    assert KeyStore(environ={}, backend=secret_service).describe_backend() == (
        "Secret Service (GNOME Keyring)"
    )
    monkeypatch.setattr(keystore, "_secret_service_provider", lambda: None)
    assert KeyStore(environ={}, backend=secret_service).describe_backend() == "Secret Service"


def test_describe_unknown_backend_uses_its_name(memory: MemoryBackend) -> None:
    assert KeyStore(environ={}, backend=memory).describe_backend() == memory.name


def test_describe_chainer_uses_first_backend() -> None:
    from keyring.backends.chainer import ChainerBackend

    inner: list[KeyringBackend] = [MemoryBackend()]

    class Chainer(ChainerBackend):
        viable = False
        backends = inner

    chainer = Chainer()
    assert KeyStore(environ={}, backend=chainer).describe_backend() == inner[0].name
    inner.clear()
    assert KeyStore(environ={}, backend=chainer).describe_backend() == "No system keyring"
    with pytest.raises(KeyStoreError) as info:
        KeyStore(environ={}, backend=chainer).get(PROFILE)
    assert info.value.reason == "no_backend"


def test_secret_service_provider_without_bus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    assert keystore._secret_service_provider() is None


@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_profile_is_value_error(store: KeyStore, memory: MemoryBackend, blank: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: store.get(blank),
        lambda: store.set(blank, CANARY),
        lambda: store.delete(blank),
        lambda: store.set_for_session(blank, CANARY),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="profile name is empty"):
            call()
    assert memory.calls == []


def test_keystore_error_pickles_with_its_reason() -> None:
    exc = pickle.loads(pickle.dumps(KeyStoreError("no_collection", "save")))
    assert isinstance(exc, KeyStoreError)
    assert (exc.reason, exc.operation) == ("no_collection", "save")
    assert str(exc) == str(KeyStoreError("no_collection", "save"))
