"""The reference engine: the seed's coroutines driven by :mod:`lifegame.environment`.

Every other engine is proven equal to this one, cell for cell.
"""

from __future__ import annotations

from ..board import Board
from ..environment import Stepper
from ..rules import Rule

__all__ = ["CoroutineEngine"]


class CoroutineEngine:
    """Run ``simulate`` with ``rule`` as its ``game_logic``, one instruction at a time."""

    name = "coroutine"

    def advance(self, board: Board, rule: Rule, generations: int = 1) -> Board:
        if generations < 0:
            raise ValueError("generations must be >= 0")
        stepper = Stepper(board.copy(), rule)
        for _ in range(generations):
            stepper.run()
        return stepper.board

    def close(self) -> None:
        pass

    def __enter__(self) -> CoroutineEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
