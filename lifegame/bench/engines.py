"""Cell updates per second of every engine, with 1 and 2 workers, against the np.roll idiom.

For each board size, on the same random 50% board and rule (B3/S23 on a
torus), the contenders are run in turn (A, B, C, A, B, C, ...), after one
untimed warm-up each (pool start-up, shared memory, first touch of pages), so
that the noise of a shared machine hits them alike.  Figures are medians, the
best run is shown beside them, and speedups are ratios of medians from the
same run.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import numpy as np

from ..board import Board
from ..rules import CONWAY
from .timing import fmt_rate, measure

__all__ = ["bench_engines", "bench_sparse"]

# (side, generations per timed run): each run lasts roughly 0.1-0.5 s.
FAST_SIZES = ((64, 2000), (256, 1000), (1024, 256), (4096, 64), (8192, 32))
COROUTINE_SIZES = ((64, 8), (256, 1))
QUICK_FAST_SIZES = ((256, 200), (1024, 64), (4096, 16))
QUICK_COROUTINE_SIZES = ((64, 2),)


def _random_board(side: int, seed: int = 1) -> Board:
    rng = np.random.default_rng(seed)
    return Board(side, side, (rng.random((side, side), dtype=np.float32) < 0.5).astype(np.uint8))


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def _report(rates: dict[str, list[float]], base: str | None = None) -> dict[str, float]:
    median = {name: statistics.median(values) for name, values in rates.items()}
    for name, values in rates.items():
        extra = f"   {median[name] / median[base]:6.2f}x np.roll" if base and name != base else ""
        print(f"    {name:<30}{fmt_rate(median[name])}cells/s  (best {fmt_rate(max(values)).strip()}){extra}")
    return median


def _speedup(rates: dict[str, list[float]], two: str, one: str, alone: str) -> float:
    """Print 2 workers against 1 worker and against one process; return the first ratio."""
    for label, den in (("2 workers / 1 worker", one), ("2 workers / one process", alone)):
        ratio = statistics.median(rates[two]) / statistics.median(rates[den])
        best = max(rates[two]) / max(rates[den])
        print(f"    {label:<30}{ratio:6.2f}x (medians)   {best:.2f}x (best runs)")
    return statistics.median(rates[two]) / statistics.median(rates[one])


def bench_engines(quick: bool = False, repeats: int | None = None) -> dict:
    """Print cells/s for each size and engine; return the medians by size."""
    from ..engines.bands import COROUTINE_BANDS, FAST_BANDS
    from ..engines.coroutine import CoroutineEngine
    from ..engines.fast import FastEngine, roll_step
    from ..engines.parallel import ParallelEngine
    from ..engines.pool import WorkerPool

    repeats = repeats or (3 if quick else 5)
    results: dict = {}
    fast = FastEngine()
    # One pool per size; each pool serves its fast and its coroutine engine.
    workers = {n: WorkerPool(n) for n in (1, 2)}
    pools = {n: ParallelEngine(workers[n], kernel=FAST_BANDS) for n in (1, 2)}
    co_pools = {n: ParallelEngine(workers[n], kernel=COROUTINE_BANDS) for n in (1, 2)}
    try:
        print(f"\nengines on random 50% boards, B3/S23 on a torus, median of {repeats}; "
              f"{os.cpu_count()} CPUs, load average {_load()}")
        for side, gens in QUICK_FAST_SIZES if quick else FAST_SIZES:
            board = _random_board(side)
            roll_gens = max(1, gens // 16)

            def roll(cells: np.ndarray = board.cells, n: int = roll_gens) -> None:
                for _ in range(n):
                    cells = roll_step(cells, CONWAY)

            rates = {"eight-np.roll idiom": measure({"roll": roll}, side * side * roll_gens, repeats)["roll"]}
            rates.update(measure({
                "fast, in this process": lambda b=board, g=gens: fast.advance(b, CONWAY, g),
                "fast, pool of 1 worker": lambda b=board, g=gens: pools[1].advance(b, CONWAY, g),
                "fast, pool of 2 workers": lambda b=board, g=gens: pools[2].advance(b, CONWAY, g),
            }, side * side * gens, repeats))
            print(f"  {side}x{side}, {gens} generations per run")
            results[side] = _report(rates, base="eight-np.roll idiom")
            _speedup(rates, "fast, pool of 2 workers", "fast, pool of 1 worker", "fast, in this process")
            sys.stdout.flush()

        reference = CoroutineEngine()
        for side, gens in QUICK_COROUTINE_SIZES if quick else COROUTINE_SIZES:
            board = _random_board(side)
            rates = measure({
                "coroutines, in this process": lambda b=board, g=gens: reference.advance(b, CONWAY, g),
                "coroutines, pool of 1 worker": lambda b=board, g=gens: co_pools[1].advance(b, CONWAY, g),
                "coroutines, pool of 2 workers": lambda b=board, g=gens: co_pools[2].advance(b, CONWAY, g),
            }, side * side * gens, repeats)
            print(f"  {side}x{side}, the coroutine protocol in every worker, {gens} generation(s) per run")
            results[("coroutine", side)] = _report(rates)
            _speedup(rates, "coroutines, pool of 2 workers", "coroutines, pool of 1 worker",
                     "coroutines, in this process")
            sys.stdout.flush()
    finally:
        fast.close()
        for engine in (*pools.values(), *co_pools.values()):
            engine.close()
        for pool in workers.values():
            pool.close()
    results["sparse"] = bench_sparse(quick=quick)
    return results


def bench_sparse(quick: bool = False, dense_generations: int = 50) -> tuple[float, float]:
    """Time the R-pentomino on a big torus to generation 1103, skipping quiet tiles and not.

    The dense kernel is timed over ``dense_generations`` and extrapolated to
    1103 (the printout says so).  Returns (tiled seconds, dense seconds).
    """
    from ..engines.fast import FastEngine
    from ..patterns import library

    side, generations = (4096 if quick else 8192), 1103
    pattern = library.load("r-pentomino")
    board = Board(side, side)
    board.place_cells(np.asarray(pattern.ys) + side // 2, np.asarray(pattern.xs) + side // 2)
    tiled, dense = FastEngine(), FastEngine(tiles=False)
    try:
        start = time.perf_counter()
        result = tiled.advance(board, CONWAY, generations)
        tiled_s = time.perf_counter() - start
        start = time.perf_counter()
        dense.advance(board, CONWAY, dense_generations)
        dense_s = (time.perf_counter() - start) * generations / dense_generations
    finally:
        tiled.close()
        dense.close()
    print(f"\n  R-pentomino on a {side}x{side} torus to generation {generations}, one process:")
    print(f"    skipping quiet tiles          {tiled_s:7.2f} s   population {result.population()} (116 expected)")
    print(f"    every cell, every generation  {dense_s:7.2f} s   (timed over {dense_generations} generations, "
          f"extrapolated)   {dense_s / tiled_s:.0f}x")
    return tiled_s, dense_s
