"""The protocol trace: what the coroutines just asked, as state the renderer can show.

:class:`TraceRecorder` is an ``observer(instruction, reply)`` for
:meth:`lifegame.environment.Stepper.watch`: while the trace is on, the
window's own stepper tells it of every instruction of the generations it
runs, which step only the cells near a change (every cell on a stepper's
first generation, and under a B0 rule).  It follows the protocol's own
shape: each ``step_cell`` first queries its own cell, then its eight
neighbours, then yields one ``Transition``; ``TICK`` ends the generation.
Replies and transitions are the protocol's int states (0 empty, 1 alive, 2 and
up a multi-state rule's others: dying, history ...), logged as they are:
``Query(3, 4) → 1``.  No pygame here.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..protocol import ALIVE, EMPTY, TICK, Query, State, Transition

__all__ = ["TraceRecorder"]


def _kind(reply: object, live_states: frozenset[State]) -> str:
    """How the trace panel colours a reply: "alive" (a live state: counted as a neighbour), "empty" (0),
    "other" (any other state: dying, history ...)."""
    return "alive" if reply in live_states else "empty" if reply == EMPTY else "other"


@dataclass
class TraceRecorder:
    """Protocol state for drawing: the cell being stepped, its answered queries, transitions."""

    log_size: int = 16
    cell: tuple[int, int] | None = None
    """The cell whose ``step_cell`` is running."""
    cell_state: State | None = None
    """The reply to that cell's own query."""
    answered: list[tuple[int, int, State]] = field(default_factory=list)
    """Neighbour queries answered so far for :attr:`cell`, in order: ``(y, x, reply)``."""
    transitions: dict[tuple[int, int], State] = field(default_factory=dict)
    """Transitions applied in the generation under way: the next board as it is built."""
    last_transition: tuple[int, int, State] | None = None
    live_states: frozenset[State] = frozenset({ALIVE})
    """The states that count as live neighbours (the rule's; LifeHistory's are 1, 3 and 5)."""
    log: deque = field(default_factory=lambda: deque(maxlen=16))
    instructions: int = 0
    ticks: int = 0
    _expect_self: bool = True

    def __call__(self, instruction: object, reply: object) -> None:
        self.instructions += 1
        if type(instruction) is Query:
            y, x = instruction
            if self._expect_self:
                # The first Query of a step_cell asks for the cell itself.
                self.cell, self.cell_state = (y, x), reply
                self.answered = []
                self.last_transition = None
                self._expect_self = False
                self.log.append((f"Query({y}, {x}) \u2192 {reply!r}   self", "self"))
            else:
                self.answered.append((y, x, reply))
                self.log.append((f"Query({y}, {x}) \u2192 {reply!r}", _kind(reply, self.live_states)))
        elif type(instruction) is Transition:
            y, x, state = instruction
            self.transitions[(y, x)] = state
            self.last_transition = (y, x, state)
            self._expect_self = True
            n = self.live_neighbours
            self.log.append((f"Transition({y}, {x}, {state!r})   n={n}", "transition"))
        elif instruction is TICK:
            self.log.append(("TICK \u2014 next generation", "tick"))
            self.ticks += 1
            self.new_generation()

    @property
    def live_neighbours(self) -> int:
        return sum(1 for *_, r in self.answered if r in self.live_states)

    def new_generation(self) -> None:
        self.transitions.clear()
        self.cell = None
        self.answered = []
        self.last_transition = None
        self._expect_self = True

    def reset(self) -> None:
        self.new_generation()
        self.log.clear()
        self.instructions = 0
