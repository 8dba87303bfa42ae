"""``lifegame bench --ui``: the real window, headless, playing boards as a user would.

It opens the app with ``SDL_VIDEODRIVER=dummy`` (unless a display driver is
already chosen: ``SDL_VIDEODRIVER=x11`` measures on the X server of
``DISPLAY``, a virtual one such as Xvfb included, where showing a frame costs
several milliseconds more) and plays, for a few seconds after a warm-up:

* **the default window**: the board and patterns ``lifegame`` opens with
  (:func:`lifegame.app.files.initial_board` for a 1280x800 window, a few
  classics on a 68x123 board, under 5% alive), at the default speed (10
  generations/s) and at "max";
* **random boards** (density 0.3) of three sizes at "max".

For each it prints frames per second, the 95th-percentile frame time (frame
start to frame start, what a person sees) and generations per second.
Figures, not assertions; the targets: the default window holds its 10
generations/s and reaches at least 60 at "max", every p95 frame time is
under 20 ms, and 4096x4096 plays 10+ generations/s.
"""

from __future__ import annotations

import math
import os
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .loop import App

__all__ = ["run_ui_bench", "bench_board", "bench_default_window", "TARGET_P95_MS",
           "TARGET_DEFAULT_MAX_GENS"]

TARGET_P95_MS = 20.0
TARGET_DEFAULT_MAX_GENS = 60.0
"""Generations per second the default window reaches at "max"."""
DEFAULT_SPEED = 10.0
"""The window's default speed (generations per second), which the default window must hold."""


def _headless() -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def _play(app: App, speed: float, seconds: float, warmup: float) -> dict[str, float | str]:
    """Play ``app`` at ``speed`` (generations/s, ``inf``: max); the figures after ``warmup`` seconds."""
    from .game import SPEEDS

    app.game.message = ""
    app.game.speed_index = SPEEDS.index(speed)
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
    frames = np.diff(stamps)
    return {
        "board": "x".join(map(str, app.game.board.shape)),
        "speed": "max" if math.isinf(speed) else f"{speed:g}",
        "engine": app.game.driver.label,
        "population": app.game.population,
        "fps": len(frames) / elapsed,
        "p95_ms": float(np.percentile(frames, 95) * 1000),
        "gens_per_s": (app.game.generation - gen0) / elapsed,
    }


def bench_board(size: int, seconds: float = 4.0, window: tuple[int, int] = (1280, 800),
                warmup: float = 1.0) -> dict[str, float | str]:
    """Play a random ``size`` x ``size`` board at full speed; return the figures."""
    _headless()
    from ..board import Board
    from ..rules import CONWAY
    from .loop import App
    from .options import AppOptions

    rng = np.random.default_rng(size)
    board = Board.from_array(rng.random((size, size), dtype=np.float32) < 0.3)
    app = App(AppOptions(size=(size, size), window=window), board, CONWAY, name=f"bench {size}")
    try:
        return _play(app, math.inf, seconds, warmup)
    finally:
        app.close()


def bench_default_window(speed: float, seconds: float = 4.0, window: tuple[int, int] = (1280, 800),
                         warmup: float = 1.0) -> dict[str, float | str]:
    """Play the board ``lifegame`` opens with in a ``window`` at ``speed`` (``inf``: max); the figures."""
    _headless()
    from .files import initial_board
    from .loop import App
    from .options import AppOptions

    options = AppOptions(window=window)
    board, rule, path, name = initial_board(options)
    alive = board.population() / (board.height * board.width)
    app = App(options, board, rule, path=path, name=name)
    try:
        row = _play(app, speed, seconds, warmup)
    finally:
        app.close()
    row["alive_at_start"] = alive
    return row


def _verdict(row: dict, default: bool) -> str:
    slow = [] if row["p95_ms"] < TARGET_P95_MS else ["p95"]
    if default:
        want = TARGET_DEFAULT_MAX_GENS if row["speed"] == "max" else 0.95 * DEFAULT_SPEED
        if row["gens_per_s"] < want:
            slow.append(f"gen/s < {want:g}")
    return "ok" if not slow else "SLOW (" + ", ".join(slow) + ")"


def run_ui_bench(quick: bool = False, sizes: tuple[int, ...] = (64, 1024, 4096)) -> list[dict]:
    """Print (and return) the UI figures: the default window at 10 and max, then each random board size."""
    seconds = 2.0 if quick else 4.0
    window = (1280, 800)
    _headless()
    print(f"\nui: the window playing, {seconds:.0f} s per line after 1 s of warm-up, "
          f"{window[0]}x{window[1]}, SDL_VIDEODRIVER={os.environ['SDL_VIDEODRIVER']}")
    print(f"  {'board':<22} {'target':>6}  {'engine':<28} {'fps':>6} {'p95 frame':>10} {'gen/s':>9}")
    rows = []
    plan = [("default", DEFAULT_SPEED), ("default", math.inf)] + [(size, math.inf) for size in sizes]
    for what, speed in plan:
        if what == "default":
            row = bench_default_window(speed, seconds=seconds, window=window)
            name = f"default {row['board']} ({row['alive_at_start']:.1%})"
        else:
            row = bench_board(int(what), seconds=seconds, window=window)
            name = f"random {row['board']}"
        rows.append(row)
        print(f"  {name:<22} {row['speed']:>6}  {row['engine']:<28} {row['fps']:6.1f} {row['p95_ms']:7.1f} ms"
              f" {row['gens_per_s']:9.1f}   {_verdict(row, what == 'default')}", flush=True)
    return rows


if __name__ == "__main__":
    run_ui_bench()
