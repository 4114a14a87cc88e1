"""``python -m desktop_app`` and the ``image-variations`` launcher.

With no command (or only picture paths) the window opens; ``vary``, ``models``, ``key`` and
``history`` run on the command line without loading Qt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

COMMANDS = {"vary", "models", "key", "history"}


DESKTOP_FLAGS = {"--install-desktop-entry", "--uninstall-desktop-entry"}


def main(argv: Sequence[str] | None = None) -> int:
    from desktop_app.memory import limit_retained_memory

    limit_retained_memory()  # the window and the command line both decode big pictures
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in DESKTOP_FLAGS:
        from desktop_app import desktop_entry

        return desktop_entry.main(args)
    if args and (args[0] in COMMANDS or args[0].startswith("-")):
        from desktop_app import cli

        return cli.main(args)
    from desktop_app.app import run_window

    return run_window(args)


if __name__ == "__main__":
    sys.exit(main())
