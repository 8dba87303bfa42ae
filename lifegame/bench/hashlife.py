"""``lifegame bench --only hashlife``: HashLife on power-of-two tori next to the fast engine (issue 9's targets).

The last lines run two isotropic non-totalistic (Hensel) rules, tlife
(``B3/S2-i34q``) and ``B3/S23-a4ei6``, on the same workloads as Life (issue
12): their leaves are stepped by a longer formula, so they show what the
letters cost HashLife.

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
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..board import Board
from ..rules import CONWAY, RuleBase, parse_rule
from .timing import measure

if TYPE_CHECKING:
    from ..engines.fast import FastEngine

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

    def hashlife_run(board: Board, generations: int, key: str, rule: RuleBase = CONWAY):
        def go() -> None:
            with HashLifeEngine() as engine:
                last[key] = engine.advance(board, rule, generations)

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
        results.update(_bench_hensel(hashlife_run, last, fast, repeats, soup_repeats))
    finally:
        fast.close()
    return results


HENSEL_RULES = ("B3/S23", "B3/S2-i34q", "B3/S23-a4ei6")
"""Life and two Hensel rules, run on the same workloads."""


def _bench_hensel(
    hashlife_run: Callable[..., Callable[[], None]],
    last: dict[str, Board],
    fast: FastEngine,
    repeats: int,
    soup_repeats: int,
) -> dict[str, tuple[float, float]]:
    """Life next to tlife and B3/S23-a4ei6: the R-pentomino on 4096x4096 to 65,536, a 256x256 soup to 65,537."""
    results: dict[str, tuple[float, float]] = {}
    print("\nHashLife with Hensel rules (the same workloads under each rule; Life first as the yardstick)")
    rp = _board(4096, R_PENTOMINO)
    soup = _soup(256, 0.35)
    life: dict[str, float] = {}
    for text in HENSEL_RULES:
        rule = parse_rule(text)
        rates = measure({"hashlife": hashlife_run(rp, 65_536, "hensel-rp", rule)}, 1.0, repeats)
        h = _seconds(rates["hashlife"])
        life.setdefault("rp", h)
        results[f"{text} r-pentomino 65536"] = (h, float("nan"))
        print(f"  {text:13} R-pentomino, 4096x4096, to generation 65,536: hashlife {h:7.3f} s "
              f"({h / life['rp']:5.2f}x Life's)   population {last['hensel-rp'].population()}")
        sys.stdout.flush()
        rates = measure({
            "hashlife": hashlife_run(soup, 65_537, "hensel-soup", rule),
            "fast": lambda rule=rule: fast.advance(soup, rule, 65_537),
        }, 1.0, soup_repeats)
        h, f = _seconds(rates["hashlife"]), _seconds(rates["fast"])
        life.setdefault("soup", h)
        results[f"{text} soup 65537"] = (h, f)
        same = last["hensel-soup"] == fast.advance(soup, rule, 65_537)
        print(f"  {text:13} soup 35%, 256x256, to generation 65,537:     hashlife {h:7.3f} s "
              f"({h / life['soup']:5.2f}x Life's)   fast {f:7.3f} s   {f / h:5.1f}x   "
              f"{'same board' if same else 'BOARDS DIFFER'}")
        sys.stdout.flush()
    return results
