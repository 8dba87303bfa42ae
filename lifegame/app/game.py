"""The game's state and every change a user can make to it.  No pygame.

:class:`Game` owns the rule, the generation counter, play/pause and speed,
undo/redo (a history of boards, :mod:`lifegame.app.history`: generations
and edits alike), the boards to reset to, the population history, the file
it was opened from, and the protocol trace (its recorder and its pace).
The board itself lives in a driver (:mod:`lifegame.app.compute`) because
whoever computes generations must see every edit.  ``version`` increases on
every change of the board, so that the renderer redraws only when something
changed.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..board import Board
from ..rules import RuleBase
from ..colours import rule_label, state_name
from .compute import Driver, JumpProgress
from .history import BoardChange, CellEdit, Frame, UndoHistory
from .trace import TraceRecorder

__all__ = ["Game", "GoTo", "SPEEDS", "TRACE_SPEEDS", "DENSITIES", "MAX_STEP_EXPONENT", "line_cells"]

SPEEDS: tuple[float, ...] = (1, 2, 3, 5, 8, 10, 15, 20, 30, 45, 60, 90, 120, 250, 500, 1000, 2000, math.inf)
"""Target generations per second; ``inf`` is "as fast as the engine goes"."""
TRACE_SPEEDS: tuple[float, ...] = (1, 2, 4, 8, 15, 30, 60, 120, 240, 480, 960, 2000, 5000)
"""Protocol instructions per second in trace mode."""
DENSITIES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5)
MAX_STEP_EXPONENT = 30
"""Hyper speed: past the fastest speed, each update jumps 2^n generations, n up to this (Golly's step exponent)."""
SHOW_JUMP_PROGRESS_AFTER = 0.5
"""Seconds a hyper-speed jump runs before the status line shows how far it is."""


@dataclass
class GoTo:
    """A "go to generation" under way: where it goes, where it started, and how far the engine is."""

    target: int
    start: int
    base: int  # the generation the jump starts from (0 when it went back through a reset)
    progress: JumpProgress


def line_cells(y0: int, x0: int, y1: int, x1: int) -> list[tuple[int, int]]:
    """Every cell on the segment from ``(y0, x0)`` to ``(y1, x1)`` (Bresenham), ends included.

    A drag reports only a few mouse positions per frame; joining them with
    lines is what keeps a fast stroke free of gaps.
    """
    cells = []
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err = dx + dy
    x, y = x0, y0
    while True:
        cells.append((y, x))
        if x == x1 and y == y1:
            return cells
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x += sx
        if e2 <= dx:
            err += dx
            y += sy


@dataclass(frozen=True)
class _Document:
    """What a board belongs to: its file, display name and rule, and whether it is saved."""

    path: Path | None
    name: str | None
    rule: RuleBase
    dirty: bool
    clean: tuple[Frame, RuleBase] | None  # the saved state, see Game._clean


@dataclass
class Game:
    """The model.  All methods are commands; none of them blocks or draws.

    ``make_driver(board, rule)`` chooses the driver for a board (it is called
    again when a different-sized board is opened).
    """

    make_driver: Callable[[Board, RuleBase], Driver]
    board0: Board
    rule: RuleBase
    path: Path | None = None
    name: str | None = None
    generation: int = 0
    playing: bool = False
    speed_index: int = 5  # 10 generations/s
    trace_speed_index: int = 4
    density_index: int = 2
    version: int = 0
    dirty: bool = False
    message: str = ""
    message_until: float = 0.0
    history: deque = field(default_factory=lambda: deque(maxlen=600))
    tracing: bool = False
    trace: TraceRecorder = field(default_factory=TraceRecorder)
    step_exponent: int = 0
    """Hyper speed: 0 is off; n > 0 jumps 2^n generations an update (past the fastest speed)."""
    draw_state: int = 1
    """The state the mouse draws (1 .. ``rule.states - 1``; always 1 under a two-state rule)."""

    def __post_init__(self) -> None:
        self.driver: Driver = self.make_driver(self.board0, self.rule)
        del self.board0
        self._owed = 0.0
        self._queued = 0  # explicit steps (N, Tab) still to do
        self._trace_owed = 0.0  # instructions owed in trace mode
        self.undo_history = UndoHistory()
        self._group: dict[tuple[int, int], tuple[int, int]] | None = None  # cell -> (before, after)
        self._group_label = ""
        self._group_start: Frame | None = None  # the board when a stroke began while generations ran
        self._group_generations = False  # generations came while the stroke was drawn
        self._run: Frame | None = None  # where the generations under way started (play, N, Tab)
        self._run_played = False  # ... and whether Space started them
        self._run_label: str | None = None  # ... and what its undo record is called, when not the usual
        self.goto: GoTo | None = None  # a go to generation under way
        self.jump_progress: JumpProgress | None = None  # of the hyper-speed jump in flight
        self._gen0: Frame | None = None  # the board at generation 0 (at generation 0: the board itself)
        self._play_start: Frame | None = None  # where play (or a step) last started
        self._rate_marks: deque[tuple[float, int]] = deque(maxlen=120)
        self._pop, self._pop_version = 0, -1
        self.history.append((self.generation, self.population))
        self.trace.live_states = self.rule.live_states
        # The state last saved (or opened): coming back to it by reset or undo
        # clears the unsaved mark, as Golly does.
        self._clean: tuple[Frame, RuleBase] | None = None if self.dirty else (self._frame(), self.rule)

    # -- what the view reads -------------------------------------------------
    @property
    def board(self) -> Board:
        return self.driver.board

    @property
    def gen0_frame(self) -> Frame | None:
        """The frame at generation 0 the board shown descends from (``None`` at generation 0)."""
        return self._gen0

    @property
    def population(self) -> int:
        """Live cells of the board shown (counted once per change, not once per frame)."""
        if self._pop_version != self.version:
            self._pop = self.board.population()
            self._pop_version = self.version
        return self._pop

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_index]

    @property
    def trace_speed(self) -> float:
        return TRACE_SPEEDS[self.trace_speed_index]

    @property
    def density(self) -> float:
        return DENSITIES[self.density_index]

    def actual_rate(self, now: float | None = None) -> float:
        """Generations per second over the last second or so."""
        now = time.perf_counter() if now is None else now
        marks = [(t, g) for t, g in self._rate_marks if now - t <= 1.5]
        if len(marks) < 2 or marks[-1][0] - marks[0][0] <= 0:
            return 0.0
        return (marks[-1][1] - marks[0][1]) / (marks[-1][0] - marks[0][0])

    def say(self, text: str, seconds: float = 2.5) -> None:
        """Show a short message in the window."""
        self.message = text
        self.message_until = time.perf_counter() + seconds

    def _changed(self, dirty: bool = True) -> None:
        self.version += 1
        if dirty:
            self.dirty = True

    # -- running ----------------------------------------------------------------
    def _frame(self) -> Frame:
        """The board shown, at its generation, stored compactly."""
        return Frame.of(self.board, self.generation, self._gen0)

    def _begin_run(self, played: bool) -> None:
        """Generations are about to come: remember where they start (one undo record for them all)."""
        if self._group is not None:
            self.end_stroke()
        if self._run is None:
            frame = self._frame()
            if frame.generation == 0:
                self._gen0 = frame  # with whatever was drawn at generation 0
            self._run, self._play_start, self._run_played = frame, frame, played
        self._run_played |= played

    def _close_run(self) -> Frame | None:
        """The generations since :meth:`_begin_run` become one undo record; returns the board now
        (``None`` when no run was open)."""
        run, self._run = self._run, None
        if run is None:
            return None
        label, self._run_label = self._run_label, None
        after = self._frame()
        n = self.generation - run.generation
        if n:
            what = "play" if self._run_played else ("step" if n == 1 else f"{n:,} generations")
            self.undo_history.push(BoardChange(run, after, label or f"{what} from generation {run.generation:,}"))
        return after

    def _settle(self) -> None:
        """Once nothing more is coming (paused, no step queued, no generation under way), close the run."""
        if self._run is not None and not self.playing and self._queued == 0 and not self.driver.busy:
            self._close_run()

    def _stop(self) -> None:
        """Stop everything before the board is replaced or edits are undone: the generations so
        far become their undo record, and a generation under way is dropped."""
        if self._group is not None:
            self.end_stroke()
        self.playing = False
        self._queued = 0
        self._owed = 0.0
        goto, self.goto = self.goto, None
        if goto is not None:
            self.driver.cancel_jump()
            self._name_cancelled_goto(goto)
            self.say(f"go to generation {goto.target:,} cancelled at generation {self.generation:,}", 4.0)
        self._close_run()
        if self.driver.busy:
            self.driver.set_board(self.board)
            if self.tracing:
                self.trace.new_generation()

    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def set_playing(self, playing: bool) -> None:
        if playing and not self.playing:
            self._begin_run(played=True)
            self._owed = 1.0  # the first generation comes at once, not after 1/speed s
        self._trace_owed = 1.0  # so does the first instruction of the trace
        self.playing = playing

    def step(self, generations: int = 1) -> None:
        """Advance exactly ``generations`` generations (queued; done by :meth:`update`)."""
        if generations <= 0:
            return
        self._begin_run(played=self.playing)
        self.playing = False
        self._queued += generations

    def faster(self) -> None:
        """A step up the speeds (of instructions per second while tracing); past the fastest,
        hyper speed: 2^1, 2^2, ... generations an update."""
        if self.tracing:
            self.trace_speed_index = min(self.trace_speed_index + 1, len(TRACE_SPEEDS) - 1)
        elif self.speed_index < len(SPEEDS) - 1:
            self.speed_index += 1
        else:
            self.step_exponent = min(self.step_exponent + 1, MAX_STEP_EXPONENT)

    def slower(self) -> None:
        if self.tracing:
            self.trace_speed_index = max(self.trace_speed_index - 1, 0)
        elif self.step_exponent > 0:
            self.step_exponent -= 1
        else:
            self.speed_index = max(self.speed_index - 1, 0)

    @property
    def hyper(self) -> bool:
        """Each update jumps 2^:attr:`step_exponent` generations in one engine call."""
        return self.step_exponent > 0 and not self.tracing

    @property
    def jumping(self) -> bool:
        """A jump (hyper speed, go to generation) is being computed."""
        return self.driver.jumping

    def jump_status(self, now: float | None = None) -> tuple[str, float | None]:
        """The status line's words for the jump under way, and how far it is (0-1, or ``None``)."""
        goto = self.goto
        if goto is not None:
            done, total = goto.progress.latest
            fraction = done / total if total else 0.0
            back = " (from 0)" if goto.base != goto.start else ""
            return (f"go to {goto.target:,}{back}: {fraction:.0%}, gen {goto.base + done:,}", fraction)
        progress = self.jump_progress
        if progress is not None and self.driver.jumping:
            now = time.perf_counter() if now is None else now
            if now - progress.started >= SHOW_JUMP_PROGRESS_AFTER:
                fraction = progress.fraction
                return (f"jump 2^{progress.total.bit_length() - 1}: {fraction:.0%}", fraction)
        return ("", None)

    # -- go to generation ---------------------------------------------------------
    def go_to(self, target: int) -> bool:
        """Jump to generation ``target`` in one engine call in the background (undoable, cancellable).

        Forward from the board shown; a target behind it resets to generation
        0 first (the board last opened, cleared, filled or edited there) and
        goes forward from that, as Golly does.  The board after the jump is
        one undo record back to where it started.  Returns False (with a
        message) when there is nothing to do.
        """
        if target < 0:
            self.say("the generation to go to cannot be negative")
            return False
        if self.tracing:
            self.stop_trace()
        self._stop()
        start = self._frame()
        if target == self.generation:
            self.say(f"already at generation {target:,}")
            return False
        if target < self.generation and self._gen0 is None:
            self.say(f"cannot go back to generation {target:,}: generation 0 of this board is not known")
            return False
        if start.generation == 0:
            self._gen0 = start
        if target < self.generation:
            assert self._gen0 is not None
            self._show(self._gen0)  # the jump starts there; the record below goes back to start
        progress = JumpProgress(target - self.generation)
        self.goto = GoTo(target, start.generation, self.generation, progress)
        self._run, self._play_start, self._run_played = start, start, False
        self._run_label = f"go to generation {target:,} from {start.generation:,}"
        self.driver.jump(target - self.generation, progress)
        self.say(f"going to generation {target:,}\u2026 (Esc cancels)", 3.0)
        return True

    def _name_cancelled_goto(self, goto: GoTo) -> None:
        self._run_label = (f"go to generation {goto.target:,} from {goto.start:,} "
                           f"(cancelled at {self.generation:,})")

    def cancel_jump(self) -> bool:
        """Esc: drop the jump under way (go to generation, or hyper speed's, which then pauses).

        The board shown stays, with whatever was drawn on it; the generations
        already shown stay one undo record.  False when no jump was under way.
        """
        goto = self.goto
        if goto is None and not self.driver.jumping:
            return False
        self.driver.cancel_jump()
        if goto is not None:
            self.goto = None
            self._name_cancelled_goto(goto)
            self.say(f"go to generation {goto.target:,} cancelled at generation {self.generation:,}", 4.0)
        else:
            self.playing = False
            self.say(f"jump cancelled: paused at generation {self.generation:,}", 3.0)
        self.jump_progress = None
        self._settle()
        return True

    @property
    def owed(self) -> float:
        """Generations the driver should compute now."""
        return self._queued + (math.floor(self._owed) if self.playing else 0)

    def update(self, dt: float, deadline: float) -> int:
        """Advance time by ``dt`` seconds, computing until ``deadline`` at most.

        Returns the generations completed.  Owed generations do not pile up
        when the engine is slower than the target speed (the speed shown as
        actual is then lower than the target).  While tracing, time buys
        instructions instead (:attr:`trace_speed` a second).
        """
        if self.tracing:
            return self._update_traced(dt, deadline)
        if self.goto is not None:
            return self._update_goto(deadline)
        if self.playing and self.hyper:
            self._owed = 0.0
            if not self.driver.jumping:
                # Each update: 2^n generations in one engine call, in the background.
                n = 1 << self.step_exponent
                self.jump_progress = JumpProgress(n)
                self.driver.jump(n, self.jump_progress)
        elif self.playing:
            speed = self.speed
            if math.isinf(speed):
                self._owed = 1e9
            else:
                self._owed = min(self._owed + speed * dt, max(2.0, speed * 0.25))
        done = self.driver.pump(self.owed, deadline)
        if done:
            self._generations_done(done)
        if self.jump_progress is not None and not self.driver.jumping:
            self.jump_progress = None
        if self.driver.error and not self.driver.jumping and self.playing and self.hyper and not done:
            self.playing = False  # a failed jump: not again and again
        self._settle()
        return done

    def _update_goto(self, deadline: float) -> int:
        goto = self.goto
        assert goto is not None
        done = self.driver.pump(0, deadline)
        if done:
            self._generations_done(done)
        if not self.driver.jumping:
            self.goto = None
            if self.generation == goto.target:
                self.say(f"generation {goto.target:,} (Ctrl+Z: back to {goto.start:,})", 4.0)
            else:
                self._name_cancelled_goto(goto)
                self.say(f"go to generation {goto.target:,} failed: {self.driver.error}", 6.0)
            self._settle()
        return done

    def _generations_done(self, done: int) -> None:
        from_queue = min(done, self._queued)
        self._queued -= from_queue
        if self.playing:
            self._owed = max(0.0, self._owed - (done - from_queue))
        self.generation += done
        if self._group is not None:
            self._group_generations = True
        self._changed(dirty=True)
        self.history.append((self.generation, self.population))
        self._rate_marks.append((time.perf_counter(), self.generation))

    # -- the protocol trace ---------------------------------------------------------
    def start_trace(self) -> bool:
        """Observe every instruction of the protocol from now on; False when this board cannot be.

        Any board the loop steps can be traced (its driver is traceable): the
        trace watches the cells the driver steps, those near the last changes.
        A generation under way is finished first, so the trace starts at a
        generation boundary.
        """
        if not self.driver.traceable:
            return False
        if self.driver.jumping:
            self.cancel_jump()
        self.trace.reset()
        done = self.driver.start_trace(self.trace)
        if done:
            self._generations_done(done)
        self.tracing = True
        self._trace_owed = 1.0
        return True

    def stop_trace(self) -> None:
        self.tracing = False
        self.driver.stop_trace()

    def _update_traced(self, dt: float, deadline: float) -> int:
        done = 0
        if self._queued > 0:
            # N / Tab in trace mode: the rest of the generation, still observed.
            while self._queued - done > 0 and time.perf_counter() < deadline:
                finished = self.driver.trace(None, deadline)
                if not finished:
                    break
                done += finished
        elif self.playing:
            speed = self.trace_speed
            self._trace_owed = min(self._trace_owed + speed * dt, 1 + speed / 4)
            n = int(self._trace_owed)
            if n <= 0:
                return 0
            self._trace_owed -= n
            done = self.driver.trace(n, None)
            if not done:
                self.version += 1  # the trace moved on; the board did not
        if done:
            self._generations_done(done)
        self._settle()
        return done

    def note_frame(self, now: float) -> None:
        """Record the time so that the actual speed decays to 0 when nothing happens."""
        if not self._rate_marks or now - self._rate_marks[-1][0] > 0.25:
            self._rate_marks.append((now, self.generation))

    # -- edits ----------------------------------------------------------------
    def begin_stroke(self, label: str = "draw") -> None:
        """Start grouping edits: a whole drag is undone in one step.

        While generations come (play, or steps still queued) the ones so far
        become their own undo record first; if more come during the stroke,
        the stroke and those generations are undone together (to the board
        when the stroke began), and the run goes on after it.
        """
        if self._group is not None:
            self.end_stroke()
        self._group_start = self._close_run()
        self._group_generations = False
        self._group = {}
        self._group_label = label

    def end_stroke(self) -> None:
        group, self._group = self._group, None
        start, self._group_start = self._group_start, None
        if self._group_generations and start is not None:
            self.undo_history.push(BoardChange(start, self._frame(), f"{self._group_label} while playing"))
        elif group:
            keys = list(group)
            ys = np.array([k[0] for k in keys], dtype=np.int64)
            xs = np.array([k[1] for k in keys], dtype=np.int64)
            before = np.array([group[k][0] for k in keys], dtype=np.uint8)
            after = np.array([group[k][1] for k in keys], dtype=np.uint8)
            self.undo_history.push(CellEdit(ys, xs, before, after, self._group_label))
        self._group_generations = False
        if start is not None:
            self._resume_run()

    def _resume_run(self) -> None:
        """After an edit made while generations came: those still coming start a new run."""
        if self.playing or self._queued or self.driver.busy:
            self._begin_run(played=self.playing)

    def _edited(self, delta: int) -> None:
        """Cells were edited: ``delta`` live cells more (or fewer).  The population graph's
        point for this generation follows, so that it starts from what was drawn."""
        known = self._pop_version == self.version
        self._changed()
        if known:
            self._pop, self._pop_version = self._pop + delta, self.version
        if self.history and self.history[-1][0] == self.generation:
            self.history[-1] = (self.generation, self.history[-1][1] + delta)

    def paint(self, cells: Iterable[tuple[int, int]], alive: bool | int, label: str = "draw") -> int:
        """Set cells (unwrapped coordinates are wrapped) to a state; returns how many changed.

        ``alive``: ``True`` is state 1, ``False`` empty, an int that state.
        Every cell is passed to the driver, even one that already has the
        value: a generation being computed may be about to change it, and
        what the user drew must be what they see when it comes back.
        """
        board = self.board
        h, w = board.shape
        value = int(alive)
        unique = list(dict.fromkeys((y % h, x % w) for y, x in cells))
        if not unique:
            return 0
        ya = np.fromiter((c[0] for c in unique), dtype=np.int64, count=len(unique))
        xa = np.fromiter((c[1] for c in unique), dtype=np.int64, count=len(unique))
        old = board.cells[ya, xa].copy()
        changed = old != value
        grouped = self._group is not None
        run_start = None if grouped or not changed.any() else self._close_run()
        self.driver.edit(ya, xa, value)
        if not changed.any():
            return 0
        ys, xs, before = ya[changed], xa[changed], old[changed]
        n = int(changed.sum())
        if grouped:
            assert self._group is not None
            for y, x, b in zip(ys.tolist(), xs.tolist(), before.tolist()):
                prev = self._group.get((y, x))
                self._group[(y, x)] = (prev[0] if prev else b, value)
        else:
            self.undo_history.push(CellEdit(ys, xs, before, np.full(n, value, dtype=np.uint8), label))
        self._edited((n if value else 0) - int(np.count_nonzero(before)))
        if run_start is not None:
            self._resume_run()
        return n

    def draw_line(self, a: tuple[int, int], b: tuple[int, int], alive: bool | int) -> int:
        """Paint the segment between two cells (both ends included)."""
        return self.paint(line_cells(a[0], a[1], b[0], b[1]), alive)

    def stamp(self, pattern: np.ndarray, y: int, x: int) -> int:
        """Set the live cells of ``pattern`` with its top-left corner on cell ``(y, x)``."""
        ys, xs = np.nonzero(pattern)
        return self.paint(zip((ys + y).tolist(), (xs + x).tolist()), True, label="stamp")

    # -- whole boards ----------------------------------------------------------------
    def _replace(self, after: Frame, label: str, documents: tuple[_Document, _Document] | None = None,
                 board: Board | None = None) -> None:
        """Show the board of frame ``after`` (``board`` if already at hand), undoably."""
        self._stop()
        before = self._frame()
        self._show(after, board)
        self.undo_history.push(BoardChange(before, after, label, documents))

    def _show(self, frame: Frame, board: Board | None = None) -> None:
        """Show ``frame``'s board at its generation; a reset then goes to the board it descends from."""
        self._set_board(board if board is not None else frame.board(), frame.generation)
        self._gen0 = frame.origin

    def _set_board(self, board: Board, generation: int) -> None:
        if board.shape != self.board.shape:
            self.driver.close()
            self.driver = self.make_driver(board, self.rule)
            if self.tracing and not self.start_trace():
                self.tracing = False
                self.say("protocol trace off: this board is too big for it")
        else:
            self.driver.set_board(board)
        if self.tracing:
            self.trace.new_generation()
        self.generation = generation
        self._owed = 0.0
        self._queued = 0
        self._changed()
        self.history.clear()
        self.history.append((generation, self.population))

    def clear(self) -> None:
        """An empty board, at generation 0 (undoable)."""
        h, w = self.board.shape
        board = Board(h, w)
        self._replace(Frame.of(board, 0), "clear", board=board)
        self._play_start = None
        self.say("cleared (Ctrl+Z undoes)")

    def randomize(self, seed: int | None = None) -> None:
        """A random board at the current density, at generation 0 (undoable)."""
        h, w = self.board.shape
        rng = np.random.default_rng(seed)
        board = Board(h, w, (rng.random((h, w), dtype=np.float32) < self.density).astype(np.uint8))
        self._replace(Frame.of(board, 0), "random fill", board=board)
        self._play_start = None
        self.say(f"random fill, density {self.density:.0%} (Shift+R changes it)")

    def next_density(self) -> None:
        self.density_index = (self.density_index + 1) % len(DENSITIES)

    def reset(self) -> bool:
        """Back to generation 0 of the current board: the board last opened, cleared, filled or
        edited at generation 0 (undoable)."""
        self._stop()
        if self.generation == 0 or self._gen0 is None:
            self.say("already at generation 0 (Shift+Home: back to where play started)")
            return False
        self._replace(self._gen0, "reset to generation 0")
        self._recheck_dirty()
        self.say("reset to generation 0 (Shift+Home: back to where play started)")
        return True

    def reset_to_start(self) -> bool:
        """Back to the board and generation where play (or a step) last started (undoable)."""
        self._stop()
        start = self._play_start
        if start is None:
            self.say("nothing to go back to: play first")
            return False
        if start.holds(self.board, self.generation):
            self.say(f"already where play started (generation {start.generation:,})")
            return False
        self._replace(start, f"back to generation {start.generation:,}")
        self._recheck_dirty()
        self.say(f"back to where play started: generation {start.generation:,}")
        return True

    def _mark_clean(self) -> None:
        self.dirty = False
        self._clean = (self._frame(), self.rule)

    def _recheck_dirty(self) -> None:
        """Unsaved unless the board, generation and rule are those last saved (or opened)."""
        if self._clean is None:
            return
        frame, rule = self._clean
        self.dirty = not (self.rule == rule and frame.holds(self.board, self.generation))

    # -- undo -----------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self.undo_history.undo) or self._run is not None or bool(self._group)

    def undo(self) -> bool:
        return self._undo_redo(undo=True)

    def redo(self) -> bool:
        return self._undo_redo(undo=False)

    def _undo_redo(self, undo: bool) -> bool:
        """Undo (or redo) the newest record: an edit, or a change of the whole board
        (generations included: undo after play goes back to where it started)."""
        self._stop()  # generations under way become a record first
        history = self.undo_history
        source, target = (history.undo, history.redo) if undo else (history.redo, history.undo)
        if not source:
            self.say("nothing to undo" if undo else "nothing to redo")
            return False
        record = source.pop()
        if isinstance(record, CellEdit):
            values = record.before if undo else record.after
            if record.ys.size:
                self.driver.edit(record.ys, record.xs, values)
            other = record.after if undo else record.before
            self._edited(int(np.count_nonzero(values)) - int(np.count_nonzero(other)))
        else:
            document = record.documents[0 if undo else 1] if record.documents else None
            if document is not None:
                self._set_rule(document.rule)
            self._show(record.before if undo else record.after)
            if document is not None:
                self.path, self.name, self.dirty = document.path, document.name, document.dirty
                self._clean = document.clean
        if self.dirty:
            self._recheck_dirty()
        target.append(record)
        history.trim()
        where = f", generation {self.generation:,}" if isinstance(record, BoardChange) else ""
        self.say(f"{'undo' if undo else 'redo'}: {record.label}{where}")
        return True

    # -- files ------------------------------------------------------------------
    def open_board(self, board: Board, rule: RuleBase, path: Path | None, name: str | None) -> None:
        """Show a board read from a file, at generation 0.

        Undoable, like any change of the whole board: the undo brings back the
        previous board *and* its file, name, rule and unsaved state.
        """
        was = _Document(self.path, self.name, self.rule, self.dirty, self._clean)
        self._stop()
        if self.tracing:
            self.stop_trace()
        frame = Frame.of(board, 0)  # once: the undo record and the saved state share it
        clean = (frame, rule)
        self._set_rule(rule)
        self._replace(frame, "open", (was, _Document(path, name, rule, False, clean)), board=board)
        self._play_start = None
        self.path, self.name = path, name
        self.dirty = False
        self._clean = clean

    def _set_rule(self, rule: RuleBase) -> None:
        if rule != self.rule:
            self.rule = rule
            self.driver.set_rule(rule)
            self.trace.live_states = rule.live_states
            if not 1 <= self.draw_state < rule.states:
                self.draw_state = 1

    # -- the rule ---------------------------------------------------------------
    def change_rule(self, rule: RuleBase) -> bool:
        """Run ``rule`` from now on, keeping the board and its generation (undoable; the board is
        then unsaved).  False (with a message) when it is the rule already.

        Cells in states ``rule`` does not have are converted: those the old
        rule counted as live become 1 (alive), the others (dying, history,
        marks ...) are cleared; the message says how many.  The boards a reset
        goes back to are converted the same way.
        """
        if rule == self.rule:
            self.say(f"the rule is already {rule_label(rule)}")
            return False
        was = _Document(self.path, self.name, self.rule, self.dirty, self._clean)
        self._stop()
        before = self._frame()
        old = self.rule
        board, live, cleared = _convert(self.board, old, rule)
        gen0 = self._gen0
        if gen0 is not None and not _fits(gen0, rule):
            gen0 = Frame.of(_convert(gen0.board(), old, rule)[0], 0)
        if self._play_start is not None and not _fits(self._play_start, rule):
            self._play_start = None
        same = board is None and gen0 is self._gen0
        after = before if same else Frame.of(self.board if board is None else board, self.generation, gen0)
        self._set_rule(rule)
        if after is not before:
            self._show(after, board)
        self.dirty = True
        self._recheck_dirty()
        now = _Document(self.path, self.name, rule, self.dirty, self._clean)
        self.undo_history.push(BoardChange(before, after, f"rule {old} \u2192 {rule}", (was, now)))
        text = f"rule: {rule_label(rule)}"
        if live or cleared:
            text += (f"; {live + cleared:,} cells in states it has not: "
                     + ", ".join(part for part in (f"{live:,} live \u2192 1" if live else "",
                                                   f"{cleared:,} cleared" if cleared else "") if part))
        self.say(text + " (Ctrl+Z undoes)", 5.0)
        return True

    def next_draw_state(self, step: int = 1) -> int:
        """The next (``step`` -1: previous) state to draw with, 1 .. ``rule.states - 1``, cycling."""
        n = self.rule.states - 1
        if n <= 1:
            self.draw_state = 1
            self.say("this rule has one state to draw: alive")
            return 1
        self.draw_state = (self.draw_state - 1 + step) % n + 1
        self.say(f"drawing state {self.draw_state}: {state_name(self.rule, self.draw_state)}", 2.0)
        return self.draw_state

    def saved(self, path: Path, frame: Frame | None = None, rule: RuleBase | None = None,
              version: int | None = None) -> None:
        """The board is in ``path`` now.

        A save made in the background passes what it saved: ``frame`` (the
        board and generation), ``rule`` and the :attr:`version` of that board.
        The unsaved mark goes only if the board has not changed since (an
        undo or reset back to the saved board clears it later, as usual).
        """
        self.path = path
        if frame is None:
            self._mark_clean()
            return
        self._clean = (frame, rule if rule is not None else self.rule)
        if version == self.version and (rule is None or rule == self.rule):
            self.dirty = False


def _convert(board: Board, old: RuleBase, new: RuleBase) -> tuple[Board | None, int, int]:
    """``board`` with its cells in states ``new`` has not converted (see :meth:`Game.change_rule`):
    ``(board, became live, cleared)``; ``(None, 0, 0)`` when every cell fits."""
    cells = board.cells
    beyond = cells >= new.states
    if not beyond.any():
        return None, 0, 0
    was_live = old.live_mask()[cells] & beyond
    out = cells.copy()
    out[beyond] = 0
    out[was_live] = 1
    live = int(np.count_nonzero(was_live))
    return Board(board.height, board.width, out), live, int(np.count_nonzero(beyond)) - live


def _fits(frame: Frame, rule: RuleBase) -> bool:
    """Every cell of ``frame`` is in a state of ``rule``."""
    return frame.packed or int(frame.board().cells.max(initial=0)) < rule.states
