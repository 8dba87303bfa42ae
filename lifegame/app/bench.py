"""``lifegame bench --ui``: the real window, headless, at full speed on three board sizes.

For each board it opens the app with ``SDL_VIDEODRIVER=dummy`` (unless a
display driver is already chosen), fills the board at random (density 0.3),
plays "as fast as possible" for a few seconds and prints frames per second,
the 95th-percentile frame time (frame start to frame start, what a person
sees) and generations per second.  Figures, not assertions; the targets are
a p95 frame time under 20 ms for all three and 10+ generations/s at 4096x4096.
"""

from __future__ import annotations

import os
import time

import numpy as np

__all__ = ["run_ui_bench", "bench_board"]

TARGET_P95_MS = 20.0


def bench_board(size: int, seconds: float = 4.0, window: tuple[int, int] = (1280, 800),
                warmup: float = 1.0) -> dict[str, float | str]:
    """Play a random ``size`` x ``size`` board at full speed; return the figures."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from ..board import Board
    from ..rules import CONWAY
    from .options import AppOptions
    from .game import SPEEDS
    from .loop import App

    rng = np.random.default_rng(size)
    board = Board.from_array(rng.random((size, size), dtype=np.float32) < 0.3)
    app = App(AppOptions(size=(size, size), window=window), board, CONWAY, name=f"bench {size}")
    try:
        app.game.message = ""
        app.game.speed_index = len(SPEEDS) - 1
        app.game.set_playing(True)
        start = time.perf_counter()
        while time.perf_counter() - start < warmup:  # the pool starts, caches fill
            app.frame()
        gen0, t0 = app.game.generation, time.perf_counter()
        stamps = [t0]
        while stamps[-1] - t0 < seconds:
            app.frame()
            stamps.append(time.perf_counter())
        elapsed = stamps[-1] - t0
        gens = app.game.generation - gen0
        frames = np.diff(stamps)
        return {
            "board": f"{size}x{size}",
            "engine": app.game.driver.label,
            "fps": len(frames) / elapsed,
            "p95_ms": float(np.percentile(frames, 95) * 1000),
            "gens_per_s": gens / elapsed,
        }
    finally:
        app.close()


def run_ui_bench(quick: bool = False, sizes: tuple[int, ...] = (64, 1024, 4096)) -> list[dict]:
    """Print (and return) the UI figures for each board size."""
    seconds = 2.0 if quick else 4.0
    print(f"\nui: the window at full speed, {seconds:.0f} s per board (random, density 0.3), "
          f"1280x800, SDL_VIDEODRIVER={os.environ.get('SDL_VIDEODRIVER', 'dummy')}")
    print(f"  {'board':>9}  {'engine':<28} {'fps':>6} {'p95 frame':>10} {'gen/s':>9}")
    rows = []
    for size in sizes:
        row = bench_board(size, seconds=seconds)
        rows.append(row)
        ok = "ok" if row["p95_ms"] < TARGET_P95_MS else "SLOW"
        print(f"  {row['board']:>9}  {row['engine']:<28} {row['fps']:6.1f} {row['p95_ms']:7.1f} ms"
              f" {row['gens_per_s']:9.1f}   {ok}")
    return rows


if __name__ == "__main__":
    run_ui_bench()
