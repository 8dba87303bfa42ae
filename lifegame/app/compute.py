"""Who computes the next generation: the main loop itself, a slice per frame, or a background engine.

The window decides from the engine contract (:mod:`lifegame.engines.base`)
alone: it asks its engine which engine computes a board
(``engine.engine_for(board)``) and what that one can do (its
``capabilities``).  An engine that is traceable and need not run in the
background is driven by the loop itself, a slice of its protocol environment
(``chosen.stepper(board, rule)``) per frame: :class:`LoopDriver`.  Any other
board goes, a batch of generations per job, to a
:class:`~lifegame.engines.background.BackgroundEngine` wrapping the window's
engine: :class:`BackgroundDriver`.  No engine is named or probed here, so an
engine registered later works in the window unchanged.

Both drivers offer the model (:class:`~lifegame.app.game.Game`) the same interface,
:class:`Driver`.

Jumps (hyper speed, go to generation) are one engine call of many generations,
always on the background engine, whichever driver steps the board: the
driver's :meth:`Driver.jump` asks for one, and the board that comes back (with
the edits made meanwhile) replaces the one shown.  The engine tells the jump's
progress, ``progress(done, total)``, from the job's thread (it is given to
:meth:`~lifegame.engines.background.BackgroundEngine.submit`); a
:class:`JumpProgress` keeps the latest under a lock for the window to draw.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..board import Board
from ..environment import Observer, Stepper, observe
from ..protocol import simulate
from ..rules import RuleBase

if TYPE_CHECKING:
    from ..engines.background import BackgroundEngine, Job
    from ..engines.base import Engine

__all__ = ["Driver", "Progress", "LoopDriver", "BackgroundDriver", "choose_driver",
           "JumpProgress", "jump_label"]


@dataclass(frozen=True)
class Progress:
    """Where the protocol environment is, for the status line and the trace's header."""

    instructions: int
    """Instructions carried out so far in the generation under way."""
    last_instructions: int
    """Instructions of the last completed generation (0 before the first)."""
    pending: object
    """The instruction to be carried out next (``None`` between generations)."""
    stepped_cells: int = 0
    """Cells the generation under way steps (between generations: the last one stepped)."""
    cells: int = 0
    """Cells of the board."""
    generations: int = 0
    """Generations completed by this environment (0: the next one is its first, and steps the live cells and their neighbours)."""


class Driver(Protocol):
    """What the model needs from whoever computes generations."""

    @property
    def board(self) -> Board:
        """The generation shown (edits change it at once)."""
        ...

    @property
    def label(self) -> str:
        """Who computes, for the status line ("coroutines in the loop", "process pool, 2 workers")."""
        ...

    @property
    def busy(self) -> bool:
        """A generation is under way."""
        ...

    @property
    def error(self) -> str | None:
        """The last failure of the engine (shown in the window), or ``None``."""
        ...

    @property
    def traceable(self) -> bool:
        """Every protocol instruction can be observed (:meth:`start_trace`)."""
        ...

    @property
    def progress(self) -> Progress | None:
        """Instruction counts of the protocol environment (``None`` when there is none to see)."""
        ...

    def edit(self, ys: np.ndarray, xs: np.ndarray, values: np.ndarray | int) -> None:
        """Set cells; never lost, even while a generation is being computed."""
        ...

    def set_board(self, board: Board) -> None:
        """Replace the board (clear, random fill, undo of a big change): work under way is dropped."""
        ...

    def set_rule(self, rule: RuleBase) -> None:
        """Compute under ``rule`` from now on: work under way is dropped."""
        ...

    def pump(self, owed: float, deadline: float) -> int:
        """Do some work, never blocking past ``deadline`` (a :func:`time.perf_counter` value).

        Returns how many generations were completed (:attr:`board` is then the
        newest one).  A generation under way is always continued; a new one is
        started only while ``owed >= 1``.
        """
        ...

    def start_trace(self, observer: Observer) -> int:
        """Tell ``observer(instruction, reply)`` of every instruction from the next generation on.

        A generation under way is finished first; returns the generations so
        completed (0 or 1).  Only when :attr:`traceable`.
        """
        ...

    def stop_trace(self) -> None:
        """Stop observing (from the next generation boundary; the one under way stays observed)."""
        ...

    def trace(self, max_instructions: int | None, deadline: float | None) -> int:
        """Carry out at most ``max_instructions`` instructions (``None``: to the end of the
        generation) or until ``deadline``, observed; returns generations completed (0 or 1)."""
        ...

    def jump(self, generations: int, progress: JumpProgress | None = None) -> None:
        """Compute ``generations`` generations in one engine call, in the background.

        The generation under way (or the batch in flight) is finished first;
        then no other generation is started until the jump is done: a later
        :meth:`pump` returns ``generations`` when its board is shown.  Edits
        made meanwhile are applied to the board that comes back.
        """
        ...

    @property
    def jumping(self) -> bool:
        """A jump was asked for and has not come back yet."""
        ...

    @property
    def jump_label(self) -> str:
        """Who computes the jump in flight ("hashlife in a thread"), or ``""``."""
        ...

    def cancel_jump(self) -> bool:
        """Drop the jump asked for (the board shown stays, edits included); True if there was one."""
        ...

    def close(self) -> None:
        """Stop, dropping work under way (the engine itself belongs to the app)."""
        ...


class JumpProgress:
    """How far a jump is: the latest ``(done, total)`` its engine told, thread-safely.

    Called by the engine from the job's thread (it is the contract's
    ``progress`` callback); read by the window each frame (:attr:`latest`).
    """

    def __init__(self, total: int) -> None:
        self._lock = threading.Lock()
        self._latest = (0, total)
        self.total = total
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        with self._lock:
            self._latest = (done, total)

    @property
    def latest(self) -> tuple[int, int]:
        with self._lock:
            return self._latest

    @property
    def fraction(self) -> float:
        done, total = self.latest
        return done / total if total else 1.0


def jump_label(engine: Engine, board: Board, rule: RuleBase, generations: int) -> str:
    """Who computes a jump of ``generations`` of ``board``, for the status line.

    The engine that computes that jump (a chooser such as ``auto`` may pick
    HashLife for it) says who it is.
    """
    chosen = engine.engine_for(board, rule, generations)
    text, workers = chosen.describe(board), chosen.capabilities.workers
    return f"{text} in a thread" if workers <= 1 else text


class _Jump:
    """A jump asked for or in flight: its size, progress, job, and the board it was submitted with."""

    def __init__(self, generations: int, progress: JumpProgress | None) -> None:
        self.generations = generations
        self.progress = progress
        self.job: Job | None = None
        self.board: Board | None = None
        self.label = ""
        self.edits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def submit(self, background: BackgroundEngine, engine: Engine, board: Board, rule: RuleBase) -> None:
        """Hand the jump to ``background`` (``board`` is submitted as it is: not touched until done)."""
        self.label = jump_label(engine, board, rule, self.generations)
        self.board = board
        self.job = background.submit(board, rule, self.generations, copy=False, progress=self.progress)

    def release(self) -> None:
        """Drop the board the jump was submitted with (the job holds its own reference)."""
        self.board = None

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()


def choose_driver(engine: Engine, board: Board, rule: RuleBase,
                  background: Callable[[], BackgroundEngine]) -> Driver:
    """The driver for ``board``: the loop itself when the engine that computes it can be
    stepped in the loop, else jobs for ``background()`` (created on first need)."""
    chosen = engine.engine_for(board)
    caps = chosen.capabilities
    if caps.traceable and not caps.background:
        return LoopDriver(chosen, board, rule, background=background, jump_engine=engine)
    return BackgroundDriver(engine, board, rule, background)


def _as_values(values: np.ndarray | int, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(values, dtype=np.uint8), (n,))


class _Jumps:
    """What both drivers say of their jump (``self._jump``: the jump under way, or ``None``)."""

    _jump: _Jump | None

    @property
    def jumping(self) -> bool:
        return self._jump is not None

    @property
    def jump_label(self) -> str:
        return self._jump.label if self._jump is not None else ""


class LoopDriver(_Jumps):
    """The pygame main loop as the protocol's environment: a stepper driven a slice per frame.

    The stepper is the engine's own (``engine.stepper(board, rule)``), which
    steps only the cells near what changed in the last generation (near
    the live cells on its first).  The trace watches that same stepper
    (:meth:`Stepper.watch`, switched on and off at a generation boundary), so
    a traced generation steps exactly the cells an untraced one would, and
    the activity it keeps survives the trace going on and off.  Only a new
    board or rule makes a new stepper.
    """

    traceable = True

    def __init__(self, engine: Engine, board: Board, rule: RuleBase, *,
                 background: Callable[[], BackgroundEngine] | None = None,
                 jump_engine: Engine | None = None) -> None:
        self.engine = engine
        self.rule = rule
        self.error: str | None = None
        self._background = background  # jumps go there (the app's, created on first need)
        self._jump_engine = jump_engine if jump_engine is not None else engine  # what the background runs
        self._jump: _Jump | None = None
        self._observer: Observer | None = None
        self._watching: Observer | None = None  # the observer the stepper reports to
        self._generations = 0  # completed by this stepper
        self._next_cells: int | None = None
        self._new_stepper(board)
        self.label = f"{engine.describe(board)} in the loop"

    def _new_stepper(self, board: Board) -> None:
        """A new board or rule: a new stepper (its first generation steps the live cells and their neighbours)."""
        self._stepper = self.engine.stepper(board, self.rule)
        self._generations = 0
        self._next_cells = None  # what its first generation will step, once worked out
        self._watching = None
        self._at_boundary()

    def _at_boundary(self) -> None:
        """Between generations, start or stop watching as the trace asks."""
        if self._stepper.in_progress or self._watching is self._observer:
            return
        try:
            self._stepper.watch(self._observer)
        except RuntimeError:
            # A stepper over a simulation of the engine's own making cannot be
            # re-wrapped: observe the reference simulate (every cell) instead.
            board = self._stepper.board
            if self._observer is None:
                self._stepper = self.engine.stepper(board, self.rule)
            else:
                sim = observe(simulate(board.height, board.width, self.rule), self._observer)
                self._stepper = Stepper(board, self.rule, sim=sim)
        self._watching = self._observer

    @property
    def board(self) -> Board:
        return self._stepper.board

    @property
    def busy(self) -> bool:
        return self._stepper.in_progress or self._jump is not None

    def jump(self, generations: int, progress: JumpProgress | None = None) -> None:
        if self._background is None:
            raise RuntimeError("this driver has no background engine to jump with")
        self.cancel_jump()
        self._jump = _Jump(generations, progress)

    def cancel_jump(self) -> bool:
        jump, self._jump = self._jump, None
        if jump is None:
            return False
        jump.cancel()
        jump.release()
        return True

    def _poll_jump(self) -> int:
        """The jump's board once it is back (then it is the stepper's board); generations completed."""
        jump = self._jump
        assert jump is not None and jump.job is not None and self._background is not None
        if not jump.job.done():
            return 0
        self._jump = None
        jump.release()
        try:
            board = jump.job.result()
        except Exception as exc:  # noqa: BLE001 - shown in the window, which lives on
            self.error = str(exc)
            return 0
        for ys, xs, vals in jump.edits:
            board.cells[ys, xs] = vals
        self.error = None
        self._new_stepper(board)
        return jump.generations

    @property
    def progress(self) -> Progress:
        st = self._stepper
        cells = st.board.height * st.board.width
        if st.in_progress or self._generations:
            stepped = st.stepped_cells  # this generation's, or the last one's
        else:
            if self._next_cells is None:
                self._next_cells = st.next_stepped_cells()
            stepped = self._next_cells
        last = st.last_generation_instructions if self._generations else 0
        now = st.generation_instructions if st.in_progress else 0
        return Progress(now, last, st.pending, stepped, cells, self._generations)

    def edit(self, ys: np.ndarray, xs: np.ndarray, values: np.ndarray | int) -> None:
        # Stepper.edit changes the board shown and re-applies the cell to the
        # generation under way when it completes, so the edit is never lost;
        # between generations it marks the cell for the next one to step.
        vals = _as_values(values, len(ys))
        if self._jump is not None:
            h, w = self._stepper.board.shape
            self._jump.edits.append((np.asarray(ys, dtype=np.int64) % h, np.asarray(xs, dtype=np.int64) % w,
                                     np.array(vals)))
        if self._generations == 0:
            self._next_cells = None  # the first generation steps near the live cells: worked out again
        for y, x, v in zip(np.asarray(ys).tolist(), np.asarray(xs).tolist(), vals.tolist()):
            self._stepper.edit(y, x, int(v))

    def set_board(self, board: Board) -> None:
        self.cancel_jump()
        self._new_stepper(board)

    def set_rule(self, rule: RuleBase) -> None:
        self.cancel_jump()
        self.rule = rule
        self._new_stepper(self._stepper.board)

    def _run(self, max_instructions: int | None = None, deadline: float | None = None) -> bool:
        self._at_boundary()
        done = self._stepper.run(max_instructions=max_instructions, deadline=deadline)
        if done:
            self._generations += 1
            self._next_cells = None
        return done

    def pump(self, owed: float, deadline: float) -> int:
        jump = self._jump
        if jump is not None and jump.job is not None:
            return self._poll_jump()
        done = 0
        while self._stepper.in_progress or (jump is None and owed - done >= 1):
            if not self._run(deadline=deadline):
                break  # out of time; the coroutine resumes here next frame
            done += 1
            if time.perf_counter() >= deadline:
                break
        if jump is not None and not self._stepper.in_progress:
            # A copy goes: the stepper's own board is the one shown, and edited.
            assert self._background is not None
            jump.submit(self._background(), self._jump_engine, self._stepper.board.copy(), self.rule)
        return done

    def start_trace(self, observer: Observer) -> int:
        done = 0
        if self._stepper.in_progress and self._watching is None:
            done = int(self._run())  # the rest of the generation under way, unobserved
        self._observer = observer
        self._at_boundary()
        return done

    def stop_trace(self) -> None:
        self._observer = None
        self._at_boundary()

    def trace(self, max_instructions: int | None, deadline: float | None) -> int:
        budget = None if max_instructions is None else max(1, max_instructions)
        return int(self._run(max_instructions=budget, deadline=deadline))

    def close(self) -> None:
        self.cancel_jump()


class BackgroundDriver(_Jumps):
    """Generations computed by a background engine while the loop keeps drawing.

    One job is in flight at a time; it covers a batch of generations sized so
    that a job takes about :attr:`job_seconds` (more generations per job when
    they are cheap, so process overhead stays small).  Edits made while it is
    in flight are recorded and applied again to the board that comes back.
    """

    traceable = False
    progress = None

    def __init__(self, engine: Engine, board: Board, rule: RuleBase, background: Callable[[], BackgroundEngine],
                 job_seconds: float = 0.05, max_batch: int = 64) -> None:
        self.engine = engine  # the window's engine, for describe() and engine_for()
        self._board = board
        self.rule = rule
        self._background = background  # the app owns it: one for the whole session
        self._label: tuple[object, str] | None = None
        self._edit_count = 0
        self._shared_with_job = False
        self.job: Job | None = None
        self._job_gens = 0
        self._job_started = 0.0
        self._edits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.job_seconds = job_seconds
        self.max_batch = max_batch
        self.seconds_per_generation: float | None = None
        self.error: str | None = None
        self._jump: _Jump | None = None  # asked for; its job is self.job once submitted

    @property
    def label(self) -> str:
        # Asked again when the board changes: a chooser such as "auto" moves a
        # board between the pool and this process as it fills or empties.
        key = (id(self._board), self._edit_count)
        if self._label is None or self._label[0] != key:
            chosen = self.engine.engine_for(self._board)
            text = chosen.describe(self._board)
            if chosen.capabilities.workers <= 1:
                text += " in a thread"  # the background engine's thread, in this process
            self._label = (key, text)
        return self._label[1]

    @property
    def board(self) -> Board:
        return self._board

    @property
    def busy(self) -> bool:
        return self.job is not None or self._jump is not None

    def jump(self, generations: int, progress: JumpProgress | None = None) -> None:
        self.cancel_jump()
        self._jump = _Jump(generations, progress)

    def cancel_jump(self) -> bool:
        jump, self._jump = self._jump, None
        if jump is None:
            return False
        if jump.job is not None:
            jump.cancel()
            jump.release()
            self.job = None
            self._edits.clear()  # they are on the board shown
        return True

    def edit(self, ys: np.ndarray, xs: np.ndarray, values: np.ndarray | int) -> None:
        ys, xs = np.asarray(ys, dtype=np.int64), np.asarray(xs, dtype=np.int64)
        vals = np.array(_as_values(values, len(ys)))
        h, w = self._board.shape
        self._edit_count += 1
        if self.job is not None:
            if self._shared_with_job:
                # Copy on write: the job may still be reading this board.
                self._board = self._board.copy()
                self._shared_with_job = False
            self._edits.append((ys % h, xs % w, vals))
        self._board.cells[ys % h, xs % w] = vals

    def set_board(self, board: Board) -> None:
        self._drop_job()
        self._board = board

    def set_rule(self, rule: RuleBase) -> None:
        self._drop_job()
        self.rule = rule

    def _drop_job(self) -> None:
        self.cancel_jump()
        if self.job is not None:
            self.job.cancel()
        self.job = None
        self._edits.clear()

    def batch_size(self, owed: float) -> int:
        """How many generations the next job should compute."""
        want = int(min(owed, self.max_batch))
        if self.seconds_per_generation:
            want = min(want, max(1, int(self.job_seconds / self.seconds_per_generation)))
        return max(1, want)

    def pump(self, owed: float, deadline: float) -> int:
        done = 0
        if self.job is not None and self.job.done():
            job, self.job = self.job, None
            jump = self._jump if self._jump is not None and self._jump.job is job else None
            if jump is not None:
                self._jump = None
                jump.release()
            try:
                board = job.result()
            except Exception as exc:  # noqa: BLE001 - shown in the HUD, the window lives on
                self.error = str(exc)
                self._edits.clear()
                return 0
            if jump is None:  # a jump's time says little about a batch's
                elapsed = time.perf_counter() - self._job_started
                per_gen = elapsed / self._job_gens
                self.seconds_per_generation = (
                    per_gen if self.seconds_per_generation is None
                    else 0.7 * self.seconds_per_generation + 0.3 * per_gen
                )
            for ys, xs, vals in self._edits:
                board.cells[ys, xs] = vals
            self._edits.clear()
            self._board = board
            self.error = None
            done = self._job_gens
        if self.job is None and self._jump is not None:
            jump = self._jump
            self._job_gens = jump.generations
            self._job_started = time.perf_counter()
            # As for a batch: the board is read without a copy; an edit copies it.
            jump.submit(self._background(), self.engine, self._board, self.rule)
            self.job = jump.job
            self._shared_with_job = True
        elif self.job is None and owed - done >= 1:
            n = self.batch_size(owed - done)
            self._job_gens = n
            self._job_started = time.perf_counter()
            # The job reads our board without a copy (16 MiB at 4096x4096, every
            # job); the first edit while it runs copies the board instead.
            self.job = self._background().submit(self._board, self.rule, n, copy=False)
            self._shared_with_job = True
        return done

    def start_trace(self, observer: Observer) -> int:
        raise RuntimeError("a board computed in the background cannot be traced")

    def stop_trace(self) -> None:
        pass

    def trace(self, max_instructions: int | None, deadline: float | None) -> int:
        raise RuntimeError("a board computed in the background cannot be traced")

    def close(self) -> None:
        """Drop the job in flight; the engines themselves are closed by their owner (the app)."""
        self._drop_job()
