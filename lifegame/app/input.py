"""Input: pygame events -> typed commands.  One table maps keys; the help overlay reads it.

:func:`translate` knows nothing about the board or the view: it turns an event
(plus the pointer's state between events) into :class:`Cmd` values such as
``Cmd(Command.STEP, 1)`` or ``Cmd(Command.STROKE_TO, (x, y))``.  Every command
is a member of :class:`Command`, so a misspelt one fails at import; what each
one does is :data:`lifegame.app.commands.HANDLERS` (checked complete there).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, NamedTuple

import pygame

__all__ = ["Command", "Cmd", "KeyBinding", "KEYMAP", "HELP_MOUSE", "PointerState", "translate", "key_command"]


class Command(enum.Enum):
    """Everything a user can ask of the window.  The comment says what ``Cmd.arg`` carries."""

    QUIT = enum.auto()
    TOGGLE_PLAY = enum.auto()
    STEP = enum.auto()  # int: generations
    STEP_BATCH = enum.auto()
    FASTER = enum.auto()
    SLOWER = enum.auto()
    CLEAR = enum.auto()
    RANDOMIZE = enum.auto()
    NEXT_DENSITY = enum.auto()
    GRID = enum.auto()
    FIT = enum.auto()
    UNDO = enum.auto()
    REDO = enum.auto()
    RESET = enum.auto()  # to generation 0
    RESET_TO_START = enum.auto()  # to where play (or a step) last started
    HELP = enum.auto()
    ESCAPE = enum.auto()
    GRAPH = enum.auto()
    PICK = enum.auto()  # int | None: palette index (None: draw cells again)
    ROTATE = enum.auto()  # int: quarter turns clockwise
    FLIP = enum.auto()
    TRACE = enum.auto()
    SAVE = enum.auto()
    SAVE_AS = enum.auto()
    ASK_OPEN = enum.auto()
    ASK_GO_TO = enum.auto()
    ASK_RULE = enum.auto()
    DRAW_STATE = enum.auto()  # int: +1 the next state to draw with, -1 the previous
    SCREENSHOT = enum.auto()
    IDENTIFY = enum.auto()
    RECORD = enum.auto()
    OPEN = enum.auto()  # str: a file's path
    RESIZE = enum.auto()
    HOVER = enum.auto()  # (x, y) | None: the pointer's pixel, None when it left the window
    PAN = enum.auto()  # (dx, dy): pixels
    ZOOM = enum.auto()  # ((x, y), steps): at the pointer
    STROKE_BEGIN = enum.auto()  # ((x, y), alive): left (None: toggle the first cell, or stamp) or right (False: erase)
    STROKE_TO = enum.auto()  # (x, y): the pointer moved while drawing
    STROKE_END = enum.auto()
    PROMPT_TEXT = enum.auto()  # str: typed into the file name box
    PROMPT_KEY = enum.auto()  # str: "backspace", "enter", "cancel", "complete", "previous", "next" or "clear"


class Cmd(NamedTuple):
    command: Command
    arg: Any = None


class KeyBinding(NamedTuple):
    keys: tuple[int, ...]
    mods: str  # "" any (but no Ctrl), "ctrl", "shift", "ctrl+shift"
    cmd: Cmd
    label: str  # the keys as the help overlay shows them ("" hides a duplicate)
    help: str


K = pygame
KEYMAP: tuple[KeyBinding, ...] = (
    KeyBinding((K.K_SPACE,), "", Cmd(Command.TOGGLE_PLAY), "Space", "play / pause"),
    KeyBinding((K.K_n,), "", Cmd(Command.STEP, 1), "N", "step one generation"),
    KeyBinding((K.K_TAB,), "", Cmd(Command.STEP_BATCH), "Tab", "step a batch (the speed, at least 10)"),
    KeyBinding((K.K_PLUS, K.K_EQUALS, K.K_KP_PLUS, K.K_RIGHTBRACKET), "", Cmd(Command.FASTER), "+  ]",
               "faster; past the fastest, 2^n generations an update"),
    KeyBinding((K.K_MINUS, K.K_KP_MINUS, K.K_LEFTBRACKET), "", Cmd(Command.SLOWER), "-  [", "slower"),
    KeyBinding((K.K_g,), "ctrl", Cmd(Command.ASK_GO_TO), "Ctrl+G", "go to generation (Esc cancels the jump)"),
    KeyBinding((K.K_c,), "", Cmd(Command.CLEAR), "C", "clear the board (a new board: generation 0)"),
    KeyBinding((K.K_u,), "", Cmd(Command.ASK_RULE), "U", "change the rule (presets: Tab; undoable)"),
    KeyBinding((K.K_d,), "shift", Cmd(Command.DRAW_STATE, -1), "", ""),
    KeyBinding((K.K_d,), "", Cmd(Command.DRAW_STATE, 1), "D  Shift+D", "next / previous state to draw (multi-state rules)"),
    KeyBinding((K.K_r,), "shift", Cmd(Command.NEXT_DENSITY), "Shift+R", "change the random density, and fill"),
    KeyBinding((K.K_r,), "", Cmd(Command.RANDOMIZE), "R", "fill at random (generation 0)"),
    KeyBinding((K.K_g,), "", Cmd(Command.GRID), "G", "grid lines on / off"),
    KeyBinding((K.K_f,), "", Cmd(Command.FIT), "F", "fit the pattern in the window"),
    KeyBinding((K.K_z,), "ctrl+shift", Cmd(Command.REDO), "", ""),
    KeyBinding((K.K_z,), "ctrl", Cmd(Command.UNDO), "Ctrl+Z", "undo (edits, and play: back to where it started)"),
    KeyBinding((K.K_y,), "ctrl", Cmd(Command.REDO), "Ctrl+Y", "redo"),
    KeyBinding((K.K_r,), "ctrl", Cmd(Command.RESET), "Ctrl+R  Home", "reset to generation 0"),
    KeyBinding((K.K_HOME,), "", Cmd(Command.RESET), "", ""),
    KeyBinding((K.K_HOME,), "shift", Cmd(Command.RESET_TO_START), "Shift+Home", "back to where play last started"),
    KeyBinding((K.K_r,), "ctrl+shift", Cmd(Command.RESET_TO_START), "", ""),
    KeyBinding((K.K_s,), "ctrl", Cmd(Command.SAVE), "Ctrl+S", "save (a new board: asks for a name)"),
    KeyBinding((K.K_s,), "ctrl+shift", Cmd(Command.SAVE_AS), "Ctrl+Shift+S", "save as (.rle, .cells, .lif)"),
    KeyBinding((K.K_o,), "ctrl", Cmd(Command.ASK_OPEN), "Ctrl+O", "open a file (or drop it on the window)"),
    KeyBinding((K.K_p,), "", Cmd(Command.SCREENSHOT), "P", "save a PNG screenshot"),
    KeyBinding((K.K_g, K.K_F9), "shift", Cmd(Command.RECORD), "Shift+G  F9", "record a GIF / stop (file name shown)"),
    KeyBinding((K.K_F9,), "", Cmd(Command.RECORD), "", ""),
    KeyBinding((K.K_i,), "", Cmd(Command.IDENTIFY), "I", "identify: still life, oscillator, spaceship (again: cancel)"),
    KeyBinding((K.K_1, K.K_2, K.K_3, K.K_4, K.K_5, K.K_6, K.K_7, K.K_8, K.K_9), "", Cmd(Command.PICK),
               "1 \u2026 9", "pick a pattern (again: put it away)"),
    KeyBinding((K.K_0,), "", Cmd(Command.PICK, None), "0  Esc", "draw cells again"),
    KeyBinding((K.K_PERIOD,), "", Cmd(Command.ROTATE, 1), ".  ,", "rotate the pattern"),
    KeyBinding((K.K_COMMA,), "", Cmd(Command.ROTATE, -1), "", ""),
    KeyBinding((K.K_SLASH, K.K_x), "", Cmd(Command.FLIP), "/  X", "flip the pattern"),
    KeyBinding((K.K_t,), "", Cmd(Command.TRACE), "T", "protocol trace (of the cells near a change)"),
    KeyBinding((K.K_y,), "", Cmd(Command.GRAPH), "Y", "population graph"),
    KeyBinding((K.K_h, K.K_F1), "", Cmd(Command.HELP), "H  F1", "this help"),
    KeyBinding((K.K_q,), "ctrl", Cmd(Command.QUIT), "Ctrl+Q", "quit (unsaved changes: press twice)"),
)
HELP_MOUSE: tuple[tuple[str, str], ...] = (
    ("Click", "toggle a cell (or stamp the pattern)"),
    ("Left drag", "draw; from a live cell: erase"),
    ("Right drag", "erase cells"),
    ("Wheel", "zoom at the pointer"),
    ("Middle / Shift+left drag", "pan"),
    ("\u2190 \u2192 \u2191 \u2193", "pan"),
    ("Drop a file", "open it"),
)
_WITH_MODS = tuple(b for b in KEYMAP if b.mods)
_WITHOUT_MODS = tuple(b for b in KEYMAP if not b.mods)
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
    ctrl = bool(mods & (pygame.KMOD_CTRL | pygame.KMOD_META))
    if key in _PAN_KEYS and not ctrl:
        dx, dy = _PAN_KEYS[key]
        return Cmd(Command.PAN, (dx * PAN_STEP, dy * PAN_STEP))
    if key == K.K_ESCAPE:
        return Cmd(Command.ESCAPE)
    # Bindings that name their modifiers first: Shift+Home is not Home, Shift+G not G.
    for binding in (*_WITH_MODS, *_WITHOUT_MODS):
        if key in binding.keys and _mods_match(binding.mods, mods):
            if binding.cmd.command is Command.PICK and binding.cmd.arg is None and key != K.K_0:
                return Cmd(Command.PICK, binding.keys.index(key))
            return binding.cmd
    return None


@dataclass
class PointerState:
    """What the mouse is doing between events: ``None``, "draw", "erase" or "pan"."""

    mode: str | None = None
    pos: tuple[int, int] = (0, 0)


_PROMPT_KEYS = {K.K_BACKSPACE: "backspace", K.K_RETURN: "enter", K.K_KP_ENTER: "enter",
                K.K_ESCAPE: "cancel", K.K_TAB: "complete", K.K_UP: "previous", K.K_DOWN: "next"}


def _prompt_key(key: int, mods: int) -> list[Cmd]:
    """A key while the text box is open: editing keys only (the keymap is suspended)."""
    if key == K.K_u and mods & (pygame.KMOD_CTRL | pygame.KMOD_META):
        return [Cmd(Command.PROMPT_KEY, "clear")]
    if key == K.K_TAB and mods & pygame.KMOD_SHIFT:
        return [Cmd(Command.PROMPT_KEY, "previous")]
    name = _PROMPT_KEYS.get(key)
    return [Cmd(Command.PROMPT_KEY, name)] if name else []


def translate(event: pygame.event.Event, pointer: PointerState, typing: bool = False) -> list[Cmd]:
    """The commands an event asks for (often none).

    While ``typing`` (the file name box is open) keys edit the box instead:
    text comes as ``TEXTINPUT`` events, Backspace, Enter, Esc and Tab as keys,
    and the mouse's buttons do nothing.
    """
    et = event.type
    if et == pygame.QUIT:
        return [Cmd(Command.QUIT)]
    if typing:
        if et == pygame.TEXTINPUT:
            return [Cmd(Command.PROMPT_TEXT, event.text)]
        if et == pygame.KEYDOWN:
            return _prompt_key(event.key, getattr(event, "mod", 0))
        if et == pygame.MOUSEBUTTONDOWN and event.button in (1, 3):
            return []  # no drawing behind the box
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
            return [Cmd(Command.STROKE_BEGIN, (pos, None))]
        if event.button == 3:
            pointer.mode = "erase"
            return [Cmd(Command.STROKE_BEGIN, (pos, False))]
        return []
    if et == pygame.MOUSEMOTION:
        pos = tuple(event.pos)
        prev, pointer.pos = pointer.pos, pos  # type: ignore[assignment]
        if pointer.mode == "pan":
            return [Cmd(Command.PAN, (pos[0] - prev[0], pos[1] - prev[1]))]
        if pointer.mode in ("draw", "erase"):
            return [Cmd(Command.STROKE_TO, pos)]
        return [Cmd(Command.HOVER, pos)]
    if et == pygame.MOUSEBUTTONUP:
        mode, pointer.mode = pointer.mode, None
        if mode in ("draw", "erase"):
            return [Cmd(Command.STROKE_END)]
        return []
    if et == pygame.MOUSEWHEEL:
        steps = event.y if not getattr(event, "flipped", False) else -event.y
        # Wheel events carry no position; the pointer's last known one is used
        # (or the real one, if the mouse has not moved since the window opened).
        if pointer.pos == (0, 0) and pygame.mouse.get_focused():
            pointer.pos = pygame.mouse.get_pos()
        return [Cmd(Command.ZOOM, (pointer.pos, int(steps)))] if steps else []
    if et == pygame.DROPFILE:
        return [Cmd(Command.OPEN, event.file)]
    if et in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
        return [Cmd(Command.RESIZE)]
    if et == pygame.WINDOWLEAVE:
        return [Cmd(Command.HOVER, None)]
    return []
