"""Cell updates per second of every engine, with 1 and 2 workers, against the np.roll idiom.

All figures of one board size are measured in the same run, interleaved, and
reported as medians; the speedups are ratios of those medians.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from ..board import Board
from ..rules import CONWAY
from . import fmt_rate

__all__ = ["bench_engines", "bench_sparse"]

# (side, generations per timed run) for the vectorised engines and the coroutines.
FAST_SIZES = ((64, 2000), (256, 400), (1024, 64), (4096, 8), (8192, 4))
COROUTINE_SIZES = ((64, 4), (256, 1))
QUICK_FAST_SIZES = ((64, 200), (256, 50), (1024, 8), (4096, 2))
QUICK_COROUTINE_SIZES = ((64, 1),)


def _random_board(side: int, seed: int = 1) -> Board:
    rng = np.random.default_rng(seed)
    return Board(side, side, (rng.random((side, side), dtype=np.float32) < 0.5).astype(np.uint8))


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _measure(contenders: dict, work: float, repeats: int) -> dict[str, float]:
    """Median cells/s of each contender, run in turn; each is warmed up once first."""
    for fn in contenders.values():
        fn()  # warm-up: pool start-up, shared memory, caches
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            rates[name].append(work / _time(fn))
    return {name: statistics.median(values) for name, values in rates.items()}


def _row(label: str, rate: float, base: float | None = None, base_name: str = "") -> None:
    extra = f"   {rate / base:6.2f}x {base_name}" if base else ""
    print(f"    {label:<28}{fmt_rate(rate)}cells/s{extra}")


def bench_engines(quick: bool = False, repeats: int | None = None) -> dict:
    """Print cells/s for each size and engine; return the medians by (size, engine)."""
    from ..engines.coroutine import CoroutineEngine
    from ..engines.fast import FastEngine, roll_step
    from ..engines.parallel import ParallelEngine

    repeats = repeats or (3 if quick else 5)
    results: dict = {}
    fast = FastEngine()
    pools = {n: ParallelEngine(workers=n, kernel="fast") for n in (1, 2)}
    co_pools = {n: ParallelEngine(workers=n, kernel="coroutine") for n in (1, 2)}
    try:
        print(f"\nengines on random 50% boards, B3/S23 torus, median of {repeats} (2 cores here)")
        for side, gens in QUICK_FAST_SIZES if quick else FAST_SIZES:
            board = _random_board(side)
            roll_gens = max(1, gens // 4)

            def roll(cells=board.cells, n=roll_gens):
                for _ in range(n):
                    cells = roll_step(cells, CONWAY)

            contenders = {
                "fast, in this process": lambda b=board, g=gens: fast.advance(b, CONWAY, g),
                "fast, pool of 1 worker": lambda b=board, g=gens: pools[1].advance(b, CONWAY, g),
                "fast, pool of 2 workers": lambda b=board, g=gens: pools[2].advance(b, CONWAY, g),
            }
            rates = _measure(contenders, side * side * gens, repeats)
            rates["np.roll idiom"] = _measure({"roll": roll}, side * side * roll_gens, repeats)["roll"]
            print(f"  {side}x{side}, {gens} generations per run")
            base = rates["np.roll idiom"]
            _row("eight-np.roll idiom", base)
            for name in contenders:
                _row(name, rates[name], base, "np.roll")
            print(f"    {'2 workers / 1 worker':<28}{rates['fast, pool of 2 workers'] / rates['fast, pool of 1 worker']:6.2f}x")
            results[side] = rates

        for side, gens in QUICK_COROUTINE_SIZES if quick else COROUTINE_SIZES:
            board = _random_board(side)
            engine = CoroutineEngine()
            contenders = {
                "coroutines, in this process": lambda b=board, g=gens: engine.advance(b, CONWAY, g),
                "coroutines, pool of 1 worker": lambda b=board, g=gens: co_pools[1].advance(b, CONWAY, g),
                "coroutines, pool of 2 workers": lambda b=board, g=gens: co_pools[2].advance(b, CONWAY, g),
            }
            rates = _measure(contenders, side * side * gens, repeats)
            print(f"  {side}x{side}, coroutine protocol, {gens} generation(s) per run")
            for name in contenders:
                _row(name, rates[name])
            print(f"    {'2 workers / 1 worker':<28}"
                  f"{rates['coroutines, pool of 2 workers'] / rates['coroutines, pool of 1 worker']:6.2f}x")
            results[("coroutine", side)] = rates
    finally:
        fast.close()
        for engine in (*pools.values(), *co_pools.values()):
            engine.close()
    bench_sparse(quick=quick)
    return results


def bench_sparse(quick: bool = False) -> float:
    """Time the R-pentomino on a big torus to generation 1103 (cost follows the live area)."""
    from ..engines.fast import FastEngine
    from ..patterns import library

    side = 4096 if quick else 8192
    pattern = library.load("r-pentomino")
    board = Board(side, side)
    board.place_cells(np.asarray(pattern.ys) + side // 2, np.asarray(pattern.xs) + side // 2)
    engine = FastEngine()
    start = time.perf_counter()
    result = engine.advance(board, CONWAY, 1103)
    seconds = time.perf_counter() - start
    engine.close()
    print(f"\n  R-pentomino on a {side}x{side} torus to generation 1103: {seconds:.2f} s, "
          f"population {result.population()} (116 expected)")
    return seconds
