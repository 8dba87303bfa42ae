"""The coroutine protocol: fake-data tests in the style of Effective Python.

Each of the bugs in the seed's code (Effective Python, Items 40-41: the
doubled neighbour, ``y & height``, the missing ``Transition``, a ``TICK`` that
does not survive pickling, the misspelt interpreter, unknown instructions
taken for transitions) has a test here that fails on the seed's code.
"""

from __future__ import annotations

import pickle

import pytest

from lifegame.protocol import (
    ALIVE,
    EMPTY,
    TICK,
    Query,
    Transition,
    count_neighbors,
    game_logic,
    simulate,
    step_cell,
)


def drive(gen, replies):
    """Drive a coroutine, answering each yielded Query from ``replies``; return (seen, result)."""
    seen = []
    item = next(gen)
    try:
        while True:
            seen.append(item)
            item = gen.send(replies(item) if isinstance(item, Query) else None)
    except StopIteration as stop:
        return seen, stop.value


def test_count_neighbors_asks_the_eight_distinct_neighbours_in_order():
    seen, count = drive(count_neighbors(10, 5), lambda q: ALIVE)
    assert seen == [
        Query(11, 5), Query(11, 6), Query(10, 6), Query(9, 6),
        Query(9, 5), Query(9, 4), Query(10, 4), Query(11, 4),
    ]
    # Seed bug 1: (y + 1, x + 1) was asked twice and (y - 1, x + 1) never.
    assert len(set(seen)) == 8
    assert Query(9, 6) in seen
    assert count == 8


def test_count_neighbors_counts_only_alive_replies():
    # The book's own example: seven ALIVE replies then an EMPTY gives 7.
    replies = iter([ALIVE] * 7 + [EMPTY])
    _, count = drive(count_neighbors(10, 5), lambda q: next(replies))
    assert count == 7


@pytest.mark.parametrize("alive_at", range(8))
def test_each_neighbour_is_counted_exactly_once(alive_at):
    order = iter(range(8))
    _, count = drive(count_neighbors(0, 0), lambda q: ALIVE if next(order) == alive_at else EMPTY)
    assert count == 1


@pytest.mark.parametrize("neighbors", range(9))
def test_game_logic_truth_table(neighbors):
    assert game_logic(ALIVE, neighbors) == (ALIVE if neighbors in (2, 3) else EMPTY)
    assert game_logic(EMPTY, neighbors) == (ALIVE if neighbors == 3 else EMPTY)


def test_step_cell_queries_itself_then_neighbours_then_transitions():
    gen = step_cell(10, 5)
    assert next(gen) == Query(10, 5)
    assert gen.send(ALIVE) == Query(11, 5)
    for _ in range(7):
        item = gen.send(EMPTY)
    assert item == Query(11, 4)
    # Seed bug 3: Transition was never defined.
    assert gen.send(EMPTY) == Transition(10, 5, EMPTY)
    assert isinstance(Transition(0, 0, ALIVE), tuple) and Transition._fields == ("y", "x", "state")


def test_step_cell_uses_the_logic_it_is_given():
    def always_alive(state, neighbors):
        return ALIVE

    seen, _ = drive(step_cell(0, 0, always_alive), lambda q: EMPTY)
    assert seen[-1] == Transition(0, 0, ALIVE)


def test_simulate_steps_every_cell_row_by_row_then_ticks():
    sim = simulate(2, 3)
    transitions = []
    item = next(sim)
    while item is not TICK:
        if type(item) is Transition:
            transitions.append((item.y, item.x))
            item = sim.send(None)
        else:
            item = sim.send(EMPTY)
    assert transitions == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    # ... and runs forever: the next generation starts again at (0, 0).
    assert next(sim) == Query(0, 0)


def test_simulate_over_a_band_of_rows():
    sim = simulate(10, 2, rows=range(4, 6))
    cells = []
    item = next(sim)
    while item is not TICK:
        if type(item) is Transition:
            cells.append((item.y, item.x))
        item = sim.send(EMPTY if type(item) is Query else None)
    assert cells == [(4, 0), (4, 1), (5, 0), (5, 1)]


def test_tick_survives_pickling():
    # Seed bug 4: TICK = object() is a different object after a round trip
    # through a worker process.
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(TICK, protocol)) is TICK
    assert repr(TICK) == "TICK"


def test_queries_and_transitions_pickle_as_values():
    q, t = Query(1, 2), Transition(3, 4, ALIVE)
    assert pickle.loads(pickle.dumps(q)) == q and type(pickle.loads(pickle.dumps(q))) is Query
    assert pickle.loads(pickle.dumps(t)) == t
