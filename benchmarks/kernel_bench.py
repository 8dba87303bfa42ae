"""Figures for the fast kernel: cell updates per second, against the np.roll idiom.

Run ``python benchmarks/kernel_bench.py [--quick]``.  It prints

* for random 50% boards of 1024², 4096² and 8192² (Conway's Life, torus):
  cell updates per second of :func:`lifegame.engines.fast.roll_step` (the sum of
  eight ``np.roll`` copies) and of :func:`lifegame.engines.fast.step` (the
  bit-packed kernel, several generations per call), medians of several
  repeats measured in the same run, and their ratio;
* the R-pentomino on an 8192² torus to generation 1103 with tile skipping
  (:class:`~lifegame.engines.fast.FastEngine`) against the dense kernel, the
  latter timed over fewer generations and extrapolated (it says so).

These are figures, not assertions: the machine is shared, so compare ratios
taken in one run.  The functions are importable for ``lifegame bench``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lifegame.board import Board
from lifegame.engines.fast import FastEngine, roll_step, step
from lifegame.rules import CONWAY, Rule

R_PENTOMINO = np.array([[0, 1, 1], [1, 1, 0], [0, 1, 0]], dtype=np.uint8)


@dataclass(frozen=True)
class DenseFigure:
    """Cell updates per second on one board size."""

    size: int
    roll: float
    fast: float

    @property
    def ratio(self) -> float:
        return self.fast / self.roll


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def dense_figure(size: int, rule: Rule = CONWAY, repeats: int = 5, seed: int = 0) -> DenseFigure:
    """Median cell updates per second of ``roll_step`` and ``step`` on a random 50% board."""
    cells = (np.random.default_rng(seed).random((size, size)) < 0.5).astype(np.uint8)
    # Enough generations per call that one call lasts ~0.3 s: packing and
    # unpacking once per call are then a small part, as in real use.
    generations = max(1, int(2e9 // (size * size)))
    roll_step(cells, rule)  # warm up: first touches of memory cost page faults
    step(cells, rule, generations)
    roll = _median_seconds(lambda: roll_step(cells, rule), repeats)
    fast = _median_seconds(lambda: step(cells, rule, generations), repeats)
    return DenseFigure(size, size * size / roll, size * size * generations / fast)


@dataclass(frozen=True)
class SparseFigure:
    """The R-pentomino on a large torus: tile skipping against the dense kernel."""

    size: int
    generations: int
    population: int
    tiled_seconds: float
    dense_generations: int
    dense_seconds: float  # for dense_generations generations

    @property
    def dense_extrapolated(self) -> float:
        return self.dense_seconds * self.generations / self.dense_generations


def r_pentomino_figure(size: int = 8192, generations: int = 1103, dense_generations: int = 100,
                       repeats: int = 3) -> SparseFigure:
    """Time the R-pentomino to ``generations`` on a ``size``² torus, tiled and dense."""
    board = Board(size, size)
    board.place(R_PENTOMINO, size // 2, size // 2)
    engine, dense = FastEngine(), FastEngine(tiles=False)
    result = engine.advance(board, CONWAY, generations)
    tiled = _median_seconds(lambda: engine.advance(board, CONWAY, generations), repeats)
    dense.advance(board, CONWAY, 1)
    dense_s = _median_seconds(lambda: dense.advance(board, CONWAY, dense_generations), max(1, repeats - 2))
    return SparseFigure(size, generations, result.population(), tiled, dense_generations, dense_s)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and sizes")
    args = parser.parse_args(argv)
    sizes = (1024, 4096) if args.quick else (1024, 4096, 8192)
    repeats = 3 if args.quick else 5
    print("random 50% boards, B3/S23, torus, one process; cell updates per second (median)")
    print(f"{'size':>10} {'np.roll x8':>12} {'fast.step':>12} {'ratio':>7}")
    for size in sizes:
        fig = dense_figure(size, repeats=repeats)
        print(f"{f'{size}x{size}':>10} {fig.roll:12.3e} {fig.fast:12.3e} {fig.ratio:6.1f}x")
    sp = r_pentomino_figure(repeats=2 if args.quick else 3)
    print(f"\nR-pentomino, {sp.size}x{sp.size} torus, generation {sp.generations} "
          f"(population {sp.population}, expected 116):")
    print(f"  tile skipping : {sp.tiled_seconds:8.3f} s")
    print(f"  dense kernel  : {sp.dense_extrapolated:8.3f} s  (extrapolated from "
          f"{sp.dense_generations} generations in {sp.dense_seconds:.3f} s)")
    print(f"  speed-up      : {sp.dense_extrapolated / sp.tiled_seconds:8.1f}x")


if __name__ == "__main__":
    main()
