"""Rule strings, as Golly and LifeViewer write them, parsed and printed.

Accepted spellings (case-insensitive, surrounding blanks ignored):

* Life-like: ``B3/S23``, ``b36/s23``, ``S245/B368`` (either order), ``B2/S``
  (empty set), ``B3S23`` (no slash), ``B3_S23``, the old "survive/birth" ``23/3``;
* isotropic non-totalistic (Hensel): the same forms with letters after a
  count, ``B2n3/S23-q``, ``B2-ek/S``, ``B3_S23-a4ei6``;
* Generations: Golly's ``survive/birth/states`` (``345/2/4``, ``/2/3``, with
  Hensel letters too) and LifeViewer's ``B2/S/C3`` (or ``B2/S/3``);
* History: ``LifeHistory``, ``<two-state rule>History`` (``B36/S23History``);
* a named preset such as ``Conway``, ``HighLife``, ``Brian's Brain`` or ``Star Wars``;
* any of the above followed by Golly's torus suffix ``:Tw,h`` (``B3/S23:T72,48``),
  read by :func:`parse_rule_spec`.  Golly writes the *width* first.

``str(rule)`` prints the canonical form, as Golly prints it.  Other families
(Larger than Life, MAP rules, rule tables, other neighbourhoods, Super) are
refused with one line naming the family.
"""

from __future__ import annotations

import difflib
import re
from typing import NamedTuple

from .base import RuleBase, RuleError
from .families import MAX_STATES, GenerationsRule, HistoryRule
from .hensel import IsotropicRule, arrangements, parse_part
from .lifelike import CONWAY, Rule

__all__ = ["RuleSpec", "PRESETS", "parse_rule", "parse_rule_spec", "format_rule_spec", "preset_name"]


class RuleSpec(NamedTuple):
    """A rule and the torus size a file asked for (``None`` where not fixed).

    ``height``/``width`` come from Golly's ``:Tw,h`` suffix; Golly's ``0``
    (unbounded along that axis) becomes ``None``.
    """

    rule: RuleBase
    height: int | None = None
    width: int | None = None


_PART = r"[0-8a-z-]*"
_BS = re.compile(rf"^b(?P<b>{_PART})[/_]?s(?P<s>{_PART})$")
_SB = re.compile(rf"^s(?P<s>{_PART})[/_]?b(?P<b>{_PART})$")
_OLD = re.compile(rf"^(?P<s>[0-8]{_PART})?[/_](?P<b>[0-8]{_PART})?$")


def _generations(survive: str, birth: str, states: int) -> GenerationsRule:
    return GenerationsRule(parse_rule(f"B{birth}/S{survive}"), states)  # type: ignore[arg-type]


PRESETS: dict[str, RuleBase] = {
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
# Isotropic non-totalistic, History and Generations presets (Golly's Generations help page names these).
_MORE = {
    "tlife": "B3/S2-i34q",
    "LifeHistory": "LifeHistory",
    "Brian's Brain": "/2/3",
    "Star Wars": "345/2/4",
    "Banners": "2367/3457/5",
    "Bloomerang": "234/34678/24",
    "Caterpillars": "124567/378/4",
    "Cooties": "23/2/8",
    "Fireworks": "2/13/21",
    "Frogs": "12/34/3",
    "Lava": "12345/45678/8",
    "Lines": "012345/458/3",
    "Sticks": "3456/2/6",
    "Transers": "345/26/5",
    "Xtasy": "1456/2356/16",
}
_NAMES: dict[RuleBase, str] = {}


def preset_name(rule: RuleBase) -> str | None:
    """The preset's display name for ``rule`` (``'Conway'``, ``"Brian's Brain"`` ...), or ``None``."""
    return _NAMES.get(rule)


def _key(name: str) -> str:
    # Only spacing and "&"/"and" are forgiven: "Day & Night", "day-and-night"
    # and "DayAndNight" are one name, but "B3/S2,3" or "highlife!" are typos
    # to report, not to guess at.
    return re.sub(r"[\s_-]", "", name.lower().replace("&", "and"))


_PRESET_KEYS: dict[str, RuleBase] = {}


def _add_presets() -> None:
    for name, text in _MORE.items():
        PRESETS[name] = _parse_body(text, text)
    _NAMES.update({rule: name for name, rule in PRESETS.items()})
    _PRESET_KEYS.update({_key(name): rule for name, rule in PRESETS.items()})
    _PRESET_KEYS.update({"life": CONWAY, "gameoflife": CONWAY})


def _digits(text: str, what: str, original: str) -> frozenset[int]:
    if len(set(text)) != len(text):
        raise RuleError(f"rule {original!r}: {what} lists a neighbour count twice")
    return frozenset(int(c) for c in text)


def parse_rule(text: str) -> RuleBase:
    """Parse a rule string (no torus suffix) into a rule of its family.

    A Life-like rule is a :class:`~.lifelike.Rule` (also when written with
    letters that cover whole counts); letters make an
    :class:`~.hensel.IsotropicRule`; three parts a
    :class:`~.families.GenerationsRule`; a ``History`` suffix a
    :class:`~.families.HistoryRule`.  Raises :class:`RuleError` with a message
    saying what is wrong.
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
    return _parse_body(body, original)


def _parse_body(body: str, original: str) -> RuleBase:
    lower = body.lower().replace(" ", "") if not re.search(r"\s", body) else body.lower()
    for suffix, family in (("super", "Golly's Super family (26 states)"),
                           ("investigator", "Golly's Investigator family")):
        if lower.endswith(suffix) and lower != suffix:
            raise RuleError(f"rule {original.strip()!r} is a rule of {family}; lifegame runs History rules "
                            "such as LifeHistory, not Super or Investigator")
    if lower.endswith("history"):
        head = body.strip()[: -len("history")]
        base = CONWAY if head.lower() in ("life", "") else _two_state(head, original)
        return HistoryRule(base)
    if re.fullmatch(r"[^/_]*[/_][^/_]*[/_][^/_]*", lower) and not re.search(r"\s", lower):
        return _three_parts(lower, original)
    return _two_state(body, original)


def _two_state(body: str, original: str) -> Rule | IsotropicRule:
    """A Life-like or isotropic non-totalistic rule in B/S (or S/B, or old ``23/3``) form."""
    text = body.strip()
    if re.search(r"\s", text):
        raise RuleError(_explain(original, text.upper()))
    lower = text.lower()
    if lower.endswith(("v", "h")) and re.fullmatch(r"[bs0-8/_-]+[vh]", lower):
        kind = "a von Neumann" if lower.endswith("v") else "a hexagonal"
        raise RuleError(f"rule {original.strip()!r} has {kind} neighbourhood; lifegame runs the Moore "
                        "neighbourhood (eight neighbours)")
    for pattern in (_BS, _SB, _OLD):
        m = pattern.match(lower)
        if m:
            return _build(m["b"] or "", m["s"] or "", original.strip())
    raise RuleError(_explain(original, text.upper()))


def _build(birth: str, survive: str, original: str) -> Rule | IsotropicRule:
    born = parse_part(birth, "birth", original)
    kept = parse_part(survive, "survival", original)
    counts = {n: arrangements(n) for n in range(9)}
    if all(every <= part or not (every & part) for part in (born, kept) for every in counts.values()):
        return Rule(frozenset(n for n, every in counts.items() if every <= born),
                    frozenset(n for n, every in counts.items() if every <= kept))
    return IsotropicRule(born, kept)


def _three_parts(lower: str, original: str) -> GenerationsRule:
    """A Generations rule: Golly's ``S/B/states`` or LifeViewer's ``B/S/Cstates``."""
    first, second, third = re.split(r"[/_]", lower)
    m = re.fullmatch(r"[cg]?(\d+)", third)
    if not m:
        raise RuleError(f"rule {original.strip()!r}: a Generations rule ends with its number of states, "
                        "e.g. 345/2/4 or B2/S/C3")
    states = int(m[1])
    if not 2 <= states <= MAX_STATES:
        raise RuleError(f"rule {original.strip()!r}: a Generations rule has 2..{MAX_STATES} states, not {states}")
    if first.startswith("b") or second.startswith("s"):
        birth, survive = first.removeprefix("b"), second.removeprefix("s")
    elif first.startswith("s") or second.startswith("b"):
        survive, birth = first.removeprefix("s"), second.removeprefix("b")
    else:
        survive, birth = first, second
    for part in (birth, survive):
        if part and not part[0].isdigit():
            raise RuleError(f"rule {original.strip()!r}: each part of a Generations rule starts with a "
                            "neighbour count, e.g. 345/2/4")
    base = _build(birth, survive, original.strip())
    if base.has_b0:
        raise RuleError(f"rule {original.strip()!r}: Generations rules with B0 are not supported (as in Golly)")
    return GenerationsRule(base, states)


def _explain(original: str, upper: str) -> str:
    """A one-line reason why ``original`` is not a Life-like rule."""
    if re.search(r"\s", original.strip()) and not _looks_like_a_name(original):
        return f"rule {original!r}: unexpected space; write it in one piece, e.g. B3/S23"
    if re.fullmatch(r"B[0-8]*", upper) or re.fullmatch(r"S[0-8]*", upper):
        return f"rule {original!r} has only a {'birth' if upper[0] == 'B' else 'survival'} part; write both, e.g. B3/S23"
    if upper.startswith("R") and "," in upper:
        kind = "a Larger than Life rule"
    elif upper.startswith("MAP"):
        kind = "a MAP (non-totalistic, non-isotropic) rule"
    elif _looks_like_a_name(original):
        return _explain_name(original)
    else:
        if re.fullmatch(r"[BS0-9/_]+", upper) and "9" in upper:
            return f"rule {original!r}: neighbour counts must be 0..8 (a cell has eight neighbours)"
        bad = sorted(set(re.sub(r"[A-Z0-9/_]", "", upper))) or sorted(set(re.sub(r"[BS0-8/_]", "", upper)))
        if bad:
            return f"rule {original!r}: unexpected character(s) {''.join(bad)!r}; expected e.g. B3/S23 or 23/3"
        return f"rule {original!r} is not of the form B3/S23, S23/B3 or 23/3"
    return f"rule {original!r} is {kind}; {_RUNS}"


# Rules other programs (Golly above all) know by name, none of them Life-like:
# refused with their family named, not called unknown.  Keys as :func:`_key`.
_FAMILIES = {
    "a multi-state Life variant of Golly's Super family": ("stateinvestigator", "lifeonthesuperedge"),
    "a von Neumann 29-state family rule": ("jvn29", "nobili32", "hutton32"),
    "a multi-state rule table": ("wireworld",),
    "a self-replicating loop rule table": (
        "langtonsloops", "bylloop", "choureggia1", "choureggia2", "evoloop", "evoloopfinite", "perrier",
        "sexyloop", "sdsrloop", "codd", "codd2", "devore", "caterpillars", "tripattt"),
    "a Generations rule with no preset here (write it out, e.g. 345/2/4)": ("bombers", "faders", "stickbreak"),
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
    if family is not None:
        return f"rule {original.strip()!r} is {family}; {_RUNS}"
    names = {_key(name): name for name in PRESETS}
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.7)
    if not close:  # "hilife": compare with the names as written, too
        close = [_key(n) for n in difflib.get_close_matches(original.strip(), list(PRESETS), n=3, cutoff=0.7)]
    if close:
        hint = "did you mean " + " or ".join(repr(names[c]) for c in close) + "?"
    else:
        hint = "known names: " + ", ".join(PRESETS)
    return f"unknown rule {original.strip()!r}; {hint} (or write the rule, e.g. B3/S23)"


_RUNS = ("lifegame runs Life-like (B3/S23), isotropic non-totalistic (B2n3/S23-q), Generations (345/2/4) "
         "and History (LifeHistory) rules")


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
    from ..board import MAX_SIDE  # late: rules sit below board in the layering

    for size, axis in ((width, "width"), (height, "height")):
        if size > MAX_SIDE:
            raise RuleError(f"rule {text.strip()!r}: torus {axis} {size} exceeds the maximum {MAX_SIDE}")
    return RuleSpec(rule, height or None, width or None)


def format_rule_spec(rule: RuleBase, height: int | None = None, width: int | None = None) -> str:
    """The inverse of :func:`parse_rule_spec`: ``B3/S23`` or ``B3/S23:T{width},{height}``."""
    if height is None and width is None:
        return str(rule)
    return f"{rule}:T{width or 0},{height or 0}"


_add_presets()
