"""The toroidal board: a compact numpy grid of cell states whose edges wrap.

``Board.cells`` is a C-contiguous ``uint8`` array of shape ``(height, width)``
holding each cell's state: 0 (empty) or 1 (alive) under a two-state rule, up
to 255 under a multi-state one (Generations, LifeHistory).  Every coordinate that reaches a :class:`Board`
is taken modulo its size, so row ``-1`` is the bottom row and column ``width``
is column 0.  The board knows nothing about rules, coroutines or drawing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from .protocol import ALIVE, EMPTY, State

__all__ = ["Board", "BoardSizeError", "MAX_SIDE", "MAX_CELLS", "check_size"]

MAX_SIDE = 1 << 20
"""The longest side a board may have (1,048,576 cells)."""
MAX_CELLS = 1 << 28
"""The most cells a board may have: 268,435,456, e.g. 16384 x 16384 (256 MiB)."""


class BoardSizeError(ValueError):
    """A board size that is not positive or exceeds :data:`MAX_SIDE` / :data:`MAX_CELLS`."""


def check_size(height: int, width: int) -> tuple[int, int]:
    """Validate a board size and return it as ``(height, width)`` ints."""
    try:
        h, w = int(height), int(width)
    except (TypeError, ValueError, OverflowError):
        raise BoardSizeError(f"board size must be two integers, got {height!r}x{width!r}") from None
    if h != height or w != width:
        raise BoardSizeError(f"board size must be two integers, got {height!r}x{width!r}")
    if h < 1 or w < 1:
        raise BoardSizeError(f"board size {h}x{w} is not positive")
    if h > MAX_SIDE or w > MAX_SIDE:
        raise BoardSizeError(f"board size {h}x{w}: a side may be at most {MAX_SIDE}")
    if h * w > MAX_CELLS:
        raise BoardSizeError(
            f"board size {h}x{w} has {h * w:,} cells; the maximum is {MAX_CELLS:,} (16384x16384)"
        )
    return h, w


class Board:
    """A ``height`` x ``width`` torus of cells.

    Boards compare equal when they have the same size and the same states.
    They are mutable (drawing edits them in place); :meth:`copy` makes an
    independent one.  A cell is *occupied* when its state is not 0; under a
    multi-state rule that includes states that are not alive (a dying cell).
    """

    __slots__ = ("cells",)

    def __init__(self, height: int, width: int, cells: np.ndarray | None = None) -> None:
        h, w = check_size(height, width)
        if cells is None:
            self.cells = np.zeros((h, w), dtype=np.uint8)
        else:
            arr = np.ascontiguousarray(cells)
            if arr.shape != (h, w):
                raise ValueError(f"cells have shape {arr.shape}, expected {(h, w)}")
            self.cells = arr if arr.dtype == np.uint8 else _states(arr)

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_array(cls, cells: np.ndarray) -> Board:
        """A board holding a copy of ``cells``: states 0..255 (``True`` is 1, ``False`` 0)."""
        arr = np.asarray(cells)
        if arr.ndim != 2:
            raise ValueError(f"cells must be 2-D, got shape {arr.shape}")
        return cls(arr.shape[0], arr.shape[1], np.array(arr, dtype=np.uint8) if arr.dtype == np.uint8 else _states(arr))

    @classmethod
    def from_text(cls, text: str) -> Board:
        """Parse rows of ``*`` (alive) and ``-`` (empty), as :meth:`to_text` writes.

        ``O``/``o``/``#``/``A`` also mean alive and ``.`` also means empty;
        ``2`` .. ``9`` are those states of a multi-state rule.  Blank
        lines around the rows are ignored.  All rows must have the same length.
        """
        rows = [line.strip() for line in text.strip().splitlines()]
        if not rows or not rows[0]:
            raise ValueError("no rows in board text")
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise ValueError("board text rows have different lengths")
        cells = np.zeros((len(rows), width), dtype=np.uint8)
        for y, row in enumerate(rows):
            for x, ch in enumerate(row):
                state = _TEXT_STATES.get(ch)
                if state is None:
                    raise ValueError(f"unexpected character {ch!r} in board text at row {y + 1}")
                cells[y, x] = state
        return cls(len(rows), width, cells)

    def copy(self) -> Board:
        return Board(self.height, self.width, self.cells.copy())

    # -- size -----------------------------------------------------------------
    @property
    def height(self) -> int:
        return self.cells.shape[0]

    @property
    def width(self) -> int:
        return self.cells.shape[1]

    @property
    def shape(self) -> tuple[int, int]:
        return self.cells.shape  # type: ignore[return-value]

    # -- cells ----------------------------------------------------------------
    def __getitem__(self, yx: tuple[int, int]) -> bool:
        """Whether cell ``(y, x)`` (wrapped) is occupied (its state is not 0)."""
        y, x = yx
        return bool(self.cells[y % self.height, x % self.width])

    def __setitem__(self, yx: tuple[int, int], value: bool | State) -> None:
        """Set cell ``(y, x)`` (wrapped): ``True``/``False`` are ``ALIVE``/``EMPTY``, an int is a state."""
        y, x = yx
        self.cells[y % self.height, x % self.width] = _state(value)

    def query(self, y: int, x: int) -> State:
        """The protocol's answer for cell ``(y, x)``: its state (wrapped)."""
        return int(self.cells[y % self.height, x % self.width])

    def assign(self, y: int, x: int, state: State) -> None:
        """Set cell ``(y, x)`` (wrapped) from a protocol state (0 .. 255)."""
        self.cells[y % self.height, x % self.width] = _state(state)

    def population(self) -> int:
        """The number of occupied cells (state not 0), as Golly counts them."""
        return int(np.count_nonzero(self.cells))

    def live_cells(self) -> Iterator[tuple[int, int]]:
        """``(y, x)`` of every occupied cell, row by row."""
        ys, xs = np.nonzero(self.cells)
        return zip(ys.tolist(), xs.tolist())

    def bounding_box(self) -> tuple[int, int, int, int] | None:
        """``(top, left, height, width)`` of the live cells, or ``None`` when empty.

        The box is in board coordinates and does not account for patterns that
        straddle an edge of the torus.
        """
        rows = np.flatnonzero(self.cells.any(axis=1))
        if rows.size == 0:
            return None
        cols = np.flatnonzero(self.cells.any(axis=0))
        return int(rows[0]), int(cols[0]), int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)

    def clear(self) -> None:
        self.cells.fill(0)

    def place(self, pattern: np.ndarray | Board, y: int = 0, x: int = 0, *, overwrite: bool = False) -> None:
        """Stamp ``pattern`` with its top-left corner at ``(y, x)``, wrapping around edges.

        ``pattern`` is a 2-D array of states (``True`` is alive) or a
        :class:`Board`.  Its occupied cells are set to their states; with
        ``overwrite=True`` its empty cells are cleared too.  A pattern larger
        than the board wraps onto itself (the last cell to land on a place wins).
        """
        src = pattern.cells if isinstance(pattern, Board) else np.asarray(pattern)
        if src.ndim != 2:
            raise ValueError(f"pattern must be 2-D, got shape {src.shape}")
        ys, xs = np.nonzero(src)
        if overwrite:
            ph, pw = src.shape
            rows = (np.arange(ph) + y) % self.height
            cols = (np.arange(pw) + x) % self.width
            self.cells[np.ix_(rows, cols)] = 0
        states = src[ys, xs]
        if states.dtype == bool or (states.size and states.max() == 1):
            self.place_cells(ys + y, xs + x)
        else:
            ya = (ys.astype(np.int64) + y) % self.height
            xa = (xs.astype(np.int64) + x) % self.width
            self.cells[ya, xa] = _states(states)

    def place_cells(
        self, ys: Iterable[int] | np.ndarray, xs: Iterable[int] | np.ndarray, alive: bool | State = True
    ) -> None:
        """Set the cells at coordinates ``ys``, ``xs`` (wrapped) to ``alive``: ``True``/``False`` or a state."""
        ya = np.asarray(ys, dtype=np.int64) % self.height
        xa = np.asarray(xs, dtype=np.int64) % self.width
        self.cells[ya, xa] = _state(alive)

    # -- comparison and text -----------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Board):
            return NotImplemented
        return self.shape == other.shape and bool(np.array_equal(self.cells, other.cells))

    __hash__ = None  # type: ignore[assignment]  # mutable

    def to_text(self) -> str:
        """Rows of ``*`` (alive) and ``-`` (empty) separated by newlines (no trailing newline).

        The states 2 .. 9 of a multi-state rule are the digits ``2`` .. ``9``;
        higher states (a Generations rule of more than ten states, whose
        oldest dying cells they are) are ``+``, which :meth:`from_text`
        refuses.  (A multi-state RLE file keeps every state.)
        """
        chars = _TEXT[self.cells]
        return "\n".join(row.tobytes().decode("ascii") for row in chars)

    __str__ = to_text

    def __repr__(self) -> str:
        return f"<Board {self.height}x{self.width} population={self.population()}>"


_TEXT = np.frombuffer(b"-*23456789" + b"+" * (256 - 10), dtype=np.uint8)
_TEXT_STATES = {"*": ALIVE, "O": ALIVE, "o": ALIVE, "#": ALIVE, "A": ALIVE, "-": EMPTY, ".": EMPTY,
                **{str(k): k for k in range(2, 10)}}


def _state(value: bool | State) -> int:
    """A cell value from ``True``/``False`` or a state; a state must be 0 .. 255."""
    if isinstance(value, (bool, np.bool_)):
        return 1 if value else 0
    state = int(value)
    if not 0 <= state <= 255:
        raise ValueError(f"a cell state must be 0..255, got {value!r}")
    return state


def _states(arr: np.ndarray) -> np.ndarray:
    """``arr`` as ``uint8`` states: booleans as 0/1, integers kept (they must be 0 .. 255)."""
    if arr.dtype == bool:
        return arr.astype(np.uint8)
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise ValueError(f"cell states must be 0..255, got {arr.min()}..{arr.max()}")
    return arr.astype(np.uint8)
