"""Multi-state families built on a two-state rule: Generations and History.

* :class:`GenerationsRule`: a live cell (state 1) that does not survive starts
  to die, going through states 2, 3, ... ``states - 1`` and then 0; dying
  cells are not live neighbours and cannot be born into.
* :class:`HistoryRule` (Golly's ``LifeHistory``, ``<rule>History``): seven
  states over a two-state rule, odd states live.  0 off, 1 on, 2 history (was
  on), 3 marked on, 4 marked off, 5 start on, 6 boundary: a cell next to a
  state-6 cell cannot stay on (1 -> 2, 3 and 5 -> 4), and 6 never turns on.
  As Golly's ``superalgo.cpp``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..protocol import State, neighbor_states
from .base import RuleBase, RuleError, index_of_states
from .hensel import IsotropicRule, format_part
from .lifelike import CONWAY, Rule

__all__ = ["MAX_STATES", "GenerationsRule", "HistoryRule"]

MAX_STATES = 256
"""The most states a Generations rule may have (Golly's limit)."""

TwoState = Rule | IsotropicRule


class _OnTwoState(RuleBase):
    """A multi-state family over a two-state rule, ``base_rule`` (a dataclass field of the subclass)."""

    base_rule: TwoState

    @property
    def base(self) -> TwoState:
        return self.base_rule

    @property
    def totalistic(self) -> bool:
        return self.base_rule.totalistic

    def neighborhood_table(self) -> np.ndarray:
        return self.base_rule.neighborhood_table()


@dataclass(frozen=True)
class GenerationsRule(_OnTwoState):
    """``base`` on live cells, with ``states - 2`` dying states (2 .. 256 states in all)."""

    base_rule: TwoState
    n_states: int

    def __post_init__(self) -> None:
        if not isinstance(self.base_rule, (Rule, IsotropicRule)):
            raise RuleError("a Generations rule is built on a two-state rule")
        if not (isinstance(self.n_states, int) and 2 <= self.n_states <= MAX_STATES):
            raise RuleError(f"a Generations rule has 2..{MAX_STATES} states, not {self.n_states!r}")
        if self.base_rule.has_b0:
            raise RuleError(f"rule {str(self)!r}: Generations rules with B0 are not supported (as in Golly)")

    family = "Generations"

    @property
    def states(self) -> int:
        return self.n_states

    @property
    def census(self):  # the base's: dying neighbours are not ALIVE, so neither counts them
        return self.base_rule.census

    def __call__(self, state: State, neighbors: Any) -> State:
        if state == 0:
            return self.base_rule(0, neighbors)
        if state == 1:
            return 1 if self.base_rule(1, neighbors) else (2 if self.n_states > 2 else 0)
        return state + 1 if state + 1 < self.n_states else 0


    def state_table(self) -> np.ndarray:
        n = self.n_states
        table = np.zeros((n, 2, 2), np.uint8)
        table[0, 1, :] = 1
        table[1, 1, :] = 1
        table[1, 0, :] = 2 if n > 2 else 0
        for k in range(2, n):
            table[k, :, :] = (k + 1) % n
        return table

    def __str__(self) -> str:
        # Golly's canonical form: survival/birth/states, letters as in the base rule.
        base = self.base_rule
        if isinstance(base, Rule):
            s, b = "".join(map(str, sorted(base.survive))), "".join(map(str, sorted(base.birth)))
        else:
            s, b = format_part(base.survive), format_part(base.birth)
        return f"{s}/{b}/{self.n_states}"

    def __repr__(self) -> str:
        return f"GenerationsRule({str(self)!r})"


HISTORY_STATES = 7
BOUNDARY = 6


def _history_table() -> np.ndarray:
    table = np.zeros((HISTORY_STATES, 2, 2), np.uint8)
    for c in range(HISTORY_STATES):
        for live in (0, 1):
            for touches in (0, 1):
                if touches and c in (1, 3, 5):
                    result = 2 if c == 1 else 4
                elif live:
                    result = c if c & 1 else {4: 3, 6: 6}.get(c, 1)
                else:
                    result = (4 if c == 5 else c + 1) if c & 1 else c
                table[c, live, touches] = result
    table.setflags(write=False)
    return table


_HISTORY_TABLE = _history_table()
_HISTORY_LIVE = frozenset({1, 3, 5})


@dataclass(frozen=True)
class HistoryRule(_OnTwoState):
    """Golly's ``<rule>History``: ``base`` on the odd (live) states, with history, marks and a boundary."""

    base_rule: TwoState

    def __post_init__(self) -> None:
        if not isinstance(self.base_rule, (Rule, IsotropicRule)):
            raise RuleError("a History rule is built on a two-state rule")
        if self.base_rule.has_b0:
            raise RuleError(f"rule {str(self)!r}: History rules with B0 are not supported "
                            "(Golly runs them only with S8, by inverting the rule)")

    family = "History"
    states = HISTORY_STATES
    census = staticmethod(neighbor_states)  # a boundary neighbour matters, not only the count

    def __call__(self, state: State, neighbors: Any) -> State:
        index = index_of_states(state, neighbors, _HISTORY_LIVE)
        live = int(self.base_rule.neighborhood_table()[index])
        return int(_HISTORY_TABLE[state, live, int(BOUNDARY in neighbors)])

    @property
    def live_states(self) -> frozenset[State]:
        return _HISTORY_LIVE

    @property
    def boundary_state(self) -> State:
        return BOUNDARY

    def state_table(self) -> np.ndarray:
        return _HISTORY_TABLE

    def __str__(self) -> str:
        return "LifeHistory" if self.base_rule == CONWAY else f"{self.base_rule}History"

    def __repr__(self) -> str:
        return f"HistoryRule({str(self)!r})"


