"""The ``auto`` engine: a chooser that hands each board to the engine that suits it.

Small boards get the coroutines; large, busy boards the process pool (when
there is one, of more than one worker); large boards that are nearly empty
the fast kernel in this process (see :data:`SPARSE_FRACTION`).  The choice is
made per board, on every call, and :meth:`AutoEngine.describe` says which it
would be without computing or starting anything.
"""

from __future__ import annotations

from ..board import Board
from ..rules import Rule
from .bands import FAST_BANDS
from .base import Cancel, Capabilities, Engine, EngineBase
from .coroutine import CoroutineEngine
from .fast import FastEngine
from .parallel import ParallelEngine
from .pool import WorkerPool

__all__ = ["AutoEngine", "COROUTINE_MAX_CELLS", "POOL_MIN_CELLS", "SPARSE_FRACTION"]

COROUTINE_MAX_CELLS = 128 * 128
"""``auto`` runs the coroutines up to this many cells (a generation in ~0.1 s)."""

POOL_MIN_CELLS = 1024 * 1024
"""``auto`` uses the process pool from this many cells when it has more than one worker.
Measured on two cores (dense random boards, K = 32): two workers against the
fast kernel in one process are ~1.0x at 1024^2, ~1.5x at 2048^2, ~1.8x at
4096^2 and above; at 1024^2 the pool still keeps the window's process free."""

SPARSE_FRACTION = 0.01
"""``auto`` keeps a board with fewer live cells than this fraction in this
process even when it is large: the fast engine there skips quiet tiles, so a
small pattern on a big torus (the R-pentomino on 1024^2: 0.2 s against 0.45 s)
costs less than shipping the whole board to a pool that computes it densely."""


class AutoEngine(EngineBase):
    """Choose per board among the coroutines, the fast kernel and the pool (see the module docstring).

    ``pool``: the :class:`~.pool.WorkerPool` to use for large busy boards
    (``None``, or one worker: never).  The engines it chooses among are made
    here, and none of them starts anything until used; :meth:`close` closes
    them (the pool stays open: it is the caller's).
    """

    name = "auto"

    def __init__(self, pool: WorkerPool | None = None) -> None:
        self.pool = pool
        workers = pool.workers if pool is not None else 1
        self.capabilities = Capabilities(background=True, traceable=False, workers=workers)
        self._coroutine = CoroutineEngine()
        self._fast = FastEngine()
        self._parallel = ParallelEngine(pool, kernel=FAST_BANDS) if pool is not None and workers > 1 else None

    def engine_for(self, board: Board) -> Engine:
        """The engine that computes ``board`` (cheap: a size test, a population count for large boards)."""
        cells = board.height * board.width
        if cells <= COROUTINE_MAX_CELLS:
            return self._coroutine
        if self._parallel is not None and cells >= POOL_MIN_CELLS and board.population() >= cells * SPARSE_FRACTION:
            return self._parallel
        return self._fast

    def advance(self, board: Board, rule: Rule, generations: int = 1, *, cancel: Cancel | None = None) -> Board:
        return self.engine_for(board).advance(board, rule, generations, cancel=cancel)

    def describe(self, board: Board) -> str:
        return self.engine_for(board).describe(board)

    def close(self) -> None:
        for engine in (self._coroutine, self._fast, self._parallel):
            if engine is not None:
                engine.close()

    def __repr__(self) -> str:
        return f"<AutoEngine workers={self.capabilities.workers}>"
