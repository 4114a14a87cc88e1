"""Which server a profile talks to, in the few names the settings file and the window's first
paint need: the kind, the default addresses, whether classic variations are offered.

Kept apart from ``dialects`` (how each kind is spoken to) and ``config`` (a client's whole
configuration) so that reading the preferences at start-up imports neither: with what they
import, ~8 ms of class creation before the window is complete.
"""

from __future__ import annotations

import enum
from typing import Final

DEFAULT_BASE_URL: Final = "https://api.openai.com/v1"
OPENROUTER_BASE_URL: Final = "https://openrouter.ai/api/v1"


class ServerKind(enum.StrEnum):
    OPENAI = "openai"  # OpenAI itself and OpenAI-compatible servers (the default)
    AZURE = "azure"
    OPENROUTER = "openrouter"


def offers_classic(kind: ServerKind | str) -> bool:
    """Whether a server of this kind may serve classic variations (the window's mode list)."""
    return ServerKind(kind) is ServerKind.OPENAI
