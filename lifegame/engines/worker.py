"""The worker process: its start-up, and the band tasks it runs.

Everything here runs inside a worker process of a :class:`~.pool.WorkerPool`
(or in a thread of an executor that runs tasks in this process).  The module
is preloaded by the forkserver, so it must stay cheap to import, and it
never loads pygame: it needs numpy and the pygame-free core only.

A task is a small, named, immutable message, as CPython's
``concurrent/futures/process.py`` sends ``_CallItem``\\ s::

    BandTask        K generations of one band, the band + halo rows travelling
                    by value (pickled): any executor, a cluster one included;
    SharedBandTask  K generations of one band of a board in shared memory: only
                    the segment names, the band's rows, K and the rule travel;
                    with ``tile_rows`` the band steps only the tiles that can
                    change, by the tile flags in the segments (:mod:`.activity`).

:func:`run_band` and :func:`run_shared_band` carry one out with the task's
band kernel (:mod:`.bands`), which looks at this worker's interrupt event
between generations: a pool being closed or a cancelled batch gets its
workers back within a generation, with no process killed.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..rules import RuleBase
from .bands import BandKernel, Interrupt, padded_rows
from .activity import step_band, step_states_band
from .shm import attach, attach_flags

__all__ = [
    "BandTask",
    "SharedBandTask",
    "run_band",
    "run_shared_band",
    "init_worker",
    "worker_pid",
    "worker_ready",
    "WORKER_NICENESS",
]


@dataclass(frozen=True)
class BandTask:
    """``generations`` generations of the band in the middle of ``padded`` (cells, band + halo rows)."""

    kernel: BandKernel
    rule: RuleBase
    generations: int
    padded: np.ndarray


@dataclass(frozen=True)
class SharedBandTask:
    """``generations`` generations of rows ``y0 .. y1 - 1`` of the board in segment ``source``, into ``target``.

    ``shape`` is the board's ``(height, width)`` in cells; both segments hold
    it in ``kernel``'s layout.  The halo rows are read from ``source`` modulo
    the height.

    ``tile_rows`` (0: every cell is computed): the segments also hold tile
    flags and the band is whole rows of tiles this high; only tiles that can
    change are stepped (:func:`.activity.step_band` for FAST_BANDS and
    two-state rules, :func:`.activity.step_states_band` for STATES_BANDS and
    rules of more states; never under B0).  ``fresh``: the first batch after the board was loaded
    (the flags are not yet written).
    """

    kernel: BandKernel
    rule: RuleBase
    generations: int
    shape: tuple[int, int]
    y0: int
    y1: int
    source: str
    target: str
    tile_rows: int = 0
    fresh: bool = False


# Set by init_worker in a pool's worker processes; None elsewhere (a thread
# pool's tasks are then only cancelled between batches, by the parent).
_interrupt: Any = None


def _interrupted() -> bool:
    return _interrupt is not None and _interrupt.is_set()


def _interrupt_check() -> Interrupt | None:
    return _interrupted if _interrupt is not None else None


def run_band(task: BandTask) -> np.ndarray:
    """The band's new rows, ``(h, w)`` uint8."""
    return task.kernel.step_cells(task.padded, task.rule, task.generations, _interrupt_check())


def run_shared_band(task: SharedBandTask) -> int:
    """Read band + halo from ``task.source``, write the band's new rows into ``task.target``.

    Returns the rows written, or with ``tile_rows`` the tiles computed in the
    batch's first generation (0: a quiet band).
    """
    kernel = task.kernel
    layout = kernel.layout(task.shape)
    current = attach(task.source, layout, kernel.dtype)
    following = attach(task.target, layout, kernel.dtype)
    if task.tile_rows:
        offset = layout[0] * layout[1] * kernel.dtype.itemsize
        tiles = (task.shape[0] // task.tile_rows, task.shape[1] // 64)  # tiles are 64 cells wide
        # Packed two-state boards, or uint8 states (STATES_BANDS) under a rule of more states.
        step = step_band if task.rule.states == 2 else step_states_band
        computed = step(
            current, following, attach_flags(task.source, offset, tiles), attach_flags(task.target, offset, tiles),
            task.y0, task.y1, task.rule, task.generations, task.tile_rows, task.fresh, _interrupt_check(),
        )
        del current, following
        return computed
    padded = padded_rows(current, task.y0, task.y1, task.generations)
    kernel.step(
        padded, task.rule, task.shape[1], task.generations, out=following[task.y0 : task.y1],
        interrupted=_interrupt_check(),
    )
    del current, following, padded  # drop the views so an evicted mapping can close
    return task.y1 - task.y0


WORKER_NICENESS = 5


def init_worker(parent_alive: Any, interrupt: Any, niceness: int = WORKER_NICENESS) -> None:
    """Pool initializer: keep the pool's interrupt event, ignore Ctrl+C, lower
    this worker's priority a little, and exit as soon as the program that
    started it is gone.

    ``parent_alive`` is the read end of a pipe (a :mod:`multiprocessing`
    ``Connection``) whose write end only the program holds: nothing is ever
    sent on it, and it reads end-of-file once the program has exited, however
    it ended -- SIGKILL included, and whether or not its own parent has reaped
    it yet (a zombie's pid still exists, its files are closed) -- or when the
    pool closes it to retire a broken executor's workers.  Without this
    a ProcessPoolExecutor's workers outlive a killed program: they hold both
    ends of their call queue, and under forkserver the pipes that keep the
    forkserver and the resource tracker alive, so nothing would ever wake
    them.  A daemon thread waits on the pipe and ends the process; the
    forkserver and the resource tracker then read end-of-file in turn and
    exit, and the tracker unlinks the shared memory.
    """
    global _interrupt
    _interrupt = interrupt
    # Ctrl+C in a terminal signals the whole process group: the parent alone
    # should react (by closing the pool, which interrupts our tasks).  A
    # worker killed by SIGINT would break the pool under the parent's feet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Workers compute in bulk; the process that started them may be a window
    # that must draw a frame every 16 ms.  On a machine with no spare core a
    # slightly lower priority lets the window's thread in first.  (A program
    # with no window passes 0: on a loaded machine niced workers lose.)
    try:
        if niceness:
            os.nice(niceness)
    except (AttributeError, OSError):  # pragma: no cover - no nice() here
        pass

    def watch() -> None:
        try:
            while True:
                parent_alive.recv_bytes()  # blocks; the program never writes (a stray message is skipped)
        except (EOFError, OSError):  # the write end is closed: the program is gone
            pass
        os._exit(0)

    threading.Thread(target=watch, name="lifegame-parent-watch", daemon=True).start()


def worker_ready() -> int:
    """A worker's first task from :meth:`~.pool.WorkerPool.start`: the kernels for Conway's Life made; the pid."""
    from ..rules import CONWAY
    from .bitpack import compile_rule

    compile_rule(CONWAY)
    return os.getpid()


def worker_pid(delay: float = 0.0) -> int:
    """This process's id, after ``delay`` seconds (:meth:`~.pool.WorkerPool.warm` spreads its calls with it)."""
    if delay:
        time.sleep(delay)
    return os.getpid()
