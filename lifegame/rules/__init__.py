"""Rules: the families lifegame runs, parsed and printed as Golly does.

* :class:`Rule`: Life-like, outer totalistic, two states (``B3/S23``);
* :class:`IsotropicRule`: isotropic non-totalistic, Hensel notation (``B2n3/S23-q``);
* :class:`GenerationsRule`: dying states after a two-state rule (``345/2/4``);
* :class:`HistoryRule`: Golly's ``LifeHistory`` and ``<rule>History``.

Every one is a :class:`RuleBase`: the protocol's ``game_logic`` with its
``census``, and the tables the vectorised engines compile (see :mod:`.base`).
"""

from .base import RuleBase, RuleError
from .families import GenerationsRule, HistoryRule
from .hensel import IsotropicRule
from .lifelike import CONWAY, Rule
from .parse import RuleSpec, format_rule_spec, parse_rule, parse_rule_spec
from .presets import PRESETS, preset_name

__all__ = [
    "CONWAY",
    "PRESETS",
    "GenerationsRule",
    "HistoryRule",
    "IsotropicRule",
    "Rule",
    "RuleBase",
    "RuleError",
    "RuleSpec",
    "format_rule_spec",
    "parse_rule",
    "parse_rule_spec",
    "preset_name",
]
