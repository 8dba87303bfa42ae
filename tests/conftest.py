"""Test set-up: no real window, no sound, and the shared corpus when it is there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before anything imports pygame: unit tests never open a real window.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("LIFEGAME_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The Golly pattern corpus (``../shared/corpus``); tests using it skip when it is absent."""
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip("the Golly corpus (../shared/corpus) is not here")
    return CORPUS
