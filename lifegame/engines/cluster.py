"""A Dask cluster as the band engine's executor: ``--cluster ADDRESS`` and ``--cluster local:N``.

:class:`~.parallel.ParallelEngine` runs bands of the torus on any
:class:`concurrent.futures.Executor`; this module gives it one made of the
workers of a Dask cluster (``distributed``, an optional dependency:
``pip install 'lifegame[cluster]'``)::

    with Cluster.connect("local:2") as cluster:        # a LocalCluster of 2 worker processes
        engine = cluster.engine()                       # ParallelEngine(cluster.executor, workers=2, shared=False)
        board = engine.advance(board, rule, 100)

    with Cluster.connect("tcp://host:8786") as cluster: # a running `dask scheduler` and its workers
        ...

The bands travel pickled (:class:`~.worker.BandTask`: band + halo rows in, the
band's rows out), since no memory is shared across machines; the results are
those of the process pool, cell for cell.  Every worker of a remote cluster
needs ``lifegame`` importable (the same version as the client).

Nothing waits without a bound:

* connecting gives up after ``timeout`` seconds (:class:`ClusterUnavailable`,
  one line: "cannot reach the Dask scheduler at tcp://...: ...");
  a scheduler with no worker gets the same ``timeout`` for one to join;
* a worker that dies mid-run: Dask runs its tasks again on the others (a
  LocalCluster's nanny also restarts it); a task whose workers keep dying
  fails (Dask's ``KilledWorker``) and the engine raises
  :class:`~.base.EngineError` -- the CLI then tries once more;
* a scheduler that goes away, or a cluster left with no worker at all for
  ``stall_timeout`` seconds, fails the tasks in flight with
  :class:`~.base.EngineError` instead of waiting for ever.

:meth:`Cluster.close` (or leaving the ``with`` block) closes the client and
the LocalCluster it started, so no worker process is left behind.

This module imports ``distributed`` only when a cluster is connected: the
rest of the engines (and the worker processes) never pay for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import contextlib
import logging
import re
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

from .bands import FAST_BANDS, BandKernel
from .base import EngineError
from .parallel import ParallelEngine

__all__ = [
    "CONNECT_TIMEOUT",
    "INSTALL_HINT",
    "MAX_LOCAL_WORKERS",
    "STALL_TIMEOUT",
    "Cluster",
    "ClusterExecutor",
    "ClusterNotInstalled",
    "ClusterSpec",
    "ClusterUnavailable",
    "parse_spec",
    "quiet_dask",
    "require_distributed",
]

CONNECT_TIMEOUT = 10.0
"""Seconds to reach a scheduler (and for a worker to join it) before giving up."""

STALL_TIMEOUT = 60.0
"""Seconds a cluster may have no worker (or no scheduler) while tasks wait, before they fail."""

MAX_LOCAL_WORKERS = 256

INSTALL_HINT = "pip install 'lifegame[cluster]'"

DEFAULT_PORT = 8786
"""The port of ``dask scheduler``."""


class ClusterNotInstalled(ImportError):
    """``distributed`` is not importable: the message says how to install it."""


class ClusterUnavailable(ConnectionError):
    """The scheduler could not be reached (or has no worker) within the timeout; one line."""


# -- the spec ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterSpec:
    """What ``--cluster`` names: ``local`` workers of a LocalCluster, or a scheduler's ``address``."""

    local: int | None = None
    """N for ``local:N``: a LocalCluster of N worker processes, one thread each."""
    address: str | None = None
    """``tcp://host:port`` of a running scheduler."""

    def __str__(self) -> str:
        return f"local:{self.local}" if self.local is not None else str(self.address)


_HOST = r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?)"


def parse_spec(text: str) -> ClusterSpec:
    """``local:N`` (1 <= N <= 256), ``tcp://host:port`` or ``host:port``; else a one-line :class:`ValueError`."""
    if not isinstance(text, str):
        raise TypeError(f"a cluster must be local:N or tcp://host:port, not {text!r}")
    spec = text.strip()
    m = re.fullmatch(r"local:\s*(\S*)", spec, flags=re.IGNORECASE)
    if m:
        count = m[1]
        if not count.isdigit() or not 1 <= int(count) <= MAX_LOCAL_WORKERS:
            raise ValueError(f"cluster {text!r}: local:N needs N from 1 to {MAX_LOCAL_WORKERS} worker processes")
        return ClusterSpec(local=int(count))
    m = re.fullmatch(rf"(?:tcp://)?{_HOST}:(?P<port>\d{{1,5}})", spec, flags=re.IGNORECASE)
    if m and 1 <= int(m["port"]) <= 65535:
        return ClusterSpec(address=f"tcp://{m['host']}:{int(m['port'])}")
    raise ValueError(
        f"cluster {text!r} must be local:N (N worker processes here) or the address of a Dask scheduler, "
        f"tcp://host:port (e.g. tcp://10.0.0.5:{DEFAULT_PORT})"
    )


# -- the dependency, quietly -------------------------------------------------------


def require_distributed() -> Any:
    """The ``distributed`` module, or :class:`ClusterNotInstalled` saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ClusterNotInstalled(f"a Dask cluster needs Dask's distributed: {INSTALL_HINT}") from None
    return distributed


_quieted = False


class _NotLostScatteredData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "lose scattered data" not in record.getMessage()


class _NotClosedComm(logging.Filter):
    """Drop asyncio's "Task exception was never retrieved" for Dask's own closed connections.

    When a run is interrupted, the scheduler (in this process) may still be
    sending to a worker that has just gone; the orphaned RPC task fails with a
    ``CommClosedError`` and asyncio logs it, with a traceback, when the task is
    collected.  Nothing waits for that task, and the workers are being closed
    on purpose.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (error is not None and type(error).__module__.startswith(("distributed.", "tornado.")))


def quiet_dask(level: int = logging.ERROR) -> None:
    """Keep Dask's logs and warnings off standard error unless they are errors (process-wide).

    ``distributed`` logs to stderr at INFO/WARNING (workers joining, a worker
    restarted, an event loop that was busy computing) and warns about large
    task graphs (every pickled band is one); a command that succeeded should
    leave stderr empty.
    """
    global _quieted
    import dask

    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name == "distributed" or name.startswith("distributed."):
            logger = logging.getLogger(name)
            if logger.level < level:
                logger.setLevel(level)
    if _quieted:
        return
    _quieted = True
    # A worker that dies holding a scattered band: the scheduler logs an ERROR
    # ("... lose scattered data, which can't be recovered"), but the executor
    # sends the band again (see _TaskFuture), so it is no error of ours.
    logging.getLogger("distributed.scheduler").addFilter(_NotLostScatteredData())
    logging.getLogger("asyncio").addFilter(_NotClosedComm())
    # Bands are the graph: a 16384^2 board is 2 x 128 MB of tasks per batch, by design.
    dask.config.set({"distributed.admin.large-graph-warning-threshold": "1 PiB"})
    warnings.filterwarnings("ignore", module=r"distributed(\.|$)")
    warnings.filterwarnings("ignore", message=r".*[Pp]ort \d+ is already in use")
    warnings.filterwarnings("ignore", category=ResourceWarning, message=r".*(socket|transport|process)")


# -- the executor ----------------------------------------------------------------------


RESENDS = 3
"""Times a task whose Dask future was cancelled (its scattered band lost with a worker) is sent again."""


class _TaskFuture(Future):
    """The future ``ClusterExecutor.submit`` returns: a copy of Dask's, which the watchdog can fail.

    A cancel that succeeds also cancels the Dask task and notifies the
    waiters of :func:`concurrent.futures.wait` at once (pickled bands write
    nothing shared, so a task still running somewhere can be forgotten).
    When Dask cancels the task itself -- a worker died holding the band
    scattered to it, which Dask cannot recompute -- the band is sent again
    (up to :data:`RESENDS` times), as Dask reruns the tasks it can.
    """

    def __init__(self, call: tuple[Callable[..., Any], tuple, dict], resend: Callable[[_TaskFuture], bool]) -> None:
        super().__init__()
        self.call = call
        self.inner: Future | None = None
        self._resend = resend
        self._resends = RESENDS
        self._cancel_lock = threading.Lock()
        self._cancelled_here = False

    def attach(self, inner: Future) -> None:
        """Follow ``inner`` (the executor's Dask future for this task)."""
        self.inner = inner
        if self.cancelled():  # cancelled while it was being sent
            inner.cancel()
            return
        inner.add_done_callback(self._copy)

    def cancel(self) -> bool:
        with self._cancel_lock:
            if not super().cancel():  # finished (or failed) already
                return False
            first, self._cancelled_here = not self._cancelled_here, True
            if first:
                self.set_running_or_notify_cancel()  # CANCELLED -> CANCELLED_AND_NOTIFIED: wait() returns
        inner = self.inner
        if first and inner is not None:
            inner.cancel()
        return True

    def _copy(self, inner: Future) -> None:
        """Done callback of Dask's future (in the client's event loop thread: nothing here blocks)."""
        if self._cancelled_here or inner is not self.inner or self.done():
            return
        try:
            if inner.cancelled():
                # Not asked for by the engine: a worker died holding the band
                # scattered to it, or the client lost its scheduler (or was closed).
                if self._resends > 0 and self._resend(self):
                    self._resends -= 1
                    return
                self.set_exception(EngineError(
                    "Dask cancelled a band task (a worker holding its band died, or the scheduler went away)"
                ))
            elif inner.exception() is not None:
                self.set_exception(inner.exception())
            else:
                self.set_result(inner.result())
        except cf.InvalidStateError:  # failed by the watchdog, or cancelled meanwhile
            pass

    def fail(self, error: BaseException) -> bool:
        """End the task with ``error`` unless it has ended; whether it did."""
        try:
            self.set_exception(error)
        except cf.InvalidStateError:
            return False
        return True


class ClusterExecutor(Executor):
    """``client.get_executor(pure=False)`` with direct transfers and a watchdog.

    With ``direct`` (the default) the arguments of a task (a band and its
    halo) are scattered straight to a worker, round robin, and the task runs
    where its band is; with a client made with ``direct_to_workers=True`` the
    results come straight back too.  Otherwise both would travel through the
    scheduler, inside the task graph: twice the bytes on the wire, and the
    scheduler's one thread busy copying them (measured at 16384^2 on one
    machine: about 1.5-2x slower).

    While tasks are in flight a thread looks at the cluster every
    ``interval`` seconds; when it has had no running worker, or the client
    no scheduler, for ``stall_timeout`` seconds, the waiting tasks fail with
    :class:`~.base.EngineError`.  (``pure=False``: two bands with the same
    cells are still two tasks, and no band is hashed.)
    """

    def __init__(
        self, client: Any, *, stall_timeout: float = STALL_TIMEOUT, interval: float = 0.5, direct: bool = True
    ) -> None:
        self.client = client
        self.direct = direct
        self.stall_timeout = float(stall_timeout)
        self._interval = float(interval)
        self._executor = client.get_executor(pure=False)
        self._pending: set[_TaskFuture] = set()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._shutdown = False
        self._watchdog: threading.Thread | None = None
        self._resender: cf.ThreadPoolExecutor | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
        outer = _TaskFuture((fn, args, kwargs), self._resend)
        try:
            inner = self._send(fn, args, kwargs)
        except BaseException:
            outer.cancel()
            raise
        with self._lock:
            self._pending.add(outer)
            self._start_watchdog()
            self._wake.notify_all()
        outer.add_done_callback(self._forget)  # before the result can arrive
        outer.attach(inner)
        return outer

    def _send(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Future:
        if self.direct:
            args = tuple(self._scatter(arg) for arg in args)
        return self._executor.submit(fn, *args, **kwargs)

    def _resend(self, outer: _TaskFuture) -> bool:
        """Send ``outer``'s task again, from a thread of ours (not Dask's event loop); False once shut down."""
        with self._lock:
            if self._shutdown:
                return False
            if self._resender is None:
                self._resender = cf.ThreadPoolExecutor(1, thread_name_prefix="lifegame-cluster-resend")
            resender = self._resender

        def resend() -> None:
            if outer.done():
                return
            try:
                outer.attach(self._send(*outer.call))
            except Exception as exc:  # noqa: BLE001 - the engine gets it as the task's error
                outer.fail(exc if isinstance(exc, EngineError) else EngineError(
                    f"cannot send a band to the Dask cluster again: {_one_line(exc)}"))

        resender.submit(resend)
        return True

    def _scatter(self, data: Any) -> Any:
        """``data`` on a worker (round robin over those running now), as a Dask future; the task follows it."""
        try:
            return self.client.scatter(data, direct=True, hash=False, timeout=self.stall_timeout)
        except (TimeoutError, asyncio.TimeoutError):  # one class since Python 3.11
            raise EngineError(f"the Dask cluster has had no worker for {self.stall_timeout:g} s") from None
        except OSError as exc:
            raise EngineError(f"cannot send a band to a Dask worker: {_one_line(exc)}") from None

    @property
    def in_flight(self) -> int:
        """Tasks submitted and not yet done."""
        with self._lock:
            return len(self._pending)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)  # type: ignore[arg-type]

    def _start_watchdog(self) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="lifegame-cluster-watchdog", daemon=True)
            self._watchdog.start()

    def _healthy(self) -> str | None:
        """``None`` when the cluster can compute, else what is wrong (one phrase)."""
        client = self.client
        if client.status not in ("running", "newly-created"):
            return f"the client has lost the Dask scheduler (status {client.status})"
        try:
            threads = client.nthreads()  # one round trip to the scheduler, from this thread only
        except Exception as exc:  # noqa: BLE001 - a closing client; the status check will tell next time
            return f"cannot ask the Dask scheduler for its workers ({_one_line(exc)})"
        if not threads:
            return "the Dask cluster has had no worker"
        return None

    def _watch(self) -> None:
        trouble_since: float | None = None
        while True:
            with self._lock:
                while not self._pending and not self._shutdown:
                    trouble_since = None
                    self._wake.wait()
                if self._shutdown:
                    return
            problem = self._healthy()
            now = time.monotonic()
            if problem is None:
                trouble_since = None
            elif trouble_since is None:
                trouble_since = now
            elif now - trouble_since >= self.stall_timeout:
                self._fail_pending(EngineError(f"{problem} for {self.stall_timeout:g} s; gave up on its tasks"))
                trouble_since = None
            with self._lock:
                if self._pending and not self._shutdown:
                    self._wake.wait(self._interval)

    def _fail_pending(self, error: EngineError) -> None:
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            inner = future.inner
            if future.fail(error) and inner is not None:
                with contextlib.suppress(Exception):
                    inner.cancel()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the watchdog; pending tasks are failed (the client is the caller's to close)."""
        with self._lock:
            self._shutdown = True
            self._wake.notify_all()
            pending = list(self._pending)
        for future in pending:
            future.fail(EngineError("the Dask cluster was closed while computing"))
        watchdog, resender = self._watchdog, self._resender
        if resender is not None:
            resender.shutdown(wait=False, cancel_futures=True)
        if wait and watchdog is not None and watchdog is not threading.current_thread():
            watchdog.join(timeout=5)


# -- the cluster ------------------------------------------------------------------------


class Cluster:
    """A connected Dask client (and the LocalCluster it started, for ``local:N``); a context manager.

    ``executor``  a :class:`ClusterExecutor` over the client;
    ``workers``   the threads of the cluster's workers when it was connected
                  (one band each);
    ``address``   the scheduler's address; ``spec`` what was asked for.
    """

    def __init__(
        self, spec: ClusterSpec, client: Any, local: Any, workers: int, stall_timeout: float, direct: bool = True
    ) -> None:
        self.spec = spec
        self.client = client
        self.local_cluster = local
        self.workers = workers
        self.address: str = client.scheduler.address
        self.executor = ClusterExecutor(client, stall_timeout=stall_timeout, direct=direct)
        self._closed = False

    @classmethod
    def connect(
        cls,
        spec: str | ClusterSpec,
        *,
        timeout: float | None = None,
        stall_timeout: float | None = None,
        direct: bool = True,
        quiet: bool = True,
    ) -> Cluster:
        """Start ``local:N`` or connect to a scheduler's address, within ``timeout`` seconds.

        Raises :class:`ValueError` for a bad spec, :class:`ClusterNotInstalled`
        without ``distributed``, :class:`ClusterUnavailable` when the scheduler
        cannot be reached or no worker joins it in time.  ``direct``: bands
        go straight between this process and the workers (they must be
        reachable from here), else through the scheduler.  ``quiet`` keeps
        Dask's logs below ERROR and its warnings off stderr (process-wide).
        """
        spec = parse_spec(spec) if isinstance(spec, str) else spec
        timeout = CONNECT_TIMEOUT if timeout is None else float(timeout)
        stall_timeout = STALL_TIMEOUT if stall_timeout is None else float(stall_timeout)
        distributed = require_distributed()
        if quiet:
            quiet_dask()
        local = None
        client = None
        try:
            if spec.local is not None:
                local, client = _start_local(distributed, spec.local, timeout, direct)
            else:
                client = _connect_remote(distributed, spec, timeout, direct)
            workers = _count_threads(client)
            if workers < 1:
                raise ClusterUnavailable(f"the Dask scheduler at {spec} has no worker")
            return cls(spec, client, local, workers, stall_timeout, direct)
        except BaseException:
            _close_quietly(client, local, timeout)
            raise

    def engine(self, kernel: BandKernel = FAST_BANDS, batch: int | None = None) -> ParallelEngine:
        """A band engine on this cluster: bands pickled, one per worker thread (closing it leaves the cluster)."""
        return ParallelEngine(self.executor, workers=self.workers, kernel=kernel, batch=batch, shared=False)

    def describe(self) -> str:
        kind = "LocalCluster" if self.local_cluster is not None else f"Dask cluster at {self.address}"
        return f"{kind}, {self.workers} worker{'s' if self.workers != 1 else ''}"

    def worker_pids(self) -> dict[str, int]:
        """The process id of each worker (for tests and diagnostics)."""
        import os

        return self.client.run(os.getpid)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self, timeout: float = CONNECT_TIMEOUT) -> None:
        """Close the client and the LocalCluster it started (idempotent, bounded by ``timeout`` each)."""
        if self._closed:
            return
        self._closed = True
        self.executor.shutdown(wait=True)
        _close_quietly(self.client, self.local_cluster, timeout)

    def __enter__(self):  # -> Self
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Cluster {self.spec} {self.workers} workers{' closed' if self._closed else ''}>"


def _start_local(distributed: Any, n: int, timeout: float, direct: bool) -> tuple[Any, Any]:
    local = distributed.LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",  # never listen beyond this machine
        dashboard_address=":0",  # no fixed port (8787 may be a real scheduler's dashboard)
        silence_logs=logging.ERROR,
    )
    try:
        client = distributed.Client(local, timeout=timeout, set_as_default=False, direct_to_workers=direct)
        client.register_plugin(_ignore_sigint_plugin(distributed))
        client.wait_for_workers(n, timeout=timeout)
    except BaseException:
        _close_quietly(None, local, timeout)
        raise
    return local, client


def _ignore_sigint_plugin(distributed: Any) -> Any:
    """A worker plugin: the workers of a LocalCluster leave Ctrl+C to this program.

    A Ctrl+C in a terminal signals the whole process group, the LocalCluster's
    workers included; each would print a KeyboardInterrupt traceback while
    this program closes them anyway.  (The nanny runs it on restarted workers too.)
    """

    class IgnoreSigint(distributed.WorkerPlugin):
        name = "lifegame-ignore-sigint"

        def setup(self, worker: Any) -> None:
            import signal

            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, signal.SIG_IGN)

    return IgnoreSigint()


def _connect_remote(distributed: Any, spec: ClusterSpec, timeout: float, direct: bool) -> Any:
    try:
        client = distributed.Client(spec.address, timeout=timeout, set_as_default=False, direct_to_workers=direct)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {spec.address}: {_one_line(exc)}") from None
    try:
        if not client.nthreads():
            client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        _close_quietly(client, None, timeout)
        raise ClusterUnavailable(
            f"the Dask scheduler at {spec.address} has no worker (waited {timeout:g} s: "
            f"start some with 'dask worker {spec.address}'): {_one_line(exc)}"
        ) from None
    return client


def _count_threads(client: Any) -> int:
    return int(sum(client.nthreads().values()))


def _close_quietly(client: Any, local: Any, timeout: float) -> None:
    if client is not None:
        with contextlib.suppress(Exception):
            client.close(timeout=timeout)
    if local is not None:
        with contextlib.suppress(Exception):
            local.close(timeout=timeout)


def _one_line(exc: BaseException) -> str:
    return " ".join((str(exc) or type(exc).__name__).split())
