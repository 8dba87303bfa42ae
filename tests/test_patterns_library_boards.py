"""Each bundled pattern opens on a torus with room for what it is known for (its ``:Tw,h`` rule suffix)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lifegame.engines import FastEngine
from lifegame.identify import identify
from lifegame.patterns import library
from lifegame.start import starting_board

BOARDS = {  # name: (rows, columns) of the bundled board
    **{name: (32, 32) for name in ("block", "beehive", "loaf", "boat", "tub", "eater-1", "blinker", "toad",
                                   "beacon", "clock", "figure-eight", "pulsar", "pentadecathlon")},
    "queen-bee-shuttle": (32, 48),
    "glider": (256, 256), "lwss": (64, 512), "mwss": (64, 512), "hwss": (64, 512), "copperhead": (128, 64),
    "gosper-glider-gun": (512, 512), "simkin-glider-gun": (512, 512),
    "diehard": (64, 64), "r-pentomino": (512, 512), "acorn": (2048, 2048), "rabbits": (8192, 8192),
}


def bundled(name: str):
    return starting_board(library.load(name))


def test_every_bundled_pattern_carries_its_board_and_says_so():
    assert set(BOARDS) == set(library.names())
    descriptions = dict(library.describe())
    for name, (rows, cols) in BOARDS.items():
        pattern = library.load(name)
        assert (pattern.board_height, pattern.board_width) == (rows, cols), name
        assert re.search(rf"rule = B3/S23:T{cols},{rows}\n", library._text(name)), name  # Golly writes width first
        assert bundled(name)[0].shape == (rows, cols), name
        assert f"{rows}x{cols} torus" in descriptions[name], name


PERIODIC = {  # name: (period, displacement)
    "block": (1, (0, 0)), "beehive": (1, (0, 0)), "loaf": (1, (0, 0)), "boat": (1, (0, 0)), "tub": (1, (0, 0)),
    "eater-1": (1, (0, 0)), "blinker": (2, (0, 0)), "toad": (2, (0, 0)), "beacon": (2, (0, 0)),
    "clock": (2, (0, 0)), "pulsar": (3, (0, 0)), "figure-eight": (8, (0, 0)), "pentadecathlon": (15, (0, 0)),
    "queen-bee-shuttle": (30, (0, 0)),
    "glider": (4, (1, 1)), "lwss": (4, (0, -2)), "mwss": (4, (0, -2)), "hwss": (4, (0, -2)),
    "copperhead": (10, (-1, 0)),
}


@pytest.mark.parametrize("name", sorted(PERIODIC))
def test_oscillators_and_spaceships_on_their_own_board(name):
    board, rule = bundled(name)
    found = identify(board, rule, 100)
    assert (found.period, found.displacement, found.start) == (*PERIODIC[name], 0)


@pytest.mark.parametrize("name, lap", [("glider", 1024), ("lwss", 1024), ("mwss", 1024), ("hwss", 1024),
                                       ("copperhead", 1280)])
def test_a_spaceship_is_back_where_it_started_after_one_lap_of_at_least_1000_generations(name, lap):
    board, rule = bundled(name)
    with FastEngine() as engine:
        assert engine.advance(board, rule, lap) == board
        # ... and not before (it has not crossed its own starting place in under 1000 generations).
        assert engine.advance(board, rule, lap // 2) != board


@pytest.mark.parametrize("name, period, periods", [("gosper-glider-gun", 30, 66), ("simkin-glider-gun", 120, 16)])
def test_a_guns_stream_runs_for_at_least_1000_generations(name, period, periods):
    # One more glider (5 cells) every period, as on the plane, through generation 1980 / 1920.
    board, rule = bundled(name)
    pops = [board.population()]
    with FastEngine() as engine:
        for _ in range(periods):
            board = engine.advance(board, rule, period)
            pops.append(board.population())
    assert np.diff(pops).tolist() == [5] * periods


@pytest.mark.parametrize("name, last, population", [
    ("diehard", 130, 0), ("r-pentomino", 1103, 116), ("acorn", 5206, 633), ("rabbits", 17331, 1744),
])
def test_a_methuselah_lives_its_whole_life_on_its_board(name, last, population):
    # The populations the plane gives at the end (LifeWiki; checked against a 16384x16384 torus).
    board, rule = bundled(name)
    with FastEngine() as engine:
        before = engine.advance(board, rule, last - 1)
        end = engine.advance(before, rule, 1)
    assert end.population() == population
    if name == "diehard":
        assert before.population() == 2  # it vanishes at 130, not before
