"""Line-based pattern text (``.cells``, Life 1.05/1.06) in pieces of whole lines, as numpy tables.

:func:`line_pieces` cuts the text into pieces of whole lines of about
:data:`~.pattern.CHUNK` characters; :class:`Lines` describes one piece with
arrays: where each line starts and ends and where its first and last
character that is not a blank is.  The readers then find the cells of a
piece with a few array passes and loop in Python only over comment lines
(at most :data:`~.pattern.MAX_NOTE_LINES` in a file).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..board import MAX_SIDE
from .pattern import CHUNK, PatternError, prefix

__all__ = ["line_pieces", "Lines", "MAX_LINE", "piece_bytes", "only", "simple_rows"]

MAX_LINE = MAX_SIDE + 4096
"""The longest line a line-based reader accepts: a row as long as a board side, and some blanks."""


def line_pieces(text: str, label: str | None, start: int = 0) -> Iterator[tuple[int, str]]:
    """``(number of the piece's first line, piece)``: whole lines of ``text`` from ``start``.

    A line longer than :data:`MAX_LINE` is refused before it is cut out.
    """
    size, number, pos = len(text), 1 + text.count("\n", 0, start), start
    while pos < size:
        end = min(pos + CHUNK, size)
        if end < size:
            stop = text.rfind("\n", pos, end)
            if stop < 0:
                stop = text.find("\n", end, pos + MAX_LINE + 1)
                if stop < 0 and pos + MAX_LINE < size:
                    raise PatternError(
                        f"{prefix(label)}line {number}: longer than {MAX_LINE:,} characters; "
                        f"a board side may be at most {MAX_SIDE}"
                    )
                stop = size - 1 if stop < 0 else stop
                cells = len(text[pos:stop + 1].strip())
                if cells > MAX_SIDE:
                    raise PatternError(f"{prefix(label)}line {number}: {cells:,} characters; "
                                       f"a board side may be at most {MAX_SIDE}")
            end = stop + 1
        piece = text[pos:end]
        yield number, piece
        number += piece.count("\n")
        pos = end


def piece_bytes(piece: str) -> np.ndarray:
    """The characters of a piece as bytes (``?`` for any that is not ASCII), ending with a newline."""
    data = piece.encode("ascii", "replace")  # one byte per character
    if not data.endswith(b"\n"):
        data += b"\n"
    return np.frombuffer(data, dtype=np.uint8)


def only(raw: np.ndarray, allowed: bytes) -> bool:
    """Whether every byte of ``raw`` is one of ``allowed``."""
    return not raw.tobytes().translate(None, allowed)


def simple_rows(raw: np.ndarray, alive: int | np.ndarray):
    """For a piece that is nothing but rows: ``(line starts, line lengths, live positions, their lines)``."""
    breaks = raw == 10
    newlines = np.flatnonzero(breaks)
    starts = np.concatenate(([0], newlines[:-1] + 1))
    live = np.flatnonzero(raw == alive) if np.isscalar(alive) else np.flatnonzero(alive[raw])
    line_of = np.cumsum(breaks, dtype=np.int32)  # newlines before each position (a live cell is no newline)
    return starts, newlines - starts, live, line_of[live]


class Lines:
    """The lines of one piece, as arrays (indices into :attr:`raw`)."""

    def __init__(self, piece: str, raw: np.ndarray | None = None) -> None:
        self.piece = piece
        self.raw = raw = piece_bytes(piece) if raw is None else raw
        self.newlines = np.flatnonzero(raw == 10)
        self.starts = np.concatenate(([0], self.newlines[:-1] + 1))
        self.ends = self.newlines  # exclusive
        blank = raw <= 32
        index = np.arange(raw.size, dtype=np.int64)
        last = np.maximum.accumulate(np.where(blank, -1, index))
        self.last = np.where(self.ends > self.starts, last[np.maximum(self.ends - 1, 0)], -1)
        self.last = np.maximum(self.last, self.starts - 1)  # starts - 1: nothing but blanks
        first = np.minimum.accumulate(np.where(blank, raw.size, index)[::-1])[::-1]
        self.first = np.minimum(first[self.starts], self.ends)  # ends: nothing but blanks
        self.blank = self.first >= self.ends
        self.count = self.starts.size

    def line_of(self, positions: np.ndarray) -> np.ndarray:
        """The line of each character position."""
        return np.searchsorted(self.newlines, positions)

    def text(self, line: int) -> str:
        return self.piece[int(self.starts[line]):int(self.ends[line])]

    def first_char(self) -> np.ndarray:
        """Each line's first character that is not a blank (0 for a blank line)."""
        return np.where(self.blank, 0, self.raw[np.minimum(self.first, self.raw.size - 1)])

    def first_bad(self, allowed: np.ndarray, lines: np.ndarray, lstrip: bool) -> int | None:
        """The first position, on one of ``lines`` (a mask), between its first (or its start, when
        not ``lstrip``) and last non-blank character, of a character not in ``allowed`` (a table)."""
        candidates = np.flatnonzero(~allowed[self.raw] & (self.raw != 10))
        if not candidates.size:
            return None
        line = self.line_of(candidates)
        low = self.first[line] if lstrip else self.starts[line]
        inside = lines[line] & (candidates >= low) & (candidates <= self.last[line])
        hits = np.flatnonzero(inside)
        return int(candidates[hits[0]]) if hits.size else None
