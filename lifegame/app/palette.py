"""The patterns palette: bundled patterns on keys 1-9, rotated and flipped.  No pygame.

Patterns come from :mod:`lifegame.patterns.library`; a few classics are built
in so that the palette (and the default board) work even without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Palette", "Entry", "builtin_patterns", "load_entries"]

# Shown first when the library has them (the library's names, lower case).
_PREFERRED = (
    "glider", "lwss", "r-pentomino", "acorn", "pulsar", "pentadecathlon",
    "gosper-glider-gun", "diehard", "blinker", "beacon", "toad", "hwss", "mwss",
)

_BUILTIN_RLE = {
    "glider": "bo$2bo$3o!",
    "lwss": "bo2bo$o4b$o3bo$4o!",
    "r-pentomino": "b2o$2o$bo!",
    "acorn": "bo5b$3bo3b$2o2b3o!",
    "pulsar": "2b3o3b3o2b2$o4bobo4bo$o4bobo4bo$o4bobo4bo$2b3o3b3o2b2$2b3o3b3o2b$o4bobo4bo$"
              "o4bobo4bo$o4bobo4bo2$2b3o3b3o!",
    "pentadecathlon": "2bo4bo2b$2ob4ob2o$2bo4bo!",
    "gosper-glider-gun": "24bo$22bobo$12b2o6b2o12b2o$11bo3bo4b2o12b2o$2o8bo5bo3b2o$"
                         "2o8bo3bob2o4bobo$10bo5bo7bo$11bo3bo$12b2o!",
    "diehard": "6bob$2o6b$bo3b3o!",
    "beacon": "2o2b$2o2b$2b2o$2b2o!",
}


def _decode_rle(body: str) -> np.ndarray:
    """A minimal RLE body decoder for the built-in classics (b = empty, o = alive)."""
    rows: list[list[int]] = [[]]
    for count, tag in re.findall(r"(\d*)([bo$!])", body):
        n = int(count) if count else 1
        if tag == "!":
            break
        if tag == "$":
            rows.extend([] for _ in range(n))
        else:
            rows[-1].extend([1 if tag == "o" else 0] * n)
    width = max(len(r) for r in rows)
    out = np.zeros((len(rows), width), dtype=np.uint8)
    for y, r in enumerate(rows):
        out[y, : len(r)] = r
    return out


def builtin_patterns() -> dict[str, np.ndarray]:
    return {name: _decode_rle(rle) for name, rle in _BUILTIN_RLE.items()}


@dataclass
class Entry:
    name: str
    cells: np.ndarray  # uint8 0/1, trimmed


def load_entries(limit: int = 9) -> list[Entry]:
    """Up to ``limit`` palette entries: the library's patterns, classics first."""
    found: dict[str, np.ndarray] = {}
    try:
        from ..patterns import library  # type: ignore[attr-defined]

        names = list(library.names())
        ordered = [n for n in _PREFERRED if n in names] + [n for n in names if n not in _PREFERRED]
        for name in ordered:
            if len(found) >= limit:
                break
            try:
                arr = np.asarray(library.load(name).to_array(), dtype=np.uint8)
            except Exception:  # noqa: BLE001 - a broken entry must not break the palette
                continue
            if arr.size and arr.shape[0] <= 256 and arr.shape[1] <= 256:
                found[name] = arr
    except Exception:  # noqa: BLE001 - the library is optional here
        pass
    if len(found) < limit:
        for name, arr in builtin_patterns().items():
            if len(found) >= limit:
                break
            found.setdefault(name, arr)
    return [Entry(name, arr) for name, arr in found.items()]


@dataclass
class Palette:
    """The selected pattern and its orientation; ``None`` selected means "draw cells"."""

    entries: list[Entry] = field(default_factory=load_entries)
    selected: int | None = None
    turns: int = 0  # quarter turns clockwise
    flipped: bool = False

    def select(self, index: int | None) -> None:
        """Pick entry ``index`` (0-based); the same index again puts the pattern away."""
        if index is not None and not (0 <= index < len(self.entries)):
            return
        self.selected = None if index == self.selected else index
        self.turns, self.flipped = 0, False

    @property
    def entry(self) -> Entry | None:
        return None if self.selected is None else self.entries[self.selected]

    def rotate(self, quarter_turns: int) -> None:
        self.turns = (self.turns + quarter_turns) % 4

    def flip(self) -> None:
        self.flipped = not self.flipped

    def cells(self) -> np.ndarray | None:
        """The selected pattern as it will be stamped (rotated, then flipped)."""
        entry = self.entry
        if entry is None:
            return None
        arr = np.rot90(entry.cells, -self.turns)  # negative: np.rot90 turns counter-clockwise
        if self.flipped:
            arr = arr[:, ::-1]
        return np.ascontiguousarray(arr)

    def anchor(self, y: int, x: int) -> tuple[int, int]:
        """Top-left cell that centres the pattern on cell ``(y, x)``."""
        arr = self.cells()
        if arr is None:
            return y, x
        return y - arr.shape[0] // 2, x - arr.shape[1] // 2
