"""The engine registry: pick an engine by name, board size and worker count.

Every engine advances a :class:`~lifegame.board.Board` under a
:class:`~lifegame.rules.Rule` on the torus and gives exactly the coroutine
engine's result (see :mod:`.base` for the protocol):

``coroutine``  the seed's coroutines driven by the environment (the reference);
               with ``workers >= 2`` they run over bands in a process pool;
``fast``       the vectorised kernel in this process; with ``workers >= 2``
               over bands in a process pool (:class:`ParallelEngine`);
``auto``       coroutines for small boards, the fast kernel above
               :data:`COROUTINE_MAX_CELLS`, the pool from
               :data:`POOL_MIN_CELLS` when there is more than one worker.

Nothing here imports pygame (worker processes import this package).
"""

from __future__ import annotations

import os
import threading

from ..board import Board
from ..rules import Rule
from .base import Engine, EngineError
from .coroutine import CoroutineEngine
from .fast import FastEngine
from .parallel import BackgroundEngine, Job, JobCancelled, ParallelEngine, advance_cancellable

__all__ = [
    "Engine",
    "EngineError",
    "CoroutineEngine",
    "FastEngine",
    "ParallelEngine",
    "AutoEngine",
    "BackgroundEngine",
    "Job",
    "JobCancelled",
    "ENGINE_NAMES",
    "COROUTINE_MAX_CELLS",
    "POOL_MIN_CELLS",
    "SPARSE_FRACTION",
    "default_workers",
    "make_engine",
]

ENGINE_NAMES: tuple[str, ...] = ("auto", "coroutine", "fast")
"""Names accepted by :func:`make_engine` (and ``--engine``); ``auto`` first, the default."""

COROUTINE_MAX_CELLS = 128 * 128
"""``auto`` runs the coroutines up to this many cells (a generation in ~0.1 s)."""

POOL_MIN_CELLS = 1024 * 1024
"""``auto`` uses the process pool from this many cells when ``workers > 1``.
Measured on two cores (dense random boards, K = 32): two workers against the
fast kernel in one process are ~1.0x at 1024^2, ~1.5x at 2048^2, ~1.8x at
4096^2 and above; at 1024^2 the pool still keeps the window's process free."""


SPARSE_FRACTION = 0.01
"""``auto`` keeps a board with fewer live cells than this fraction in this
process even when it is large: the fast engine there skips quiet tiles, so a
small pattern on a big torus (the R-pentomino on 1024^2: 0.2 s against 0.45 s)
costs less than shipping the whole board to a pool that computes it densely."""


def default_workers() -> int:
    """Workers for ``auto`` when none are asked for: two where there are two cores."""
    return max(1, min(2, os.cpu_count() or 1))


def _single(kind: str, workers: int) -> Engine:
    """The engine for ``kind`` ("coroutine" or "fast") with ``workers`` (1 = this process)."""
    if workers <= 1:
        return CoroutineEngine() if kind == "coroutine" else FastEngine()
    return ParallelEngine(workers=workers, kernel=kind)  # type: ignore[arg-type]


def _choice(shape: tuple[int, int], workers: int, population: int | None = None) -> tuple[str, int]:
    cells = shape[0] * shape[1]
    if cells <= COROUTINE_MAX_CELLS:
        return "coroutine", 1
    sparse = population is not None and population < cells * SPARSE_FRACTION
    if workers > 1 and cells >= POOL_MIN_CELLS and not sparse:
        return "fast", workers
    return "fast", 1


class AutoEngine:
    """Choose per call, from the board: coroutines, the fast kernel, or the pool.

    Small boards get the coroutines; large, busy boards the pool (when there
    is more than one worker); large boards that are nearly empty the fast
    kernel in this process (see :data:`SPARSE_FRACTION`).

    The engines are created on first use and kept (a pool is started once).
    :attr:`last` names the engine that computed the last call, for a status
    line: ``"coroutine"``, ``"fast"`` or ``"parallel"``.
    """

    name = "auto"
    accepts_cancel = True

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else max(1, int(workers))
        self._engines: dict[tuple[str, int], Engine] = {}
        self._lock = threading.Lock()
        self.last: str | None = None

    def plan(self, shape: tuple[int, int], population: int | None = None) -> str:
        """The name of the engine :meth:`advance` would use: ``"coroutine"``, ``"fast"`` or ``"parallel"``.

        Creates nothing (unlike :meth:`engine_for`): a status line may ask every frame.
        """
        kind, workers = _choice(shape, self.workers, population)
        return "parallel" if workers > 1 else kind

    def engine_for(self, shape: tuple[int, int], population: int | None = None) -> Engine:
        """The engine that :meth:`advance` uses for boards of ``shape`` (and ``population``)."""
        key = _choice(shape, self.workers, population)
        with self._lock:
            engine = self._engines.get(key)
            if engine is None:
                engine = self._engines[key] = _single(*key)
        return engine

    def advance(
        self, board: Board, rule: Rule, generations: int = 1, *, cancel: threading.Event | None = None
    ) -> Board:
        engine = self.engine_for(board.shape, board.population())
        self.last = engine.name
        return advance_cancellable(engine, board, rule, generations, cancel)

    def close(self) -> None:
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.close()

    def __enter__(self) -> AutoEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<AutoEngine workers={self.workers} last={self.last}>"


def make_engine(name: str, workers: int | None = None, board_shape: tuple[int, int] | None = None) -> Engine:
    """An engine by ``name`` (one of :data:`ENGINE_NAMES`).

    ``workers``: ``None`` or 1 runs ``coroutine``/``fast`` in this process;
    2 or more runs them over bands in a pool of that many processes.  For
    ``auto``, ``None`` means :func:`default_workers`, and ``board_shape`` (if
    known) fixes the choice now; without it an :class:`AutoEngine` chooses on
    every call.  Raises :class:`ValueError` for an unknown name or ``workers < 1``.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if key in ("coroutine", "fast"):
        return _single(key, 1 if workers is None else workers)
    if key == "auto":
        if board_shape is None:  # choose on every call, from the board itself
            return AutoEngine(workers)
        return _single(*_choice(tuple(board_shape), default_workers() if workers is None else workers))
    raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINE_NAMES)}")
