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

The cell data is decoded :data:`~.pattern.CHUNK` characters at a time, each
piece with a few numpy passes (a token's count, its row and column by
cumulative sums), straight into the pattern's grid (see
:class:`~.pattern.CellSink`); the position is carried from piece to piece, and
a piece that passes a limit (cells outside the header's size, far more rows
or columns than it declares) stops the reading there.  A file without a
header is decoded twice: once for its extent, once into the grid.

The writer renders the runs of a block of rows at a time with numpy (see
:mod:`.stream`): lines of at most :data:`LINE_LENGTH` characters, never
breaking a run's count from its letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import numpy as np

from ..board import MAX_SIDE
from ..rules import format_rule_spec
from .pattern import CHUNK, CellSink, Notes, Pattern, PatternError, line_number, newlines, prefix, rule_spec
from .stream import live_runs, ndigits, render

__all__ = ["parse_rle", "format_rle", "iter_rle", "LINE_LENGTH"]

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
_POWERS = 10 ** np.arange(_MAX_COUNT_DIGITS + 1, dtype=np.int64)

HEADERLESS_MAX_BYTES = 4 << 20
"""Cell data of an RLE file without a header line is refused above this size."""


def parse_rle(text: str, label: str | None = None, name: str | None = None) -> Pattern:
    """Read RLE text into a :class:`Pattern`.

    ``label`` (the file name) starts error messages; ``name`` is used when the
    file has no ``#N`` line.  Raises :class:`PatternError`.
    """
    where = prefix(label)
    text = newlines(text)
    notes = Notes(label)
    found = {"name": name, "named": False, "rule": None}

    def take(line: str) -> None:
        notes.count()
        notes.metadata.append(line)
        stripped = line.strip()
        tag, rest = stripped[1:2], stripped[2:].strip()
        if stripped.startswith("#CXRLE"):
            return  # Golly's position and generation: kept in metadata only
        if tag in ("C", "c", " ", ""):
            notes.comments.append(rest)
        elif tag == "N" and not found["named"]:
            found["name"], found["named"] = rest or found["name"], True
        elif tag == "O" and notes.author is None:
            notes.author = rest
        elif tag == "r" and found["rule"] is None:
            found["rule"] = rest  # old RLE's '#r 23/3'

    # The lines before the cell data: comments and the header.
    header: tuple[int, int] | None = None
    pos, size = 0, len(text)
    while pos < size:
        stop = text.find("\n", pos)
        stop = size if stop < 0 else stop
        head = text[pos:min(stop, pos + 4096)].strip()
        if not head:
            pos = stop + 1
            continue
        if head[0] == "#":
            take(text[pos:stop])
            pos = stop + 1
            continue
        if _HEADER_START.match(head):
            header, header_rule = _parse_header(text[pos:stop].strip(), where, line_number(text, pos))
            if header_rule is not None:
                found["rule"] = header_rule
            pos = stop + 1
        break
    if found["rule"] is not None:
        rule_spec(found["rule"], label)  # a rule lifegame does not run is refused before the cells

    if header is None:
        # Pass 1: the extent; pass 2: the cells.
        decoder = _Decoder(text, where, None)
        for offset, raw, final in _pieces(text, pos, take):
            decoder.feed(raw, offset, final)
            if decoder.data_bytes > HEADERLESS_MAX_BYTES:
                raise PatternError(
                    f"{where}more than {HEADERLESS_MAX_BYTES:,} bytes of RLE data without an 'x = ..., y = ...' header"
                )
        height, width = decoder.max_row + 1, decoder.max_end
        sink = CellSink(height, width, label)
        decoder = _Decoder(text, where, None)
        for offset, raw, final in _pieces(text, pos, None):
            sink.add_runs(*decoder.feed(raw, offset, final))
    else:
        height, width = header
        sink = CellSink(height, width, label)
        decoder = _Decoder(text, where, header)
        for offset, raw, final in _pieces(text, pos, take):
            sink.add_runs(*decoder.feed(raw, offset, final))

    spec = rule_spec(found["rule"] or "", label)
    return sink.pattern(rule=spec.rule, board_height=spec.height, board_width=spec.width, name=found["name"],
                        comments=notes.comments, author=notes.author, metadata=notes.metadata)


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


def _pieces(text: str, pos: int, take) -> Iterator[tuple[int, np.ndarray, bool]]:
    """``(offset, bytes, final)``: the cell data from ``pos`` on, about :data:`CHUNK` characters at a time.

    Comment lines are handed to ``take`` (when given) and blanked out, so the
    offsets of the rest stay those of ``text``; the data ends at the first
    ``!`` (``final`` is then true) or at the end of the text.  A character
    that is not ASCII becomes ``?``, which the decoder refuses by name.
    """
    size = len(text)
    at_line_start = True
    while pos < size:
        end = min(pos + CHUNK, size)
        if end < size:
            stop = text.rfind("\n", pos, end)
            if stop >= 0:
                end = stop + 1
            else:
                last = text[pos:end].lstrip(" \t\v\f")
                if at_line_start and last[:1] == "#":  # a comment line longer than a piece: all of it
                    stop = text.find("\n", end)
                    end = size if stop < 0 else stop + 1
        piece = text[pos:end]
        if "#" in piece:
            lines = piece.split("\n")
            ended = False
            for i, line in enumerate(lines):
                if (i or at_line_start) and line.lstrip()[:1] == "#" and (i < len(lines) - 1 or end == size):
                    if take is not None and not ended:
                        take(line)
                    lines[i] = " " * len(line)
                elif "!" in line:
                    ended = True  # what follows the '!' is not read
            piece = "\n".join(lines)
        bang = piece.find("!")
        final = bang >= 0 or end == size
        if bang >= 0:
            piece = piece[:bang]
        yield pos, np.frombuffer(piece.encode("ascii", "replace"), dtype=np.uint8), final
        if bang >= 0:
            return
        at_line_start = piece.endswith("\n")
        pos = end
    if pos >= size and size == 0:
        return


class _Decoder:
    """Turns pieces of RLE data into runs of live cells, carrying the position between pieces."""

    def __init__(self, text: str, where: str, header: tuple[int, int] | None) -> None:
        self.text, self.where, self.header = text, where, header
        self.y = self.x = 0
        self.max_row, self.max_end = -1, 0
        self.data_bytes = 0
        self.carry = np.zeros(0, np.uint8)
        self.carry_offsets = np.zeros(0, np.int64)

    def fail(self, offset: int, message: str) -> PatternError:
        return PatternError(f"{self.where}line {line_number(self.text, offset)}: {message}")

    def feed(self, raw: np.ndarray, base: int, final: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        kinds = _KIND[raw]
        keep = np.flatnonzero(kinds != _BLANK)
        self.data_bytes += keep.size
        buf, kinds, offsets = raw[keep], kinds[keep], keep + base
        if self.carry.size:
            buf = np.concatenate((self.carry, buf))
            kinds = _KIND[buf]
            offsets = np.concatenate((self.carry_offsets, offsets))
        bad = np.flatnonzero(kinds == _UNKNOWN)
        if bad.size:
            offset = int(offsets[bad[0]])
            raise self.fail(offset, f"unexpected character {self.text[offset]!r} in RLE data")
        if not final:
            # Keep an unfinished token (digits, a prefix letter) for the next piece.
            marks = np.flatnonzero(kinds != _DIGIT)
            cut = int(marks[-1]) + 1 if marks.size else 0
            if cut and kinds[cut - 1] == _PREFIX:
                cut = int(marks[-2]) + 1 if marks.size > 1 else 0
            if buf.size - cut > 2 * _MAX_COUNT_DIGITS + 1:
                digits = buf[cut:].tobytes().decode()
                raise self.fail(int(offsets[cut]), f"run count {digits[:20]}... exceeds the maximum board side {MAX_SIDE}")
            self.carry, self.carry_offsets = buf[cut:].copy(), offsets[cut:].copy()
            buf, kinds, offsets = buf[:cut], kinds[:cut], offsets[:cut]
        else:
            self.carry = np.zeros(0, np.uint8)
        return self._decode(buf, kinds, offsets)

    def _decode(self, buf, kinds, offsets):
        empty = np.zeros(0, np.int64)
        tokens = np.flatnonzero(kinds != _DIGIT)
        if not tokens.size:
            return empty, empty, empty
        tk = kinds[tokens]
        _refuse_states(buf, kinds, tokens, tk, offsets, self.fail)

        # Counts: the digits between the previous token and this one.
        previous = np.concatenate(([-1], tokens[:-1]))
        ndigits = tokens - previous - 1
        too_long = np.flatnonzero(ndigits > _MAX_COUNT_DIGITS)
        if too_long.size:
            t = tokens[too_long[0]]
            digits = buf[t - ndigits[too_long[0]]:t].tobytes().decode()
            shown = digits if len(digits) <= 20 else digits[:20] + "..."
            raise self.fail(int(offsets[t]), f"run count {shown} exceeds the maximum board side {MAX_SIDE}")
        counts = np.zeros(tokens.size, dtype=np.int64)
        for k in range(1, int(ndigits.max(initial=0)) + 1):
            has = np.flatnonzero(ndigits >= k)
            counts[has] += (buf[tokens[has] - k].astype(np.int64) - ord("0")) * _POWERS[k - 1]
        counts[counts == 0] = 1
        too_big = np.flatnonzero(counts > MAX_SIDE)
        if too_big.size:
            i = too_big[0]
            raise self.fail(int(offsets[tokens[i]]), f"run count {counts[i]} exceeds the maximum board side {MAX_SIDE}")

        # Positions, from the position the previous piece ended at.
        newline = tk == _NEWLINE
        dy = np.where(newline, counts, 0)
        dx = np.where(newline, 0, counts)
        y = self.y + np.cumsum(dy)
        cx = np.cumsum(dx)
        last_newline = np.maximum.accumulate(np.where(newline, np.arange(tokens.size), -1))
        base = np.where(last_newline >= 0, cx[np.maximum(last_newline, 0)], -self.x)
        x = cx - dx - base
        self.y, self.x = int(y[-1]), int(cx[-1] - base[-1])
        alive = np.flatnonzero(~newline & (tk != _DEAD))
        run_y, run_x, run_n = y[alive], x[alive], counts[alive]

        if self.header is not None:
            height, width = self.header
            outside = np.flatnonzero((run_y >= height) | (run_x + run_n > width))
            if outside.size:
                raise self.fail(int(offsets[tokens[alive[outside[0]]]]),
                                f"cells beyond the size the header declares (x = {width}, y = {height})")
            if self.y > 2 * height + 64:
                raise PatternError(
                    f"{self.where}the cell data has at least {self.y + 1:,} rows; the header declares y = {height}")
            wide = np.flatnonzero(x + dx > 2 * width + 64)
            if wide.size:
                raise self.fail(int(offsets[tokens[wide[0]]]),
                                f"far more cells in a row than the header declares (x = {width}, y = {height})")
        else:
            outside = np.flatnonzero((run_y >= MAX_SIDE) | (run_x + run_n > MAX_SIDE))
            if outside.size:
                raise self.fail(int(offsets[tokens[alive[outside[0]]]]),
                                f"cells beyond the maximum board side {MAX_SIDE}")
            if run_y.size:
                self.max_row = max(self.max_row, int(run_y[-1]))
                self.max_end = max(self.max_end, int((run_x + run_n).max()))
        return run_y, run_x, run_n


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
_WRAP = LINE_LENGTH - 8  # a line holds the atoms that start in one stretch of this many characters


def format_rle(
    pattern: Pattern,
    *,
    name: str | None = None,
    comments: Iterable[str] = (),
) -> str:
    """RLE text for a pattern, as Golly writes it (see :func:`iter_rle`)."""
    return b"".join(chunk for chunk, _ in iter_rle(pattern, name=name, comments=comments)).decode("utf-8")


def iter_rle(
    pattern: Pattern,
    *,
    name: str | None = None,
    comments: Iterable[str] = (),
) -> Iterator[tuple[bytes, float]]:
    """The RLE file of a pattern as ``(bytes, fraction of its rows done)``, a block of rows at a time.

    The header is the pattern's extent with its rule and torus suffix
    (``x = W, y = H, rule = B3/S23:TW,H``); a whole board, as
    :meth:`Pattern.from_board` makes it, thus reads back as the very same
    board (leading empty rows and columns included).  ``name`` and
    ``comments`` default to the pattern's own.

    ``#N`` and ``#C`` lines come first (a comment with line breaks becomes
    several ``#C`` lines); cell lines are at most :data:`LINE_LENGTH`
    characters (each holds the runs that start in one stretch of 62
    characters, so none is split), trailing dead cells of a row are left out,
    empty rows are merged into one ``$`` run, and the text ends with ``!``
    and a newline.
    """
    name = pattern.name if name is None else name
    comments = list(comments) or list(pattern.comments)
    spec = format_rule_spec(pattern.rule, pattern.board_height, pattern.board_width)
    lines = []
    if name:
        lines.append(f"#N {_one_line(name)}")
    if pattern.author:
        lines.append(f"#O {_one_line(pattern.author)}")
    for comment in comments:
        lines.extend(f"#C {part}".rstrip() for part in str(comment).splitlines() or [""])
    lines.append(f"x = {pattern.width}, y = {pattern.height}, rule = {spec}")
    yield ("\n".join(lines) + "\n").encode("utf-8"), 0.0

    state = [0, 0, 0, 0]  # row and end of the last run, characters of cell data so far, its line
    for done, ys, xs, ns in live_runs(pattern):
        if ys.size:
            yield _render_runs(ys, xs, ns, state), done
    # The closing '!' is one more atom.
    yield (b"\n!\n" if state[2] // _WRAP != state[3] else b"!\n"), 1.0


def _render_runs(ys: np.ndarray, xs: np.ndarray, ns: np.ndarray, state: list[int]) -> bytes:
    """The atoms (``3$``, ``2b``, ``o``) of runs that follow the ones already written."""
    prev_y, prev_end, written, last_line = state
    prev_rows = np.concatenate(([prev_y], ys[:-1]))
    prev_ends = np.concatenate(([prev_end], xs[:-1] + ns[:-1]))
    dy = ys - prev_rows
    gap = np.where(dy > 0, xs, xs - prev_ends)
    counts = np.stack((dy, gap, ns), axis=1).reshape(-1)
    letters = np.tile(np.array([ord("$"), ord("b"), ord("o")], dtype=np.uint8), ys.size)
    present = counts > 0
    counts, letters = counts[present], letters[present]
    lengths = np.where(counts == 1, 1, 1 + ndigits(counts))
    starts = written + np.cumsum(lengths) - lengths
    line = starts // _WRAP
    breaks = np.concatenate(([line[0] != last_line], line[1:] != line[:-1]))
    state[:] = [int(ys[-1]), int(xs[-1] + ns[-1]), int(written + lengths.sum()), int(line[-1])]
    return render(counts.size, [("byte", 10, breaks), ("int", counts, True), ("byte", letters, None)]).tobytes()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
