"""The window: the pygame main loop, shaped input -> update -> draw -> flip -> tick.

:class:`App` wires the pieces together and owns everything with a lifetime:
the display, the model (:class:`~lifegame.app.game.Game`), the camera
(:class:`~lifegame.app.view.View`), the renderer, the HUD and the background
pool (created on first need, closed with the window).  Each command from
:mod:`lifegame.app.input` is one small method here.

For small boards the loop itself is the protocol's environment: each frame
gives the ``simulate`` coroutine what is left of a time budget.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pygame

from ..board import Board
from ..rules import Rule
from .background import Background, make_background
from .compute import INLINE_MAX_CELLS, Driver, InlineDriver, PoolDriver
from .game import Game
from .hud import BAR_HEIGHT, Hud, Status
from .input import Cmd, PointerState, translate
from .palette import Palette
from .render import BoardRenderer, Theme
from .trace import TraceRecorder
from .view import TOP_INSET, View

if TYPE_CHECKING:
    from . import AppOptions

__all__ = ["App", "FRAME_BUDGET"]

FPS = 60
FRAME_BUDGET = 0.009
MIN_FRAME_BUDGET = 0.002  # the coroutines always make some progress
FRAME_MARGIN = 0.003  # for the event queue and the clock
"""Seconds per frame the coroutines may run (of 16.7 ms); the rest draws the frame."""
QUIT_CONFIRM_SECONDS = 5.0
"""How long a second Ctrl+Q (or close) confirms quitting past unsaved changes."""
TRACE_MAX_CELLS = 64 * 64
TRACE_COMFORT_CELLS = 16 * 16
"""Above this the trace warns that a whole generation will take a while to watch."""


def _duration(seconds: float) -> str:
    """A rough human duration: "40 s", "7 min", "2 h"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


_WITH_ARG = frozenset({"step", "pick", "rotate", "open", "hover", "pan", "zoom", "stroke_begin", "stroke_to"})


_HEADLESS_DRIVERS = ("offscreen", "dummy")


class NoDisplayError(OSError):
    """There is no screen for the window; the message says what to do instead."""


_NO_SCREEN = "no screen to open a window on (DISPLAY is not set); 'lifegame run' works without one"


def _no_screen() -> bool:
    """True on Linux when neither X nor Wayland is there and no SDL driver was asked for.

    Said before SDL starts: probing its drivers with no screen prints noise of
    its own ("XDG_RUNTIME_DIR is invalid ...") ahead of the one line we give.
    """
    if not sys.platform.startswith("linux") or os.environ.get("SDL_VIDEODRIVER"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class App:
    """A lifegame window.  ``App(options)`` opens it; :meth:`run` runs it to the end.

    Tests drive it without a real screen: construct it under
    ``SDL_VIDEODRIVER=dummy``, call :meth:`handle` with synthetic events and
    :meth:`frame` to advance, and read :attr:`game` and :attr:`view`.
    """

    def __init__(self, options: AppOptions, board: Board, rule: Rule, *,
                 path: Path | None = None, name: str | None = None) -> None:
        self.options = options
        if _no_screen():
            raise NoDisplayError(_NO_SCREEN)
        try:
            pygame.display.init()
        except pygame.error as exc:  # "No available video device"
            raise NoDisplayError(f"cannot open a window ({exc}); 'lifegame run' works without one") from None
        if pygame.display.get_driver() in _HEADLESS_DRIVERS and not os.environ.get("SDL_VIDEODRIVER"):
            # SDL falls back to an invisible window when there is no screen
            # (ssh without X forwarding): say so instead of running unseen.
            pygame.display.quit()
            raise NoDisplayError(_NO_SCREEN)
        pygame.font.init()
        size = options.window or (1280, 800)
        self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self._background: Background | None = None
        # (file, Pattern read from it): the credits a save keeps, for that file only.
        self._source: tuple[Path | None, Any] | None = None
        self.game = Game(self._make_driver, board, rule, path=path, name=name)
        self.view = View(size[0], max(1, size[1] - BAR_HEIGHT))
        self.renderer = BoardRenderer()
        self.hud = Hud()
        self.palette = Palette()
        self.pointer = PointerState()
        self.hover: tuple[int, int] | None = None
        self.trace = TraceRecorder()
        self.tracing = False
        self.show_help = False
        self.show_graph = False
        self.grid = True
        self.running = True
        self.clock = pygame.time.Clock()
        self.frame_times: deque[float] = deque(maxlen=240)
        self._last = time.perf_counter()
        self._draw_seconds = 0.0  # drawing and flipping a frame, smoothed
        self._trace_owed = 0.0
        self._stroke_cell: tuple[int, int] | None = None
        self._stroke_alive = True
        self._caption = ""
        self._quit_warned_until = -1.0  # see cmd_quit
        self.fit_board()
        self._update_caption()
        self.game.say("Space: play   N: step   draw with the mouse   H: help", 4.0)

    # -- engines ----------------------------------------------------------------
    def _engine(self) -> Background:
        """The background pool, created once on first need (it takes a moment to start)."""
        if self._background is None:
            self._background = make_background(self.options.workers, (self.options.engine or "auto").lower())
        return self._background

    def _make_driver(self, board: Board, rule: Rule) -> Driver:
        engine = (self.options.engine or "auto").lower()
        if engine in ("coroutine", "coroutines", "inline") or (
            engine == "auto" and board.height * board.width <= INLINE_MAX_CELLS
        ):
            return InlineDriver(board, rule)
        return PoolDriver(board, rule, self._engine)

    # -- the loop -------------------------------------------------------------------
    def run(self) -> int:
        """Run until the window closes (or Ctrl+Q, or SIGTERM); returns the exit status."""
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, lambda *_: self.request_quit())
        try:
            while self.running:
                self.frame()
        finally:
            self.close()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return 0

    def request_quit(self) -> None:
        self.running = False

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
        """Cancel background work and stop the pool; the window goes away."""
        self.running = False
        try:
            self.game.driver.close()
        finally:
            if self._background is not None:
                self._background.close(cancel=True)
                self._background = None
            pygame.display.quit()

    # -- input ------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> None:
        """Carry out whatever ``event`` asks for."""
        for cmd in translate(event, self.pointer):
            self.execute(cmd)

    def execute(self, cmd: Cmd) -> None:
        method = getattr(self, "cmd_" + cmd.name, None)
        if method is None:
            raise ValueError(f"unknown command {cmd.name!r}")
        if cmd.name in _WITH_ARG:
            method(cmd.arg)
        else:
            method()

    def cell_at(self, pos: tuple[int, int]) -> tuple[int, int]:
        return self.view.cell_at(pos[0], pos[1])

    def cmd_quit(self) -> None:
        """Ctrl+Q or closing the window: quit, but not past unsaved changes to a file unasked.

        The first request on a file with unsaved changes only warns; a second
        within :data:`QUIT_CONFIRM_SECONDS` quits.  (A scratch board with no
        file quits at once; SIGTERM always does.)
        """
        game = self.game
        now = time.perf_counter()
        if game.dirty and game.path is not None and now > self._quit_warned_until:
            self._quit_warned_until = now + QUIT_CONFIRM_SECONDS
            game.say(f"{game.path.name} has unsaved changes: Ctrl+S saves them; "
                     f"Ctrl+Q or close again quits without saving", QUIT_CONFIRM_SECONDS)
            return
        self.request_quit()

    def cmd_toggle_play(self) -> None:
        self.game.toggle_play()
        self._trace_owed = 1.0

    def cmd_step(self, n: int) -> None:
        self.game.step(n)

    def cmd_step_batch(self) -> None:
        speed = self.game.speed
        n = 10 if math.isinf(speed) else max(10, int(speed))
        self.game.step(n)
        self.game.say(f"stepping {n} generations")

    def cmd_faster(self) -> None:
        self.game.faster(trace=self.tracing)

    def cmd_slower(self) -> None:
        self.game.slower(trace=self.tracing)

    def cmd_clear(self) -> None:
        self.game.clear()
        self.trace.new_generation()

    def cmd_randomize(self) -> None:
        self.game.randomize()
        self.trace.new_generation()

    def cmd_next_density(self) -> None:
        self.game.next_density()
        self.cmd_randomize()

    def cmd_grid(self) -> None:
        self.grid = not self.grid

    def cmd_fit(self) -> None:
        self.fit_pattern()

    def cmd_undo(self) -> None:
        self.game.undo()

    def cmd_redo(self) -> None:
        self.game.redo()

    def cmd_reset(self) -> None:
        if self.game.reset():
            self.trace.new_generation()

    def cmd_help(self) -> None:
        self.show_help = not self.show_help

    def cmd_escape(self) -> None:
        if self.show_help:
            self.show_help = False
        else:
            self.palette.select(None)

    def cmd_graph(self) -> None:
        self.show_graph = not self.show_graph

    def cmd_pick(self, index: int | None) -> None:
        if index is None:
            self.palette.selected = None
            return
        self.palette.select(index)
        entry = self.palette.entry
        if entry is not None:
            self.game.say(f"{entry.name}: click to stamp, . , rotate, / flips, same key puts it away")

    def cmd_rotate(self, turns: int) -> None:
        self.palette.rotate(turns)

    def cmd_flip(self) -> None:
        self.palette.flip()

    def cmd_trace(self) -> None:
        if self.tracing:
            self.tracing = False
            self.game.say("protocol trace off")
            return
        driver = self.game.driver
        if not isinstance(driver, InlineDriver) or self.game.board.height * self.game.board.width > TRACE_MAX_CELLS:
            self.game.say(f"the trace needs a board of at most {TRACE_MAX_CELLS:,} cells run by the coroutines")
            return
        if driver.busy:  # start the trace at a generation boundary
            driver.pump(0, time.perf_counter() + 1.0)
        self.trace.reset()
        self.tracing = True
        self._trace_owed = 1.0
        cells = self.game.board.height * self.game.board.width
        if cells <= TRACE_COMFORT_CELLS:
            self.game.say("protocol trace: Space runs it, +/- change instructions per second")
        else:
            # Say what the user is in for: ten instructions a cell (its own
            # Query, eight neighbours', a Transition) at the trace's pace.
            seconds = 10 * cells / max(self.game.trace_speed, 1)
            self.game.say(f"protocol trace: {10 * cells:,} instructions a generation here, "
                          f"~{_duration(seconds)} at this speed (+/- change it)", seconds=6)

    def cmd_save(self) -> None:
        self.save()

    def cmd_screenshot(self) -> None:
        path = Path.cwd() / time.strftime("lifegame-%Y%m%d-%H%M%S.png")
        pygame.image.save(self.screen, str(path))
        self.game.say(f"screenshot saved: {path.name}")

    def cmd_open(self, path: str) -> None:
        self.open(Path(path))

    def cmd_resize(self) -> None:
        w, h = self.screen.get_size()
        self.view.resize(w, max(1, h - BAR_HEIGHT))

    def cmd_hover(self, pos: tuple[int, int] | None) -> None:
        self.hover = pos

    def cmd_pan(self, delta: tuple[int, int]) -> None:
        self.view.pan_pixels(*delta)
        self._keep_board_near()

    def cmd_zoom(self, arg: tuple[tuple[int, int], int]) -> None:
        pos, steps = arg
        self.view.zoom_at(steps, pos[0], pos[1])

    def cmd_stroke_begin(self, arg: tuple[tuple[int, int], bool]) -> None:
        pos, alive = arg
        self.hover = pos
        cell = self.cell_at(pos)
        pattern = self.palette.cells()
        if alive and pattern is not None:
            y, x = self.palette.anchor(*cell)
            self.game.stamp(pattern, y, x)
            self.pointer.mode = None  # a stamp is one click, not a drag
            return
        self._stroke_alive = alive
        self._stroke_cell = cell
        self.game.begin_stroke("draw" if alive else "erase")
        self.game.paint([cell], alive)

    def cmd_stroke_to(self, pos: tuple[int, int]) -> None:
        self.hover = pos
        if self._stroke_cell is None:
            return
        cell = self.cell_at(pos)
        self.game.draw_line(self._stroke_cell, cell, self._stroke_alive)
        self._stroke_cell = cell

    def cmd_stroke_end(self) -> None:
        self._stroke_cell = None
        self.game.end_stroke()

    # -- view helpers -------------------------------------------------------------------
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

    def _keep_board_near(self) -> None:
        # Once the board's own tile has left the window entirely, re-centre the
        # numbers on the copy being looked at (the picture does not move).
        h, w = self.game.board.shape
        y0, x0, y1, x1 = self.view.visible_cells()
        if y1 <= 0 or y0 >= h or x1 <= 0 or x0 >= w:
            self.view.normalise(h, w)

    # -- files --------------------------------------------------------------------------
    def open(self, path: Path) -> bool:
        """Open a pattern file; a bad file is reported in the window, never fatal."""
        try:
            from ..patterns import read_pattern  # type: ignore[attr-defined]

            pattern = read_pattern(path)
            board = pattern.to_board()
        except Exception as exc:  # noqa: BLE001 - PatternError, BoardSizeError, ImportError...
            self.game.say(f"cannot open {path.name}: {exc}", 5.0)
            return False
        self.game.open_board(board, pattern.rule, path, path.name)
        self._source = (path, pattern)
        self.trace.reset()
        self.tracing = False
        self.fit_board()
        self._update_caption()
        self.game.say(f"opened {path.name}: {board.height}\u00d7{board.width}, {board.population():,} cells")
        return True

    def _source_pattern(self):  # -> Pattern | None
        """The pattern the board's file holds (for its credits), read once per file.

        Keyed on the file: after an undone open the board belongs to the
        earlier file again, and so do the credits.
        """
        path = self.game.path
        if self._source is None or self._source[0] != path:
            self._source = (path, None)
            if path is not None and path.is_file():
                from ..patterns import read_pattern

                try:
                    self._source = (path, read_pattern(path))
                except Exception:  # noqa: BLE001 - no credits to keep, the save goes on
                    pass
        return self._source[1]

    def save(self, path: Path | None = None) -> bool:
        """Save the board (atomically, RLE or .cells by extension) to ``path`` or the opened file.

        The file's name, author and comments (its credits) are kept.
        """
        target = path or self.game.path or self._new_file_name()
        try:
            from ..patterns import Pattern, write_pattern

            source = self._source_pattern()
            saved = Pattern.from_board(
                self.game.board, self.game.rule,
                name=(source.name if source is not None and source.name else target.stem),
                comments=list(source.comments) if source is not None else [],
            )
            saved.author = source.author if source is not None else None
            write_pattern(target, saved)
        except Exception as exc:  # noqa: BLE001 - reported in the window
            self.game.say(f"cannot save {target.name}: {exc}", 5.0)
            return False
        self.game.saved(target)
        self.game.name = target.name
        self._update_caption()
        self.game.say(f"saved {target}")
        return True

    def _new_file_name(self) -> Path:
        stem = Path(self.game.name).stem if self.game.name else "lifegame"
        for i in range(1000):
            path = Path.cwd() / (f"{stem}.rle" if i == 0 else f"{stem}-{i}.rle")
            if not path.exists():
                return path
        return Path.cwd() / f"{stem}-{int(time.time())}.rle"

    def _update_caption(self) -> None:
        name = self.game.name or "untitled"
        caption = f"lifegame \u2014 {name}{' *' if self.game.dirty else ''}"
        if caption != self._caption:
            pygame.display.set_caption(caption)
            self._caption = caption

    @property
    def caption(self) -> str:
        return self._caption

    # -- update -------------------------------------------------------------------------
    def update(self, dt: float, deadline: float) -> None:
        game = self.game
        if self.tracing and isinstance(game.driver, InlineDriver):
            self._update_trace(dt, deadline)
        else:
            game.update(dt, deadline)
        game.note_frame(time.perf_counter())
        self._update_caption()

    def _update_trace(self, dt: float, deadline: float) -> None:
        game = self.game
        driver = game.driver
        assert isinstance(driver, InlineDriver)
        if game._queued > 0:
            # N / Tab in trace mode: the rest of the generation, still observed.
            while game._queued > 0 and time.perf_counter() < deadline:
                if driver.stepper.run(deadline=deadline, observer=self.trace):
                    game.generation_finished_by_trace()
                else:
                    break
            return
        if not game.playing:
            return
        self._trace_owed = min(self._trace_owed + game.trace_speed * dt, 1 + game.trace_speed / 4)
        n = int(self._trace_owed)
        if n <= 0:
            return
        self._trace_owed -= n
        before = self.trace.ticks
        driver.trace(n, self.trace)
        if self.trace.ticks != before:
            game.generation_finished_by_trace()
        else:
            game.version += 1  # the trace overlay changed; the board did not

    # -- draw ---------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        game, view = self.game, self.view
        board = game.board
        self.renderer.draw(surface, board.cells, view, version=game.version, grid=self.grid)
        if self.tracing:
            self._draw_trace(surface)
        self._draw_preview(surface)
        self._draw_hud(surface)

    def _draw_preview(self, surface: pygame.Surface) -> None:
        pattern = self.palette.cells()
        if pattern is None or self.hover is None or self.pointer.mode == "pan":
            return
        y, x = self.palette.anchor(*self.cell_at(self.hover))
        self.renderer.draw_pattern(surface, pattern, self.view, y, x, Theme.preview, 130,
                                   torus=self.game.board.shape)

    def _draw_trace(self, surface: pygame.Surface) -> None:
        tr, view, th = self.trace, self.view, Theme
        r = self.renderer
        h, w = self.game.board.shape
        ppc = view.ppc
        inset = 2 if ppc >= 12 else 0
        # The next board as the transitions build it (double buffering made
        # visible): a dot in each cell already stepped, cyan where it will be
        # alive, red where a live cell dies.
        cells = self.game.board.cells
        dot = max(1, int(ppc * 0.32))
        for (y, x), s in tr.transitions.items():
            if s == "*":
                pygame.draw.rect(surface, th.born, r.cell_rect(view, y, x, dot))
            elif cells[y % h, x % w]:
                pygame.draw.rect(surface, th.dies, r.cell_rect(view, y, x, dot))
        # The neighbours asked so far: bright where the reply was ALIVE, grey
        # where EMPTY, numbered in the order count_neighbors asks them.
        for i, (y, x, reply) in enumerate(tr.answered, 1):
            alive = reply == "*"
            color = th.query_alive_ring if alive else th.query_empty
            rect = r.cell_rect(view, y, x, inset)
            pygame.draw.rect(surface, color, rect, 3 if alive and ppc >= 8 else (2 if ppc >= 8 else 1))
            if ppc >= 24:
                img = self.hud.text(str(i), color, self.hud.small)
                surface.blit(img, (rect.x + 3, rect.y + 1))
        if tr.cell is not None:
            cy, cx = tr.cell
            pygame.draw.rect(surface, th.accent, r.cell_rect(view, cy, cx, 0), 3 if ppc >= 10 else 1)
            if ppc >= 16:
                img = self.hud.text(str(tr.live_neighbours), th.accent, self.hud.small)
                rect = r.cell_rect(view, cy, cx)
                surface.blit(img, img.get_rect(center=rect.center))
        if tr.last_transition is not None:
            y, x, s = tr.last_transition
            pygame.draw.rect(surface, th.born if s == "*" else th.dies, r.cell_rect(view, y, x, 0), 3)
        colors = {"self": th.accent, "alive": th.query_alive, "empty": th.query_empty,
                  "transition": th.born, "tick": th.text}
        st = self.game.driver.stepper if isinstance(self.game.driver, InlineDriver) else None
        header = []
        if tr.cell is not None:
            header.append(f"step_cell{tr.cell}  state {tr.cell_state!r}  neighbours {tr.live_neighbours}")
        else:
            header.append("between cells")
        if st is not None:
            header.append(f"instruction {st.generation_instructions:,} of this generation")
            header.append(f"next: {st.pending!r}" if st.pending is not None else "next: a new generation")
        self.hud.trace_panel(surface, [(s, colors[k]) for s, k in tr.log], header)

    def _draw_hud(self, surface: pygame.Surface) -> None:
        game = self.game
        driver = game.driver
        stepper = driver.stepper if isinstance(driver, InlineDriver) else None
        times = list(self.frame_times)[-60:]
        fps = len(times) / sum(times) if times and sum(times) > 0 else 0.0
        fps = min(fps, self.clock.get_fps() or fps)
        status = Status(
            playing=game.playing, generation=game.generation, population=game.population,
            speed=game.speed, actual=game.actual_rate(), fps=fps, rule=str(game.rule),
            size=game.board.shape, engine=driver.label, busy=driver.busy,
            trace=self.tracing, trace_speed=game.trace_speed,
            instructions=stepper.generation_instructions if stepper else 0,
            last_instructions=stepper.last_generation_instructions if stepper else 0,
        )
        hud = self.hud
        hud.status_line(surface, status)
        entry = self.palette.entry
        tool = None
        if entry is not None:
            turn = f" {self.palette.turns * 90}\u00b0" if self.palette.turns else ""
            tool = f"stamp: {entry.name}{turn}{' flipped' if self.palette.flipped else ''}"
        hud.title_chip(surface, game.name or "untitled", game.dirty, tool)
        if not self.tracing:
            hud.palette_strip(surface, [e.name for e in self.palette.entries], self.palette.selected)
        if self.show_graph:
            hud.graph(surface, game.history)
        if game.message and time.perf_counter() < game.message_until:
            hud.toast(surface, game.message, beside_trace=self.tracing)
        err = getattr(driver, "error", None)
        if err:
            hud.toast(surface, f"engine error: {err}", beside_trace=self.tracing)
        if self.show_help:
            hud.help_overlay(surface)
