"""The pictures a batch is made of: files named, and the picture files of folders named."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

PICTURE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".jpe", ".mpo", ".webp", ".gif", ".heic", ".heif", ".bmp",
     ".tif", ".tiff"}
)  # fmt: skip


def pictures_in(paths: Iterable[Path]) -> list[Path]:
    """The pictures named, folders read for their picture files (not their subfolders), each
    once, absolute, in the order given (a folder's in name order). ValueError, in a sentence,
    for a path that does not exist or is neither a file nor a folder, and when none is left."""
    named = list(paths)
    found: list[Path] = []
    for path in named:
        if path.is_dir():
            found.extend(
                sorted(
                    child
                    for child in path.iterdir()
                    if child.is_file() and child.suffix.lower() in PICTURE_SUFFIXES
                )
            )
        elif path.is_file():
            found.append(path)
        elif not path.exists():
            raise ValueError(f"no such file or folder: {path}")
        else:
            raise ValueError(f"{path} is not a regular file or a folder")
    unique = list(dict.fromkeys(path.resolve() for path in found))
    if not unique:
        raise ValueError(f"no pictures in {', '.join(str(path) for path in named)}")
    return unique
