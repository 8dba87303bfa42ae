"""Generations computed off the main loop (Effective Python, Item 41), as the window sees them.

The window must never wait for a large board, so it talks to a tiny
asynchronous interface::

    job = engine.submit(board, rule, generations)   # returns at once (the board is copied)
    job.done()      # polled once per frame
    job.result()    # a new Board; called only once done() is True
    job.cancel()    # the result is no longer wanted
    engine.close()  # cancel work, stop the workers, leave no process behind

That interface is :class:`lifegame.engines.BackgroundEngine`: one coordinator
thread in front of the engine registry's ``auto`` choice, which is the fast
kernel for middling boards and bands of the board in a process pool (shared
memory, ``forkserver``) for large ones.  :func:`make_background` is the one
place the app creates it.  This module imports no pygame.
"""

from __future__ import annotations

from typing import Protocol

from ..board import Board
from ..rules import Rule

__all__ = ["Job", "Background", "make_background", "describe"]


class Job(Protocol):
    def done(self) -> bool: ...
    def result(self) -> Board: ...
    def cancel(self) -> object: ...


class Background(Protocol):
    """What the app needs from an asynchronous engine."""

    def submit(self, board: Board, rule: Rule, generations: int = 1) -> Job: ...
    def close(self, cancel: bool = True) -> None: ...


def make_background(workers: int | None = None, engine: str = "auto") -> Background:
    """The background engine for the window: ``auto`` (pool for large boards) or a named engine."""
    from ..engines import BackgroundEngine, make_engine

    name = engine if engine in ("auto", "fast", "coroutine") else "auto"
    if name == "auto":
        return BackgroundEngine(workers=workers)  # AutoEngine: chooses per board size
    return BackgroundEngine(make_engine(name, workers=workers))


def describe(background: Background | None, board: Board) -> str:
    """Which engine computes ``board`` behind ``background``, for the status line.

    With the ``auto`` engine: the one that computed the last job, or before
    any job, the one it will choose for this board (a nearly empty board stays
    in this process even when it is large).
    """
    if background is None:
        return "background engine"
    inner = getattr(background, "engine", None)
    kind = getattr(inner, "last", None)
    plan = getattr(inner, "plan", None)
    if kind is None and plan is not None:
        kind = plan(board.shape, board.population())
    if kind is None:
        kind = getattr(inner, "name", "engine")
    workers = int(getattr(inner, "workers", 1) or 1)
    if kind == "parallel" and workers > 1:
        return f"process pool, {workers} workers"
    if kind == "parallel":
        kind = getattr(inner, "kernel", "fast")
    return f"{kind} kernel in a thread"
