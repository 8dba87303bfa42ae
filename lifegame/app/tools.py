"""The window's tools that outlive a key press: identify, saves (in threads), GIF recording.  No pygame.

:class:`IdentifyJob`  :func:`lifegame.identify.identify` of a copy of the board, off the main
                      thread; cancellable; the loop polls it once a frame
:class:`SaveJob`      a snapshot of the board written to its file by the app's save thread
                      (a one-thread executor); the loop polls it once a frame
:class:`Recording`    the board shown, one GIF frame each time it changes
                      (:class:`lifegame.gif.GifRecorder`)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import TYPE_CHECKING

from ..board import Board
from ..rules import RuleBase

if TYPE_CHECKING:
    from ..patterns import Pattern
    from .history import Frame

__all__ = ["IdentifyJob", "SaveJob", "Recording", "IDENTIFY_MAX_PERIOD", "SHOW_SAVE_PROGRESS_AFTER", "gif_name"]

IDENTIFY_MAX_PERIOD = 1000
"""Generations identify looks ahead in the window (``lifegame identify --max-period`` goes further)."""


class IdentifyJob:
    """What the board is, worked out in a daemon thread; :attr:`result` is its one line when done."""

    def __init__(self, board: Board, rule: RuleBase, max_period: int = IDENTIFY_MAX_PERIOD) -> None:
        self.max_period = max_period
        self.generation = 0  # how far it has looked (updated every few hundred generations)
        self.result: str | None = None
        self.cancelled = False
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(board.copy(), rule), name="identify", daemon=True)
        self._thread.start()

    def _run(self, board: Board, rule: RuleBase) -> None:
        from ..engines.base import JobCancelled
        from ..identify import identify

        try:
            self.result = str(identify(board, rule, self.max_period, cancel=self._cancel, progress=self._progress))
        except JobCancelled:
            self.cancelled = True
        except Exception as exc:  # noqa: BLE001 - shown in the window
            self.result = f"identify failed: {exc}"

    def _progress(self, generation: int) -> None:
        self.generation = generation

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def cancel(self, wait: float | None = None) -> None:
        """Ask the thread to stop (it looks every generation); ``wait`` seconds at most for it."""
        self._cancel.set()
        if wait is not None:
            self._thread.join(wait)


SHOW_SAVE_PROGRESS_AFTER = 0.3
"""Seconds a save runs before the status line shows how far it is."""


class SaveJob:
    """A save in the background: ``write(path, pattern, progress)`` run by ``executor``.

    ``pattern`` is a snapshot (its own copy of the cells), so the board may
    change while it is written.  The thread also packs the snapshot as the
    undo history's :class:`~lifegame.app.history.Frame` (the saved state:
    coming back to it clears the unsaved mark).  ``generation``, ``gen0``,
    ``version`` and ``document`` say what was saved, for when it is done.
    """

    def __init__(self, executor: Executor, write: Callable[..., None], path: Path, pattern: Pattern, *,
                 rule: RuleBase, generation: int, gen0: Frame | None, version: int, document: object = None) -> None:
        self.path = path
        self.rule = rule
        self.generation = generation
        self.version = version
        self.document = document
        self.started = time.perf_counter()
        self._lock = threading.Lock()
        self._fraction = 0.0
        self.future: Future[Frame] = executor.submit(self._run, write, pattern, gen0)

    def _run(self, write: Callable[..., None], pattern: Pattern, gen0: Frame | None) -> Frame:
        from .history import Frame

        write(self.path, pattern, self._progress)
        assert pattern.grid is not None
        return Frame.of(Board(pattern.grid.shape[0], pattern.grid.shape[1], pattern.grid), self.generation, gen0)

    def _progress(self, fraction: float) -> None:
        with self._lock:
            self._fraction = fraction

    @property
    def fraction(self) -> float:
        """How much of the file is written (0 to 1), as the writer last told."""
        with self._lock:
            return self._fraction

    def done(self) -> bool:
        return self.future.done()

    def status(self, now: float | None = None) -> str:
        """For the status line: "saving NAME 45%" once the save has taken a moment, else ``""``."""
        now = time.perf_counter() if now is None else now
        if now - self.started < SHOW_SAVE_PROGRESS_AFTER:
            return ""
        return f"saving {self.path.name} {self.fraction:.0%}"


def gif_name(folder: Path | None = None) -> Path:
    """Where a recording started now goes: a free ``lifegame-YYYYmmdd-HHMMSS.gif`` in ``folder`` (the current one)."""
    folder = Path.cwd() if folder is None else folder
    stem = time.strftime("lifegame-%Y%m%d-%H%M%S")
    path = folder / f"{stem}.gif"
    i = 1
    while path.exists():
        path = folder / f"{stem}-{i}.gif"
        i += 1
    return path


class Recording:
    """An animated GIF of the board as the window shows it: a frame whenever the board changed.

    Raises :class:`lifegame.gif.GifError` when it cannot start (no Pillow).
    """

    def __init__(self, path: Path, board: Board, rule: RuleBase) -> None:
        from ..gif import GifRecorder

        self.path = path
        self.shape = board.shape
        self.rule = rule
        self._gif = GifRecorder(path, duration_ms=100, rule=rule)  # the window's colours for its states
        self._gif.add(board)

    @property
    def frames(self) -> int:
        return self._gif.frames

    def add(self, board: Board, rule: RuleBase) -> bool:
        """A frame of ``board``; False (and nothing added) when its size or rule is not the recording's
        (a GIF's colours are fixed when it starts)."""
        if board.shape != self.shape or rule != self.rule:
            return False
        self._gif.add(board)
        return True

    def close(self) -> Path:
        """Finish the file; returns its path."""
        return self._gif.close()

    def discard(self) -> None:
        self._gif.discard()
