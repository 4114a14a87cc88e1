"""The desktop integration: the shipped entry, metainfo and icons, and installing them for a user.

The freedesktop tools are the judges here: ``desktop-file-validate`` (desktop-file-utils),
``appstreamcli`` (appstream) and GLib's ``gio launch`` (libglib2.0-bin), which opens a picture
through the installed entry the way a file manager's "Open with" does. A missing tool fails the
test rather than skipping it, so a machine without them cannot pass by saying nothing.
"""

from __future__ import annotations

import configparser
import fnmatch
import io
import os
import re
import runpy
import shutil
import stat
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from importlib import resources
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from desktop_app import __version__, desktop_entry

ROOT = Path(__file__).resolve().parents[1]
# The packaging assets as the installed app sees them: the top-level resources/ folder, installed
# as the package desktop_app.resources (setup.py).
SHIPPED = Path(str(resources.files(desktop_entry.ASSETS_PACKAGE)))
ASSETS = ROOT / "resources"
IMAGE_TYPES = [
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/heic",
    "image/heif",
    "image/gif",
    "image/bmp",
    "image/tiff",
]
TOOL_PACKAGES = {
    "desktop-file-validate": "desktop-file-utils",
    "appstreamcli": "appstream",
    "gio": "libglib2.0-bin",
}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is missing (Debian/Ubuntu package {TOOL_PACKAGES[name]}): "
            "run scripts/install-system-deps test",
            pytrace=False,
        )
    return path


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=60, check=False, cwd=cwd
    )


def read_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def exec_argv(value: str, files: list[str]) -> list[str]:
    """An ``Exec`` value as the Desktop Entry spec reads it: string escapes, quoting, then %F."""
    escapes = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    unescaped = re.sub(r"\\(.)", lambda m: escapes.get(m[1], m[0]), value)
    words: list[tuple[str, bool]] = []
    for match in re.finditer(r'"((?:[^"\\]|\\["`$\\])*)"|([^ "]+)', unescaped):
        if match[1] is not None:
            words.append((re.sub(r'\\(["`$\\])', r"\1", match[1]), True))
        else:
            words.append((match[2], False))
    argv: list[str] = []
    for word, quoted in words:
        if word == "%F" and not quoted:
            argv.extend(files)
        else:
            argv.append(word.replace("%%", "%"))
    return argv


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if not p.is_dir())


@pytest.fixture
def picture(tmp_path: Path) -> Path:
    path = tmp_path / "a picture.png"
    Image.new("RGB", (40, 30), (200, 40, 40)).save(path)
    return path


# --- what ships -----------------------------------------------------------------------------


def assets_in_the_checkout() -> list[str]:
    """resources/'s files, relative to it: the entry, the metainfo, the icons (not Python's)."""
    return [
        path.relative_to(ASSETS).as_posix()
        for path in files_under(ASSETS)
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    ]


def test_packaging_assets_have_one_home() -> None:
    """The install reads resources/ itself: no second copy inside the package to drift apart."""
    assert SHIPPED.resolve() == ASSETS.resolve(), (
        f"desktop_app.resources is {SHIPPED}, not {ASSETS}: "
        "run the tests with the editable install (pip install -e '.[test]')"
    )
    # In a checkout such a folder would hide resources/ from the editable install's mapping.
    assert not (ROOT / "desktop_app" / "resources").exists()
    assert desktop_entry.DESKTOP_FILE in assets_in_the_checkout()


def test_every_packaging_asset_is_declared_for_the_wheel() -> None:
    """A file added to resources/ that no package-data pattern names would be left out of it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"][desktop_entry.ASSETS_PACKAGE]
    assets = assets_in_the_checkout()
    left_out = [a for a in assets if not any(fnmatch.fnmatchcase(a, p) for p in patterns)]
    assert left_out == []
    assert [p for p in patterns if not fnmatch.filter(assets, p)] == []  # no stale pattern


@pytest.mark.slow
def test_the_wheel_carries_the_packaging_assets(tmp_path: Path) -> None:
    """A wheel built from a clean copy of the sources installs resources/ as desktop_app/resources
    (and nothing as a top-level ``resources``), beside the price table."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("desktop_app", "resources"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--no-deps",
        "-w",
        tmp_path / "wheel",
        source,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (tmp_path / "wheel").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = {f"desktop_app/resources/{asset}" for asset in assets_in_the_checkout()}
    expected |= {"desktop_app/resources/__init__.py", "desktop_app/core/cost/prices.json"}
    assert expected - names == set()
    assert [name for name in names if name.startswith("resources/")] == []


def test_shipped_desktop_entry_validates() -> None:
    result = run(tool("desktop-file-validate"), SHIPPED / desktop_entry.DESKTOP_FILE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""  # not even hints


def test_shipped_metainfo_validates() -> None:
    result = run(
        tool("appstreamcli"), "validate", "--no-net", SHIPPED / desktop_entry.METAINFO_FILE
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not re.search(r"^[EW]:", result.stdout, re.MULTILINE), result.stdout


def test_desktop_entry_opens_pictures_with_the_app() -> None:
    entry = read_entry(SHIPPED / desktop_entry.DESKTOP_FILE)
    assert entry["Type"] == "Application"
    assert entry["Exec"] == f"{desktop_entry.LAUNCHER} %F"  # %F: any number of local files
    assert entry["Icon"] == desktop_entry.ICON_NAME
    assert entry["Terminal"] == "false"
    assert entry["MimeType"].rstrip(";").split(";") == IMAGE_TYPES
    # Qt's X11 window class is the application name that app.py sets.
    assert entry["StartupWMClass"] == "Image Variations"


def test_metainfo_agrees_with_the_desktop_entry() -> None:
    root = ET.parse(SHIPPED / desktop_entry.METAINFO_FILE).getroot()
    assert root.findtext("id") == desktop_entry.METAINFO_FILE.removesuffix(".metainfo.xml")
    assert root.findtext("launchable[@type='desktop-id']") == desktop_entry.DESKTOP_FILE
    assert root.findtext("provides/binary") == desktop_entry.LAUNCHER
    assert [m.text for m in root.iterfind("provides/mediatype")] == IMAGE_TYPES
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "MIT"
    release = root.find("releases/release")
    assert release is not None and release.get("version") == __version__


def test_icons_are_pngs_of_every_size_with_a_transparent_corner() -> None:
    for size in desktop_entry.ICON_SIZES:
        path = SHIPPED / f"icons/hicolor/{size}x{size}/apps/{desktop_entry.ICON_NAME}.png"
        with Image.open(path) as image:
            assert image.format == "PNG", path
            assert image.size == (size, size), path
            assert image.mode == "RGBA", path
            assert image.getpixel((0, 0)) == (0, 0, 0, 0), path  # the rounded corner
            assert image.getchannel("A").getpixel((size // 2, size // 2)) == 255, path


def test_svg_icon_is_square_and_self_contained() -> None:
    svg = SHIPPED / "icons" / f"{desktop_entry.ICON_NAME}.svg"
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 128 128"
    assert "href" not in svg.read_text(encoding="utf-8")  # no linked images or fonts


def test_committed_pngs_match_the_svg(qapp: object) -> None:
    """The PNGs are rendered from the SVG by scripts/render-icons; an edited SVG needs a re-run."""
    render = runpy.run_path(str(ROOT / "scripts" / "render-icons"))["render"]
    for size in (16, 48, 256):
        path = SHIPPED / f"icons/hicolor/{size}x{size}/apps/{desktop_entry.ICON_NAME}.png"
        fresh = Image.open(io.BytesIO(render(size))).convert("RGBA")
        with Image.open(path) as committed:
            difference = ImageChops.difference(fresh, committed.convert("RGBA"))
        # A different Qt may anti-alias an edge differently; a changed drawing moves far more.
        assert max(ImageStat.Stat(difference).mean) < 1.0, f"run scripts/render-icons ({path})"


# --- installing for a user ------------------------------------------------------------------


def test_install_then_uninstall_leaves_nothing(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    written = desktop_entry.install(home)
    assert set(written) == set(files_under(home)) - {
        home / "applications" / "mimeinfo.cache",
        home / "icons" / "hicolor" / "icon-theme.cache",
    }
    assert home / "applications" / desktop_entry.DESKTOP_FILE in written
    assert home / "metainfo" / desktop_entry.METAINFO_FILE in written
    assert home / "icons/hicolor/scalable/apps/image-variations.svg" in written
    for size in desktop_entry.ICON_SIZES:
        installed = home / f"icons/hicolor/{size}x{size}/apps/image-variations.png"
        assert (
            installed.read_bytes()
            == (SHIPPED / f"icons/hicolor/{size}x{size}/apps/image-variations.png").read_bytes()
        )

    assert sorted(desktop_entry.install(home)) == sorted(written)  # again: the same files
    assert sorted(desktop_entry.uninstall(home)) == sorted(written)
    assert list(home.iterdir()) == []  # no file, cache or folder left behind
    assert desktop_entry.uninstall(home) == []  # again: nothing to do, no error


def test_uninstall_keeps_what_other_apps_put_there(tmp_path: Path) -> None:
    home = tmp_path / "data"
    other_entry = home / "applications" / "other.desktop"
    other_icon = home / "icons/hicolor/48x48/apps/other.png"
    other_entry.parent.mkdir(parents=True)
    other_entry.write_text(
        "[Desktop Entry]\nType=Application\nName=Other\nExec=true %F\nMimeType=image/png;\n",
        encoding="utf-8",
    )
    other_icon.parent.mkdir(parents=True)
    other_icon.write_bytes(b"not ours")
    desktop_entry.install(home)
    desktop_entry.uninstall(home)
    assert other_entry.exists() and other_icon.exists()
    assert not (home / "metainfo").exists()
    mime_cache = home / "applications" / "mimeinfo.cache"
    if mime_cache.exists():  # refreshed: it names the other app only
        assert desktop_entry.DESKTOP_FILE not in mime_cache.read_text(encoding="utf-8")


def test_install_goes_to_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert desktop_entry.install()[0] == tmp_path / "xdg/applications/image-variations.desktop"
    desktop_entry.uninstall()
    # A relative XDG_DATA_HOME is invalid by the spec; the default under the home folder applies.
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert desktop_entry.data_home() == tmp_path / "home/.local/share"


def test_installed_entry_starts_this_install(tmp_path: Path) -> None:
    home = tmp_path / "data"
    desktop_entry.install(home)
    installed = home / "applications" / desktop_entry.DESKTOP_FILE
    assert run(tool("desktop-file-validate"), installed).returncode == 0
    entry = read_entry(installed)
    argv = exec_argv(entry["Exec"], ["--version"])
    assert Path(argv[0]).is_absolute()
    assert Path(argv[0]).stat().st_mode & stat.S_IXUSR
    assert entry["TryExec"] == argv[0]
    # From an unrelated folder, with the launcher's own environment: it is this version.
    result = run(*argv, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout


def test_open_with_hands_the_picture_to_the_program(tmp_path: Path, picture: Path) -> None:
    """GLib launches the installed entry as a file manager would; odd characters survive."""
    folder = tmp_path / 'my "apps" $HOME (x) `ls` \\ ~'
    folder.mkdir()
    record = tmp_path / "argv.txt"
    program = folder / "image-variations"
    program.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n', encoding="utf-8")
    program.chmod(0o755)
    home = tmp_path / "data"
    desktop_entry.install(home, command=[str(program), "--from=the menu"])
    installed = home / "applications" / desktop_entry.DESKTOP_FILE
    validation = run(tool("desktop-file-validate"), installed)
    assert validation.returncode == 0, validation.stdout
    assert exec_argv(read_entry(installed)["Exec"], [str(picture)]) == [
        str(program),
        "--from=the menu",
        str(picture),
    ]
    launched = run(tool("gio"), "launch", installed, picture)
    assert launched.returncode == 0, launched.stderr
    for _ in range(100):  # gio returns once the program is spawned, not when it is done
        if record.exists() and record.read_text(encoding="utf-8").endswith("\n"):
            break
        time.sleep(0.05)
    assert record.read_text(encoding="utf-8").splitlines() == ["--from=the menu", str(picture)]


def test_percent_signs_are_doubled_in_exec() -> None:
    entry = desktop_entry.entry_for("[Desktop Entry]\nExec=x %F\n", ["/opt/100% app/run"])
    assert entry.splitlines()[1] == 'Exec="/opt/100%% app/run" %F'
    assert exec_argv(entry.splitlines()[1].removeprefix("Exec="), []) == ["/opt/100% app/run"]


def test_launcher_is_the_one_beside_the_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(ROOT / ".venv" / "bin" / "python"))
    if (ROOT / ".venv" / "bin" / "image-variations").exists():
        assert desktop_entry.launcher_command() == [str(ROOT / ".venv/bin/image-variations")]
    # No launcher beside it and none on the PATH that runs this python: `python -m`.
    lonely = tmp_path / "bin" / "python3"
    lonely.parent.mkdir()
    lonely.symlink_to(sys.base_prefix + "/bin/python3")
    monkeypatch.setattr(sys, "executable", str(lonely))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert desktop_entry.launcher_command() == [str(lonely), "-m", "desktop_app"]


def test_python_m_fallback_starts_the_app(tmp_path: Path) -> None:
    home = tmp_path / "data"
    desktop_entry.install(home, command=[sys.executable, "-m", "desktop_app"])
    installed = home / "applications" / desktop_entry.DESKTOP_FILE
    argv = exec_argv(read_entry(installed)["Exec"], ["--version"])
    assert argv == [sys.executable, "-m", "desktop_app", "--version"]
    result = run(*argv, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout


# --- the command-line flags -----------------------------------------------------------------


def test_main_installs_and_uninstalls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    home = tmp_path / "data"
    assert desktop_entry.main(["--install-desktop-entry", "--data-home", str(home)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert f"installed {home / 'applications' / desktop_entry.DESKTOP_FILE}" in printed
    assert len(printed) == 2 + len(desktop_entry.ICON_SIZES) + 1
    assert desktop_entry.main(["--uninstall-desktop-entry", "--data-home", str(home)]) == 0
    assert all(line.startswith("removed ") for line in capsys.readouterr().out.splitlines())
    assert desktop_entry.main(["--uninstall-desktop-entry", "--data-home", str(home)]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_main_says_plainly_when_it_cannot_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    assert desktop_entry.main(["--install-desktop-entry", "--data-home", str(blocker)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("image-variations: could not write ")
    assert "Traceback" not in error


def test_main_refuses_where_there_are_no_desktop_entries(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert desktop_entry.main(["--install-desktop-entry"]) == 1
    assert "freedesktop" in capsys.readouterr().err
    assert not any(Path(os.environ["XDG_DATA_HOME"]).iterdir())
