"""The seed's own code (Effective Python, Item 40), kept as a benchmark baseline.

This is the book's ``Grid`` and ``live_a_generation`` loop with only the bugs
fixed that stop it from running correctly (the ``&`` in ``query``, the
misspelt name, the missing ``Transition``, the doubled neighbour).  Its
coroutines are the seed's too, so the benchmark compares the seed as a whole
with this project's protocol and environment.  Not used by the program itself.
"""

from __future__ import annotations

from collections import namedtuple

ALIVE = "*"
EMPTY = "-"
Query = namedtuple("Query", ("y", "x"))
Transition = namedtuple("Transition", ("y", "x", "state"))
TICK = object()


def count_neighbors(y, x):
    n_ = yield Query(y + 1, x + 0)
    ne = yield Query(y + 1, x + 1)
    e_ = yield Query(y + 0, x + 1)
    se = yield Query(y - 1, x + 1)
    s_ = yield Query(y - 1, x + 0)
    sw = yield Query(y - 1, x - 1)
    w_ = yield Query(y + 0, x - 1)
    nw = yield Query(y + 1, x - 1)
    neighbor_states = [n_, ne, e_, se, s_, sw, w_, nw]
    count = 0
    for state in neighbor_states:
        if state == ALIVE:
            count += 1
    return count


def game_logic(state, neighbors):
    if state == ALIVE:
        if neighbors < 2:
            return EMPTY
        elif neighbors > 3:
            return EMPTY
    else:
        if neighbors == 3:
            return ALIVE
    return state


def step_cell(y, x):
    state = yield Query(y, x)
    neighbors = yield from count_neighbors(y, x)
    next_state = game_logic(state, neighbors)
    yield Transition(y, x, next_state)


def simulate(height, width):
    while True:
        for y in range(height):
            for x in range(width):
                yield from step_cell(y, x)
        yield TICK


class Grid(object):
    def __init__(self, height, width):
        self.height = height
        self.width = width
        self.rows = []
        for _ in range(self.height):
            self.rows.append([EMPTY] * self.width)

    def query(self, y, x):
        return self.rows[y % self.height][x % self.width]

    def assign(self, y, x, state):
        self.rows[y % self.height][x % self.width] = state


def live_a_generation(grid, sim, Query=Query, TICK=TICK):  # noqa: N803
    # The two keyword arguments (not in the book) let the benchmark drive this
    # very loop over lifegame's own coroutines, whose Query and TICK differ.
    progeny = Grid(grid.height, grid.width)
    item = next(sim)
    while item is not TICK:
        if isinstance(item, Query):
            state = grid.query(item.y, item.x)
            item = sim.send(state)
        else:  # Must be a Transition
            progeny.assign(item.y, item.x, item.state)
            item = next(sim)
    return progeny
