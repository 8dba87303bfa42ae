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

__all__ = ["bench_engines", "bench_sparse", "SPARSE_WORKLOADS"]

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
    workers = {n: WorkerPool(n, niceness=0) for n in (1, 2)}  # no window to leave room for
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
    results["sparse"] = bench_sparse(quick=quick, repeats=repeats)
    return results


SPARSE_WORKLOADS = (
    # (pattern, side of the torus, generations, population then): small things on big boards
    ("r-pentomino", 8192, 1103, 116),
    ("gosper-glider-gun", 2048, 4000, None),
    ("acorn", 4096, 5206, 633),
)
"""The issue's sparse workloads, each pattern centred as ``lifegame run PATTERN --size NxN`` places it."""


def bench_sparse(quick: bool = False, repeats: int | None = None) -> dict[str, tuple[float, float]]:
    """Stepping time of the sparse workloads in one process and on a warm pool of two workers.

    Both engines skip quiet tiles; the pool must not lose (the pool's start
    and each engine's first touch of its buffers are paid in an untimed run
    first).  Prints the populations, which must agree.  Returns
    ``{pattern: (one process s, two workers s)}``, medians.
    """
    from ..engines.fast import FastEngine
    from ..engines.parallel import ParallelEngine
    from ..engines.pool import WorkerPool
    from ..patterns import library
    from ..start import starting_board

    repeats = repeats or (1 if quick else 3)
    results: dict[str, tuple[float, float]] = {}
    print(f"\nsparse boards (patterns centred on a torus), stepping time, median of {repeats}; "
          f"load average {_load()}")
    with WorkerPool(2, niceness=0) as workers, FastEngine() as fast, ParallelEngine(workers) as pool:
        workers.warm()
        for name, side, generations, expected in SPARSE_WORKLOADS:
            board, rule = starting_board(library.load(name), size=(side, side))
            times: dict[str, list[float]] = {"one process": [], "pool of 2 workers": []}
            populations: dict[str, int] = {}
            engines = {"one process": fast, "pool of 2 workers": pool}
            for engine in engines.values():  # untimed: buffers, shared memory, pages
                engine.advance(board, rule, min(generations, 64))
            for _ in range(repeats):
                for label, engine in engines.items():
                    start = time.perf_counter()
                    result = engine.advance(board, rule, generations)
                    times[label].append(time.perf_counter() - start)
                    populations[label] = result.population()
            one, two = (statistics.median(times[label]) for label in engines)
            results[name] = (one, two)
            note = "" if expected is None else f" ({expected} expected)"
            print(f"  {name}, {side}x{side} torus, {generations} generations")
            for label in engines:
                print(f"    {label:<30}{statistics.median(times[label]):7.2f} s   population {populations[label]}{note}")
            agree = "" if len(set(populations.values())) == 1 else "   POPULATIONS DIFFER"
            print(f"    {'2 workers / one process':<30}{two / one:6.2f}x the time (at most 1.2x wanted){agree}")
            sys.stdout.flush()
    return results
