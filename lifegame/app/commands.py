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
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pygame

from ..rules import RuleBase, parse_rule_spec
from . import files
from ..colours import rule_label
from .game import Game
from .input import Command, PointerState
from .palette import Palette
from .prompt import GO_TO, OPEN, RULE, SAVE, Prompt, display_path, parse_generation
from .tools import IdentifyJob, Recording, SaveJob, gif_name
from .view import BAR_HEIGHT, View

if TYPE_CHECKING:
    from ..engines.base import Engine

__all__ = ["HANDLERS", "App", "execute", "open_file", "save_file", "ask_save", "ask_open", "ask_go_to", "ask_rule",
           "read_rule", "poll_tools",
           "poll_save", "stop_recording",
           "QUIT_CONFIRM_SECONDS", "TRACE_COMFORT_CELLS"]


class App(Protocol):
    """What a command may read and change: the window (:class:`lifegame.app.loop.App`) as its handlers see it."""

    game: Game
    engine: Engine
    view: View
    palette: Palette
    pointer: PointerState
    credits: files.Credits
    screen: pygame.Surface
    hover: tuple[int, int] | None
    stroke_cell: tuple[int, int] | None
    stroke_state: int
    quit_warned_until: float
    show_help: bool
    show_graph: bool
    grid: bool
    prompt: Prompt | None
    identify_job: IdentifyJob | None
    recording: Recording | None
    recorded_version: int
    save_job: SaveJob | None
    quit_after_save: bool
    saver: Executor

    def request_quit(self) -> None: ...
    def open_prompt(self, prompt: Prompt) -> None: ...
    def close_prompt(self) -> None: ...
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
    """Ctrl+Q or closing the window: quit, but not past unsaved changes unasked.

    The first request with unsaved changes (a file's, or a board that has
    none yet) only warns; a second within :data:`QUIT_CONFIRM_SECONDS`
    quits.  (A board unchanged since it was opened or saved quits at once;
    SIGTERM always does.)
    """
    game = app.game
    job = app.save_job
    if job is not None:
        # Quitting waits for the save (its file would otherwise be left half-written): poll_save
        # asks again once it is done.
        app.quit_after_save = True
        game.say(f"saving {job.path.name} ({job.fraction:.0%}): quitting once it is written", 600)
        return
    now = time.perf_counter()
    if game.dirty and now > app.quit_warned_until:
        app.quit_warned_until = now + QUIT_CONFIRM_SECONDS
        if game.path is not None:
            what, how = f"{game.path.name} has unsaved changes", "Ctrl+S saves them"
        else:
            what = f"{game.name or 'this untitled board'} has unsaved changes (it is in no file yet)"
            how = "Ctrl+S saves it (asks for a file name)"
        game.say(f"{what}: {how}; Ctrl+Q or close again quits without saving", QUIT_CONFIRM_SECONDS)
        return
    app.request_quit()


@handles(Command.HELP)
def help_(app: App, _: None) -> None:
    app.show_help = not app.show_help


@handles(Command.ESCAPE)
def escape(app: App, _: None) -> None:
    if app.show_help:
        app.show_help = False
    elif app.game.cancel_jump():
        pass  # a jump (go to generation, hyper speed) was dropped; the game said so
    elif app.identify_job is not None:
        identify(app, None)
    else:
        app.palette.select(None)


@handles(Command.IDENTIFY)
def identify(app: App, _: None) -> None:
    """I: what the board is (in a thread: :meth:`poll_tools` shows the answer); again, or Esc, cancels."""
    job = app.identify_job
    if job is not None:
        job.cancel()
        app.identify_job = None
        app.game.say("identify cancelled", 2.0)
        return
    game = app.game
    app.identify_job = IdentifyJob(game.board, game.rule)
    game.say(f"identifying generation {game.generation:,}\u2026 (I or Esc cancels)", 600)


@handles(Command.RECORD)
def record(app: App, _: None) -> None:
    """Shift+G or F9: start recording the board to an animated GIF, or stop and write it."""
    if app.recording is not None:
        stop_recording(app)
        return
    path = gif_name()
    try:
        app.recording = Recording(path, app.game.board, app.game.rule)
    except Exception as exc:  # noqa: BLE001 - GifError (no Pillow), OSError
        app.game.say(f"cannot record a GIF: {exc}", 5.0)
        return
    app.recorded_version = app.game.version  # that board is the first frame
    app.game.say(f"recording {path.name} (Shift+G or F9 stops)", 4.0)


def stop_recording(app: App, why: str = "") -> None:
    recording, app.recording = app.recording, None
    if recording is None:
        return
    try:
        path = recording.close()
    except Exception as exc:  # noqa: BLE001 - reported in the window
        app.game.say(f"the GIF was not written: {exc}", 5.0)
        return
    app.game.say(f"{why}recorded {recording.frames:,} frames: {display_path(path)}", 6.0)


def poll_tools(app: App) -> None:
    """Once a frame: a save's end, identify's answer when it is there; the recording's next frame
    when the board changed."""
    poll_save(app)
    job = app.identify_job
    if job is not None:
        if job.done:
            app.identify_job = None
            if job.result is not None:
                app.game.say(job.result, 8.0)
        elif job.generation:
            app.game.say(f"identifying\u2026 {job.generation:,} of {job.max_period:,} generations "
                         f"(I or Esc cancels)", 600)
    recording = app.recording
    if recording is not None and app.recorded_version != app.game.version:
        app.recorded_version = app.game.version
        try:
            added = recording.add(app.game.board, app.game.rule)
            if not added:
                why = "another rule" if recording.rule != app.game.rule else "a board of another size"
                stop_recording(app, f"{why}: stopped; ")
        except Exception as exc:  # noqa: BLE001 - a full disk: stop, keep the window
            app.recording = None
            recording.discard()
            app.game.say(f"recording stopped, no GIF written: {exc}", 6.0)


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
    game = app.game
    if game.hyper:
        # At hyper speed a batch is one jump of the step, as Golly's step.
        game.go_to(game.generation + (1 << game.step_exponent))
        return
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


@handles(Command.RESET_TO_START)
def reset_to_start(app: App, _: None) -> None:
    app.game.reset_to_start()


# -- files -----------------------------------------------------------------------------
@handles(Command.OPEN)
def open_(app: App, path: str) -> None:
    if app.prompt is not None and app.prompt.kind == OPEN:
        app.close_prompt()  # a file dropped while the box asks for one
    open_file(app, Path(path))


@handles(Command.SAVE)
def save(app: App, _: None) -> None:
    """Ctrl+S: to the board's own file when lifegame writes its format; else ask for a name."""
    path = app.game.path
    if path is not None and files.can_write(path):
        save_file(app, path)
    else:
        ask_save(app)


@handles(Command.SAVE_AS)
def save_as(app: App, _: None) -> None:
    ask_save(app)


@handles(Command.ASK_OPEN)
def ask_open(app: App, _: None = None) -> None:
    """Ctrl+O: a box for the path of a file to open (in the folder of the board's file)."""
    folder = app.game.path.parent if app.game.path is not None else Path.cwd()
    app.open_prompt(Prompt(OPEN, display_path(folder) + "/", "open a pattern file",
                           "Enter opens \u00b7 Tab completes \u00b7 Esc cancels \u00b7 or drop a file on the window"))


@handles(Command.ASK_GO_TO)
def ask_go_to(app: App, _: None = None) -> None:
    """Ctrl+G: a box for the generation to go to (one jump in the background; Esc cancels it)."""
    app.open_prompt(Prompt(GO_TO, "", f"go to generation (now {app.game.generation:,})",
                           "Enter jumps \u00b7 1000000, 2^20, +1000 \u00b7 behind: from generation 0 "
                           "\u00b7 Esc cancels"))


@handles(Command.ASK_RULE)
def ask_rule(app: App, _: None = None) -> None:
    """U: a box for the rule to run (typed, or a preset: Tab cycles through those matching)."""
    app.open_prompt(Prompt(RULE, "", f"rule (now {rule_label(app.game.rule)})",
                           "Enter sets it \u00b7 Tab \u2193 \u2191 presets \u00b7 B36/S23, /2/3, B2-ek/S12, "
                           "LifeHistory \u00b7 Esc"))


def read_rule(app: App, text: str) -> RuleBase:
    """The rule typed into the rule box, for this board and this window's engine.

    Raises ``ValueError`` (a one-line message): the parser's for a bad rule; a
    ``:T`` torus of another size than the board's; a rule the engine cannot run.
    """
    spec = parse_rule_spec(text)
    h, w = app.game.board.shape
    if (spec.height is not None and spec.height != h) or (spec.width is not None and spec.width != w):
        raise ValueError(f"{text.strip()}: this board is a {w},{h} torus (width,height); "
                         "the rule box keeps the board: leave out the :T suffix")
    app.engine.check((h, w), spec.rule)  # EngineUnsupported is a ValueError
    return spec.rule


@handles(Command.DRAW_STATE)
def draw_state(app: App, step: int) -> None:
    app.game.next_draw_state(step)


def ask_save(app: App) -> None:
    """A box for the file to save to: a free name next to the board's file (or here) to start with."""
    game = app.game
    folder = game.path.parent if game.path is not None else Path.cwd()
    if game.path is not None and files.can_write(game.path):
        suggestion = game.path
    else:
        suggestion = files.new_file_name(game.name, folder)
    app.open_prompt(Prompt(SAVE, display_path(suggestion), "save the board as",
                           "Enter saves \u00b7 .rle, .cells or .lif/.life \u00b7 Esc cancels"))


@handles(Command.PROMPT_TEXT)
def prompt_text(app: App, text: str) -> None:
    if app.prompt is not None:
        app.prompt.insert(text)


@handles(Command.PROMPT_KEY)
def prompt_key(app: App, name: str) -> None:
    prompt = app.prompt
    if prompt is None:
        return
    if name == "cancel":
        app.close_prompt()
        app.game.say({SAVE: "not saved", OPEN: "nothing opened", RULE: "rule unchanged"}.get(prompt.kind, "not moved"),
                     1.5)
    elif name == "backspace":
        prompt.backspace()
    elif name == "clear":
        prompt.clear()
    elif name == "complete":
        prompt.complete()
    elif name in ("previous", "next"):
        prompt.cycle(-1 if name == "previous" else 1)
    elif name == "enter":
        _prompt_enter(app, prompt)


def _prompt_enter(app: App, prompt: Prompt) -> None:
    if prompt.kind == RULE:
        try:
            rule = read_rule(app, prompt.text)
        except ValueError as exc:  # RuleError, EngineUnsupported: one line; the old rule stays
            # Said in the box only (wrapped there): a toast behind the box would repeat it.
            prompt.error = f"{exc} (the rule stays {app.game.rule})"
            return
        app.close_prompt()
        app.game.change_rule(rule)
        return
    if prompt.kind == GO_TO:
        try:
            target = parse_generation(prompt.text, app.game.generation)
        except ValueError as exc:
            prompt.error = str(exc)
            return
        app.close_prompt()
        app.game.go_to(target)
        return
    path = prompt.path
    if prompt.kind == OPEN:
        if not path.is_file():
            prompt.error = f"no file {display_path(path)}"
        elif open_file(app, path):
            app.close_prompt()
        else:
            prompt.error = app.game.message
        return
    if not path.suffix and prompt.text.strip() and not path.is_dir():
        path = path.with_name(path.name + ".rle")  # no extension: RLE
    problem = files.save_problem(path)
    if problem:
        prompt.error = problem
    elif path.exists() and prompt.confirm != path and path != app.game.path:
        prompt.confirm = path  # never replace a file unasked
        prompt.error = f"{path.name} exists: Enter again replaces it (or change the name)"
    elif save_file(app, path):
        app.close_prompt()
    else:
        prompt.error = app.game.message
        prompt.confirm = None


def open_file(app: App, path: Path) -> bool:
    """Open a pattern file on the board ``lifegame run`` would make of it; a bad file is a message."""
    try:
        opened = files.open_pattern(path)
    except Exception as exc:  # noqa: BLE001 - PatternError, BoardSizeError, OSError...
        text = str(exc)
        app.game.say(text if path.name in text else f"cannot open {path.name}: {text}", 5.0)
        return False
    board = opened.board
    app.game.open_board(board, opened.rule, path, path.name)
    app.credits.remember(path, opened.pattern)
    app.fit_pattern()  # the pattern, not its board (which may leave it room to grow)
    app.update_caption()
    app.game.say(f"opened {path.name}: {board.height}\u00d7{board.width}, {board.population():,} cells")
    return True


def save_file(app: App, path: Path) -> bool:
    """Start saving the board to ``path`` (a name the user gave, or the board's own file); the file's
    credits are kept.

    The board is copied here (a snapshot) and written by the app's save
    thread while the window goes on; :func:`poll_save` finishes the save
    (the file's name and the unsaved mark) or reports its failure.  False,
    with a message, when it cannot start (another save is under way).
    """
    game = app.game
    job = app.save_job
    if job is not None:
        game.say(f"still saving {job.path.name} ({job.fraction:.0%}): save again once it is written", 4.0)
        return False
    try:
        snapshot = files.snapshot_for_save(path, game.board, game.rule, app.credits.of(game.path))
        app.save_job = SaveJob(app.saver, files.write_snapshot, path, snapshot, rule=game.rule,
                               generation=game.generation, gen0=game.gen0_frame, version=game.version,
                               document=(game.path, game.name))
    except Exception as exc:  # noqa: BLE001 - reported in the window
        text = str(exc)
        game.say(text if path.name in text else f"cannot save {path.name}: {text}", 5.0)
        return False
    game.say(f"saving {display_path(path)}\u2026", 600)
    return True


def poll_save(app: App) -> None:
    """Once a frame: when the save under way is done, the board is in its file (or a message says why not)."""
    job = app.save_job
    if job is None or not job.done():
        return
    app.save_job = None
    game, path = app.game, job.path
    try:
        frame = job.future.result()
    except Exception as exc:  # noqa: BLE001 - PatternError, OSError, MemoryError: one line
        text = str(exc) or type(exc).__name__
        text = text if path.name in text else f"cannot save {path.name}: {text}"
        if app.quit_after_save:
            app.quit_after_save = False
            text += " (not quitting)"
        game.say(text, 6.0)
        return
    if (game.path, game.name) == job.document:  # still the board saved (no other file opened meanwhile)
        game.saved(path, frame, job.rule, job.version)
        game.name = path.name
        app.update_caption()
    game.say(f"saved {display_path(path)}" + ("" if not game.dirty else " (the board has changed since)"), 4.0)
    if app.quit_after_save:
        app.quit_after_save = False
        quit_(app, None)


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
    if alive is not False and pattern is not None:
        y, x = app.palette.anchor(*cell)
        app.game.stamp(pattern, y, x)
        app.pointer.mode = None  # a stamp is one click, not a drag
        return
    state = app.game.draw_state
    if alive is None:  # a left click toggles; a drag sets cells as that first one became (Golly)
        h, w = app.game.board.shape
        value = 0 if app.game.board.cells[cell[0] % h, cell[1] % w] == state else state
    else:
        value = state if alive else 0
    app.stroke_state = value
    app.stroke_cell = cell
    app.game.begin_stroke("draw" if value else "erase")
    app.game.paint([cell], value)


@handles(Command.STROKE_TO)
def stroke_to(app: App, pos: tuple[int, int]) -> None:
    app.hover = pos
    if app.stroke_cell is None:
        return
    cell = app.cell_at(pos)
    app.game.draw_line(app.stroke_cell, cell, app.stroke_state)
    app.stroke_cell = cell


@handles(Command.STROKE_END)
def stroke_end(app: App, _: None) -> None:
    app.stroke_cell = None
    app.game.end_stroke()


_missing = [command.name for command in Command if command not in HANDLERS]
if _missing:
    raise ImportError(f"commands without a handler in {__name__}: {', '.join(_missing)}")
