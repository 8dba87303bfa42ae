"""The game's state and every change a user can make to it.  No pygame.

:class:`Game` owns the rule, the generation counter, play/pause and speed,
undo/redo of edits, the generation to reset to, the population history, the
file it was opened from, and the protocol trace (its recorder and its pace).
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
from ..rules import Rule
from .compute import Driver
from .trace import TraceRecorder

__all__ = ["Game", "SPEEDS", "TRACE_SPEEDS", "DENSITIES", "line_cells"]

SPEEDS: tuple[float, ...] = (1, 2, 3, 5, 8, 10, 15, 20, 30, 45, 60, 90, 120, 250, 500, 1000, 2000, math.inf)
"""Target generations per second; ``inf`` is "as fast as the engine goes"."""
TRACE_SPEEDS: tuple[float, ...] = (1, 2, 4, 8, 15, 30, 60, 120, 240, 480, 960, 2000, 5000)
"""Protocol instructions per second in trace mode."""
DENSITIES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5)
UNDO_LIMIT = 200


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


@dataclass
class _CellEdit:
    """Undo record for cells changed by a stroke or a stamp."""

    ys: np.ndarray
    xs: np.ndarray
    before: np.ndarray
    after: np.ndarray
    label: str


@dataclass(frozen=True)
class _Document:
    """What a board belongs to: its file, display name and rule, and whether it is saved."""

    path: Path | None
    name: str | None
    rule: Rule
    dirty: bool
    clean: tuple | None  # the saved state, see Game._clean


@dataclass
class _Snapshot:
    """Undo record for a change of the whole board (clear, random fill, reset, open)."""

    before: tuple[tuple[int, int], np.ndarray, int]  # shape, packed bits, generation
    after: tuple[tuple[int, int], np.ndarray, int]
    label: str
    # Opening a file also changes the document: undoing the open must bring
    # back the old file name too, or Ctrl+S would write the old board over
    # the file just opened.
    documents: tuple[_Document, _Document] | None = None


def _pack(board: Board, generation: int) -> tuple[tuple[int, int], np.ndarray, int]:
    # Eight cells per byte: a 4096x4096 board costs 2 MiB of undo history.
    return board.shape, np.packbits(board.cells), generation


def _unpack(packed: tuple[tuple[int, int], np.ndarray, int]) -> tuple[Board, int]:
    (h, w), bits, generation = packed
    cells = np.unpackbits(bits, count=h * w).reshape(h, w)
    return Board(h, w, cells), generation


@dataclass
class Game:
    """The model.  All methods are commands; none of them blocks or draws.

    ``make_driver(board, rule)`` chooses the driver for a board (it is called
    again when a different-sized board is opened).
    """

    make_driver: Callable[[Board, Rule], Driver]
    board0: Board
    rule: Rule
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

    def __post_init__(self) -> None:
        self.driver: Driver = self.make_driver(self.board0, self.rule)
        del self.board0
        self._owed = 0.0
        self._queued = 0  # explicit steps (N, Tab) still to do
        self._trace_owed = 0.0  # instructions owed in trace mode
        self._undo: list[_CellEdit | _Snapshot] = []
        self._redo: list[_CellEdit | _Snapshot] = []
        self._group: dict[tuple[int, int], tuple[int, int]] | None = None  # cell -> (before, after)
        self._group_label = ""
        self._origin: tuple[tuple[int, int], np.ndarray, int] | None = None
        self._rate_marks: deque[tuple[float, int]] = deque(maxlen=120)
        self._pop, self._pop_version = 0, -1
        self.history.append((self.generation, self.population))
        # The state last saved (or opened): coming back to it by reset or undo
        # clears the unsaved mark, as Golly does.
        self._clean: tuple[tuple[tuple[int, int], np.ndarray, int], Rule] | None = (
            None if self.dirty else (_pack(self.board, self.generation), self.rule)
        )

    # -- what the view reads -------------------------------------------------
    @property
    def board(self) -> Board:
        return self.driver.board

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
    def _remember_origin(self) -> None:
        self._origin = _pack(self.board, self.generation)

    def toggle_play(self) -> None:
        self.set_playing(not self.playing)

    def set_playing(self, playing: bool) -> None:
        if playing and not self.playing:
            self._remember_origin()
            self._owed = 1.0  # the first generation comes at once, not after 1/speed s
        self._trace_owed = 1.0  # so does the first instruction of the trace
        self.playing = playing

    def step(self, generations: int = 1) -> None:
        """Advance exactly ``generations`` generations (queued; done by :meth:`update`)."""
        if self._origin is None:
            self._remember_origin()
        self.playing = False
        self._queued += max(0, generations)

    def faster(self) -> None:
        """A step up the speeds (of instructions per second while tracing)."""
        if self.tracing:
            self.trace_speed_index = min(self.trace_speed_index + 1, len(TRACE_SPEEDS) - 1)
        else:
            self.speed_index = min(self.speed_index + 1, len(SPEEDS) - 1)

    def slower(self) -> None:
        if self.tracing:
            self.trace_speed_index = max(self.trace_speed_index - 1, 0)
        else:
            self.speed_index = max(self.speed_index - 1, 0)

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
        if self.playing:
            speed = self.speed
            if math.isinf(speed):
                self._owed = 1e9
            else:
                self._owed = min(self._owed + speed * dt, max(2.0, speed * 0.25))
        done = self.driver.pump(self.owed, deadline)
        if done:
            self._generations_done(done)
        return done

    def _generations_done(self, done: int) -> None:
        from_queue = min(done, self._queued)
        self._queued -= from_queue
        if self.playing:
            self._owed = max(0.0, self._owed - (done - from_queue))
        self.generation += done
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
        return done

    def note_frame(self, now: float) -> None:
        """Record the time so that the actual speed decays to 0 when nothing happens."""
        if not self._rate_marks or now - self._rate_marks[-1][0] > 0.25:
            self._rate_marks.append((now, self.generation))

    # -- edits ----------------------------------------------------------------
    def begin_stroke(self, label: str = "draw") -> None:
        """Start grouping edits: a whole drag is undone in one step."""
        self._group = {}
        self._group_label = label

    def end_stroke(self) -> None:
        group, self._group = self._group, None
        if group:
            keys = list(group)
            ys = np.array([k[0] for k in keys], dtype=np.int64)
            xs = np.array([k[1] for k in keys], dtype=np.int64)
            before = np.array([group[k][0] for k in keys], dtype=np.uint8)
            after = np.array([group[k][1] for k in keys], dtype=np.uint8)
            self._push(_CellEdit(ys, xs, before, after, self._group_label))

    def _push(self, record: _CellEdit | _Snapshot) -> None:
        self._undo.append(record)
        del self._undo[:-UNDO_LIMIT]
        self._redo.clear()

    def paint(self, cells: Iterable[tuple[int, int]], alive: bool, label: str = "draw") -> int:
        """Set cells (unwrapped coordinates are wrapped) alive or empty; returns how many changed.

        Every cell is passed to the driver, even one that already has the
        value: a generation being computed may be about to change it, and
        what the user drew must be what they see when it comes back.
        """
        board = self.board
        h, w = board.shape
        value = 1 if alive else 0
        unique = list(dict.fromkeys((y % h, x % w) for y, x in cells))
        if not unique:
            return 0
        ya = np.fromiter((c[0] for c in unique), dtype=np.int64, count=len(unique))
        xa = np.fromiter((c[1] for c in unique), dtype=np.int64, count=len(unique))
        old = board.cells[ya, xa].copy()
        self.driver.edit(ya, xa, value)
        changed = old != value
        if not changed.any():
            return 0
        ys, xs, before = ya[changed], xa[changed], old[changed]
        if self._group is not None:
            for y, x, b in zip(ys.tolist(), xs.tolist(), before.tolist()):
                prev = self._group.get((y, x))
                self._group[(y, x)] = (prev[0] if prev else b, value)
        else:
            self._push(_CellEdit(ys, xs, before, np.full(len(ys), value, dtype=np.uint8), label))
        self._changed()
        return int(changed.sum())

    def draw_line(self, a: tuple[int, int], b: tuple[int, int], alive: bool) -> int:
        """Paint the segment between two cells (both ends included)."""
        return self.paint(line_cells(a[0], a[1], b[0], b[1]), alive)

    def stamp(self, pattern: np.ndarray, y: int, x: int) -> int:
        """Set the live cells of ``pattern`` with its top-left corner on cell ``(y, x)``."""
        ys, xs = np.nonzero(pattern)
        return self.paint(zip((ys + y).tolist(), (xs + x).tolist()), True, label="stamp")

    def _replace(self, board: Board, generation: int, label: str,
                 documents: tuple[_Document, _Document] | None = None,
                 after: tuple[tuple[int, int], np.ndarray, int] | None = None) -> None:
        """Show ``board`` at ``generation``, undoably; ``after`` is ``_pack(board, generation)`` if known."""
        before = _pack(self.board, self.generation)
        self._set_board(board, generation)
        self._push(_Snapshot(before, after or _pack(board, generation), label, documents))

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
        h, w = self.board.shape
        self._replace(Board(h, w), self.generation, "clear")
        self.say("cleared (Ctrl+Z undoes)")

    def randomize(self, seed: int | None = None) -> None:
        h, w = self.board.shape
        rng = np.random.default_rng(seed)
        cells = (rng.random((h, w), dtype=np.float32) < self.density).astype(np.uint8)
        self._replace(Board(h, w, cells), self.generation, "random fill")
        self.say(f"random fill, density {self.density:.0%} (Shift+R changes it)")

    def next_density(self) -> None:
        self.density_index = (self.density_index + 1) % len(DENSITIES)

    def reset(self) -> bool:
        """Back to the board and generation where play (or stepping) last started."""
        if self._origin is None:
            self.say("nothing to reset to: play first")
            return False
        board, generation = _unpack(self._origin)
        self.playing = False
        self._replace(board, generation, "reset")
        self._recheck_dirty()
        self.say(f"reset to generation {generation}")
        return True

    def _mark_clean(self) -> None:
        self.dirty = False
        self._clean = (_pack(self.board, self.generation), self.rule)

    def _recheck_dirty(self) -> None:
        """Unsaved unless the board, generation and rule are those last saved (or opened)."""
        if self._clean is None:
            return
        ((shape, bits, generation), rule) = self._clean
        board = self.board
        self.dirty = not (
            board.shape == shape and self.generation == generation and self.rule == rule
            and np.array_equal(np.packbits(board.cells), bits)
        )

    def undo(self) -> bool:
        return self._undo_redo(self._undo, self._redo, undo=True)

    def redo(self) -> bool:
        return self._undo_redo(self._redo, self._undo, undo=False)

    def _undo_redo(self, source: list, target: list, undo: bool) -> bool:
        if self._group is not None:
            self.end_stroke()
        if not source:
            self.say("nothing to undo" if undo else "nothing to redo")
            return False
        record = source.pop()
        if isinstance(record, _CellEdit):
            if record.ys.size:
                self.driver.edit(record.ys, record.xs, record.before if undo else record.after)
            self._changed()
        else:
            document = record.documents[0 if undo else 1] if record.documents else None
            if document is not None:
                self._set_rule(document.rule)
            board, generation = _unpack(record.before if undo else record.after)
            self._set_board(board, generation)
            if document is not None:
                self.path, self.name, self.dirty = document.path, document.name, document.dirty
                self._clean = document.clean
        if self.dirty:
            self._recheck_dirty()
        target.append(record)
        self.say(f"{'undo' if undo else 'redo'}: {record.label}")
        return True

    # -- files ------------------------------------------------------------------
    def open_board(self, board: Board, rule: Rule, path: Path | None, name: str | None) -> None:
        """Show a board read from a file.

        Undoable, like any change of the whole board: the undo brings back the
        previous board *and* its file, name, rule and unsaved state.
        """
        was = _Document(self.path, self.name, self.rule, self.dirty, self._clean)
        if self.tracing:
            self.stop_trace()
        self._set_rule(rule)
        self.playing = False
        self._origin = None
        packed = _pack(board, 0)  # once: the undo record and the saved state share it
        clean = (packed, rule)
        self._replace(board, 0, "open", (was, _Document(path, name, rule, False, clean)), after=packed)
        self.path, self.name = path, name
        self.dirty = False
        self._clean = clean

    def _set_rule(self, rule: Rule) -> None:
        if rule != self.rule:
            self.rule = rule
            self.driver.set_rule(rule)

    def saved(self, path: Path) -> None:
        self.path = path
        self._mark_clean()
