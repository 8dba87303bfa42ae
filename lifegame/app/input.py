"""Input: pygame events -> small commands.  One table maps keys; the help overlay reads it.

:func:`translate` knows nothing about the board or the view: it turns an event
(plus the pointer's state between events) into :class:`Cmd` values such as
``Cmd("step", 1)`` or ``Cmd("stroke_to", (x, y))`` that the app carries out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import pygame

__all__ = ["Cmd", "KeyBinding", "KEYMAP", "HELP_MOUSE", "PointerState", "translate"]


class Cmd(NamedTuple):
    name: str
    arg: Any = None


class KeyBinding(NamedTuple):
    keys: tuple[int, ...]
    mods: str  # "" any (but no Ctrl), "ctrl", "shift", "ctrl+shift"
    cmd: Cmd
    label: str  # the keys as the help overlay shows them ("" hides a duplicate)
    help: str


K = pygame
KEYMAP: tuple[KeyBinding, ...] = (
    KeyBinding((K.K_SPACE,), "", Cmd("toggle_play"), "Space", "play / pause"),
    KeyBinding((K.K_n, K.K_RIGHT), "", Cmd("step", 1), "N  \u2192", "step one generation"),
    KeyBinding((K.K_TAB,), "", Cmd("step_batch"), "Tab", "step a batch (the speed, at least 10)"),
    KeyBinding((K.K_PLUS, K.K_EQUALS, K.K_KP_PLUS, K.K_RIGHTBRACKET), "", Cmd("faster"), "+  ]", "faster"),
    KeyBinding((K.K_MINUS, K.K_KP_MINUS, K.K_LEFTBRACKET), "", Cmd("slower"), "-  [", "slower"),
    KeyBinding((K.K_c,), "", Cmd("clear"), "C", "clear the board"),
    KeyBinding((K.K_r,), "shift", Cmd("next_density"), "Shift+R", "change the random density, and fill"),
    KeyBinding((K.K_r,), "", Cmd("randomize"), "R", "fill at random"),
    KeyBinding((K.K_g,), "", Cmd("grid"), "G", "grid lines on / off"),
    KeyBinding((K.K_f,), "", Cmd("fit"), "F", "fit the pattern in the window"),
    KeyBinding((K.K_z,), "ctrl+shift", Cmd("redo"), "", ""),
    KeyBinding((K.K_z,), "ctrl", Cmd("undo"), "Ctrl+Z", "undo an edit"),
    KeyBinding((K.K_y,), "ctrl", Cmd("redo"), "Ctrl+Y", "redo"),
    KeyBinding((K.K_r,), "ctrl", Cmd("reset"), "Ctrl+R  Home", "reset to where play started"),
    KeyBinding((K.K_HOME,), "", Cmd("reset"), "", ""),
    KeyBinding((K.K_s,), "ctrl", Cmd("save"), "Ctrl+S", "save (RLE or .cells by the file's name)"),
    KeyBinding((K.K_p,), "", Cmd("screenshot"), "P", "save a PNG screenshot"),
    KeyBinding((K.K_1, K.K_2, K.K_3, K.K_4, K.K_5, K.K_6, K.K_7, K.K_8, K.K_9), "", Cmd("pick"),
               "1 \u2026 9", "pick a pattern (again: put it away)"),
    KeyBinding((K.K_0,), "", Cmd("pick", None), "0  Esc", "draw cells again"),
    KeyBinding((K.K_PERIOD,), "", Cmd("rotate", 1), ".  ,", "rotate the pattern"),
    KeyBinding((K.K_COMMA,), "", Cmd("rotate", -1), "", ""),
    KeyBinding((K.K_SLASH, K.K_x), "", Cmd("flip"), "/  X", "flip the pattern"),
    KeyBinding((K.K_t,), "", Cmd("trace"), "T", "protocol trace (small boards)"),
    KeyBinding((K.K_y,), "", Cmd("graph"), "Y", "population graph"),
    KeyBinding((K.K_h, K.K_F1), "", Cmd("help"), "H  F1", "this help"),
    KeyBinding((K.K_q,), "ctrl", Cmd("quit"), "Ctrl+Q", "quit"),
)
HELP_MOUSE: tuple[tuple[str, str], ...] = (
    ("Left drag", "draw cells (or stamp the pattern)"),
    ("Right drag", "erase cells"),
    ("Wheel", "zoom at the pointer"),
    ("Middle / Shift+left drag", "pan"),
    ("\u2190 \u2191 \u2193  Shift+arrows", "pan"),
    ("Drop a file", "open it"),
)
_PAN_KEYS = {K.K_LEFT: (1, 0), K.K_RIGHT: (-1, 0), K.K_UP: (0, 1), K.K_DOWN: (0, -1)}
PAN_STEP = 48  # pixels per arrow press


def _mods_match(want: str, mods: int) -> bool:
    ctrl = bool(mods & (pygame.KMOD_CTRL | pygame.KMOD_META))
    shift = bool(mods & pygame.KMOD_SHIFT)
    if want == "":
        return not ctrl
    if want == "shift":
        return shift and not ctrl
    if want == "ctrl":
        return ctrl and not shift
    return ctrl and shift  # "ctrl+shift"


def key_command(key: int, mods: int) -> Cmd | None:
    """The command bound to ``key`` with modifiers ``mods`` (first match in :data:`KEYMAP`)."""
    shift = bool(mods & pygame.KMOD_SHIFT)
    ctrl = bool(mods & (pygame.KMOD_CTRL | pygame.KMOD_META))
    if key in _PAN_KEYS and not ctrl and (shift or key != K.K_RIGHT):
        dx, dy = _PAN_KEYS[key]
        return Cmd("pan", (dx * PAN_STEP, dy * PAN_STEP))
    if key == K.K_ESCAPE:
        return Cmd("escape")
    for binding in KEYMAP:
        if key in binding.keys and _mods_match(binding.mods, mods):
            if binding.cmd.name == "pick" and binding.cmd.arg is None and key != K.K_0:
                return Cmd("pick", binding.keys.index(key))
            return binding.cmd
    return None


@dataclass
class PointerState:
    """What the mouse is doing between events: ``None``, "draw", "erase" or "pan"."""

    mode: str | None = None
    pos: tuple[int, int] = (0, 0)


def translate(event: pygame.event.Event, pointer: PointerState) -> list[Cmd]:
    """The commands an event asks for (often none)."""
    et = event.type
    if et == pygame.QUIT:
        return [Cmd("quit")]
    if et == pygame.KEYDOWN:
        cmd = key_command(event.key, getattr(event, "mod", 0))
        return [cmd] if cmd else []
    if et == pygame.MOUSEBUTTONDOWN:
        pos = tuple(event.pos)
        pointer.pos = pos  # type: ignore[assignment]
        if event.button in (4, 5):  # old-style wheel events; MOUSEWHEEL handles them
            return []
        shift = bool(pygame.key.get_mods() & pygame.KMOD_SHIFT) or bool(getattr(event, "mod", 0) & pygame.KMOD_SHIFT)
        if event.button == 2 or (event.button == 1 and shift):
            pointer.mode = "pan"
            return []
        if event.button == 1:
            pointer.mode = "draw"
            return [Cmd("stroke_begin", (pos, True))]
        if event.button == 3:
            pointer.mode = "erase"
            return [Cmd("stroke_begin", (pos, False))]
        return []
    if et == pygame.MOUSEMOTION:
        pos = tuple(event.pos)
        prev, pointer.pos = pointer.pos, pos  # type: ignore[assignment]
        if pointer.mode == "pan":
            return [Cmd("pan", (pos[0] - prev[0], pos[1] - prev[1]))]
        if pointer.mode in ("draw", "erase"):
            return [Cmd("stroke_to", pos)]
        return [Cmd("hover", pos)]
    if et == pygame.MOUSEBUTTONUP:
        mode, pointer.mode = pointer.mode, None
        if mode in ("draw", "erase"):
            return [Cmd("stroke_end")]
        return []
    if et == pygame.MOUSEWHEEL:
        steps = event.y if not getattr(event, "flipped", False) else -event.y
        # Wheel events carry no position; the pointer's last known one is used
        # (or the real one, if the mouse has not moved since the window opened).
        if pointer.pos == (0, 0) and pygame.mouse.get_focused():
            pointer.pos = pygame.mouse.get_pos()
        return [Cmd("zoom", (pointer.pos, int(steps)))] if steps else []
    if et == pygame.DROPFILE:
        return [Cmd("open", event.file)]
    if et in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
        return [Cmd("resize")]
    if et == pygame.WINDOWLEAVE:
        return [Cmd("hover", None)]
    return []
