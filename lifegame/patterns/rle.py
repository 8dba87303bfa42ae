"""RLE, the run-length encoded format of Golly and LifeWiki: read and write.

A file looks like this::

    #N Glider
    #C The smallest spaceship.
    #O Richard K. Guy
    x = 3, y = 3, rule = B3/S23
    bo$2bo$3o!

``b`` (or ``.``) is a dead cell, ``o`` a live one, ``$`` ends a row, ``!`` ends
the pattern; a number before a token repeats it (``3o``, ``20$``).  The reader
follows Golly's ``readrle`` (``gollybase/readpattern.cpp``): blanks between
tokens and line breaks anywhere are ignored, a missing count (and a count of
0) means 1, anything after ``!`` is ignored, ``#`` lines may appear anywhere,
and a file without the ``x = ..`` header is still read.  Where Golly silently
skips what it does not understand, this reader refuses with a message:
characters that are not RLE, cells outside the declared size, and states
other than dead/alive (``B``..``X``, ``pA``..) since every rule lifegame
runs has two states.

The cells are decoded with numpy over the whole file at once, so a large file
costs a few array passes rather than a Python loop per token, and a huge
declared size costs nothing: only live cells are stored.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

import numpy as np

from ..board import MAX_SIDE
from ..rules import format_rule_spec
from .pattern import MAX_LIVE_CELLS, Pattern, PatternError, prefix, rule_spec, iter_lines

__all__ = ["parse_rle", "format_rle", "LINE_LENGTH"]

LINE_LENGTH = 70
"""The longest line of cells :func:`format_rle` writes (as Golly does)."""

_HEADER_START = re.compile(r"x\s*=")
_HEADER = re.compile(r"x\s*=\s*(?P<x>\d+)\s*,?\s*y\s*=\s*(?P<y>\d+)\s*(?P<rest>.*)$")
_HEADER_RULE = re.compile(r",?\s*rule\s*=\s*(?P<rule>\S*)", re.IGNORECASE)

# What each byte of the cell data is.  Unknown bytes (0) are refused.
_UNKNOWN, _DEAD, _ALIVE, _NEWLINE, _STATE, _PREFIX, _DIGIT, _BLANK = range(8)
_KIND = np.zeros(256, dtype=np.int8)
_KIND[[ord("b"), ord(".")]] = _DEAD
_KIND[[ord("o"), ord("A")]] = _ALIVE  # 'A' is state 1 in multi-state RLE
_KIND[ord("$")] = _NEWLINE
_KIND[ord("B"):ord("X") + 1] = _STATE  # states 2..24
_KIND[ord("p"):ord("y") + 1] = _PREFIX  # 'pA'.. are states 25..; a lone one is alive (Golly)
_KIND[ord("0"):ord("9") + 1] = _DIGIT
_KIND[: ord(" ") + 1] = _BLANK
_MAX_COUNT_DIGITS = len(str(MAX_SIDE))


class _Data:
    """The cell data of a file: its text and where each part came from (for messages)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.starts: list[int] = []  # offset of each part in the joined text
        self.lines: list[int] = []  # line number of each part
        self.size = 0

    def add(self, text: str, line: int) -> None:
        self.parts.append(text)
        self.starts.append(self.size)
        self.lines.append(line)
        self.size += len(text)

    def line_of(self, offset: int) -> int:
        return self.lines[bisect.bisect_right(self.starts, offset) - 1]


def parse_rle(text: str, label: str | None = None, name: str | None = None) -> Pattern:
    """Read RLE text into a :class:`Pattern`.

    ``label`` (the file name) starts error messages; ``name`` is used when the
    file has no ``#N`` line.  Raises :class:`PatternError`.
    """
    where = prefix(label)
    comments: list[str] = []
    metadata: list[str] = []
    author: str | None = None
    header: tuple[int, int] | None = None
    rule_text: str | None = None
    named = False  # the first '#N' line names the pattern
    data = _Data()
    limit = HEADERLESS_MAX_BYTES  # bytes of cell data; set from the header when there is one

    for number, line in enumerate(iter_lines(text), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped[0] == "#":
            metadata.append(line)
            tag, rest = stripped[1:2], stripped[2:].strip()
            if stripped.startswith("#CXRLE"):
                continue  # Golly's position and generation: kept in metadata only
            if tag in ("C", "c", " ", ""):
                comments.append(rest)
            elif tag == "N" and not named:
                name, named = rest or name, True
            elif tag == "O" and author is None:
                author = rest
            elif tag == "r" and rule_text is None:
                rule_text = rest  # old RLE's '#r 23/3'
            continue
        if header is None and not data.parts and _HEADER_START.match(stripped):
            header, header_rule = _parse_header(stripped, where, number)
            if header_rule is not None:
                rule_text = header_rule
            limit = _data_limit(*header)
            continue
        end = stripped.find("!")
        if end >= 0:
            data.add(stripped[:end], number)
            break  # Golly stops at '!': whatever follows is not read
        data.add(stripped, number)
        if data.size > limit:
            h, w = header if header is not None else (0, 0)
            raise PatternError(f"{where}line {number}: far more cell data than x = {w}, y = {h} can hold"
                               if header is not None else
                               f"{where}more than {limit:,} bytes of RLE data without an 'x = ..., y = ...' header")

    spec = rule_spec(rule_text or "", label)
    ys, xs, height, width = _decode_cells(data, header, where)
    return Pattern(
        ys, xs, height, width, spec.rule, spec.height, spec.width,
        name=name, comments=comments, author=author, metadata=metadata,
    )


def _parse_header(line: str, where: str, number: int) -> tuple[tuple[int, int], str | None]:
    """``((height, width), rule text or None)`` from an ``x = W, y = H, rule = R`` line."""
    m = _HEADER.match(line)
    if not m:
        raise PatternError(
            f"{where}line {number}: bad RLE header {line[:60]!r}; expected 'x = <width>, y = <height>, rule = <rule>'"
        )
    sizes = []
    for axis in ("x", "y"):
        digits = m[axis]
        if len(digits) > _MAX_COUNT_DIGITS or int(digits) > MAX_SIDE:
            shown = digits if len(digits) <= 20 else digits[:20] + "..."
            raise PatternError(
                f"{where}line {number}: the header's {axis} = {shown} exceeds the maximum board side {MAX_SIDE}"
            )
        sizes.append(int(digits))
    rule = _HEADER_RULE.match(m["rest"])
    rule_text = rule["rule"].rstrip(",") if rule else None
    return (sizes[1], sizes[0]), rule_text


def _decode_cells(
    data: _Data, header: tuple[int, int] | None, where: str
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The live cells of the RLE data as ``(ys, xs, height, width)``.

    Runs are found for the whole text at once: each non-digit token takes the
    digits before it as its count, ``$`` adds its count to ``y`` and resets
    ``x``, ``b``/``o`` add theirs to ``x``; cumulative sums give every token's
    position.  Counts are capped at :data:`MAX_SIDE` before any sum, so
    nothing overflows and nothing is allocated for the declared size.
    """
    body = "".join(data.parts)

    def fail(offset: int, message: str) -> PatternError:
        return PatternError(f"{where}line {data.line_of(offset)}: {message}")

    if not body.isascii():
        offset = next(i for i, ch in enumerate(body) if not ch.isascii())
        raise fail(offset, f"unexpected character {body[offset]!r} in RLE data")
    raw = np.frombuffer(body.encode("ascii"), dtype=np.uint8)
    _refuse_oversized(raw, header, where)
    kinds = _KIND[raw]
    offsets = np.flatnonzero(kinds != _BLANK)  # where each kept byte was, for messages
    buf, kinds = raw[offsets], kinds[offsets]

    bad = np.flatnonzero(kinds == _UNKNOWN)
    if bad.size:
        ch = chr(buf[bad[0]])
        raise fail(int(offsets[bad[0]]), f"unexpected character {ch!r} in RLE data")
    tokens = np.flatnonzero(kinds != _DIGIT)
    tk = kinds[tokens]
    _refuse_states(buf, kinds, tokens, tk, offsets, fail)

    # Counts: the digits between the previous token and this one.
    previous = np.concatenate(([-1], tokens[:-1]))
    ndigits = tokens - previous - 1
    too_long = np.flatnonzero(ndigits > _MAX_COUNT_DIGITS)
    if too_long.size:
        t = tokens[too_long[0]]
        digits = buf[t - ndigits[too_long[0]]:t].tobytes().decode()
        shown = digits if len(digits) <= 20 else digits[:20] + "..."
        raise fail(int(offsets[t]), f"run count {shown} exceeds the maximum board side {MAX_SIDE}")
    counts = np.zeros(tokens.size, dtype=np.int64)
    for k in range(1, int(ndigits.max(initial=0)) + 1):
        has = ndigits >= k
        counts[has] += (buf[tokens[has] - k].astype(np.int64) - ord("0")) * 10 ** (k - 1)
    counts[counts == 0] = 1
    too_big = np.flatnonzero(counts > MAX_SIDE)
    if too_big.size:
        i = too_big[0]
        raise fail(int(offsets[tokens[i]]), f"run count {counts[i]} exceeds the maximum board side {MAX_SIDE}")

    # Positions.
    newline = tk == _NEWLINE
    alive = (tk == _ALIVE) | (tk == _PREFIX)
    dy = np.where(newline, counts, 0)
    dx = np.where(newline, 0, counts)
    y = np.cumsum(dy)
    cx = np.cumsum(dx)
    last_newline = np.maximum.accumulate(np.where(newline, np.arange(tokens.size), -1))
    x = cx - dx - np.where(last_newline >= 0, cx[np.maximum(last_newline, 0)], 0)
    run_y, run_x, run_n = y[alive], x[alive], counts[alive]
    run_offsets = offsets[tokens[alive]]

    if header is not None:
        height, width = header
        outside = np.flatnonzero((run_y >= height) | (run_x + run_n > width))
        if outside.size:
            raise fail(int(run_offsets[outside[0]]),
                       f"cells beyond the size the header declares (x = {width}, y = {height})")
    else:
        outside = np.flatnonzero((run_y >= MAX_SIDE) | (run_x + run_n > MAX_SIDE))
        if outside.size:
            raise fail(int(run_offsets[outside[0]]), f"cells beyond the maximum board side {MAX_SIDE}")
        height = int(run_y.max()) + 1 if run_y.size else 0
        width = int((run_x + run_n).max()) if run_x.size else 0
    total = int(run_n.sum())
    if total > MAX_LIVE_CELLS:
        raise PatternError(f"{where}more than {MAX_LIVE_CELLS:,} live cells")

    ys = np.repeat(run_y, run_n)
    xs = np.repeat(run_x - (np.cumsum(run_n) - run_n), run_n) + np.arange(total, dtype=np.int64)
    return ys, xs, height, width


HEADERLESS_MAX_BYTES = 4 << 20
"""Cell data of an RLE file without a header line is refused above this size."""


def _data_limit(height: int, width: int) -> int:
    """Bytes of cell data beyond which an RLE body cannot fit ``width`` x ``height``.

    A run is at most eight bytes (seven digits and a letter) and there are at
    most two runs per cell (a dead and a live one) and one ``$`` per row; the
    bound is loose on purpose.  It only has to stop megabytes of ``$`` under a
    3x3 header from being read at all.
    """
    return 8 * (2 * (height + 1) * (width + 1) + 2 * height + 128) + (1 << 16)


def _refuse_oversized(raw: np.ndarray, header: tuple[int, int] | None, where: str) -> None:
    """Refuse cell data far larger than its header allows, before decoding it.

    Decoding costs tens of bytes of memory per byte of data, so a small header
    over megabytes of ``$`` or ``b`` must be refused by counting first: every
    ``$`` ends at least one row and every other token covers at least one
    cell.  The bounds leave room for the trailing ``$`` and dead runs that
    real files have.
    """
    if header is None:
        if raw.size > HEADERLESS_MAX_BYTES:
            raise PatternError(f"{where}{raw.size:,} bytes of RLE data without an 'x = ..., y = ...' header")
        return
    height, width = header
    rows = int(np.count_nonzero(raw == ord("$")))
    if rows > 2 * height + 64:
        raise PatternError(f"{where}the cell data has at least {rows + 1:,} rows; the header declares y = {height}")
    kinds = _KIND[raw]
    tokens = int(np.count_nonzero((kinds != _DIGIT) & (kinds != _BLANK))) - rows
    if tokens > 2 * (height + 1) * (width + 1) + 64:
        raise PatternError(
            f"{where}the cell data has {tokens:,} runs, more than x = {width}, y = {height} cells can hold"
        )


def _refuse_states(buf, kinds, tokens, tk, offsets, fail) -> None:
    """Refuse the states of multi-state rules: ``B``..``X`` and ``pA``..``yX``."""
    first = []
    states = tokens[tk == _STATE]
    if states.size:
        first.append(int(states[0]))
    prefixes = tokens[tk == _PREFIX]
    prefixes = prefixes[prefixes + 1 < buf.size]
    follower = buf[prefixes + 1]
    pairs = prefixes[(follower >= ord("A")) & (follower <= ord("X"))]
    if pairs.size:
        first.append(int(pairs[0]))
    if not first:
        return
    at = min(first)
    token = chr(buf[at]) + (chr(buf[at + 1]) if kinds[at] == _PREFIX else "")
    raise fail(int(offsets[at]),
               f"cell state {token!r} belongs to a multi-state rule; lifegame's rules have two states (b and o)")


# -- writing -------------------------------------------------------------------
def format_rle(
    pattern: Pattern,
    *,
    name: str | None = None,
    comments: Iterable[str] = (),
) -> str:
    """RLE text for a pattern, as Golly writes it.

    The header is the pattern's extent with its rule and torus suffix
    (``x = W, y = H, rule = B3/S23:TW,H``); a whole board, as
    :meth:`Pattern.from_board` makes it, thus reads back as the very same
    board (leading empty rows and columns included).  ``name`` and
    ``comments`` default to the pattern's own.

    ``#N`` and ``#C`` lines come first (a comment with line breaks becomes
    several ``#C`` lines); cell lines are at most :data:`LINE_LENGTH`
    characters, trailing dead cells of a row are left out, empty rows are
    merged into one ``$`` run, and the text ends with ``!`` and a newline.
    """
    name = pattern.name if name is None else name
    comments = list(comments) or list(pattern.comments)
    author = pattern.author
    height, width = pattern.height, pattern.width
    spec = format_rule_spec(pattern.rule, pattern.board_height, pattern.board_width)
    ys, xs = pattern.ys, pattern.xs

    lines = []
    if name:
        lines.append(f"#N {_one_line(name)}")
    if author:
        lines.append(f"#O {_one_line(author)}")
    for comment in comments:
        lines.extend(f"#C {part}".rstrip() for part in str(comment).splitlines() or [""])
    lines.append(f"x = {width}, y = {height}, rule = {spec}")
    lines.extend(_wrap(_atoms(np.asarray(ys, dtype=np.int64), np.asarray(xs, dtype=np.int64))))
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _atoms(ys: np.ndarray, xs: np.ndarray) -> list[str]:
    """The RLE tokens (``"3$"``, ``"2b"``, ``"o"``...) of the live cells, then ``"!"``.

    A count and its letter form one atom so that a line break never falls
    between them.
    """
    order = np.lexsort((xs, ys))
    ys, xs = ys[order], xs[order]
    if ys.size > 1:  # each cell once, whatever the caller passed
        keep = np.concatenate(([True], (ys[1:] != ys[:-1]) | (xs[1:] != xs[:-1])))
        ys, xs = ys[keep], xs[keep]
    n = ys.size
    if n == 0:
        return ["!"]
    starts = np.flatnonzero(np.concatenate(([True], (ys[1:] != ys[:-1]) | (xs[1:] != xs[:-1] + 1))))
    run_y, run_x = ys[starts], xs[starts]
    run_n = np.diff(np.append(starts, n))
    dy = np.diff(run_y, prepend=0)
    ends = np.concatenate(([0], run_x[:-1] + run_n[:-1]))
    gap = np.where(dy > 0, run_x, run_x - ends)

    atoms: list[str] = []
    add = atoms.append
    for d, g, k in zip(dy.tolist(), gap.tolist(), run_n.tolist()):
        if d:
            add(f"{d}$" if d > 1 else "$")
        if g:
            add(f"{g}b" if g > 1 else "b")
        add(f"{k}o" if k > 1 else "o")
    add("!")
    return atoms


def _wrap(atoms: list[str], limit: int = LINE_LENGTH) -> list[str]:
    lines: list[str] = []
    current: list[str] = []
    length = 0
    for atom in atoms:
        if length + len(atom) > limit and current:
            lines.append("".join(current))
            current, length = [], 0
        current.append(atom)
        length += len(atom)
    lines.append("".join(current))
    return lines
