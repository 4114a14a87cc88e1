"""The command line end to end: real files, the real client, the local API server."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from desktop_app import cli
from desktop_app.core.keystore import KeyStore
from desktop_app.core.preferences import Preferences, PreferencesStore, Profile
from tests.cli_helpers import vary
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import provenance
from tests.fake_openai import FakeOpenAI, Fault

ROOT = Path(__file__).resolve().parents[1]
EDITS = "/v1/images/edits"


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    image = Image.linear_gradient("L").resize((900, 600)).convert("RGB")
    image.paste((200, 30, 30), (0, 0, 300, 300))
    image.save(path, "JPEG", quality=90)
    return path


def test_vary_saves_three_files_and_prints_their_paths(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert vary(env, str(photo), "-n", "3", "--out", str(out)) == cli.EXIT_OK
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 3
    paths = [Path(p) for p in printed]
    assert sorted(paths) == sorted(out.iterdir())
    for path in paths:
        assert path.name.startswith("photo-") and path.suffix == ".png"
        assert provenance(path.read_bytes())
    sent = api_server.requests[-1]
    assert sent.fields["model"] == ["gpt-image-2.6-sunburst"]  # chosen from /v1/models
    assert sent.files[0].content_type in ("image/jpeg", "image/webp", "image/png")


def test_vary_never_overwrites(
    env: dict[str, str], photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert vary(env, str(photo), "-n", "2", "--out", str(out)) == 0
    first = {p: p.read_bytes() for p in out.iterdir()}
    assert vary(env, str(photo), "-n", "2", "--out", str(out)) == 0
    assert len(list(out.iterdir())) == 4
    for path, data in first.items():
        assert path.read_bytes() == data


def test_vary_defaults_to_pictures_image_variations(
    env: dict[str, str],
    photo: Path,
    isolated_user_folders: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert vary(env, str(photo)) == 0
    (saved,) = capsys.readouterr().out.splitlines()
    assert Path(saved).parent == isolated_user_folders / "Pictures" / "Image Variations"


def test_streamed_classic_and_crop_options(
    legacy_server: FakeOpenAI,
    photo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", legacy_server.base_url)
    env = {"OPENAI_API_KEY": CANARY_KEY}
    out = tmp_path / "classic"
    code = vary(
        env,
        str(photo),
        "--mode",
        "classic",
        "--size",
        "256x256",
        "-n",
        "2",
        "--response-format",
        "url",
        "--crop",
        "0,0,300",
        "--out",
        str(out),
    )
    assert code == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    sent = legacy_server.requests[-1]
    assert sent.path == "/v1/images/variations"
    with Image.open(__import__("io").BytesIO(sent.files[0].data)) as upload:
        assert upload.size == (256, 256)
        centre = upload.getpixel((128, 128))
        assert isinstance(centre, tuple)  # a multi-band pixel, as the cropped PNG has
        assert centre[0] > 150  # the red corner was cropped
    code = cli.main(
        ["vary", str(photo), "--stream", "-n", "2", "--out", str(out)],
        keystore=KeyStore(environ=env),
    )
    assert code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["-n", "11"],
        ["-n", "0"],
        ["--mode", "classic", "--size", "1536x1024"],
        ["--crop", "1,2"],
        ["--size", "999x999"],
        ["--timeout", "0"],
    ],
)
def test_usage_errors_exit_2(
    env: dict[str, str], photo: Path, tmp_path: Path, args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        code = vary(env, str(photo), *args, "--out", str(tmp_path))
        raise SystemExit(code)
    assert exited.value.code == cli.EXIT_USAGE


def test_missing_file_and_missing_key_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    assert vary(env, str(tmp_path / "nope.jpg")) == cli.EXIT_USAGE
    photo = tmp_path / "p.png"
    Image.new("RGB", (10, 10)).save(photo)
    assert vary({}, str(photo)) == cli.EXIT_USAGE


def test_a_rejected_picture_exits_3_and_says_why(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "drawing.png"
    fake.write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    assert vary(env, str(fake), "--out", str(tmp_path)) == cli.EXIT_IMAGE_REJECTED
    assert "drawing.png" in capsys.readouterr().err


def test_an_api_refusal_exits_4_with_the_request_id(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api_server.inject(Fault("moderation_blocked"), path="/v1/images/edits")
    assert vary(env, str(photo), "--out", str(tmp_path / "o")) == cli.EXIT_API_REFUSED
    err = capsys.readouterr().err
    assert "safety system" in err and "req_" in err
    assert not any((tmp_path / "o").iterdir())  # made before paying, left empty


def test_a_server_failure_exits_5_and_says_it_was_not_billed(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api_server.inject(Fault("reset_mid_body", after_bytes=20), path="/v1/images/edits")
    assert vary(env, str(photo), "--out", str(tmp_path)) == cli.EXIT_NETWORK
    assert "may have been billed" in capsys.readouterr().err
    assert api_server.count("/v1/images/edits") == 1


def _subprocess_env(server: FakeOpenAI, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        OPENAI_API_KEY=CANARY_KEY,
        OPENAI_BASE_URL=server.base_url,
        HOME=str(home),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        PYTHONPATH=str(ROOT),
    )
    return env


def test_python_m_desktop_app_vary_end_to_end(
    api_server: FakeOpenAI, photo: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop_app",
            "vary",
            str(photo),
            "-n",
            "3",
            "--out",
            str(tmp_path / "o"),
        ],
        env=_subprocess_env(api_server, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    assert CANARY_KEY not in result.stdout + result.stderr


@pytest.mark.parametrize("reaching", ["the process", "another thread"])
def test_ctrl_c_exits_130_and_says_whether_it_may_have_been_billed(
    api_server: FakeOpenAI, photo: Path, tmp_path: Path, reaching: str
) -> None:
    """The kernel hands a process's signal to any of its threads: one that reaches a helper
    thread must wake the run as well (it used to wait for the stalled server)."""
    import pty

    api_server.inject(Fault("stall_before_headers", seconds=60), path="/v1/images/edits")
    # stderr on a terminal, so the progress lines say when the request has been sent: the
    # interrupt is ordered after that, not after a sleep a slow machine would outrun.
    terminal, child_end = pty.openpty()
    with _ctrl_c_not_ignored():
        process = subprocess.Popen(
            [sys.executable, "-m", "desktop_app", "vary", str(photo), "--out", str(tmp_path)],
            env=_subprocess_env(api_server, tmp_path),
            stdout=subprocess.PIPE,
            stderr=child_end,
            text=True,
            cwd=tmp_path,
        )
    os.close(child_end)
    try:
        err = _read_terminal_until(terminal, "waiting for the server")
        interrupted = time.monotonic()
        if reaching == "the process":
            process.send_signal(signal.SIGINT)
        else:
            _signal_a_helper_thread(process.pid, signal.SIGINT)
        # Read to the end first: a child blocked on a full terminal would never exit.
        err += _read_terminal_until(terminal, None)
        out, _ = process.communicate(timeout=60)
        assert time.monotonic() - interrupted < 30, "waited for the server's 60 s stall"
    finally:
        os.close(terminal)
        if process.poll() is None:  # a failure here must not leave a child to later tests
            process.kill()
            process.communicate()
    assert process.returncode == cli.EXIT_INTERRUPTED, err
    assert "may have been billed" in err
    assert CANARY_KEY not in out + err


@contextlib.contextmanager
def _ctrl_c_not_ignored() -> Iterator[None]:
    """As from a terminal: a suite run in the background (``cmd &``) has Ctrl+C ignored, which
    its children inherit, and the command line rightly keeps ignoring it then. A handler of our
    own is not inherited: the child starts with the default."""
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _signal_a_helper_thread(pid: int, signum: int) -> None:
    """tgkill(2): ``signum`` to one thread of ``pid`` that is not its main thread (Linux)."""
    import ctypes

    helpers = [int(tid) for tid in os.listdir(f"/proc/{pid}/task") if int(tid) != pid]
    assert helpers, "vary runs helper threads while it waits"
    libc = ctypes.CDLL(None, use_errno=True)
    sys_tgkill = 234 if os.uname().machine == "x86_64" else 131  # aarch64: 131
    assert libc.syscall(sys_tgkill, pid, helpers[0], signum) == 0, ctypes.get_errno()


def _read_terminal_until(terminal: int, words: str | None) -> str:
    """What a child wrote to its terminal, up to ``words`` (None: up to its end)."""
    import select

    seen = b""
    while words is None or words.encode() not in seen:
        ready, _, _ = select.select([terminal], [], [], 60)
        assert ready, f"the child said nothing more for a minute: {seen!r}"
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # EIO: the child has closed its end
            break
        if not chunk:
            break
        seen += chunk
    return seen.decode(errors="replace")


def test_no_arguments_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 0
    assert "vary" in capsys.readouterr().out


def test_vary_records_into_the_library_and_history_lists_it(
    api_server: FakeOpenAI,
    env: dict[str, str],
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    assert vary(env, str(photo), "-n", "2", "--out", str(tmp_path / "out")) == cli.EXIT_OK
    assert "cost: $" in capsys.readouterr().err
    api_server.inject(Fault("moderation_blocked"), path="/v1/images/edits")
    assert vary(env, str(photo), "--out", str(tmp_path / "out")) == cli.EXIT_API_REFUSED
    capsys.readouterr()

    assert cli.main(["history", "--json", "--limit", "5"]) == cli.EXIT_OK
    document = json.loads(capsys.readouterr().out)
    refused, made = document["runs"]  # newest first
    assert document["total_runs"] == 2
    assert refused["outcome"] == "failed" and refused["results"] == []
    assert "safety" in refused["error"] and refused["request_id"].startswith("req_")
    assert made["outcome"] == "succeeded" and made["source"]["name"] == "photo.jpg"
    assert made["parameters"]["n"] == 2 and made["model"] == "gpt-image-2.6-sunburst"
    assert made["cost_usd"] > 0 and made["usage"]["output_tokens"] > 0
    assert [Path(r["path"]).is_file() for r in made["results"]] == [True, True]
    from desktop_app.core import metadata

    saved = sorted((tmp_path / "out").iterdir())
    stories = [metadata.read(p.read_bytes()) for p in saved]  # saved files tell their story
    assert [s["request_id"] for s in stories] == [made["request_id"]] * 2
    assert {s["source_sha256"] for s in stories} == {made["source"]["sha256"]}
    kept = [Path(r["path"]).read_bytes() for r in made["results"]]  # the library: as received
    assert sorted(metadata.strip(p.read_bytes(), "png") for p in saved) == sorted(
        metadata.strip(k, "png") for k in kept
    )

    assert cli.main(["history", "--limit", "1"]) == cli.EXIT_OK
    text = capsys.readouterr().out
    assert "failed" in text and "1 of 2 run(s)" in text


def test_killing_vary_mid_stream_keeps_every_image_that_had_arrived(
    api_server: FakeOpenAI, photo: Path, tmp_path: Path
) -> None:
    """The app killed outright (SIGKILL) while images stream in: each image that had fully
    arrived is in the library, intact; the run is marked interrupted at the next open."""
    import hashlib

    from desktop_app.core.library import Library, Outcome

    api_server.stream_delay = 0.4  # between streamed events: time to kill it half-way
    env = _subprocess_env(api_server, tmp_path)
    data = tmp_path / "data"
    env["XDG_DATA_HOME"] = str(data)
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_app", "vary", str(photo), "-n", "4", "--stream",
         "--out", str(tmp_path / "out")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    folder = data / "Image Variations" / "library"
    seen = 0
    try:
        deadline = time.monotonic() + 30
        while seen < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
            if (folder / "index.sqlite3").exists() or any(folder.glob("*.sqlite*")):
                with Library.open(folder) as peek:  # another process may read it meanwhile
                    runs = peek.runs()
                    seen = len(runs[0].results) if runs else 0
        assert seen >= 2, "images should have been kept while the stream went on"
    finally:
        process.kill()
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    with Library.open(folder) as library:
        (run,) = library.runs()
        assert run.outcome is Outcome.INTERRUPTED
        assert len(run.results) >= seen
        for result in run.results:
            assert hashlib.sha256(result.path.read_bytes()).hexdigest() == result.sha256


# -- keep transparency (API.md section 4) --------------------------------------------------------


@pytest.fixture
def logo(tmp_path: Path) -> Path:
    """A red square on a transparent one: the kind of picture whose transparency matters."""
    path = tmp_path / "logo.png"
    image = Image.new("RGBA", (600, 600), (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (150, 150, 450, 450))
    image.save(path, "PNG")
    return path


def _alpha_range(data: bytes) -> tuple[int, int]:
    """(lowest, highest) alpha of a picture; (255, 255) when it has no alpha channel."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
            return 255, 255
        low, high = image.convert("RGBA").getchannel("A").getextrema()
        # one band: a (min, max) pair of numbers, not a pair per band
        assert not isinstance(low, tuple) and not isinstance(high, tuple)
        return int(low), int(high)


@pytest.mark.parametrize(
    ("chosen", "expected"), [("png", "png"), ("webp", "webp"), ("jpeg", "png")]
)
def test_a_transparent_picture_keeps_its_transparency_by_default(
    api_server: FakeOpenAI,
    env: dict[str, str],
    logo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    chosen: str,
    expected: str,
) -> None:
    out = tmp_path / "out"
    model = "gpt-image-2.5-sunburst"
    code = vary(env, str(logo), "--model", model, "--format", chosen, "--out", str(out))
    assert code == cli.EXIT_OK
    captured = capsys.readouterr()
    sent = api_server.requests[-1]
    assert sent.value("model") == model
    assert sent.value("background") == "transparent"
    assert sent.value("output_format") == expected
    (upload,) = sent.files
    assert upload.content_type in ("image/png", "image/webp")
    assert _alpha_range(upload.data) == (0, 255)  # transparent corners, an opaque disc
    (saved,) = (Path(line) for line in captured.out.splitlines())
    assert saved.suffix == f".{expected}"
    assert _alpha_range(saved.read_bytes()) == (0, 255)
    if chosen == "jpeg":
        assert "JPEG cannot hold transparency" in captured.err


def test_gpt_image_2_gets_no_transparent_background(
    api_server: FakeOpenAI, env: dict[str, str], logo: Path, tmp_path: Path
) -> None:
    code = vary(env, str(logo), "--model", "gpt-image-2", "--out", str(tmp_path / "out"))
    assert code == cli.EXIT_OK
    sent = api_server.requests[-1]
    assert sent.value("model") == "gpt-image-2"
    assert sent.value("background") is None


def test_keep_transparency_can_be_turned_off_and_asked_for(
    api_server: FakeOpenAI,
    env: dict[str, str],
    logo: Path,
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = str(tmp_path / "out")
    model = "gpt-image-2.5-sunburst"
    assert vary(env, str(logo), "--model", model, "--no-keep-transparency", "--out", out) == 0
    assert api_server.requests[-1].value("background") is None
    # An opaque photo keeps nothing by default, but may ask for a transparent background.
    assert vary(env, str(photo), "--model", model, "--out", out) == 0
    assert api_server.requests[-1].value("background") is None
    assert vary(env, str(photo), "--model", model, "--keep-transparency", "--out", out) == 0
    assert api_server.requests[-1].value("background") == "transparent"
    # Asked of a model that cannot: the request still goes, opaque, and the user is told.
    capsys.readouterr()
    code = vary(env, str(logo), "--model", "gpt-image-2", "--keep-transparency", "--out", out)
    assert code == 0
    assert api_server.requests[-1].value("background") is None
    assert "gpt-image-2 cannot make transparent backgrounds" in capsys.readouterr().err


# -- Settings profiles of other kinds -------------------------------------------------------------


def _save_profiles(*profiles: Profile, active: str) -> None:
    PreferencesStore().save(Preferences(profiles=list(profiles), active_profile=active))


def test_vary_and_models_use_an_azure_profile(
    photo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAI(api_key=CANARY_KEY, dialect="azure") as azure:
        # The variable names an OpenAI-compatible server: it must not redirect an Azure profile.
        monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
        azure_profile = Profile(
            "Work Azure", base_url=azure.base_url, kind="azure", deployment="images-sunburst"
        )
        _save_profiles(Profile("OpenAI"), azure_profile, active="OpenAI")
        env = {"OPENAI_API_KEY": CANARY_KEY}
        out = tmp_path / "out"
        args = [str(photo), "-n", "2", "--out", str(out), "--profile", "Work Azure"]
        assert vary(env, *args) == cli.EXIT_OK
        assert len(list(out.iterdir())) == 2
        sent = azure.requests[-1]
        assert sent.path == "/openai/v1/images/edits" and sent.query["api-version"] == ["preview"]
        assert sent.headers["api-key"] == CANARY_KEY and "authorization" not in sent.headers
        assert sent.value("model") == "images-sunburst"
        assert vary(env, str(photo), "--mode", "classic", "--profile", "Work Azure") == 2
        capsys.readouterr()
        assert cli.main(["models", "--profile", "Work Azure"], keystore=KeyStore(environ=env)) == 0
        assert capsys.readouterr().out.split() == ["images-sunburst"]


def test_vary_and_models_use_the_active_openrouter_profile(
    photo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOpenAI(api_key=CANARY_KEY, dialect="openrouter") as openrouter:
        router = Profile("Router", base_url=openrouter.base_url, kind="openrouter")
        _save_profiles(Profile("OpenAI"), router, active="Router")
        env = {"OPENAI_API_KEY": CANARY_KEY}
        out = tmp_path / "out"
        assert vary(env, str(photo), "-n", "2", "--out", str(out)) == cli.EXIT_OK
        assert len(list(out.iterdir())) == 2
        sent = openrouter.requests[-1]
        assert sent.path == "/api/v1/images"
        assert sent.json["model"] == "openai/gpt-image-2.6-sunburst"
        assert sent.json["input_references"][0]["image_url"]["url"].startswith("data:image/")
        capsys.readouterr()
        assert cli.main(["models"], keystore=KeyStore(environ=env)) == cli.EXIT_OK
        listed = capsys.readouterr().out.split()
        assert listed == ["bytedance-seed/seedream-4.5", "openai/gpt-image-2.6-sunburst"]


# -- checked before paying, and ending quietly ---------------------------------------------------


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
    assert vary(env, str(tmp_path)) == cli.EXIT_USAGE  # a folder is a batch of its pictures
    assert "no pictures in" in capsys.readouterr().err
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
