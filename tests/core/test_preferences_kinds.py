"""Connection profiles by kind: saved and loaded as they were, old files read as OpenAI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core.config import Timeouts
from desktop_app.core.dialects import OPENROUTER_BASE_URL, ServerKind
from desktop_app.core.preferences import (
    Preferences,
    PreferencesStore,
    Profile,
    profile_problem,
)

AZURE = Profile(
    "Azure",
    base_url="https://res.openai.azure.com",
    kind="azure",
    deployment="pics",
    api_version="2025-04-01-preview",
)
ROUTER = Profile("Router", base_url=OPENROUTER_BASE_URL, kind="openrouter")


@pytest.mark.parametrize("profile", [Profile("OpenAI"), AZURE, ROUTER], ids=lambda p: p.kind)
def test_each_kind_round_trips(tmp_path: Path, profile: Profile) -> None:
    store = PreferencesStore(tmp_path / "settings.json")
    store.save(Preferences(profiles=[profile], active_profile=profile.name))
    assert store.load().profiles == [profile]


def test_a_file_from_before_kinds_loads_as_openai(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    old = {"version": 1, "profiles": [{"name": "Gateway", "base_url": "https://gw.example/v1"}]}
    path.write_text(json.dumps(old))
    (profile,) = PreferencesStore(path).load().profiles
    assert profile.kind == "openai" and profile.deployment == "" and profile.api_version == ""


def test_an_unknown_kind_drops_the_profile_rather_than_guess(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    profiles = [
        {"name": "OpenAI"},
        {"name": "Future", "base_url": "https://x.example", "kind": "quantum"},
    ]
    path.write_text(json.dumps({"version": 1, "profiles": profiles}))
    assert [p.name for p in PreferencesStore(path).load().profiles] == ["OpenAI"]


def test_client_config_carries_the_kind_and_its_extras() -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    azure = AZURE.client_config(Timeouts(), env)
    assert azure.kind is ServerKind.AZURE and azure.base_url == "https://res.openai.azure.com"
    assert (azure.deployment, azure.api_version) == ("pics", "2025-04-01-preview")
    assert azure.organization is None
    assert ROUTER.client_config(Timeouts(), env).base_url == OPENROUTER_BASE_URL
    # OPENAI_BASE_URL still redirects the OpenAI profile, and only that one.
    assert Profile("OpenAI").client_config(Timeouts(), env).base_url == env["OPENAI_BASE_URL"]


def test_profile_problems_name_the_missing_field() -> None:
    assert profile_problem(AZURE) is None and profile_problem(ROUTER) is None
    no_deployment = Profile("A", base_url="https://res.openai.azure.com", kind="azure")
    assert "deployment" in (profile_problem(no_deployment) or "")
    no_resource = Profile("A", base_url="", kind="azure", deployment="pics")
    assert "resource URL" in (profile_problem(no_resource) or "")
    old_version = Profile(
        "A", base_url=AZURE.base_url, kind="azure", deployment="d", api_version="2024-02-01"
    )
    assert "2025-04-01" in (profile_problem(old_version) or "")
    assert Profile.of_kind("R", "openrouter").base_url == OPENROUTER_BASE_URL
