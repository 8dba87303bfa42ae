"""What the writers share: live runs a row block at a time, and text rendered by numpy.

A writer never builds a string per cell or per run: it takes the pattern's
grid a block of rows at a time (about :data:`BLOCK_CELLS` cells), finds the
runs of live cells in it with one ``np.diff``, and renders the block's text
(numbers, letters, line breaks) into one byte array with :func:`render`.
Each block's bytes are yielded with the fraction of the rows done, so a save
can write them to its file as they come and report progress.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..board import MAX_CELLS
from .pattern import Pattern

__all__ = ["BLOCK_CELLS", "row_step", "live_runs", "state_runs", "render", "ndigits"]

BLOCK_CELLS = 1 << 18
"""Cells of the grid handled at a time by a writer."""

_POWERS = 10 ** np.arange(19, dtype=np.int64)


def row_step(width: int) -> int:
    """Rows in a block of about :data:`BLOCK_CELLS` cells."""
    return max(1, BLOCK_CELLS // max(1, width))


def live_runs(pattern: Pattern) -> Iterator[tuple[float, np.ndarray, np.ndarray, np.ndarray]]:
    """``(fraction of rows done, ys, xs, ns)``: the runs of live cells, row by row, a block at a time."""
    height = max(1, pattern.height)
    if pattern.grid is None and pattern.height * pattern.width > MAX_CELLS:
        # Larger than any board (so few cells): runs straight from the coordinates.
        coords = pattern.coordinates()
        ys, xs = coords[:, 0], coords[:, 1]
        if ys.size:
            starts = np.flatnonzero(np.concatenate(([True], (ys[1:] != ys[:-1]) | (xs[1:] != xs[:-1] + 1))))
            ns = np.diff(np.append(starts, ys.size))
            yield 1.0, ys[starts], xs[starts], ns
        return
    for top, block in pattern.row_blocks(row_step(pattern.width)):
        h, w = block.shape
        signed = block.view(np.int8)
        edges = np.diff(signed, axis=1, prepend=np.int8(0), append=np.int8(0))
        sy, sx = np.nonzero(edges == 1)
        _, ex = np.nonzero(edges == -1)
        yield min(1.0, (top + h) / height), sy.astype(np.int64) + top, sx.astype(np.int64), (ex - sx).astype(np.int64)


def state_runs(pattern: Pattern) -> Iterator[tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """``(fraction of rows done, ys, xs, ns, states)``: the runs of cells in one state (not 0), row by row."""
    height = max(1, pattern.height)
    if pattern.grid is None and pattern.height * pattern.width > MAX_CELLS:
        coords, states = pattern.cells()
        ys, xs = coords[:, 0], coords[:, 1]
        if ys.size:
            starts = np.flatnonzero(np.concatenate(
                ([True], (ys[1:] != ys[:-1]) | (xs[1:] != xs[:-1] + 1) | (states[1:] != states[:-1]))))
            ns = np.diff(np.append(starts, ys.size))
            yield 1.0, ys[starts], xs[starts], ns, states[starts]
        return
    width = pattern.width
    for top, block in pattern.row_blocks(row_step(width + 1)):
        h = block.shape[0]
        # Each row followed by one empty cell, so that no run goes on into the next row.
        padded = np.zeros((h, width + 1), np.uint8)
        padded[:, :width] = block
        flat = padded.reshape(-1)
        change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
        bounds = np.concatenate(([0], change)) if flat[0] else change
        starts = bounds[flat[bounds] != 0]
        ends = change[np.searchsorted(change, starts, side="right")]
        ys, xs = np.divmod(starts, width + 1)
        yield (min(1.0, (top + h) / height), ys.astype(np.int64) + top, xs.astype(np.int64),
               (ends - starts).astype(np.int64), flat[starts])


def ndigits(values: np.ndarray) -> np.ndarray:
    """Decimal digits of each non-negative value."""
    n = np.ones(values.shape, dtype=np.int64)
    for k in range(1, 19):
        above = values >= _POWERS[k]
        if not above.any():
            break
        n += above
    return n


def render(count: int, fields: list[tuple]) -> np.ndarray:
    """The bytes of ``count`` records, each the concatenation of ``fields``.

    A field is ``("int", values, omit_one)`` -- a non-negative number in
    decimal, left out where it is 1 when ``omit_one`` -- or ``("byte", value,
    mask)`` -- one byte (a scalar or one per record), only where ``mask``
    (``None``: always).
    """
    lengths = []
    for field in fields:
        if field[0] == "int":
            n = ndigits(field[1])
            lengths.append(np.where(field[1] == 1, 0, n) if field[2] else n)
        else:
            mask = field[2]
            lengths.append(np.ones(count, np.int64) if mask is None else mask.astype(np.int64))
    total = np.zeros(count, np.int64)
    for length in lengths:
        total += length
    ends = np.cumsum(total)
    out = np.empty(int(ends[-1]) if count else 0, dtype=np.uint8)
    pos = ends - total
    for field, length in zip(fields, lengths):
        if field[0] == "int":
            values = field[1]
            for k in range(int(length.max(initial=0))):
                sel = np.flatnonzero(length > k)
                out[pos[sel] + length[sel] - 1 - k] = (values[sel] // _POWERS[k]) % 10 + 48
        else:
            value, mask = field[1], field[2]
            if mask is None:
                out[pos] = value
            else:
                sel = np.flatnonzero(mask)
                out[pos[sel]] = value if np.isscalar(value) else value[sel]
        pos += length
    return out
