"""KeyStore against a real Secret Service: a throwaway gnome-keyring on a private D-Bus.

Run with ``scripts/with-test-keyring .venv/bin/python -m pytest tests/core/test_keystore_real.py``.
Without it (IMAGE_VARIATIONS_REAL_KEYRING unset) these tests skip, except under CI, where they
fail: CI must run them for real.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator

import pytest
from keyring.backend import KeyringBackend

from desktop_app.core.keystore import ENV_VAR, SERVICE, ApiKey, KeyStore, KeyStoreError

pytestmark = [pytest.mark.real_keyring, pytest.mark.timeout(60)]

REAL = os.environ.get("IMAGE_VARIATIONS_REAL_KEYRING") == "1"
CANARY = "sk-canary-5f3a0d9e8c7b6a5f4e3d2c1b0a9f8e7d"


@pytest.fixture(autouse=True)
def _real_keyring_required() -> None:
    if REAL:
        return
    if os.environ.get("CI"):
        pytest.fail(
            "IMAGE_VARIATIONS_REAL_KEYRING is not set: CI must run the real keyring tests under "
            "scripts/with-test-keyring (apt-get install gnome-keyring dbus-daemon).",
            pytrace=False,
        )
    pytest.skip(
        "needs a throwaway Secret Service: run under scripts/with-test-keyring "
        "(IMAGE_VARIATIONS_REAL_KEYRING=1)"
    )


@pytest.fixture
def backend() -> KeyringBackend:
    from keyring.backends import SecretService

    real: KeyringBackend = SecretService.Keyring()
    return real


@pytest.fixture
def profile(backend: KeyringBackend) -> Iterator[str]:
    """A profile name of its own per test, removed afterwards."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    KeyStore(environ={}, backend=backend).delete(name)


@pytest.fixture
def store(backend: KeyringBackend) -> KeyStore:
    return KeyStore(environ={}, backend=backend)


def _leak_text(exc: BaseException) -> str:
    return "\n".join(
        [
            str(exc),
            repr(exc),
            "".join(traceback.format_exception(exc)),
            repr(exc.__cause__),
            repr(exc.__context__),
        ]
    )


@contextlib.contextmanager
def _no_leaked_sockets() -> Iterator[None]:
    """keyring's Secret Service backend leaves its D-Bus connection open when it raises;
    KeyStore closes it. Check that no socket is left for the garbage collector."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        yield
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def _unlock_default_collection() -> None:
    """Unlock gnome-keyring's default collection with its password, without a prompt.

    gnome-keyring's unlock normally asks through a prompt window; its
    InternalUnsupportedGuiltRiddenInterface takes the password directly (its own tests use it).
    """
    import secretstorage
    from secretstorage.util import DBusAddressWrapper, format_secret, open_session

    password = os.environ.get("IMAGE_VARIATIONS_TEST_KEYRING_PASSWORD", "test-keyring-pw")
    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(connection)
        if not collection.is_locked():
            return
        session = open_session(connection)
        secret = format_secret(session, password.encode(), "text/plain")
        internal = DBusAddressWrapper(
            "/org/freedesktop/secrets",
            "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
            connection,
        )
        internal.call("UnlockWithMasterPassword", "o(oayays)", collection.collection_path, secret)
        assert not collection.is_locked()
    finally:
        connection.close()


# --- the round trip ------------------------------------------------------------------------------


def test_default_collection_exists_and_is_unlocked() -> None:
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(connection)
        assert not collection.is_locked()
    finally:
        connection.close()


def test_set_get_delete(store: KeyStore, profile: str) -> None:
    assert store.get(profile) is None
    store.set(profile, f"  {CANARY}\n")
    key = store.get(profile)
    assert key == ApiKey(CANARY)
    assert key is not None and key.source == "keyring" and key.reveal() == CANARY
    # a fresh store (as after a restart) reads it from the keyring again
    again = KeyStore(environ={}, backend=store._backend).get(profile)
    assert again is not None and again.reveal() == CANARY
    store.delete(profile)
    assert store.get(profile) is None
    store.delete(profile)  # deleting a missing key is fine


def test_overwrite(store: KeyStore, profile: str) -> None:
    store.set(profile, "sk-first-aaaaaaaaaaaaaaaa")
    store.set(profile, CANARY)
    key = store.get(profile)
    assert key is not None and key.reveal() == CANARY
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        items = list(
            secretstorage.get_default_collection(connection).search_items({"username": profile})
        )
        assert len(items) == 1  # replaced, not added
        assert items[0].get_secret() == CANARY.encode()
        assert CANARY not in items[0].get_label()
        assert CANARY not in repr(items[0].get_attributes())
        assert items[0].get_attributes().get("service") == SERVICE
    finally:
        connection.close()


def test_profiles_are_separate(store: KeyStore, profile: str) -> None:
    other = profile + "-other"
    try:
        store.set(profile, "sk-one-aaaaaaaaaaaaaaaaaa")
        store.set(other, "sk-two-bbbbbbbbbbbbbbbbbb")
        assert store.get(profile) == ApiKey("sk-one-aaaaaaaaaaaaaaaaaa")
        assert store.get(other) == ApiKey("sk-two-bbbbbbbbbbbbbbbbbb")
    finally:
        store.delete(other)


def test_environment_overrides_the_keyring(backend: KeyringBackend, profile: str) -> None:
    KeyStore(environ={}, backend=backend).set(profile, CANARY)
    env_store = KeyStore(environ={ENV_VAR: "sk-from-env-cccccccccccc"}, backend=backend)
    assert env_store.environment_override()
    key = env_store.get(profile)
    assert key is not None and key.source == "environment"
    assert key.reveal() == "sk-from-env-cccccccccccc"
    stored = KeyStore(environ={}, backend=backend).get(profile)
    assert stored is not None and stored.reveal() == CANARY


def test_session_key_never_reaches_the_keyring(store: KeyStore, profile: str) -> None:
    store.set_for_session(profile, CANARY)
    assert store.get(profile) == ApiKey(CANARY)
    assert KeyStore(environ={}, backend=store._backend).get(profile) is None


def test_describe_backend(store: KeyStore) -> None:
    assert store.describe_backend() == "Secret Service (GNOME Keyring)"


def test_default_backend_is_found_lazily(profile: str) -> None:
    store = KeyStore(environ={})
    assert store.describe_backend().startswith("Secret Service")
    store.set(profile, CANARY)
    assert store.get(profile) == ApiKey(CANARY)


def test_canary_never_logged(
    store: KeyStore,
    profile: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    with caplog.at_level(logging.DEBUG):
        store.set(profile, CANARY)
        assert store.get(profile) == ApiKey(CANARY)
        store.delete(profile)
        store.delete(profile)
    out, err = capfd.readouterr()
    assert CANARY not in caplog.text
    assert CANARY not in out + err


# --- failures against the real service -----------------------------------------------------------


def test_locked_collection_is_reason_locked(
    store: KeyStore, profile: str, caplog: pytest.LogCaptureFixture
) -> None:
    import secretstorage

    store.set(profile, CANARY)
    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.get_default_collection(connection)
        collection.lock()
        assert collection.is_locked()
    finally:
        connection.close()
    try:
        # keyring asks the daemon to unlock; the daemon's prompt cannot show (no display on the
        # private bus), so the unlock is dismissed at once.
        with caplog.at_level(logging.DEBUG), _no_leaked_sockets():
            calls: list[Callable[[], object]] = [
                lambda: store.get(profile),
                lambda: store.set(profile, CANARY),
                lambda: store.delete(profile),
            ]
            for call in calls:
                with pytest.raises(KeyStoreError) as info:
                    call()
                assert info.value.reason == "locked"
                assert "locked" in str(info.value)
                assert CANARY not in _leak_text(info.value)
                del info
        assert CANARY not in caplog.text
        # the session-only key is the way out
        store.set_for_session(profile, CANARY)
        key = store.get(profile)
        assert key is not None and key.source == "session"
        store.clear_session(profile)
    finally:
        _unlock_default_collection()
    key = store.get(profile)
    assert key is not None and key.reveal() == CANARY


def test_missing_collection_is_reason_no_collection(
    profile: str, caplog: pytest.LogCaptureFixture
) -> None:
    from keyring.backends import SecretService

    # keyring's SecretService backend stores into `preferred_collection` when it is set.
    backend = SecretService.Keyring()
    # keyring reads this attribute with hasattr() but never declares it, so mypy cannot know it.
    backend.preferred_collection = (  # type: ignore[attr-defined]
        "/org/freedesktop/secrets/collection/does_not_exist"
    )
    store = KeyStore(environ={}, backend=backend)
    with _no_leaked_sockets():
        with caplog.at_level(logging.DEBUG), pytest.raises(KeyStoreError) as info:
            store.set(profile, CANARY)
        assert info.value.reason == "no_collection"
        assert CANARY not in _leak_text(info.value)
        del info
    assert CANARY not in caplog.text


def test_unreachable_service_is_reason_unavailable(
    backend: KeyringBackend, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    profile = f"test-{uuid.uuid4().hex[:12]}"  # nothing gets stored: no clean-up needed
    store = KeyStore(environ={}, backend=backend)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus-socket")
    with caplog.at_level(logging.DEBUG):
        calls: list[Callable[[], object]] = [
            lambda: store.get(profile),
            lambda: store.set(profile, CANARY),
        ]
        for call in calls:
            with pytest.raises(KeyStoreError) as info:
                call()
            assert info.value.reason == "unavailable"
            assert CANARY not in _leak_text(info.value)
    assert CANARY not in caplog.text
