"""Fixtures shared by every test: a real local API server, a canary key, isolated folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI

# A key that must never show up in a log line, a message, a file or a repr.
CANARY_KEY = "sk-canary-7f3c9e1d4b2a80665e11"


@pytest.fixture(autouse=True)
def isolated_user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """No test may touch the real user's folders, settings or keychain."""
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        folder = home / name.lower()
        folder.mkdir()
        monkeypatch.setenv(name, str(folder))
    monkeypatch.setenv("XDG_PICTURES_DIR", str(home / "Pictures"))
    if not os.environ.get("IMAGE_VARIATIONS_REAL_KEYRING"):
        # Without the throwaway Secret Service, a stray keyring call must fail loudly.
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def api_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(api_key=CANARY_KEY).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def legacy_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(api_key=CANARY_KEY, legacy_gateway=True).start()
    try:
        yield server
    finally:
        server.stop()
