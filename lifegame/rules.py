"""Life-like rules: ``B3/S23`` and friends, parsed, printed and applied.

A :class:`Rule` is a ``game_logic`` function (it is callable as
``rule(state, neighbors)``), so :func:`lifegame.protocol.simulate` runs it
unchanged, and it also exposes a lookup table for the vectorised engines.

Accepted spellings (case-insensitive, surrounding blanks ignored):

* ``B3/S23``, ``b36/s23``, ``S245/B368`` (either order), ``B2/S`` (empty set),
  ``B3S23`` (no slash), ``B3_S23``;
* the old "survive/birth" form ``23/3``;
* a named preset such as ``Conway``, ``HighLife`` or ``Day & Night``;
* any of the above followed by Golly's torus suffix ``:Tw,h`` (``B3/S23:T72,48``),
  read by :func:`parse_rule_spec`.  Golly writes the *width* first.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import NamedTuple

from .protocol import ALIVE, EMPTY

__all__ = [
    "Rule",
    "RuleError",
    "RuleSpec",
    "CONWAY",
    "PRESETS",
    "parse_rule",
    "parse_rule_spec",
    "format_rule_spec",
]


class RuleError(ValueError):
    """A rule string that this project cannot run; the message says why."""


@dataclass(frozen=True)
class Rule:
    """A Life-like (outer totalistic, Moore neighbourhood) rule.

    ``birth`` holds the neighbour counts that bring an empty cell to life,
    ``survive`` those that keep a live cell alive; both are subsets of 0..8.
    Instances are immutable, hashable and picklable.
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

    # -- the game_logic protocol -------------------------------------------
    def __call__(self, state: str, neighbors: int) -> str:
        """``game_logic(state, neighbors)`` for this rule."""
        if state == ALIVE:
            return ALIVE if neighbors in self.survive else EMPTY
        return ALIVE if neighbors in self.birth else EMPTY

    # -- for the vectorised engines ----------------------------------------
    def table(self) -> list[list[int]]:
        """``table[state][neighbors]`` -> next state, with 0/1 states."""
        return [
            [int(n in self.birth) for n in range(9)],
            [int(n in self.survive) for n in range(9)],
        ]

    @property
    def has_b0(self) -> bool:
        """True when empty cells with no live neighbour are born (B0 rules)."""
        return 0 in self.birth

    # -- text ----------------------------------------------------------------
    def __str__(self) -> str:
        return "B{}/S{}".format(
            "".join(map(str, sorted(self.birth))), "".join(map(str, sorted(self.survive)))
        )

    def __repr__(self) -> str:
        return f"Rule({str(self)!r})"

    @property
    def name(self) -> str | None:
        """The preset's display name, if this rule has one (``'Conway'``…)."""
        return _NAMES.get(self)

    @classmethod
    def parse(cls, text: str) -> Rule:
        """Parse a rule string without a torus suffix; see :func:`parse_rule`."""
        return parse_rule(text)


class RuleSpec(NamedTuple):
    """A rule and the torus size a file asked for (``None`` where not fixed).

    ``height``/``width`` come from Golly's ``:Tw,h`` suffix; Golly's ``0``
    (unbounded along that axis) becomes ``None``.
    """

    rule: Rule
    height: int | None = None
    width: int | None = None


_BS = re.compile(r"^B(?P<b>[0-8]*)[/_]?S(?P<s>[0-8]*)$")
_SB = re.compile(r"^S(?P<s>[0-8]*)[/_]?B(?P<b>[0-8]*)$")
_OLD = re.compile(r"^(?P<s>[0-8]*)/(?P<b>[0-8]*)$")

CONWAY = Rule(frozenset({3}), frozenset({2, 3}))

PRESETS: dict[str, Rule] = {
    "Conway": CONWAY,
    "HighLife": Rule(frozenset({3, 6}), frozenset({2, 3})),
    "Seeds": Rule(frozenset({2}), frozenset()),
    "Day & Night": Rule(frozenset({3, 6, 7, 8}), frozenset({3, 4, 6, 7, 8})),
    "Life without Death": Rule(frozenset({3}), frozenset(range(9))),
    "2x2": Rule(frozenset({3, 6}), frozenset({1, 2, 5})),
    "34 Life": Rule(frozenset({3, 4}), frozenset({3, 4})),
    "Maze": Rule(frozenset({3}), frozenset({1, 2, 3, 4, 5})),
    "Morley": Rule(frozenset({3, 6, 8}), frozenset({2, 4, 5})),
    "Replicator": Rule(frozenset({1, 3, 5, 7}), frozenset({1, 3, 5, 7})),
    "Anneal": Rule(frozenset({4, 6, 7, 8}), frozenset({3, 5, 6, 7, 8})),
    "Diamoeba": Rule(frozenset({3, 5, 6, 7, 8}), frozenset({5, 6, 7, 8})),
}
_NAMES = {rule: name for name, rule in PRESETS.items()}


def _key(name: str) -> str:
    # Only spacing and "&"/"and" are forgiven: "Day & Night", "day-and-night"
    # and "DayAndNight" are one name, but "B3/S2,3" or "highlife!" are typos
    # to report, not to guess at.
    return re.sub(r"[\s_-]", "", name.lower().replace("&", "and"))


_PRESET_KEYS = {_key(name): rule for name, rule in PRESETS.items()}
_PRESET_KEYS.update({"life": CONWAY, "gameoflife": CONWAY})


def _digits(text: str, what: str, original: str) -> frozenset[int]:
    if len(set(text)) != len(text):
        raise RuleError(f"rule {original!r}: {what} lists a neighbour count twice")
    return frozenset(int(c) for c in text)


def parse_rule(text: str) -> Rule:
    """Parse a Life-like rule string (no torus suffix) into a :class:`Rule`.

    Raises :class:`RuleError` with a message saying what is wrong.
    """
    if not isinstance(text, str):
        raise RuleError(f"rule must be a string, not {type(text).__name__}")
    original = text
    body = text.strip()
    if not body:
        raise RuleError("empty rule string")
    if ":" in body:
        raise RuleError(
            f"rule {original!r} has a grid suffix; use parse_rule_spec for 'B3/S23:T64,64'"
        )
    preset = _PRESET_KEYS.get(_key(body))
    if preset is not None:
        return preset
    upper = body.upper().replace(" ", "")
    for pattern in (_BS, _SB, _OLD):
        m = pattern.match(upper)
        if m:
            return Rule(_digits(m["b"], "birth", original), _digits(m["s"], "survival", original))
    raise RuleError(_explain(original, upper))


def _explain(original: str, upper: str) -> str:
    """A one-line reason why ``original`` is not a Life-like rule."""
    if re.search(r"\s", original.strip()) and not _looks_like_a_name(original):
        return f"rule {original!r}: unexpected space; write it in one piece, e.g. B3/S23"
    if re.fullmatch(r"B[0-8]*", upper) or re.fullmatch(r"S[0-8]*", upper):
        return f"rule {original!r} has only a {'birth' if upper[0] == 'B' else 'survival'} part; write both, e.g. B3/S23"
    if upper.startswith("R") and "," in upper:
        kind = "a Larger than Life rule"
    elif upper.count("/") == 2:
        kind = "a Generations rule (three parts)"
    elif upper.startswith("MAP"):
        kind = "a MAP (non-totalistic) rule"
    elif upper[0] in "BS" and re.fullmatch(r"[BS][0-8A-Z/_-]*", upper) and re.search(r"[0-8][AC-RT-Z-]", upper):
        kind = "an isotropic non-totalistic rule or has a neighbourhood suffix"
    elif _looks_like_a_name(original):
        return _explain_name(original)
    else:
        if re.fullmatch(r"[BS0-9/_]+", upper) and "9" in upper:
            return f"rule {original!r}: neighbour counts must be 0..8 (a cell has eight neighbours)"
        bad = sorted(set(re.sub(r"[A-Z0-9/_]", "", upper))) or sorted(set(re.sub(r"[BS0-8/_]", "", upper)))
        if bad:
            return f"rule {original!r}: unexpected character(s) {''.join(bad)!r}; expected e.g. B3/S23 or 23/3"
        return f"rule {original!r} is not of the form B3/S23, S23/B3 or 23/3"
    return f"rule {original!r} is {kind}; lifegame runs Life-like rules such as B3/S23"


# Rules other programs (Golly above all) know by name, none of them Life-like:
# refused with their family named, not called unknown.  Keys as :func:`_key`.
_FAMILIES = {
    "a multi-state Life variant, Golly's History/Super family": (
        "lifehistory", "lifesuper", "stateinvestigator", "lifeonthesuperedge"),
    "a von Neumann 29-state family rule": ("jvn29", "nobili32", "hutton32"),
    "a multi-state rule table": ("wireworld",),
    "a self-replicating loop rule table": (
        "langtonsloops", "bylloop", "choureggia1", "choureggia2", "evoloop", "evoloopfinite", "perrier",
        "sexyloop", "sdsrloop", "codd", "codd2", "devore", "caterpillars", "tripattt"),
    "a Generations rule": ("briansbrain", "brian'sbrain", "starwars", "bombers", "faders", "frogs", "stickbreak"),
    "a Margolus (block) rule": ("bbm", "bbmmargolusemulated", "tmgas", "tmgasmargolusemulated", "hpp",
                                "hppmargolusemulated", "dlamargolusemulated", "crittersmargolusemulated"),
}
_FAMILY_PREFIXES = {"turmite": "a Turmite rule", "langtonsant": "a Turmite (Langton's ant) rule",
                    "worm": "a Paterson's worms rule"}
_FAMILY_OF = {key: family for family, keys in _FAMILIES.items() for key in keys}


def _looks_like_a_name(text: str) -> bool:
    """Words (``HighLife``, ``day and nite``, ``JvN29``) rather than a broken ``B3/S23``."""
    body = text.strip()
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9 '&_-]*", body)) and not re.fullmatch(
        r"[BbSs][0-8]*[/_]?[BbSs]?[0-8]*", body)


def _explain_name(original: str) -> str:
    """Why a name is not a rule here: another program's (not Life-like), or unknown (with the nearest names)."""
    key = _key(original)
    family = _FAMILY_OF.get(key) or next(
        (text for prefix, text in _FAMILY_PREFIXES.items() if key.startswith(prefix)), None)
    if family is None and (key.endswith("history") or key.endswith("super")):
        family = "a multi-state Life variant, Golly's History/Super family"
    if family is not None:
        return (f"rule {original.strip()!r} is a named rule that is not Life-like ({family}); "
                "lifegame runs Life-like rules such as B3/S23")
    names = {_key(name): name for name in PRESETS}
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.7)
    if not close:  # "hilife": compare with the names as written, too
        close = [_key(n) for n in difflib.get_close_matches(original.strip(), list(PRESETS), n=3, cutoff=0.7)]
    if close:
        hint = "did you mean " + " or ".join(repr(names[c]) for c in close) + "?"
    else:
        hint = "known names: " + ", ".join(PRESETS)
    return f"unknown rule {original.strip()!r}; {hint} (or write the rule, e.g. B3/S23)"


def parse_rule_spec(text: str) -> RuleSpec:
    """Parse a rule with an optional Golly grid suffix, e.g. ``B3/S23:T72,48``.

    Only toroidal grids (``:T``) are supported, since the board is a torus;
    a plane, Klein bottle, cross-surface, sphere or shifted torus is refused.
    """
    if not isinstance(text, str):
        raise RuleError(f"rule must be a string, not {type(text).__name__}")
    body, sep, grid = text.strip().partition(":")
    rule = parse_rule(body)
    if not sep:
        return RuleSpec(rule)
    m = re.fullmatch(r"\s*T\s*(\d+)\s*(?:,\s*(\d+))?\s*", grid, re.IGNORECASE)
    if not m and re.fullmatch(r"\s*T\s*\d+\s*,\s*\d+\s*[+-]\s*\d+.*|\s*T\s*\d+\s*[+-]\s*\d+.*", grid, re.I):
        raise RuleError(f"rule {text.strip()!r} asks for a shifted torus ({grid.strip()!r}); "
                        "lifegame supports only a plain torus, ':Tw,h'")
    if not m and grid.strip()[:1].upper() == "T":
        raise RuleError(f"rule {text.strip()!r}: torus suffix {grid.strip()!r} must be ':Tw,h' with two "
                        "whole numbers, e.g. B3/S23:T64,48")
    if not m:
        kinds = {"P": "a bounded plane", "K": "a Klein bottle", "C": "a cross-surface",
                 "S": "a sphere", "T": "a shifted torus"}
        kind = kinds.get(grid.strip()[:1].upper(), "an unknown grid")
        raise RuleError(
            f"rule {text.strip()!r} asks for {kind} ({grid.strip()!r}); lifegame supports only a torus, ':Tw,h'"
        )
    width = int(m[1])
    height = int(m[2]) if m[2] is not None else width
    from .board import MAX_SIDE  # late: rules sit below board in the layering

    for size, axis in ((width, "width"), (height, "height")):
        if size > MAX_SIDE:
            raise RuleError(f"rule {text.strip()!r}: torus {axis} {size} exceeds the maximum {MAX_SIDE}")
    return RuleSpec(rule, height or None, width or None)


def format_rule_spec(rule: Rule, height: int | None = None, width: int | None = None) -> str:
    """The inverse of :func:`parse_rule_spec`: ``B3/S23`` or ``B3/S23:T{width},{height}``."""
    if height is None and width is None:
        return str(rule)
    return f"{rule}:T{width or 0},{height or 0}"
