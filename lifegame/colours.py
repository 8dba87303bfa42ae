"""A colour for each cell state of a rule, and each state's name.  No pygame.

Shared by the window (:mod:`lifegame.app.render`) and the GIF recorder
(:mod:`lifegame.gif`), so a recording looks like the window:

* two-state rules: the dark theme's empty and alive;
* Generations: state 1 alive (bright), the dying states 2 .. C-1 a gradient
  from a bright blue (just dying) to a dim violet near the background (nearly
  gone): darker and redder as they age, so that even many states tell apart;
* History (LifeHistory): Golly's hues (``superalgo.cpp``: 0 black, 1 green,
  2 blue, 3 white, 4 red, 5 yellow, 6 gray), brightened where the dark theme
  would hide them, so that a Golly user recognises every state.

:func:`state_colours` gives one colour per state; :func:`state_index` maps
every cell value 0..255 to its colour's index (a look-up table applied with
numpy), so that a board of any size is coloured in one vectorised pass.
"""

from __future__ import annotations

import numpy as np

from .rules import RuleBase, preset_name

__all__ = ["RGB", "EMPTY", "ALIVE", "DYING", "HISTORY", "state_colours", "state_index", "state_name",
           "rule_label", "mix"]

RGB = tuple[int, int, int]

EMPTY: RGB = (19, 23, 30)
"""An empty cell (the theme's)."""
ALIVE: RGB = (118, 232, 164)
"""A live cell (state 1) (the theme's green)."""
DYING: RGB = (86, 150, 255)
"""Generations: the first dying state (2); later ones fade from it towards :data:`DYING_LAST`."""
DYING_LAST: RGB = (70, 36, 104)
"""Generations: the last dying state: dim, near the background, but a colour of its own."""
HISTORY: tuple[RGB, ...] = (
    EMPTY,              # 0 off               Golly (48, 48, 48): our empty
    ALIVE,              # 1 on                Golly (0, 255, 0)
    (30, 46, 132),      # 2 history (was on)  Golly (0, 0, 128), lifted off the dark background
    (236, 255, 236),    # 3 marked on         Golly (216, 255, 216)
    (238, 64, 64),      # 4 marked off        Golly (255, 0, 0)
    (245, 226, 60),     # 5 start on          Golly (255, 255, 0)
    (112, 114, 122),    # 6 boundary          Golly (96, 96, 96)
)
"""LifeHistory's seven states, in Golly's hues."""
HISTORY_NAMES = ("off", "on", "history", "marked on", "marked off", "start on", "boundary")


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """The colour ``t`` of the way from ``a`` to ``b``."""
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _dying(position: float) -> RGB:
    """A dying state's colour, ``position`` 0 (just dying) .. 1 (the last dying state)."""
    return mix(DYING, DYING_LAST, position)


def state_colours(rule: RuleBase, limit: int = 256) -> list[RGB]:
    """One colour per state of ``rule`` (``rule.states`` of them), or ``limit`` when it has more.

    With more states than ``limit`` (a Generations rule of up to 256 states
    drawn with fewer palette entries), the dying states share colours evenly
    along the gradient: see :func:`state_index`.
    """
    if rule.family == "History":
        return list(HISTORY)
    n = min(rule.states, max(2, limit))
    if n == 2:
        return [EMPTY, ALIVE]
    dying = n - 2
    return [EMPTY, ALIVE] + [_dying(i / max(1, dying - 1)) for i in range(dying)]


def state_index(rule: RuleBase, n_colours: int) -> np.ndarray:
    """``uint8[256]``: the index in :func:`state_colours` (of ``n_colours`` entries) of each cell value.

    States beyond the rule's (not expected on a board of that rule) are shown
    as alive; with fewer colours than dying states, neighbouring dying states
    share a colour.
    """
    index = np.ones(256, np.uint8)
    index[0] = 0
    states = rule.states
    if states <= n_colours:
        index[:states] = np.arange(states)
    else:  # dying states 2 .. states-1 onto colours 2 .. n_colours-1
        dying = np.arange(states - 2)
        index[2:states] = 2 + dying * (n_colours - 2) // (states - 2)
    return index


def state_name(rule: RuleBase, state: int) -> str:
    """What ``state`` is under ``rule``, for people: "alive", "dying 2", "marked on" ..."""
    if state == 0:
        return "empty"
    if rule.family == "History" and state < len(HISTORY_NAMES):
        return HISTORY_NAMES[state]
    if state == 1:
        return "alive"
    if rule.family == "Generations":
        return f"dying {state}"
    return f"state {state}"


def rule_label(rule: RuleBase) -> str:
    """The rule as the status line shows it: its canonical text, after its preset's name when it has one
    (``"Brian's Brain (/2/3)"``, ``"B36/S23"``)."""
    name = preset_name(rule)
    text = str(rule)
    return f"{name} ({text})" if name and name != text else text
