"""The window: the pygame main loop, shaped input -> update -> draw -> flip -> tick.

:class:`App` sets the pieces up, runs the loop and closes everything with a
lifetime in one place (an :class:`contextlib.ExitStack`): the background
engine, the engine, the worker pool and the display.  What a command does is
:mod:`lifegame.app.commands`; files are :mod:`lifegame.app.files`.

For small boards the loop itself is the protocol's environment: each frame
gives the ``simulate`` coroutine what is left of a time budget
(:class:`~lifegame.app.compute.LoopDriver`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

from ..board import Board
from ..engines import POOL_MIN_CELLS, default_workers_for, make_engine
from ..engines.background import BackgroundEngine
from ..engines.pool import WorkerPool
from ..rules import RuleBase
from . import commands
from ..colours import rule_label, state_name
from .compute import Driver, choose_driver
from .display import NoDisplayError, close_window, open_window
from .files import DEFAULT_WINDOW, Credits
from .game import Game
from .hud import BAR_HEIGHT, Hud, Status, stepped_text
from .input import Cmd, Command, PointerState, translate
from .palette import Palette
from .prompt import Prompt
from .render import BoardRenderer, Theme
from .tools import IdentifyJob, Recording, SaveJob
from .view import TOP_INSET, View

if TYPE_CHECKING:
    from .options import AppOptions

__all__ = ["App", "FRAME_BUDGET", "NoDisplayError", "READY_FILE_ENV"]

FPS = 60
FRAME_BUDGET = 0.009
"""Seconds per frame the coroutines may run (of 16.7 ms); the rest draws the frame."""
MIN_FRAME_BUDGET = 0.004
"""The coroutines' share of a frame however long drawing takes.  On a slow
display (a virtual X server under load: 15-25 ms to draw and show a frame)
60 frames/s is out of reach anyway; this keeps generations coming."""
FRAME_MARGIN = 0.0015
"""For the event queue, a generation's end past the deadline, and the clock
(pygame's ``Clock.tick`` waits to the millisecond)."""
READY_FILE_ENV = "LIFEGAME_READY_FILE"
"""When set, the path of a file the app creates once its first frame is on screen (for tests)."""


class App:
    """A lifegame window.  ``App(options, board, rule)`` opens it; :meth:`run` runs it to the end.

    Tests drive it without a real screen: construct it under
    ``SDL_VIDEODRIVER=dummy``, call :meth:`handle` with synthetic events and
    :meth:`frame` to advance, and read :attr:`game` and :attr:`view`.
    """

    def __init__(self, options: AppOptions, board: Board, rule: RuleBase, *,
                 path: Path | None = None, name: str | None = None) -> None:
        self.options = options
        size = options.window or DEFAULT_WINDOW
        engine_name = options.engine or "auto"
        workers = options.workers or default_workers_for(engine_name)  # an unknown name: before any window
        # Everything with a lifetime, closed in reverse order by close().
        self._resources = contextlib.ExitStack()
        with self._resources:  # closed at once if the set-up fails
            self.screen = open_window(size)
            self._resources.callback(close_window)
            self._set_up(engine_name, workers, size, board, rule, path, name)
            self._resources = self._resources.pop_all()

    def _set_up(self, engine_name: str, workers: int, size: tuple[int, int], board: Board, rule: RuleBase,
                path: Path | None, name: str | None) -> None:
        pool = self._resources.enter_context(WorkerPool(workers))
        if workers > 1 and board.height * board.width >= POOL_MIN_CELLS:
            pool.start()  # forks while the window opens: the first Space finds the workers warm
        self.engine = make_engine(engine_name, pool)
        self._resources.callback(self.engine.close)
        self._background: BackgroundEngine | None = None  # created on first need
        self.game = Game(self._make_driver, board, rule, path=path, name=name)
        self._resources.callback(lambda: self.game.driver.close())
        self.credits = Credits()  # of the board's file, kept by a save
        self.view = View(size[0], max(1, size[1] - BAR_HEIGHT))
        self.renderer = BoardRenderer()
        self.hud = Hud()
        self.palette = Palette()
        self.pointer = PointerState()
        self.hover: tuple[int, int] | None = None
        self.stroke_cell: tuple[int, int] | None = None  # where the drag in progress last was
        self.stroke_state = 1  # the state the drag in progress draws (0: erases)
        self.quit_warned_until = -1.0  # see commands.quit_
        self.prompt: Prompt | None = None  # the file name box, while it is open
        self._swallow: str | None = None  # see handle()
        self.identify_job: IdentifyJob | None = None  # identify at work in its thread
        self.recording: Recording | None = None  # the GIF being recorded
        self.recorded_version = -1  # the game's version last recorded
        self._resources.callback(self._close_tools)
        # Saves: one at a time, off the window's thread; closing waits for the one under way.
        self.saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lifegame-save")
        self._resources.callback(self.saver.shutdown, wait=True)
        self.save_job: SaveJob | None = None
        self.quit_after_save = False  # Ctrl+Q during a save: quit once it is written
        self.show_help = False
        self.show_graph = False
        self.grid = True
        self.running = True
        self.clock = pygame.time.Clock()
        self.frame_times: deque[float] = deque(maxlen=240)
        self._last = time.perf_counter()
        self._draw_seconds = 0.0  # drawing and flipping a frame, smoothed
        self._caption = ""
        # A pattern opens with the view on the pattern (its board may be far
        # larger, with room for what it grows into); the default board whole.
        if self.options.pattern:
            self.fit_pattern()
        else:
            self.fit_board()
        self.update_caption()
        self.game.say("Space: play   N: step   draw with the mouse   H: help", 4.0)

    def _make_driver(self, board: Board, rule: RuleBase) -> Driver:
        return choose_driver(self.engine, board, rule, self._background_engine)

    def _background_engine(self) -> BackgroundEngine:
        """The background engine in front of :attr:`engine`, created once on first need."""
        if self._background is None:
            self._background = BackgroundEngine(self.engine)
            self._resources.callback(self._background.close, cancel=True)
        return self._background

    # -- the loop -------------------------------------------------------------------
    def run(self) -> int:
        """Run until the window closes (or Ctrl+Q, or SIGTERM); returns the exit status."""
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, lambda *_: self.request_quit())
        try:
            self.frame()
            ready = os.environ.get(READY_FILE_ENV)
            if ready:
                Path(ready).touch()
            while self.running:
                self.frame()
        finally:
            self.close()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return 0

    def request_quit(self) -> None:
        self.running = False

    def open_prompt(self, prompt: Prompt) -> None:
        """Show the file name box; typed text goes to it (and no key reaches the keymap) until it closes."""
        if self.pointer.mode in ("draw", "erase"):
            self.execute(Cmd(Command.STROKE_END))
            self.pointer.mode = None
        self.prompt = prompt
        self.show_help = False
        pygame.key.start_text_input()

    def close_prompt(self) -> None:
        self.prompt = None
        pygame.key.stop_text_input()

    def frame(self, tick: bool = True) -> None:
        """One frame: input -> update -> draw -> flip -> tick."""
        start = time.perf_counter()
        dt, self._last = start - self._last, start
        for event in pygame.event.get():
            self.handle(event)
        if not self.running:
            return
        # The coroutines get what the frame has left once drawing is paid for:
        # drawing costs more on some displays (software X servers), and the
        # frame rate must not drop at full speed.
        budget = min(FRAME_BUDGET, max(MIN_FRAME_BUDGET, 1.0 / FPS - self._draw_seconds - FRAME_MARGIN))
        self.update(min(dt, 0.25), start + budget)
        drawn = time.perf_counter()
        self.draw(self.screen)
        pygame.display.flip()
        end = time.perf_counter()
        self._draw_seconds = 0.8 * self._draw_seconds + 0.2 * (end - drawn)
        self.frame_times.append(end - start)
        if tick:
            self.clock.tick(FPS)

    def close(self) -> None:
        """Drop the work under way, close the background engine, the engine and the pool; the window goes."""
        self.running = False
        self._resources.close()

    # -- input ------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> None:
        """Carry out whatever ``event`` asks for."""
        swallow, self._swallow = self._swallow, None
        if swallow and event.type == pygame.TEXTINPUT and event.text == swallow:
            return  # the text of the key that opened the box (U), not typed into it
        was_open = self.prompt is not None
        for cmd in translate(event, self.pointer, typing=was_open):
            self.execute(cmd)
        if not was_open and self.prompt is not None and event.type == pygame.KEYDOWN:
            # SDL follows a key press with its text: a box opened by a plain key must not get it.
            self._swallow = event.dict.get("unicode") or None

    def execute(self, cmd: Cmd) -> None:
        commands.execute(self, cmd.command, cmd.arg)

    # -- update -------------------------------------------------------------------------
    def update(self, dt: float, deadline: float) -> None:
        self.game.update(dt, deadline)
        self.game.note_frame(time.perf_counter())
        commands.poll_tools(self)
        self.update_caption()

    def _close_tools(self) -> None:
        """Closing the window: identify is cancelled, a recording is finished (its GIF written)."""
        if self.identify_job is not None:
            self.identify_job.cancel(wait=5.0)
            self.identify_job = None
        if self.recording is not None:
            commands.stop_recording(self)

    # -- draw ---------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        game, view = self.game, self.view
        self.renderer.draw(surface, game.board.cells, view, version=game.version, grid=self.grid, rule=game.rule)
        if game.tracing:
            small = self.hud.small
            self.renderer.draw_trace(surface, view, game.trace, game.board.cells,
                                     lambda text, colour: self.hud.text(text, colour, small))
        pattern = self.palette.cells()
        if pattern is not None and self.hover is not None and self.pointer.mode != "pan":
            y, x = self.palette.anchor(*self.cell_at(self.hover))
            self.renderer.draw_pattern(surface, pattern, view, y, x, Theme.preview, 130, torus=game.board.shape)
        self._draw_hud(surface)

    def _draw_hud(self, surface: pygame.Surface) -> None:
        game, hud, palette = self.game, self.hud, self.palette
        driver = game.driver
        progress = driver.progress
        jump_text, jump_fraction = game.jump_status()
        save_text = self.save_job.status() if self.save_job is not None else ""
        times = list(self.frame_times)[-60:]
        fps = len(times) / sum(times) if times and sum(times) > 0 else 0.0
        fps = min(fps, self.clock.get_fps() or fps)
        hud.status_line(surface, Status(
            playing=game.playing, generation=game.generation, population=game.population,
            speed=game.speed, actual=game.actual_rate(), fps=fps, rule=rule_label(game.rule),
            size=game.board.shape, engine=driver.jump_label or driver.label, busy=driver.busy,
            step_exponent=game.step_exponent, jump=jump_text, jump_fraction=jump_fraction,
            saving=save_text, save_fraction=self.save_job.fraction if save_text and self.save_job else None,
            trace=game.tracing, trace_speed=game.trace_speed,
            instructions=progress.instructions if progress else 0,
            last_instructions=progress.last_instructions if progress else 0,
            stepped=stepped_text(progress) if progress else "",
            draw_state=f"draw {game.draw_state}: {state_name(game.rule, game.draw_state)}" if game.rule.states > 2 else "",
            draw_colour=self.renderer.colour_of(game.draw_state),
        ))
        tools = []
        if palette.entry is not None:
            turn = f" {palette.turns * 90}\u00b0" if palette.turns else ""
            tools.append(f"stamp: {palette.entry.name}{turn}{' flipped' if palette.flipped else ''}")
        if self.recording is not None:
            tools.append(f"\u25cf REC {self.recording.path.name} ({self.recording.frames:,} frames)")
        hud.title_chip(surface, game.name or "untitled", game.dirty, tools)
        if game.tracing:
            hud.trace_panel(surface, game.trace, progress, self.renderer.trace_legend())
        else:
            hud.palette_strip(surface, [e.name for e in palette.entries], palette.selected)
        if self.show_graph:
            hud.graph(surface, game.history)
        if game.message and time.perf_counter() < game.message_until and self.prompt is None:
            # (an open box says what matters itself; a toast peeking out behind it is noise)
            hud.toast(surface, game.message, beside_trace=game.tracing)
        if driver.error:
            hud.toast(surface, f"engine error: {driver.error}", beside_trace=game.tracing)
        if self.show_help:
            hud.help_overlay(surface)
        if self.prompt is not None:
            prompt = self.prompt
            rect = hud.prompt_box(surface, prompt.title, prompt.text, prompt.hint, prompt.error,
                                  caret=int(time.perf_counter() * 2) % 2 == 0,
                                  choices=prompt.choices, chosen=prompt.choice if prompt.query is not None else None,
                                  note=prompt.note)
            pygame.key.set_text_input_rect(rect)

    # -- the camera and the title --------------------------------------------------------
    def cell_at(self, pos: tuple[int, int]) -> tuple[int, int]:
        return self.view.cell_at(pos[0], pos[1])

    def fit_board(self) -> None:
        h, w = self.game.board.shape
        self.view.fit(0, 0, h, w, inset_top=TOP_INSET)

    def fit_pattern(self) -> None:
        box = self.game.board.bounding_box()
        if box is None:
            self.fit_board()
        else:
            top, left, rows, cols = box
            self.view.fit(top, left, rows, cols, max_ppc=40, inset_top=TOP_INSET)

    def keep_board_near(self) -> None:
        """Once the board's own tile has left the window entirely, re-centre the
        numbers on the copy being looked at (the picture does not move)."""
        h, w = self.game.board.shape
        y0, x0, y1, x1 = self.view.visible_cells()
        if y1 <= 0 or y0 >= h or x1 <= 0 or x0 >= w:
            self.view.normalise(h, w)

    def update_caption(self) -> None:
        name = self.game.name or "untitled"
        caption = f"lifegame \u2014 {name}{' *' if self.game.dirty else ''}"
        if caption != self._caption:
            pygame.display.set_caption(caption)
            self._caption = caption

    @property
    def caption(self) -> str:
        return self._caption
