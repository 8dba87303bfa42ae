"""Alan Hensel's Life 1.05 and Life 1.06 formats (``.lif``, ``.life``): read only.

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
"""

from __future__ import annotations

import re

import numpy as np

from ..rules import CONWAY
from .pattern import Pattern, PatternError, normalise, prefix, rule_spec, split_lines

__all__ = ["parse_life", "is_life106_line"]

_COORD = r"[-+]?\d{1,12}"
_PAIR = re.compile(rf"\s*({_COORD})\s+({_COORD})\s*$")
_P_LINE = re.compile(rf"#P\s*(?:({_COORD})\s+({_COORD}))?\s*$", re.IGNORECASE)


def is_life106_line(line: str) -> bool:
    """True for a line that is one ``x y`` coordinate pair."""
    return _PAIR.match(line) is not None


def parse_life(text: str, label: str | None = None, name: str | None = None) -> Pattern:
    """Read Life 1.05 or 1.06 text (told apart by the ``#Life`` header, else by content)."""
    lines = split_lines(text)
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.lower().startswith("#life 1.06"):
        return _parse_106(lines, label, name)
    if first.lower().startswith("#life 1.05"):
        return _parse_105(lines, label, name)
    if first.lower().startswith("#life"):
        raise PatternError(f"{prefix(label)}unknown Life format {first[:30]!r}; lifegame reads Life 1.05 and 1.06")
    data = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if data and all(is_life106_line(line) for line in data[:100]):
        return _parse_106(lines, label, name)
    return _parse_105(lines, label, name)


class _Notes:
    """The ``#`` lines of a Life file: comments, metadata and the rule."""

    def __init__(self, label: str | None) -> None:
        self.label = label
        self.comments: list[str] = []
        self.metadata: list[str] = []
        self.rule = CONWAY
        self.torus: tuple[int | None, int | None] = (None, None)

    def take(self, line: str) -> None:
        stripped = line.strip()
        self.metadata.append(line)
        tag, rest = stripped[1:2].upper(), stripped[2:].strip()
        if tag in ("D", "C"):
            self.comments.append(rest)
        elif tag == "N":
            self.rule, self.torus = CONWAY, (None, None)  # "normal" rules
        elif tag == "R":
            spec = rule_spec(rest, self.label)
            self.rule, self.torus = spec.rule, (spec.height, spec.width)

    def pattern(self, ys: np.ndarray, xs: np.ndarray, name: str | None) -> Pattern:
        ys, xs, height, width = normalise(ys, xs, self.label)
        return Pattern(ys, xs, height, width, self.rule, *self.torus,
                       name=name, comments=self.comments, metadata=self.metadata)


def _parse_106(lines: list[str], label: str | None, name: str | None) -> Pattern:
    where = prefix(label)
    notes = _Notes(label)
    words: list[str] = []
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if not stripped.lower().startswith("#life"):
                notes.take(line)
            else:
                notes.metadata.append(line)
            continue
        pair = stripped.split()
        if len(pair) != 2:
            raise PatternError(f"{where}line {number}: expected 'x y', got {stripped[:40]!r}")
        words.extend(pair)
    try:
        values = np.array(words, dtype=np.int64) if words else np.zeros(0, np.int64)
    except (ValueError, OverflowError):
        bad = next((w for w in words if not re.fullmatch(_COORD, w)), words[0])
        raise PatternError(f"{where}{bad[:40]!r} is not a cell coordinate") from None
    return notes.pattern(values[1::2], values[0::2], name)


def _parse_105(lines: list[str], label: str | None, name: str | None) -> Pattern:
    where = prefix(label)
    notes = _Notes(label)
    all_ys: list[np.ndarray] = []
    all_xs: list[np.ndarray] = []
    x = y = left = 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if stripped[1:2].upper() == "P":
                m = _P_LINE.match(stripped)
                if not m:
                    raise PatternError(f"{where}line {number}: expected '#P x y', got {stripped[:40]!r}")
                if m[1] is not None:
                    x, y = int(m[1]), int(m[2])
                left = x
                notes.metadata.append(line)
            elif stripped.lower().startswith("#life"):
                notes.metadata.append(line)
            else:
                notes.take(line)
            continue
        pair = _PAIR.match(stripped)
        if pair:  # a Life 1.06 cell inside a 1.05 file, as Golly allows
            x, y = int(pair[1]), int(pair[2])
            all_ys.append(np.array([y], dtype=np.int64))
            all_xs.append(np.array([x], dtype=np.int64))
            continue
        if not stripped.isascii() or stripped.strip(".*"):
            bad = next(ch for ch in stripped if ch not in ".*")
            raise PatternError(f"{where}line {number}: unexpected character {bad!r}; expected '.' or '*'")
        cols = np.flatnonzero(np.frombuffer(stripped.encode("ascii"), dtype=np.uint8) == ord("*"))
        all_xs.append(cols + left)
        all_ys.append(np.full(cols.size, y, dtype=np.int64))
        x = left
        y += 1
    ys = np.concatenate(all_ys) if all_ys else np.zeros(0, np.int64)
    xs = np.concatenate(all_xs) if all_xs else np.zeros(0, np.int64)
    return notes.pattern(ys, xs, name)
