"""The value every pattern reader returns, and what the readers share.

A :class:`Pattern` holds its cells' states (0 empty, 1 alive, 2..255 the
other states of a multi-state rule, as in Golly's files) in one of two
compact forms:

* a **grid** -- a ``uint8`` array of the pattern's extent, one state a cell -- for
  every pattern whose extent fits a board (at most
  :data:`lifegame.board.MAX_CELLS` cells).  This is what the readers build
  for any ordinary file: a 16384 x 16384 board costs its 256 MiB and no more.
* **coordinates** -- ``int64`` row and column arrays of the occupied cells,
  with a ``uint8`` array of their states -- only for an extent
  larger than any board, such as Golly's ``switch-engine-ping-pong.rle``
  (210515 x 183739 cells, 23 of them alive), and for patterns built from
  coordinates.  Such a pattern may have at most :data:`MAX_SPARSE_CELLS`
  occupied cells.

"Live" below means occupied (any state but 0), as Golly counts a population.

``ys``/``xs`` are computed from the grid when asked for (they cost 16 bytes
a live cell: use :attr:`Pattern.grid` for large patterns);
:func:`lifegame.start.starting_board` and the writers use the grid directly.

The readers decode a file in bounded pieces (:data:`CHUNK` characters at a
time, vectorised with numpy per piece), refuse as soon as a limit is passed
and never allocate for what a file merely claims.  Every error a reader
raises is a :class:`PatternError` whose message is one line a user can act
on, starting with the file name when it is known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from ..board import MAX_CELLS, Board
from ..rules import CONWAY, RuleBase, RuleError, RuleSpec, parse_rule_spec

__all__ = [
    "PatternError",
    "Pattern",
    "MAX_FILE_BYTES",
    "MAX_LIVE_CELLS",
    "MAX_SPARSE_CELLS",
    "MAX_NOTE_LINES",
    "CHUNK",
]

MAX_FILE_BYTES = 64 << 20
"""Pattern files larger than this (64 MiB) are refused before they are read, and never written.

The largest file in Golly's collection is under 1 MiB; a dense 16384 x 16384
board, written as RLE, stays below the cap up to a density of about 5%.
"""
MAX_LIVE_CELLS = MAX_CELLS
"""A pattern may have at most this many live cells (as many as the largest board)."""
MAX_SPARSE_CELLS = 1 << 23
"""A pattern larger than any board (kept as coordinates) may have at most this many live cells."""
MAX_NOTE_LINES = 100_000
"""A file may have at most this many comment or position lines (``#``, ``!``, ``#P``)."""
CHUNK = 1 << 16
"""Characters of a file decoded at a time: the readers' intermediates are a few times this."""


class PatternError(ValueError):
    """A pattern that cannot be read, written or placed; the message is one user-facing line."""


def prefix(label: str | None) -> str:
    """``"name: "`` for messages about a named file, else ``""``."""
    return f"{label}: " if label else ""


# -- text ----------------------------------------------------------------------
# Characters that never occur in a text pattern file.  Tab, LF, VT, FF and CR
# are blanks; anything else below 0x20 (and DEL) means binary data.
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_NOT_BLANK = re.compile(r"\S")


_BINARY_BYTES = [bytes([c]) for c in (*range(0, 9), *range(14, 32), 127)]


def _has_binary(data: bytes) -> bool:
    """Whether ``data`` has a control character other than a blank (a few ``memchr`` passes)."""
    return any(c in data for c in _BINARY_BYTES)


def _only_comments_are_not_ascii(data: bytes) -> bool:
    """True when every line with a byte over 127 is a comment (``#`` or ``!``)."""
    for line in data.splitlines():
        if not line.isascii() and not line.lstrip()[:1] in (b"#", b"!"):
            return False
    return True


def decode(data: str | bytes, label: str | None) -> str:
    """The text of a pattern file, or :class:`PatternError` if it is not text.

    Accepts UTF-8 (with or without a byte-order mark), and Latin-1 where only
    comment lines are not ASCII (old files' credits).  NUL bytes, other
    control characters, text that is not UTF-8, files over
    :data:`MAX_FILE_BYTES` and files with nothing but blanks are refused.
    Line ends are made ``\\n`` (CRLF and a lone CR, as Golly reads them).
    """
    where = prefix(label)
    if len(data) > MAX_FILE_BYTES:
        raise PatternError(
            f"{where}file is larger than {MAX_FILE_BYTES >> 20} MiB; pattern files are limited to that"
        )
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data)
        if b"\0" in data:
            raise PatternError(f"{where}not a pattern file (it contains binary data)")
        if _has_binary(data):  # the same bytes in UTF-8 and Latin-1 text
            raise PatternError(f"{where}not a pattern file (it contains binary data)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            if not _only_comments_are_not_ascii(data):
                raise PatternError(f"{where}not a pattern file (it is not UTF-8 text)") from None
            # Old files written in Latin-1 or a Windows code page: their
            # names and credits are in comment lines, the cells are ASCII.
            text = data.decode("latin-1")
        del data
    elif isinstance(data, str):
        text = data[1:] if data.startswith("\ufeff") else data
        if _has_binary(text.encode("ascii")) if text.isascii() else _BINARY.search(text):
            raise PatternError(f"{where}not a pattern file (it contains binary data)")
    else:
        raise TypeError(f"pattern text must be str or bytes, not {type(data).__name__}")
    if not _NOT_BLANK.search(text):
        raise PatternError(f"{where}empty file: no pattern in it")
    return newlines(text)


def newlines(text: str) -> str:
    """``text`` with CRLF and lone CR line ends made LF."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split_lines(text: str) -> list[str]:
    """Lines ended by LF, CRLF or a lone CR (as Golly reads them), without the ends."""
    return list(iter_lines(text))


def iter_lines(text: str) -> Iterator[str]:
    """:func:`split_lines`, one line at a time."""
    text = newlines(text)
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        if stop < 0:
            yield text[start:]
            return
        yield text[start:stop]
        start = stop + 1


def line_number(text: str, offset: int) -> int:
    """The 1-based line of character ``offset`` of ``text`` (LF line ends)."""
    return text.count("\n", 0, offset) + 1


def two_state_refusal(label: str | None, extension: str, pattern: Pattern) -> str:
    """Why a pattern with states above 1 cannot be written in a two-state format (``.cells``, Life 1.06)."""
    return (f"{prefix(label)}{extension} files have two states and this pattern has cells in state "
            f"{pattern.max_state} of rule {pattern.rule}; save it as .rle, which keeps every state")


def rule_spec(text: str, label: str | None) -> RuleSpec:
    """:func:`lifegame.rules.parse_rule_spec`, with a refusal that names the file and the rule."""
    text = text.strip()
    if not text:
        return RuleSpec(CONWAY)
    try:
        return parse_rule_spec(text)
    except RuleError as err:
        raise PatternError(f"{prefix(label)}{err}") from None


class Notes:
    """The comment lines of a file as the readers collect them, at most :data:`MAX_NOTE_LINES`."""

    def __init__(self, label: str | None) -> None:
        self.label = label
        self.comments: list[str] = []
        self.metadata: list[str] = []
        self.author: str | None = None
        self.lines = 0

    def count(self) -> None:
        """One more comment or position line; refuses a file with too many."""
        self.lines += 1
        if self.lines > MAX_NOTE_LINES:
            raise PatternError(
                f"{prefix(self.label)}more than {MAX_NOTE_LINES:,} comment or position lines; "
                "this is not an ordinary pattern file"
            )


# -- where the cells go ---------------------------------------------------------
_LONG_RUN = 512  # runs at least this long are filled with a slice each
_BATCH = 1 << 20  # cells expanded to indices at a time


class CellSink:
    """Receives a reader's occupied cells for an extent and keeps them compactly.

    An extent of at most :data:`~lifegame.board.MAX_CELLS` cells gets a
    ``uint8`` grid of states (``np.zeros``: pages the cells never touch cost
    nothing); a larger one keeps coordinates and states, at most
    :data:`MAX_SPARSE_CELLS` cells.  Callers check that cells lie inside the
    extent, and that states are 1..255, before adding them.
    """

    def __init__(self, height: int, width: int, label: str | None) -> None:
        self.height, self.width, self.label = height, width, label
        self.dense = height * width <= MAX_CELLS
        self.grid: np.ndarray | None = None
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.sparse_count = 0
        if self.dense:
            try:
                self.grid = np.zeros((height, width), dtype=np.uint8)
            except MemoryError:
                raise PatternError(f"{prefix(label)}not enough memory for a {width} x {height} pattern") from None

    def add_cells(self, ys: np.ndarray, xs: np.ndarray) -> None:
        """Live cells (state 1) at ``(ys, xs)``."""
        if not ys.size:
            return
        if self.dense:
            flat = ys * self.width
            flat += xs
            self.grid.reshape(-1)[flat] = 1
        else:
            ones = np.ones(ys.size, np.int64)
            self._sparse(ys, xs, ones, ones)

    def add_runs(self, ys: np.ndarray, xs: np.ndarray, ns: np.ndarray, states: np.ndarray | None = None) -> None:
        """Runs of ``ns`` cells in ``states`` (``None``: 1, alive) starting at ``(ys, xs)``, going right."""
        if not ys.size:
            return
        if states is None:
            states = np.ones(ys.size, np.uint8)
        if not self.dense:
            self._sparse(ys, xs, ns, states)
            return
        long = ns >= _LONG_RUN
        if long.any():
            grid = self.grid
            for y, x, n, v in zip(ys[long].tolist(), xs[long].tolist(), ns[long].tolist(), states[long].tolist()):
                grid[y, x:x + n] = v
            keep = ~long
            ys, xs, ns, states = ys[keep], xs[keep], ns[keep], states[keep]
        flat = self.grid.reshape(-1)
        one = bool((states == 1).all())
        for lo, hi in _batches(ns):
            starts = ys[lo:hi] * self.width + xs[lo:hi]
            flat[_expand(starts, ns[lo:hi])] = 1 if one else np.repeat(states[lo:hi], ns[lo:hi])

    def _sparse(self, ys: np.ndarray, xs: np.ndarray, ns: np.ndarray, states: np.ndarray) -> None:
        """Runs kept as runs (a long run costs what a cell does) until :meth:`pattern`."""
        self.sparse_count += int(ns.sum())
        if self.sparse_count > MAX_SPARSE_CELLS:
            raise PatternError(
                f"{prefix(self.label)}more than {MAX_SPARSE_CELLS:,} live cells in a pattern of "
                f"{self.width} x {self.height} cells, larger than any board"
            )
        self.parts.append((ys.astype(np.int64), xs.astype(np.int64), ns.astype(np.int64), states.astype(np.uint8)))

    def pattern(self, **fields) -> Pattern:
        if self.dense:
            return Pattern(grid=self.grid, **fields)
        if self.parts:
            ys, xs, ns, states = (np.concatenate([p[i] for p in self.parts]) for i in range(4))
            self.parts.clear()
            # A cell given twice (Life 1.06 allows it) is one cell; the last state given wins.
            keys = _expand(ys * self.width + xs, ns)
            states = np.repeat(states, ns)
            order = np.argsort(keys, kind="stable")
            keys, states = keys[order], states[order]
            last = np.append(keys[1:] != keys[:-1], True)
            keys, states = keys[last], states[last]
            ys, xs = keys // self.width, keys % self.width
        else:
            ys = xs = np.zeros(0, np.int64)
            states = np.zeros(0, np.uint8)
        return Pattern(ys, xs, self.height, self.width, states=states, **fields)


def _batches(ns: np.ndarray) -> Iterator[tuple[int, int]]:
    """Slices of runs that expand to at most about :data:`_BATCH` cells each."""
    if ns.size and int(ns.sum()) <= _BATCH:
        yield 0, ns.size
        return
    ends = np.cumsum(ns)
    lo = 0
    while lo < ns.size:
        base = int(ends[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(ends, base + _BATCH, side="right")))
        yield lo, hi
        lo = hi


def _expand(starts: np.ndarray, ns: np.ndarray) -> np.ndarray:
    """``starts[i] + 0 .. ns[i]-1`` for every run, concatenated."""
    total = int(ns.sum())
    first = np.cumsum(ns) - ns
    return np.repeat(starts.astype(np.int64, copy=False) - first, ns) + np.arange(total, dtype=np.int64)


# -- the pattern ---------------------------------------------------------------
def _state_grid(grid: np.ndarray) -> np.ndarray:
    """``grid`` as ``uint8`` states: kept when it already is one, else converted (``True`` is 1)."""
    grid = np.asarray(grid)
    if grid.ndim != 2:
        raise ValueError(f"a pattern's grid must be 2-D, got shape {grid.shape}")
    if grid.dtype == np.uint8:
        return grid
    if grid.dtype == bool:
        return grid.astype(np.uint8)
    if not np.issubdtype(grid.dtype, np.integer):
        raise ValueError(f"a pattern's grid holds integer states, not {grid.dtype}")
    if grid.size and (grid.min() < 0 or grid.max() > 255):
        raise ValueError("a pattern's states must be 0..255")
    return grid.astype(np.uint8)


class Pattern:
    """Cells read from a pattern file, with their states and what the file said about them.

    Build one from coordinates, ``Pattern(ys, xs, height, width, rule, ...,
    states=...)`` (rows and columns of the occupied cells relative to the
    extent's top-left corner, and their states 1..255; without ``states``
    every cell is alive, state 1), or from a grid, ``Pattern(grid=array,
    rule=..., ...)`` (the extent is the grid's shape, each entry a state;
    the pattern keeps a ``uint8`` array, which must not be changed
    afterwards), or a whole board with :meth:`from_board`.

    ``height``/``width`` is the extent: the RLE header's ``y``/``x`` (which may
    include empty rows and columns), or the cells' bounding box for formats
    without a header.  ``board_height``/``board_width`` come from a Golly torus
    suffix (``B3/S23:T72,48``); ``None`` means "not fixed by the file".

    ``comments`` holds the text of ``#C``/``#D``/``!`` comment lines, ``author``
    the ``#O`` line, and ``metadata`` every ``#`` line verbatim and in order
    (the ``!`` lines for ``.cells`` files), so that nothing in a file is lost.

    Two patterns are equal when all their fields are, the cells (with their
    states) compared as sets.
    """

    def __init__(
        self,
        ys=None,
        xs=None,
        height: int | None = None,
        width: int | None = None,
        rule: RuleBase = CONWAY,
        board_height: int | None = None,
        board_width: int | None = None,
        name: str | None = None,
        comments: list[str] | None = None,
        author: str | None = None,
        metadata: list[str] | None = None,
        *,
        grid: np.ndarray | None = None,
        states=None,
    ) -> None:
        self.rule, self.board_height, self.board_width = rule, board_height, board_width
        self.name, self.author = name, author
        self.comments = list(comments) if comments is not None else []
        self.metadata = list(metadata) if metadata is not None else []
        self._population: int | None = None
        self._max_state: int | None = None
        if grid is not None:
            if ys is not None or xs is not None or states is not None:
                raise ValueError("give a pattern's cells as a grid or as coordinates, not both")
            grid = _state_grid(grid)
            if (height is not None and height != grid.shape[0]) or (width is not None and width != grid.shape[1]):
                raise ValueError(f"grid shape {grid.shape} differs from the extent {height}x{width}")
            self.grid: np.ndarray | None = grid
            self._ys = self._xs = self._states = None
            self.height, self.width = grid.shape
            return
        self.grid = None
        self.height, self.width = int(height or 0), int(width or 0)
        ys = np.asarray([] if ys is None else ys, dtype=np.int64).reshape(-1)
        xs = np.asarray([] if xs is None else xs, dtype=np.int64).reshape(-1)
        if ys.shape != xs.shape:
            raise ValueError(f"ys and xs differ in length ({ys.size} and {xs.size})")
        if states is None:
            states = np.ones(ys.size, np.uint8)
        else:
            states = np.asarray(states).reshape(-1)
            if states.shape != ys.shape:
                raise ValueError(f"states and ys differ in length ({states.size} and {ys.size})")
            if states.size and (states.min() < 1 or states.max() > 255):
                raise ValueError("the states of a pattern's cells must be 1..255")
            states = states.astype(np.uint8)
        if self.height < 0 or self.width < 0:
            raise ValueError(f"pattern extent {self.height}x{self.width} is negative")
        if ys.size and (ys.min() < 0 or xs.min() < 0 or ys.max() >= self.height or xs.max() >= self.width):
            raise ValueError(f"cells lie outside the pattern's {self.height}x{self.width} extent")
        self._ys, self._xs, self._states = ys, xs, states

    # -- construction -----------------------------------------------------------
    @classmethod
    def from_board(
        cls, board: Board, rule: RuleBase = CONWAY, *, name: str | None = None,
        comments: tuple[str, ...] | list[str] = (),
    ) -> Pattern:
        """The whole board as a pattern: its extent and torus size are the board's size, its states the board's.

        The cells are copied: the pattern is a snapshot that a save in another
        thread can write while the board goes on changing.
        """
        return cls(grid=board.cells.copy(), rule=rule, board_height=board.height, board_width=board.width,
                   name=name, comments=list(comments))

    # -- cells -----------------------------------------------------------------
    @property
    def ys(self) -> np.ndarray:
        """Rows of the occupied cells (``int64``), row by row; computed from the grid when there is one."""
        if self.grid is not None:
            return np.nonzero(self.grid)[0].astype(np.int64, copy=False)
        return self._ys

    @property
    def xs(self) -> np.ndarray:
        """Columns of the occupied cells (``int64``), in the order of :attr:`ys`."""
        if self.grid is not None:
            return np.nonzero(self.grid)[1].astype(np.int64, copy=False)
        return self._xs

    @property
    def states(self) -> np.ndarray:
        """The states (``uint8``, 1..255) of the occupied cells, in the order of :attr:`ys`."""
        if self.grid is not None:
            return self.grid[self.grid != 0]
        return self._states

    @property
    def population(self) -> int:
        """The number of occupied cells (any state but 0), as Golly counts them."""
        if self._population is None:
            self._population = int(np.count_nonzero(self.grid)) if self.grid is not None else int(self._ys.size)
        return self._population

    @property
    def max_state(self) -> int:
        """The highest state of any cell (0 for an empty pattern): above 1, only a multi-state rule has it."""
        if self._max_state is None:
            cells = self.grid if self.grid is not None else self._states
            self._max_state = int(cells.max()) if cells.size else 0
        return self._max_state

    def bounding_box(self) -> tuple[int, int, int, int] | None:
        """``(top, left, height, width)`` of the occupied cells, or ``None`` when there are none."""
        if self.grid is not None:
            rows = np.flatnonzero(self.grid.any(axis=1))
            if rows.size == 0:
                return None
            cols = np.flatnonzero(self.grid[rows[0]:rows[-1] + 1].any(axis=0))
            return int(rows[0]), int(cols[0]), int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)
        if self._ys.size == 0:
            return None
        top, left = int(self._ys.min()), int(self._xs.min())
        return top, left, int(self._ys.max()) - top + 1, int(self._xs.max()) - left + 1

    def coordinates(self) -> np.ndarray:
        """An ``(n, 2)`` array of ``(y, x)`` rows of the occupied cells, sorted row by row."""
        return self.cells()[0]

    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """``(coordinates, states)``: :meth:`coordinates` and the states of those cells, in that order."""
        if self.grid is not None:
            return np.argwhere(self.grid).astype(np.int64, copy=False), self.grid[self.grid != 0]
        order = np.lexsort((self._xs, self._ys))
        return np.stack((self._ys[order], self._xs[order]), axis=1), self._states[order]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pattern):
            return NotImplemented
        mine = (self.height, self.width, self.rule, self.board_height, self.board_width,
                self.name, self.comments, self.author, self.metadata)
        theirs = (other.height, other.width, other.rule, other.board_height, other.board_width,
                  other.name, other.comments, other.author, other.metadata)
        if mine != theirs or self.population != other.population:
            return False
        if self.grid is not None and other.grid is not None:
            return bool(np.array_equal(self.grid, other.grid))
        (mine_at, mine_states), (their_at, their_states) = self.cells(), other.cells()
        return bool(np.array_equal(mine_at, their_at) and np.array_equal(mine_states, their_states))

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        torus = f" torus={self.board_height}x{self.board_width}" if self.board_height or self.board_width else ""
        return (f"<Pattern {self.name!r} {self.height}x{self.width} population={self.population} "
                f"rule={self.rule}{torus}>")

    # -- grids -----------------------------------------------------------------
    def to_array(self) -> np.ndarray:
        """The extent as a new ``uint8`` array of states, of shape ``(height, width)``.

        Raises :class:`PatternError` when the extent has more than
        :data:`~lifegame.board.MAX_CELLS` cells.  (:attr:`grid` is the
        pattern's own array, without a copy, when it has one.)
        """
        if self.grid is not None:
            return self.grid.copy()
        cells = self.height * self.width
        if cells > MAX_CELLS:
            raise PatternError(
                f"{prefix(self.name)}the pattern is {self.width} x {self.height} cells ({cells:,}); "
                f"a grid may have at most {MAX_CELLS:,}"
            )
        grid = np.zeros((self.height, self.width), dtype=np.uint8)
        grid[self._ys, self._xs] = self._states
        return grid

    def row_blocks(self, rows: int) -> Iterator[tuple[int, np.ndarray]]:
        """``(top, block)`` of up to ``rows`` rows of the extent at a time, as ``uint8`` arrays of states.

        For a grid these are views; for coordinates they are built a block
        at a time (the extent must then have at most ``MAX_CELLS`` cells).
        """
        if self.grid is not None:
            for top in range(0, self.height, rows):
                yield top, self.grid[top:top + rows]
            return
        if self.height * self.width > MAX_CELLS:
            self.to_array()  # the refusal
        order = np.argsort(self._ys, kind="stable")
        ys, xs, states = self._ys[order], self._xs[order], self._states[order]
        for top in range(0, self.height, rows):
            lo, hi = np.searchsorted(ys, [top, top + rows])
            block = np.zeros((min(rows, self.height - top), self.width), dtype=np.uint8)
            block[ys[lo:hi] - top, xs[lo:hi]] = states[lo:hi]
            yield top, block
