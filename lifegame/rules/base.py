"""The contract every rule keeps, whatever its family.

A rule is two things at once:

* the protocol's ``game_logic``: ``rule(state, neighbors)`` gives a cell's next
  state, where ``neighbors`` is what ``rule.census`` (a coroutine function of
  :mod:`lifegame.protocol`) returned -- a count of ``ALIVE`` neighbours for
  totalistic rules, the eight neighbours' states for the others;
* a description the vectorised engines compile: every family here is a
  *two-state rule on live bits* plus a *state machine*:

  - :meth:`RuleBase.live_states`: which states count as live neighbours
    (``{1}``; LifeHistory's odd states ``{1, 3, 5}``);
  - :meth:`RuleBase.neighborhood_table`: the two-state rule, 512 entries, one
    for each 3x3 arrangement of live bits -- whether the centre is live next;
  - :meth:`RuleBase.state_table`: ``table[state, live_next, touches_boundary]``,
    the next state of a cell in ``state`` when the two-state rule says
    ``live_next`` and (LifeHistory only) a neighbour is in
    :attr:`RuleBase.boundary_state`.

Configuration index of a 3x3 neighbourhood (Golly's ``rule3x3`` layout)::

    nw n ne        bit 8 7 6
    w  c  e   ->       5 4 3
    sw s  se           2 1 0

with "n" the row above.  The protocol's "north" is ``y + 1`` (the row below
on the screen); every rule family here is invariant under reflection, so the
two conventions give the same tables.
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np

from ..protocol import Census, State

__all__ = ["CENTRE", "QUERY_BITS", "RuleBase", "RuleError", "index_of_states"]


class RuleError(ValueError):
    """A rule string that this project cannot run; the message says why."""


CENTRE = 0x10
"""The centre cell's bit in a configuration index."""

QUERY_BITS = (7, 6, 3, 0, 1, 2, 5, 8)
"""The configuration bit of each neighbour in the protocol's query order (n, ne, e, se, s, sw, w, nw)."""


def index_of_states(state: State, neighbors: tuple[State, ...], live: frozenset[State]) -> int:
    """The configuration index of a cell in ``state`` with ``neighbors`` (query order), ``live`` states set."""
    index = CENTRE if state in live else 0
    for bit, neighbor in zip(QUERY_BITS, neighbors):
        if neighbor in live:
            index |= 1 << bit
    return index


class RuleBase(abc.ABC):
    """What the protocol, the engines, the files and the window ask of any rule.

    Rules are immutable frozen dataclasses, hashable (equal rules are the same
    rule however they were written) and picklable.  ``str(rule)`` is the canonical text, as
    Golly prints it, which :func:`lifegame.rules.parse_rule` reads back.
    """

    # -- identity --------------------------------------------------------------
    @property
    @abc.abstractmethod
    def family(self) -> str:
        """The family's name for people: ``"Life-like"``, ``"isotropic non-totalistic"``, ``"Generations"``, ``"History"``."""

    @property
    @abc.abstractmethod
    def states(self) -> int:
        """The number of cell states, 2 .. 256; the states are ``0 .. states - 1``."""

    # -- the protocol ------------------------------------------------------------
    @property
    @abc.abstractmethod
    def census(self) -> Census:
        """The coroutine function that gathers what :meth:`__call__` needs of the neighbours."""

    @abc.abstractmethod
    def __call__(self, state: State, neighbors: Any) -> State:
        """``game_logic(state, neighbors)``: the next state (``neighbors`` from :attr:`census`)."""

    # -- for the vectorised engines ------------------------------------------------
    @property
    @abc.abstractmethod
    def base(self) -> RuleBase:
        """The two-state rule on live bits (the rule itself for a two-state rule)."""

    @property
    def totalistic(self) -> bool:
        """Whether the two-state rule depends only on the number of live neighbours (engines may count)."""
        return False

    @property
    def live_states(self) -> frozenset[State]:
        """The states that count as live neighbours."""
        return frozenset({1})

    @property
    def boundary_state(self) -> State | None:
        """A state that acts on its neighbours (LifeHistory's 6), or ``None``."""
        return None

    @abc.abstractmethod
    def neighborhood_table(self) -> np.ndarray:
        """512 ``uint8`` 0/1: whether the centre of each 3x3 arrangement of live bits is live next (read-only)."""

    def state_table(self) -> np.ndarray:
        """``uint8[states, 2, 2]``: next state from (state, two-state rule says live, a neighbour is the boundary).

        Two-state rules: the live bit itself.  Subclasses with more states override this.
        """
        table = np.zeros((self.states, 2, 2), np.uint8)
        table[:, 1, :] = 1
        return table

    def live_mask(self) -> np.ndarray:
        """``bool[256]``: which state values count as live (index a board's cells with it)."""
        mask = np.zeros(256, bool)
        mask[list(self.live_states)] = True
        return mask

    @property
    def has_b0(self) -> bool:
        """True when an empty cell with no live neighbour is born (B0): empty space itself changes."""
        return bool(self.base.neighborhood_table()[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"
