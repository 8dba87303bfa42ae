"""The worker pool: one owner, a context manager, for the processes that compute bands.

The CLI or the window creates one :class:`WorkerPool` in a ``with`` block and
hands it to the engines (:func:`lifegame.engines.make_engine`); the engines
submit to it and never shut it down.  Leaving the block is the one clean-up
path::

    with WorkerPool(2) as pool, make_engine("auto", pool) as engine:
        ...                                        # engines submit band tasks
    # engine.close(): its shared memory is unlinked
    # pool.close():   interrupt set -> busy workers return within a generation
    #                 -> shutdown(wait=True, cancel_futures=True) -> no process left

It is a :class:`concurrent.futures.Executor` (``submit``, ``shutdown``) over a
:class:`~concurrent.futures.ProcessPoolExecutor`, using only its public API:

* processes start lazily, on the first ``submit`` (constructing a pool is free);
  :meth:`WorkerPool.start` begins starting them all in a background thread
  and returns at once (the CLI and the window call it before they read the
  pattern and build the board, so the forkserver and the workers come up
  meanwhile); :meth:`WorkerPool.warm` starts them and waits for their pids;
* the ``forkserver`` start method, never ``fork`` (:func:`pool_context`);
* each worker runs :func:`.worker.init_worker`: a lower priority, the pool's
  *interrupt* event (a :mod:`multiprocessing` Event handed over at process
  start), and a thread that exits the worker when its parent is gone: it
  waits on the read end of the pool's *parent-alive* pipe, whose write end
  only this process holds, so it reads end-of-file the moment this process
  exits -- SIGKILL included, and even while this process is an unreaped
  zombie (a pid test, ``kill(pid, 0)``, would still succeed then).  The
  forkserver and the resource tracker follow (their pipes' last holders were
  this process and the workers), and the tracker unlinks the shared memory;
* a dead worker breaks the executor (``BrokenProcessPool``, raised by
  ``submit`` or set on the futures); the pool then replaces the executor on
  its next use (:attr:`WorkerPool.restarts` counts the replacements).  An
  engine that saw a batch's futures fail calls :meth:`WorkerPool.mark_broken`
  first (the pool's own notice, a done-callback in the executor's thread, may
  come a moment after the engine woke), then submits the batch again:
  :class:`~.parallel.ParallelEngine` resumes from its last completed batch.
  Each executor has its own parent-alive pipe; replacing a broken one closes
  its write end first, so every process of it leaves, even one it started
  while breaking and never terminated (a submit racing with a worker's death,
  which would otherwise keep the replacement waiting forever);
* :meth:`WorkerPool.interrupting` lets an engine stop its band tasks early
  (a cancelled job): set the event, wait for the tasks, clear it.  The event
  is pool-wide: engines sharing a pool take turns (the window and the CLI
  run one job at a time), or a cancel of one job also stops the other's batch.

Nothing here imports pygame.
"""

from __future__ import annotations

import dataclasses

import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from . import worker

__all__ = ["WorkerPool", "pool_context", "default_workers"]


def default_workers() -> int:
    """Workers for ``auto`` when none are asked for: two where there are two cores."""
    return max(1, min(2, os.cpu_count() or 1))


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


def _close(end: Any) -> None:
    if end is not None:
        end.close()


def _refuses_work(executor: ProcessPoolExecutor) -> bool:
    """Whether ``executor`` is broken: it refuses a trivial task (one it takes is left to run)."""
    try:
        executor.submit(worker.worker_pid)
    except BrokenExecutor:
        return True
    except Exception:  # noqa: BLE001 - anything else: not known to be broken
        return False
    return False


@dataclasses.dataclass(frozen=True)
class Restart:
    """A worker died during a call and the pool was restarted; the call goes on.

    Told to the pool's :attr:`WorkerPool.on_restart` by the engine whose call
    goes on, once the batch that failed was submitted again to the new worker
    processes.
    """

    reason: str
    """The executor's words on the failure (``BrokenProcessPool``'s message)."""
    done: int
    """Generations of this call computed before the failure: the call resumes from there."""
    failures: int
    """Deaths in a row without a completed batch, this one included (1 .. MAX_FAILURES - 1)."""

    def message(self, offset: int = 0) -> str:
        """One line; ``offset``: generations before this call (a caller that advances in several calls)."""
        return (f"a worker process died ({self.reason}); restarted the pool, "
                f"resuming at generation {offset + self.done}")


class WorkerPool(Executor):
    """``workers`` worker processes, started on first use (see the module docstring).

    Thread-safe.  ``close()`` (or leaving ``with``) returns promptly even with
    work in flight and leaves no process behind; after it, ``submit`` raises
    :class:`RuntimeError`, as any shut-down executor does.
    """

    def __init__(
        self,
        workers: int,
        *,
        niceness: int = worker.WORKER_NICENESS,
        on_restart: Callable[[Restart], None] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = int(workers)
        self.niceness = int(niceness)
        """How much the workers lower their priority (``os.nice``): a window's pool
        leaves the window's thread in first; a program with no window may pass 0."""
        self.restarts = 0
        """How many times a broken executor was replaced."""
        self.on_restart = on_restart
        """Told of each :class:`Restart`: a call that went on on new workers after
        its workers died (the CLI prints a line; ``None``: nobody listens)."""
        self._context = pool_context()
        self._interrupt: Any = None  # a context Event, made with the first executor
        # The parent-alive pipe of the executor, (read end, write end), one per
        # executor: its workers get the read end; the write end never leaves
        # this process, which closes it to retire a broken executor's workers.
        self._alive: tuple[Any, Any] | None = None
        self._executor: ProcessPoolExecutor | None = None
        self._executor_broken = False
        self._closed = False
        self._lock = threading.Lock()
        self._starter: threading.Thread | None = None

    # -- the executor ------------------------------------------------------------
    def _live(self) -> ProcessPoolExecutor:
        """The executor to submit to: created on first use, replaced once it broke (lock held)."""
        if self._closed:
            raise RuntimeError("cannot schedule new futures after the worker pool was closed")
        if self._executor_broken and self._executor is not None:
            # A broken executor has terminated its workers; this joins its
            # manager thread, which joins them.  Closing their pipe first makes
            # every one of them leave by itself: a process the executor started
            # while it was breaking (a submit racing with a worker's death) is
            # never terminated by it, and would keep that join waiting forever.
            executor, alive = self._executor, self._alive
            self._executor = self._alive = None
            _close(alive[1] if alive else None)
            executor.shutdown(wait=True, cancel_futures=True)
            _close(alive[0] if alive else None)
            self.restarts += 1
        self._executor_broken = False
        if self._executor is None:
            if self._interrupt is None:
                self._interrupt = self._context.Event()
            self._alive = self._context.Pipe(duplex=False)
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=self._context,
                initializer=worker.init_worker,
                # The read end travels to each worker at its start (the
                # forkserver passes it on); EOF there: we are gone.
                initargs=(self._alive[0], self._interrupt, self.niceness),
            )
        return self._executor

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Schedule ``fn(*args, **kwargs)`` in a worker.

        Raises ``BrokenProcessPool`` when a worker died since the last call
        (the next call gets a new executor) and :class:`RuntimeError` once
        the pool is closed.
        """
        with self._lock:
            executor = self._live()
            try:
                future = executor.submit(fn, *args, **kwargs)
            except BrokenExecutor:
                self._executor_broken = True
                raise
            except (OSError, ValueError) as exc:
                # A submit that races with a worker's death: the executor marks
                # itself broken, then closes its queues, while the submit starts
                # a process with them ("Bad file descriptor", "handle is closed").
                # Such a start can also leave the forkserver with a connection
                # closed before its file descriptors came: the forkserver then
                # exits (EOFError), and a start that reaches it as it goes is
                # refused.  multiprocessing starts a new forkserver for the next
                # executor, so this executor is given up in both cases.
                if not (isinstance(exc, ConnectionError) or _refuses_work(executor)):
                    raise
                self._executor_broken = True
                raise BrokenProcessPool(f"a worker process died while a task was submitted ({exc})") from exc
        future.add_done_callback(self._notice_broken)
        return future

    def _notice_broken(self, future: Future[Any]) -> None:
        # Runs in the executor's manager thread (or here, if already done).
        if not future.cancelled() and isinstance(future.exception(), BrokenExecutor):
            self._executor_broken = True

    def mark_broken(self, restarts: int) -> None:
        """Tell the pool that the executor its tasks went to broke; the next use replaces it.

        ``restarts`` is :attr:`restarts` as read just after those tasks were
        submitted: if the executor was replaced since, nothing happens (the
        new one is not broken).  The pool notices a broken future by itself
        too, but in a callback that may run a moment after a waiter on the
        future woke up; an engine about to submit again calls this first, so
        that its next submit goes to a new executor and not to the broken one.
        """
        with self._lock:
            if self.restarts == restarts and self._executor is not None:
                self._executor_broken = True

    # -- helpers for the engines and the tests ------------------------------------
    def start(self) -> None:
        """Begin starting every worker now, in a background thread; return at once.

        The thread submits one small task per worker (each submit starts a
        process: the first one also starts the forkserver, which imports
        numpy and the kernels once) and does not wait for the answers.  A
        later ``submit`` finds the workers up or coming up.  Calling it again,
        or after :meth:`close`, does nothing; a :meth:`close` meanwhile stops
        it (no process outlives the pool).
        """
        with self._lock:
            if self._closed or self._starter is not None:
                return
            self._starter = threading.Thread(target=self._start_workers, name="lifegame-pool-start", daemon=True)
            self._starter.start()

    def _start_workers(self) -> None:
        try:
            for _ in range(self.workers):
                self.submit(worker.worker_ready)
        except (RuntimeError, BrokenExecutor):  # closed meanwhile, or a worker died: the next submit says so
            pass

    def warm(self, timeout: float = 60.0) -> list[int]:
        """Start every worker now and return their pids (sorted).

        The calls sleep a little, longer each round, so that one worker cannot
        answer them all while another is still starting.
        """
        pids: set[int] = set()
        delay, deadline = 0.05, time.monotonic() + timeout
        while len(pids) < self.workers and time.monotonic() < deadline:
            futures = [self.submit(worker.worker_pid, delay) for _ in range(self.workers)]
            pids.update(future.result(timeout=max(1.0, deadline - time.monotonic())) for future in futures)
            delay = min(2 * delay, 1.0)
        return sorted(pids)

    @contextmanager
    def interrupting(self) -> Iterator[None]:
        """While inside, band tasks in the workers stop at their next look (raising ``Interrupted``).

        For an engine abandoning a batch: enter, wait for its in-flight tasks,
        leave (the event is cleared for the next batch).
        """
        event = self._interrupt
        if event is None:  # no worker ever started: nothing to interrupt
            yield
            return
        event.set()
        try:
            yield
        finally:
            if not self._closed:
                event.clear()

    @property
    def started(self) -> bool:
        """True once worker processes were asked for (by a submit, :meth:`start` or :meth:`warm`)."""
        return self._executor is not None or self._starter is not None

    @property
    def closed(self) -> bool:
        return self._closed

    # -- closing -----------------------------------------------------------------
    def close(self) -> None:
        """Stop the workers: interrupt their tasks, cancel queued ones, wait for the processes to exit.

        Prompt with work in flight (a task returns within one generation, or
        one slice of coroutine instructions); safe to call twice.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            executor, self._executor = self._executor, None
            if self._interrupt is not None:
                self._interrupt.set()
            starter = self._starter
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if starter is not None:
            starter.join()  # it submits under the lock, so it has finished or finds the pool closed
        with self._lock:
            alive, self._alive = self._alive, None
        for end in alive or ():  # after the workers: closing the write end would make them exit at once
            _close(end)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """:meth:`close` (the executor protocol's name; it always waits and cancels)."""
        self.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "started" if self._executor is not None else "not started"
        return f"<WorkerPool workers={self.workers} {state}>"
