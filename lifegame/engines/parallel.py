"""Bands of the torus over a ``concurrent.futures`` executor, and a non-blocking front for the window.

:class:`ParallelEngine` cuts the board into horizontal bands, one (or more) per
worker.  A *task* computes ``K`` generations of one band from the band plus
``K`` halo rows above and below (ghost zones, taken modulo the height: the
torus), so the bands only meet once every ``K`` generations.  All tasks of a
batch must finish before the next batch starts (each band's halo comes from
its neighbours' results): a barrier per ``K`` generations, not per generation.

How the work flows (compare CPython's ``concurrent/futures/process.py``)::

    main thread (the window)   coordinator thread            worker processes (forkserver)
    ------------------------   ------------------            -----------------------------
    bg.submit(board) -> Job    ParallelEngine.advance()
      (copies the board,  ===>   board -> shm "current"
       returns at once)          per batch of K gens:
                                   submit one task per band ==> run_band_shared(src, dst,
    each frame: job.done()?           (names, rows, K, rule)     shape, y0, y1, K, rule)
      no: draw, handle input       wait for every band      <==   reads band + halo from src,
      yes: job.result()            swap current <-> next           writes band rows into dst
                               <=  "current" -> a new Board          (bit-packed for "fast")

    shared memory:  [ current ]  [ next ]   H rows each, allocated once per board shape:
                    bit-packed uint64 words (fast kernel) or one uint8 per cell (coroutines)

* With a local :class:`~concurrent.futures.ProcessPoolExecutor` (the default,
  created once, lazily, with the ``forkserver`` start method -- forking a
  process that runs SDL's threads can deadlock -- and reused) the board lives
  in :mod:`multiprocessing.shared_memory`; a task message is a few names and
  numbers, so nothing but the rule crosses the process boundary.
* With any other :class:`~concurrent.futures.Executor` (a thread pool in the
  tests, a cluster executor later) the bands travel by value: band + halo rows
  in, band rows out (:func:`lifegame.engines.worker.run_band`).

The :class:`BackgroundEngine` puts one coordinator thread between the window
and the engine, so that the main loop never blocks: ``submit`` returns a
:class:`Job` at once, the loop polls ``job.done()`` every frame.  A thread
(rather than the window driving the band futures itself) keeps the batch
loop, the barrier and fault recovery in one synchronous, testable place
(:meth:`ParallelEngine.advance`) and works for every engine; the thread
spends its time waiting on futures, so it does not compete for the GIL.

Faults: a worker that dies breaks the pool (``BrokenProcessPool``).  The
engine turns that into an :class:`EngineError` ("worker process died ...;
restarted the pool"), throws the pool away and makes a new one for the next
call.  The caller's board is never written to, so nothing is lost: the next
call loads the shared memory from it again.  ``close()`` cancels pending
tasks, terminates workers that are still busy, and unlinks the shared memory.
If the program is killed outright (no ``close()``), each worker notices within
half a second that its parent is gone and exits
(:func:`lifegame.engines.worker.init_worker`); the resource tracker then
unlinks the segments.

Nothing here imports pygame.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import atexit
import os
import queue
import secrets
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import shared_memory
from typing import Any, Literal

import numpy as np

from ..board import Board
from ..rules import Rule
from . import worker
from .base import Engine, EngineError

__all__ = [
    "ParallelEngine",
    "BackgroundEngine",
    "Job",
    "JobCancelled",
    "advance_cancellable",
    "shutdown_pool",
    "DEFAULT_BATCH",
    "pool_context",
    "split_rows",
]

Kernel = Literal["fast", "coroutine"]

DEFAULT_BATCH: dict[str, int] = {"fast": 32, "coroutine": 1}
"""Generations per task.  The fast kernel is cheap per generation, so it needs
batches to amortise a task's round trip (~1 ms) and the barrier between batches
(32 measured best at 4096^2 and 8192^2 on two cores: halo work 2K/h is small);
the coroutine kernel is slow per cell, so a batch would only add halo work
(a band of ``h`` rows computes ``h + 2K - 2``, ``h + 2K - 4``, ... rows)."""

_THREADED_CELLS = 1 << 20
"""Boards of at least this many cells are packed and unpacked by several threads of the parent."""

_HALO_LIMIT = 4
"""The halo is clamped to this many times the smallest band's height: beyond
that a task would mostly recompute its neighbours' rows."""


class JobCancelled(EngineError):
    """The work was cancelled (by :meth:`Job.cancel` or by closing the engine)."""


def pool_context() -> Any:
    """The multiprocessing context for worker pools: ``forkserver`` where there is one, else ``spawn``.

    Never ``fork``: the window's process runs SDL threads, and a forked child
    inherits their locks in whatever state they were.  The forkserver preloads
    :mod:`lifegame.engines.worker` (numpy and the core, no pygame) once, so a
    new worker is a cheap fork of an already warm process.
    """
    if "forkserver" in mp.get_all_start_methods():
        context = mp.get_context("forkserver")
        context.set_forkserver_preload([worker.__name__])
        return context
    return mp.get_context("spawn")


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


def _signal_name(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _processes_of(executor: Executor) -> dict[int, Any]:
    """``{pid: Process}`` of a ProcessPoolExecutor (a private attribute, read defensively)."""
    for _ in range(3):  # the manager thread may be adding a process right now
        try:
            return dict(getattr(executor, "_processes", None) or {})
        except RuntimeError:
            continue
    return {}



def _close_at_exit(ref: weakref.ref[ParallelEngine]) -> None:
    engine = ref()
    if engine is not None and not engine.closed:
        engine.close()

_POLL = 0.25  # seconds between two looks at "closed?" while waiting on band tasks

def shutdown_pool(executor: Executor, *, terminate: bool, timeout: float = 1.5) -> dict[int, Any]:
    """Shut ``executor`` down without waiting on work in flight; leave no process behind.

    Pending tasks are cancelled.  With ``terminate``, busy workers are
    terminated at once (their results are not wanted); otherwise idle workers
    get the executor's own polite sentinel.  Either way the call returns within
    about ``timeout`` seconds and every worker process has been reaped (any
    straggler is SIGKILLed).  Returns the pool's ``{pid: Process}``, whose
    exit codes can be read once this has returned.
    """
    processes = _processes_of(executor)
    manager = getattr(executor, "_executor_manager_thread", None)
    try:
        executor.shutdown(wait=False, cancel_futures=True)
    except Exception:  # a broken pool may complain; it is being dropped anyway
        pass
    if not isinstance(executor, ProcessPoolExecutor):
        return processes
    if terminate:
        for process in processes.values():
            # No is_alive() here: that reads the worker's exit status, which
            # the manager thread may be reading at the same moment, and with
            # the forkserver the loser of that race records exit code 255
            # instead of the real cause.  terminate() reads nothing.
            try:
                process.terminate()
            except (ValueError, OSError):  # already closed or gone
                pass
    deadline = time.monotonic() + timeout
    # The executor's manager thread joins (reaps) its workers itself; wait for
    # it rather than joining the same processes from two threads.
    if manager is not None:
        manager.join(max(0.0, deadline - time.monotonic()))
    for process in processes.values():
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(0.5)
    return processes


class _SharedBoard:
    """Two shared-memory buffers, *current* and *next*, for boards of one shape and kernel.

    The parent creates and unlinks the segments; workers only map them by name
    (:func:`lifegame.engines.worker.run_band_shared`).  Names are random and
    never reused, so a worker's cached mapping cannot alias a new segment.
    The layout (bit-packed words for the fast kernel, one byte per cell for
    the coroutines) is :func:`lifegame.engines.worker.shared_layout`.
    """

    def __init__(self, shape: tuple[int, int], kernel: str) -> None:
        self.shape = shape
        self.kernel = kernel
        self.layout, self.dtype = worker.shared_layout(kernel, shape)
        size = self.layout[0] * self.layout[1] * self.dtype.itemsize
        self.segments: list[shared_memory.SharedMemory] = []
        try:
            for _ in range(2):
                name = f"lg{os.getpid()}_{secrets.token_hex(5)}"
                self.segments.append(shared_memory.SharedMemory(name=name, create=True, size=size))
        except BaseException:
            self.release()
            raise
        self.arrays: list[np.ndarray] | None = [
            np.ndarray(self.layout, dtype=self.dtype, buffer=segment.buf) for segment in self.segments
        ]
        self.current = 0

    @property
    def names(self) -> tuple[str, str]:
        """``(current, next)`` segment names, as the workers open them."""
        return self.segments[self.current].name, self.segments[1 - self.current].name

    def load(self, cells: np.ndarray, helpers: ThreadPoolExecutor | None = None) -> None:
        """Write ``cells`` into *current*; packed by ``helpers``' threads, a slice each, when given."""
        assert self.arrays is not None
        target = self.arrays[self.current]
        if self.kernel != "fast":
            target[...] = cells
            return
        cells = np.ascontiguousarray(cells, dtype=np.uint8)
        self._by_slices(helpers, lambda y0, y1: worker.pack_into(cells[y0:y1], target[y0:y1]))

    def swap(self) -> None:
        self.current = 1 - self.current

    def read(self, helpers: ThreadPoolExecutor | None = None) -> np.ndarray:
        """A new ``uint8`` array of *current*; unpacked by ``helpers``' threads, a slice each, when given."""
        assert self.arrays is not None
        source = self.arrays[self.current]
        if self.kernel != "fast":
            return np.array(source, dtype=np.uint8)
        width = self.shape[1]
        # np.zeros leaves pages untouched until written: the threads fault in
        # their own slices, and rows with no live cell are never touched.
        out = np.zeros(self.shape, np.uint8)
        self._by_slices(helpers, lambda y0, y1: worker.unpack_into(source[y0:y1], out[y0:y1], width))
        return out

    def _by_slices(self, helpers: ThreadPoolExecutor | None, fn: Callable[[int, int], None]) -> None:
        """``fn(y0, y1)`` over the rows, one slice per helper thread (numpy's (un)packing releases the GIL)."""
        height = self.shape[0]
        threads = 1 + (getattr(helpers, "_max_workers", 0) if helpers is not None else 0)
        slices = split_rows(height, threads)
        if helpers is None or len(slices) < 2:
            fn(0, height)
            return
        futures = [helpers.submit(fn, y0, y1) for y0, y1 in slices[1:]]
        fn(*slices[0])  # this thread takes the first slice
        for future in futures:
            future.result()

    def release(self) -> None:
        """Unmap and unlink both segments (idempotent; never raises)."""
        self.arrays = None  # drop our views first, or the mmap refuses to close
        for segment in self.segments:
            try:
                segment.close()
            except BufferError:  # a view escaped; it is unmapped when collected
                pass
            try:
                segment.unlink()
            except FileNotFoundError:
                pass
        self.segments = []


def _board_of(cells: np.ndarray) -> Board:
    """A :class:`Board` on ``cells``, known to be C-contiguous ``uint8`` 0/1 (the kernels' output).

    Skips the constructor's check of every cell (a full pass over the board,
    serial in the parent: ~3 ms at 8192x8192).
    """
    board = Board.__new__(Board)
    board.cells = cells
    return board


class ParallelEngine:
    """Advance boards band by band on an executor (see the module docstring).

    ``executor``  any :class:`~concurrent.futures.Executor`; ``None`` (the
                  default) means a :class:`ProcessPoolExecutor` of ``workers``
                  processes that this engine creates on first use, owns,
                  restarts after a fault and shuts down in :meth:`close`.
                  An executor passed in is never shut down by the engine.
    ``workers``   how many bands run at once (bands = ``workers *
                  bands_per_worker``, never more than the board's rows).
    ``kernel``    ``"fast"`` (vectorised) or ``"coroutine"`` (the seed's
                  coroutines, each worker the environment of its band).
    ``batch``     ``K``, generations per task (default :data:`DEFAULT_BATCH`);
                  clamped to the generations asked for and to a few band heights.
    ``shared``    use shared memory; default: exactly when the executor is a
                  ProcessPoolExecutor (workers on this machine).

    Results are identical, cell for cell, to the coroutine engine, for any
    rule, board size, worker count and ``K``.  ``advance`` may be called from
    any one thread at a time (a lock serialises calls); ``close`` may be called
    from another thread while ``advance`` runs, and makes it fail promptly.
    """

    name = "parallel"
    accepts_cancel = True
    """``advance`` takes ``cancel=threading.Event`` (checked between batches)."""

    def __init__(
        self,
        executor: Executor | None = None,
        workers: int = 2,
        kernel: Kernel = "fast",
        batch: int | None = None,
        *,
        bands_per_worker: int = 1,
        shared: bool | None = None,
    ) -> None:
        if kernel not in worker.KERNELS:
            raise ValueError(f"kernel must be one of {sorted(worker.KERNELS)}, not {kernel!r}")
        if workers < 1:
            raise ValueError("workers must be >= 1")
        if bands_per_worker < 1:
            raise ValueError("bands_per_worker must be >= 1")
        self._kernel: Kernel = kernel
        self._workers = int(workers)
        self._bands_per_worker = int(bands_per_worker)
        self._batch = int(batch) if batch is not None else DEFAULT_BATCH[kernel]
        if self._batch < 1:
            raise ValueError("batch must be >= 1")
        self._executor: Executor | None = executor
        self._owns_executor = executor is None
        self._shared_choice = shared
        self._inline = False  # set when a borrowed pool broke: compute here from then on
        self._shared: _SharedBoard | None = None
        self._threads: ThreadPoolExecutor | None = None  # see _helpers()
        self._lock = threading.Lock()
        self._closed = False
        self.restarts = 0
        """How many times a broken pool was replaced."""
        # A program that forgets close() still leaves no worker and no
        # /dev/shm segment behind when it exits (the weak reference keeps the
        # engine collectable before then).
        atexit.register(_close_at_exit, weakref.ref(self))

    # -- properties ----------------------------------------------------------
    @property
    def workers(self) -> int:
        return self._workers

    @property
    def kernel(self) -> str:
        return self._kernel

    @property
    def batch(self) -> int:
        return self._batch

    @property
    def executor(self) -> Executor | None:
        """The executor in use (``None`` before the engine's own pool is first needed)."""
        return self._executor

    @property
    def segment_names(self) -> tuple[str, ...]:
        """Names of the shared-memory segments held now (for tests and diagnostics)."""
        shared = self._shared
        return tuple(s.name for s in shared.segments) if shared is not None else ()

    def __repr__(self) -> str:
        return (
            f"<ParallelEngine kernel={self._kernel} workers={self._workers} batch={self._batch}"
            f"{' closed' if self._closed else ''}>"
        )

    # -- the pool --------------------------------------------------------------
    def _pool(self) -> Executor | None:
        """The executor to use now, creating the engine's own pool if needed."""
        if self._closed:
            raise EngineError("the parallel engine is closed")
        if self._inline:
            return None
        if self._executor is None:
            self._executor = self._new_pool()
            self._owns_executor = True
        return self._executor

    def _new_pool(self) -> ProcessPoolExecutor:
        # The initializer makes the workers exit if this process is killed
        # outright (no close() ever runs): no orphans even then.
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=pool_context(),
            initializer=worker.init_worker,
            initargs=(os.getpid(),),
        )

    def _helpers(self, shape: tuple[int, int]) -> ThreadPoolExecutor | None:
        """Threads of this process that pack and unpack a large board with the calling thread, or ``None``.

        Packing the caller's board before the first batch and unpacking the
        result after the last are serial work in the parent while the workers
        wait; on ``workers`` cores they take ``1 / workers`` of the time (the
        parent holds the only copy of the board, so the workers cannot do it).
        ``workers - 1`` threads, created on first use, joined by :meth:`close`.
        """
        if self._workers < 2 or shape[0] < 2 or shape[0] * shape[1] < _THREADED_CELLS:
            return None
        if self._threads is None:
            self._threads = ThreadPoolExecutor(max_workers=self._workers - 1, thread_name_prefix="lifegame-pack")
        return self._threads

    def _use_shared(self, executor: Executor) -> bool:
        if self._shared_choice is not None:
            return self._shared_choice
        return isinstance(executor, ProcessPoolExecutor)

    def warm(self) -> list[int]:
        """Start every worker process now (so the first ``advance`` pays no start-up).

        Returns the worker pids that answered (for a thread pool: this process's pid).
        """
        with self._lock:
            executor = self._pool()
            if executor is None:
                return []
            # Each task sleeps a little so that one worker cannot take them all:
            # a ProcessPoolExecutor spawns a process per task while none is idle.
            pids = self._run_batch(executor, [(worker.worker_pid, (0.05,))] * self._workers)
            return sorted(set(pids))

    def worker_pids(self) -> list[int]:
        """Pids of the current pool's worker processes (empty for other executors)."""
        executor = self._executor
        return sorted(_processes_of(executor)) if executor is not None else []

    # -- advancing ---------------------------------------------------------------
    def advance(
        self,
        board: Board,
        rule: Rule,
        generations: int = 1,
        *,
        cancel: threading.Event | None = None,
    ) -> Board:
        """The board ``generations`` generations later; ``board`` is not changed.

        Raises :class:`EngineError` when a worker dies (the pool is replaced,
        so the next call works) or a task fails, and :class:`JobCancelled`
        when ``cancel`` is set (checked before each batch) or the engine is
        closed meanwhile.
        """
        if generations < 0:
            raise ValueError("generations must be >= 0")
        with self._lock:
            if self._closed:
                raise EngineError("the parallel engine is closed")
            if generations == 0:
                return board.copy()
            executor = self._pool()
            height, width = board.shape
            bands = split_rows(height, self._workers * self._bands_per_worker)
            smallest = min(y1 - y0 for y0, y1 in bands)
            k_max = max(1, min(self._batch, _HALO_LIMIT * smallest))
            if executor is None:
                cells = self._advance_inline(board.cells, rule, generations, cancel)
            elif self._use_shared(executor):
                cells = self._advance_shared(executor, board.cells, rule, generations, bands, k_max, cancel)
            else:
                cells = self._advance_pickled(executor, board.cells, rule, generations, bands, k_max, cancel)
            if cells.dtype == np.uint8 and cells.shape == (height, width) and cells.flags.c_contiguous:
                return _board_of(cells)
            return Board(height, width, cells)

    def _check(self, cancel: threading.Event | None) -> None:
        if self._closed:
            raise JobCancelled("the parallel engine was closed")
        if cancel is not None and cancel.is_set():
            raise JobCancelled("cancelled")

    def _advance_inline(
        self, cells: np.ndarray, rule: Rule, generations: int, cancel: threading.Event | None
    ) -> np.ndarray:
        if self._kernel == "fast":
            from .fast import step

            self._check(cancel)
            return step(cells, rule, generations)
        # One band: the whole board with halo rows from the torus; the same kernel.
        kernel = worker.KERNELS[self._kernel]
        height = cells.shape[0]
        k_max = max(1, min(self._batch, _HALO_LIMIT * height))
        for k in self._batches(generations, k_max, cancel):
            cells = kernel(worker.padded_rows(cells, 0, height, k), rule, k)
        return cells

    def _advance_shared(
        self,
        executor: Executor,
        cells: np.ndarray,
        rule: Rule,
        generations: int,
        bands: Sequence[tuple[int, int]],
        k_max: int,
        cancel: threading.Event | None,
    ) -> np.ndarray:
        shape = (int(cells.shape[0]), int(cells.shape[1]))
        if self._shared is None or self._shared.shape != shape:
            if self._shared is not None:
                self._shared.release()
                self._shared = None
            self._shared = _SharedBoard(shape, self._kernel)
        shared = self._shared
        # Re-initialised from the caller's board on every call, so a batch that
        # failed half-way (a dead worker) leaves nothing stale behind.
        shared.load(cells, self._helpers(shape))
        for k in self._batches(generations, k_max, cancel):
            src, dst = shared.names
            self._run_batch(
                executor,
                [(worker.run_band_shared, (src, dst, shape, y0, y1, k, rule, self._kernel)) for y0, y1 in bands],
            )
            shared.swap()
        return shared.read(self._helpers(shape))

    def _advance_pickled(
        self,
        executor: Executor,
        cells: np.ndarray,
        rule: Rule,
        generations: int,
        bands: Sequence[tuple[int, int]],
        k_max: int,
        cancel: threading.Event | None,
    ) -> np.ndarray:
        for k in self._batches(generations, k_max, cancel):
            # Views of the current cells where no wrap is needed: the kernels
            # only read them, and a process executor pickles them anyway.
            calls = [
                (worker.run_band, (worker.padded_rows(cells, y0, y1, k), rule, k, self._kernel))
                for y0, y1 in bands
            ]
            cells = np.concatenate(self._run_batch(executor, calls), axis=0)
        return cells

    def _batches(self, generations: int, k_max: int, cancel: threading.Event | None) -> Iterator[int]:
        """The sizes of the batches that make up ``generations`` (at most ``k_max`` each).

        Cancellation (and closing) is checked before each batch.
        """
        done = 0
        while done < generations:
            self._check(cancel)
            k = min(k_max, generations - done)
            yield k
            done += k

    def _run_batch(self, executor: Executor, calls: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
        """Submit every call, wait for *all* of them, return their results in order.

        Waiting for all (not the first exception) matters with shared memory: a
        task still running must not write into a buffer the next call reuses.
        """
        futures: list[Future[Any]] = []
        try:
            for fn, args in calls:
                futures.append(executor.submit(fn, *args))
            self._wait_all(futures)
            return [future.result() for future in futures]
        except cf.BrokenExecutor as exc:
            for future in futures:
                future.cancel()
            if self._closed:
                raise JobCancelled("the parallel engine was closed while computing") from exc
            raise self._recover(executor, exc) from exc
        except cf.CancelledError as exc:
            raise JobCancelled("the parallel engine was closed while computing") from exc
        except RuntimeError as exc:
            if self._closed:  # "cannot schedule new futures after shutdown"
                raise JobCancelled("the parallel engine was closed while computing") from exc
            raise EngineError(f"a band task failed: {exc!r}") from exc
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"a band task failed: {exc!r}") from exc

    def _wait_all(self, futures: Sequence[Future[Any]]) -> None:
        """Wait until every future is done, or leave with :class:`JobCancelled`.

        Never waits forever: a pool torn down under a task by ``close()`` from
        another thread may leave a future that no one will ever resolve, so
        the wait looks up every :data:`_POLL` seconds and gives up once the
        engine is closed.
        """
        pending: set[Future[Any]] | Sequence[Future[Any]] = futures
        while True:
            _, pending = cf.wait(pending, timeout=_POLL)
            if not pending:
                return
            if self._closed:
                for future in pending:
                    future.cancel()
                raise JobCancelled("the parallel engine was closed while computing")

    def _recover(self, executor: Executor, exc: BaseException) -> EngineError:
        """Drop a broken pool; return the error to raise (the board is untouched)."""
        # Exit codes are read after the shutdown, when the executor's manager
        # thread has finished reading them (see shutdown_pool); the workers
        # terminated here show SIGTERM and are not the cause.
        processes = shutdown_pool(executor, terminate=True, timeout=1.0)
        dead = [
            f"pid {pid} {_signal_name(process.exitcode)}"
            for pid, process in processes.items()
            if process.exitcode is not None and process.exitcode != -signal.SIGTERM
        ]
        detail = ", ".join(dead) if dead else str(exc)
        self.restarts += 1
        if self._owns_executor:
            # A new pool now (its processes start on the next submit).
            self._executor = self._new_pool()
            return EngineError(f"worker process died ({detail}); restarted the pool")
        # Not ours to replace: compute in this process from now on.
        self._inline = True
        return EngineError(f"worker process died ({detail}); computing in this process from now on")

    # -- closing -----------------------------------------------------------------
    def close(self) -> None:
        """Cancel pending work, stop the engine's own workers, unlink the shared memory.

        Returns within about two seconds even while another thread is inside
        :meth:`advance` (its busy workers are terminated; that call then raises
        :class:`JobCancelled`).  Safe to call more than once.
        """
        self._closed = True
        busy = self._lock.locked()
        executor, self._executor = self._executor, None
        if executor is not None and self._owns_executor:
            shutdown_pool(executor, terminate=busy)
        # Let an advance() in another thread notice and leave before the
        # shared memory goes; unlinking only removes the name in any case.
        acquired = self._lock.acquire(timeout=2.0)
        try:
            shared, self._shared = self._shared, None
            if shared is not None:
                shared.release()
            threads, self._threads = self._threads, None
            if threads is not None:
                threads.shutdown(wait=acquired)  # idle unless advance() is still running
        finally:
            if acquired:
                self._lock.release()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> ParallelEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # last resort: never leak /dev/shm segments
        shared = getattr(self, "_shared", None)
        if shared is not None:
            shared.release()


# -- the asynchronous front -------------------------------------------------------------


def advance_cancellable(
    engine: Engine, board: Board, rule: Rule, generations: int, cancel: threading.Event | None
) -> Board:
    """``engine.advance(board, rule, generations)``, stopping with :class:`JobCancelled` once ``cancel`` is set.

    An engine with ``accepts_cancel`` checks the event itself (between its
    batches).  Any other engine is called in chunks of generations -- about
    16M cell updates (~10 ms vectorised), or one generation for the coroutine
    engine -- and the event is checked between chunks, so a cancel (or the
    window closing) is honoured quickly without killing a thread.
    """
    if cancel is not None and cancel.is_set():
        raise JobCancelled("cancelled")
    if getattr(engine, "accepts_cancel", False):
        return engine.advance(board, rule, generations, cancel=cancel)  # type: ignore[call-arg]
    if cancel is None or generations <= 1:
        return engine.advance(board, rule, generations)
    cells = board.height * board.width
    chunk = 1 if getattr(engine, "name", "") == "coroutine" else max(1, (1 << 24) // cells)
    result, done = board, 0
    while done < generations:
        if cancel.is_set():
            raise JobCancelled("cancelled")
        step = min(chunk, generations - done)
        result = engine.advance(result, rule, step)
        done += step
    return result



class Job:
    """One submitted piece of work: poll :meth:`done`, then take :meth:`result`.

    ``generations`` is how many generations the result is ahead of the board
    that was submitted.  Nothing here blocks except :meth:`result` on a job
    that is not done yet.
    """

    def __init__(self, future: Future[Board], generations: int, cancel_event: threading.Event) -> None:
        self._future = future
        self._cancel = cancel_event
        self.generations = generations

    def done(self) -> bool:
        """True when a result, an error or a cancellation is ready (never blocks)."""
        return self._future.done()

    def cancel(self) -> bool:
        """Ask for the work to stop; True unless it had already finished.

        A job not yet started never starts; a running one stops before its
        next batch.  Either way :meth:`result` then raises :class:`JobCancelled`.
        """
        if self._future.done():
            return self._future.cancelled() or self._cancel.is_set()
        self._cancel.set()
        self._future.cancel()
        return True

    def cancelled(self) -> bool:
        return self._future.cancelled() or (self._cancel.is_set() and self._future.done())

    def result(self, timeout: float | None = None) -> Board:
        """The new board.  Raises :class:`EngineError` (or :class:`JobCancelled`) on failure.

        Blocks until the job is done (or ``timeout`` seconds, then
        :class:`TimeoutError`); the window calls it only after :meth:`done`.
        """
        try:
            return self._future.result(timeout)
        except cf.CancelledError:
            raise JobCancelled("the job was cancelled") from None
        except cf.TimeoutError:
            raise TimeoutError("the job is not done yet") from None
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"the engine failed: {exc!r}") from exc

    def exception(self) -> BaseException | None:
        """The error the job ended with, or ``None`` (blocks like :meth:`result`)."""
        try:
            self.result()
        except (EngineError, TimeoutError) as exc:
            return exc
        return None

    def __repr__(self) -> str:
        state = "done" if self.done() else "running"
        return f"<Job {self.generations} generations {state}>"


class _Coordinator:
    """One daemon thread running submitted calls in order, each behind a :class:`Future`.

    Like a one-thread ``ThreadPoolExecutor``, except that the thread is a
    daemon: the interpreter's exit does not join it.  A window closed without
    :meth:`BackgroundEngine.close` (an exception, a forgotten close in a
    script) must still exit, even if a job is waiting on a pool that is gone.
    """

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None]
        self._queue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self.thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._queue.put((future, fn, args))
        return future

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            future, fn, args = item
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while queued
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # the job's error belongs to its Future
                future.set_exception(exc)

    def shutdown(self, cancel_futures: bool) -> None:
        """Let the thread end after the calls already queued (cancelled ones are skipped)."""
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        self._queue.put(None)


class BackgroundEngine:
    """Run an engine's work off the main thread; the window polls the returned :class:`Job`.

    One coordinator thread runs jobs one after another, in submission order,
    each a synchronous ``engine.advance`` (see the module docstring).  An
    engine with ``accepts_cancel`` (the parallel engine) is cancelled between
    its batches; any other engine is run in chunks of generations so that a
    cancel or ``close`` is noticed between chunks.  ``own=True`` (default)
    means :meth:`close` closes the engine too.  With no ``engine``, one is
    made by ``make_engine("auto", workers, board_shape)``.
    """

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        workers: int | None = None,
        board_shape: tuple[int, int] | None = None,
        own: bool = True,
    ) -> None:
        if engine is None:
            # The window's default: the best engine for this board and these
            # workers (the registry's "auto" choice, a pool when it pays).
            from . import make_engine

            engine = make_engine("auto", workers=workers, board_shape=board_shape)
        self.engine = engine
        self._own = own
        self._coordinator = _Coordinator("lifegame-engine")
        self._jobs: list[Job] = []
        self._lock = threading.Lock()
        self._closed = False

    @property
    def name(self) -> str:
        return getattr(self.engine, "name", type(self.engine).__name__)

    @property
    def workers(self) -> int:
        """Worker processes behind this engine (1 when it computes in one thread)."""
        return int(getattr(self.engine, "workers", 1))

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, board: Board, rule: Rule, generations: int = 1, *, copy: bool = True) -> Job:
        """Start computing ``board`` ``generations`` generations ahead; return at once.

        The board is copied first (``copy=False`` skips that when the caller
        promises not to touch it until the job is done), so the window may keep
        editing its own board while the job runs.
        """
        if generations < 0:
            raise ValueError("generations must be >= 0")
        snapshot = board.copy() if copy else board
        event = threading.Event()
        with self._lock:
            if self._closed:
                raise EngineError("the background engine is closed")
            future = self._coordinator.submit(self._run, snapshot, rule, generations, event)
            job = Job(future, generations, event)
            self._jobs = [j for j in self._jobs if not j.done()]
            self._jobs.append(job)
        return job

    def _run(self, board: Board, rule: Rule, generations: int, cancel: threading.Event) -> Board:
        if self._closed:
            raise JobCancelled("the background engine is closed")
        result = advance_cancellable(self.engine, board, rule, generations, cancel)
        if cancel.is_set():  # cancel() said True: no result, even if it just finished
            raise JobCancelled("cancelled")
        return result

    def close(self, cancel: bool = True, timeout: float = 2.0) -> None:
        """Stop: cancel pending work (unless ``cancel=False``), close the engine, join the thread.

        With ``cancel=True`` this returns within about ``timeout`` seconds even
        with work in flight, and the parallel engine's workers are gone.  With
        ``cancel=False`` queued jobs are finished first.  Safe to call twice.
        """
        with self._lock:
            already = self._closed
            self._closed = True
            jobs, self._jobs = self._jobs, []
        if already:
            return
        deadline = time.monotonic() + timeout
        if cancel:
            for job in jobs:
                job.cancel()
        self._coordinator.shutdown(cancel_futures=cancel)
        if not cancel:
            self._coordinator.thread.join()  # queued jobs are finished first
        if self._own:
            # Closing the parallel engine terminates busy workers, so a running
            # advance() fails at once and the thread becomes free.
            self.engine.close()
        self._coordinator.thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> BackgroundEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<BackgroundEngine {self.engine!r}{' closed' if self._closed else ''}>"
