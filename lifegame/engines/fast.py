"""The fast engine: a bit-packed numpy kernel, with tile skipping on sparse boards.

* :func:`roll_step` is the plain numpy idiom (the sum of eight ``np.roll``
  copies), kept as the benchmarks' baseline and as an independent check.
* :func:`step` runs the bit-packed kernel of :mod:`.bitpack` on a whole torus.
* :func:`kernel_for` gives the row kernel that the band kernel
  :data:`~lifegame.engines.bands.FAST_BANDS` steps bands of a torus with.
* :class:`FastEngine` is the :class:`~lifegame.engines.base.Engine`; on large,
  mostly quiet boards it computes only the tiles that can change.  It runs in
  the background (a call may take seconds) and honours ``cancel`` between
  chunks of about :data:`CHUNK_CELL_UPDATES` cell updates.

All of them give exactly the coroutine engine's result, for any Life-like rule
(B0 included) and any board size, 1x1 included.
"""

from __future__ import annotations

import threading

import numpy as np

from ..board import Board
from ..rules import Rule
from .base import Cancel, Capabilities, EngineBase, Progress, check_cancel, check_generations, generation_chunks
from .bitpack import PackedTorus, RowKernel
from .tiled import TiledTorus, tile_rows_for

__all__ = ["FastEngine", "roll_step", "step", "kernel_for", "tiles_apply", "CHUNK_CELL_UPDATES"]

CHUNK_CELL_UPDATES = 1 << 24
"""Cell updates between two looks at ``cancel`` (~10 ms of the packed kernel)."""

_OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


def roll_step(cells: np.ndarray, rule: Rule) -> np.ndarray:
    """One generation on the torus by the plain numpy idiom: eight ``np.roll`` copies summed.

    ``cells`` is a ``(h, w)`` 0/1 ``uint8`` array (unchanged); returns a new one.
    ``np.roll`` wraps modulo the size, so on a 1-wide torus a cell is its own
    east and west neighbour, exactly as the coroutine engine's wrapped queries.
    """
    cells = np.asarray(cells, dtype=np.uint8)
    counts = sum(np.roll(np.roll(cells, dy, axis=0), dx, axis=1) for dy, dx in _OFFSETS)
    # The rule as the textbook writes Conway's, (n == 3) | (alive & (n == 2)),
    # for any birth and survival sets: a comparison per count in each set.
    alive = cells == 1
    parts = []
    if rule.birth & rule.survive:
        parts.append(_any_equal(counts, rule.birth & rule.survive))
    if rule.birth - rule.survive:
        parts.append(_any_equal(counts, rule.birth - rule.survive) & ~alive)
    if rule.survive - rule.birth:
        parts.append(_any_equal(counts, rule.survive - rule.birth) & alive)
    result = parts[0] if parts else np.zeros(cells.shape, dtype=bool)
    for part in parts[1:]:
        result |= part
    return result.view(np.uint8)


def _any_equal(counts: np.ndarray, values: frozenset[int]) -> np.ndarray:
    """``counts == v`` for any ``v`` in (non-empty) ``values``, as a boolean array."""
    first, *rest = sorted(values)
    result = counts == first
    for value in rest:
        result |= counts == value
    return result


_local = threading.local()


def _cached(key: tuple, make) -> object:
    # Per thread (kernels own scratch buffers), a few entries: a torus of
    # 8192x8192 keeps two 8 MiB buffers, reused instead of faulted in afresh.
    cache: dict = getattr(_local, "cache", None) or {}
    _local.cache = cache
    item = cache.get(key)
    if item is None:
        if len(cache) >= 4:
            cache.pop(next(iter(cache)))
        item = cache[key] = make()
    return item


def kernel_for(rule: Rule, width: int) -> RowKernel:
    """A wrapping :class:`~.bitpack.RowKernel` for ``rule`` and ``width``, reused per thread."""
    return _cached(("kernel", rule, width), lambda: RowKernel(rule, width))  # type: ignore[return-value]


def torus_for(rule: Rule, height: int, width: int) -> PackedTorus:
    """A :class:`PackedTorus` for ``rule`` and this size, reused per thread."""
    return _cached(("torus", rule, height, width), lambda: PackedTorus(rule, height, width))  # type: ignore[return-value]


def _check_cells(cells: np.ndarray) -> np.ndarray:
    arr = np.asarray(cells)
    if arr.ndim != 2 or 0 in arr.shape:
        raise ValueError(f"cells must be a non-empty 2-D array, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        arr = (arr != 0).astype(np.uint8)
    return arr


def step(cells: np.ndarray, rule: Rule, generations: int = 1) -> np.ndarray:
    """``generations`` generations of the torus ``cells`` under ``rule``.

    ``cells`` is a ``(h, w)`` array of 0/1 (left unchanged); returns a new
    C-contiguous ``uint8`` array.  The board stays packed between generations.
    """
    if generations < 0:
        raise ValueError("generations must be >= 0")
    arr = _check_cells(cells)
    if generations == 0:
        return np.array(arr, dtype=np.uint8, order="C")
    torus = torus_for(rule, *arr.shape)
    torus.load(arr)
    torus.run(generations)
    return torus.cells()


#: Boards with fewer cells are stepped densely: tile skipping would not pay.
TILED_MIN_CELLS = 256 * 256


def tiles_apply(height: int, width: int, rule: Rule) -> bool:
    """Whether :class:`FastEngine` steps a board of this size under ``rule`` by tiles."""
    return not rule.has_b0 and height * width >= TILED_MIN_CELLS


class FastEngine(EngineBase):
    """The vectorised engine: the packed kernel, skipping quiet tiles when that pays.

    ``tiles``: ``None`` (the default) skips tiles whenever :func:`tiles_apply`
    says it can; ``False`` always steps the whole board.  Either way the result
    is exact.  The board stays packed across the chunks between two looks at
    ``cancel``: cancelling costs nothing when it does not happen.
    """

    name = "fast"
    capabilities = Capabilities(background=True, traceable=False, workers=1)

    def __init__(self, tiles: bool | None = None) -> None:
        self.tiles = tiles

    def advance(
        self,
        board: Board,
        rule: Rule,
        generations: int = 1,
        *,
        cancel: Cancel | None = None,
        progress: Progress | None = None,
    ) -> Board:
        """A new board ``generations`` generations after ``board`` (left unchanged)."""
        generations = check_generations(generations)
        check_cancel(cancel)
        h, w = board.shape
        if generations == 0:
            return board.copy()
        chunk = generations if cancel is None and progress is None else max(1, CHUNK_CELL_UPDATES // (h * w))
        if self.tiles is not False and tiles_apply(h, w, rule):
            rows = tile_rows_for(h)
            torus = _cached(("tiled", rule, h, w), lambda: TiledTorus(rule, h, w, tile_rows=rows))
        else:
            torus = torus_for(rule, h, w)
        torus.load(_check_cells(board.cells))  # type: ignore[attr-defined]
        for n in generation_chunks(generations, chunk, cancel, progress):
            torus.run(n)  # type: ignore[attr-defined]
        return Board(h, w, torus.cells())  # type: ignore[attr-defined]

    def describe(self, board: Board) -> str:
        return "fast kernel"
