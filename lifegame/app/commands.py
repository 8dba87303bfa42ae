"""What each command does: one handler per :class:`~lifegame.app.input.Command`.

:data:`HANDLERS` maps every command to a function ``handler(app, arg)``; it is
checked complete when this module is imported, so a command without a handler
(or a handler registered twice) fails at import, never at a key press.
Handlers change the model (:class:`~lifegame.app.game.Game`), the camera and
the window's own state; files are read and written by :mod:`lifegame.app.files`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pygame

from . import files
from .game import Game
from .input import Command, PointerState
from .palette import Palette
from .view import BAR_HEIGHT, View

__all__ = ["HANDLERS", "App", "execute", "open_file", "save_file", "QUIT_CONFIRM_SECONDS", "TRACE_COMFORT_CELLS"]


class App(Protocol):
    """What a command may read and change: the window (:class:`lifegame.app.loop.App`) as its handlers see it."""

    game: Game
    view: View
    palette: Palette
    pointer: PointerState
    credits: files.Credits
    screen: pygame.Surface
    hover: tuple[int, int] | None
    stroke_cell: tuple[int, int] | None
    stroke_alive: bool
    quit_warned_until: float
    show_help: bool
    show_graph: bool
    grid: bool

    def request_quit(self) -> None: ...
    def cell_at(self, pos: tuple[int, int]) -> tuple[int, int]: ...
    def fit_board(self) -> None: ...
    def fit_pattern(self) -> None: ...
    def keep_board_near(self) -> None: ...
    def update_caption(self) -> None: ...


Handler = Callable[[App, Any], None]
HANDLERS: dict[Command, Handler] = {}
"""Every command's handler, ``handler(app, arg)``."""

QUIT_CONFIRM_SECONDS = 5.0
"""How long a second Ctrl+Q (or close) confirms quitting past unsaved changes."""
TRACE_COMFORT_CELLS = 16 * 16
"""Above this many stepped cells the trace warns that a whole generation will take a while to watch."""


def handles(command: Command) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if command in HANDLERS:
            raise ImportError(f"two handlers for {command}: {HANDLERS[command].__name__}, {handler.__name__}")
        HANDLERS[command] = handler
        return handler

    return register


def execute(app: App, command: Command, arg: Any = None) -> None:
    """Carry out ``command`` on ``app``."""
    HANDLERS[command](app, arg)


def _duration(seconds: float) -> str:
    """A rough human duration: "40 s", "7 min", "2 h"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


# -- the program ---------------------------------------------------------------------
@handles(Command.QUIT)
def quit_(app: App, _: None) -> None:
    """Ctrl+Q or closing the window: quit, but not past unsaved changes to a file unasked.

    The first request on a file with unsaved changes only warns; a second
    within :data:`QUIT_CONFIRM_SECONDS` quits.  (A scratch board with no file
    quits at once; SIGTERM always does.)
    """
    game = app.game
    now = time.perf_counter()
    if game.dirty and game.path is not None and now > app.quit_warned_until:
        app.quit_warned_until = now + QUIT_CONFIRM_SECONDS
        game.say(f"{game.path.name} has unsaved changes: Ctrl+S saves them; "
                 f"Ctrl+Q or close again quits without saving", QUIT_CONFIRM_SECONDS)
        return
    app.request_quit()


@handles(Command.HELP)
def help_(app: App, _: None) -> None:
    app.show_help = not app.show_help


@handles(Command.ESCAPE)
def escape(app: App, _: None) -> None:
    if app.show_help:
        app.show_help = False
    else:
        app.palette.select(None)


@handles(Command.GRAPH)
def graph(app: App, _: None) -> None:
    app.show_graph = not app.show_graph


@handles(Command.GRID)
def grid(app: App, _: None) -> None:
    app.grid = not app.grid


@handles(Command.SCREENSHOT)
def screenshot(app: App, _: None) -> None:
    path = files.screenshot_name()
    pygame.image.save(app.screen, str(path))
    app.game.say(f"screenshot saved: {path.name}")


# -- running -----------------------------------------------------------------------------
@handles(Command.TOGGLE_PLAY)
def toggle_play(app: App, _: None) -> None:
    app.game.toggle_play()


@handles(Command.STEP)
def step(app: App, generations: int) -> None:
    app.game.step(generations)


@handles(Command.STEP_BATCH)
def step_batch(app: App, _: None) -> None:
    speed = app.game.speed
    n = 10 if math.isinf(speed) else max(10, int(speed))
    app.game.step(n)
    app.game.say(f"stepping {n} generations")


@handles(Command.FASTER)
def faster(app: App, _: None) -> None:
    app.game.faster()


@handles(Command.SLOWER)
def slower(app: App, _: None) -> None:
    app.game.slower()


@handles(Command.TRACE)
def trace(app: App, _: None) -> None:
    game = app.game
    if game.tracing:
        game.stop_trace()
        game.say("protocol trace off")
        return
    if not game.start_trace():
        game.say(f"the trace needs a board stepped by the coroutines in the loop "
                 f"(this one: {game.driver.label})")
        return
    progress = game.driver.progress
    cells = game.board.height * game.board.width
    stepped = progress.stepped_cells if progress is not None else cells
    # Ten instructions a stepped cell (its own Query, eight neighbours', a
    # Transition), at the trace's pace; the cells far from any change are skipped.
    which = (f"{stepped:,} of {cells:,} cells (those near a change)" if stepped < cells
             else f"all {cells:,} cells")
    when = "the next generation steps" if progress is None or progress.generations == 0 else "the last one stepped"
    if stepped <= TRACE_COMFORT_CELLS:
        game.say(f"protocol trace: {when} {which}; Space runs it, +/- change instructions per second",
                 seconds=6)
    else:
        seconds = 10 * stepped / max(game.trace_speed, 1)
        game.say(f"protocol trace: {when} {which}, {10 * stepped:,} instructions, "
                 f"~{_duration(seconds)} at this speed (+/- change it, N finishes a generation)", seconds=6)


# -- the whole board -------------------------------------------------------------------
@handles(Command.CLEAR)
def clear(app: App, _: None) -> None:
    app.game.clear()


@handles(Command.RANDOMIZE)
def randomize(app: App, _: None) -> None:
    app.game.randomize()


@handles(Command.NEXT_DENSITY)
def next_density(app: App, _: None) -> None:
    app.game.next_density()
    app.game.randomize()


@handles(Command.UNDO)
def undo(app: App, _: None) -> None:
    app.game.undo()


@handles(Command.REDO)
def redo(app: App, _: None) -> None:
    app.game.redo()


@handles(Command.RESET)
def reset(app: App, _: None) -> None:
    app.game.reset()


# -- files -----------------------------------------------------------------------------
@handles(Command.OPEN)
def open_(app: App, path: str) -> None:
    open_file(app, Path(path))


@handles(Command.SAVE)
def save(app: App, _: None) -> None:
    save_file(app)


def open_file(app: App, path: Path) -> bool:
    """Open a pattern file on the board ``lifegame run`` would make of it; a bad file is a message."""
    try:
        opened = files.open_pattern(path)
    except Exception as exc:  # noqa: BLE001 - PatternError, BoardSizeError, OSError...
        app.game.say(f"cannot open {path.name}: {exc}", 5.0)
        return False
    board = opened.board
    app.game.open_board(board, opened.rule, path, path.name)
    app.credits.remember(path, opened.pattern)
    app.fit_board()
    app.update_caption()
    app.game.say(f"opened {path.name}: {board.height}\u00d7{board.width}, {board.population():,} cells")
    return True


def save_file(app: App, path: Path | None = None) -> bool:
    """Save the board to ``path``, its own file, or a new file here; the file's credits are kept."""
    game = app.game
    target = path or game.path or files.new_file_name(game.name)
    try:
        files.save_board(target, game.board, game.rule, app.credits.of(game.path))
    except Exception as exc:  # noqa: BLE001 - reported in the window
        game.say(f"cannot save {target.name}: {exc}", 5.0)
        return False
    game.saved(target)
    game.name = target.name
    app.update_caption()
    game.say(f"saved {target}")
    return True


# -- the palette -----------------------------------------------------------------------
@handles(Command.PICK)
def pick(app: App, index: int | None) -> None:
    if index is None:
        app.palette.selected = None
        return
    app.palette.select(index)
    entry = app.palette.entry
    if entry is not None:
        app.game.say(f"{entry.name}: click to stamp, . , rotate, / flips, same key puts it away")


@handles(Command.ROTATE)
def rotate(app: App, turns: int) -> None:
    app.palette.rotate(turns)


@handles(Command.FLIP)
def flip(app: App, _: None) -> None:
    app.palette.flip()


# -- the camera ------------------------------------------------------------------------
@handles(Command.FIT)
def fit(app: App, _: None) -> None:
    app.fit_pattern()


@handles(Command.RESIZE)
def resize(app: App, _: None) -> None:
    w, h = app.screen.get_size()
    app.view.resize(w, max(1, h - BAR_HEIGHT))


@handles(Command.HOVER)
def hover(app: App, pos: tuple[int, int] | None) -> None:
    app.hover = pos


@handles(Command.PAN)
def pan(app: App, delta: tuple[int, int]) -> None:
    app.view.pan_pixels(*delta)
    app.keep_board_near()


@handles(Command.ZOOM)
def zoom(app: App, arg: tuple[tuple[int, int], int]) -> None:
    pos, steps = arg
    app.view.zoom_at(steps, pos[0], pos[1])


# -- drawing ---------------------------------------------------------------------------
@handles(Command.STROKE_BEGIN)
def stroke_begin(app: App, arg: tuple[tuple[int, int], bool]) -> None:
    pos, alive = arg
    app.hover = pos
    cell = app.cell_at(pos)
    pattern = app.palette.cells()
    if alive and pattern is not None:
        y, x = app.palette.anchor(*cell)
        app.game.stamp(pattern, y, x)
        app.pointer.mode = None  # a stamp is one click, not a drag
        return
    app.stroke_alive = alive
    app.stroke_cell = cell
    app.game.begin_stroke("draw" if alive else "erase")
    app.game.paint([cell], alive)


@handles(Command.STROKE_TO)
def stroke_to(app: App, pos: tuple[int, int]) -> None:
    app.hover = pos
    if app.stroke_cell is None:
        return
    cell = app.cell_at(pos)
    app.game.draw_line(app.stroke_cell, cell, app.stroke_alive)
    app.stroke_cell = cell


@handles(Command.STROKE_END)
def stroke_end(app: App, _: None) -> None:
    app.stroke_cell = None
    app.game.end_stroke()


_missing = [command.name for command in Command if command not in HANDLERS]
if _missing:
    raise ImportError(f"commands without a handler in {__name__}: {', '.join(_missing)}")
