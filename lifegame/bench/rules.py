"""The rule families side by side: Life, a Hensel rule, Generations and LifeHistory.

The same dense random board (50% of cells in state 1) is stepped under each
rule, by the fast engine in this process and on a warm pool of two workers,
and by the coroutine engine on a small board; each rate is also given as a
ratio of Life's in the same run (the issue asks a Hensel rule to run at no
worse than half Life's speed on a dense 4096x4096 board).
"""

from __future__ import annotations

import statistics
import sys

import numpy as np

from ..board import Board
from ..rules import CONWAY, RuleBase, parse_rule
from .timing import fmt_rate, measure

__all__ = ["bench_rules", "RULES"]

RULES: tuple[tuple[str, str], ...] = (
    ("Life", "B3/S23"),
    ("Hensel (tlife)", "B3/S2-i34q"),
    ("Hensel (B2n3/S23-q)", "B2n3/S23-q"),
    ("Hensel (B3/S23-a4ei6)", "B3/S23-a4ei6"),
    ("Generations (Star Wars)", "345/2/4"),
    ("Generations (Brian's Brain)", "/2/3"),
    ("LifeHistory", "LifeHistory"),
)
"""(label, rule) of the rules benchmarked, Life first (the others are compared with it)."""


def _board(side: int) -> Board:
    rng = np.random.default_rng(1)
    return Board(side, side, (rng.random((side, side), dtype=np.float32) < 0.5).astype(np.uint8))


def bench_rules(quick: bool = False, repeats: int | None = None) -> dict[str, dict[str, float]]:
    """Print cells/s of each rule family per engine; return ``{engine: {label: median rate}}``."""
    from ..engines.coroutine import CoroutineEngine
    from ..engines.fast import FastEngine
    from ..engines.parallel import ParallelEngine
    from ..engines.pool import WorkerPool

    repeats = repeats or (3 if quick else 5)
    rules: dict[str, RuleBase] = {label: parse_rule(text) for label, text in RULES}
    assert rules["Life"] == CONWAY
    side, gens = (1024, 16) if quick else (4096, 16)
    co_side, co_gens = (32, 1) if quick else (64, 2)
    results: dict[str, dict[str, float]] = {}
    with WorkerPool(2, niceness=0) as workers, FastEngine() as fast, ParallelEngine(workers) as pool:
        workers.warm()
        contenders = (
            (f"fast engine, this process, {side}x{side}, {gens} generations", fast, _board(side), gens),
            (f"fast engine, pool of 2 workers, {side}x{side}, {gens} generations", pool, _board(side), gens),
            (f"coroutine engine, {co_side}x{co_side}, {co_gens} generation(s)", CoroutineEngine(),
             _board(co_side), co_gens),
        )
        print(f"\nrule families on a random 50% board, median of {repeats}, ratios to Life in the same run")
        for title, engine, board, n in contenders:
            cells = board.height * board.width * n
            rates = measure({label: (lambda e=engine, b=board, r=rule, n=n: e.advance(b, r, n))
                             for label, rule in rules.items()}, cells, repeats)
            medians = {label: statistics.median(values) for label, values in rates.items()}
            print(f"  {title}")
            for label, text in RULES:
                print(f"    {label:<28}{text:<14}{fmt_rate(medians[label])}cells/s   "
                      f"{medians[label] / medians['Life']:5.2f}x Life")
            results[title] = medians
            sys.stdout.flush()
    return results
