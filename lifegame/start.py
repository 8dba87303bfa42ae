"""The starting board: one function, used by ``lifegame run``, the window at start and a file opened in it.

:func:`starting_board` turns what a user gives -- a pattern (or none), a
board size, a rule with Golly's ``:Tw,h`` torus suffix, a placement and a
random fill -- into the board and rule to start from.  Every path that opens
a pattern calls it, so the same file gives the same board (size and
position) whether it comes from the command line, the window's open or a
drop on the window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .board import Board, BoardSizeError, check_size
from .rules import CONWAY, RuleBase, parse_rule_spec

if TYPE_CHECKING:
    from .patterns import Pattern

__all__ = ["starting_board", "DEFAULT_SIZE", "MARGIN"]

DEFAULT_SIZE = (64, 64)
"""Rows and columns of a board when nothing else gives its size."""
MARGIN = 16
"""Empty cells left on each side of a pattern when the board is fitted to it."""


def starting_board(
    pattern: Pattern | None = None,
    *,
    size: tuple[int, int] | None = None,
    rule: str | None = None,
    at: tuple[int, int] | None = None,
    density: float | None = None,
    seed: int | None = None,
    margin: int = MARGIN,
) -> tuple[Board, RuleBase]:
    """The board and rule to start from.

    The size is, in order of preference: ``size`` (rows, columns); the torus
    of ``rule`` (``B3/S23:T64,48``); the torus the pattern's file declares;
    the pattern's extent plus ``margin`` empty cells on each side; or
    :data:`DEFAULT_SIZE`.  The rule is ``rule`` (text, parsed), else the
    pattern's, else Conway's.  ``density`` fills the board at random first
    (``seed`` makes it repeatable); the pattern is then placed with its
    top-left corner at ``at`` (wrapping round the torus) or, by default,
    centred.  A file whose declared extent is larger than the board still
    opens when its live cells fit: those are centred.

    The pattern's cells keep their states (a LifeHistory or Generations
    file's states 2..), and the random fill is of live cells (state 1), which
    every rule has.  When ``rule`` has fewer states than the pattern uses, the
    higher states become the rule's highest, as Golly does when a rule
    change leaves fewer states.

    Raises :class:`~lifegame.board.BoardSizeError` (an impossible size, a
    size that contradicts the rule's torus, a pattern that does not fit) or
    :class:`~lifegame.rules.RuleError`; both are ``ValueError`` with one line
    that does not name the file (the caller knows it and says it).
    """
    chosen = CONWAY
    spec_h = spec_w = None
    if rule is not None:
        chosen, spec_h, spec_w = parse_rule_spec(rule)
    elif pattern is not None:
        chosen = pattern.rule
    if size is not None and (spec_h not in (None, size[0]) or spec_w not in (None, size[1])):
        raise BoardSizeError(
            f"--size {size[0]}x{size[1]} and the rule's torus ({spec_h or '*'} rows, {spec_w or '*'} columns)"
            " disagree; give one of them"
        )
    if size is None:
        if pattern is None:
            size = (spec_h or DEFAULT_SIZE[0], spec_w or DEFAULT_SIZE[1])
        else:
            size = (spec_h or pattern.board_height or pattern.height + 2 * margin,
                    spec_w or pattern.board_width or pattern.width + 2 * margin)
    try:
        height, width = check_size(*size)
    except BoardSizeError as err:
        if pattern is None:
            raise
        raise BoardSizeError(f"cannot make a board for the pattern: {err}") from None
    board = Board(height, width)
    if density:
        rng = np.random.default_rng(seed)
        # Row blocks keep the random floats small even on a 16384x16384 board.
        step = max(1, (1 << 22) // width)
        for top in range(0, height, step):
            block = board.cells[top:top + step]
            block[...] = rng.random(block.shape, dtype=np.float32) < density
    if pattern is not None:
        _place(board, pattern, at)
        if pattern.max_state >= chosen.states:
            np.minimum(board.cells, chosen.states - 1, out=board.cells)
    return board, chosen


def _place(board: Board, pattern: Pattern, at: tuple[int, int] | None) -> None:
    height, width = board.shape
    ph, pw = pattern.height, pattern.width
    grid = pattern.grid
    ys = xs = None
    if grid is None:
        ys, xs = pattern.ys, pattern.xs
    if (ph > height or pw > width) and pattern.population:
        # The file's extent (a header with slack, a whole saved board) is too
        # big, but its live cells may still fit: place those.
        top, left, ph, pw = pattern.bounding_box()
        if grid is not None:
            grid = grid[top:top + ph, left:left + pw]
        else:
            ys, xs = ys - top, xs - left
    if ph > height or pw > width:
        raise BoardSizeError(
            f"the pattern ({ph}x{pw}, rows x columns) does not fit on a {height}x{width} board"
        )
    # ``at`` wraps round the torus; reduced here, in Python's unbounded ints,
    # so that no coordinate is too large for numpy.
    y, x = (at[0] % height, at[1] % width) if at is not None else ((height - ph) // 2, (width - pw) // 2)
    if grid is None:
        board.cells[(ys + y) % height, (xs + x) % width] = pattern.states
        return
    # The grid is laid on the board in place, in at most four rectangles (it
    # may wrap round the torus): no coordinates, no copy of the pattern.  The
    # board holds only 0 and 1 here (empty, or a random fill), so the larger
    # of the two is the pattern's state where it has a cell and the board's
    # elsewhere.
    cells = board.cells
    for src_y, dst_y, rows in _spans(y, ph, height):
        for src_x, dst_x, cols in _spans(x, pw, width):
            np.maximum(cells[dst_y:dst_y + rows, dst_x:dst_x + cols],
                       grid[src_y:src_y + rows, src_x:src_x + cols],
                       out=cells[dst_y:dst_y + rows, dst_x:dst_x + cols])


def _spans(start: int, length: int, size: int) -> list[tuple[int, int, int]]:
    """``(source offset, destination offset, length)`` of a stretch of ``length`` from ``start``, wrapped."""
    first = min(length, size - start)
    spans = [(0, start, first)]
    if length > first:
        spans.append((first, 0, length - first))
    return spans
