"""Profiles being edited in the settings dialog, and what happens to their keys on OK or Cancel.

A profile's name is also the keyring name of its key. Each draft remembers the keyring name its
key lives under right now (``key_name``: the name it was loaded or added with), so a rename or a
removal only touches the keyring when the dialog is accepted (:func:`carry_keys`). Cancelling
leaves the keyring as it was, except for keys saved for profiles that were only added in the
dialog, which :func:`forget_new_keys` removes again. Qt-free, so it is tested on its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from desktop_app.core.keystore import ApiKey, KeyStore, KeyStoreError
from desktop_app.core.preferences import Profile, looks_like_api_key, profile_problem

log = logging.getLogger(__name__)

ID_IS_KEY = "That looks like an API key; enter keys in the API key field below."


@dataclass(eq=False)  # drafts are told apart by identity: two may look alike while edited
class ProfileDraft:
    profile: Profile
    key_name: str  # where its key lives in the keyring now: the name it was loaded or added with
    is_new: bool = False
    key_saved_here: bool = False

    def problem(self) -> str | None:
        p = self.profile
        problem = profile_problem(p)
        if problem is None and self.ids_look_like_key():
            problem = ID_IS_KEY
        return problem

    def ids_look_like_key(self) -> bool:
        return looks_like_api_key(self.profile.organization) or looks_like_api_key(
            self.profile.project
        )


def carry_keys(keystore: KeyStore, kept: list[ProfileDraft], removed: list[ProfileDraft]) -> None:
    """Moves the keys of renamed profiles and deletes those of removed ones.

    New copies are written before old ones are deleted, so a failure half-way duplicates a key
    rather than losing it. Raises :class:`KeyStoreError` when a key cannot be read or written.
    """
    final_names = {d.profile.name for d in kept}
    moves = [d for d in kept if d.key_name != d.profile.name]
    found: dict[int, ApiKey] = {}
    for draft in moves:
        try:
            key = keystore.get(draft.key_name)
        except KeyStoreError as exc:
            if exc.reason == "no_backend":
                continue  # no keyring: nothing can be stored under the old name
            raise
        if key is not None and key.source == "environment":
            # OPENAI_API_KEY hides the stored key; it stays under its old name.
            log.warning("OPENAI_API_KEY hides the stored key of a renamed profile; not moved.")
            continue
        if key is not None:
            found[id(draft)] = key
    for draft in moves:
        key = found.get(id(draft))
        if key is None:
            continue
        if key.source == "session":
            keystore.set_for_session(draft.profile.name, key.reveal())
        else:
            keystore.set(draft.profile.name, key.reveal())
    # A profile added and removed again in the dialog has a key only if one was saved for it.
    dropped = {d.key_name for d in removed if not d.is_new or d.key_saved_here}
    old_names = {d.key_name for d in moves if id(d) in found} | dropped
    for name in sorted(old_names - final_names):
        try:
            keystore.delete(name)
        except KeyStoreError as exc:
            if exc.reason != "no_backend":
                raise


def forget_new_keys(keystore: KeyStore, drafts: list[ProfileDraft]) -> None:
    """After Cancel: a key saved for a profile that was never kept must not linger."""
    for draft in drafts:
        if draft.is_new and draft.key_saved_here:
            try:
                keystore.delete(draft.key_name)
            except KeyStoreError:
                log.warning("Could not remove the key of a cancelled new profile.")
