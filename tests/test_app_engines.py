"""An engine plugs into the window by implementing the contract and registering a name.

Nothing in :mod:`lifegame.app` knows these engines: the window asks
``engine_for``, ``capabilities``, ``describe`` and ``stepper`` only.
"""

from __future__ import annotations

import time

import numpy as np
import pygame
import pytest

import lifegame.engines as engines
from lifegame.app import AppOptions
from lifegame.app.loop import App
from lifegame.board import Board
from lifegame.engines import Capabilities, EngineBase, register_engine
from lifegame.engines.base import check_cancel, check_generations
from lifegame.engines.fast import step as fast_step
from lifegame.environment import Stepper
from lifegame.rules import CONWAY


class Elsewhere(EngineBase):
    """Computes whole generations and wants the background (as a HashLife engine would)."""

    name = "elsewhere"
    capabilities = Capabilities(background=True, traceable=False)

    def advance(self, board, rule, generations=1, *, cancel=None, progress=None):
        check_cancel(cancel)
        return Board(board.height, board.width, fast_step(board.cells, rule, check_generations(generations)))

    def describe(self, board):
        return "elsewhere kernel"


class Stepwise(EngineBase):
    """Cheap enough to step in the main loop, and traceable."""

    name = "stepwise"
    capabilities = Capabilities(background=False, traceable=True)

    def advance(self, board, rule, generations=1, *, cancel=None, progress=None):
        stepper = self.stepper(board.copy(), rule)
        for _ in range(check_generations(generations)):
            stepper.run()
        return stepper.board

    def describe(self, board):
        return "stepwise coroutines"

    def stepper(self, board, rule):
        return Stepper(board, rule)


@pytest.fixture
def registered(monkeypatch):
    """The two engines registered for this test only."""
    monkeypatch.setattr(engines, "_REGISTRY", dict(engines._REGISTRY))
    register_engine("elsewhere", lambda pool: Elsewhere())
    register_engine("stepwise", lambda pool: Stepwise())
    assert {"elsewhere", "stepwise"} <= set(engines.engine_names())


def _app(engine: str, board: Board) -> App:
    return App(AppOptions(size=board.shape, engine=engine, window=(640, 480)), board, CONWAY)


def _step(app: App, generations: int) -> None:
    app.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_n, mod=0))
    end = time.monotonic() + 60  # a hang guard
    while app.game.generation < generations:
        assert time.monotonic() < end, "timed out"
        app.frame(tick=False)


def _random(shape: tuple[int, int], seed: int) -> Board:
    return Board.from_array(np.random.default_rng(seed).random(shape) < 0.35)


def test_a_registered_background_engine_computes_in_the_window(registered):
    board = _random((40, 50), 1)
    app = _app("elsewhere", board.copy())
    try:
        assert app.game.driver.label == "elsewhere kernel in a thread"
        assert not app.game.driver.traceable
        _step(app, 1)
        assert np.array_equal(app.game.board.cells, fast_step(board.cells, CONWAY, 1))
        app.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_t, mod=0))
        assert not app.game.tracing and "trace needs" in app.game.message
    finally:
        app.close()


def test_a_registered_engine_stepped_in_the_loop_can_be_traced(registered):
    board = _random((12, 12), 2)
    app = _app("stepwise", board.copy())
    try:
        assert app.game.driver.label == "stepwise coroutines in the loop"
        _step(app, 1)
        app.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_t, mod=0))
        assert app.game.tracing
        _step(app, 2)
        assert app.game.trace.ticks == 1
        assert np.array_equal(app.game.board.cells, fast_step(board.cells, CONWAY, 2))
    finally:
        app.close()
