"""What every engine offers: advance a board by some generations under a rule.

An engine is any object with ``name``, ``advance(board, rule, generations)``
and ``close()``.  Engines never import pygame; the app and the CLI pick one
with :func:`lifegame.engines.make_engine`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..board import Board
from ..rules import Rule

__all__ = ["Engine", "EngineError"]


class EngineError(RuntimeError):
    """An engine could not compute a generation (e.g. a worker process died)."""


@runtime_checkable
class Engine(Protocol):
    """The synchronous engine interface.

    ``advance`` returns a new :class:`Board` ``generations`` generations after
    ``board`` under ``rule`` on the torus; ``board`` itself is left unchanged.
    ``close`` releases processes or memory; it is safe to call twice.
    """

    name: str

    def advance(self, board: Board, rule: Rule, generations: int = 1) -> Board: ...

    def close(self) -> None: ...
