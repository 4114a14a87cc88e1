"""``vary`` with several pictures and folders: a batch from the command line, against the local
API server. Paths as they land, a summary, the most serious failure's exit code, a batch
stopped for quota going on when run again, and a batch killed outright (SIGKILL) completing the
rest without sending again anything that may have been billed."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from desktop_app import cli
from desktop_app.core.batch.journal import COMMAND_LINE, batches_folder
from tests.cli_helpers import vary
from tests.fake_openai import FakeOpenAI, Fault
from tests.test_cli import _subprocess_env

EDITS = "/v1/images/edits"


def pictures(folder: Path, count: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for number in range(start, start + count):
        path = folder / f"pic-{number:02}.jpg"
        Image.new("RGB", (300 + number, 200), (number * 9 % 256, 90, 160)).save(path, "JPEG")
        made.append(path)
    return made


def billed_per_picture(server: FakeOpenAI) -> Counter[str]:
    """Per uploaded picture, the requests the server answered with images (the billed ones)."""
    return Counter(
        hashlib.sha256(request.files[0].data).hexdigest()
        for request in server.requests
        if request.path == EDITS and request.files and request.status == 200
    )


def test_a_folder_and_a_file_are_one_batch_each_path_printed_as_it_lands(
    api_server: FakeOpenAI, env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "photos"
    pictures(folder, 3)
    (folder / "notes.txt").write_text("not a picture")
    (extra,) = pictures(tmp_path / "more", 1, start=7)
    out = tmp_path / "out"
    code = vary(env, str(folder), str(extra), "-n", "2", "--jobs", "2", "--out", str(out))
    printed = capsys.readouterr()
    assert code == cli.EXIT_OK, printed.err
    paths = [Path(line) for line in printed.out.splitlines()]
    assert len(paths) == 8 and sorted(paths) == sorted(out.iterdir())
    assert all(path.name.startswith("pic-") for path in paths)
    assert "4 pictures: 4 done, 0 failed" in printed.err
    assert api_server.count(EDITS) == 4
    assert not list(batches_folder(COMMAND_LINE).glob("*.json"))  # finished: nothing left to resume


def test_the_most_serious_failure_is_the_exit_code_and_the_summary_names_it(
    api_server: FakeOpenAI, env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api_server.inject(Fault("moderation_blocked"), path=EDITS)
    photos = pictures(tmp_path / "photos", 3)
    code = vary(env, *map(str, photos), "--jobs", "1", "--out", str(tmp_path / "out"))
    err = capsys.readouterr().err
    assert code == cli.EXIT_API_REFUSED
    assert "3 pictures: 2 done, 1 failed" in err
    assert "failed: pic-00.jpg:" in err


def test_a_picture_that_cannot_be_read_is_not_offered_again(
    api_server: FakeOpenAI, env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photos = pictures(tmp_path / "photos", 2)
    broken = tmp_path / "photos" / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a JPEG")
    code = vary(env, *map(str, [*photos, broken]), "--out", str(tmp_path / "out"))
    err = capsys.readouterr().err
    assert code != cli.EXIT_OK and "failed: broken.jpg:" in err
    assert "Run the same command again" not in err  # it would fail the same way


def test_a_quota_error_stops_the_batch_and_the_same_command_goes_on(
    api_server: FakeOpenAI, env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photos = pictures(tmp_path / "photos", 5)
    api_server.inject(Fault("insufficient_quota"), path=EDITS)
    args = [*map(str, photos), "--jobs", "1", "--out", str(tmp_path / "out")]
    assert vary(env, *args) == cli.EXIT_API_REFUSED
    err = capsys.readouterr().err
    assert "Stopped:" in err and "5 not sent" in err and "Run the same command again" in err
    assert api_server.count(EDITS) == 1  # not one refusal per picture
    assert vary(env, *args) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "Going on with the batch left unfinished: 5 of 5" in err
    assert api_server.count(EDITS) == 6
    assert len(list((tmp_path / "out").iterdir())) == 5


def test_usage_errors_before_anything_is_sent(
    api_server: FakeOpenAI, env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photos = [str(path) for path in pictures(tmp_path / "photos", 2)]
    assert vary(env, *photos, "--crop", "0,0,100") == cli.EXIT_USAGE
    assert vary(env, *photos, "--jobs", "0") == cli.EXIT_USAGE
    assert vary(env, str(tmp_path / "photos"), str(tmp_path / "missing.jpg")) == cli.EXIT_USAGE
    (tmp_path / "empty").mkdir()
    assert vary(env, str(tmp_path / "empty")) == cli.EXIT_USAGE
    assert "no pictures in" in capsys.readouterr().err
    assert api_server.count(EDITS) == 0


def test_killed_mid_batch_the_same_command_completes_the_rest_and_sends_nothing_paid_twice(
    api_server: FakeOpenAI, tmp_path: Path
) -> None:
    photos = pictures(tmp_path / "photos", 8)
    api_server.stream_delay = 0.3  # each picture's answer streams slowly: time to kill it
    env = _subprocess_env(api_server, tmp_path)
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    command = [
        sys.executable, "-m", "desktop_app", "vary", *map(str, photos), "--stream",
        "--jobs", "2", "--out", str(tmp_path / "out"),
    ]  # fmt: skip
    journal_folder = tmp_path / "data" / "Image Variations" / "batches" / COMMAND_LINE
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path
    )
    try:
        deadline = time.monotonic() + 60
        states: list[str] = []
        while time.monotonic() < deadline:
            time.sleep(0.05)
            states = _states(journal_folder)
            if states.count("done") >= 2 and "sending" in states:
                break
        assert states.count("done") >= 2 and "sending" in states, states
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    out_at_kill = _states(journal_folder).count("sending")  # as the kill left it on disk
    assert out_at_kill >= 1
    api_server.stream_delay = 0.0

    again = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert "Going on with the batch left unfinished" in again.stderr
    # The pictures out when it died may have been billed: reported, not sent again.
    assert again.returncode == cli.EXIT_NETWORK, again.stderr
    assert f"{8 - out_at_kill} done, {out_at_kill} failed" in again.stderr
    assert again.stderr.count("may have been billed") >= out_at_kill
    billed = billed_per_picture(api_server)
    assert max(billed.values()) == 1  # none answered with images twice
    assert len(billed) >= 8 - out_at_kill  # the rest each went out once

    # Asked explicitly, they go again; everything else is left alone.
    sent_before = api_server.count(EDITS)
    last = subprocess.run(
        [*command, "--retry-billed"], env=env, capture_output=True, text=True, timeout=120,
        cwd=tmp_path,
    )  # fmt: skip
    assert last.returncode == cli.EXIT_OK, last.stderr
    assert api_server.count(EDITS) == sent_before + out_at_kill
    assert not list(journal_folder.glob("*.json"))


def _states(folder: Path) -> list[str]:
    for path in folder.glob("*.json") if folder.is_dir() else ():
        try:
            return [item["state"] for item in json.loads(path.read_text())["items"]]
        except (OSError, ValueError, KeyError):
            return []  # being replaced this very moment: look again
    return []
