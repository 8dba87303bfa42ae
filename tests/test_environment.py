"""The interpreter of the protocol, checked against an independent brute-force rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifegame.board import Board
from lifegame.columns import ColumnPrinter
from lifegame.environment import Stepper, live_a_generation, observe, run_generations
from lifegame.protocol import ALIVE, EMPTY, TICK, ProtocolError, Query, Transition, simulate, step_cell
from lifegame.rules import PRESETS, Rule, parse_rule

GLIDER = "-*-\n--*\n***"

# The book's table: a glider at rows 0-2 of a 5x9 torus, generations 0..4.
BOOK = """\
---*----- | --------- | --------- | --------- | ---------
----*---- | --*-*---- | ----*---- | ---*----- | ----*----
--***---- | ---**---- | --*-*---- | ----**--- | -----*---
--------- | ---*----- | ---**---- | ---**---- | ---***---
--------- | --------- | --------- | --------- | ---------"""


def reference(cells: np.ndarray, rule: Rule) -> np.ndarray:
    """An independent, obviously-correct generation: eight wrapped offsets per cell."""
    h, w = cells.shape
    out = np.zeros_like(cells)
    for y in range(h):
        for x in range(w):
            n = sum(
                int(cells[(y + dy) % h, (x + dx) % w])
                for dy, dx in itertools.product((-1, 0, 1), repeat=2)
                if (dy, dx) != (0, 0)
            )
            out[y, x] = n in (rule.survive if cells[y, x] else rule.birth)
    return out


def test_the_books_glider_table():
    # The book's own code, with ColumnPrinter and Grid.__str__ filled in.
    grid = Board(5, 9)
    grid.place(Board.from_text(GLIDER), 0, 2)
    columns = ColumnPrinter()
    sim = simulate(grid.height, grid.width)
    for _ in range(5):
        columns.append(str(grid))
        grid = live_a_generation(grid, sim)
    assert str(columns) == BOOK


def test_live_a_generation_leaves_its_input_alone():
    board = Board.from_text("-----\n--*--\n--*--\n--*--\n-----")
    before = board.copy()
    after = live_a_generation(board, simulate(5, 5))
    assert board == before and after != before


@pytest.mark.parametrize(
    "text, period",
    [
        ("----\n-**-\n-**-\n----", 1),  # block
        ("-----\n--*--\n--*--\n--*--\n-----", 2),  # blinker
    ],
)
def test_oscillator_periods(text, period):
    board = Board.from_text(text)
    for p in range(1, period):
        assert run_generations(board, p) != board
    assert run_generations(board, period) == board


PULSAR = """\
--***---***--
-------------
*----*-*----*
*----*-*----*
*----*-*----*
--***---***--
-------------
--***---***--
*----*-*----*
*----*-*----*
*----*-*----*
-------------
--***---***--"""


def test_pulsar_has_period_three_on_a_torus():
    board = Board(17, 17)
    board.place(Board.from_text(PULSAR), 2, 2)
    assert run_generations(board, 1) != board and run_generations(board, 2) != board
    assert run_generations(board, 3) == board


def test_glider_wraps_around_the_torus_back_home():
    # On an 8x8 torus a glider moves one cell diagonally every 4 generations,
    # so after 32 generations it has crossed every edge and corner and is home.
    board = Board(8, 8)
    board.place(Board.from_text(GLIDER), 5, 5)  # starts straddling the bottom-right corner
    assert run_generations(board, 32) == board
    shifted = Board(8, 8)
    shifted.place(Board.from_text(GLIDER), 6, 6)
    assert run_generations(board, 4) == shifted


@pytest.mark.parametrize("corner", [(0, 0), (0, 6), (6, 0), (6, 6), (0, 3), (3, 0), (6, 3), (3, 6)])
def test_blinker_across_every_edge_and_corner(corner):
    board = Board(7, 7)
    board.place(np.ones((1, 3), np.uint8), *corner)
    stepped = run_generations(board, 1)
    assert stepped.population() == 3
    assert np.array_equal(stepped.cells, reference(board.cells, PRESETS["Conway"]))
    assert run_generations(board, 2) == board


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (5, 1), (2, 2), (1, 2), (2, 1), (3, 3)])
@pytest.mark.parametrize("rule", ["B3/S23", "B1/S012345678", "B0124/S025", "B2/S"])
def test_degenerate_sizes_match_the_brute_force_rule(shape, rule):
    parsed = parse_rule(rule)
    rng = np.random.default_rng(sum(shape) + len(rule))
    for _ in range(4):
        cells = rng.integers(0, 2, shape, dtype=np.uint8)
        got = run_generations(Board.from_array(cells), 1, parsed)
        assert np.array_equal(got.cells, reference(cells, parsed)), (shape, rule, cells)


def test_one_cell_torus_is_its_own_eight_neighbours():
    alone = Board(1, 1)
    alone[0, 0] = True
    # With 8 live neighbours (itself eight times) a Conway cell dies ...
    assert run_generations(alone, 1, PRESETS["Conway"]).population() == 0
    # ... and survives under a rule with S8.
    assert run_generations(alone, 1, parse_rule("B3/S8")).population() == 1


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    birth=st.sets(st.integers(0, 8)),
    survive=st.sets(st.integers(0, 8)),
    data=st.data(),
)
def test_any_rule_on_any_board_matches_brute_force(h, w, birth, survive, data):
    rule = Rule(frozenset(birth), frozenset(survive))
    bits = data.draw(st.lists(st.integers(0, 1), min_size=h * w, max_size=h * w))
    cells = np.array(bits, dtype=np.uint8).reshape(h, w)
    got = run_generations(Board.from_array(cells), 1, rule)
    assert np.array_equal(got.cells, reference(cells, rule))


def test_custom_game_logic_function_without_changing_the_environment():
    def everything_flips(state, neighbors):
        return EMPTY if state == ALIVE else ALIVE

    board = Board.from_text(GLIDER)
    flipped = run_generations(board, 1, everything_flips)
    assert np.array_equal(flipped.cells, 1 - board.cells)


@pytest.mark.parametrize("budget", [1, 7, 100, 999])
def test_stepper_resumes_exactly_where_it_stopped(budget):
    rng = np.random.default_rng(budget)
    board = Board.from_array(rng.integers(0, 2, (11, 13)))
    expected = run_generations(board, 3)
    stepper = Stepper(board)
    generations = calls = 0
    while generations < 3:
        calls += 1
        generations += stepper.run(max_instructions=budget)
    assert stepper.board == expected
    # Ten instructions per cell (a self query, eight neighbours, a transition) and a TICK.
    assert stepper.last_generation_instructions == 11 * 13 * 10 + 1
    assert calls >= 3 * (11 * 13 * 10) // budget


def test_stepper_with_a_deadline_in_the_past_still_makes_progress():
    board = Board.from_text(GLIDER)
    stepper = Stepper(Board(20, 20), sim=simulate(20, 20))  # every cell: more than one chunk
    stepper.board.place(board, 5, 5)
    stepper.run(deadline=0.0)
    assert stepper.in_progress and stepper.generation_instructions > 0


def test_an_observed_simulation_shows_every_instruction_and_reply():
    seen = []
    board = Board.from_text(GLIDER)
    sim = observe(simulate(board.height, board.width), lambda item, reply: seen.append((item, reply)))
    stepper = Stepper(board, sim=sim)
    while not stepper.run(max_instructions=5):
        pass
    assert seen[0] == (Query(0, 0), EMPTY)
    assert seen[1] == (Query(1, 0), board.cells[1, 0] and ALIVE or EMPTY)  # then its neighbours, north first
    assert seen[-1] == (TICK, None)
    assert len(seen) == 9 * 10 + 1 == stepper.last_generation_instructions
    assert sum(type(item) is Transition for item, _ in seen) == 9
    assert stepper.board == run_generations(board, 1)
    # The next generation goes on through the same wrapper.
    seen.clear()
    assert stepper.run() and len(seen) == 91
    assert stepper.board == run_generations(board, 2)


def test_edit_during_a_generation_is_not_lost():
    board = Board(10, 10)
    stepper = Stepper(board, sim=simulate(10, 10))  # every cell, even on an empty board
    stepper.run(max_instructions=300)  # part way through the first rows
    assert stepper.in_progress
    stepper.edit(9, 9, True)  # a cell the generation has not reached yet
    stepper.edit(0, 0, True)  # a cell it has already transitioned
    while not stepper.run(max_instructions=300):
        pass
    assert stepper.board[9, 9] and stepper.board[0, 0]


def test_unknown_instruction_is_a_protocol_error():
    def rogue(height, width):
        yield Query(0, 0)
        yield "make me a sandwich"

    stepper = Stepper(Board(2, 2), sim=rogue(2, 2))
    with pytest.raises(ProtocolError, match="sandwich"):
        stepper.run()
    with pytest.raises(ProtocolError, match="sandwich"):
        Stepper(Board(2, 2), sim=observe(rogue(2, 2), lambda *a: None)).run()
    with pytest.raises(ProtocolError, match="sandwich"):
        Stepper(Board(2, 2), sim=rogue(2, 2)).run(max_instructions=100)


def test_a_simulation_that_ends_is_a_protocol_error():
    def short(height, width):
        yield from step_cell(0, 0)

    with pytest.raises(ProtocolError, match="returned"):
        Stepper(Board(2, 2), sim=short(2, 2)).run()


def test_tick_is_recognised_after_pickling():
    import pickle

    def pickled_tick(height, width):
        while True:
            yield pickle.loads(pickle.dumps(TICK))

    assert Stepper(Board(1, 1), sim=pickled_tick(1, 1)).run() is True


def test_a_state_is_an_int_0_to_255_and_anything_else_is_the_rules_error():
    # States are ints (multi-state rules use 2..255); a custom game_logic
    # returning something else is named, not silently taken as empty.
    board = Board.from_text(GLIDER)
    assert run_generations(board, 1, lambda state, neighbors: ALIVE).population() == 9
    assert run_generations(board, 1, lambda state, neighbors: 7).cells.max() == 7
    for odd in (None, "*", 256, -1):
        with pytest.raises(ProtocolError, match="0..255"):
            run_generations(board, 1, lambda state, neighbors, odd=odd: odd)
