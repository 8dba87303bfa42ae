"""``lifegame bench --only hashlife``: HashLife on power-of-two tori next to the fast engine (issue 9's targets).

Each figure is the median of several runs, the two engines interleaved, and
every HashLife run starts from an empty cache (a new engine), so no run
reuses the results of the one before.  The fast engine's time for the very
long jumps is extrapolated from its rate over the first generations (said so
in the printout): running it for a million generations would take minutes.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from ..board import Board
from ..rules import CONWAY
from .timing import measure

__all__ = ["bench_hashlife"]

R_PENTOMINO = [(0, 1), (0, 2), (1, 0), (1, 1), (2, 1)]
ACORN = [(0, 1), (1, 3), (2, 0), (2, 1), (2, 4), (2, 5), (2, 6)]


def _board(side: int, cells: list[tuple[int, int]]) -> Board:
    board = Board(side, side)
    c = side // 2
    board.place_cells([c + y for y, _ in cells], [c + x for _, x in cells])
    return board


def _soup(side: int, density: float, seed: int = 2024) -> Board:
    return Board.from_array(np.random.default_rng(seed).random((side, side)) < density)


def _seconds(rates: list[float]) -> float:
    return 1.0 / statistics.median(rates)


def _verdict(seconds: float, limit: float | None, relative_to: float | None = None) -> str:
    if limit is not None:
        return f"target < {limit:g} s: {'met' if seconds < limit else 'MISSED'}"
    if relative_to is not None:
        return f"target no slower than fast: {'met' if seconds <= relative_to else 'MISSED'}"
    return ""


def bench_hashlife(quick: bool = False, repeats: int | None = None) -> dict[str, tuple[float, float]]:
    """Print HashLife's times against the fast engine's; return ``{case: (hashlife s, fast s)}``."""
    from ..engines.fast import FastEngine
    from ..engines.hashlife import HashLifeEngine

    repeats = repeats or (2 if quick else 3)
    results: dict[str, tuple[float, float]] = {}
    fast = FastEngine()
    last: dict[str, Board] = {}

    def hashlife_run(board: Board, generations: int, key: str):
        def go() -> None:
            with HashLifeEngine() as engine:
                last[key] = engine.advance(board, CONWAY, generations)

        return go

    print(f"\nHashLife on power-of-two tori (B3/S23), median of {repeats}, a new engine (empty cache) per run")
    try:
        # The R-pentomino on 8192x8192: to 1103 against the fast engine, then far beyond.
        rp = _board(8192, R_PENTOMINO)
        rates = measure({
            "hashlife": hashlife_run(rp, 1103, "rp"),
            "fast": lambda: fast.advance(rp, CONWAY, 1103),
        }, 1.0, repeats)
        h, f = _seconds(rates["hashlife"]), _seconds(rates["fast"])
        results["r-pentomino 1103"] = (h, f)
        print(f"  R-pentomino, 8192x8192, to generation 1,103: hashlife {h:7.3f} s   fast {f:7.3f} s   "
              f"{f / h:6.1f}x   population {last['rp'].population()} (116 expected)   {_verdict(h, None, f)}")
        fast_rate = f / 1103  # seconds per generation: the tiles of the fast engine at their busiest
        for generations, expected, limit in ((65_536, 164, None), (1_048_576, 155, 0.5)):
            rates = measure({"hashlife": hashlife_run(rp, generations, "rp")}, 1.0, repeats)
            h = _seconds(rates["hashlife"])
            f = fast_rate * generations
            results[f"r-pentomino {generations}"] = (h, f)
            print(f"  R-pentomino, 8192x8192, to generation {generations:,}: hashlife {h:7.3f} s   "
                  f"fast ~{f:6.0f} s (extrapolated)   ~{f / h:,.0f}x   population {last['rp'].population()} "
                  f"({expected} expected)   {_verdict(h, limit)}")
            sys.stdout.flush()

        acorn = _board(4096, ACORN)
        rates = measure({
            "hashlife": hashlife_run(acorn, 5206, "acorn"),
            "fast": lambda: fast.advance(acorn, CONWAY, 5206),
        }, 1.0, repeats)
        h, f = _seconds(rates["hashlife"]), _seconds(rates["fast"])
        results["acorn 5206"] = (h, f)
        print(f"  acorn, 4096x4096, to generation 5,206:       hashlife {h:7.3f} s   fast {f:7.3f} s   "
              f"{f / h:6.1f}x   population {last['acorn'].population()} (633 expected)   {_verdict(h, 0.5)}")
        sys.stdout.flush()

        soup = _soup(256, 0.35)
        soup_repeats = 1 if quick else repeats
        start = time.perf_counter()
        rates = measure({
            "hashlife": hashlife_run(soup, 65_537, "soup"),
            "fast": lambda: fast.advance(soup, CONWAY, 65_537),
        }, 1.0, soup_repeats)
        h, f = _seconds(rates["hashlife"]), _seconds(rates["fast"])
        results["soup 65537"] = (h, f)
        same = last["soup"] == fast.advance(soup, CONWAY, 65_537)
        print(f"  soup 35%, 256x256, to generation 65,537:     hashlife {h:7.3f} s   fast {f:7.3f} s   "
              f"{f / h:6.1f}x   {'same board' if same else 'BOARDS DIFFER'}   {_verdict(h, 5.0)}")

        # A chaotic start: HashLife should give way to the fast kernel, not lag far behind it.
        busy = _soup(1024, 0.35)
        gens = 500 if quick else 2000
        rates = measure({
            "hashlife": hashlife_run(busy, gens, "busy"),
            "fast": lambda: fast.advance(busy, CONWAY, gens),
        }, 1.0, soup_repeats)
        h, f = _seconds(rates["hashlife"]), _seconds(rates["fast"])
        results[f"busy soup {gens}"] = (h, f)
        print(f"  soup 35%, 1024x1024, to generation {gens:,} (chaotic): hashlife {h:7.3f} s   fast {f:7.3f} s   "
              f"{h / f:5.2f}x the fast engine's time")
        print(f"  (the HashLife figures include turning the board into a tree and back; "
              f"{time.perf_counter() - start:.0f} s for the soups)")
        sys.stdout.flush()
    finally:
        fast.close()
    return results
