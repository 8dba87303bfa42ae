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


@pytest.fixture
def make_app():
    """``make(board=None, **AppOptions)``: a window (640x480 unless said), closed after the test."""
    from lifegame.app import AppOptions, initial_board
    from lifegame.app.loop import App

    apps: list[App] = []

    def make(board=None, **kw) -> App:
        kw.setdefault("window", (640, 480))
        opts = AppOptions(**kw)
        b, rule, path, name = initial_board(opts)
        app = App(opts, board if board is not None else b, rule, path=path, name=name)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()
