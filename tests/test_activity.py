"""The activity-aware driver (simulate_active) against the seed's simulate, which steps every cell."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifegame.board import Board
from lifegame.environment import Stepper
from lifegame.protocol import ALIVE, EMPTY, TICK, Query, Transition, game_logic, simulate, simulate_active
from lifegame.rules import CONWAY, Rule

rules = st.builds(
    Rule,
    st.frozensets(st.integers(0, 8)),
    st.frozensets(st.integers(0, 8)),
)
edits = st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50), st.booleans()), max_size=6)


def reference(board: Board, rule: Rule) -> Stepper:
    return Stepper(board.copy(), rule, sim=simulate(board.height, board.width, rule))


@settings(max_examples=80, deadline=None)
@given(
    height=st.integers(1, 24),
    width=st.integers(1, 24),
    density=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
    rule=rules,
    plan=st.lists(st.tuples(st.integers(0, 4), edits, st.integers(1, 400)), min_size=1, max_size=5),
)
def test_active_driver_equals_the_seeds_simulate(height, width, density, seed, rule, plan) -> None:
    """Same boards, generation by generation, with edits between and during generations."""
    cells = np.random.default_rng(seed).random((height, width)) < density
    board = Board.from_array(cells)
    active, ref = Stepper(board.copy(), rule), reference(board, rule)
    for generations, changes, slice_ in plan:
        for _ in range(generations):
            # The active stepper runs in slices (as the window drives it) and
            # takes an edit half-way through, which lands on top of the
            # generation it computes; the reference gets it there too.
            late = []
            while not active.run(max_instructions=slice_):
                if changes:
                    late.append(changes[0])
                    active.edit(*changes[0])
                    changes = changes[1:]
            ref.run()
            for y, x, alive in late:
                ref.edit(y, x, alive)
            assert active.board == ref.board
        for y, x, alive in changes:  # between generations
            active.edit(y, x, alive)
            ref.edit(y, x, alive)
    active.run()
    ref.run()
    assert active.board == ref.board


def test_a_quiet_board_steps_only_near_what_changed() -> None:
    board = Board(40, 40)
    board.place(np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]]), 10, 10)  # a glider
    stepper, twin = Stepper(board.copy(), CONWAY), Stepper(board.copy(), CONWAY)
    for s in (stepper, twin):
        s.run()
        assert s.stepped_cells == 22  # the first generation: the glider's cells and their neighbours
        s.run()
    assert stepper.stepped_cells < 60 and stepper.last_generation_instructions == 10 * stepper.stepped_cells + 1
    stepper.edit(30, 30, True)  # an edit far from the glider wakes its own neighbourhood
    stepper.run()
    twin.run()
    assert stepper.stepped_cells == twin.stepped_cells + 9
    check = reference(board, CONWAY)
    check.run()
    check.run()
    check.edit(30, 30, True)
    check.run()
    assert stepper.board == check.board


def test_an_observer_watches_the_active_cells_only() -> None:
    board = Board(30, 30)
    board.place(np.array([[1, 1, 1]]), 15, 14)  # a blinker
    seen: list[object] = []
    stepper = Stepper(board, CONWAY, observer=lambda item, reply: seen.append(item))
    stepper.run()
    assert sum(type(i) is Transition for i in seen) == 15 and seen[-1] is TICK  # the row and its neighbours
    seen.clear()
    stepper.run()
    stepped = {i[:2] for i in seen if type(i) is Transition}
    # The blinker turned from a row (15, 14..16) into a column (14..16, 15):
    # four cells changed, and the next generation steps their neighbourhoods.
    changed = {(15, 14), (15, 16), (14, 15), (16, 15)}
    near = {((y + dy) % 30, (x + dx) % 30) for y, x in changed for dy in (-1, 0, 1) for dx in (-1, 0, 1)}
    assert stepped == near and len(stepped) == stepper.stepped_cells
    assert len(seen) == stepper.last_generation_instructions == 10 * len(stepped) + 1
    ref = reference(board, CONWAY)
    ref.run()
    ref.run()
    assert stepper.board == ref.board


def test_b0_rules_always_step_every_cell() -> None:
    b0 = Rule(frozenset({0, 3}), frozenset({2, 3}))
    board = Board(12, 12)
    board[3, 4] = True
    stepper, ref = Stepper(board.copy(), b0), reference(board, b0)
    for _ in range(3):
        stepper.run()
        ref.run()
        assert stepper.stepped_cells == 144 and stepper.board == ref.board


def test_simulate_active_steps_the_cells_it_is_given_then_ticks() -> None:
    calls = iter([None, [(1, 1)]])
    sim = simulate_active(2, 3, game_logic, active=lambda: next(calls))
    first = [next(sim)]
    while first[-1] is not TICK:
        first.append(sim.send(EMPTY if type(first[-1]) is Query else None))
    assert sum(type(i) is Transition for i in first) == 6  # None: every cell
    second = [sim.send(None)]
    while second[-1] is not TICK:
        second.append(sim.send(ALIVE if type(second[-1]) is Query else None))
    assert [i for i in second if type(i) is Transition] == [Transition(1, 1, EMPTY)]  # 8 live neighbours
    assert second[0] == Query(1, 1) and len(second) == 11


def test_watching_carries_the_activity_over() -> None:
    board = Board(30, 30)
    board.place(np.array([[1, 1, 1]]), 15, 14)  # a blinker
    stepper = Stepper(board, CONWAY)
    stepper.run()
    seen: list[object] = []
    stepper.watch(lambda item, reply: seen.append(item))
    stepper.run()
    # Only the blinker's neighbourhood, as without the observer.
    assert len(seen) == stepper.last_generation_instructions == 10 * stepper.stepped_cells + 1
    assert stepper.stepped_cells < 40
    watched = len(seen)
    stepper.watch(None)
    stepper.run()
    assert len(seen) == watched and stepper.board.population() == 3
    stepper.run(max_instructions=5)
    with pytest.raises(RuntimeError, match="between generations"):
        stepper.watch(None)


def test_every_cell_steps_every_cell_with_the_same_result() -> None:
    board = Board(24, 40)
    board.place(np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]]), 3, 3)
    every, active = Stepper(board.copy(), CONWAY, every_cell=True), Stepper(board.copy(), CONWAY)
    for _ in range(5):
        every.run()
        active.run()
        assert every.stepped_cells == 24 * 40 and every.last_generation_instructions == 24 * 40 * 10 + 1
        assert every.board == active.board and active.stepped_cells < 100


def test_next_stepped_cells_tells_before_the_generation_runs() -> None:
    board = Board(40, 40)
    board.place(np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]]), 10, 10)
    stepper = Stepper(board, CONWAY)
    for _ in range(4):
        told = stepper.next_stepped_cells()
        stepper.run()
        assert stepper.stepped_cells == told
    assert Stepper(Board(8, 8), Rule(frozenset({0}), frozenset())).next_stepped_cells() == 64  # B0: every cell


FAMILY_RULES = [
    "B3/S23", "B2-ek/S23", "B3/S2-i34q", "B2n3/S23-q", "345/2/4", "/2/3", "23/3/8", "LifeHistory", "B36/S23History",
]


@settings(max_examples=40, deadline=None)
@given(
    text=st.sampled_from(FAMILY_RULES),
    height=st.integers(1, 14),
    width=st.integers(1, 14),
    seed=st.integers(0, 2**32 - 1),
    generations=st.integers(1, 6),
)
def test_the_active_driver_equals_every_cell_for_every_family(text, height, width, seed, generations) -> None:
    # A cell in a dying or history state changes by itself: the active driver must still step it.
    from lifegame.rules import parse_rule

    rule = parse_rule(text)
    rng = np.random.default_rng(seed)
    cells = np.where(rng.random((height, width)) < 0.3, rng.integers(1, rule.states, (height, width)), 0)
    board = Board(height, width, cells.astype(np.uint8))
    every = Stepper(board.copy(), rule, census=rule.census, every_cell=True)
    active = Stepper(board.copy(), rule, census=rule.census)
    for _ in range(generations):
        every.run()
        active.run()
        assert active.board == every.board
