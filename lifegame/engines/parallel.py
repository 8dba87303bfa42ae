"""Bands of the torus over an executor: halos, batches and the barrier between them.

:class:`ParallelEngine` cuts the board into horizontal bands, one (or more) per
worker.  A task computes ``K`` generations of one band from the band plus
``K`` halo rows above and below (ghost zones, taken modulo the height: the
torus), so the bands only meet once every ``K`` generations.  All tasks of a
batch must finish before the next batch starts (each band's halo comes from
its neighbours' results): a barrier per ``K`` generations, not per generation.

How a board travels (compare CPython's ``concurrent/futures/process.py``)::

    ParallelEngine.advance           pool.py                 worker.py            bands.py
    (this module, any one thread)    WorkerPool              (worker process)     band kernel
    -----------------------------    ----------              ----------------     -----------
    board -> shm "current"
      (kernel.load: packed words
       for FAST_BANDS)
    per batch of K generations:
      one SharedBandTask per band ==> submit ==> call queue => run_shared_band(task)
        (names, y0, y1, K, rule,                                attach "current", "next"
         kernel)                                                padded_rows(current, K) -->  kernel.step(
      wait for every band, polling                                                             padded, out=next)
        cancel (-> pool.interrupting())   <== future <== result  <=  rows written     <----  (looks at the
      swap current <-> next                                                                   interrupt event)
    "current" -> a new Board (kernel.read)

    shared memory (shm.py):  [ current | flags ]  [ next | flags ]   H rows each, in
                             the kernel's layout, allocated once per board shape;
                             one flag byte per tile (activity.py) when tiles are skipped

Quiet tiles (:mod:`.activity`): in shared memory, under a rule that keeps
empty space empty (no B0; two-state rules on FAST_BANDS, rules of more
states on STATES_BANDS), a width a multiple of 64 and a height a multiple of
:data:`TILE_ROWS`, each segment carries one flag byte per tile of 64x64
cells (ACTIVE: changed in the last generation; DIRTY: differs from the other
segment).  A task reads the flags of its band and of its halo's tiles
(written by whichever worker computed them in the previous batch), steps only
the tiles within ``K`` cells of an active one, and writes its own tiles'
flags into the target segment.  The bands are re-cut before every batch so
that each holds an equal share of the active tiles (the flags are per tile,
so any band may own any tile row); once no tile is active the board is still
and the remaining batches are skipped.

* With a :class:`~.pool.WorkerPool` (or a ``ProcessPoolExecutor``) the board
  lives in shared memory; a task message is a few names and numbers, so
  nothing but the rule crosses the process boundary.
* With any other :class:`~concurrent.futures.Executor` (a thread pool in the
  tests, a cluster executor later) the bands travel by value
  (:class:`~.worker.BandTask`: band + halo rows in, band rows out).

Faults: a worker that dies breaks the executor; the futures (or ``submit``)
raise ``BrokenProcessPool``.  With a :class:`~.pool.WorkerPool` the call
survives it and resumes from its last completed batch, not from its start:
a batch reads only the "current" segment and writes only "next" (the swap
comes after the barrier), so after a failed batch "current" still holds the
board of the last completed one.  The engine waits for every task of the
failed batch, tells the pool its executor broke
(:meth:`~.pool.WorkerPool.mark_broken`), and submits the same batch again
(``fresh``: every band is written whole, tile flags included); the pool
replaces its executor on that submit.  Once the new tasks are submitted --
the pool really restarted -- the pool's owner hears of it through
:attr:`~.pool.WorkerPool.on_restart` (a :class:`~.pool.Restart`).  The pickled
path resubmits its last batch from the cells it holds the same way.  Only
when workers die :data:`MAX_FAILURES` times in a row, with no batch completed
in between, does the call give up, with an :class:`~.base.EngineError`
("a worker process died 5 times in a row without progress (...); giving
up"); the pool is replaced again on the next call.  An executor that is not
a WorkerPool cannot be replaced: the engine raises an EngineError ("...;
computing in this process from now on") and computes in this process from
then on.  The caller's board is never written to: the next call loads the
shared memory from it again.

Cancellation: while waiting on a batch the engine looks at its ``cancel``
event every :data:`POLL` seconds; once it is set (or the pool is closing), it
sets the pool's interrupt (:meth:`~.pool.WorkerPool.interrupting`), waits for
the tasks in flight -- they return within a generation -- and raises
:class:`~.base.JobCancelled`.  The engine never owns the pool: :meth:`close`
releases its shared memory and its packing threads only.

Nothing here imports pygame.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

from ..board import Board
from ..rules import RuleBase
from .bands import FAST_BANDS, STATES_BANDS, BandKernel, Interrupted, padded_rows
from .base import (
    Cancel,
    Capabilities,
    EngineBase,
    EngineError,
    JobCancelled,
    Progress,
    check_generations,
    generation_chunks,
)
from .pool import Restart, WorkerPool
from .activity import ACTIVE, balanced_bands, tiles_fit
from .shm import SharedBoard
from .tiled import tiles_possible
from .worker import BandTask, SharedBandTask, run_band, run_shared_band

__all__ = ["ParallelEngine", "Restart", "split_rows", "POLL", "MAX_FAILURES"]

POLL = 0.05
"""Seconds between two looks at ``cancel`` while a batch is in flight."""

_THREADED_CELLS = 1 << 20
"""Boards of at least this many cells are packed and unpacked by several threads of the parent."""

TILE_ROWS = 64
"""Rows of a tile (64 cells wide) when bands skip quiet tiles."""

QUIET_BATCH = 128
"""Generations per batch while few tiles are active (tile skipping, the kernel's default batch)."""

QUIET_FRACTION = 0.05
"""Below this fraction of active tiles a batch takes :data:`QUIET_BATCH` generations."""

MAX_FAILURES = 5
"""Worker deaths in a row, with no batch completed between them, after which a call gives up."""

_HALO_LIMIT = 4
"""The halo is clamped to this many times the smallest band's height: beyond
that a task would mostly recompute its neighbours' rows."""


class _Broken(Exception):
    """A batch failed because the pool's executor broke (a worker died); ``cause`` is the executor's error."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def split_rows(height: int, bands: int) -> list[tuple[int, int]]:
    """``bands`` contiguous row ranges ``(y0, y1)`` covering ``0 .. height``, sizes differing by <= 1.

    Never more bands than rows: a board of 3 rows gives at most 3 bands.
    """
    bands = max(1, min(bands, height))
    size, extra = divmod(height, bands)
    edges = [0]
    for i in range(bands):
        edges.append(edges[-1] + size + (i < extra))
    return list(zip(edges[:-1], edges[1:]))


def _board_of(cells: np.ndarray) -> Board:
    """A :class:`Board` on ``cells``, known to be C-contiguous ``uint8`` states (the kernels' output).

    Skips the constructor's check of every cell (a full pass over the board,
    serial in the parent: ~3 ms at 8192x8192).
    """
    board = Board.__new__(Board)
    board.cells = cells
    return board


class _PackThreads:
    """Threads of this process that pack and unpack a large board with the calling thread.

    Packing the caller's board before the first batch and unpacking the result
    after the last are serial work in the parent while the workers wait; on
    ``n`` cores they take ``1 / n`` of the time (numpy's (un)packing releases
    the GIL).
    """

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._executor = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="lifegame-pack")

    def __call__(self, height: int, fn: Callable[[int, int], None]) -> None:
        """``fn(y0, y1)`` over the rows, one slice per thread (this one takes the first)."""
        slices = split_rows(height, self.threads)
        futures = [self._executor.submit(fn, y0, y1) for y0, y1 in slices[1:]]
        try:
            fn(*slices[0])
        finally:
            for future in futures:
                future.result()

    def close(self) -> None:
        self._executor.shutdown(wait=True)


class ParallelEngine(EngineBase):
    """Advance boards band by band on an executor (see the module docstring).

    ``pool``      a :class:`~.pool.WorkerPool` (its size is the default
                  ``workers``), or any :class:`~concurrent.futures.Executor`
                  together with ``workers``.  Never shut down by the engine.
    ``workers``   how many bands run at once (bands = ``workers *
                  bands_per_worker``, never more than the board's rows).
    ``kernel``    the band kernel (:data:`~.bands.FAST_BANDS`, the default, or
                  :data:`~.bands.COROUTINE_BANDS`); per call, the kernel's
                  :meth:`~.bands.BandKernel.for_rule` (FAST_BANDS hands rules
                  of more than two states to :data:`~.bands.STATES_BANDS`).
    ``batch``     ``K``, generations per task (default: the rule's kernel's);
                  clamped to the generations asked for and to a few band heights.
    ``shared``    use shared memory; default: exactly when the executor runs
                  processes on this machine (a WorkerPool or a ProcessPoolExecutor).
    ``tile_rows`` the tile height for skipping quiet tiles in shared memory
                  (:mod:`.activity`; 0: every band steps every cell).

    Results are identical, cell for cell, to the coroutine engine, for any
    rule, board size, worker count and ``K``.  ``advance`` may be called from
    any thread (a lock serialises calls); ``close`` from another thread while
    ``advance`` runs makes it stop at its next look (within :data:`POLL`
    seconds plus a generation) with :class:`~.base.JobCancelled`.
    """

    name = "parallel"

    def __init__(
        self,
        pool: WorkerPool | Executor,
        workers: int | None = None,
        kernel: BandKernel = FAST_BANDS,
        batch: int | None = None,
        *,
        bands_per_worker: int = 1,
        shared: bool | None = None,
        tile_rows: int = TILE_ROWS,
    ) -> None:
        if not isinstance(kernel, BandKernel):
            raise ValueError(f"kernel must be a band kernel (FAST_BANDS, COROUTINE_BANDS), not {kernel!r}")
        self._worker_pool = pool if isinstance(pool, WorkerPool) else None
        if workers is None:
            if self._worker_pool is None:
                raise ValueError("workers is required with an executor that is not a WorkerPool")
            workers = self._worker_pool.workers
        if workers < 1:
            raise ValueError("workers must be >= 1")
        if bands_per_worker < 1:
            raise ValueError("bands_per_worker must be >= 1")
        self.pool = pool
        self.kernel = kernel
        self.workers = int(workers)
        self.batch = int(batch) if batch is not None else kernel.batch
        self._batch_default = batch is None
        if self.batch < 1:
            raise ValueError("batch must be >= 1")
        self.capabilities = Capabilities(background=True, traceable=False, workers=self.workers)
        self._bands_per_worker = int(bands_per_worker)
        if tile_rows < 0:
            raise ValueError("tile_rows must be >= 0")
        self.tile_rows = int(tile_rows)
        self.tiles_computed = 0
        """Tiles computed in the first generation of each batch of the last call (tile skipping only)."""
        self._shared_memory = isinstance(pool, (WorkerPool, ProcessPoolExecutor)) if shared is None else shared
        self._inline = False  # set when a borrowed executor broke: compute here from then on
        self._shared: SharedBoard | None = None
        self._threads: _PackThreads | None = None
        self._lock = threading.Lock()
        self._progress: Progress | None = None  # the call under way's, see advance()
        self._closed = False

    @property
    def segment_names(self) -> tuple[str, ...]:
        """Names of the shared-memory segments held now (for tests and diagnostics)."""
        shared = self._shared
        return tuple(s.name for s in shared.segments) if shared is not None else ()

    @property
    def closed(self) -> bool:
        return self._closed

    def describe(self, board: Board) -> str:
        return self.kernel.describe(self.workers)

    def __repr__(self) -> str:
        return (
            f"<ParallelEngine kernel={self.kernel!r} workers={self.workers} batch={self.batch}"
            f"{' closed' if self._closed else ''}>"
        )

    # -- advancing ---------------------------------------------------------------
    def advance(
        self,
        board: Board,
        rule: RuleBase,
        generations: int = 1,
        *,
        cancel: Cancel | None = None,
        progress: Progress | None = None,
    ) -> Board:
        """The board ``generations`` generations later; ``board`` is not changed.

        Survives worker deaths in a :class:`~.pool.WorkerPool` (see the
        module docstring; the pool's ``on_restart`` is told of each restart).  Raises :class:`~.base.EngineError` when workers died
        :data:`MAX_FAILURES` times in a row without progress, a borrowed
        executor broke, or a task failed, and :class:`~.base.JobCancelled`
        when ``cancel`` is set, the engine is closed or the pool is closing.
        """
        generations = check_generations(generations)
        with self._lock:
            if self._closed:
                raise EngineError("the parallel engine is closed")
            self._check(cancel)
            if generations == 0:
                return board.copy()
            height, width = board.shape
            kernel = self.kernel.for_rule(rule)  # packed bits hold two states: more go to STATES_BANDS
            count = self.workers * self._bands_per_worker
            tile_rows = self.tile_rows_for(board.shape, rule)
            if tile_rows:  # bands of whole tile rows
                bands = [(a * tile_rows, b * tile_rows) for a, b in split_rows(height // tile_rows, count)]
            else:
                bands = split_rows(height, count)
            batch = kernel.batch if self._batch_default else self.batch
            k_max = max(1, min(batch, _HALO_LIMIT * min(y1 - y0 for y0, y1 in bands)))
            self._progress = progress  # told after every batch (advance runs one call at a time)
            if self._inline:
                cells = self._advance_inline(kernel, board.cells, rule, generations, batch, cancel)
            elif self._shared_memory:
                cells = self._advance_shared(kernel, board.cells, rule, generations, bands, k_max, cancel, tile_rows)
            else:
                cells = self._advance_pickled(kernel, board.cells, rule, generations, bands, k_max, cancel)
            if cells.dtype == np.uint8 and cells.shape == (height, width) and cells.flags.c_contiguous:
                return _board_of(cells)
            return Board(height, width, cells)

    def _stopping(self, cancel: Cancel | None) -> bool:
        return (
            self._closed
            or (cancel is not None and cancel.is_set())
            or (self._worker_pool is not None and self._worker_pool.closed)
        )

    def _check(self, cancel: Cancel | None) -> None:
        if self._stopping(cancel):
            raise JobCancelled("cancelled")

    def _batches(self, generations: int, k_max: int, cancel: Cancel | None) -> Iterator[int]:
        """The batch sizes (at most ``k_max``) that make up ``generations``; stops are looked at before each."""
        for k in generation_chunks(generations, k_max, cancel, self._progress):
            self._check(cancel)
            yield k

    def _advance_inline(
        self, kernel: BandKernel, cells: np.ndarray, rule: RuleBase, generations: int, batch: int,
        cancel: Cancel | None,
    ) -> np.ndarray:
        # One band: the whole board with halo rows from the torus; the same kernel.
        height = cells.shape[0]
        for k in self._batches(generations, max(1, min(batch, _HALO_LIMIT * height)), cancel):
            cells = kernel.step_cells(padded_rows(cells, 0, height, k), rule, k)
        return cells

    def tile_rows_for(self, shape: tuple[int, int], rule: RuleBase) -> int:
        """The tile height with which a board of ``shape`` cells is stepped under ``rule``; 0: every cell.

        Tiles are skipped in shared memory with the packed kernel (two-state
        rules) or :data:`~.bands.STATES_BANDS` (rules of more states), under
        rules that keep empty space empty (:func:`~.tiled.tiles_possible`: no
        B0), on boards whose width is a multiple of 64 and whose height is a
        multiple of :attr:`tile_rows` (at least a tile row per band).
        """
        if (
            not self.tile_rows
            or self.kernel.for_rule(rule) not in (FAST_BANDS, STATES_BANDS)
            or not self._shared_memory
            or self._inline
            or not tiles_possible(rule)
            or not tiles_fit(shape, self.tile_rows, self.workers * self._bands_per_worker)
        ):
            return 0
        return self.tile_rows

    def _advance_shared(
        self,
        kernel: BandKernel,
        cells: np.ndarray,
        rule: RuleBase,
        generations: int,
        bands: Sequence[tuple[int, int]],
        k_max: int,
        cancel: Cancel | None,
        tile_rows: int = 0,
    ) -> np.ndarray:
        shape = (int(cells.shape[0]), int(cells.shape[1]))
        tiles = (shape[0] // tile_rows, shape[1] // 64) if tile_rows else None
        old = self._shared
        if old is None or old.shape != shape or old.tiles != tiles or old.kernel is not kernel:
            if old is not None:
                old.release()
                self._shared = None
            self._shared = SharedBoard(shape, kernel, tiles)
        shared = self._shared
        slices = self._pack_threads(shape)
        # Loaded from the caller's board on every call, so a batch that failed
        # half-way (a dead worker) leaves nothing stale behind.
        shared.load(cells, slices)
        fresh = True
        self.tiles_computed = 0
        # Quiet boards take longer batches (fewer round trips; the reach grows
        # by a tile row or two); busy ones the kernel's K (less halo work).
        # (Packed two-state bands only: a multi-state band steps its reach for
        # the whole batch, with a ring K cells deep, so long batches cost more.)
        longer = tile_rows and self._batch_default and rule.states == 2
        k_quiet = max(k_max, min(QUIET_BATCH, _HALO_LIMIT * tile_rows)) if longer else k_max
        k = k_max
        done = 0
        while done < generations:
            self._check(cancel)
            k = min(k, generations - done)
            source, target = shared.names
            if tile_rows and not fresh:  # bands follow the activity (the flags are per tile, not per band)
                bands = [
                    (a * tile_rows, b * tile_rows)
                    for a, b in balanced_bands(shared.current_flags, len(bands), k, tile_rows)
                ]
            tasks = [
                SharedBandTask(kernel, rule, k, shape, y0, y1, source, target, tile_rows, fresh)
                for y0, y1 in bands
            ]
            # Again after a dead worker: "current" is untouched, and ``fresh``
            # rewrites every band of "next" whole (whatever half-written state
            # the failed batch left there).
            computed = self._run_surviving(run_shared_band, tasks, cancel, done,
                                           again=lambda t: dataclasses.replace(t, fresh=True))
            shared.swap()
            done += k
            if self._progress is not None:
                self._progress(done, generations)
            fresh = False
            if tile_rows:
                self.tiles_computed += sum(computed)
                active = int(np.count_nonzero(shared.current_flags & ACTIVE))
                if not active:
                    break  # nothing changed in the last generation: a still board from here on
                k = k_quiet if active < QUIET_FRACTION * shared.current_flags.size else k_max
        if self._progress is not None and done < generations:  # a still board: the rest is done too
            self._progress(generations, generations)
        return shared.read(slices)

    def _advance_pickled(
        self,
        kernel: BandKernel,
        cells: np.ndarray,
        rule: RuleBase,
        generations: int,
        bands: Sequence[tuple[int, int]],
        k_max: int,
        cancel: Cancel | None,
    ) -> np.ndarray:
        done = 0
        for k in self._batches(generations, k_max, cancel):
            # Views of the current cells where no wrap is needed: the kernels
            # only read them, and a process executor pickles them anyway.
            tasks = [BandTask(kernel, rule, k, padded_rows(cells, y0, y1, k)) for y0, y1 in bands]
            cells = np.concatenate(self._run_surviving(run_band, tasks, cancel, done), axis=0)
            done += k
        return cells

    def _pack_threads(self, shape: tuple[int, int]) -> _PackThreads | None:
        """Helper threads for a large board (``workers - 1`` of them, made on first use), else ``None``."""
        if self.workers < 2 or shape[0] < 2 or shape[0] * shape[1] < _THREADED_CELLS:
            return None
        if self._threads is None:
            self._threads = _PackThreads(self.workers)
        return self._threads

    # -- one batch ---------------------------------------------------------------
    def _run_surviving(
        self,
        fn: Callable[[Any], Any],
        tasks: Sequence[Any],
        cancel: Cancel | None,
        done: int,
        again: Callable[[Any], Any] | None = None,
    ) -> list[Any]:
        """:meth:`_run_batch`, submitted again (each task through ``again``) after a worker died.

        ``done``: generations of this call completed before the batch (the
        resume point told to the pool's ``on_restart``).  Gives up after
        :data:`MAX_FAILURES` failures in a row.
        """
        failures = 0
        restart: Restart | None = None
        while True:
            try:
                return self._run_batch(fn, tasks, cancel, restart)
            except _Broken as broken:
                failures += 1
                if failures >= MAX_FAILURES:
                    raise EngineError(
                        f"a worker process died {failures} times in a row without progress "
                        f"({broken.cause}); giving up"
                    ) from broken.cause
                self._check(cancel)
                if again is not None:
                    tasks = [again(task) for task in tasks]
                restart = Restart(str(broken.cause), done, failures)

    def _run_batch(
        self,
        fn: Callable[[Any], Any],
        tasks: Sequence[Any],
        cancel: Cancel | None,
        restart: Restart | None = None,
    ) -> list[Any]:
        """Submit every task, wait for *all* of them, return their results in order.

        ``restart`` (a batch submitted again after a worker died) is told to
        the pool's ``on_restart`` once every task is submitted: a new executor
        took them, the pool did restart.  Waiting for
        all (not the first exception) matters with shared memory: a task still
        running must not write into a buffer the next call reuses.  Raises
        :class:`_Broken` when a WorkerPool's executor broke.
        """
        futures: list[Future[Any]] = []
        executor_number: int | None = None
        hook_error: BaseException | None = None
        try:
            try:
                for task in tasks:
                    futures.append(self.pool.submit(fn, task))
                if self._worker_pool is not None:
                    executor_number = self._worker_pool.restarts
                on_restart = self._worker_pool.on_restart if self._worker_pool is not None else None
                if restart is not None and on_restart is not None:
                    try:
                        on_restart(restart)
                    except BaseException as exc:  # the caller's: raised as it is, after the wait  # noqa: BLE001
                        hook_error = exc
            finally:
                self._wait(futures, cancel)
            results = [future.result() for future in futures]
        except EngineError:  # JobCancelled from _wait
            raise
        except cf.BrokenExecutor as exc:
            if self._worker_pool is None:
                raise self._borrowed_broke(exc) from exc
            if executor_number is not None:  # the futures broke (a failing submit already told the pool)
                self._worker_pool.mark_broken(executor_number)
            raise _Broken(exc) from exc
        except (Interrupted, cf.CancelledError) as exc:
            raise JobCancelled("cancelled while computing") from exc
        except RuntimeError as exc:  # "cannot schedule new futures after shutdown"
            if self._stopping(cancel):
                raise JobCancelled("the worker pool was closed while computing") from exc
            raise EngineError(f"a band task failed: {exc!r}") from exc
        except Exception as exc:
            raise EngineError(f"a band task failed: {exc!r}") from exc
        if hook_error is not None:
            raise hook_error
        return results

    def _wait(self, futures: Sequence[Future[Any]], cancel: Cancel | None) -> None:
        """Wait until every future is done; once a stop is asked for, interrupt the tasks and raise.

        A cancelled batch is abandoned cooperatively: queued tasks are
        cancelled, running ones see the pool's interrupt event at their next
        generation, and only when all have returned does this raise
        :class:`~.base.JobCancelled` (so no task writes into shared memory
        that the next call reuses).
        """
        pending: set[Future[Any]] = set(futures)
        while pending:
            _, pending = cf.wait(pending, timeout=POLL)
            if pending and self._stopping(cancel):
                for future in pending:
                    future.cancel()
                with self._interrupting():
                    cf.wait(pending)
                raise JobCancelled("cancelled while computing")

    def _interrupting(self) -> AbstractContextManager[None]:
        return self._worker_pool.interrupting() if self._worker_pool is not None else nullcontext()

    def _borrowed_broke(self, exc: BaseException) -> EngineError:
        """The error for a borrowed executor that broke (the caller's board is untouched)."""
        # Not ours to replace: compute in this process from now on.
        self._inline = True
        return EngineError(f"a worker process died ({exc}); computing in this process from now on")

    # -- closing -----------------------------------------------------------------
    def close(self) -> None:
        """Unlink the shared memory and stop the packing threads; the pool is left alone.

        From another thread while :meth:`advance` runs, that call stops at its
        next look (see the class docstring) before the memory goes.  Safe to
        call twice.
        """
        self._closed = True
        with self._lock:
            shared, self._shared = self._shared, None
            if shared is not None:
                shared.release()
            threads, self._threads = self._threads, None
            if threads is not None:
                threads.close()
