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

The format has no field for a rule or a board size, so for a whole board the
writer adds a comment line ``!Rule: B3/S23:T64,48`` (Golly's rule with its
torus suffix; other programs show it as a comment) and writes every row in
full, ``'.'`` included.  The reader takes a ``!Rule:`` line as the pattern's
rule and torus size, so reopening the file restores exactly the saved board.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..board import MAX_SIDE
from ..rules import CONWAY, format_rule_spec
from .pattern import Pattern, PatternError, prefix, rule_spec, iter_lines

__all__ = ["parse_cells", "format_cells"]

_ALIVE = np.zeros(256, dtype=bool)
_ALIVE[[ord("O"), ord("o"), ord("*")]] = True
_KNOWN = _ALIVE.copy()
_KNOWN[ord(".")] = True


def parse_cells(text: str, label: str | None = None, name: str | None = None) -> Pattern:
    """Read plaintext ``.cells`` text into a :class:`Pattern`; raises :class:`PatternError`."""
    where = prefix(label)
    comments: list[str] = []
    metadata: list[str] = []
    author = None
    spec = None
    named = False
    rows: list[tuple[int, str]] = []  # (line number, row text)
    for number, line in enumerate(iter_lines(text), 1):
        if line.startswith("!"):
            metadata.append(line)
            body = line[1:].strip()
            key, _, value = body.partition(":")
            if key.strip().lower() == "name" and not named:
                name, named = value.strip() or name, True
            elif key.strip().lower() == "author" and author is None:
                author = value.strip()
            elif key.strip().lower() == "rule" and spec is None:
                spec = rule_spec(value, label)  # refuses a rule lifegame does not run
            else:
                comments.append(body)
            continue
        rows.append((number, line.rstrip()))
        if len(rows) > MAX_SIDE:  # before reading millions more
            raise PatternError(f"{where}more than {MAX_SIDE} rows; a board side may be at most {MAX_SIDE}")
    while rows and not rows[-1][1]:
        rows.pop()

    if len(rows) > MAX_SIDE:
        raise PatternError(f"{where}{len(rows)} rows; a board side may be at most {MAX_SIDE}")
    all_ys: list[np.ndarray] = []
    all_xs: list[np.ndarray] = []
    width = 0
    for y, (number, row) in enumerate(rows):
        if len(row) > MAX_SIDE:
            raise PatternError(f"{where}line {number}: {len(row)} cells; a board side may be at most {MAX_SIDE}")
        if not row.isascii():
            bad = next(ch for ch in row if not ch.isascii())
            raise PatternError(f"{where}line {number}: unexpected character {bad!r}; expected '.' or 'O'")
        codes = np.frombuffer(row.encode("ascii"), dtype=np.uint8)
        unknown = np.flatnonzero(~_KNOWN[codes])
        if unknown.size:
            raise PatternError(
                f"{where}line {number}: unexpected character {row[unknown[0]]!r}; expected '.' or 'O'"
            )
        xs = np.flatnonzero(_ALIVE[codes])
        all_xs.append(xs)
        all_ys.append(np.full(xs.size, y, dtype=np.int64))
        width = max(width, len(row))
    ys = np.concatenate(all_ys) if all_ys else np.zeros(0, np.int64)
    xs = np.concatenate(all_xs) if all_xs else np.zeros(0, np.int64)
    if spec is None:
        return Pattern(ys, xs, len(rows), width, name=name, comments=comments, author=author, metadata=metadata)
    return Pattern(ys, xs, len(rows), width, rule=spec.rule, board_height=spec.height, board_width=spec.width,
                   name=name, comments=comments, author=author, metadata=metadata)


def format_cells(
    pattern: Pattern,
    *,
    name: str | None = None,
    comments: Iterable[str] = (),
) -> str:
    """Plaintext for a pattern's extent: ``!Name:``, ``!`` comments, full rows of ``.``/``O``.

    ``name`` and ``comments`` default to the pattern's own, its author is
    written as ``!Author:``, and a ``!Rule:`` line keeps its rule and torus
    size when it has a torus size (a whole board always does) or a rule
    other than Conway's.

    Raises :class:`PatternError` for a pattern whose extent is too large for a grid.
    """
    name = pattern.name if name is None else name
    comments = list(comments) or list(pattern.comments)
    author = pattern.author
    cells = pattern.to_array()
    sized = pattern.board_height is not None or pattern.board_width is not None
    spec = (format_rule_spec(pattern.rule, pattern.board_height, pattern.board_width)
            if sized or pattern.rule != CONWAY else None)
    lines = []
    if name:
        lines.append(f"!Name: {' '.join(str(name).split())}")
    if author:
        lines.append(f"!Author: {' '.join(str(author).split())}")
    if spec:
        lines.append(f"!Rule: {spec}")
    for comment in comments:
        lines.extend(f"!{part}".rstrip() for part in str(comment).splitlines() or [""])
    table = np.frombuffer(b".O", dtype=np.uint8)
    chars = table[cells]
    lines.extend(row.tobytes().decode("ascii") for row in chars)
    return "\n".join(lines) + "\n"
