"""Timing for ``lifegame bench``: interleaved repeats and a rate formatter.

Apart from the package's ``__init__`` so that the benchmark modules can use it
while ``lifegame.bench.run`` imports them (no import cycle).
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["measure", "fmt_rate"]


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
