"""The value every pattern reader returns, and what the readers share.

A :class:`Pattern` is a set of live cells given as coordinates, never as a
dense grid: a real file such as Golly's ``switch-engine-ping-pong.rle``
declares 210515 x 183739 cells and has 23 live ones.  Only
:meth:`Pattern.to_array` builds a grid (refusing sizes above
:data:`lifegame.board.MAX_CELLS`); :func:`lifegame.start.starting_board`
puts a pattern on a board.

Every error a reader raises is a :class:`PatternError` whose message is one
line a user can act on, starting with the file name when it is known.
"""

from __future__ import annotations

from collections.abc import Iterator

import re
from dataclasses import dataclass, field

import numpy as np

from ..board import MAX_CELLS, MAX_SIDE, Board
from ..rules import CONWAY, Rule, RuleError, RuleSpec, parse_rule_spec

__all__ = [
    "PatternError",
    "Pattern",
    "MAX_FILE_BYTES",
    "MAX_LIVE_CELLS",
]

MAX_FILE_BYTES = 64 << 20
"""Pattern files larger than this (64 MiB) are refused before they are read.

The largest file in Golly's collection is under 1 MiB; a dense 16384 x 16384
board, written as RLE, stays well below the cap for any ordinary density.
"""
MAX_LIVE_CELLS = MAX_CELLS
"""A pattern may have at most this many live cells (as many as the largest board)."""


class PatternError(ValueError):
    """A pattern that cannot be read, written or placed; the message is one user-facing line."""


def prefix(label: str | None) -> str:
    """``"name: "`` for messages about a named file, else ``""``."""
    return f"{label}: " if label else ""


# -- text ----------------------------------------------------------------------
# Characters that never occur in a text pattern file.  Tab, LF, VT, FF and CR
# are blanks; anything else below 0x20 (and DEL) means binary data.
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


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
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            if not _only_comments_are_not_ascii(data):
                raise PatternError(f"{where}not a pattern file (it is not UTF-8 text)") from None
            # Old files written in Latin-1 or a Windows code page: their
            # names and credits are in comment lines, the cells are ASCII.
            text = data.decode("latin-1")
    elif isinstance(data, str):
        text = data[1:] if data.startswith("\ufeff") else data
    else:
        raise TypeError(f"pattern text must be str or bytes, not {type(data).__name__}")
    if _BINARY.search(text):
        raise PatternError(f"{where}not a pattern file (it contains binary data)")
    if not text.strip():
        raise PatternError(f"{where}empty file: no pattern in it")
    return text


def split_lines(text: str) -> list[str]:
    """Lines ended by LF, CRLF or a lone CR (as Golly reads them), without the ends."""
    return list(iter_lines(text))


def iter_lines(text: str) -> Iterator[str]:
    """:func:`split_lines`, one line at a time: a reader can refuse a file
    after its first few thousand lines without making a string of each of
    its millions."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        if stop < 0:
            yield text[start:]
            return
        yield text[start:stop]
        start = stop + 1


def rule_spec(text: str, label: str | None) -> RuleSpec:
    """:func:`lifegame.rules.parse_rule_spec`, with a refusal that names the file and the rule."""
    text = text.strip()
    if not text:
        return RuleSpec(CONWAY)
    try:
        return parse_rule_spec(text)
    except RuleError as err:
        raise PatternError(f"{prefix(label)}{err}") from None


def normalise(ys: np.ndarray, xs: np.ndarray, label: str | None) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Shift absolute coordinates to their bounding box; drop duplicates.

    Returns ``(ys, xs, height, width)`` sorted row by row.  For the formats
    without a header (Life 1.05/1.06), whose cells may sit anywhere around an
    origin.  Refuses a box whose side exceeds :data:`MAX_SIDE`.
    """
    ys = np.asarray(ys, dtype=np.int64)
    xs = np.asarray(xs, dtype=np.int64)
    if ys.size == 0:
        return ys, xs, 0, 0
    if ys.size > MAX_LIVE_CELLS:
        raise PatternError(f"{prefix(label)}more than {MAX_LIVE_CELLS:,} live cells")
    ys = ys - ys.min()
    xs = xs - xs.min()
    height, width = int(ys.max()) + 1, int(xs.max()) + 1
    if height > MAX_SIDE or width > MAX_SIDE:
        raise PatternError(
            f"{prefix(label)}the cells span {width} x {height}; a side may be at most {MAX_SIDE}"
        )
    keys = np.unique(ys * width + xs)  # sorted, row-major, each cell once
    return keys // width, keys % width, height, width


# -- the pattern ---------------------------------------------------------------
@dataclass(eq=False)
class Pattern:
    """Live cells read from a pattern file, with what the file said about them.

    ``ys``/``xs`` are ``int64`` arrays of the same length: the row and column of
    each live cell, relative to the pattern's top-left corner, each cell once.
    ``height``/``width`` is the extent: the RLE header's ``y``/``x`` (which may
    include empty rows and columns), or the cells' bounding box for formats
    without a header.  ``board_height``/``board_width`` come from a Golly torus
    suffix (``B3/S23:T72,48``); ``None`` means "not fixed by the file".

    ``comments`` holds the text of ``#C``/``#D``/``!`` comment lines, ``author``
    the ``#O`` line, and ``metadata`` every ``#`` line verbatim and in order
    (the ``!`` lines for ``.cells`` files), so that nothing in a file is lost.

    Two patterns are equal when all their fields are, the cells compared as sets.
    """

    ys: np.ndarray
    xs: np.ndarray
    height: int
    width: int
    rule: Rule = CONWAY
    board_height: int | None = None
    board_width: int | None = None
    name: str | None = None
    comments: list[str] = field(default_factory=list)
    author: str | None = None
    metadata: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ys = np.asarray(self.ys, dtype=np.int64).reshape(-1)
        self.xs = np.asarray(self.xs, dtype=np.int64).reshape(-1)
        self.height, self.width = int(self.height), int(self.width)
        if self.ys.shape != self.xs.shape:
            raise ValueError(f"ys and xs differ in length ({self.ys.size} and {self.xs.size})")
        if self.height < 0 or self.width < 0:
            raise ValueError(f"pattern extent {self.height}x{self.width} is negative")
        if self.ys.size and (
            self.ys.min() < 0 or self.xs.min() < 0 or self.ys.max() >= self.height or self.xs.max() >= self.width
        ):
            raise ValueError(f"cells lie outside the pattern's {self.height}x{self.width} extent")

    # -- construction -----------------------------------------------------------
    @classmethod
    def from_board(
        cls, board: Board, rule: Rule = CONWAY, *, name: str | None = None, comments: tuple[str, ...] | list[str] = ()
    ) -> Pattern:
        """The whole board as a pattern: its extent and torus size are the board's size."""
        ys, xs = np.nonzero(board.cells)
        return cls(ys, xs, board.height, board.width, rule, board.height, board.width,
                   name=name, comments=list(comments))

    # -- facts -----------------------------------------------------------------
    @property
    def population(self) -> int:
        """The number of live cells."""
        return int(self.ys.size)

    def bounding_box(self) -> tuple[int, int, int, int] | None:
        """``(top, left, height, width)`` of the live cells, or ``None`` when there are none."""
        if self.ys.size == 0:
            return None
        top, left = int(self.ys.min()), int(self.xs.min())
        return top, left, int(self.ys.max()) - top + 1, int(self.xs.max()) - left + 1

    def coordinates(self) -> np.ndarray:
        """An ``(n, 2)`` array of ``(y, x)`` rows, sorted row by row."""
        order = np.lexsort((self.xs, self.ys))
        return np.stack((self.ys[order], self.xs[order]), axis=1)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pattern):
            return NotImplemented
        mine = (self.height, self.width, self.rule, self.board_height, self.board_width,
                self.name, self.comments, self.author, self.metadata)
        theirs = (other.height, other.width, other.rule, other.board_height, other.board_width,
                  other.name, other.comments, other.author, other.metadata)
        return mine == theirs and bool(np.array_equal(self.coordinates(), other.coordinates()))

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        torus = f" torus={self.board_height}x{self.board_width}" if self.board_height or self.board_width else ""
        return (f"<Pattern {self.name!r} {self.height}x{self.width} population={self.population} "
                f"rule={self.rule}{torus}>")

    # -- grids -----------------------------------------------------------------
    def to_array(self) -> np.ndarray:
        """The extent as a ``uint8`` array of shape ``(height, width)``, 1 = alive.

        Raises :class:`PatternError` when the extent has more than
        :data:`~lifegame.board.MAX_CELLS` cells.
        """
        cells = self.height * self.width
        if cells > MAX_CELLS:
            raise PatternError(
                f"{prefix(self.name)}the pattern is {self.width} x {self.height} cells ({cells:,}); "
                f"a grid may have at most {MAX_CELLS:,}"
            )
        grid = np.zeros((self.height, self.width), dtype=np.uint8)
        grid[self.ys, self.xs] = 1
        return grid
