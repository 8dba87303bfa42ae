"""The engines, and the registry that makes one by name.

Every engine implements the contract of :mod:`.base` and gives exactly the
coroutine engine's result on the torus.  Registered names (``--engine``)::

    auto       a chooser (:mod:`.auto`): coroutines for small boards, the fast
               kernel for large ones, the pool for large busy ones
    coroutine  the seed's coroutines driven by the environment (the reference);
               with a pool of 2+ workers, over bands in the pool
    fast       the bit-packed kernel in this process; with a pool of 2+
               workers, over bands in the pool (multi-state rules: bands of
               uint8 states, STATES_BANDS)
    hashlife   HashLife on a power-of-two torus (two-state rules without B0)

The modules, one job each::

    base.py        the engine contract, cancellation helpers
    coroutine.py   CoroutineEngine
    fast.py        FastEngine (bitpack.py: the packed kernel, tiled.py: tile skipping)
    auto.py        AutoEngine
    parallel.py    ParallelEngine: bands, halos, batches
    activity.py    tile flags in shared memory: band tasks skip quiet tiles
    pool.py        WorkerPool: the processes, their lifetime and recovery
    worker.py      the worker process: start-up and band tasks
    bands.py       the band kernels (FAST_BANDS; STATES_BANDS, which FAST_BANDS
                   hands multi-state rules to; COROUTINE_BANDS)
    shm.py         boards in shared memory
    background.py  BackgroundEngine and Job: engines off the main thread

A new engine implements the contract and calls :func:`register_engine`;
nothing else (the window, the CLI) needs to change.  Nothing here imports
pygame (worker processes import this package).
"""

from __future__ import annotations

from collections.abc import Callable

from .auto import COROUTINE_MAX_CELLS, POOL_MIN_CELLS, SPARSE_FRACTION, AutoEngine
from .background import BackgroundEngine, Job
from .bands import COROUTINE_BANDS, FAST_BANDS, STATES_BANDS, BandKernel
from .base import Capabilities, Engine, EngineBase, EngineError, JobCancelled
from .coroutine import CoroutineEngine
from .fast import FastEngine
from .hashlife import HashLifeEngine
from .parallel import ParallelEngine, split_rows
from .pool import WorkerPool, default_workers, pool_context

__all__ = [
    "Engine",
    "EngineBase",
    "Capabilities",
    "EngineError",
    "JobCancelled",
    "CoroutineEngine",
    "FastEngine",
    "ParallelEngine",
    "AutoEngine",
    "BackgroundEngine",
    "Job",
    "WorkerPool",
    "BandKernel",
    "FAST_BANDS",
    "STATES_BANDS",
    "COROUTINE_BANDS",
    "COROUTINE_MAX_CELLS",
    "POOL_MIN_CELLS",
    "SPARSE_FRACTION",
    "EngineFactory",
    "default_workers",
    "default_workers_for",
    "engine_names",
    "make_engine",
    "pool_context",
    "register_engine",
    "split_rows",
]

EngineFactory = Callable[[WorkerPool | None], Engine]
"""Makes an engine, given the program's worker pool (``None``: compute in this process)."""

_REGISTRY: dict[str, tuple[EngineFactory, int]] = {}


def _key(name: str) -> str:
    return name.strip().lower()


def register_engine(name: str, factory: EngineFactory, *, default_workers: int = 1) -> None:
    """Make ``name`` an engine of :func:`make_engine` (and ``--engine``); a name registered again is replaced.

    ``factory(pool)`` gets the program's :class:`WorkerPool` (or ``None``) and
    returns a new engine, which must not start processes of its own.
    ``default_workers`` is the pool size the CLI and the window create for
    this engine when no ``--workers`` is given (1: no pool).
    """
    key = _key(name)
    if not key or not key.isidentifier():
        raise ValueError(f"an engine name must be a word, not {name!r}")
    if default_workers < 1:
        raise ValueError(f"default_workers must be >= 1, got {default_workers}")
    _REGISTRY[key] = (factory, int(default_workers))


def engine_names() -> tuple[str, ...]:
    """The registered names, ``"auto"`` (the default) first."""
    return tuple(_REGISTRY)


def _lookup(name: str) -> tuple[EngineFactory, int]:
    entry = _REGISTRY.get(_key(name)) if isinstance(name, str) else None
    if entry is None:
        raise ValueError(f"unknown engine {name!r}; choose from {', '.join(engine_names())}")
    return entry


def default_workers_for(name: str) -> int:
    """The pool size for engine ``name`` when none is asked for (:class:`ValueError` for an unknown name)."""
    return _lookup(name)[1]


def make_engine(name: str, pool: WorkerPool | None = None) -> Engine:
    """A new engine by registered ``name`` (case and spaces ignored), computing with ``pool`` if it uses one.

    The caller closes the engine, then the pool.  :class:`ValueError` for an
    unknown name.
    """
    return _lookup(name)[0](pool)


def _in_pool_or_here(single: Callable[[], Engine], kernel: BandKernel) -> EngineFactory:
    """A factory: ``single()`` without a pool of 2+ workers, else bands of ``kernel`` in the pool."""

    def factory(pool: WorkerPool | None) -> Engine:
        if pool is None or pool.workers < 2:
            return single()
        return ParallelEngine(pool, kernel=kernel)

    return factory


register_engine("auto", AutoEngine, default_workers=default_workers())
register_engine("coroutine", _in_pool_or_here(CoroutineEngine, COROUTINE_BANDS))
register_engine("fast", _in_pool_or_here(FastEngine, FAST_BANDS))
register_engine("hashlife", lambda pool: HashLifeEngine(), default_workers=1)
