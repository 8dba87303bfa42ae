"""Cell updates per second of the parallel engine with 1 and 2 workers: figures, not assertions.

    python benchmarks/parallel_bench.py [--repeats 5] [--quick]

For each size it times, on the same random 50% board and the same rule (B3/S23):

* the kernel in this process (``FastEngine`` / ``CoroutineEngine``): "one process";
* ``ParallelEngine`` with a pool of 1 worker and of 2 workers (pools started
  and warmed before timing; shared memory allocated by a warm-up call).

Runs are interleaved round-robin (engine A, B, C, A, B, C, ...) so that the
noise of a shared machine hits every contender alike, and the figure is the
median of the repeats.  Speedups are ratios of medians from the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lifegame.board import Board  # noqa: E402
from lifegame.engines import CoroutineEngine, FastEngine, ParallelEngine  # noqa: E402
from lifegame.rules import CONWAY  # noqa: E402

FAST_SIZES = [(1024, 256), (4096, 64), (8192, 32)]  # (side, generations per run)
COROUTINE_SIZES = [(64, 10), (256, 2)]
QUICK_FAST = [(1024, 128), (4096, 32)]
QUICK_COROUTINE = [(64, 4), (256, 1)]


def random_board(side: int, seed: int = 1) -> Board:
    return Board.from_array(np.random.default_rng(seed).random((side, side)) < 0.5)


def measure(contenders: dict[str, Callable[[], object]], work: int, repeats: int) -> dict[str, list[float]]:
    """Cell updates per second of each run of each contender, interleaved round-robin."""
    for run in contenders.values():
        run()  # warm-up: shared memory, kernel caches, first touch of pages
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            rates[name].append(work / (time.perf_counter() - start))
    return rates


def report(title: str, rates: dict[str, list[float]], one: str, pool1: str, pool2: str) -> dict[str, float]:
    """Print medians (and the best run, a guard against a busy neighbour) and the speedups."""
    median = {name: statistics.median(values) for name, values in rates.items()}
    best = {name: max(values) for name, values in rates.items()}
    print(title)
    for name in rates:
        print(f"    {name:<24}{median[name]:12.3e} cells/s   (best {best[name]:.3e})")
    for label, num, den in (("2 workers / 1 worker", pool2, pool1), ("2 workers / one process", pool2, one)):
        print(f"    {label:<24}{median[num] / median[den]:8.2f}x median   {best[num] / best[den]:5.2f}x best")
    sys.stdout.flush()
    return median


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument("--only", choices=["fast", "coroutine"], help="one kernel only")
    args = parser.parse_args(argv)
    fast_sizes = [] if args.only == "coroutine" else QUICK_FAST if args.quick else FAST_SIZES
    co_sizes = [] if args.only == "fast" else QUICK_COROUTINE if args.quick else COROUTINE_SIZES

    print(f"random 50% boards, B3/S23 torus, median of {args.repeats} interleaved runs; "
          f"{os.cpu_count()} CPUs, load average {load()} (other processes skew the figures)")
    fast = FastEngine()
    reference = CoroutineEngine()
    with ParallelEngine(workers=1, kernel="fast") as f1, ParallelEngine(workers=2, kernel="fast") as f2, \
            ParallelEngine(workers=1, kernel="coroutine") as c1, \
            ParallelEngine(workers=2, kernel="coroutine") as c2:
        for engine in (f1, f2, c1, c2):
            engine.warm()  # no pool start-up inside the timings
        for side, gens in fast_sizes:
            board = random_board(side)
            rates = measure(
                {
                    "fast, one process": lambda b=board, g=gens: fast.advance(b, CONWAY, g),
                    "fast, pool of 1": lambda b=board, g=gens: f1.advance(b, CONWAY, g),
                    "fast, pool of 2": lambda b=board, g=gens: f2.advance(b, CONWAY, g),
                },
                side * side * gens,
                args.repeats,
            )
            report(f"  fast kernel {side}x{side}, {gens} generations per run, K={f2.batch}",
                   rates, "fast, one process", "fast, pool of 1", "fast, pool of 2")
        for side, gens in co_sizes:
            board = random_board(side)
            rates = measure(
                {
                    "coroutines, one process": lambda b=board, g=gens: reference.advance(b, CONWAY, g),
                    "coroutines, pool of 1": lambda b=board, g=gens: c1.advance(b, CONWAY, g),
                    "coroutines, pool of 2": lambda b=board, g=gens: c2.advance(b, CONWAY, g),
                },
                side * side * gens,
                args.repeats,
            )
            report(f"  coroutine protocol {side}x{side}, {gens} generation(s) per run, K={c2.batch}",
                   rates, "coroutines, one process", "coroutines, pool of 1", "coroutines, pool of 2")
    print(f"load average at the end: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
