"""RLE, the run-length encoded format of Golly and LifeWiki: read and write.

A file looks like this::

    #N Glider
    #C The smallest spaceship.
    #O Richard K. Guy
    x = 3, y = 3, rule = B3/S23
    bo$2bo$3o!

``b`` (or ``.``) is a dead cell, ``o`` a live one, ``$`` ends a row, ``!`` ends
the pattern; a number before a token repeats it (``3o``, ``20$``).

Files of multi-state rules (Generations, LifeHistory) write a cell's state
as Golly does (``gollybase/writepattern.cpp``): ``.`` is 0, ``A``..``X``
are 1..24, and two letters ``pA``..``pX`` are 25..48, ``qA``.. 49.., up to
``yO``, 255 (a prefix ``p``..``y`` counts 24 states, the letter adds 1..24).
``o`` is 1 and ``b`` is 0 there too.  A file is written this way when its
rule has more than two states or a cell has a state above 1; otherwise
with ``b`` and ``o``.

The reader follows Golly's ``readrle`` (``gollybase/readpattern.cpp``):
blanks between tokens and line breaks anywhere are ignored, a missing count
(and a count of 0) means 1, anything after ``!`` is ignored, ``#`` lines
may appear anywhere, a prefix letter not directly followed by ``A``..``X``
is a live cell, and a file without the ``x = ..`` header is still read.
The rule (``rule = ...`` in the header, else an old ``#r`` line before the
cells, else Conway's) is known before the first cell.  Where Golly silently
skips what it does not understand, this reader refuses with a message:
characters that are not RLE and cells outside the declared size; as Golly
does, a state the rule does not have (``C`` in a two-state rule, state 7
in LifeHistory) is refused too.

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
from ..rules import RuleBase, format_rule_spec
from .pattern import (
    CHUNK,
    CellSink,
    Notes,
    Pattern,
    PatternError,
    line_number,
    newlines,
    prefix,
    rule_spec,
)
from .stream import live_runs, ndigits, render, state_runs

__all__ = ["parse_rle", "format_rle", "iter_rle", "LINE_LENGTH"]

LINE_LENGTH = 70
"""The longest line of cells :func:`format_rle` writes (as Golly does)."""

_HEADER_START = re.compile(r"x\s*=")
_HEADER = re.compile(r"x\s*=\s*(?P<x>\d+)\s*,?\s*y\s*=\s*(?P<y>\d+)\s*(?P<rest>.*)$")
_HEADER_RULE = re.compile(r",?\s*rule\s*=\s*(?P<rule>\S*)", re.IGNORECASE)

# What each byte of the cell data is.  Unknown bytes (0) are refused.
_UNKNOWN, _DEAD, _ALIVE, _NEWLINE, _LETTER, _PREFIX, _DIGIT, _BLANK = range(8)
_KIND = np.zeros(256, dtype=np.int8)
_KIND[[ord("b"), ord(".")]] = _DEAD
_KIND[ord("o")] = _ALIVE
_KIND[ord("$")] = _NEWLINE
_KIND[ord("A"):ord("X") + 1] = _LETTER  # states 1..24
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
    # The rule is known before the cells (a rule lifegame does not run is
    # refused before them), so that a state it does not have is refused where it is.
    spec = rule_spec(found["rule"] or "", label)

    if header is None:
        # Pass 1: the extent; pass 2: the cells.
        decoder = _Decoder(text, where, None, spec.rule)
        for offset, raw, final in _pieces(text, pos, take):
            decoder.feed(raw, offset, final)
            if decoder.data_bytes > HEADERLESS_MAX_BYTES:
                raise PatternError(
                    f"{where}more than {HEADERLESS_MAX_BYTES:,} bytes of RLE data without an 'x = ..., y = ...' header"
                )
        height, width = decoder.max_row + 1, decoder.max_end
        sink = CellSink(height, width, label)
        decoder = _Decoder(text, where, None, spec.rule)
        for offset, raw, final in _pieces(text, pos, None):
            sink.add_runs(*decoder.feed(raw, offset, final))
    else:
        height, width = header
        sink = CellSink(height, width, label)
        decoder = _Decoder(text, where, header, spec.rule)
        for offset, raw, final in _pieces(text, pos, take):
            sink.add_runs(*decoder.feed(raw, offset, final))

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
    """Turns pieces of RLE data into runs of cells in one state, carrying the position between pieces."""

    def __init__(self, text: str, where: str, header: tuple[int, int] | None, rule: RuleBase) -> None:
        self.text, self.where, self.header, self.rule = text, where, header, rule
        self.y = self.x = 0
        self.max_row, self.max_end = -1, 0
        self.data_bytes = 0
        self.carry = np.zeros(0, np.uint8)
        self.carry_offsets = np.zeros(0, np.int64)

    def fail(self, offset: int, message: str) -> PatternError:
        return PatternError(f"{self.where}line {line_number(self.text, offset)}: {message}")

    def feed(self, raw: np.ndarray, base: int, final: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(ys, xs, ns, states)``: the runs of occupied cells in this piece (what a previous one left unfinished first)."""
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
            return empty, empty, empty, np.zeros(0, np.uint8)
        tokens, tk, states, span = self._tokens(buf, kinds, tokens, offsets)

        # Counts: the digits between the end of the previous token and this one.
        previous_end = np.concatenate(([0], tokens[:-1] + span[:-1]))
        ndigits = tokens - previous_end
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
        run_y, run_x, run_n, run_state = y[alive], x[alive], counts[alive], states[alive]

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
        return run_y, run_x, run_n, run_state.astype(np.uint8)

    def _tokens(self, buf, kinds, tokens, offsets):
        """``(tokens, kinds, states, spans)``: a two-letter state (``pA``) made one token, the states checked.

        A prefix letter (``p``..``y``) followed at once, in the file, by
        ``A``..``X`` is one state, 24 * (prefix - 'p' + 1) + (letter - 'A' + 1);
        a prefix followed by anything else is a live cell, as in Golly.
        """
        tk = kinds[tokens]
        letters = buf[tokens].astype(np.int64)
        states = np.zeros(tokens.size, np.int64)
        states[tk == _ALIVE] = 1
        single = tk == _LETTER
        states[single] = letters[single] - (ord("A") - 1)
        prefixes = np.flatnonzero(tk == _PREFIX)
        states[prefixes] = 1
        span = np.ones(tokens.size, np.int64)
        if prefixes.size:
            after = prefixes[prefixes + 1 < tokens.size]
            pair = after[(tokens[after + 1] == tokens[after] + 1) & (tk[after + 1] == _LETTER)
                         & (offsets[tokens[after + 1]] == offsets[tokens[after]] + 1)]
            if pair.size:
                states[pair] = 24 * (letters[pair] - ord("p") + 1) + letters[pair + 1] - (ord("A") - 1)
                span[pair] = 2
                keep = np.ones(tokens.size, bool)
                keep[pair + 1] = False
                tokens, tk, states, span = tokens[keep], tk[keep], states[keep], span[keep]
        beyond = np.flatnonzero(states >= self.rule.states)
        if beyond.size:
            i = int(beyond[0])
            at = int(tokens[i])
            token = buf[at:at + int(span[i])].tobytes().decode()
            raise self.fail(int(offsets[at]), _state_refusal(token, int(states[i]), self.rule))
        return tokens, tk, states, span


def _state_refusal(token: str, state: int, rule: RuleBase) -> str:
    """Why a cell state is refused: the rule (every rule here has at most 256 states) has no such state."""
    if rule.states == 2:
        return (f"cell state {token!r} (state {state}) belongs to a multi-state rule; "
                f"rule {rule} has two states (b and o)")
    return f"cell state {token!r} (state {state}) is out of range for rule {rule}, whose states are 0..{rule.states - 1}"


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

    A pattern whose rule has more than two states, or with a cell in a state
    above 1, is written with Golly's multi-state letters (``.`` for empty
    cells, ``A``..``X``, ``pA``..``yO``); any other with ``b`` and ``o``.
    """
    multistate = pattern.rule.states > 2 or pattern.max_state > 1
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
    if multistate:
        for done, ys, xs, ns, states in state_runs(pattern):
            if ys.size:
                yield _render_runs(ys, xs, ns, state, states), done
    else:
        for done, ys, xs, ns in live_runs(pattern):
            if ys.size:
                yield _render_runs(ys, xs, ns, state), done
    # The closing '!' is one more atom.
    yield (b"\n!\n" if state[2] // _WRAP != state[3] else b"!\n"), 1.0


_TWO_STATE = np.array([ord("$"), ord("b"), ord("o")], dtype=np.uint8)


def _render_runs(ys: np.ndarray, xs: np.ndarray, ns: np.ndarray, state: list[int],
                 states: np.ndarray | None = None) -> bytes:
    """The atoms (``3$``, ``2b``, ``o``; ``2.``, ``C``, ``pA``) of runs that follow the ones already written.

    ``states`` (``None``: two-state letters ``b``/``o``) are the runs' states,
    written with Golly's multi-state letters.
    """
    prev_y, prev_end, written, last_line = state
    prev_rows = np.concatenate(([prev_y], ys[:-1]))
    prev_ends = np.concatenate(([prev_end], xs[:-1] + ns[:-1]))
    dy = ys - prev_rows
    gap = np.where(dy > 0, xs, xs - prev_ends)
    counts = np.stack((dy, gap, ns), axis=1).reshape(-1)
    prefixes = None
    if states is None:
        letters = np.tile(_TWO_STATE, ys.size)
    else:
        # A state above 24 is a prefix p..y (24 states each) and a letter A..X.
        high = (states.astype(np.int64) - 1) // 24
        letter = states.astype(np.int64) - 24 * high - 1 + ord("A")
        letters = np.stack((np.full(ys.size, ord("$")), np.full(ys.size, ord(".")), letter), axis=1)
        letters = letters.reshape(-1).astype(np.uint8)
        prefixes = np.stack((np.zeros(ys.size, np.int64), np.zeros(ys.size, np.int64),
                             np.where(high > 0, high - 1 + ord("p"), 0)), axis=1).reshape(-1).astype(np.uint8)
    present = counts > 0
    counts, letters = counts[present], letters[present]
    lengths = np.where(counts == 1, 1, 1 + ndigits(counts))
    fields = [("int", counts, True)]
    if prefixes is not None:  # the first letter of a two-letter state
        prefixes = prefixes[present]
        two = prefixes != 0
        lengths += two
        fields.append(("byte", prefixes, two))
    starts = written + np.cumsum(lengths) - lengths
    line = starts // _WRAP
    breaks = np.concatenate(([line[0] != last_line], line[1:] != line[:-1]))
    state[:] = [int(ys[-1]), int(xs[-1] + ns[-1]), int(written + lengths.sum()), int(line[-1])]
    return render(counts.size, [("byte", 10, breaks), *fields, ("byte", letters, None)]).tobytes()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
