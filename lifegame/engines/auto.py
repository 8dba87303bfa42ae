"""The ``auto`` engine: a chooser that hands each board to the engine that costs least.

A long jump on a power-of-two board goes to HashLife when it pays
(:data:`HASHLIFE_MIN_GENERATIONS`, :data:`HASHLIFE_LONG_JUMP`, measured).
Otherwise small boards get the coroutines.  Larger ones go to the fast kernel in this
process (which skips quiet tiles itself) or to the process pool (which skips
them too, :mod:`.activity`), whichever has been *measured* cheaper for boards
like this one: a :class:`CostTable` keeps a running mean of seconds per
generation per engine, per board shape and activity level (the live
fraction, by powers of two).  Before both are measured for a kind of board,
the prior decides: the pool for large busy boards (:data:`POOL_MIN_CELLS`,
:data:`SPARSE_FRACTION`), this process otherwise; after :data:`EXPLORE_AFTER`
measured calls of one engine, the other is tried once, and the loser is
tried again every :data:`RETRY_EVERY` calls (a machine's load changes).

Only engines whose :meth:`~.base.EngineBase.check` accepts the board and the
rule are candidates: HashLife refuses multi-state and B0 rules (and sides that
are not powers of two); the coroutines, which run every rule, are the last
resort.  A multi-state rule is a kind of board of its own in the cost table
(its kernels cost more per cell).

The choice is made per board, on every call, and
:meth:`AutoEngine.describe` says which it would be without computing or
starting anything (a population count and a table look-up).  Timing uses an
injectable ``clock``, so tests can feed it costs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from ..board import Board
from ..rules import RuleBase
from .bands import FAST_BANDS
from .base import Cancel, Capabilities, Engine, EngineBase, EngineUnsupported, Progress
from .coroutine import CoroutineEngine
from .fast import FastEngine
from .hashlife import HashLifeEngine
from .parallel import ParallelEngine
from .pool import WorkerPool

__all__ = [
    "AutoEngine",
    "CostTable",
    "COROUTINE_MAX_CELLS",
    "POOL_MIN_CELLS",
    "SPARSE_FRACTION",
    "EXPLORE_AFTER",
    "HASHLIFE_MIN_GENERATIONS",
    "HASHLIFE_LONG_JUMP",
    "SMALL_BOARD_JUMP",
    "RETRY_EVERY",
]

COROUTINE_MAX_CELLS = 128 * 128
"""``auto`` runs the coroutines up to this many cells (a generation in ~0.1 s)."""

POOL_MIN_CELLS = 1024 * 1024
"""The prior: ``auto`` uses the process pool from this many cells when it has more than one worker.
Measured on two cores (dense random boards, K = 32): two workers against the
fast kernel in one process are ~1.0x at 1024^2, ~1.5x at 2048^2, ~1.8x at
4096^2 and above; at 1024^2 the pool still keeps the window's process free."""

SPARSE_FRACTION = 0.01
"""The prior: ``auto`` keeps a board with fewer live cells than this fraction
in this process until the pool has been measured on such boards."""

HASHLIFE_MIN_GENERATIONS = 1024
"""``auto`` jumps with HashLife over at least this many generations on a sparse
board (fewer than :data:`SPARSE_FRACTION` alive) whose sides are powers of two,
under a rule without B0.  Measured against the fast kernel, same boards, same
run: the R-pentomino on 1024^2, the Gosper gun on 2048^2 and acorn on 4096^2
take 0.41-0.64x its time at 256 generations, 0.19-0.48x at 1024 and
0.04-0.42x at 4096; at 64 generations they are even (0.7-1.0x)."""

HASHLIFE_LONG_JUMP = 65536
"""``auto`` jumps with HashLife over at least this many generations on any
power-of-two board (rule without B0), busy or not: a random soup settles, and
HashLife then wins (a 256^2 soup at density 0.35 to generation 65,537: 0.36x
the fast kernel's time), while over 1024-4096 generations soups cost it
1.1-1.7x the fast kernel's time (it falls back to that kernel while they churn)."""

SMALL_BOARD_JUMP = 64
"""``auto`` advances a small board (up to :data:`COROUTINE_MAX_CELLS`) this many
generations or more at once with the fast kernel, not the coroutines: a window's
hyper speed or a go-to on its default 68x123 board took 0.55 s for 256
generations with the coroutines and 6.5 ms with the fast kernel."""

EXPLORE_AFTER = 3
"""Measured calls of the chosen engine before the other one is tried once on the same kind of board."""

RETRY_EVERY = 50
"""Calls between two tries of the engine that was measured slower."""

_SMOOTHING = 0.3  # weight of a new measurement in the running mean


class CostTable:
    """Running means of seconds per generation, by ``(engine, kind of board)``; deterministic.

    A *kind* of board is its shape, its activity level (the live fraction
    by powers of two) and the rule's number of states (:meth:`kind`).  The first measurement of each engine on
    each shape is dropped: it pays for a pool's start and shared memory.
    """

    def __init__(self) -> None:
        self.seconds: dict[tuple[str, tuple], float] = {}
        self.calls: dict[tuple[str, tuple], int] = {}
        self._warm: set[tuple[str, tuple[int, int]]] = set()

    @staticmethod
    def kind(board: Board, population: int | None = None, states: int = 2) -> tuple:
        """``(shape, level, states)``: ``states`` is the rule's (two-state kernels and multi-state ones differ)."""
        cells = board.height * board.width
        live = board.population() if population is None else population
        level = -99 if live == 0 else max(-30, math.floor(math.log2(live / cells)))
        return board.shape, level, states

    def get(self, engine: str, kind: tuple) -> float | None:
        return self.seconds.get((engine, kind))

    def count(self, engine: str, kind: tuple) -> int:
        return self.calls.get((engine, kind), 0)

    def record(self, engine: str, kind: tuple, seconds: float, generations: int) -> None:
        """One call of ``engine`` took ``seconds`` for ``generations`` generations of a board of ``kind``."""
        if generations < 1:
            return
        shape = kind[0]
        if (engine, shape) not in self._warm:
            self._warm.add((engine, shape))
            return
        key = (engine, kind)
        per = seconds / generations
        old = self.seconds.get(key)
        self.seconds[key] = per if old is None else (1 - _SMOOTHING) * old + _SMOOTHING * per
        self.calls[key] = self.calls.get(key, 0) + 1


def _accepts(engine: Engine, shape: tuple[int, int], rule: RuleBase) -> bool:
    """Whether ``engine`` runs boards of ``shape`` under ``rule`` (its :meth:`~.base.Engine.check` says so)."""
    try:
        engine.check(shape, rule)
    except EngineUnsupported:
        return False
    return True


class AutoEngine(EngineBase):
    """Choose per board among the coroutines, the fast kernel and the pool (see the module docstring).

    ``pool``: the :class:`~.pool.WorkerPool` to use (``None``, or one worker:
    never).  The engines it chooses among are made here, and none of them
    starts anything until used; :meth:`close` closes them (the pool stays
    open: it is the caller's).  ``clock`` (``time.perf_counter``) times the
    calls; ``costs`` may be a shared or pre-filled :class:`CostTable`.
    """

    name = "auto"

    def __init__(
        self,
        pool: WorkerPool | None = None,
        *,
        clock: Callable[[], float] = time.perf_counter,
        costs: CostTable | None = None,
    ) -> None:
        self.pool = pool
        workers = pool.workers if pool is not None else 1
        self.capabilities = Capabilities(background=True, traceable=False, workers=workers)
        self.costs = costs if costs is not None else CostTable()
        self._clock = clock
        self._coroutine = CoroutineEngine()
        self._fast = FastEngine()
        self._parallel = ParallelEngine(pool, kernel=FAST_BANDS) if pool is not None and workers > 1 else None
        self._hashlife = HashLifeEngine()

    def jumps_with_hashlife(self, board: Board, rule: RuleBase, generations: int) -> bool:
        """Whether :meth:`advance` takes ``generations`` of ``board`` under ``rule`` with HashLife (see
        :data:`HASHLIFE_MIN_GENERATIONS` and :data:`HASHLIFE_LONG_JUMP`)."""
        if generations < HASHLIFE_MIN_GENERATIONS or not _accepts(self._hashlife, board.shape, rule):
            return False
        if generations >= HASHLIFE_LONG_JUMP:
            return True
        return board.population() < board.height * board.width * SPARSE_FRACTION

    def _choose(self, board: Board, rule: RuleBase | None) -> tuple[Engine, tuple | None]:
        cells = board.height * board.width
        if cells <= COROUTINE_MAX_CELLS:
            return self._coroutine, None
        engines: dict[str, Engine] = {"fast": self._fast}
        if self._parallel is not None:
            engines["pool"] = self._parallel
        if rule is not None:
            engines = {name: e for name, e in engines.items() if _accepts(e, board.shape, rule)}
        if not engines:
            return self._coroutine, None
        population = board.population()
        kind = self.costs.kind(board, population, 2 if rule is None else rule.states)
        if len(engines) == 1:
            return next(iter(engines.values())), kind
        costs = self.costs
        prior_pool = cells >= POOL_MIN_CELLS and population >= cells * SPARSE_FRACTION
        first, second = ("pool", "fast") if prior_pool else ("fast", "pool")
        measured = {name: costs.get(name, kind) for name in engines}
        if measured[second] is None:
            # The other engine not measured yet on such boards: the prior, and one try after a few calls.
            if measured[first] is not None and costs.count(first, kind) >= EXPLORE_AFTER:
                return engines[second], kind
            return engines[first], kind
        if measured[first] is None:
            return engines[first], kind
        best, worse = sorted(engines, key=lambda name: (measured[name], name != first))
        calls = costs.count(best, kind)
        if calls and calls % RETRY_EVERY == 0 and costs.count(worse, kind) * RETRY_EVERY <= calls:
            return engines[worse], kind
        return engines[best], kind

    def engine_for(self, board: Board, rule: RuleBase | None = None, generations: int = 1) -> Engine:
        """The engine that computes ``generations`` of ``board`` under ``rule`` (cheap: a size test,
        a population count, a table look-up; with no ``rule``, HashLife is not considered)."""
        return self._jump_engine(board, rule, generations) or self._choose(board, rule)[0]

    def _jump_engine(self, board: Board, rule: RuleBase | None, generations: int) -> Engine | None:
        """The engine for a long jump, if this one is: HashLife where it pays, else the fast
        kernel for a small board (the coroutines are for stepping it in a window's loop)."""
        if rule is not None and self.jumps_with_hashlife(board, rule, generations):
            return self._hashlife
        if (
            board.height * board.width <= COROUTINE_MAX_CELLS
            and generations >= SMALL_BOARD_JUMP
            and (rule is None or _accepts(self._fast, board.shape, rule))
        ):
            return self._fast
        return None

    def advance(
        self,
        board: Board,
        rule: RuleBase,
        generations: int = 1,
        *,
        cancel: Cancel | None = None,
        progress: Progress | None = None,
    ) -> Board:
        jump = self._jump_engine(board, rule, generations)
        if jump is not None:
            return jump.advance(board, rule, generations, cancel=cancel, progress=progress)
        engine, kind = self._choose(board, rule)
        if kind is None:
            return engine.advance(board, rule, generations, cancel=cancel, progress=progress)
        start = self._clock()
        result = engine.advance(board, rule, generations, cancel=cancel, progress=progress)
        name = "pool" if engine is self._parallel else "fast"
        self.costs.record(name, kind, self._clock() - start, generations)
        return result

    def describe(self, board: Board) -> str:
        return self.engine_for(board).describe(board)

    def close(self) -> None:
        for engine in (self._coroutine, self._fast, self._parallel, self._hashlife):
            if engine is not None:
                engine.close()

    def __repr__(self) -> str:
        return f"<AutoEngine workers={self.capabilities.workers}>"
