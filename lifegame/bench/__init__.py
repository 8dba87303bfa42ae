"""``lifegame bench``: speed figures, printed, never asserted.

The machines this runs on are shared and noisy, so every figure is the median
of several repeats, and every comparison is a ratio of figures measured in the
same run, interleaved (A, B, A, B, ...) so that a burst of load hits both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

__all__ = ["run", "measure", "fmt_rate"]


def measure(contenders: dict[str, Callable[[], object]], work: float, repeats: int) -> dict[str, list[float]]:
    """Work per second of every run of each contender.

    Each contender runs once untimed first (a pool starts, caches fill, pages
    are touched), then the contenders run in turn, A, B, C, A, B, C, ...,
    ``repeats`` times, so that a burst of load on a shared machine hits them
    alike.
    """
    for fn in contenders.values():
        fn()
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            rates[name].append(work / (time.perf_counter() - start))
    return rates


def fmt_rate(rate: float) -> str:
    """Cells per second with an SI prefix: ``3.21e5`` -> ``321 k``."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if rate >= scale:
            return f"{rate / scale:7.3g} {unit}"
    return f"{rate:7.3g}  "


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
