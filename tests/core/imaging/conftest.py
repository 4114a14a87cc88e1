"""Shared, session-wide generated inputs (drawn once, used by several test modules)."""

from __future__ import annotations

import pytest
from PIL import Image

from . import corpus


@pytest.fixture(scope="session")
def photo_scene() -> Image.Image:
    return corpus.photo_like(2048, 1536, seed=11, style="scene")


@pytest.fixture(scope="session")
def photo_jpeg(photo_scene: Image.Image) -> bytes:
    """A camera-like JPEG (quality 92) of a photo-like scene."""
    return corpus.encode(photo_scene, "JPEG", quality=92)
