"""Walking an exception's causes: the one loop behind "is a TLS error somewhere in here?"
(the API client) and "which keyring exception is underneath?" (the key store).

Libraries wrap their errors (httpx wraps ssl's, keyring wraps secretstorage's), so the useful one
is often two or three links down ``__cause__`` / ``__context__``. A chain can loop (an exception
raised while handling itself), hence the identity check and the bound.
"""

from __future__ import annotations

__all__ = ["exception_chain"]

_MAX_LINKS = 20  # deeper chains are loops or pathologies; the answer is in the first few


def exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes/contexts, outermost first, without loops."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in seen) and len(seen) < _MAX_LINKS:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
