"""A progress line on a terminal, for runs and jumps that take more than a moment.

:class:`ProgressLine` is a ``progress(done, total)`` callback (the engine
contract's, see :mod:`lifegame.engines.base`): it draws one line, rewritten in
place, with a bar, the generation reached, the share done and the time so
far -- but only on a terminal, and only once the run has taken longer than
``delay`` seconds, so quick runs and pipes see nothing.  :meth:`close` wipes
the line.  No dependency: the few things ``tqdm`` would do here are a dozen
lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["ProgressLine"]

BAR = 24
"""Characters in the bar."""


class ProgressLine:
    """``progress(done, total)`` drawn on ``stream`` (a terminal) after ``delay`` seconds.

    ``offset`` and ``overall`` place a call's ``done``/``total`` inside a
    longer run: the line shows ``offset + done`` of ``overall`` (the command
    line advances in several calls when it prints the board every K
    generations).  Redrawn at most every ``interval`` seconds.
    """

    def __init__(
        self,
        stream: TextIO,
        overall: int,
        *,
        delay: float = 1.0,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.overall = overall
        self.offset = 0
        self.delay = delay
        self.interval = interval
        self.clock = clock
        self.start = clock()
        self.enabled = stream.isatty()
        self._drawn_at: float | None = None
        self._width = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if now - self.start < self.delay:
            return
        if self._drawn_at is not None and now - self._drawn_at < self.interval and done < total:
            return
        self._drawn_at = now
        self._draw(self.offset + done, now - self.start)

    def line(self, reached: int, seconds: float) -> str:
        """The text of the line for ``reached`` generations after ``seconds``."""
        share = reached / self.overall if self.overall else 1.0
        filled = min(BAR, int(share * BAR))
        bar = "#" * filled + "-" * (BAR - filled)
        return f"[{bar}] generation {reached:,} of {self.overall:,} ({share:.0%}), {seconds:.1f} s"

    def _draw(self, reached: int, seconds: float) -> None:
        text = self.line(reached, seconds)
        pad = max(0, self._width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        """Wipe the line, if one was drawn (a message or the prompt follows on a clean line)."""
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
