"""Undo and redo as a history of boards, as in Golly.  No pygame.

Two kinds of record:

:class:`CellEdit`     cells a stroke or a stamp changed (their coordinates, before and after)
:class:`BoardChange`  the whole board went from one :class:`Frame` to another: generations
                      (play, a step, a batch), a clear, a random fill, a reset, an open

A :class:`Frame` is a board at a generation, stored bit-packed (eight cells a
byte; a board with cells in states above 1, of a multi-state rule, a byte a
cell) and then deflated: a 4096x4096 board is 2 MiB packed, and a sparse one a
few KiB once deflated.  Records that meet share their frame (the end of one
run of generations is the start of the next when nothing happened between).
:class:`UndoHistory` keeps the undo and the redo stacks within a byte budget
(:data:`UNDO_BUDGET`), dropping the oldest undo records first.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..board import Board

__all__ = ["Frame", "CellEdit", "BoardChange", "UndoHistory", "UNDO_BUDGET", "UNDO_LIMIT"]

UNDO_BUDGET = 64 * 1024 * 1024
"""Bytes the undo and redo stacks may hold together: 64 MiB.

Boards are counted as stored (bit-packed and deflated, each frame once however
many records share it), cell edits by their arrays.  At 4096x4096 a random
board costs about 2 MiB a frame, so some thirty runs of play are kept; a
sparse board's history holds :data:`UNDO_LIMIT` records long before the budget.
The newest record is always kept, whatever it costs."""
UNDO_LIMIT = 1000
"""Records kept at most (undo and redo together), whatever their size."""


@dataclass(eq=False)
class Frame:
    """A board at a generation, stored compactly.

    ``gen0`` is the frame at generation 0 this board descends from (``None``
    for a frame at generation 0: it is its own), so that an undo that brings
    a board back also brings back where a reset goes.
    """

    shape: tuple[int, int]
    generation: int
    data: bytes
    gen0: Frame | None = None
    packed: bool = True
    """The cells are bits (all 0/1); else a byte a cell (states)."""

    @staticmethod
    def _raw(cells: np.ndarray) -> tuple[bytes, bool]:
        """The bytes a frame keeps of ``cells`` (before deflating), and whether they are bit-packed."""
        if int(cells.max(initial=0)) <= 1:
            return np.packbits(cells).tobytes(), True
        return np.ascontiguousarray(cells, dtype=np.uint8).tobytes(), False

    @classmethod
    def of(cls, board: Board, generation: int, gen0: Frame | None = None) -> Frame:
        raw, packed = cls._raw(board.cells)
        return cls(board.shape, generation, zlib.compress(raw, 1), None if generation == 0 else gen0, packed)

    @property
    def nbytes(self) -> int:
        return len(self.data)

    @property
    def origin(self) -> Frame:
        """The frame at generation 0 this one descends from (itself at generation 0)."""
        return self if self.gen0 is None else self.gen0

    def board(self) -> Board:
        h, w = self.shape
        data = np.frombuffer(zlib.decompress(self.data), dtype=np.uint8)
        if not self.packed:
            return Board(h, w, data.reshape(h, w).copy())
        return Board(h, w, np.unpackbits(data, count=h * w).reshape(h, w))

    def holds(self, board: Board, generation: int) -> bool:
        """True when this frame is ``board`` at ``generation``."""
        if board.shape != self.shape or generation != self.generation:
            return False
        return (zlib.decompress(self.data), self.packed) == self._raw(board.cells)


@dataclass(eq=False)
class CellEdit:
    """Cells changed by a stroke or a stamp (at one generation)."""

    ys: np.ndarray
    xs: np.ndarray
    before: np.ndarray
    after: np.ndarray
    label: str

    def frames(self) -> tuple[Frame, ...]:
        return ()

    @property
    def own_bytes(self) -> int:
        return int(self.ys.nbytes + self.xs.nbytes + self.before.nbytes + self.after.nbytes)


@dataclass(eq=False)
class BoardChange:
    """The whole board went from ``before`` to ``after`` (generations, clear, fill, reset, open).

    ``documents`` (before, after) are set when the change also changed the
    file the board belongs to (an open): undoing it brings back the old file's
    name too, or Ctrl+S would write the old board over the file just opened.
    """

    before: Frame
    after: Frame
    label: str
    documents: tuple[Any, Any] | None = None

    def frames(self) -> tuple[Frame, ...]:
        return (self.before, self.after, self.before.origin, self.after.origin)

    own_bytes = 0


Record = CellEdit | BoardChange


@dataclass
class UndoHistory:
    """The undo and redo stacks, within ``budget`` bytes (see :data:`UNDO_BUDGET`)."""

    budget: int = UNDO_BUDGET
    limit: int = UNDO_LIMIT
    undo: list[Record] = field(default_factory=list)
    redo: list[Record] = field(default_factory=list)

    def push(self, record: Record) -> None:
        """A new change: it can be undone; what was undone before can no longer be redone."""
        self.undo.append(record)
        self.redo.clear()
        self.trim()

    @property
    def nbytes(self) -> int:
        """Bytes held, each frame counted once."""
        seen: set[int] = set()
        total = 0
        for record in (*self.undo, *self.redo):
            total += record.own_bytes
            for frame in record.frames():
                if id(frame) not in seen:
                    seen.add(id(frame))
                    total += frame.nbytes
        return total

    def trim(self) -> None:
        """Drop the oldest undo records until the stacks fit the budget (the newest record stays)."""
        while len(self.undo) + len(self.redo) > self.limit and len(self.undo) > 1:
            del self.undo[0]
        while len(self.undo) > 1 and self.nbytes > self.budget:
            del self.undo[0]

    def clear(self) -> None:
        self.undo.clear()
        self.redo.clear()
