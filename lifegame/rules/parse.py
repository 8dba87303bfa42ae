"""Rule strings, as Golly and LifeViewer write them, parsed and printed.

Accepted spellings (case-insensitive, surrounding blanks ignored):

* Life-like: ``B3/S23``, ``b36/s23``, ``S245/B368`` (either order), ``B2/S``
  (empty set), ``B3S23`` (no slash), ``B3_S23``, the old "survive/birth" ``23/3``;
* isotropic non-totalistic (Hensel): the same forms with letters after a
  count, ``B2n3/S23-q``, ``B2-ek/S``, ``B3_S23-a4ei6`` (see :func:`.hensel.parse_part`);
  a rule whose letters cover whole counts is Life-like (``B2aceikn3/S`` is ``B23/S``);
* Generations: Golly's ``survive/birth/states`` (``345/2/4``, ``/2/3``, with
  Hensel letters too) and the ``B2/S/3`` and LifeViewer ``B2/S/C3`` forms;
* History: ``LifeHistory``, ``<two-state rule>History`` (``B36/S23History``);
* a preset's name such as ``Conway``, ``HighLife``, ``Brian's Brain``
  (``BriansBrain``) or ``Star Wars`` (see :mod:`.presets`);
* any of the above followed by Golly's torus suffix ``:Tw,h`` (``B3/S23:T72,48``),
  read by :func:`parse_rule_spec`.  Golly writes the *width* first.

``str(rule)`` prints the canonical form, as Golly prints it.  Other families
(Larger than Life, MAP rules, Wolfram's one-dimensional rules, other
neighbourhoods, Super and Investigator, named rule tables) and B0 in
Generations and History rules are refused with one line naming the family.
"""

from __future__ import annotations

import difflib
import re
from typing import NamedTuple

from ..board import MAX_SIDE
from .base import RuleBase, RuleError
from .families import MAX_STATES, GenerationsRule, HistoryRule
from .hensel import IsotropicRule, parse_part, two_state
from .lifelike import CONWAY, Rule
from .presets import PRESETS, find_preset, preset_key

__all__ = ["RuleSpec", "format_rule_spec", "parse_rule", "parse_rule_spec"]


class RuleSpec(NamedTuple):
    """A rule and the torus size a file asked for (``None`` where not fixed).

    ``height``/``width`` come from Golly's ``:Tw,h`` suffix; Golly's ``0``
    (unbounded along that axis) becomes ``None``.
    """

    rule: RuleBase
    height: int | None = None
    width: int | None = None


# A part is counts and Hensel letters; "b" and "s" are not letters, so they mark the parts.
_PART = r"[0-9ac-rt-z-]*"
_BS = re.compile(rf"b(?P<b>{_PART})[/_]?s(?P<s>{_PART})")
_SB = re.compile(rf"s(?P<s>{_PART})[/_]?b(?P<b>{_PART})")
_OLD = re.compile(rf"(?P<s>(?:[0-9]{_PART})?)[/_](?P<b>(?:[0-9]{_PART})?)")

_RUNS = ("lifegame runs Life-like (B3/S23), isotropic non-totalistic (B2n3/S23-q), Generations (345/2/4) "
         "and History (LifeHistory) rules")


def parse_rule(text: str) -> RuleBase:
    """Parse a rule string (no torus suffix) into a rule of its family.

    A Life-like rule is a :class:`~.lifelike.Rule` (also when written with
    letters that cover whole counts); letters make an
    :class:`~.hensel.IsotropicRule`; three parts a
    :class:`~.families.GenerationsRule`; a ``History`` suffix a
    :class:`~.families.HistoryRule`.  Raises :class:`RuleError` with a
    one-line message saying what is wrong.
    """
    if not isinstance(text, str):
        raise RuleError(f"rule must be a string, not {type(text).__name__}")
    body = text.strip()
    if not body:
        raise RuleError("empty rule string")
    if ":" in body:
        raise RuleError(f"rule {text!r} has a grid suffix; use parse_rule_spec for 'B3/S23:T64,64'")
    preset = find_preset(body)
    if preset is not None:
        return preset
    family = _other_family(body)
    if family is not None:  # before the grammar: "Banks-I" would read as B + "ank" ...
        raise RuleError(f"rule {body!r} is {family}; {_RUNS}")
    if re.search(r"\s", body):
        raise RuleError(_explain_name(body) if _looks_like_a_name(body)
                        else f"rule {text!r}: unexpected space; write it in one piece, e.g. B3/S23")
    lower = body.lower()
    if lower.startswith("map"):  # before the slashes are counted: base64 has "/" in it
        raise RuleError(_explain(body))
    for suffix, kind in (("super", "Golly's Super family (26 states)"),
                         ("investigator", "Golly's Investigator family (21 states)")):
        if lower.endswith(suffix):
            raise RuleError(f"rule {body!r} is a rule of {kind}; {_RUNS}")
    if lower.endswith("history"):
        return _history(body[: -len("history")], body)
    if len(re.findall(r"[/_]", lower)) == 2:
        return _generations(lower, body)
    return _two_state(lower, body)




def _history(head: str, original: str) -> HistoryRule:
    """``LifeHistory`` or ``<two-state rule>History``, as Golly's Super algorithm reads them."""
    if not head:
        raise RuleError(f"rule {original!r}: History follows a two-state rule, e.g. LifeHistory or B36/S23History")
    if head.lower() == "life":
        return HistoryRule(CONWAY)
    if head.lower() in ("lifev", "lifeh"):  # Golly's von Neumann and hexagonal LifeHistory
        raise _other_neighbourhood(original, head[-1])
    if len(re.findall(r"[/_]", head)) == 2:
        raise RuleError(f"rule {original!r}: History follows a two-state rule (B3/S23), not a Generations rule")
    base = _two_state(head.lower(), original)
    if base.has_b0:
        raise RuleError(f"rule {original!r}: History rules with B0 are not supported "
                        "(Golly runs them only with S8, by inverting the rule)")
    return HistoryRule(base)


def _two_state(lower: str, original: str) -> Rule | IsotropicRule:
    """A Life-like or isotropic non-totalistic rule in B/S (or S/B, or old ``23/3``) form."""
    if lower[-1:] in ("v", "h") and re.fullmatch(r"[bs0-9/_]+", lower[:-1]):
        raise _other_neighbourhood(original, lower[-1])
    for pattern in (_BS, _SB, _OLD):
        m = pattern.fullmatch(lower)
        if m:
            return _build(m["b"], m["s"], original)
    raise RuleError(_explain(original))


def _other_neighbourhood(original: str, suffix: str) -> RuleError:
    """The refusal of Golly's ``V`` (von Neumann) or ``H`` (hexagonal) neighbourhood suffix."""
    kind = "a von Neumann" if suffix.lower() == "v" else "a hexagonal"
    return RuleError(f"rule {original!r} has {kind} neighbourhood; lifegame runs the Moore neighbourhood "
                     "(eight neighbours)")


def _build(birth: str, survive: str, original: str) -> Rule | IsotropicRule:
    return two_state(parse_part(birth, "birth", original), parse_part(survive, "survival", original))


def _generations(lower: str, original: str) -> GenerationsRule:
    """A Generations rule: Golly's ``S/B/states``, or ``B/S/states`` and LifeViewer's ``B/S/Cstates``."""
    first, second, third = re.split(r"[/_]", lower)
    if third[-1:] in ("v", "h") and third[:-1].isdigit():
        raise _other_neighbourhood(original, third[-1])
    m = re.fullmatch(r"c?(\d+)", third)
    if not m:
        raise RuleError(f"rule {original!r}: a Generations rule ends with its number of states, "
                        "e.g. 345/2/4 or B2/S/C3")
    states = int(m[1])
    if not 2 <= states <= MAX_STATES:
        raise RuleError(f"rule {original!r}: a Generations rule has 2..{MAX_STATES} states, not {states}")
    if first.startswith("b") or second.startswith("s"):
        birth, survive = first.removeprefix("b"), second.removeprefix("s")
    else:
        survive, birth = first.removeprefix("s"), second.removeprefix("b")
    for part in (birth, survive):
        if part and not part[0].isdigit():
            raise RuleError(f"rule {original!r}: each part of a Generations rule starts with a "
                            "neighbour count, e.g. 345/2/4")
    base = _build(birth, survive, original)
    if base.has_b0:
        raise RuleError(f"rule {original!r}: Generations rules with B0 are not supported (as in Golly)")
    return GenerationsRule(base, states)


def _explain(original: str) -> str:
    """A one-line reason why ``original`` is not a rule of a family lifegame runs."""
    upper = original.upper()
    if re.fullmatch(r"[BS](?:[0-9][0-9A-Z-]*)?", upper):
        part = "birth" if upper[0] == "B" else "survival"
        return f"rule {original!r} has only a {part} part; write both, e.g. B3/S23"
    if re.fullmatch(r"R\d+,.*", upper) or re.fullmatch(r"\d+,\d+.*", upper):
        return f"rule {original!r} is a Larger than Life rule; {_RUNS}"
    if upper.startswith("MAP"):
        return f"rule {original!r} is a MAP rule (a 512-bit table in base64); {_RUNS}"
    if re.fullmatch(r"W\d+", upper):
        return f"rule {original!r} is a Wolfram (one-dimensional) rule; {_RUNS}"
    if _looks_like_a_name(original):
        return _explain_name(original)
    bad = sorted(set(re.sub(r"[A-Z0-9/_-]", "", upper)))
    if bad:
        return f"rule {original!r}: unexpected character(s) {''.join(bad)!r}; expected e.g. B3/S23 or 23/3"
    return f"rule {original!r} is not of the form B3/S23, S23/B3, 23/3 or 345/2/4"


# Rules other programs (Golly above all) know by name, of families lifegame
# does not run: refused with their family named, not called unknown.  Keys as
# :func:`.presets.preset_key`.
_FAMILIES = {
    "a rule of Golly's Super family": ("stateinvestigator", "lifeonthesuperedge"),
    "a von Neumann 29-state rule": ("jvn29", "nobili32", "hutton32"),
    "a multi-state rule table": ("wireworld", "lifeontheedge", "lifeontheslope", "circle", "display256",
                                 "somanyships2"),
    "a von Neumann neighbourhood rule table": ("banksi", "banksii", "banksiii", "banksiv"),
    "a self-replicating loop rule table": (
        "langtonsloops", "bylloop", "choureggia1", "choureggia2", "evoloop", "evoloopfinite", "perrier",
        "sexyloop", "sdsrloop", "codd", "codd2", "devore", "tripattt", "tempesti", "edrep", "trirep"),
    "a Generations rule with no preset here (write it out, e.g. 345/2/4)": ("bombers", "faders", "stickbreak"),
    "a Margolus (block) rule": ("bbm", "bbmmargolusemulated", "tmgas", "tmgasmargolusemulated", "hpp",
                                "hppmargolusemulated", "dlamargolusemulated", "crittersmargolusemulated",
                                "sandmargolusemulated", "tripatronmargolusemulated"),
}
_FAMILY_PREFIXES = {"turmite": "a Turmite rule", "absoluteturmite": "a Turmite rule",
                    "triturmite": "a Turmite rule", "langtonsant": "a Turmite (Langton's ant) rule",
                    "worm": "a Paterson's worms rule", "marblocks": "a Margolus (block) rule"}
_FAMILY_OF = {key: family for family, keys in _FAMILIES.items() for key in keys}


def _looks_like_a_name(text: str) -> bool:
    """Words (``HighLife``, ``day and nite``, ``JvN29``) rather than a broken ``B3/S23``."""
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9 '&_-]*", text)) and not re.fullmatch(
        r"[BbSs](?:[0-9][0-9a-z-]*)?[/_]?(?:[BbSs](?:[0-9][0-9a-z-]*)?)?", text)


def _other_family(name: str) -> str | None:
    """The family of a rule another program knows by ``name`` (``"a Turmite rule"``), or ``None``."""
    key = preset_key(name)
    return _FAMILY_OF.get(key) or next(
        (text for prefix, text in _FAMILY_PREFIXES.items() if key.startswith(prefix)), None)


def _explain_name(original: str) -> str:
    """Why a name is not a rule here: another program's (another family), or unknown (with the nearest names)."""
    key = preset_key(original)
    family = _other_family(original)
    if family is not None:
        return f"rule {original!r} is {family}; {_RUNS}"
    names = {preset_key(name): name for name in PRESETS}
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.7)
    if not close:  # "hilife": compare with the names as written, too
        close = [preset_key(n) for n in difflib.get_close_matches(original, list(PRESETS), n=3, cutoff=0.7)]
    if close:
        hint = "did you mean " + " or ".join(repr(names[c]) for c in close) + "?"
    else:
        hint = "known names: " + ", ".join(PRESETS)
    return f"unknown rule {original!r}; {hint} (or write the rule, e.g. B3/S23)"


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
    grid = grid.strip()
    m = re.fullmatch(r"T\s*(\d+)\s*(?:,\s*(\d+))?", grid, re.IGNORECASE)
    if not m and re.fullmatch(r"T\s*\d+\s*(?:,\s*\d+\s*)?[+-]\s*\d+.*|T\s*\d+\s*[+-]\s*\d+.*", grid, re.IGNORECASE):
        raise RuleError(f"rule {text.strip()!r} asks for a shifted torus ({grid!r}); "
                        "lifegame supports only a plain torus, ':Tw,h'")
    if not m and grid[:1].upper() == "T":
        raise RuleError(f"rule {text.strip()!r}: torus suffix {grid!r} must be ':Tw,h' with two "
                        "whole numbers, e.g. B3/S23:T64,48")
    if not m:
        kinds = {"P": "a bounded plane", "K": "a Klein bottle", "C": "a cross-surface", "S": "a sphere"}
        kind = kinds.get(grid[:1].upper(), "an unknown grid")
        raise RuleError(f"rule {text.strip()!r} asks for {kind} ({grid!r}); lifegame supports only a torus, ':Tw,h'")
    width = int(m[1])
    height = int(m[2]) if m[2] is not None else width
    for size, axis in ((width, "width"), (height, "height")):
        if size > MAX_SIDE:
            raise RuleError(f"rule {text.strip()!r}: torus {axis} {size} exceeds the maximum {MAX_SIDE}")
    return RuleSpec(rule, height or None, width or None)


def format_rule_spec(rule: RuleBase, height: int | None = None, width: int | None = None) -> str:
    """The inverse of :func:`parse_rule_spec`: ``B3/S23`` or ``B3/S23:T{width},{height}``."""
    if height is None and width is None:
        return str(rule)
    return f"{rule}:T{width or 0},{height or 0}"
