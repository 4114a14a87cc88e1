"""The command line refuses what would waste a paid run before sending anything, and ends
quietly when its reader goes away."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from desktop_app import cli
from desktop_app.core.keystore import KeyStore
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI, Fault

EDITS = "/v1/images/edits"


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    Image.linear_gradient("L").resize((900, 600)).convert("RGB").save(path, "JPEG")
    return path


@pytest.fixture
def env(api_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("OPENAI_BASE_URL", api_server.base_url)
    return {"OPENAI_API_KEY": CANARY_KEY}


def vary(env: dict[str, str], *args: str) -> int:
    return cli.main(["vary", *args], keystore=KeyStore(environ=env))


@pytest.mark.parametrize("problem", ["a file", "under a file"])
def test_an_out_that_cannot_take_the_results_is_refused_before_paying(
    env: dict[str, str],
    photo: Path,
    tmp_path: Path,
    api_server: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
    problem: str,
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    out = blocker if problem == "a file" else blocker / "inside"
    assert vary(env, str(photo), "--out", str(out)) == cli.EXIT_USAGE
    says = "is a file" if problem == "a file" else "cannot make the folder"
    assert says in capsys.readouterr().err
    assert api_server.count(EDITS) == 0


def test_a_crop_outside_the_picture_is_refused_before_paying(
    env: dict[str, str],
    photo: Path,
    tmp_path: Path,
    api_server: FakeOpenAI,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = vary(env, str(photo), "--crop", "5000,0,100", "--out", str(tmp_path / "o"))
    assert code == cli.EXIT_USAGE
    assert "outside the picture (900 x 600" in capsys.readouterr().err
    assert api_server.count(EDITS) == 0


def test_a_small_square_is_warned_about_as_in_the_window(
    env: dict[str, str], photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert vary(env, str(photo), "--crop", "0,0,100", "--out", str(tmp_path / "o")) == 0
    assert "only 100 px wide" in capsys.readouterr().err


@pytest.mark.parametrize("timeout", ["nan", "inf", "-1"])
def test_a_timeout_that_is_not_a_number_of_seconds_is_a_usage_error(
    env: dict[str, str], photo: Path, timeout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert vary(env, str(photo), "--timeout", timeout) == cli.EXIT_USAGE
    assert "--timeout" in capsys.readouterr().err


def test_a_folder_or_a_fifo_as_the_picture_is_named_for_what_it_is(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert vary(env, str(tmp_path)) == cli.EXIT_USAGE
    assert "is a folder" in capsys.readouterr().err
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert vary(env, str(fifo)) == cli.EXIT_USAGE
    assert "not a regular file" in capsys.readouterr().err


def test_a_server_failing_after_the_retries_exits_5(
    env: dict[str, str], photo: Path, tmp_path: Path, api_server: FakeOpenAI
) -> None:
    api_server.inject(Fault("server_error", status=500), path=EDITS, times=5)
    assert vary(env, str(photo), "--out", str(tmp_path / "o")) == cli.EXIT_NETWORK


def test_a_closed_pipe_still_saves_every_image_and_ends_quietly(
    api_server: FakeOpenAI, photo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    environ = {**os.environ, "OPENAI_API_KEY": CANARY_KEY, "OPENAI_BASE_URL": api_server.base_url}
    command = [
        sys.executable,
        "-m",
        "desktop_app",
        "vary",
        str(photo),
        "-n",
        "3",
        "--out",
        str(out),
    ]
    reader = subprocess.run(
        f"{' '.join(map(repr, command))} | head -c 0",
        shell=True,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert len(list(out.iterdir())) == 3
    assert "Traceback" not in reader.stderr and "BrokenPipe" not in reader.stderr


def test_deleting_a_key_that_is_not_there_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.keyring_backends import MemoryBackend

    store = KeyStore(backend=MemoryBackend(), environ={})
    assert cli.main(["key", "delete"], keystore=store) == 0
    assert "nothing to remove" in capsys.readouterr().out
