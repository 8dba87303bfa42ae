"""The window's tools that outlive a key press: identify (in a thread) and GIF recording.  No pygame.

:class:`IdentifyJob`  :func:`lifegame.identify.identify` of a copy of the board, off the main
                      thread; cancellable; the loop polls it once a frame
:class:`Recording`    the board shown, one GIF frame each time it changes
                      (:class:`lifegame.gif.GifRecorder`)
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ..board import Board
from ..rules import Rule

__all__ = ["IdentifyJob", "Recording", "IDENTIFY_MAX_PERIOD", "gif_name"]

IDENTIFY_MAX_PERIOD = 1000
"""Generations identify looks ahead in the window (``lifegame identify --max-period`` goes further)."""


class IdentifyJob:
    """What the board is, worked out in a daemon thread; :attr:`result` is its one line when done."""

    def __init__(self, board: Board, rule: Rule, max_period: int = IDENTIFY_MAX_PERIOD) -> None:
        self.max_period = max_period
        self.generation = 0  # how far it has looked (updated every few hundred generations)
        self.result: str | None = None
        self.cancelled = False
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(board.copy(), rule), name="identify", daemon=True)
        self._thread.start()

    def _run(self, board: Board, rule: Rule) -> None:
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

    def __init__(self, path: Path, board: Board) -> None:
        from ..gif import GifRecorder

        self.path = path
        self.shape = board.shape
        self._gif = GifRecorder(path, duration_ms=100)
        self._gif.add(board)

    @property
    def frames(self) -> int:
        return self._gif.frames

    def add(self, board: Board) -> bool:
        """A frame of ``board``; False (and nothing added) when its size is not the recording's."""
        if board.shape != self.shape:
            return False
        self._gif.add(board)
        return True

    def close(self) -> Path:
        """Finish the file; returns its path."""
        return self._gif.close()

    def discard(self) -> None:
        self._gif.discard()
