"""Life-like rules: outer totalistic, two states, ``B3/S23`` and friends."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ..protocol import ALIVE, EMPTY, State, count_neighbors
from .base import CENTRE, RuleBase, RuleError

__all__ = ["CONWAY", "Rule"]


@dataclass(frozen=True)
class Rule(RuleBase):
    """A Life-like (outer totalistic, Moore neighbourhood) rule.

    ``birth`` holds the neighbour counts that bring an empty cell to life,
    ``survive`` those that keep a live cell alive; both are subsets of 0..8.
    Its census is the seed's :func:`~lifegame.protocol.count_neighbors`.
    """

    birth: frozenset[int]
    survive: frozenset[int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "birth", frozenset(self.birth))
        object.__setattr__(self, "survive", frozenset(self.survive))
        for name in ("birth", "survive"):
            bad = sorted(n for n in getattr(self, name) if not (isinstance(n, int) and 0 <= n <= 8))
            if bad:
                raise RuleError(f"{name} counts must be 0..8, got {bad}")

    family = "Life-like"
    states = 2
    census = staticmethod(count_neighbors)

    # -- the game_logic protocol -------------------------------------------
    def __call__(self, state: State, neighbors: int) -> State:
        """``game_logic(state, neighbors)`` for this rule."""
        if state == ALIVE:
            return ALIVE if neighbors in self.survive else EMPTY
        return ALIVE if neighbors in self.birth else EMPTY

    # -- for the vectorised engines ----------------------------------------
    @property
    def base(self) -> Rule:
        return self

    @property
    def totalistic(self) -> bool:
        return True

    def table(self) -> list[list[int]]:
        """``table[state][neighbors]`` -> next state, with 0/1 states."""
        return [
            [int(n in self.birth) for n in range(9)],
            [int(n in self.survive) for n in range(9)],
        ]

    def neighborhood_table(self) -> np.ndarray:
        return _table(self.birth, self.survive)

    # -- text ----------------------------------------------------------------
    def __str__(self) -> str:
        return "B{}/S{}".format(
            "".join(map(str, sorted(self.birth))), "".join(map(str, sorted(self.survive)))
        )

    def __repr__(self) -> str:
        return f"Rule({str(self)!r})"


@cache
def _table(birth: frozenset[int], survive: frozenset[int]) -> np.ndarray:
    table = np.zeros(512, np.uint8)
    for index in range(512):
        count = (index & ~CENTRE).bit_count()
        table[index] = count in (survive if index & CENTRE else birth)
    table.setflags(write=False)
    return table


CONWAY = Rule(frozenset({3}), frozenset({2, 3}))
