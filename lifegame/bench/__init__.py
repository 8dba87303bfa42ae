"""``lifegame bench``: speed figures, printed, never asserted.

The machines this runs on are shared and noisy, so every figure is the median
of several repeats, and every comparison is a ratio of figures measured in the
same run, interleaved (A, B, A, B, ...) so that a burst of load hits both.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable

__all__ = ["run", "median_rate", "Timer"]


def median_rate(work: float, fn: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    """Run ``fn`` ``repeats`` times; return (median of work/second, all rates)."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        rates.append(work / (time.perf_counter() - start))
    return statistics.median(rates), rates


def interleaved(
    work: float, setups: dict[str, Callable[[], Callable[[], object]]], repeats: int
) -> dict[str, float]:
    """Median work/second of each contender, the contenders run in turn ``repeats`` times.

    ``setups[name]()`` prepares a fresh run (untimed) and returns the callable
    that is timed.
    """
    rates: dict[str, list[float]] = {name: [] for name in setups}
    for _ in range(repeats):
        for name, setup in setups.items():
            fn = setup()
            start = time.perf_counter()
            fn()
            rates[name].append(work / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def fmt_rate(rate: float) -> str:
    """Cells per second with an SI prefix: ``3.21e5`` -> ``321 k``."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if rate >= scale:
            return f"{rate / scale:7.3g} {unit}"
    return f"{rate:7.3g}  "


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def run(parts: Iterable[str], quick: bool = False, repeats: int | None = None) -> int:
    """Run the named benchmark parts ("coroutine", "engines", "ui") and print their figures."""
    parts = set(parts)
    print(f"lifegame bench ({'quick' if quick else 'full'}); medians of repeats, ratios from the same run")
    if "coroutine" in parts:
        from .coroutine import bench_coroutine

        bench_coroutine(quick=quick, repeats=repeats)
    if "engines" in parts:
        from .engines import bench_engines

        bench_engines(quick=quick, repeats=repeats)
    if "ui" in parts:
        from ..app.bench import run_ui_bench

        run_ui_bench(quick=quick)
    return 0
