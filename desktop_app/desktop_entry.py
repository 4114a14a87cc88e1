"""The app's home on a freedesktop desktop: the menu entry, the icons and the AppStream metainfo.

``image-variations --install-desktop-entry`` copies them into the user's XDG data folder
(``$XDG_DATA_HOME``, by default ``~/.local/share``) so the app shows up in the application menu
and in "Open with" for pictures; ``--uninstall-desktop-entry`` takes exactly those files out again.

The shipped entry says ``Exec=image-variations %F``, right for a distribution package that puts
the launcher on the PATH. A pip, pipx or venv install often does not, so the installed copy points
at the launcher of *this* install instead. Qt-free: it runs from the command line without a display.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from desktop_app.core.fsio import replace_atomically

LAUNCHER = "image-variations"
DESKTOP_FILE = "image-variations.desktop"
ICON_NAME = "image-variations"
METAINFO_FILE = "io.github.imagevariations.ImageVariations.metainfo.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# The repository's top-level resources/ folder, installed as this package (setup.py maps it) in a
# wheel and the editable install, and copied to the same place by image-variations.spec.
ASSETS_PACKAGE = "desktop_app.resources"

# Caches the desktop tools keep beside the files; refreshed, and removed once they index nothing.
_MIME_CACHE = "mimeinfo.cache"
_ICON_CACHE = "icon-theme.cache"
_TOOL_TIMEOUT = 30

# Desktop Entry spec, "The Exec key": an argument holding one of these must be double-quoted.
_RESERVED = frozenset(" \t\n\"'\\><~|&;$*?#()`")


class DesktopEntryError(Exception):
    """The entry could not be installed or removed; the message is for the person at a terminal."""


def data_home(prefix: Path | None = None) -> Path:
    """``prefix``, else ``$XDG_DATA_HOME`` when it is an absolute path, else ``~/.local/share``."""
    if prefix is not None:
        return prefix
    configured = os.environ.get("XDG_DATA_HOME", "")
    if configured and os.path.isabs(configured):  # the spec says to ignore a relative value
        return Path(configured)
    return Path.home() / ".local" / "share"


def launcher_command() -> list[str]:
    """The command that starts this very install, without the file arguments."""
    if getattr(sys, "frozen", False):  # a PyInstaller build: the executable is the app
        return [sys.executable]
    # pip and pipx put the launcher beside the interpreter of the environment they install into.
    beside = Path(sys.executable).parent / LAUNCHER
    if _is_executable(beside):
        return [str(beside.absolute())]
    # A `pip install --user` launcher lives in ~/.local/bin; take it only if it runs our python.
    found = shutil.which(LAUNCHER)
    if found and _runs_this_python(Path(found)):
        return [str(Path(found).absolute())]
    return [sys.executable, "-m", "desktop_app"]


def install(prefix: Path | None = None, *, command: Sequence[str] | None = None) -> list[Path]:
    """Writes the entry, icons and metainfo under the data folder; returns the files written.

    ``command`` is the program and arguments the entry starts (default: ``launcher_command()``).
    Installing again overwrites the same files.
    """
    home = data_home(prefix)
    argv = list(command) if command is not None else launcher_command()
    if not argv:
        raise DesktopEntryError("no command to start the app with")
    shipped = _resource(DESKTOP_FILE).read_text(encoding="utf-8")
    files: dict[Path, bytes] = {
        home / "applications" / DESKTOP_FILE: entry_for(shipped, argv).encode("utf-8"),
        home / "metainfo" / METAINFO_FILE: _resource(METAINFO_FILE).read_bytes(),
    }
    files[_icon_dir(home, "scalable") / f"{ICON_NAME}.svg"] = _resource(
        f"icons/{ICON_NAME}.svg"
    ).read_bytes()
    for size in ICON_SIZES:
        name = f"{size}x{size}"
        png = _resource(f"icons/hicolor/{name}/apps/{ICON_NAME}.png").read_bytes()
        files[_icon_dir(home, name) / f"{ICON_NAME}.png"] = png
    written = []
    try:
        for path, data in files.items():
            # 0644, not the private 0600 of settings: the files are public and other
            # programs (menus, icon caches, software centres) read them.
            replace_atomically(path, data, mode=0o644)
            written.append(path)
    except OSError as error:
        raise DesktopEntryError(f"could not write {path}: {error.strerror}") from error
    _refresh_caches(home)
    return written


def uninstall(prefix: Path | None = None) -> list[Path]:
    """Removes the files ``install`` wrote, then caches and folders left empty; returns them."""
    home = data_home(prefix)
    targets = [
        home / "applications" / DESKTOP_FILE,
        home / "metainfo" / METAINFO_FILE,
        _icon_dir(home, "scalable") / f"{ICON_NAME}.svg",
        *(_icon_dir(home, f"{size}x{size}") / f"{ICON_NAME}.png" for size in ICON_SIZES),
    ]
    removed = []
    for path in targets:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            raise DesktopEntryError(f"could not remove {path}: {error.strerror}") from error
        removed.append(path)
    if removed:
        _refresh_caches(home)
    _drop_caches_of_nothing(home)
    for path in targets:
        _remove_empty_parents(path.parent, stop=home)
    return removed


def entry_for(shipped: str, argv: Sequence[str]) -> str:
    """The shipped entry with ``Exec`` (and ``TryExec``) pointing at ``argv``."""
    exec_value = _escape_string(" ".join(_quote_argument(arg) for arg in argv) + " %F")
    lines = []
    group = ""
    for line in shipped.splitlines():
        if line.startswith("["):
            group = line.strip()
        elif group == "[Desktop Entry]" and line.startswith("Exec="):
            line = f"Exec={exec_value}"
        elif group == "[Desktop Entry]" and line.startswith("TryExec="):
            # The menu hides the entry once the program is gone, e.g. after its venv was deleted.
            line = f"TryExec={_escape_string(argv[0])}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``--install-desktop-entry`` or ``--uninstall-desktop-entry``: prints each file; 0 or 1."""
    parser = argparse.ArgumentParser(
        prog=LAUNCHER, description="Add the app to (or remove it from) the desktop's menus."
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--install-desktop-entry", action="store_true")
    action.add_argument("--uninstall-desktop-entry", action="store_true")
    parser.add_argument(
        "--data-home",
        type=Path,
        metavar="DIR",
        help="install under DIR instead of $XDG_DATA_HOME (default ~/.local/share)",
    )
    args = parser.parse_args(argv)
    if sys.platform in ("win32", "darwin"):
        print(
            f"{LAUNCHER}: desktop entries are for Linux and other freedesktop desktops; "
            "on this system, start the app from where it was installed.",
            file=sys.stderr,
        )
        return 1
    try:
        if args.install_desktop_entry:
            paths = install(args.data_home)
            verb = "installed"
        else:
            paths = uninstall(args.data_home)
            verb = "removed"
    except DesktopEntryError as error:
        print(f"{LAUNCHER}: {error}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"{verb} {path}")
    if not paths:
        print("nothing to remove: the desktop entry was not installed")
    return 0


def _resource(name: str) -> Traversable:
    return resources.files(ASSETS_PACKAGE).joinpath(*name.split("/"))


def _icon_dir(home: Path, size: str) -> Path:
    return home / "icons" / "hicolor" / size / "apps"


def _quote_argument(argument: str) -> str:
    # A literal percent sign is doubled, even in quotes. (GLib 2.74 looks for the program before
    # undoubling, so it cannot start a launcher whose path holds a "%"; KDE can.)
    argument = argument.replace("%", "%%")
    if not argument or any(char in _RESERVED for char in argument):
        argument = '"' + re.sub(r'(["`$\\])', r"\\\1", argument) + '"'
    return argument


def _escape_string(value: str) -> str:
    """Escapes of the key file's string type, applied after (and undone before) Exec quoting."""
    return (
        value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    )


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _runs_this_python(launcher: Path) -> bool:
    try:
        with launcher.open("rb") as file:
            first_line = file.readline(4096)
    except OSError:
        return False
    if not first_line.startswith(b"#!"):
        return False
    interpreter = first_line[2:].strip().split(b" ")[0].decode(errors="replace")
    with contextlib.suppress(OSError):
        return os.path.samefile(interpreter, sys.executable)
    return False


def _refresh_caches(home: Path) -> None:
    """Runs the desktop's cache tools where they exist; the files work without them, only later."""
    applications = home / "applications"
    hicolor = home / "icons" / "hicolor"
    if applications.is_dir():
        _run_if_present("update-desktop-database", "--quiet", str(applications))
    if hicolor.is_dir():
        # A user's hicolor folder has no index.theme; the tool refuses to run without this flag.
        _run_if_present(
            "gtk-update-icon-cache", "--force", "--ignore-theme-index", "--quiet", str(hicolor)
        )


def _run_if_present(program: str, *args: str) -> None:
    executable = shutil.which(program)
    if executable is None:
        return
    # A failed cache update is no reason to fail: desktops rescan the folders on their own.
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            [executable, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=_TOOL_TIMEOUT,
            check=False,
        )


def _drop_caches_of_nothing(home: Path) -> None:
    """Removes a cache the tools made when it is the last file in its folder tree."""
    for cache in (home / "applications" / _MIME_CACHE, home / "icons" / "hicolor" / _ICON_CACHE):
        folder = cache.parent
        if not cache.is_file():
            continue
        others = [p for p in folder.rglob("*") if p.is_file() and p != cache]
        if not others:
            with contextlib.suppress(OSError):
                cache.unlink()


def _remove_empty_parents(folder: Path, *, stop: Path) -> None:
    """Removes ``folder`` and its parents while they are empty, never ``stop`` or above it."""
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or not ours to remove): leave it and everything above
            return
        folder = folder.parent
