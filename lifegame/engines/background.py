"""Run an engine off the calling thread: ``submit`` returns a :class:`Job` at once, the window polls it.

::

    main thread (the window)             the background thread          the engine
    ------------------------             ---------------------          ----------
    job = bg.submit(board, rule, n)  ==>  engine.advance(board, rule, n,  (any Engine: it looks
      (copies the board, returns)            cancel=job's event)  ------>  at cancel between
    each frame: job.done()?                                                pieces of work)
      no: draw, handle input
      yes: job.result()             <==   the new Board, or the error
    job.cancel() / bg.close()        -->  sets the job's event: advance raises JobCancelled

One thread (a plain one-thread :class:`~concurrent.futures.ThreadPoolExecutor`)
runs the jobs one after another, in submission order.  A thread, rather than
the window driving an engine's futures itself, keeps batching, the barrier
and fault handling in one synchronous, testable place (``advance``) and
works for every engine; it spends its time waiting on futures or in numpy,
so it hardly competes with the window for the GIL.

The background engine does not own the engine: whoever made the engine (and
its pool) closes it, after closing this.  Nothing here imports pygame.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from ..board import Board
from ..rules import RuleBase
from .base import Cancel, Engine, EngineError, JobCancelled, Progress, check_cancel, check_generations

__all__ = ["BackgroundEngine", "Job"]


class Job:
    """One submitted piece of work: poll :meth:`done`, then take :meth:`result`.

    ``generations`` is how many generations the result is ahead of the board
    that was submitted.  Nothing here blocks except :meth:`result` and
    :meth:`exception` on a job that is not done yet.
    """

    def __init__(self, future: Future[Board], generations: int, cancel_event: Cancel) -> None:
        self._future = future
        self._cancel = cancel_event
        self.generations = generations

    def done(self) -> bool:
        """True when a result, an error or a cancellation is ready (never blocks)."""
        return self._future.done()

    def cancel(self) -> bool:
        """Ask for the work to stop; True unless it had already finished with a result or an error.

        A job not yet started never starts; a running one stops at the
        engine's next look at its cancel event.  Either way :meth:`result`
        then raises :class:`~.base.JobCancelled`.
        """
        if self._future.done():
            return self._future.cancelled() or self._cancel.is_set()
        self._cancel.set()
        self._future.cancel()
        return True

    def cancelled(self) -> bool:
        """True once the job is done without a result because it was cancelled."""
        return self._future.cancelled() or (self._cancel.is_set() and self._future.done())

    def result(self, timeout: float | None = None) -> Board:
        """The new board.

        Raises :class:`~.base.JobCancelled` when cancelled, :class:`~.base.EngineError`
        when the engine failed, :class:`TimeoutError` when not done within
        ``timeout`` seconds (``None``: wait).
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

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """The error :meth:`result` would raise, or ``None`` (waits like :meth:`result`)."""
        try:
            self.result(timeout)
        except (EngineError, TimeoutError) as exc:
            return exc
        return None

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled() else "done" if self.done() else "running"
        return f"<Job {self.generations} generations {state}>"


class BackgroundEngine:
    """Jobs of ``engine`` on one background thread (see the module docstring).

    Does not own ``engine``: :meth:`close` stops the thread and leaves the
    engine open.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lifegame-engine")
        self._jobs: list[Job] = []
        self._lock = threading.Lock()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(
        self,
        board: Board,
        rule: RuleBase,
        generations: int = 1,
        *,
        copy: bool = True,
        progress: Progress | None = None,
    ) -> Job:
        """Start computing ``board`` ``generations`` generations ahead; return at once.

        The board is copied first (``copy=False`` skips that when the caller
        promises not to touch it until the job is done), so the window may keep
        editing its own board while the job runs.  ``progress`` is handed to
        the engine's ``advance`` and so is called from the job's thread.
        Raises :class:`ValueError` for ``generations < 0`` and
        :class:`~.base.EngineError` once closed.
        """
        generations = check_generations(generations)
        snapshot = board.copy() if copy else board
        event = threading.Event()
        with self._lock:
            if self._closed:
                raise EngineError("the background engine is closed")
            future = self._thread.submit(self._run, snapshot, rule, generations, event, progress)
            job = Job(future, generations, event)
            self._jobs = [j for j in self._jobs if not j.done()]
            self._jobs.append(job)
        return job

    def _run(self, board: Board, rule: RuleBase, generations: int, cancel: Cancel, progress: Progress | None) -> Board:
        result = self.engine.advance(board, rule, generations, cancel=cancel, progress=progress)
        check_cancel(cancel)  # cancel() said True: no result, even if it just finished
        return result

    def close(self, cancel: bool = True) -> None:
        """Stop: cancel the jobs (unless ``cancel=False``: they are finished first), join the thread.

        With ``cancel`` this returns as soon as the running job's engine sees
        its cancel event (the engines look often: see :mod:`.base`).  The
        engine stays open.  Safe to call twice.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            jobs, self._jobs = self._jobs, []
        if cancel:
            for job in jobs:
                job.cancel()
        self._thread.shutdown(wait=True, cancel_futures=cancel)

    def __enter__(self) -> BackgroundEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<BackgroundEngine {self.engine!r}{' closed' if self._closed else ''}>"
