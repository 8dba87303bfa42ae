"""The coroutine protocol of Effective Python, Item 40, with the seed's bugs fixed.

A rule is written as generator coroutines that talk to an *environment*:

``Query(y, x)``
    rule -> environment: "what is the state of cell (y, x)?"  The environment
    replies with ``ALIVE`` or ``EMPTY`` through ``send()``.  Coordinates may lie
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
from typing import NamedTuple, TypeAlias

__all__ = [
    "ALIVE",
    "EMPTY",
    "Query",
    "Transition",
    "TICK",
    "Instruction",
    "GameLogic",
    "ProtocolError",
    "count_neighbors",
    "step_cell",
    "simulate",
    "simulate_active",
    "game_logic",
]

ALIVE = "*"
EMPTY = "-"


class Query(NamedTuple):
    """Ask the environment for the state of cell ``(y, x)`` (wrapped by the environment)."""

    y: int
    x: int


class Transition(NamedTuple):
    """Tell the environment that cell ``(y, x)`` has ``state`` in the next generation."""

    y: int
    x: int
    state: str


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
GameLogic: TypeAlias = Callable[[str, int], str]


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


def count_neighbors(y: int, x: int) -> Generator[Query, str, int]:
    """Query the eight Moore neighbours of ``(y, x)`` and return how many are alive.

    The queries come in a fixed order (n, ne, e, se, s, sw, w, nw, with "north"
    meaning ``y + 1`` as in the book), one for each of the eight distinct
    neighbours.  Each must be answered with ``ALIVE`` or ``EMPTY``.
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


def game_logic(state: str, neighbors: int) -> str:
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
    y: int, x: int, logic: GameLogic = game_logic
) -> Generator[Query | Transition, str | None, None]:
    """Query cell ``(y, x)`` and its neighbours, then yield its ``Transition``.

    ``logic(state, neighbors)`` decides the next state: the seed's
    :func:`game_logic`, a :class:`lifegame.rules.Rule`, or any function.
    """
    state = yield _new(Query, (y, x))
    neighbors = yield from count_neighbors(y, x)
    next_state = logic(state, neighbors)
    yield _new(Transition, (y, x, next_state))


def simulate(
    height: int,
    width: int,
    logic: GameLogic = game_logic,
    *,
    rows: Iterable[int] | None = None,
) -> Generator[Query | Transition | _Tick, str | None, None]:
    """Step every cell of a ``height`` x ``width`` board, yield ``TICK``, forever.

    ``rows`` limits each generation to those rows (a band, for a worker
    process that is the environment of part of the board); by default every
    row ``0 .. height - 1`` is stepped, row by row, left to right.
    """
    band = range(height) if rows is None else tuple(rows)
    columns = range(width)
    while True:
        for y in band:
            for x in columns:
                yield from step_cell(y, x, logic)
        yield TICK


def simulate_active(
    height: int,
    width: int,
    logic: GameLogic = game_logic,
    *,
    active: Callable[[], Iterable[tuple[int, int]] | None],
) -> Generator[Query | Transition | _Tick, str | None, None]:
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
            yield from step_cell(y, x, logic)
        yield TICK
