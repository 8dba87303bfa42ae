"""Plaintext ``.cells`` files (LifeWiki's format): read and write.

::

    !Name: Glider
    !Author: Richard K. Guy
    !The smallest spaceship.
    .O.
    ..O
    OOO

``!`` starts a comment line (the first ``!Name:`` gives the name, ``!Author:``
the author); every other line is a row: ``.`` is dead, ``O`` (also ``o`` and
``*``) is alive.  Rows may be ragged: a short row ends with dead cells, and the
extent is the number of rows by the longest row.  A blank line is an empty
row, except blank lines at the end of the file.

The format has no field for a rule, a board size or a position, so for a
whole board the writer adds comment lines ``!Rule: B3/S23:T64,48`` (Golly's
rule with its torus suffix) and ``!Position: 10,20`` (the row and column of
the live area's top-left corner on that torus; other programs show both as
comments) and writes the live area only, ``'.'`` included, not every row of
the board.  The reader takes a ``!Rule:`` line as the pattern's rule and torus
size and a ``!Position:`` line as where the cells sit on it, so reopening the
file restores exactly the saved board.

The reader reads the text twice, a piece of whole lines at a time (see
:mod:`.lines`): once for the extent and the comments, once to set the cells
in the pattern's grid.  The writer writes a block of full rows at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import numpy as np

from ..board import MAX_CELLS, MAX_SIDE
from ..rules import CONWAY, format_rule_spec
from .lines import Lines, line_pieces, only, piece_bytes, simple_rows
from .pattern import (
    CellSink,
    Notes,
    Pattern,
    PatternError,
    newlines,
    prefix,
    rule_spec,
    two_state_refusal,
)
from .stream import row_step

__all__ = ["parse_cells", "format_cells", "iter_cells", "cells_size"]

_ALIVE = np.zeros(256, dtype=bool)
_ALIVE[[ord("O"), ord("o"), ord("*")]] = True
_KNOWN = _ALIVE.copy()
_KNOWN[ord(".")] = True
_FAST = b".Oo*\n"
_POSITION = re.compile(r"\s*\d{1,7}\s*,\s*\d{1,7}\s*")


def parse_cells(text: str, label: str | None = None, name: str | None = None) -> Pattern:
    """Read plaintext ``.cells`` text into a :class:`Pattern`; raises :class:`PatternError`."""
    where = prefix(label)
    text = newlines(text)
    notes = Notes(label)
    found = {"name": name, "named": False, "spec": None, "position": None}

    def take(line: str) -> None:
        notes.count()
        notes.metadata.append(line)
        body = line[1:].strip()
        key, _, value = body.partition(":")
        key = key.strip().lower()
        if key == "name" and not found["named"]:
            found["name"], found["named"] = value.strip() or found["name"], True
        elif key == "author" and notes.author is None:
            notes.author = value.strip()
        elif key == "rule" and found["spec"] is None:
            found["spec"] = rule_spec(value, label)  # refuses a rule lifegame does not run
        elif key == "position" and found["position"] is None and _POSITION.fullmatch(value):
            found["position"] = tuple(int(n) for n in value.split(","))
        else:
            notes.comments.append(body)

    # Pass 1: comments, checks and the extent (the trailing blank rows do not count).
    rows = height = width = 0
    for number, piece in line_pieces(text, label):
        raw = piece_bytes(piece)
        if only(raw, _FAST):  # nothing but rows of '.' and 'O': no comment, no blank
            starts, length, _, _ = simple_rows(raw, _ALIVE)
            long = np.flatnonzero(length > MAX_SIDE)
            if not long.size:
                filled = np.flatnonzero(length)
                if filled.size:
                    height = rows + int(filled[-1]) + 1
                    width = max(width, int(length.max()))
                rows += starts.size
                if height > MAX_SIDE:
                    raise PatternError(f"{where}more than {MAX_SIDE} rows; a board side may be at most {MAX_SIDE}")
                continue
        lines = Lines(piece, raw)
        comment = (lines.raw[lines.starts] == ord("!")) & (lines.ends > lines.starts)
        for i in np.flatnonzero(comment).tolist():
            take(lines.text(i))
        row = ~comment
        bad = lines.first_bad(_KNOWN, row, lstrip=False)
        if bad is not None:
            line = int(lines.line_of(np.array([bad]))[0])
            raise PatternError(f"{where}line {number + line}: unexpected character {piece[bad]!r}; "
                               "expected '.' or 'O'")
        length = np.where(row, lines.last - lines.starts + 1, 0)
        long = np.flatnonzero(length > MAX_SIDE)
        if long.size:
            raise PatternError(f"{where}line {number + int(long[0])}: {int(length[long[0]])} cells; "
                               f"a board side may be at most {MAX_SIDE}")
        index = rows + np.cumsum(row) - 1
        filled = np.flatnonzero(length > 0)
        if filled.size:
            height = int(index[filled[-1]]) + 1
            width = max(width, int(length.max()))
        rows += int(row.sum())
        if height > MAX_SIDE:
            raise PatternError(f"{where}more than {MAX_SIDE} rows; a board side may be at most {MAX_SIDE}")

    # Pass 2: the cells.
    sink = CellSink(height, width, label)
    rows = 0
    for _, piece in line_pieces(text, label):
        raw = piece_bytes(piece)
        if only(raw, _FAST):
            starts, _, alive, line = simple_rows(raw, _ALIVE)
            sink.add_cells(rows + line, alive - starts[line])
            rows += starts.size
            continue
        lines = Lines(piece, raw)
        comment = (lines.raw[lines.starts] == ord("!")) & (lines.ends > lines.starts)
        row = ~comment
        index = rows + np.cumsum(row) - 1
        rows += int(row.sum())
        alive = np.flatnonzero(_ALIVE[lines.raw])
        line = lines.line_of(alive)
        keep = row[line]
        alive, line = alive[keep], line[keep]
        sink.add_cells(index[line], alive - lines.starts[line])
    spec = found["spec"]
    torus = {} if spec is None else {"rule": spec.rule, "board_height": spec.height, "board_width": spec.width}
    fields = dict(name=found["name"], comments=notes.comments, author=notes.author, metadata=notes.metadata, **torus)
    position = found["position"]
    if (position is not None and spec is not None and spec.height and spec.width and sink.dense
            and position[0] + height <= spec.height and position[1] + width <= spec.width):
        # The live area of a saved board: put it back where it was on the torus.
        grid = np.zeros((spec.height, spec.width), dtype=np.uint8)
        grid[position[0]:position[0] + height, position[1]:position[1] + width] = sink.grid
        return Pattern(grid=grid, **fields)
    return sink.pattern(**fields)


def format_cells(
    pattern: Pattern,
    *,
    name: str | None = None,
    comments: Iterable[str] = (),
) -> str:
    """Plaintext for a pattern's extent (see :func:`iter_cells`)."""
    return b"".join(chunk for chunk, _ in iter_cells(pattern, name=name, comments=comments)).decode("utf-8")


def _live_area(pattern: Pattern) -> tuple[int, int, int, int] | None:
    """``(top, left, height, width)`` to write when only a whole board's live area is written, else ``None``.

    A pattern with a full torus size (a saved board) is written from its live
    cells' bounding box, placed by a ``!Position:`` line; any other pattern in
    full, as other programs write it.
    """
    if not pattern.board_height or not pattern.board_width or pattern.grid is None:
        return None
    if (pattern.height, pattern.width) != (pattern.board_height, pattern.board_width):
        return None
    box = pattern.bounding_box()
    return box if box is not None else (0, 0, 0, 0)


def _head(pattern: Pattern, name: str | None, comments: Iterable[str]) -> bytes:
    name = pattern.name if name is None else name
    comments = list(comments) or list(pattern.comments)
    sized = pattern.board_height is not None or pattern.board_width is not None
    spec = (format_rule_spec(pattern.rule, pattern.board_height, pattern.board_width)
            if sized or pattern.rule != CONWAY else None)
    lines = []
    if name:
        lines.append(f"!Name: {' '.join(str(name).split())}")
    if pattern.author:
        lines.append(f"!Author: {' '.join(str(pattern.author).split())}")
    if spec:
        lines.append(f"!Rule: {spec}")
    area = _live_area(pattern)
    if area is not None:
        lines.append(f"!Position: {area[0]},{area[1]}")
    for comment in comments:
        lines.extend(f"!{part}".rstrip() for part in str(comment).splitlines() or [""])
    return "".join(line + "\n" for line in lines).encode("utf-8")


def cells_size(pattern: Pattern, *, name: str | None = None, comments: Iterable[str] = ()) -> int:
    """The exact size in bytes of the ``.cells`` file :func:`iter_cells` writes."""
    area = _live_area(pattern)
    height, width = (pattern.height, pattern.width) if area is None else area[2:]
    return len(_head(pattern, name, comments)) + height * (width + 1)


def iter_cells(
    pattern: Pattern,
    *,
    name: str | None = None,
    comments: Iterable[str] = (),
) -> Iterator[tuple[bytes, float]]:
    """The ``.cells`` file of a pattern as ``(bytes, fraction of its rows done)``, a block of rows at a time.

    ``!Name:``, ``!`` comments, full rows of ``.``/``O``.  ``name`` and
    ``comments`` default to the pattern's own, its author is written as
    ``!Author:``, and a ``!Rule:`` line keeps its rule and torus size when it
    has a torus size (a whole board always does) or a rule other than
    Conway's.

    Raises :class:`PatternError` for a pattern whose extent is too large for a grid, or with a
    cell in a state above 1 (the format has two states).
    """
    if pattern.max_state > 1:
        raise PatternError(two_state_refusal(None, ".cells", pattern))
    if pattern.grid is None and pattern.height * pattern.width > MAX_CELLS:
        pattern.to_array()  # the refusal
    yield _head(pattern, name, comments), 0.0
    table = np.frombuffer(b".O", dtype=np.uint8)
    area = _live_area(pattern)
    if area is not None:  # a whole board: its live area only
        top, left, height, width = area
        live = pattern.grid[top:top + height, left:left + width]
        step = row_step(width + 1)
        blocks: Iterator[tuple[int, np.ndarray]] = ((y, live[y:y + step]) for y in range(0, height, step))
    else:
        height, width = pattern.height, pattern.width
        blocks = pattern.row_blocks(row_step(width + 1))
    for top, block in blocks:
        chars = np.empty((block.shape[0], width + 1), dtype=np.uint8)
        np.take(table, block, out=chars[:, :width])
        chars[:, width] = 10
        yield chars.tobytes(), (top + block.shape[0]) / max(1, height)
