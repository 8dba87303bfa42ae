"""The coroutine protocol of Effective Python, Item 40, with the seed's bugs fixed.

A rule is written as generator coroutines that talk to an *environment*:

``Query(y, x)``
    rule -> environment: "what is the state of cell (y, x)?"  The environment
    replies with the cell's state through ``send()``: ``EMPTY`` (0) or
    ``ALIVE`` (1) on a two-state board; a multi-state rule's other states
    (Generations' dying cells, LifeHistory's marks) are the ints 2, 3, ...  Coordinates may lie
    outside the board; the environment wraps them (the board is a torus).
``Transition(y, x, state)``
    rule -> environment: "cell (y, x) has ``state`` in the next generation".
    The environment replies with nothing (``next()`` / ``send(None)``).
``TICK``
    rule -> environment: "every cell of this generation has transitioned".

Nothing here knows how the board is stored, how it is drawn or where it runs:
the same coroutines are driven by :mod:`lifegame.environment`, by the pygame
main loop and by worker processes.  This module does no I/O and imports
nothing outside the standard library.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Iterable
from typing import Any, NamedTuple, TypeAlias

__all__ = [
    "ALIVE",
    "EMPTY",
    "Query",
    "Transition",
    "TICK",
    "Instruction",
    "GameLogic",
    "ProtocolError",
    "State",
    "Census",
    "count_neighbors",
    "neighbor_states",
    "step_cell",
    "simulate",
    "simulate_active",
    "game_logic",
]

State: TypeAlias = int
"""A cell's state: ``EMPTY`` (0), ``ALIVE`` (1), or another state of a multi-state rule (2 .. 255)."""

EMPTY: State = 0
ALIVE: State = 1
# The book's states were the strings "-" and "*"; they are the ints 0 and 1
# here so that a rule with more states (Generations, LifeHistory) needs no
# second kind of answer, and so that a board's uint8 cells answer a Query
# as they are.  Board.to_text still draws them as "-" and "*".


class Query(NamedTuple):
    """Ask the environment for the state of cell ``(y, x)`` (wrapped by the environment)."""

    y: int
    x: int


class Transition(NamedTuple):
    """Tell the environment that cell ``(y, x)`` has ``state`` in the next generation."""

    y: int
    x: int
    state: State


class _Tick(enum.Enum):
    # An Enum member pickles by name, so ``item is TICK`` still holds after the
    # sentinel has travelled to a worker process and back (seed bug 4: a bare
    # ``object()`` becomes a different object when unpickled).
    TICK = "TICK"

    def __repr__(self) -> str:
        return "TICK"


TICK = _Tick.TICK
"""End of a generation: every cell of the current generation has transitioned."""

Instruction: TypeAlias = "Query | Transition | _Tick"
GameLogic: TypeAlias = Callable[[State, Any], State]
"""``logic(state, neighbors) -> next state``; ``neighbors`` is what the census returned."""
Census: TypeAlias = Callable[[int, int], Generator[Query, State, Any]]
"""A coroutine function ``census(y, x)`` that queries the neighbours of ``(y, x)`` and
returns what ``game_logic`` needs of them: :func:`count_neighbors` (how many are
``ALIVE``) for totalistic rules, :func:`neighbor_states` (all eight) for others."""


class ProtocolError(RuntimeError):
    """The rule yielded something the environment does not understand.

    ``instruction`` is the offending object, so a caller can show or log it.
    """

    def __init__(self, instruction: object, where: str = "") -> None:
        self.instruction = instruction
        detail = f" ({where})" if where else ""
        super().__init__(
            f"unknown instruction {instruction!r}{detail}: "
            "expected Query, Transition or TICK"
        )


# ``Query(y, x)`` runs namedtuple's Python-level ``__new__``; calling
# ``tuple.__new__`` directly builds the very same object in half the time, and
# the coroutines below create ten of them for every cell of every generation.
_new = tuple.__new__


def count_neighbors(y: int, x: int) -> Generator[Query, State, int]:
    """Query the eight Moore neighbours of ``(y, x)`` and return how many are alive.

    The queries come in a fixed order (n, ne, e, se, s, sw, w, nw, with "north"
    meaning ``y + 1`` as in the book), one for each of the eight distinct
    neighbours.  Each is answered with the neighbour's state; only ``ALIVE``
    counts (a Generations rule's dying cells are not neighbours).
    """
    north, south, east, west = y + 1, y - 1, x + 1, x - 1
    n_ = yield _new(Query, (north, x))
    ne = yield _new(Query, (north, east))
    e_ = yield _new(Query, (y, east))
    se = yield _new(Query, (south, east))  # seed bug 1: the book asks (y + 1, x + 1) twice
    s_ = yield _new(Query, (south, x))
    sw = yield _new(Query, (south, west))
    w_ = yield _new(Query, (y, west))
    nw = yield _new(Query, (north, west))
    # tuple.count compares with == too ("anything but ALIVE is not alive"),
    # in one C loop instead of fifteen bytecode operations.
    return (n_, ne, e_, se, s_, sw, w_, nw).count(ALIVE)


def neighbor_states(y: int, x: int) -> Generator[Query, State, tuple[State, ...]]:
    """Query the eight neighbours of ``(y, x)``, as :func:`count_neighbors` does, and return their states.

    The census of rules that look at more than a count: isotropic
    non-totalistic (Hensel) rules, which tell apart the arrangements of the
    live neighbours, and LifeHistory, whose boundary state acts on its
    neighbours.  The tuple is in the query order (n, ne, e, se, s, sw, w, nw).
    """
    north, south, east, west = y + 1, y - 1, x + 1, x - 1
    n_ = yield _new(Query, (north, x))
    ne = yield _new(Query, (north, east))
    e_ = yield _new(Query, (y, east))
    se = yield _new(Query, (south, east))
    s_ = yield _new(Query, (south, x))
    sw = yield _new(Query, (south, west))
    w_ = yield _new(Query, (y, west))
    nw = yield _new(Query, (north, west))
    return (n_, ne, e_, se, s_, sw, w_, nw)


def game_logic(state: State, neighbors: int) -> State:
    """Conway's rule B3/S23: the state of a cell in the next generation."""
    if state == ALIVE:
        if neighbors < 2:
            return EMPTY  # dies of loneliness
        if neighbors > 3:
            return EMPTY  # dies of overcrowding
    elif neighbors == 3:
        return ALIVE  # born
    return state


def step_cell(
    y: int, x: int, logic: GameLogic = game_logic, census: Census = count_neighbors
) -> Generator[Query | Transition, State | None, None]:
    """Query cell ``(y, x)`` and its neighbours, then yield its ``Transition``.

    ``logic(state, neighbors)`` decides the next state: the seed's
    :func:`game_logic`, a rule from :mod:`lifegame.rules`, or any function;
    ``neighbors`` is what ``census`` returns (a rule's own ``census``: a count
    for totalistic rules, the eight states for the others).
    """
    state = yield _new(Query, (y, x))
    neighbors = yield from census(y, x)
    next_state = logic(state, neighbors)
    yield _new(Transition, (y, x, next_state))


def simulate(
    height: int,
    width: int,
    logic: GameLogic = game_logic,
    *,
    rows: Iterable[int] | None = None,
    census: Census = count_neighbors,
) -> Generator[Query | Transition | _Tick, State | None, None]:
    """Step every cell of a ``height`` x ``width`` board, yield ``TICK``, forever.

    ``rows`` limits each generation to those rows (a band, for a worker
    process that is the environment of part of the board); by default every
    row ``0 .. height - 1`` is stepped, row by row, left to right.
    ``census`` is the rule's (see :func:`step_cell`).
    """
    band = range(height) if rows is None else tuple(rows)
    columns = range(width)
    while True:
        for y in band:
            for x in columns:
                yield from step_cell(y, x, logic, census)
        yield TICK


def simulate_active(
    height: int,
    width: int,
    logic: GameLogic = game_logic,
    *,
    active: Callable[[], Iterable[tuple[int, int]] | None],
    census: Census = count_neighbors,
) -> Generator[Query | Transition | _Tick, State | None, None]:
    """:func:`simulate`, stepping each generation only the cells that can change.

    At the start of every generation ``active()`` (the environment's) names
    the cells to step -- under any rule, a cell whose 3x3 neighbourhood did
    not change in the last generation gets the same answers as last time, so
    it cannot change now -- or returns ``None`` for every cell (when most
    cells are active, or under a rule with B0).  Each cell named is stepped
    by :func:`step_cell`, with all its queries and its ``Transition``,
    exactly as :func:`simulate` steps it; the environment keeps every cell
    not named as it is.  Then ``TICK``, forever.
    """
    everything = [(y, x) for y in range(height) for x in range(width)]
    while True:
        cells = active()
        for y, x in everything if cells is None else cells:
            yield from step_cell(y, x, logic, census)
        yield TICK
