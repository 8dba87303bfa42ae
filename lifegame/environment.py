"""The environment of the coroutine protocol: the interpreter of Query, Transition and TICK.

Like a small kernel (curio's run loop), it does one thing: it takes each
instruction that ``simulate`` yields and carries it out against a board,

* ``Query(y, x)``         -> send back the state of the *current* board at ``(y, x)``,
                             wrapped around the torus;
* ``Transition(y, x, s)`` -> write ``s`` into the *next* board (double buffering);
* ``TICK``                -> the generation is complete: the next board becomes current;
* anything else           -> :class:`~lifegame.protocol.ProtocolError`.

:func:`live_a_generation` runs one whole generation.  :class:`Stepper` does the
same work in slices: :meth:`Stepper.run` stops after a budget of instructions
or at a deadline and continues later exactly where it stopped, so that the
pygame main loop can be the environment without freezing its window.
:func:`observe` wraps a ``simulate`` coroutine so that an observer (the
window's protocol trace) sees every instruction and reply on its way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any, NoReturn

import numpy as np

from .board import Board
from .protocol import (EMPTY, TICK, Census, GameLogic, ProtocolError, Query, State, Transition, count_neighbors,
                       game_logic, simulate_active)

__all__ = ["live_a_generation", "Stepper", "Observer", "observe", "run_generations"]

Simulation = Generator[Any, Any, None]
Observer = Callable[[object, object], None]
"""``observer(instruction, reply)``: called after each instruction is carried out."""

_CHUNK = 512  # instructions between two looks at the budget and the clock


def _rows_of(board: Board) -> list[list[State]]:
    """The board as rows of states (Python ints), each padded for wrap-around by indexing.

    Python lists of the protocol's own states answer a Query about 10x faster
    than indexing the numpy array one element at a time.  Each list has two
    extra entries, ``[... , first, last]``, so that index ``-1`` (Python's
    own "last") and index ``n`` (one past the end) both land on the cell the
    torus puts there: ``rows[y][x]`` is right for every ``y`` in ``-1 .. h``
    and ``x`` in ``-1 .. w`` without a modulo.  Indices in ``0 .. n - 1``
    are unaffected, so ``rows[y % h][x % w]`` stays right for any coordinate.
    """
    rows = board.cells.tolist()
    for row in rows:
        row.extend((row[0], row[-1]))
    rows.extend((rows[0], rows[-1]))  # the tuple is built before extend(): the real last row
    return rows


def _near(mask: np.ndarray) -> np.ndarray:
    """``mask`` grown by one cell in every direction, round the torus (the cells whose 3x3 neighbourhood it touches)."""
    rows = mask | np.roll(mask, 1, axis=0) | np.roll(mask, -1, axis=0)
    return rows | np.roll(rows, 1, axis=1) | np.roll(rows, -1, axis=1)


ACTIVE_FRACTION = 0.5
"""Above this fraction of active cells a generation simply steps every cell
(row by row, as :func:`simulate` does): listing them would cost more than it saves."""


class Stepper:
    """Drive a ``simulate`` coroutine over a board, a budget of instructions at a time.

    The stepper owns a *current* board (read by queries) and builds the *next*
    one from transitions.  ``run()`` returns ``True`` when it has seen ``TICK``;
    :attr:`board` is then the new generation and a fresh generation begins on
    the next call.  Between calls the coroutine is simply suspended, so a
    generation may be spread over any number of calls.

    ``sim`` defaults to :func:`~lifegame.protocol.simulate_active` with
    ``logic``: the stepper keeps the cells that changed in the last
    generation (and those edited since), and each generation steps only
    those and their neighbours -- on the first generation the live cells and
    their neighbours (an empty cell with no live neighbour stays empty), and
    every cell, always, for a rule with B0, where empty space itself changes.  Pass
    ``sim=simulate(height, width, logic)`` for the seed's driver, which steps
    every cell; the two give the same boards (``every_cell=True`` steps every
    cell with the stepper's own, leaner driving: the benchmarks' like-for-like
    comparison with the seed's code).  ``observer(instruction, reply)``
    watches the stepper's own simulation (through :func:`observe`).  One
    ``Stepper`` keeps driving the same (infinite) coroutine across
    generations, as in the book.
    """

    def __init__(
        self,
        board: Board,
        logic: GameLogic = game_logic,
        sim: Simulation | None = None,
        *,
        census: Census = count_neighbors,
        observer: Observer | None = None,
        every_cell: bool = False,
    ) -> None:
        self.board = board
        self.logic = logic
        self.census = census
        height, width = board.shape
        self._own_sim = sim is None  # then every Query is within one cell of the board
        # Activity pays off only where empty space stays empty (no B0).
        self._tracks_activity = self._own_sim and not every_cell and not _empty_space_changes(logic, census)
        if sim is None:
            sim = self._own_simulation(observer)
        elif observer is not None:
            raise ValueError("observer= watches the stepper's own simulation; wrap a given sim with observe()")
        self.sim = sim
        self.generation_instructions = 0
        """Instructions carried out so far in the generation under way."""
        self.last_generation_instructions: int = 0
        """Instructions of the last completed generation."""
        self.stepped_cells = height * width
        """Cells the generation under way (or the last one) steps."""
        self._pending: object = None  # the instruction yielded but not yet carried out
        self._rows: list[list[State]] | None = None
        self._next: list[list[State]] | None = None
        self._edits: dict[tuple[int, int], State] = {}  # made while a generation was under way
        # Cells changed since the last generation began (None: not known yet, start from the live ones).
        self._changed: np.ndarray | None = None

    def _own_simulation(self, observer: Observer | None) -> Simulation:
        height, width = self.board.shape
        sim = simulate_active(height, width, self.logic, active=self._active_cells, census=self.census)
        return sim if observer is None else observe(sim, observer)

    def watch(self, observer: Observer | None) -> None:
        """From the next generation on, tell ``observer`` of every instruction (``None``: stop).

        Only between generations and for the stepper's own simulation: the
        activity it keeps (which cells to step next) carries over, so a
        watched generation steps the same cells an unwatched one would.
        """
        if self.in_progress:
            raise RuntimeError("watch() between generations only (this one is under way)")
        if not self._own_sim:
            raise RuntimeError("watch() needs the stepper's own simulation; wrap a given sim with observe()")
        self.sim = self._own_simulation(observer)

    @property
    def in_progress(self) -> bool:
        """True while a generation has been started but not finished."""
        return self._rows is not None

    @property
    def pending(self) -> object:
        """The instruction that will be carried out next (``None`` before it is known)."""
        return self._pending

    def _to_step(self) -> np.ndarray | None:
        """The cells the next generation steps, as a mask (``None``: every cell)."""
        if not self._tracks_activity:
            return None
        # The first generation: without B0 an empty cell with no live
        # neighbour stays empty, so only the cells near live ones can change.
        changed = self._changed if self._changed is not None else self.board.cells != 0
        near = _near(changed)
        return None if np.count_nonzero(near) > ACTIVE_FRACTION * near.size else near

    def next_stepped_cells(self) -> int:
        """How many cells the next generation steps (the generation under way: :attr:`stepped_cells`)."""
        if self.in_progress:
            return self.stepped_cells
        mask = self._to_step()
        return self.board.height * self.board.width if mask is None else int(np.count_nonzero(mask))

    def _active_cells(self) -> list[tuple[int, int]] | None:
        """For :func:`simulate_active`: the cells this generation must step (``None``: all)."""
        height, width = self.board.shape
        mask = self._to_step()
        self._changed = np.zeros((height, width), dtype=bool)
        if mask is None:
            self.stepped_cells = height * width
            return None
        ys, xs = np.nonzero(mask)
        self.stepped_cells = int(ys.size)
        return list(zip(ys.tolist(), xs.tolist()))

    def _begin(self) -> None:
        board = self.board
        self._rows = _rows_of(board)
        self.generation_instructions = 0
        self._pending = next(self.sim)  # our own simulate_active asks _active_cells() here
        if self._own_sim and self.stepped_cells < board.height * board.width:
            # Cells not stepped keep their state: the next board starts as this one.
            self._next = [row[:-2] for row in self._rows[:-2]]
        else:
            self._next = [[EMPTY] * board.width for _ in range(board.height)]

    def _finish(self) -> None:
        assert self._next is not None
        cells = _cells_of(self._next)
        changed = cells != self.board.cells
        for (y, x), state in self._edits.items():
            cells[y, x] = state
            changed[y, x] = True
        self._edits.clear()
        if self._changed is not None:
            self._changed |= changed
        self.board = Board(self.board.height, self.board.width, cells)
        self.last_generation_instructions = self.generation_instructions
        self._rows = self._next = None
        self._pending = None

    def edit(self, y: int, x: int, alive: bool | State) -> None:
        """Change a cell from outside (a user's mouse), without losing it.

        The board shown (:attr:`board`) changes at once.  A generation under way
        keeps reading the board it started from (its neighbours must all see
        the same generation), and the edit is applied on top of the generation
        that comes back, so the user's cell is never overwritten by it.
        """
        self.board[y, x] = alive
        y, x = y % self.board.height, x % self.board.width
        if self._rows is not None:
            self._edits[(y, x)] = int(self.board.cells[y, x])
        elif self._changed is not None:
            self._changed[y, x] = True

    def run(self, max_instructions: int | None = None, deadline: float | None = None) -> bool:
        """Carry out instructions until ``TICK``, the budget, or the deadline.

        ``max_instructions`` bounds the number of instructions; ``deadline`` is
        a :func:`time.perf_counter` value checked every few hundred instructions
        (at least one chunk is always carried out, so each call makes progress).
        Returns ``True`` when a generation was completed by this call.

        This is the environment's one dispatch loop.  A whole generation of
        our own ``simulate`` with no budget takes a leaner copy of it
        (:meth:`_run_to_tick`: no counter, no clock, no modulo), measured 16%
        faster on the coroutine engine's boards; to watch every instruction,
        wrap the coroutine with :func:`observe` instead of adding a third.
        """
        if self._rows is None:
            self._begin()
        if max_instructions is None and deadline is None and self._own_sim:
            return self._run_to_tick()
        rows, nxt = self._rows, self._next
        assert rows is not None and nxt is not None
        height, width = self.board.height, self.board.width
        send = self.sim.send
        item = self._pending
        remaining = -1 if max_instructions is None else max_instructions
        clock = time.perf_counter
        # The hot loop: a chunk of instructions with no bookkeeping inside
        # (a for loop over a range is the cheapest counter Python has), then
        # the budget and the clock are checked between chunks.
        while remaining:
            chunk = _CHUNK if remaining < 0 or remaining > _CHUNK else remaining
            count = 0
            try:
                for count in range(chunk):
                    cls = type(item)
                    if cls is Query:
                        item = send(rows[item[0] % height][item[1] % width])
                    elif cls is Transition:
                        nxt[item[0] % height][item[1] % width] = item[2]
                        item = send(None)
                    elif item is TICK:
                        self.generation_instructions += count + 1
                        self._finish()
                        return True
                    else:
                        self.generation_instructions += count
                        self._unknown(item)
                else:
                    count = chunk
            except StopIteration:
                self._ended()
            self.generation_instructions += count
            if remaining > 0:
                remaining -= count
            if deadline is not None and clock() >= deadline:
                break
        self._pending = item
        return False

    def _run_to_tick(self) -> bool:
        """:meth:`run` for the rest of a generation of our own ``simulate``, as fast as Python goes."""
        rows, nxt = self._rows, self._next
        assert rows is not None and nxt is not None
        send = self.sim.send
        item = self._pending
        try:
            # Our own simulate() asks only for cells within one of the board
            # and transitions only cells on it, so padded rows need no modulo.
            while True:
                cls = type(item)
                if cls is Query:
                    item = send(rows[item[0]][item[1]])
                elif cls is Transition:
                    nxt[item[0]][item[1]] = item[2]
                    item = send(None)
                elif item is TICK:
                    break
                else:
                    self._unknown(item)
        except StopIteration:
            self._ended()
        # Not counted one by one: our simulate() yields ten instructions a
        # cell (its own Query, eight neighbours', a Transition) and one TICK.
        self.generation_instructions = 10 * self.stepped_cells + 1
        self._finish()
        return True

    def _unknown(self, item: object) -> NoReturn:
        self._pending = item
        raise ProtocolError(item, f"instruction {self.generation_instructions + 1} of the generation")

    def _ended(self) -> NoReturn:
        raise ProtocolError("end of simulation", "the simulate coroutine returned") from None


def _empty_space_changes(logic: GameLogic, census: Census) -> bool:
    """Whether ``logic`` brings an empty cell with only empty neighbours to another state (B0).

    Asked of the rule as the protocol asks it: the census is driven with
    ``EMPTY`` answers, and ``logic`` gets what the census returns.
    """
    gen = census(0, 0)
    try:
        gen.send(None)
        while True:
            gen.send(EMPTY)
    except StopIteration as done:
        return logic(EMPTY, done.value) != EMPTY


def _cells_of(rows: list[list[State]]) -> np.ndarray:
    """The next generation's states as a board's ``uint8`` cells; a state outside 0..255 is the rule's error."""
    try:
        cells = np.array(rows, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        cells = None
    if cells is None or (cells.size and (cells.min() < 0 or cells.max() > 255)):
        raise ProtocolError("a Transition state", "a state must be an int 0..255")
    return cells.astype(np.uint8)


def observe(sim: Simulation, observer: Observer) -> Simulation:
    """``sim``, with ``observer(instruction, reply)`` told of every instruction it yields.

    A wrapper between the coroutine and its environment, as curio's
    activations watch a task: each instruction is forwarded to the
    environment and each reply back to ``sim``, unchanged.  The observer
    hears of a ``Query`` or ``Transition`` once the environment has carried
    it out (with the reply; ``None`` for a transition), and of ``TICK`` as
    it is yielded (it has no reply: the environment ends the generation).
    """
    item = next(sim)
    while True:
        if item is TICK:
            observer(item, None)
            reply = yield item
        else:
            reply = yield item
            observer(item, reply)
        item = sim.send(reply)


def live_a_generation(board: Board, sim: Simulation) -> Board:
    """Run ``sim`` (a ``simulate`` coroutine) for one generation over ``board``.

    Returns the next board; ``board`` itself is not changed.  This is the
    seed's interpreter with its bugs fixed (the name spelt right, unknown
    instructions rejected).
    """
    stepper = Stepper(board, sim=sim)
    stepper.run()
    return stepper.board


def run_generations(
    board: Board, generations: int, logic: GameLogic = game_logic, census: Census = count_neighbors
) -> Board:
    """The board after ``generations`` generations of ``logic``, by the coroutine protocol."""
    stepper = Stepper(board, logic, census=census)
    for _ in range(generations):
        stepper.run()
    return stepper.board
