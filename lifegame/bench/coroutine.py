"""The coroutine engine against the seed's own ``live_a_generation`` loop."""

from __future__ import annotations

import gc
import statistics
import sys
import tracemalloc

from collections.abc import Callable

import numpy as np

from ..board import Board
from ..environment import Stepper
from ..protocol import ALIVE, EMPTY, TICK, Query, simulate, step_cell
from .timing import fmt_rate, measure
from . import seed


def _seed_grid(cells: np.ndarray, alive: object = seed.ALIVE, empty: object = seed.EMPTY) -> seed.Grid:
    """The seed's ``Grid`` holding ``cells``, in the seed's states (``"*"``/``"-"``) or in given ones.

    The seed's loop driving this project's coroutines needs this project's
    states (the ints ``ALIVE``/``EMPTY``): the grid only stores what it is given.
    """
    grid = seed.Grid(*cells.shape)
    grid.rows = [[alive if cell else empty for cell in row] for row in cells.tolist()]
    return grid


def suspended_cell_bytes(count: int = 10_000) -> float:
    """Bytes of one ``step_cell`` coroutine suspended inside ``count_neighbors``.

    Measured with tracemalloc over ``count`` of them, less the list that holds
    them.  Includes both frames (``step_cell`` and the ``count_neighbors`` it is
    delegating to) and the values they hold.
    """
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    cells = []
    for i in range(count):
        gen = step_cell(i, i)
        next(gen)  # Query(y, x) for the cell itself
        gen.send(ALIVE)  # now suspended at the first neighbour query
        cells.append(gen)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return (grown - sys.getsizeof(cells)) / count


def bench_coroutine(quick: bool = False, repeats: int | None = None) -> dict[str, float]:
    """Print and return cells/s of this project's coroutine engine and of the seed's loop."""
    repeats = repeats or (3 if quick else 9)
    size, generations = (48, 2) if quick else (64, 8)
    cells = np.random.default_rng(1).integers(0, 2, (size, size), dtype=np.uint8)

    def ours() -> Callable[[], Board]:
        # Every cell, every generation, as the seed steps them: like for like.
        stepper = Stepper(Board.from_array(cells), every_cell=True)

        def go() -> Board:
            for _ in range(generations):
                stepper.run()
            return stepper.board

        return go

    def the_seeds_loop(sim, *protocol, states=(seed.ALIVE, seed.EMPTY)) -> Callable[[], seed.Grid]:
        grid = _seed_grid(cells, *states)

        def go() -> seed.Grid:
            nonlocal grid
            for _ in range(generations):
                grid = seed.live_a_generation(grid, sim, *protocol)
            return grid

        return go

    contenders = {
        "ours": ours(),
        "seed": the_seeds_loop(seed.simulate(size, size)),  # the seed's code as a whole
        # Its loop, our coroutines (and so our states).
        "mixed": the_seeds_loop(simulate(size, size), Query, TICK, states=(ALIVE, EMPTY)),
    }
    # They must agree (here, on their first generations) before their speeds mean anything.
    ours_board, *grids = (run() for run in contenders.values())
    for grid, alive in zip(grids, (seed.ALIVE, ALIVE)):
        assert all(
            (grid.rows[y][x] == alive) == ours_board[y, x] for y in range(size) for x in range(size)
        ), "the coroutine engine and the seed disagree"
    # Each contender goes on from where it is: every cell costs the same work
    # in every generation, whatever the board looks like by then.
    rates = {name: statistics.median(values) for name, values in
             measure(contenders, size * size * generations, repeats).items()}
    per_cell = suspended_cell_bytes(2_000 if quick else 10_000)
    print(f"\ncoroutine engine, {size}x{size} random board, {generations} generations, median of {repeats}")
    print(f"  lifegame Stepper + simulate   {fmt_rate(rates['ours'])}cells/s")
    print("  the seed (its coroutines, Grid and live_a_generation loop)")
    print(f"                                {fmt_rate(rates['seed'])}cells/s")
    print(f"  ratio                         {rates['ours'] / rates['seed']:.2f}x the seed's code")
    print(f"  the seed's loop driving this project's coroutines: {fmt_rate(rates['mixed']).strip()}cells/s; "
          f"this environment is {rates['ours'] / rates['mixed']:.2f}x that loop")
    print(f"  one suspended cell coroutine  {per_cell:.0f} bytes (tracemalloc; the seed claims < 1 KB)")
    active = bench_activity(quick=quick, repeats=repeats)
    return {**rates, "ratio": rates["ours"] / rates["seed"], "cell_bytes": per_cell, **active}


def bench_activity(quick: bool = False, repeats: int = 5) -> dict[str, float]:
    """Generations per second of the active driver on a 128x128 board: the R-pentomino against a 50% soup.

    The default :class:`Stepper` steps only the cells near a change; a
    methuselah on a mostly empty board should then run far faster than a
    board that is half alive (the issue's target: at least 5x).  Both boards
    go on from where they are, as a window playing them would.
    """
    from ..patterns import library
    from ..rules import CONWAY
    from ..start import starting_board

    side, generations = 128, (10 if quick else 40)
    r_pentomino, _ = starting_board(library.load("r-pentomino"), size=(side, side))
    soup = Board.from_array(np.random.default_rng(2).random((side, side)) < 0.5)
    steppers = {"r-pentomino": Stepper(r_pentomino, CONWAY), "soup": Stepper(soup, CONWAY)}

    def run(stepper: Stepper) -> Callable[[], None]:
        def go() -> None:
            for _ in range(generations):
                stepper.run()

        return go

    rates = {name: statistics.median(values) for name, values in
             measure({name: run(s) for name, s in steppers.items()}, generations, repeats).items()}
    print(f"\nthe active driver (simulate_active), {side}x{side}, {generations} generations a run, median of {repeats}")
    print(f"  R-pentomino (5 cells to start)  {rates['r-pentomino']:8.1f} generations/s")
    print(f"  random soup, density 0.5        {rates['soup']:8.1f} generations/s")
    ratio = rates["r-pentomino"] / rates["soup"]
    print(f"  ratio                           {ratio:8.1f}x (target >= 5x)")
    return {"active_r_pentomino": rates["r-pentomino"], "active_soup": rates["soup"], "active_ratio": ratio}
