"""Isotropic non-totalistic rules in Hensel notation (``B2n3/S23-q``), as Golly reads and prints them.

After a neighbour count, letters pick which arrangements of that many live
neighbours count: ``B2n3/S23-q`` is birth on 3, or on 2 in the "n"
arrangement; survival on 2, or on 3 except in the "q" arrangement.  The 256
arrangements of eight neighbours fall into 51 classes under rotation and
reflection; a letter names a class.  The letters of each count, and one
arrangement of each class, are Golly's (``gollybase/liferules.cpp``): for
5..7 neighbours a letter names the complement of the 3..1-neighbour class.

A rule is then a set of arrangements for birth and one for survival: an
:class:`IsotropicRule` stores them as 9-bit configuration indices (see
:mod:`.base`; the centre bit clear), so two spellings of one rule are equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ..protocol import State, neighbor_states
from .base import CENTRE, QUERY_BITS, RuleBase, RuleError
from .lifelike import Rule

__all__ = ["LETTERS", "IsotropicRule", "arrangements", "format_part", "letters_for", "parse_part", "two_state"]

LETTERS = "ceaiknjqrytwz"
"""Every letter, in Golly's internal order (the order of :data:`_EXAMPLES`)."""

# One arrangement of each class, for 1..4 neighbours, in the order of LETTERS (Golly's rule_neighborhoods).
_EXAMPLES = {
    1: (1, 2),
    2: (5, 10, 3, 40, 33, 68),
    3: (69, 42, 11, 7, 98, 13, 14, 70, 41, 97),
    4: (325, 170, 15, 45, 99, 71, 106, 102, 43, 101, 105, 78, 108),
}
_NEIGHBOURS = 0x1EF  # every bit but the centre


def _flip(x: int) -> int:
    return ((x & 0x07) << 6) | ((x & 0x1C0) >> 6) | (x & 0x38)


def _rotate(x: int) -> int:
    return (((x & 0x4) << 6) | ((x & 0x20) << 2) | ((x & 0x100) >> 2) | ((x & 0x2) << 4) | (x & 0x10)
            | ((x & 0x80) >> 4) | ((x & 0x1) << 2) | ((x & 0x8) >> 2) | ((x & 0x40) >> 6))


def _symmetries(x: int) -> frozenset[int]:
    out = set()
    for y in (x, _flip(x)):
        for _ in range(4):
            out.add(y)
            y = _rotate(y)
    return frozenset(out)


@cache
def letters_for(count: int) -> str:
    """The letters valid after ``count`` (none for 0 and 8), in canonical (alphabetical) order."""
    if count in (0, 8):
        return ""
    n = count if count <= 4 else 8 - count
    return "".join(sorted(LETTERS[: len(_EXAMPLES[n])]))


@cache
def arrangements(count: int, letter: str | None = None) -> frozenset[int]:
    """The configurations (centre clear) of ``count`` live neighbours in class ``letter`` (``None``: all)."""
    if not 0 <= count <= 8:
        raise ValueError(f"count must be 0..8, got {count}")
    if letter is None:
        return frozenset(c for c in range(512) if not c & CENTRE and (c).bit_count() == count)
    if letter not in letters_for(count):
        raise ValueError(f"letter {letter!r} is not valid after {count}")
    n = count if count <= 4 else 8 - count
    example = _EXAMPLES[n][LETTERS.index(letter)]
    if count > 4:
        example ^= _NEIGHBOURS
    return _symmetries(example)


def parse_part(text: str, what: str, original: str) -> frozenset[int]:
    """The configurations named by one part (``"2n3"``, ``"23-q"``) of a rule in Hensel notation.

    As Golly: a digit alone is every arrangement of that count; a digit and
    letters only those; a digit, ``-`` and letters every arrangement but those
    (a ``-`` with no letters removes none: Golly reads ``B2-3/S`` as ``B23/S``).
    A letter not defined after its count (``1a``, ``5z``, any after 0 or 8) is
    refused, as Golly does; so are a count given twice and a repeated letter,
    which Golly would merge silently.  ``what`` ("birth" or "survival") and
    ``original`` (the whole rule) are for the error message.
    """
    configs: set[int] = set()
    seen: set[int] = set()
    for m in re.finditer(r"([0-8])(-?)([a-z]*)|(.)", text):
        if m[4] is not None:
            bad = m[4]
            if bad.isdigit():
                raise RuleError(f"rule {original!r}: neighbour counts must be 0..8 (a cell has eight neighbours), "
                                f"not {bad} in the {what} part")
            if bad == "-":
                raise RuleError(f"rule {original!r}: in the {what} part a '-' must follow a neighbour count")
            raise RuleError(f"rule {original!r}: unexpected {bad!r} in the {what} part")
        count, minus, letters = int(m[1]), m[2], m[3]
        if count in seen:
            raise RuleError(f"rule {original!r}: {what} lists the neighbour count {count} twice")
        seen.add(count)
        valid = letters_for(count)
        for letter in letters:
            if letter not in valid:
                hint = f"valid letters: {valid}" if valid else "it takes no letters"
                raise RuleError(f"rule {original!r}: letter {letter!r} is not valid after {count} in the "
                                f"{what} part ({hint})")
        if len(set(letters)) != len(letters):
            raise RuleError(f"rule {original!r}: {what} repeats a letter after {count}")
        chosen = frozenset().union(*(arrangements(count, c) for c in letters)) if letters else frozenset()
        if not letters:
            configs |= arrangements(count)
        elif minus:
            configs |= arrangements(count) - chosen
        else:
            configs |= chosen
    return frozenset(configs)


def format_part(configs: frozenset[int]) -> str:
    """The canonical text of a set of configurations (centre clear), as Golly prints it.

    Each count with all its arrangements is a digit; with some, the digit and
    the letters of those classes, or ``-`` and the letters of the others when
    that is shorter (Golly's choice, seven of thirteen letters at 4 staying
    positive); with none, nothing.
    """
    out = []
    for count in range(9):
        every = arrangements(count)
        have = configs & every
        if not have:
            continue
        if have == every:
            out.append(str(count))
            continue
        letters = letters_for(count)
        on = [c for c in letters if arrangements(count, c) <= have]
        off = [c for c in letters if c not in on]
        most = len(letters)
        if len(on) > most >> 1 and not (len(on) == 7 and most == 13):
            out.append(f"{count}-{''.join(off)}")
        else:
            out.append(f"{count}{''.join(on)}")
    return "".join(out)


def two_state(birth: frozenset[int], survive: frozenset[int]) -> Rule | IsotropicRule:
    """The rule with these birth and survival configurations, in its simplest class.

    A :class:`~.lifelike.Rule` when every count is all or nothing (Golly prints
    ``B2aceikn3/S`` as ``B23/S``, a totalistic rule), else an :class:`IsotropicRule`.
    """
    every = [arrangements(n) for n in range(9)]
    if all(whole <= part or not whole & part for part in (birth, survive) for whole in every):
        return Rule(frozenset(n for n in range(9) if every[n] <= birth),
                    frozenset(n for n in range(9) if every[n] <= survive))
    return IsotropicRule(birth, survive)


def _table_of(birth: frozenset[int], survive: frozenset[int]) -> np.ndarray:
    table = np.zeros(512, np.uint8)
    table[list(birth)] = 1
    table[[c | CENTRE for c in survive]] = 1
    table.setflags(write=False)
    return table


@dataclass(frozen=True)
class IsotropicRule(RuleBase):
    """A two-state isotropic non-totalistic rule: the arrangements that give birth and survival.

    ``birth`` and ``survive`` are sets of configuration indices (centre bit
    clear, see :mod:`.base`), closed under rotation and reflection.  The
    census is :func:`~lifegame.protocol.neighbor_states`: the rule needs to
    know where the live neighbours are, not only how many.  Sets that are
    whole counts make a valid rule but not the canonical one: the parser (and
    :func:`two_state`) give a Life-like :class:`~.lifelike.Rule` for those,
    so that equal rules compare equal.
    """

    birth: frozenset[int]
    survive: frozenset[int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "birth", frozenset(self.birth))
        object.__setattr__(self, "survive", frozenset(self.survive))
        for name, part in (("birth", self.birth), ("survive", self.survive)):
            if any(not 0 <= c < 512 or c & CENTRE for c in part):
                raise RuleError(f"{name}: configurations must be 9-bit indices with the centre bit clear")
            if any(not _symmetries(c) <= part for c in part):
                raise RuleError(f"{name}: the arrangements are not closed under rotation and reflection")

    family = "isotropic non-totalistic"
    states = 2
    census = staticmethod(neighbor_states)

    def __call__(self, state: State, neighbors: Any) -> State:
        index = 0
        for bit, neighbor in zip(QUERY_BITS, neighbors):
            if neighbor == 1:
                index |= 1 << bit
        return 1 if index in (self.survive if state == 1 else self.birth) else 0

    @property
    def base(self) -> IsotropicRule:
        return self

    def neighborhood_table(self) -> np.ndarray:
        return _cached_table(self.birth, self.survive)

    def __str__(self) -> str:
        return f"B{format_part(self.birth)}/S{format_part(self.survive)}"

    def __repr__(self) -> str:
        return f"IsotropicRule({str(self)!r})"


_cached_table = cache(_table_of)
