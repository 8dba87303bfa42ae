"""``lifegame bench``: speed figures, printed, never asserted.

The machines this runs on are shared and noisy, so every figure is the median
of several repeats, and every comparison is a ratio of figures measured in the
same run, interleaved (A, B, A, B, ...) so that a burst of load hits both.
"""

from __future__ import annotations

from collections.abc import Iterable

from .timing import fmt_rate, measure

__all__ = ["run", "measure", "fmt_rate"]


def run(parts: Iterable[str], quick: bool = False, repeats: int | None = None) -> int:
    """Run the named benchmark parts ("coroutine", "engines", "rules", "hashlife", "cluster", "ui") and print their figures."""
    parts = set(parts)
    print(f"lifegame bench ({'quick' if quick else 'full'}); medians of repeats, ratios from the same run")
    if "coroutine" in parts:
        from .coroutine import bench_coroutine

        bench_coroutine(quick=quick, repeats=repeats)
    if "engines" in parts:
        from .engines import bench_engines

        bench_engines(quick=quick, repeats=repeats)
    if "rules" in parts:
        from .rules import bench_rules

        bench_rules(quick=quick, repeats=repeats)
    if "cluster" in parts:
        from .cluster import bench_cluster

        bench_cluster(quick=quick, repeats=repeats)
    if "hashlife" in parts:
        from .hashlife import bench_hashlife

        bench_hashlife(quick=quick, repeats=repeats)
    if "ui" in parts:
        from ..app.bench import run_ui_bench

        run_ui_bench(quick=quick)
    return 0
