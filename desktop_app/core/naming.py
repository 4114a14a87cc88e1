"""File names for results, and saving a file without ever overwriting another one.

:func:`render_filename` turns a user's template such as ``{source}-{index:02d}-{time}`` into a
name that is safe on Windows, macOS and Linux. :func:`save_new_file` writes the bytes to a
temporary file in the target folder and then hard-links it to a free name: ``os.link`` refuses an
existing target, so two savers racing for the same name both get a file of their own.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import string
import tempfile
import time
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Final

# Re-exported for adaptation.py and preferences.py, which still import them from here.
from desktop_app.core.fsio import fsync_folder

__all__ = [
    "DEFAULT_TEMPLATE",
    "FIELDS",
    "MAX_STEM_LENGTH",
    "next_generation_name",
    "render_filename",
    "safe_stem",
    "save_new_file",
]

DEFAULT_TEMPLATE: Final = "{source}-{index:02d}-{time}"
FIELDS: Final = ("source", "index", "time", "date", "model")
MAX_STEM_LENGTH: Final = 200  # characters before the extension
# UTF-8 bytes before the extension: file systems count bytes (ext4, APFS: 255 per name), and
# save_new_file may still add " (NNN)" and the extension.
_MAX_STEM_BYTES: Final = 200
_FALLBACK_STEM: Final = "image"
_TIME_FORMAT: Final = "%Y%m%d-%H%M%S"
_DATE_FORMAT: Final = "%Y-%m-%d"
_MAX_ATTEMPTS: Final = 10_000

# Windows device names; "CON.png" and "con .tar.gz" are the device too, so the part before the
# first dot counts. The superscript digits are devices on Windows as well.
_RESERVED: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in "0123456789¹²³"}
)
# Not allowed in a name on Windows (and "/" nowhere); control characters are handled apart.
_FORBIDDEN_CHARS: Final = frozenset('<>:"/\\|?*')
# Bidirectional controls can disguise "gnp.exe" as "exe.png".
_BIDI_CONTROLS: Final = frozenset(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_EXT_RE: Final = re.compile(r"[a-z0-9]{1,16}")
_SPACES_RE: Final = re.compile(r"\s+")
_DIGITS_RE: Final = re.compile(r"\d+")
_DATETIME_FIELDS: Final = frozenset({"time", "date"})
_MAX_WIDTH: Final = 255  # a larger width or precision would only be cut off (or eat memory)


class _Moment:
    """A datetime that formats with a default pattern, or with a strftime pattern given in the
    template (``{time:%H%M}``)."""

    __slots__ = ("_default", "_when")

    def __init__(self, when: datetime, default: str) -> None:
        self._when = when
        self._default = default

    def __format__(self, format_spec: str) -> str:
        return self._when.strftime(format_spec or self._default)

    def __str__(self) -> str:
        return self._when.strftime(self._default)


def _clean_chars(text: str) -> str:
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _FORBIDDEN_CHARS or ch in _BIDI_CONTROLS:
            out.append("_")
        elif ch.isspace():  # tabs, newlines, line separators, NBSP...
            out.append(" ")
        elif unicodedata.category(ch) in {"Cc", "Cs"}:
            # other control characters; lone surrogates cannot be encoded in a file name
            out.append("_")
        else:
            out.append(ch)
    return _SPACES_RE.sub(" ", "".join(out))


def _truncate(text: str) -> str:
    text = text[:MAX_STEM_LENGTH]
    while len(text.encode("utf-8")) > _MAX_STEM_BYTES:
        text = text[:-1]
    return text


def safe_stem(text: str) -> str:
    """``text`` made into a file name stem that every desktop system accepts (never empty)."""
    stem = _clean_chars(text)
    # No leading dots (hidden files, "..") nor spaces; no trailing dots or spaces (Windows drops
    # them). Truncation can expose new trailing ones, so strip again after it.
    stem = stem.strip(" ").lstrip(".").strip(" ")
    stem = _truncate(stem).rstrip(". ")
    if not stem:
        return _FALLBACK_STEM
    device = stem.split(".", 1)[0].rstrip(" ").upper()
    if device in _RESERVED:
        stem = _truncate("_" + stem)
    return stem


def _normalise_ext(ext: str) -> str:
    cleaned = ext.strip().lstrip(".").lower()
    if not _EXT_RE.fullmatch(cleaned):
        raise ValueError(
            f"The file extension {ext!r} is not usable; give letters and digits such as 'png'."
        )
    return "." + cleaned


def _check_template(template: str, formatter: string.Formatter) -> None:
    try:
        parsed = list(formatter.parse(template))
    except ValueError as exc:
        raise ValueError(
            f"The file name template {template!r} has unmatched braces; "
            "write fields like {source} and a literal brace as {{ or }}."
        ) from exc
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in FIELDS:
            shown = "{" + field + "}" if field else "{}"
            raise ValueError(
                f"The file name template uses the unknown field {shown}; "
                f"use {', '.join('{' + f + '}' for f in FIELDS)}."
            )
        if conversion:
            raise ValueError(
                f"The file name template uses {{{field}!{conversion}}}; "
                "conversions with ! are not supported, leave them out."
            )
        if field not in _DATETIME_FIELDS and any(
            int(width) > _MAX_WIDTH for width in _DIGITS_RE.findall(spec or "")
        ):
            raise ValueError(
                f"The file name template pads {{{field}}} too widely; "
                f"keep widths at {_MAX_WIDTH} or less."
            )
        if spec and ("{" in spec or "}" in spec):
            raise ValueError(
                f"The file name template puts a field inside the format of {{{field}}}; "
                "write a fixed format such as {index:02d}."
            )


def render_filename(
    template: str,
    *,
    source: str,
    index: int,
    when: datetime,
    ext: str,
    model: str = "",
) -> str:
    """A single, safe file name from ``template``, ending in ``.ext`` (lower case).

    Fields: ``{source}`` (the source file's stem), ``{index}``, ``{time}`` (``YYYYmmdd-HHMMSS``),
    ``{date}`` (``YYYY-mm-dd``) and ``{model}``; ``{time}`` and ``{date}`` also take a strftime
    pattern (``{time:%H%M}``). A template with an unknown field or a bad format raises
    ``ValueError`` with a plain message.
    """
    suffix = _normalise_ext(ext)
    formatter = string.Formatter()
    _check_template(template, formatter)
    values: Mapping[str, object] = {
        "source": safe_stem(source) if source.strip() else _FALLBACK_STEM,
        "index": index,
        "time": _Moment(when, _TIME_FORMAT),
        "date": _Moment(when, _DATE_FORMAT),
        "model": _clean_chars(model).strip() if model else "",
    }
    try:
        rendered = formatter.vformat(template, (), values)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise ValueError(
            f"The file name template {template!r} does not work: {exc}; "
            "check the formats after the colons, e.g. {index:02d}."
        ) from None
    return safe_stem(rendered) + suffix


# --- saving --------------------------------------------------------------------------------------


def _check_filename(filename: str) -> None:
    if (
        not filename
        or filename in {".", ".."}
        or "/" in filename
        or "\\" in filename
        or "\0" in filename
        or (os.altsep is not None and os.altsep in filename)
    ):
        raise ValueError(f"{filename!r} is not a plain file name.")


def _numbered(filename: str, n: int) -> str:
    if n == 1:
        return filename
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem:
        return f"{filename} ({n})"
    return f"{stem} ({n}).{ext}"


def _write_exclusive(target: Path, data: bytes) -> bool:
    """Create ``target`` (never an existing one) and write ``data``; False when it exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(target, flags, 0o666)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            target.unlink()
        raise
    return True


def _links_unsupported(exc: OSError) -> bool:
    # EPERM: FAT/exFAT on Linux; ENOTSUP/EOPNOTSUPP, ENOSYS: no link(2) here; EMLINK: too many
    # links; EXDEV cannot happen (same folder) but means the same. Windows: ERROR_INVALID_FUNCTION
    # (1), ERROR_NOT_SUPPORTED (50), ERROR_NOT_SAME_DEVICE (17).
    unsupported = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK}
    unsupported.add(errno.EXDEV)
    return exc.errno in unsupported or getattr(exc, "winerror", None) in {1, 17, 50}


def _current_umask() -> int:
    # Reading the umask means setting it; this is done once per save and restored at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_PART_PREFIX, _PART_SUFFIX = ".image-variations-", ".part"
# A save takes seconds; a part file this old was left by a save that was killed (kill -9, a
# power cut). Younger ones may belong to another window or command saving right now.
ABANDONED_PART_AGE = 3600.0


def _sweep_abandoned_parts(folder: Path) -> None:
    """Removes our own hidden part files left in the user's folder by a killed save."""
    now = time.time()
    for part in folder.glob(f"{_PART_PREFIX}*{_PART_SUFFIX}"):
        with contextlib.suppress(OSError):  # gone meanwhile, or not ours to remove: leave it
            info = part.lstat()
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > ABANDONED_PART_AGE:
                part.unlink()


def save_new_file(folder: Path, filename: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/filename``, or to ``name (2).ext``, ``name (3).ext``... when
    that name is taken; never overwrites a file. Returns the path written.

    The folder (and its parents) is created when missing. The bytes go to a temporary file in the
    same folder, are flushed to disk and then hard-linked to the final name, so the file appears
    complete or not at all. Where hard links are not supported (FAT, some network shares) the
    file is created with ``O_CREAT | O_EXCL`` and written in place.
    """
    _check_filename(filename)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _sweep_abandoned_parts(folder)

    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=_PART_PREFIX, suffix=_PART_SUFFIX)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes the file private (0600); a saved picture gets the usual permissions.
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o666 & ~_current_umask())
        use_links = hasattr(os, "link")
        for n in range(1, _MAX_ATTEMPTS + 1):
            target = folder / _numbered(filename, n)
            if use_links:
                try:
                    os.link(tmp, target)
                except FileExistsError:
                    continue
                except OSError as exc:
                    if not _links_unsupported(exc):
                        raise
                    use_links = False
                else:
                    fsync_folder(folder)
                    return target
            if _write_exclusive(target, data):
                fsync_folder(folder)
                return target
        raise FileExistsError(
            errno.EEXIST,
            f"Could not find a free file name for {filename!r} in {str(folder)!r}.",
        )
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def next_generation_name(parent: str, fmt: str) -> str:
    """The name a varied result goes by as a source: its parent's, one generation on
    ("photo.jpg" -> "photo-v2.png" -> "photo-v3.png"), so that History, saved files and the
    next generation say where a picture came from."""
    stem = Path(parent).stem or "image"
    earlier = re.fullmatch(r"(.+)-v(\d+)", stem)
    base, generation = (earlier[1], int(earlier[2])) if earlier else (stem, 1)
    return f"{base}-v{generation + 1}.{fmt}"
