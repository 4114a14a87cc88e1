"""``python -m desktop_app`` and the ``image-variations`` launcher."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    # The command line is imported lazily so the window (next) starts without the network stack.
    from desktop_app import cli

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
