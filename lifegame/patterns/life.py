"""Alan Hensel's Life 1.05 and Life 1.06 formats (``.lif``, ``.life``): read both, write Life 1.06.

Life 1.06 is a header line and one live cell per line, ``x y``::

    #Life 1.06
    0 -1
    1 0
    -1 1
    0 1
    1 1

Life 1.05 is blocks of rows of ``.`` and ``*``, each block placed by a
``#P x y`` line (coordinates may be negative)::

    #Life 1.05
    #D Acorn, found by Charles Corderman.
    #N
    #P -3 -1
    .*
    ...*
    **..***

``#D`` lines are descriptions, ``#N`` means Conway's rule and ``#R 23/3``
names another one.  As in Golly's ``readpclife``, a bare ``#P`` keeps the
current position, and an ``x y`` line inside a 1.05 file is a single cell.
Neither format has a size, so the extent is the cells' bounding box and the
coordinates are shifted to start at ``(0, 0)``.

The readers go through the text twice, a piece of whole lines at a time (see
:mod:`.lines`): once for the cells' bounding box (refusing as soon as it
spans more than a board side), once to set the cells in the pattern's grid.
Comment and ``#P`` lines are handled one by one (at most
:data:`~.pattern.MAX_NOTE_LINES`), rows of ``.``/``*`` and ``x y`` lines a
piece at a time with numpy.

The writer (:func:`iter_life106`) writes ``#Life 1.06``, the comments as
``#D`` lines, the rule as ``#R`` (with Golly's torus suffix for a board),
then one ``x y`` line per live cell (``x`` is the column, as in Golly), the
top-left corner of the extent being ``0 0``.  Reading such a file back gives
the same cells; for a whole board (a ``#R`` line with a torus size, every
cell inside it) the extent is the torus and the cells keep their positions,
so the same board comes back.  Otherwise the cells are shifted to their
bounding box, as for any Life file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import numpy as np

from ..board import MAX_SIDE
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
from .stream import render, row_step

__all__ = ["parse_life", "is_life106_line", "iter_life106", "format_life106"]

_COORD = r"[-+]?\d{1,18}"
_PAIR = re.compile(rf"\s*({_COORD})\s+({_COORD})\s*$")
_P_LINE = re.compile(rf"#P\s*(?:({_COORD})\s+({_COORD}))?\s*$", re.IGNORECASE)
_MAX_DIGITS = 18  # any coordinate of this many digits fits an int64, and so does the span of two
_ROW = np.zeros(256, dtype=bool)
_ROW[[ord("."), ord("*")]] = True
_NUMBER = np.zeros(256, dtype=bool)
_NUMBER[ord("0"):ord("9") + 1] = True
_NUMBER[[ord("+"), ord("-")]] = True
_PAIR_CHARS = _NUMBER.copy()
_PAIR_CHARS[:33] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0"):ord("9") + 1] = True
_POWERS = 10 ** np.arange(_MAX_DIGITS, dtype=np.int64)
_FAST_105 = b".*\n"
_FAST_106 = b"0123456789+- \t\n"


def _fast_106(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The cells of a piece of nothing but ``x y`` lines (or ``None``: the careful reader says what is wrong)."""
    nonblank = raw > 32
    first = nonblank.copy()
    first[1:] &= ~nonblank[:-1]
    last = nonblank.copy()
    last[:-1] &= ~nonblank[1:]
    starts, ends = np.flatnonzero(first), np.flatnonzero(last) + 1
    per_line = np.diff(np.cumsum(first, dtype=np.int32)[raw == 10], prepend=0)
    if ((per_line != 0) & (per_line != 2)).any():
        return None
    lead = raw[starts]
    signed = (lead == ord("+")) | (lead == ord("-"))
    if signed.any():
        if int(np.count_nonzero((raw == ord("+")) | (raw == ord("-")))) != int(signed.sum()):
            return None
        if not _DIGIT[raw[starts[signed] + 1]].all():
            return None
    digits = ends - starts - signed
    if digits.max(initial=0) > _MAX_DIGITS:
        return None
    values = np.zeros(starts.size, np.int64)
    for k in range(int(digits.max(initial=0))):
        has = np.flatnonzero(digits > k) if k else slice(None)
        values[has] += (raw[ends[has] - 1 - k].astype(np.int64) - 48) * _POWERS[k]
    if signed.any():
        values[lead == ord("-")] *= -1
    return values[1::2], values[0::2]


def is_life106_line(line: str) -> bool:
    """True for a line that is one ``x y`` coordinate pair."""
    return _PAIR.match(line) is not None


def parse_life(text: str, label: str | None = None, name: str | None = None) -> Pattern:
    """Read Life 1.05 or 1.06 text (told apart by the ``#Life`` header, else by content)."""
    text = newlines(text)
    first, data = "", []
    for line in _first_lines(text):
        stripped = line.strip()
        if not stripped:
            continue
        if not first:
            first = stripped
        if not stripped.startswith("#"):
            data.append(stripped)
            if len(data) >= 100:
                break
    head = first.lower()
    if head.startswith("#life 1.06"):
        version = 106
    elif head.startswith("#life 1.05"):
        version = 105
    elif head.startswith("#life"):
        raise PatternError(f"{prefix(label)}unknown Life format {first[:30]!r}; lifegame reads Life 1.05 and 1.06")
    else:
        version = 106 if data and all(is_life106_line(line) for line in data) else 105
    notes = _Notes(label)
    cells = _cells_106 if version == 106 else _cells_105
    return _read(text, label, name, notes, cells)


def _first_lines(text: str) -> Iterator[str]:
    pos = 0
    while pos < len(text):
        stop = text.find("\n", pos, pos + 4096)
        stop = min(len(text), pos + 4096) if stop < 0 else stop
        yield text[pos:stop]
        pos = stop + 1


class _Notes(Notes):
    """The ``#`` lines of a Life file: comments, metadata and the rule."""

    def __init__(self, label: str | None) -> None:
        super().__init__(label)
        self.rule = CONWAY
        self.torus: tuple[int | None, int | None] = (None, None)

    def take(self, line: str) -> None:
        self.count()
        stripped = line.strip()
        self.metadata.append(line)
        if stripped.lower().startswith("#life"):
            return
        tag, rest = stripped[1:2].upper(), stripped[2:].strip()
        if tag in ("D", "C"):
            self.comments.append(rest)
        elif tag == "N":
            self.rule, self.torus = CONWAY, (None, None)  # "normal" rules
        elif tag == "R":
            spec = rule_spec(rest, self.label)
            self.rule, self.torus = spec.rule, (spec.height, spec.width)


def _read(text: str, label: str | None, name: str | None, notes: _Notes, cells) -> Pattern:
    """Two passes of ``cells``: the bounding box, then the grid."""
    where = prefix(label)
    box = None  # top, left, bottom, right
    for ys, xs in cells(text, label, notes):
        if not ys.size:
            continue
        found = (int(ys.min()), int(xs.min()), int(ys.max()), int(xs.max()))
        box = found if box is None else (min(box[0], found[0]), min(box[1], found[1]),
                                         max(box[2], found[2]), max(box[3], found[3]))
        height, width = box[2] - box[0] + 1, box[3] - box[1] + 1
        if height > MAX_SIDE or width > MAX_SIDE:
            raise PatternError(f"{where}the cells span {width} x {height}; a side may be at most {MAX_SIDE}")
    torus_h, torus_w = notes.torus
    if box is not None and torus_h and torus_w and box[0] >= 0 and box[1] >= 0 and box[2] < torus_h and box[3] < torus_w:
        # A board as lifegame saves it: the cells are positions on the torus the '#R' line declares.
        box, extent = (0, 0), (torus_h, torus_w)
    elif box is not None:
        extent = (box[2] - box[0] + 1, box[3] - box[1] + 1)
    if box is None:
        sink = CellSink(0, 0, label)
    else:
        sink = CellSink(*extent, label)
        for ys, xs in cells(text, label, None):
            sink.add_cells(ys - box[0], xs - box[1])
    return sink.pattern(rule=notes.rule, board_height=notes.torus[0], board_width=notes.torus[1],
                        name=name, comments=notes.comments, metadata=notes.metadata)


def _too_large(where: str, number: int, token: str) -> PatternError:
    shown = token if len(token) <= 40 else token[:40] + "..."
    return PatternError(f"{where}line {number}: {shown!r} is not a cell coordinate (more than {_MAX_DIGITS} digits)")


def _cells_106(text: str, label: str | None, notes: _Notes | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The live cells of a Life 1.06 file, a piece at a time; ``notes`` takes the ``#`` lines (pass 1)."""
    where = prefix(label)
    for number, piece in line_pieces(text, label):
        raw = piece_bytes(piece)
        if only(raw, _FAST_106):
            fast = _fast_106(raw)
            if fast is not None:
                yield fast
                continue
        lines = Lines(piece, raw)
        lead = lines.first_char()
        comment = lead == ord("#")
        if notes is not None:
            for i in np.flatnonzero(comment).tolist():
                notes.take(lines.text(i))
        pairs = ~comment & ~lines.blank
        raw = lines.raw
        nonblank = raw > 32
        before = np.concatenate(([False], nonblank[:-1]))
        after = np.concatenate((nonblank[1:], [False]))
        starts = np.flatnonzero(nonblank & ~before)
        ends = np.flatnonzero(nonblank & ~after) + 1
        line = lines.line_of(starts)
        keep = pairs[line]
        starts, ends, line = starts[keep], ends[keep], line[keep]
        per_line = np.bincount(line, minlength=lines.count)
        signed = np.isin(raw[starts], (ord("+"), ord("-")))
        digits = ends - starts - signed
        wrong = np.flatnonzero(pairs & (per_line != 2))
        bad_char = lines.first_bad(_PAIR_CHARS, pairs, lstrip=True)
        bad_sign = np.flatnonzero(~_DIGIT[raw[starts + 1]] & signed) if starts.size else starts
        bad_lines = [int(wrong[0])] if wrong.size else []
        if bad_char is not None:
            bad_lines.append(int(lines.line_of(np.array([bad_char]))[0]))
        if bad_sign.size:
            bad_lines.append(int(line[bad_sign[0]]))
        signs = np.flatnonzero((raw == ord("+")) | (raw == ord("-")))
        inner = signs[~np.isin(signs, starts)]
        if inner.size:  # a sign inside a number ('1-2')
            inside = inner[pairs[lines.line_of(inner)]]
            if inside.size:
                bad_lines.append(int(lines.line_of(inside[:1])[0]))
        if bad_lines:
            i = min(bad_lines)
            raise PatternError(f"{where}line {number + i}: expected 'x y', got {lines.text(i).strip()[:40]!r}")
        huge = np.flatnonzero(digits > _MAX_DIGITS)
        if huge.size:
            t = huge[0]
            raise _too_large(where, number + int(line[t]), piece[int(starts[t]):int(ends[t])])
        values = np.zeros(starts.size, np.int64)
        for k in range(int(digits.max(initial=0))):
            has = np.flatnonzero(digits > k)
            values[has] += (raw[ends[has] - 1 - k].astype(np.int64) - 48) * _POWERS[k]
        values = np.where(raw[starts] == ord("-"), -values, values)
        yield values[1::2], values[0::2]


def _cells_105(text: str, label: str | None, notes: _Notes | None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The live cells of a Life 1.05 file, a piece at a time; ``notes`` takes the ``#`` lines (pass 1)."""
    where = prefix(label)
    x = y = left = 0
    for number, piece in line_pieces(text, label):
        raw = piece_bytes(piece)
        if only(raw, _FAST_105):  # nothing but rows of '.' and '*', no blanks
            starts, length, stars, line = simple_rows(raw, ord("*"))
            rank = np.cumsum(length > 0) - 1
            if notes is not None and stars.size:  # pass 1 wants the bounding box only
                offsets = stars - starts[line]
                yield (y + rank[line[[0, -1]]],
                       left + np.array([offsets.min(), offsets.max()], np.int64))
            else:
                yield y + rank[line], left + stars - starts[line]
            if rank.size and rank[-1] >= 0:
                y, x = y + int(rank[-1]) + 1, left
            continue
        lines = Lines(piece, raw)
        lead = lines.first_char()
        special = ~lines.blank & ~_ROW[lead]  # '#' lines, 'x y' lines and mistakes
        rows = ~lines.blank & _ROW[lead]
        bad = lines.first_bad(_ROW, rows, lstrip=True)
        if bad is not None:
            i = int(lines.line_of(np.array([bad]))[0])
            raise PatternError(f"{where}line {number + i}: unexpected character {piece[bad]!r}; expected '.' or '*'")
        specials = np.flatnonzero(special)
        row_lines = np.flatnonzero(rows)
        segment = np.searchsorted(specials, row_lines)  # specials before each row
        per_segment = np.bincount(segment, minlength=specials.size + 1)
        seg_y = np.zeros(specials.size + 1, np.int64)
        seg_left = np.zeros(specials.size + 1, np.int64)
        seg_y[0], seg_left[0] = y, left
        extra_y: list[int] = []
        extra_x: list[int] = []
        for s, i in enumerate(specials.tolist()):
            y += int(per_segment[s])
            if per_segment[s]:
                x = left
            line = lines.text(i)
            stripped = line.strip()
            if stripped.startswith("#"):
                if stripped[1:2].upper() == "P":
                    m = _P_LINE.match(stripped)
                    if not m:
                        raise PatternError(f"{where}line {number + i}: expected '#P x y', got {stripped[:40]!r}")
                    if m[1] is not None:
                        x, y = int(m[1]), int(m[2])
                    left = x
                    if notes is not None:
                        notes.count()
                        notes.metadata.append(line)
                elif notes is not None:
                    notes.take(line)
            else:
                pair = _PAIR.match(stripped)
                if not pair:
                    bad = next((ch for ch in stripped if ch not in ".*"), stripped[0])
                    if stripped.split()[0].lstrip("+-").isdigit() and len(stripped.split()[0]) > _MAX_DIGITS:
                        raise _too_large(where, number + i, stripped.split()[0])
                    raise PatternError(f"{where}line {number + i}: unexpected character {bad!r}; expected '.' or '*'")
                if notes is not None:
                    notes.count()  # an 'x y' line inside a 1.05 file, as Golly allows
                x, y = int(pair[1]), int(pair[2])
                extra_y.append(y)
                extra_x.append(x)
            seg_y[s + 1], seg_left[s + 1] = y, left
        y += int(per_segment[-1])
        if per_segment[-1]:
            x = left
        # Row lines: row k of its segment is seg_y + k, its cells start at the segment's left.
        first_rank = np.cumsum(per_segment) - per_segment
        rank_of_line = np.cumsum(rows) - 1
        stars = np.flatnonzero(lines.raw == ord("*"))
        line = lines.line_of(stars)
        keep = rows[line]
        stars, line = stars[keep], line[keep]
        seg = segment[rank_of_line[line]]
        ys = seg_y[seg] + rank_of_line[line] - first_rank[seg]
        xs = seg_left[seg] + stars - lines.first[line]
        if extra_y:
            ys = np.concatenate((ys, np.array(extra_y, np.int64)))
            xs = np.concatenate((xs, np.array(extra_x, np.int64)))
        yield ys, xs


# -- writing -------------------------------------------------------------------
def format_life106(pattern: Pattern, *, name: str | None = None, comments: Iterable[str] = ()) -> str:
    """Life 1.06 text for a pattern (see :func:`iter_life106`)."""
    return b"".join(chunk for chunk, _ in iter_life106(pattern, name=name, comments=comments)).decode("utf-8")


def iter_life106(
    pattern: Pattern,
    *,
    name: str | None = None,
    comments: Iterable[str] = (),
) -> Iterator[tuple[bytes, float]]:
    """The Life 1.06 file of a pattern as ``(bytes, fraction of its rows done)``, a block of rows at a time.

    ``#Life 1.06``, ``comments`` (default: the pattern's own) as ``#D``
    lines, ``#R`` with the rule and torus size when there is a torus size or
    a rule other than Conway's, then ``x y`` per live cell, row by row.  The
    format has no line for a name or an author: ``name`` is not written.
    """
    if pattern.max_state > 1:
        raise PatternError(two_state_refusal(None, "Life 1.06", pattern))
    comments = list(comments) or list(pattern.comments)
    sized = pattern.board_height is not None or pattern.board_width is not None
    lines = ["#Life 1.06"]
    for comment in comments:
        lines.extend(f"#D {part}".rstrip() for part in str(comment).splitlines() or [""])
    if sized or pattern.rule != CONWAY:
        lines.append(f"#R {format_rule_spec(pattern.rule, pattern.board_height, pattern.board_width)}")
    yield ("\n".join(lines) + "\n").encode("utf-8"), 0.0
    if pattern.grid is None:
        coords = pattern.coordinates()
        blocks = [(1.0, coords[:, 0], coords[:, 1])]
    else:
        step = row_step(pattern.width)
        blocks = ((min(1.0, (top + step) / max(1, pattern.height)), *np.nonzero(block))
                  for top, block in pattern.row_blocks(step))
        blocks = ((done, ys + top, xs) for (done, ys, xs), top in zip(blocks, range(0, pattern.height, step)))
    for done, ys, xs in blocks:
        if ys.size:
            ys, xs = ys.astype(np.int64), xs.astype(np.int64)
            yield render(ys.size, [("int", xs, False), ("byte", 32, None), ("int", ys, False),
                                   ("byte", 10, None)]).tobytes(), done
        else:
            yield b"", done
