"""The reference engine: the seed's coroutines driven by :mod:`lifegame.environment`.

Every other engine is proven equal to this one, cell for cell, for every rule
family (the rule's own ``census`` gathers what its ``game_logic`` needs: a
count, or the eight neighbours' states).  It is the one
engine that is *traceable*: :meth:`CoroutineEngine.stepper` hands out the
protocol's environment, which the window drives a slice of instructions at a
time and observes instruction by instruction.
"""

from __future__ import annotations

from ..board import Board
from ..environment import Stepper
from ..rules import RuleBase
from .base import Cancel, Capabilities, EngineBase, Progress, check_cancel, check_generations

__all__ = ["CoroutineEngine", "SLICE_INSTRUCTIONS"]

SLICE_INSTRUCTIONS = 1 << 16
"""Instructions carried out between two looks at ``cancel`` (~30 ms of Python):
a generation of a large board takes seconds, so cancelling waits for a slice,
not for the generation."""


class CoroutineEngine(EngineBase):
    """Run ``simulate`` with ``rule`` as its ``game_logic``, one instruction at a time.

    Cheap to drive in slices from the window's own loop (``background=False``)
    and traceable.
    """

    name = "coroutine"
    capabilities = Capabilities(background=False, traceable=True, workers=1)

    def advance(
        self,
        board: Board,
        rule: RuleBase,
        generations: int = 1,
        *,
        cancel: Cancel | None = None,
        progress: Progress | None = None,
    ) -> Board:
        generations = check_generations(generations)
        check_cancel(cancel)
        stepper = Stepper(board.copy(), rule, census=rule.census)
        for done in range(1, generations + 1):
            if cancel is None:
                stepper.run()  # the leanest loop: a whole generation
            else:
                # With a cancel to honour, a generation is run in budgeted slices.
                while not stepper.run(max_instructions=SLICE_INSTRUCTIONS):
                    check_cancel(cancel)
                check_cancel(cancel)
            if progress is not None:
                progress(done, generations)
        return stepper.board

    def describe(self, board: Board) -> str:
        return "coroutines"

    def stepper(self, board: Board, rule: RuleBase) -> Stepper:
        """The environment over ``board`` itself (the caller's board object is stepped, not copied)."""
        return Stepper(board, rule, census=rule.census)
