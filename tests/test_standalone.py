"""The standalone program (PyInstaller, ``image-variations.spec``), built with the documented
command ``scripts/build-standalone`` and started from outside, the way a double-click starts it:
headless (offscreen), with a throwaway home, no Python of ours on its path.

Building takes a minute or two (a few on two cores); the build is made once for this module. Set
``IMAGE_VARIATIONS_STANDALONE`` to a built folder (``dist/image-variations``) to test that build
instead. Deselect with ``-m "not standalone"``. A failed build fails these tests; it never skips
them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[1]
EXECUTABLE = "image-variations.exe" if sys.platform == "win32" else "image-variations"
BUILD_SECONDS = 900  # measured: about 70 s on 2 cores; a cold CI machine is slower
RUN_SECONDS = 60

pytestmark = [
    pytest.mark.standalone,
    pytest.mark.slow,
    pytest.mark.timeout(BUILD_SECONDS + 4 * RUN_SECONDS),
]


@pytest.fixture(scope="module")
def program() -> Path:
    """The built executable: the one given by IMAGE_VARIATIONS_STANDALONE, or a fresh build."""
    given = os.environ.get("IMAGE_VARIATIONS_STANDALONE")
    if given:
        path = Path(given).resolve()
        executable = path / EXECUTABLE if path.is_dir() else path
        if not executable.is_file():
            pytest.fail(f"IMAGE_VARIATIONS_STANDALONE={given}: no {EXECUTABLE} there", False)
        return executable
    started = time.monotonic()
    try:
        build = subprocess.run(
            ["bash", str(ROOT / "scripts" / "build-standalone")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=BUILD_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"scripts/build-standalone took over {exc.timeout} s", pytrace=False)
    if build.returncode != 0:
        pytest.fail(
            f"scripts/build-standalone failed ({build.returncode}):\n"
            f"{build.stdout[-4000:]}\n{build.stderr[-8000:]}",
            pytrace=False,
        )
    executable = ROOT / "dist" / "image-variations" / EXECUTABLE
    assert executable.is_file(), build.stdout
    print(f"standalone build: {time.monotonic() - started:.0f} s", file=sys.stderr)
    return executable


@pytest.fixture
def child_env(tmp_path: Path) -> dict[str, str]:
    """Headless, a throwaway home and XDG folders (settings, pictures, library), and nothing
    that would let the built program find this checkout's Python or packages."""
    home = tmp_path / "standalone-home"
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTHON", "VIRTUAL_ENV", "QT_", "OPENAI_"))
    }
    env.update(
        HOME=str(home),
        USERPROFILE=str(home),
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_PICTURES_DIR=str(home / "Pictures"),
    )
    if not os.environ.get("IMAGE_VARIATIONS_REAL_KEYRING"):
        # No Secret Service of our own: a stray keyring call fails instead of reaching the
        # keychain of the person running the tests.
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    for folder in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        Path(env[folder]).mkdir(parents=True, exist_ok=True)
    return env


def run(
    program: Path, env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(program), *args],
        env=env,
        cwd=env["HOME"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
    )


def test_the_built_program_reports_its_version(program: Path, child_env: dict[str, str]) -> None:
    from desktop_app import __version__

    done = run(program, child_env, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"image-variations {__version__}"


def test_the_built_program_opens_the_main_window_and_exits_cleanly(
    program: Path, child_env: dict[str, str]
) -> None:
    # IMAGE_VARIATIONS_SMOKE_TEST: once the window's panels are painted the app says so and
    # closes its window the normal way (desktop_app/app.py).
    done = run(program, {**child_env, "IMAGE_VARIATIONS_SMOKE_TEST": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["smoke: main window shown"], done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    # It started for real: the window kept its preferences in the throwaway config folder.
    config = Path(child_env["XDG_CONFIG_HOME"]) / "Image Variations"
    assert (config / "settings.json").is_file(), sorted(config.parent.rglob("*"))


def test_the_built_program_makes_a_variation(
    program: Path, child_env: dict[str, str], api_server: FakeOpenAI, tmp_path: Path
) -> None:
    """The frozen HTTP client, TLS setup, Pillow (JPEG in, PNG out) and the bundled price table,
    against the local API server."""
    photo = tmp_path / "photo.jpg"
    Image.linear_gradient("L").resize((640, 480)).convert("RGB").save(photo, "JPEG")
    out = tmp_path / "out"
    env = {**child_env, "OPENAI_API_KEY": CANARY_KEY, "OPENAI_BASE_URL": api_server.base_url}
    done = run(program, env, "vary", str(photo), "-n", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    [saved] = [Path(line) for line in done.stdout.splitlines()]
    assert saved.parent == out and saved.suffix == ".png"
    with Image.open(saved) as image:
        assert image.format == "PNG"
    assert "cost: " in done.stderr  # prices.json was found inside the build
    assert CANARY_KEY not in done.stdout + done.stderr


@pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="desktop entries are for freedesktop desktops"
)
def test_the_built_program_installs_its_desktop_entry(
    program: Path, child_env: dict[str, str], tmp_path: Path
) -> None:
    """The packaging assets (the top-level resources/ folder) are inside the build, where the
    program looks for them, byte for byte."""
    home = tmp_path / "data"
    done = run(program, child_env, "--install-desktop-entry", "--data-home", str(home))
    assert done.returncode == 0, done.stderr
    metainfo = "io.github.imagevariations.ImageVariations.metainfo.xml"
    for installed, shipped in [
        (f"metainfo/{metainfo}", metainfo),
        ("icons/hicolor/scalable/apps/image-variations.svg", "icons/image-variations.svg"),
        ("icons/hicolor/256x256/apps/image-variations.png",) * 2,
    ]:
        assert (home / installed).read_bytes() == (ROOT / "resources" / shipped).read_bytes()
    entry = (home / "applications" / "image-variations.desktop").read_text(encoding="utf-8")
    assert f"TryExec={program}" in entry.splitlines()  # the built program itself


@pytest.mark.real_keyring
def test_the_built_program_keeps_the_key_in_the_system_keyring(
    program: Path, child_env: dict[str, str]
) -> None:
    """The keyring backends survive freezing (they are found through package metadata)."""
    if os.environ.get("IMAGE_VARIATIONS_REAL_KEYRING") != "1":
        if os.environ.get("CI"):
            pytest.fail("CI must run the tests under scripts/with-test-keyring", pytrace=False)
        pytest.skip("needs a throwaway Secret Service: run under scripts/with-test-keyring")
    profile = "standalone-test"
    saved = run(program, child_env, "key", "set", "--profile", profile, stdin=CANARY_KEY + "\n")
    try:
        assert saved.returncode == 0, saved.stderr
        status = run(program, child_env, "key", "status", "--profile", profile)
        assert status.returncode == 0, status.stderr
        assert "from the keyring" in status.stdout, status.stdout
        assert CANARY_KEY not in status.stdout + status.stderr
    finally:
        run(program, child_env, "key", "delete", "--profile", profile)
