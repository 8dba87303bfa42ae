"""A vectorised engine (simple first version; the bit-packed kernel follows)."""

from __future__ import annotations

import numpy as np

from ..board import Board
from ..rules import Rule

__all__ = ["FastEngine", "roll_step", "step", "step_band"]

_OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


def _lut(rule: Rule) -> np.ndarray:
    return np.array(rule.table(), dtype=np.uint8)


def roll_step(cells: np.ndarray, rule: Rule) -> np.ndarray:
    """One generation on the torus by the plain numpy idiom: the sum of eight ``np.roll`` copies."""
    n = np.zeros(cells.shape, dtype=np.uint8)
    for dy, dx in _OFFSETS:
        n += np.roll(cells, (dy, dx), axis=(0, 1))
    return _lut(rule)[cells, n]


def step(cells: np.ndarray, rule: Rule, generations: int = 1) -> np.ndarray:
    """``generations`` generations of ``cells`` on the torus; a new uint8 0/1 array."""
    if generations < 0:
        raise ValueError("generations must be >= 0")
    out = np.ascontiguousarray(cells, dtype=np.uint8).copy()
    for _ in range(generations):
        out = roll_step(out, rule)
    return out


def step_band(padded: np.ndarray, rule: Rule, generations: int) -> np.ndarray:
    """Advance a band with ``generations`` halo rows above and below; columns wrap, rows do not."""
    lut = _lut(rule)
    cur = np.ascontiguousarray(padded, dtype=np.uint8)
    for _ in range(generations):
        n = np.zeros((cur.shape[0] - 2, cur.shape[1]), dtype=np.uint8)
        for dy, dx in _OFFSETS:
            n += np.roll(cur[1 + dy: cur.shape[0] - 1 + dy], dx, axis=1)
        cur = lut[cur[1:-1], n]
    return np.ascontiguousarray(cur)


class FastEngine:
    """The vectorised engine."""

    name = "fast"

    def advance(self, board: Board, rule: Rule, generations: int = 1) -> Board:
        return Board(board.height, board.width, step(board.cells, rule, generations))

    def close(self) -> None:
        pass
