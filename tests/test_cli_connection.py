"""The command line and the connection itself: no key in clear text, no traceback for a slow
model list, an unusable key or a SOCKS proxy. Real sockets on 127.0.0.1 only."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from PIL import Image

from desktop_app import cli
from desktop_app.core.keystore import KeyStore
from desktop_app.core.preferences import Preferences, PreferencesStore, Profile
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI, Fault

REMOTE_HTTP = "http://api.example.test/v1"  # RFC 2606: never a real machine
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    Image.linear_gradient("L").resize((600, 400)).convert("RGB").save(path, "JPEG")
    return path


def _proxy_through(server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every plain-http request goes to ``server`` as a proxy: had anything been sent to the
    remote name, the server would have recorded it (with the key)."""
    origin = server.base_url.removesuffix("/v1")
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, origin)
        monkeypatch.setenv(name.lower(), origin)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def _keys() -> KeyStore:
    return KeyStore(environ={"OPENAI_API_KEY": CANARY_KEY})


def test_a_plain_http_base_url_on_another_computer_is_refused_before_sending(
    api_server: FakeOpenAI,
    photo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _proxy_through(api_server, monkeypatch)
    monkeypatch.setenv("OPENAI_BASE_URL", REMOTE_HTTP)
    out = tmp_path / "out"

    code = cli.main(["vary", str(photo), "--out", str(out)], keystore=_keys())
    printed = capsys.readouterr()
    assert code == cli.EXIT_USAGE
    lines = printed.err.strip().splitlines()
    assert len(lines) == 1 and "unencrypted" in lines[0] and "--allow-insecure-http" in lines[0]
    assert "Traceback" not in printed.err
    assert cli.main(["models"], keystore=_keys()) == cli.EXIT_USAGE
    assert api_server.requests == []  # nothing left, not even the model list


def test_allow_insecure_http_is_the_explicit_yes(
    api_server: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _proxy_through(api_server, monkeypatch)
    monkeypatch.setenv("OPENAI_BASE_URL", REMOTE_HTTP)

    assert cli.main(["models", "--allow-insecure-http"], keystore=_keys()) == cli.EXIT_OK
    assert "gpt-image" in capsys.readouterr().out
    assert [r.path for r in api_server.requests] == ["/v1/models"]


def test_a_profile_that_allows_plain_http_is_used_and_loopback_needs_no_yes(
    api_server: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _proxy_through(api_server, monkeypatch)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    gateway = Profile("Lab", base_url=REMOTE_HTTP, allow_insecure_http=True)
    PreferencesStore().save(Preferences(profiles=[gateway], active_profile="Lab"))
    keys = KeyStore(environ={"OPENAI_API_KEY": CANARY_KEY})
    assert cli.main(["models"], keystore=keys) == cli.EXIT_OK
    assert len(api_server.requests) == 1

    # The same URL without the profile's yes is refused; nothing more reached the server.
    PreferencesStore().save(Preferences(profiles=[Profile("Lab", base_url=REMOTE_HTTP)]))
    assert cli.main(["models"], keystore=keys) == cli.EXIT_USAGE
    assert len(api_server.requests) == 1
    capsys.readouterr()


def test_a_slow_model_list_under_timeout_is_a_plain_deadline(
    api_server: FakeOpenAI,
    photo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", api_server.base_url)
    api_server.inject(Fault("stall_before_headers", seconds=20), path="/v1/models")
    args = ["vary", str(photo), "--timeout", "1", "--out", str(tmp_path / "out")]

    code = cli.main(args, keystore=_keys())
    printed = capsys.readouterr()
    assert code == cli.EXIT_NETWORK, printed.err
    assert "took too long" in printed.err and "Nothing was billed" in printed.err
    assert "Traceback" not in printed.err
    assert api_server.count("/v1/images/edits") == 0


@pytest.mark.parametrize("key", ["sk-canary-REL-999é€", "sk-canary\r\nX-Evil: 1", "sk-a b"])
def test_a_key_with_characters_no_key_has_is_refused_plainly(
    api_server: FakeOpenAI,
    key: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", api_server.base_url)
    code = cli.main(["models"], keystore=KeyStore(environ={"OPENAI_API_KEY": key}))
    printed = capsys.readouterr()
    assert code == cli.EXIT_USAGE
    assert "OPENAI_API_KEY contains characters no API key has" in printed.err
    assert "Traceback" not in printed.err and key.strip() not in printed.err
    assert api_server.requests == []


def test_key_set_refuses_a_key_with_characters_no_key_has(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("sk-canary-REL-999é€\n"))
    store = KeyStore(environ={})
    assert cli.main(["key", "set"], keystore=store) == cli.EXIT_USAGE
    printed = capsys.readouterr()
    assert "characters no API key has" in printed.err and "Traceback" not in printed.err


@pytest.mark.skipif(
    importlib.util.find_spec("socksio") is not None, reason="SOCKS support is installed here"
)
def test_a_socks_proxy_without_socksio_is_a_plain_sentence(
    api_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", api_server.base_url)
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    code = cli.main(["models"], keystore=_keys())
    printed = capsys.readouterr()
    assert code == cli.EXIT_NETWORK
    assert "SOCKS proxy" in printed.err and "Nothing was sent" in printed.err
    assert "Traceback" not in printed.err
    assert api_server.requests == []
