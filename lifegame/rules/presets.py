"""Named rules: the presets the window lists and ``--rule`` accepts by name.

:data:`PRESETS` is in display order: Life-like rules first, then isotropic
non-totalistic, then Generations (the examples of Golly's Generations help
page), then History.  The rules are built from their parts here, not parsed,
so this module sits below :mod:`.parse` (which looks names up here) and is the
only place that maps rules to names (:func:`preset_name`).
"""

from __future__ import annotations

import re

from .base import RuleBase
from .families import GenerationsRule, HistoryRule
from .hensel import parse_part, two_state
from .lifelike import CONWAY, Rule

__all__ = ["PRESETS", "find_preset", "preset_key", "preset_name"]


def _life(birth: str, survive: str) -> Rule:
    return Rule(frozenset(map(int, birth)), frozenset(map(int, survive)))


def _hensel(birth: str, survive: str) -> RuleBase:
    text = f"B{birth}/S{survive}"
    return two_state(parse_part(birth, "birth", text), parse_part(survive, "survival", text))


def _generations(survive: str, birth: str, states: int) -> GenerationsRule:
    # Golly's order: survival/birth/states.
    return GenerationsRule(_life(birth, survive), states)


PRESETS: dict[str, RuleBase] = {
    # Life-like
    "Conway": CONWAY,
    "HighLife": _life("36", "23"),
    "Seeds": _life("2", ""),
    "Day & Night": _life("3678", "34678"),
    "Life without Death": _life("3", "012345678"),
    "2x2": _life("36", "125"),
    "34 Life": _life("34", "34"),
    "Maze": _life("3", "12345"),
    "Morley": _life("368", "245"),
    "Replicator": _life("1357", "1357"),
    "Anneal": _life("4678", "35678"),
    "Diamoeba": _life("35678", "5678"),
    # isotropic non-totalistic
    "tlife": _hensel("3", "2-i34q"),
    # Generations, as Golly's help page lists them (Brian's Brain and Star Wars first: the best known)
    "Brian's Brain": _generations("", "2", 3),
    "Star Wars": _generations("345", "2", 4),
    "Banners": _generations("2367", "3457", 5),
    "Bloomerang": _generations("234", "34678", 24),
    "Caterpillars": _generations("124567", "378", 4),
    "Cooties": _generations("23", "2", 8),
    "Fireworks": _generations("2", "13", 21),
    "Frogs": _generations("12", "34", 3),
    "Lava": _generations("12345", "45678", 8),
    "Lines": _generations("012345", "458", 3),
    "Sticks": _generations("3456", "2", 6),
    "Transers": _generations("345", "26", 5),
    "Xtasy": _generations("1456", "2356", 16),
    # History
    "LifeHistory": HistoryRule(CONWAY),
}


def preset_key(name: str) -> str:
    """The form names are compared in: case, spaces, ``_``, ``-``, apostrophes and ``&``/``and`` forgiven.

    So "Day & Night", "day-and-night" and "DayAndNight" are one name, and so
    are "Brian's Brain" and "BriansBrain" (Golly's rule table's name); but
    "highlife!" is a typo to report, not to guess at.
    """
    return re.sub(r"[\s_'\u2019-]", "", name.lower().replace("&", "and"))


_BY_KEY: dict[str, RuleBase] = {preset_key(name): rule for name, rule in PRESETS.items()}
_BY_KEY.update({"life": CONWAY, "gameoflife": CONWAY})
_NAMES: dict[RuleBase, str] = {rule: name for name, rule in PRESETS.items()}


def find_preset(text: str) -> RuleBase | None:
    """The preset ``text`` names (spelt as :func:`preset_key` forgives), or ``None``."""
    return _BY_KEY.get(preset_key(text))


def preset_name(rule: RuleBase) -> str | None:
    """The preset's display name for ``rule`` (``'Conway'``, ``"Brian's Brain"`` ...), or ``None``."""
    return _NAMES.get(rule)
