"""Preferences: defaults, a lossless round trip, atomic saves, and loading that never crashes."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.config import DEFAULT_BASE_URL, ClientConfig, Timeouts
from desktop_app.core.naming import DEFAULT_TEMPLATE
from desktop_app.core.paths import config_folder, default_output_folder
from desktop_app.core.preferences import (
    Preferences,
    PreferencesStore,
    Profile,
    base_url_caution,
    base_url_problem,
    effective_base_url,
    looks_like_api_key,
    profile_name_problem,
    template_example,
)
from tests.conftest import CANARY_KEY


@pytest.fixture
def store(tmp_path: Path) -> PreferencesStore:
    return PreferencesStore(tmp_path / "config" / "settings.json")


def _write(store: PreferencesStore, document: Any) -> None:
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(json.dumps(document), encoding="utf-8")


def _custom() -> Preferences:
    return Preferences(
        profiles=[
            Profile("OpenAI", organization="org-123", project="proj_abc"),
            Profile("Company gateway", base_url="https://gateway.example.com/openai/v1"),
        ],
        active_profile="Company gateway",
        save_folder="/srv/pictures",
        filename_template="{date}-{source}-{index}",
        save_format="webp",
        connect_timeout=5.0,
        read_timeout=120.5,
        deadline=900.0,
        mode="classic",
        model="dall-e-2",
        n=2,
        size="512x512",
        quality="high",
        output_format="jpeg",
        strength="subtle",
        prompt="Make it autumn.",
        shape="9:16",
        zoom_out=2.0,
        last_open_folder="/home/me/Photos",
        batch_jobs=4,
        batch_saves=False,
        strip_metadata=True,
        monthly_budget=25.0,
        keep_days=90,
        keep_gb=2.5,
    )


# --- defaults ------------------------------------------------------------------------------------


def test_defaults() -> None:
    prefs = Preferences()
    assert prefs.profiles == [Profile("OpenAI")]
    assert prefs.profile() == Profile("OpenAI", base_url=DEFAULT_BASE_URL)
    assert prefs.filename_template == DEFAULT_TEMPLATE
    assert (prefs.save_format, prefs.mode, prefs.n) == ("png", "edit", 4)
    assert prefs.strength == "balanced"
    assert prefs.timeouts() == Timeouts(connect=10.0, read=360.0, deadline=600.0)
    assert prefs.output_folder() == default_output_folder()


def test_a_missing_file_gives_the_defaults(store: PreferencesStore) -> None:
    assert store.load() == Preferences()
    assert not store.path.exists()


def test_the_default_location_is_the_config_folder() -> None:
    assert PreferencesStore().path == config_folder() / "settings.json"


def test_profiles_are_looked_up_by_name() -> None:
    prefs = _custom()
    assert prefs.profile().name == "Company gateway"
    assert prefs.profile("OpenAI").organization == "org-123"
    with pytest.raises(KeyError):
        prefs.profile("Nowhere")
    prefs.active_profile = "gone"
    assert prefs.profile().name == "OpenAI"  # a stale active name falls back to the first


def test_there_is_always_a_profile() -> None:
    with pytest.raises(ValueError):
        Preferences(profiles=[])


def test_a_profile_makes_a_client_config() -> None:
    profile = Profile("Gateway", "https://gw.example.com/v1/", organization=" org-1 ", project="")
    config = profile.client_config(Timeouts(connect=3.0), environ={})
    assert config.base_url == "https://gw.example.com/v1"
    assert (config.organization, config.project) == ("org-1", None)
    assert config.timeouts.connect == 3.0


def test_the_output_folder_expands_the_home_folder() -> None:
    assert Preferences(save_folder="~/Results").output_folder() == Path.home() / "Results"


# --- round trip and atomic saves -----------------------------------------------------------------


def test_round_trip(store: PreferencesStore) -> None:
    prefs = _custom()
    store.save(prefs)
    assert store.load() == prefs
    document = json.loads(store.path.read_text(encoding="utf-8"))
    assert document["version"] == 1
    assert document["profiles"][1]["name"] == "Company gateway"


def test_every_field_differs_from_its_default_in_the_round_trip() -> None:
    # So that a field added later and forgotten by the reader fails test_round_trip.
    default, custom = Preferences(), _custom()
    same = [
        f.name
        for f in dataclasses.fields(Preferences)
        if getattr(default, f.name) == getattr(custom, f.name)
    ]
    assert same == []


def test_save_leaves_no_temporary_files(store: PreferencesStore) -> None:
    store.save(Preferences())
    store.save(_custom())
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["settings.json"]


def test_a_crash_before_the_rename_keeps_the_old_file(
    store: PreferencesStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(Preferences())
    before = store.path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        store.save(_custom())
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["settings.json"]


def test_the_file_is_flushed_to_disk_before_the_rename(
    store: PreferencesStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        order.append("fsync")
        real_fsync(fd)

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        order.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    store.save(Preferences())
    assert order.index("fsync") < order.index("replace")


# --- broken files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"\xff\xfe garbage", b"[1, 2, 3]", b"", b'"just a string"'],
    ids=["syntax", "not-utf8", "a-list", "empty", "a-string"],
)
def test_an_unreadable_file_gives_defaults_and_is_kept(store: PreferencesStore, raw: bytes) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(raw)
    assert store.load() == Preferences()
    copies = list(store.path.parent.glob("settings.json.bad-*"))
    assert len(copies) == 1
    assert copies[0].read_bytes() == raw
    # Loading again keeps a second copy instead of overwriting the first.
    store.load()
    assert len(list(store.path.parent.glob("settings.json.bad-*"))) == 2


def test_saving_after_a_corrupt_file_replaces_it(store: PreferencesStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{oops", encoding="utf-8")
    prefs = store.load()
    store.save(prefs)
    assert store.load() == Preferences()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("active_profile", 3),
        ("save_folder", ["a"]),
        ("filename_template", "{nope}"),
        ("filename_template", 12),
        ("save_format", "gif"),
        ("connect_timeout", "10"),
        ("connect_timeout", True),
        ("connect_timeout", 0),
        ("read_timeout", float("nan")),
        ("read_timeout", -5),
        ("deadline", 10**9),
        ("mode", "draw"),
        ("model", None),
        ("n", 2.5),
        ("n", 0),
        ("n", 11),
        ("n", True),
        ("size", 1024),
        ("quality", {}),
        ("output_format", "bmp"),
        ("strength", "extreme"),
        ("prompt", 1),
        ("last_open_folder", False),
        ("shape", "4:3"),
        ("shape", 1),
        ("zoom_out", 3.0),
        ("zoom_out", True),
        ("batch_jobs", 0),
        ("batch_jobs", 9),
        ("batch_saves", "yes"),
    ],
)
def test_a_wrong_value_falls_back_to_that_fields_default(
    store: PreferencesStore, name: str, value: Any
) -> None:
    good = json.loads(json.dumps({"version": 1, **_document(_custom())}))
    good[name] = value
    store.path.parent.mkdir(parents=True, exist_ok=True)
    # allow_nan: NaN is what a hand-edited or foreign file may hold
    store.path.write_text(json.dumps(good, allow_nan=True), encoding="utf-8")
    loaded = store.load()
    expected = _custom()
    setattr(expected, name, getattr(Preferences(), name))
    if name == "active_profile":
        expected.active_profile = "OpenAI"  # the first profile
    assert loaded == expected
    assert not list(store.path.parent.glob("*.bad-*"))


def _document(prefs: Preferences) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(prefs)


def test_integer_timeouts_are_read_as_seconds(store: PreferencesStore) -> None:
    _write(store, {"connect_timeout": 7, "read_timeout": 60, "deadline": 100})
    prefs = store.load()
    assert (prefs.connect_timeout, prefs.read_timeout, prefs.deadline) == (7.0, 60.0, 100.0)
    assert isinstance(prefs.connect_timeout, float)


def test_unknown_fields_are_ignored(store: PreferencesStore) -> None:
    _write(store, {"version": 7, "theme": "dark", "n": 3, "profiles": [{"name": "OpenAI", "x": 1}]})
    prefs = store.load()
    assert prefs.n == 3
    assert prefs.profiles == [Profile("OpenAI")]
    assert not hasattr(prefs, "theme")


def test_a_partial_file_keeps_the_defaults_of_the_rest(store: PreferencesStore) -> None:
    _write(store, {"save_format": "jpeg"})
    assert store.load() == Preferences(save_format="jpeg")


@pytest.mark.parametrize("profiles", [None, "OpenAI", [], [1, "x", {"name": ""}], {"name": "A"}])
def test_unusable_profiles_give_the_default_profile(store: PreferencesStore, profiles: Any) -> None:
    _write(store, {"profiles": profiles, "active_profile": "A"})
    prefs = store.load()
    assert prefs.profiles == [Profile("OpenAI")]
    assert prefs.active_profile == "OpenAI"


def test_broken_profile_fields_fall_back_one_by_one(store: PreferencesStore) -> None:
    _write(
        store,
        {
            "profiles": [
                {"name": " OpenAI ", "base_url": "ftp://x", "organization": 5, "project": "p"},
                {"name": "Gateway", "base_url": "https://gw.example/v1", "organization": None},
            ],
            "active_profile": "Gateway",
        },
    )
    prefs = store.load()
    assert prefs.profiles == [
        Profile("OpenAI", DEFAULT_BASE_URL, "", "p"),
        Profile("Gateway", "https://gw.example/v1"),
    ]
    assert prefs.active_profile == "Gateway"


def test_a_gateway_with_a_broken_url_is_dropped_not_pointed_at_openai(
    store: PreferencesStore,
) -> None:
    # OpenAI's address in its place would send the gateway's key to OpenAI.
    _write(store, {"profiles": [{"name": "Gateway", "base_url": "not a url"}, {"name": "B"}]})
    assert [p.name for p in store.load().profiles] == ["B"]


def test_profile_names_stay_unique(store: PreferencesStore) -> None:
    names = [{"name": "A", "project": "first"}, {"name": "a"}, {"name": "A"}, {"name": "B"}]
    _write(store, {"profiles": names})
    prefs = store.load()
    assert [(p.name, p.project) for p in prefs.profiles] == [("A", "first"), ("B", "")]


def test_an_unreadable_path_gives_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "settings.json"
    folder.mkdir()  # a folder where the file should be: reading raises IsADirectoryError
    assert PreferencesStore(folder).load() == Preferences()


# --- the key stays out ---------------------------------------------------------------------------


def test_no_key_reaches_the_file_even_when_pasted_into_the_wrong_field(
    store: PreferencesStore,
) -> None:
    prefs = _custom()
    prefs.prompt = f"use {CANARY_KEY}"
    prefs.model = CANARY_KEY
    prefs.profiles[0].organization = CANARY_KEY
    prefs.profiles[1].project = CANARY_KEY
    prefs.profiles[1].base_url = f"https://{CANARY_KEY}@gw.example.com/v1"
    prefs.profiles.append(Profile(CANARY_KEY))
    prefs.active_profile = CANARY_KEY
    store.save(prefs)
    text = store.path.read_text(encoding="utf-8")
    assert CANARY_KEY not in text
    assert "sk-" not in text
    loaded = store.load()
    assert loaded.prompt == "" and loaded.model == ""
    assert loaded.profile().name == "Profile 3"
    assert loaded.profiles[1].base_url == DEFAULT_BASE_URL
    # the caller's object is left alone
    assert prefs.model == CANARY_KEY


def test_what_looks_like_a_key() -> None:
    assert looks_like_api_key(CANARY_KEY)
    assert looks_like_api_key("sk-proj-" + "A1b2" * 10)
    assert not looks_like_api_key("sk-short")
    assert not looks_like_api_key("ask-for-a-longer-example-please")
    assert not looks_like_api_key("org-abcdefghijklmnopqrstu")


# --- OPENAI_BASE_URL ----------------------------------------------------------------------------


def test_openai_base_url_overrides_only_the_openai_profile_at_use_time(
    store: PreferencesStore,
) -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"}
    openai, gateway = Profile("OpenAI"), Profile("Gateway", "https://gw.example.com/v1")
    assert effective_base_url(openai, env) == "http://127.0.0.1:8080/v1"
    assert effective_base_url(gateway, env) == "https://gw.example.com/v1"
    assert effective_base_url(openai, {"OPENAI_BASE_URL": "  "}) == DEFAULT_BASE_URL
    assert openai.client_config(Timeouts(), env).base_url == "http://127.0.0.1:8080/v1"
    store.save(Preferences(profiles=[openai, gateway]))
    assert "127.0.0.1" not in store.path.read_text(encoding="utf-8")


def test_client_config_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:9999/v1")
    assert Profile("OpenAI").client_config(Timeouts()).base_url == "http://localhost:9999/v1"


# --- checks the dialog shares --------------------------------------------------------------------


def test_profile_name_checks() -> None:
    assert profile_name_problem("Gateway", ["OpenAI"]) is None
    assert profile_name_problem("  ", []) == "Give the profile a name."
    assert "already" in (profile_name_problem("openai", ["OpenAI"]) or "")
    assert profile_name_problem("x" * 65) is not None
    assert profile_name_problem("tab\there") is not None
    assert "API key" in (profile_name_problem(CANARY_KEY) or "")


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.openai.com/v1", True),
        ("http://127.0.0.1:8000/v1", True),
        ("  https://gw.example.com/v1  ", True),
        ("", False),
        ("api.openai.com/v1", False),
        ("ftp://example.com", False),
        ("https://", False),
        ("https://host:port/v1", False),
        ("https://host/v1?x=1", False),
    ],
)
def test_base_url_checks(url: str, ok: bool) -> None:
    assert (base_url_problem(url) is None) is ok


def test_plain_http_to_another_computer_is_cautioned() -> None:
    assert base_url_caution("http://gw.example.com/v1") is not None
    assert base_url_caution("http://localhost:8000/v1") is None
    assert base_url_caution("https://gw.example.com/v1") is None


def test_template_example() -> None:
    assert template_example(DEFAULT_TEMPLATE, "png") == "photo-01-20261123-101500.png"
    assert template_example("", "webp") == "photo-01-20261123-101500.webp"
    with pytest.raises(ValueError, match="unknown field"):
        template_example("{nope}", "png")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/v1", "http://localhost:8000/v1", "http://[::1]:8000/v1"],
)
def test_plain_http_to_this_computer_needs_no_yes(url: str) -> None:
    assert ClientConfig(base_url=url).base_url == url


def test_plain_http_to_another_computer_is_refused_unless_allowed() -> None:
    from desktop_app.core.config import InsecureBaseUrl

    with pytest.raises(InsecureBaseUrl, match="unencrypted"):
        ClientConfig(base_url="http://gw.example.com/v1")
    allowed = ClientConfig(base_url="http://gw.example.com/v1", allow_insecure_http=True)
    assert allowed.base_url == "http://gw.example.com/v1"


def test_a_profiles_yes_covers_its_own_url_only(tmp_path: Path) -> None:
    from desktop_app.core.config import InsecureBaseUrl

    lab = Profile("OpenAI", base_url="http://lab.example.com/v1", allow_insecure_http=True)
    assert lab.client_config(Timeouts(), {}).allow_insecure_http
    with pytest.raises(InsecureBaseUrl):  # OPENAI_BASE_URL is not what the user said yes to
        lab.client_config(Timeouts(), {"OPENAI_BASE_URL": "http://other.example.com/v1"})
    flagged = lab.client_config(
        Timeouts(), {"OPENAI_BASE_URL": "http://other.example.com/v1"}, allow_insecure_http=True
    )
    assert flagged.base_url == "http://other.example.com/v1"
    store = PreferencesStore(tmp_path / "settings.json")
    store.save(Preferences(profiles=[lab]))
    assert store.load().profile().allow_insecure_http
    raw = json.loads((tmp_path / "settings.json").read_text())
    raw["profiles"][0]["allow_insecure_http"] = "yes"  # only a real true is a yes
    (tmp_path / "settings.json").write_text(json.dumps(raw))
    assert not store.load().profile().allow_insecure_http
