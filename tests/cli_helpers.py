"""What the command line's tests share: ``vary`` runs the command in this process with the key
of ``env`` (the fixture in tests/conftest.py)."""

from __future__ import annotations

from desktop_app import cli
from desktop_app.core.keystore import KeyStore


def vary(env: dict[str, str], *args: str) -> int:
    return cli.main(["vary", *args], keystore=KeyStore(environ=env))
