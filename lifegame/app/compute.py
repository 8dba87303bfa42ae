"""Who computes the next generation: the coroutines in the main loop, or a process pool.

Both drivers offer the same small interface to the model:

``board``           the generation shown (edits change it at once)
``edit(ys, xs, v)`` set cells; never lost, even while a generation is being computed
``set_board(b)``    replace the board (clear, random fill, undo of a big change):
                    work under way is dropped
``pump(owed, deadline) -> int``
                    do some work, never blocking past ``deadline`` (a
                    :func:`time.perf_counter` value); returns how many generations
                    were completed (``board`` is then the newest one).  A
                    generation already under way is always continued; a new one
                    is started only while ``owed >= 1``.
``busy``            a generation is under way
``close()``         stop (dropping work under way)

:class:`InlineDriver` *is* the environment of the protocol: it drives the
``simulate`` coroutine through :class:`lifegame.environment.Stepper` with a
time budget per frame, so a generation may span several frames.
:class:`PoolDriver` submits to a background engine (the fast kernel in a thread, or
bands in a process pool) and polls ``done()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import numpy as np

from ..board import Board
from ..environment import Observer, Stepper
from ..rules import Rule
from .background import Background, Job, describe

__all__ = ["Driver", "InlineDriver", "PoolDriver", "INLINE_MAX_CELLS"]

INLINE_MAX_CELLS = 128 * 128
"""Largest board the coroutines run on inside the loop.

Measured: the Stepper carries out about 3.2 M instructions/s (10 per cell), so
a 128x128 generation takes ~50 ms, i.e. ~6 frames at a 9 ms budget: still
about 10 generations/s with a smooth window.  Larger boards go to the pool.
"""


class Driver(Protocol):
    label: str
    board: Board

    @property
    def busy(self) -> bool: ...
    def edit(self, ys: np.ndarray, xs: np.ndarray, values: np.ndarray | int) -> None: ...
    def set_board(self, board: Board) -> None: ...
    def set_rule(self, rule: Rule) -> None: ...
    def pump(self, owed: float, deadline: float) -> int: ...
    def close(self) -> None: ...


def _as_values(values: np.ndarray | int, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(values, dtype=np.uint8), (n,))


class InlineDriver:
    """The pygame main loop as the environment: ``simulate`` driven a slice per frame."""

    label = "coroutines in the loop"

    def __init__(self, board: Board, rule: Rule) -> None:
        self.rule = rule
        self.stepper = Stepper(board, rule)

    @property
    def board(self) -> Board:
        return self.stepper.board

    @property
    def busy(self) -> bool:
        return self.stepper.in_progress

    def edit(self, ys: np.ndarray, xs: np.ndarray, values: np.ndarray | int) -> None:
        # Stepper.edit changes the board shown and re-applies the cell to the
        # generation under way when it completes, so the edit is never lost.
        vals = _as_values(values, len(ys))
        for y, x, v in zip(np.asarray(ys).tolist(), np.asarray(xs).tolist(), vals.tolist()):
            self.stepper.edit(y, x, bool(v))

    def set_board(self, board: Board) -> None:
        self.stepper = Stepper(board, self.rule)

    def set_rule(self, rule: Rule) -> None:
        self.rule = rule
        self.stepper = Stepper(self.stepper.board, rule)

    def pump(self, owed: float, deadline: float) -> int:
        done = 0
        while self.stepper.in_progress or owed - done >= 1:
            if not self.stepper.run(deadline=deadline):
                break  # out of time; the coroutine resumes here next frame
            done += 1
            if time.perf_counter() >= deadline:
                break
        return done

    def trace(self, instructions: int, observer: Observer) -> bool:
        """Carry out at most ``instructions`` instructions, telling ``observer`` each one.

        Returns True when a generation was completed.
        """
        return self.stepper.run(max_instructions=max(1, instructions), observer=observer)

    def close(self) -> None:
        pass


class PoolDriver:
    """Generations computed by a background engine while the loop keeps drawing.

    One job is in flight at a time; it covers a batch of generations sized so
    that a job takes about :attr:`job_seconds` (more generations per job when
    they are cheap, so process overhead stays small).  Edits made while it is
    in flight are recorded and applied again to the board that comes back.
    """

    def __init__(self, board: Board, rule: Rule, engine: Callable[[], Background],
                 job_seconds: float = 0.05, max_batch: int = 64) -> None:
        self._board = board
        self.rule = rule
        self._get_engine = engine  # the app owns the pool: one for the whole session
        self._engine: Background | None = None
        self._label: tuple[object, str] | None = None
        self._edit_count = 0
        self._shared_with_job = False
        self.job: Job | None = None
        self._job_gens = 0
        self._job_started = 0.0
        self._edits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.job_seconds = job_seconds
        self.max_batch = max_batch
        self.seconds_per_generation: float | None = None
        self.error: str | None = None

    @property
    def engine(self) -> Background:
        if self._engine is None:
            self._engine = self._get_engine()
        return self._engine

    @property
    def label(self) -> str:
        # Recomputed when the board or the engine's last choice changes: "auto"
        # moves a board between the pool and this process as it fills or empties.
        last = getattr(getattr(self.engine, "engine", None), "last", None)
        key = (id(self._board), self._edit_count, last)
        if self._label is None or self._label[0] != key:
            self._label = (key, describe(self.engine, self._board))
        return self._label[1]

    @property
    def board(self) -> Board:
        return self._board

    @property
    def busy(self) -> bool:
        return self.job is not None

    def edit(self, ys: np.ndarray, xs: np.ndarray, values: np.ndarray | int) -> None:
        ys, xs = np.asarray(ys, dtype=np.int64), np.asarray(xs, dtype=np.int64)
        vals = np.array(_as_values(values, len(ys)))
        h, w = self._board.shape
        self._edit_count += 1
        if self.job is not None:
            if self._shared_with_job:
                # Copy on write: the job may still be reading this board.
                self._board = self._board.copy()
                self._shared_with_job = False
            self._edits.append((ys % h, xs % w, vals))
        self._board.cells[ys % h, xs % w] = vals

    def set_board(self, board: Board) -> None:
        self._drop_job()
        self._board = board

    def set_rule(self, rule: Rule) -> None:
        self._drop_job()
        self.rule = rule

    def _drop_job(self) -> None:
        if self.job is not None:
            self.job.cancel()
        self.job = None
        self._edits.clear()

    def batch_size(self, owed: float) -> int:
        """How many generations the next job should compute."""
        want = int(min(owed, self.max_batch))
        if self.seconds_per_generation:
            want = min(want, max(1, int(self.job_seconds / self.seconds_per_generation)))
        return max(1, want)

    def pump(self, owed: float, deadline: float) -> int:
        done = 0
        if self.job is not None and self.job.done():
            job, self.job = self.job, None
            try:
                board = job.result()
            except Exception as exc:  # noqa: BLE001 - shown in the HUD, the window lives on
                self.error = str(exc)
                self._edits.clear()
                return 0
            elapsed = time.perf_counter() - self._job_started
            per_gen = elapsed / self._job_gens
            self.seconds_per_generation = (
                per_gen if self.seconds_per_generation is None
                else 0.7 * self.seconds_per_generation + 0.3 * per_gen
            )
            for ys, xs, vals in self._edits:
                board.cells[ys, xs] = vals
            self._edits.clear()
            self._board = board
            done = self._job_gens
        if self.job is None and owed - done >= 1:
            n = self.batch_size(owed - done)
            self._job_gens = n
            self._job_started = time.perf_counter()
            # The job reads our board without a copy (16 MiB at 4096x4096, every
            # job); the first edit while it runs copies the board instead.
            try:
                self.job = self.engine.submit(self._board, self.rule, n, copy=False)  # type: ignore[call-arg]
                self._shared_with_job = True
            except TypeError:  # an engine without the option copies by itself
                self.job = self.engine.submit(self._board, self.rule, n)
                self._shared_with_job = False
        return done

    def close(self) -> None:
        """Drop the job in flight; the engine itself is closed by its owner (the app)."""
        self._drop_job()
