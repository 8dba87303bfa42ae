"""A LocalCluster of 2 workers (``--cluster local:2``) next to the process pool of 2, on a dense soup.

The same band engine on both: the pool shares the board's memory with its
workers, the cluster pickles every band and its halo to a worker and its new
rows back (as it must across machines), so on one machine the cluster is the
slower of the two; the figure says by how much.  Start-up (the cluster's
processes, the pool's) is timed apart from stepping.  Figures, never asserts.
"""

from __future__ import annotations

import statistics
import sys
import time

from ..rules import CONWAY
from .engines import _load, _random_board, _report
from .timing import measure

__all__ = ["bench_cluster", "cluster_available"]

SIZES = ((2048, 64), (4096, 64))
QUICK_SIZES = ((2048, 64),)


def cluster_available() -> bool:
    """Whether Dask's ``distributed`` is importable (the ``cluster`` extra)."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def bench_cluster(quick: bool = False, repeats: int | None = None) -> dict:
    """Print cells/s of the fast band engine on a LocalCluster of 2 and on the pool of 2; return the medians."""
    if not cluster_available():
        print("\nDask LocalCluster: skipped, Dask's distributed is not installed (pip install 'lifegame[cluster]')")
        return {}
    from ..engines.bands import FAST_BANDS
    from ..engines.cluster import Cluster
    from ..engines.fast import FastEngine
    from ..engines.parallel import ParallelEngine
    from ..engines.pool import WorkerPool

    repeats = repeats or (3 if quick else 5)
    results: dict = {}
    print(f"\nDask LocalCluster (2 worker processes, bands pickled) against the process pool (2 workers, "
          f"shared memory), random 50% boards, median of {repeats}; load average {_load()}")
    start = time.perf_counter()
    cluster = Cluster.connect("local:2", timeout=60)
    cluster_start = time.perf_counter() - start
    start = time.perf_counter()
    pool = WorkerPool(2)
    pool.warm()
    pool_start = time.perf_counter() - start
    print(f"  start-up: LocalCluster {cluster_start:.2f} s, process pool {pool_start:.2f} s")
    fast = FastEngine()
    on_pool = ParallelEngine(pool, kernel=FAST_BANDS)
    on_cluster = cluster.engine(FAST_BANDS)
    try:
        for side, gens in QUICK_SIZES if quick else SIZES:
            board = _random_board(side)
            rates = measure({
                "fast, in this process": lambda b=board, g=gens: fast.advance(b, CONWAY, g),
                "fast, pool of 2 workers": lambda b=board, g=gens: on_pool.advance(b, CONWAY, g),
                "fast, LocalCluster of 2": lambda b=board, g=gens: on_cluster.advance(b, CONWAY, g),
            }, side * side * gens, repeats)
            print(f"  {side}x{side}, {gens} generations per run ({gens // FAST_BANDS.batch} batches)")
            results[side] = _report(rates)
            ratio = statistics.median(rates["fast, LocalCluster of 2"]) / statistics.median(
                rates["fast, pool of 2 workers"])
            print(f"    {'LocalCluster / pool':<30}{ratio:6.2f}x (medians)")
            sys.stdout.flush()
    finally:
        on_cluster.close()
        on_pool.close()
        fast.close()
        pool.close()
        cluster.close()
    return results
