"""Generations computed off the main loop, in worker processes (Effective Python, Item 41).

The window must never wait for a large board, so the loop talks to a tiny
asynchronous interface::

    job = engine.submit(board, rule, generations)   # returns at once
    job.done()      # poll once per frame
    job.result()    # a new Board; only called once done() is True
    job.cancel()    # the result is no longer wanted
    engine.close()  # cancel work, stop the workers, leave no process behind

:func:`make_background` returns the project's ``BackgroundEngine``
(``lifegame.engines.parallel``) when it exists, else :class:`PoolBackground`,
a small adapter over one ``ProcessPoolExecutor`` that cuts the board into
bands of rows with halo rows (so only cells cross the process boundary,
never instructions) and steps each band with the vectorised kernel.

This module imports no pygame: its worker functions run in processes that
must start without SDL (and forking a process that runs SDL's threads can
deadlock, hence the ``spawn`` start method).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

import numpy as np

from ..board import Board
from ..engines.base import EngineError
from ..rules import Rule

__all__ = ["Job", "Background", "PoolBackground", "make_background", "advance_band"]


class Job(Protocol):
    def done(self) -> bool: ...
    def result(self) -> Board: ...
    def cancel(self) -> None: ...


class Background(Protocol):
    """What the app needs from an asynchronous engine."""

    workers: int

    def submit(self, board: Board, rule: Rule, generations: int = 1) -> Job: ...
    def close(self, cancel: bool = True) -> None: ...


# -- worker side (runs in the pool; numpy only) ------------------------------
def advance_band(padded: np.ndarray, rule: Rule, generations: int) -> np.ndarray:
    """Step a band with ``generations`` halo rows above and below; return its core rows.

    Columns wrap (the band spans the whole width); rows do not, and the halo
    is exactly as deep as the damage the missing rows can do in that many
    generations.
    """
    from ..engines import fast

    return fast.step_band(padded, rule, generations)


def advance_whole(cells: np.ndarray, rule: Rule, generations: int) -> np.ndarray:
    """Step a whole torus (used when the board is too small to be worth cutting)."""
    from ..engines import fast

    return fast.step(cells, rule, generations)


def _warm_up() -> int:
    # Import the kernel (and numpy) in the worker ahead of the first real job.
    from ..engines import fast  # noqa: F401

    return os.getpid()


# -- main-loop side -----------------------------------------------------------
class PoolJob:
    """Bands in flight for one request; assembles them when all are done."""

    def __init__(self, futures: list[Future], height: int, width: int) -> None:
        self._futures = futures
        self._shape = (height, width)
        self.submitted = time.perf_counter()

    def done(self) -> bool:
        return all(f.done() for f in self._futures)

    def result(self) -> Board:
        try:
            parts = [f.result() for f in self._futures]
        except Exception as exc:  # a worker died, or the pool was shut down
            raise EngineError(f"background generation failed: {exc!r}") from exc
        cells = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)
        return Board(self._shape[0], self._shape[1], np.ascontiguousarray(cells, dtype=np.uint8))

    def cancel(self) -> None:
        for f in self._futures:
            f.cancel()


class PoolBackground:
    """One spawn-context ``ProcessPoolExecutor``, created once, reused for every job."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or min(4, os.cpu_count() or 1))
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
        )
        # Start every worker now, not on the first frame that needs one.
        self._warm = [self._pool.submit(_warm_up) for _ in range(self.workers)]

    def submit(self, board: Board, rule: Rule, generations: int = 1) -> PoolJob:
        if self._pool is None:
            raise EngineError("the background engine is closed")
        h, w = board.shape
        n = max(1, int(generations))
        cells = board.cells
        # Bands must be much taller than their halo, or the halo work dominates.
        bands = max(1, min(self.workers, h // max(64, 4 * n)))
        if bands == 1:
            return PoolJob([self._pool.submit(advance_whole, cells.copy(), rule, n)], h, w)
        edges = [round(i * h / bands) for i in range(bands + 1)]
        futures = []
        for top, bottom in zip(edges, edges[1:]):
            rows = np.arange(top - n, bottom + n) % h
            futures.append(self._pool.submit(advance_band, np.take(cells, rows, axis=0), rule, n))
        return PoolJob(futures, h, w)

    def worker_pids(self) -> list[int]:
        """Process ids of the workers (for tests that check nothing is left behind)."""
        procs: dict[Any, Any] = getattr(self._pool, "_processes", None) or {}
        return [p.pid for p in procs.values() if p.pid]

    def close(self, cancel: bool = True) -> None:
        """Stop the pool within about a second, cancelling queued work; safe to call twice."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=cancel)
        if cancel:
            # A band being computed cannot be cancelled through the executor;
            # the window is closing, so the workers are stopped outright.
            for p in procs:
                if p.is_alive():
                    p.terminate()
        deadline = time.monotonic() + 1.5
        for p in procs:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(0.5)


def make_background(workers: int | None = None, board_shape: tuple[int, int] | None = None) -> Background:
    """The project's ``BackgroundEngine`` when it exists, else this module's pool adapter."""
    try:
        from ..engines.parallel import BackgroundEngine  # type: ignore[attr-defined]
    except ImportError:
        return PoolBackground(workers)
    engine = BackgroundEngine(workers=workers, board_shape=board_shape)  # pragma: no cover
    if not hasattr(engine, "workers"):  # pragma: no cover
        engine.workers = workers or 0
    return engine  # pragma: no cover
