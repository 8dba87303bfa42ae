"""The fast engine: a bit-packed numpy kernel, with tile skipping on sparse boards.

* :func:`roll_step` is the plain numpy idiom (``np.roll`` copies of the
  board), kept as the benchmarks' baseline and as an independent check: for
  any rule, the 9-bit configuration index of every cell looked up in
  ``rule.neighborhood_table()``, then ``rule.state_table()``.
* :func:`step` runs the bit-packed kernel of :mod:`.bitpack` on a whole torus.
* :func:`step_rows` steps a band of rows with halo rows (rows do not wrap,
  columns do) under any rule: the band kernels' counterpart of
  :func:`kernel_for` for rules of more than two states.
* :func:`kernel_for` gives the row kernel that the band kernel
  :data:`~lifegame.engines.bands.FAST_BANDS` steps bands of a torus with.
* :class:`FastEngine` is the :class:`~lifegame.engines.base.Engine`; on large,
  mostly quiet boards it computes only the tiles that can change (rules of
  any family without B0).  It runs in the background (a call may take seconds) and
  honours ``cancel`` between chunks of about :data:`CHUNK_CELL_UPDATES` cell
  updates.

Two-state rules (Life-like, isotropic non-totalistic) stay packed between
generations.  Rules of more states (Generations, History) stay packed too, as
``ceil(log2(states))`` bit planes (:mod:`.planes`): each generation the live
plane is a formula of the state planes, the kernel of ``rule.base`` steps it,
the *touches* plane (a neighbour in ``rule.boundary_state``) is stepped
likewise where such cells exist, and the next state planes are formulas of
the state planes, the next live bit and touches, equal to ``rule.state_table()``.

All of them give exactly the coroutine engine's result, for any rule of any
family (B0 included) and any board size, 1x1 included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from ..board import Board
from ..rules import Rule, RuleBase
from .base import (
    Cancel,
    Capabilities,
    EngineBase,
    Progress,
    check_cancel,
    check_generations,
    generation_chunks,
)
from .bitpack import PackedTorus, RowKernel, pack, unpack
from .planes import PlanesKernel, PlanesTorus, from_planes, to_planes
from .tiled import TiledTorus, tile_rows_for, tiles_possible

__all__ = [
    "CHUNK_CELL_UPDATES",
    "FastEngine",
    "StatesKernel",
    "kernel_for",
    "planes_torus_for",
    "roll_step",
    "states_kernel_for",
    "step",
    "step_rows",
    "tiles_apply",
    "torus_for",
]

CHUNK_CELL_UPDATES = 1 << 24
"""Cell updates between two looks at ``cancel`` (~10 ms of the packed kernel)."""

_OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]
# The configuration bit of the cell at (y + dy, x + dx) (see lifegame.rules.base: "n" is the row above).
_BITS = {(-1, -1): 8, (-1, 0): 7, (-1, 1): 6, (0, -1): 5, (0, 0): 4, (0, 1): 3, (1, -1): 2, (1, 0): 1, (1, 1): 0}


def roll_step(cells: np.ndarray, rule: RuleBase) -> np.ndarray:
    """One generation on the torus by the plain numpy idiom: ``np.roll`` copies of the board.

    ``cells`` is a ``(h, w)`` ``uint8`` array of states (unchanged); returns a
    new one.  ``np.roll`` wraps modulo the size, so on a 1-wide torus a cell is
    its own east and west neighbour, exactly as the coroutine engine's wrapped
    queries.  Life-like rules sum eight copies; any other rule builds each
    cell's configuration index from nine and looks it up, then applies the
    state table.
    """
    cells = np.asarray(cells, dtype=np.uint8)
    if isinstance(rule, Rule):
        return _roll_life_like(cells, rule)
    live = rule.live_mask()[cells]
    index = np.zeros(cells.shape, np.intp)
    for (dy, dx), bit in _BITS.items():
        # rolled[y, x] = live[y + dy, x + dx]
        index |= np.roll(live, (-dy, -dx), axis=(0, 1)).astype(np.intp) << bit
    live_next = rule.neighborhood_table()[index]
    touches = np.zeros(cells.shape, np.uint8)
    if rule.boundary_state is not None:
        boundary = cells == rule.boundary_state
        for dy, dx in _OFFSETS:
            touches |= np.roll(boundary, (-dy, -dx), axis=(0, 1))
    return rule.state_table()[cells, live_next, touches]


def _roll_life_like(cells: np.ndarray, rule: Rule) -> np.ndarray:
    alive = cells == 1
    counts = sum(np.roll(np.roll(alive.view(np.uint8), dy, axis=0), dx, axis=1) for dy, dx in _OFFSETS)
    # The rule as the textbook writes Conway's, (n == 3) | (alive & (n == 2)),
    # for any birth and survival sets: a comparison per count in each set.
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


def kernel_for(rule: RuleBase, width: int) -> RowKernel:
    """A wrapping :class:`~.bitpack.RowKernel` for ``rule.base`` and ``width``, reused per thread."""
    return _cached(("kernel", rule.base, width), lambda: RowKernel(rule.base, width))  # type: ignore[return-value]


def torus_for(rule: RuleBase, height: int, width: int) -> PackedTorus:
    """A :class:`PackedTorus` for the two-state ``rule.base`` and this size, reused per thread."""
    base = rule.base
    return _cached(("torus", base, height, width), lambda: PackedTorus(base, height, width))  # type: ignore[return-value]


# -- rules of more states ------------------------------------------------------------
class StatesKernel:
    """Generations of rows of ``uint8`` states, under any rule, on packed bit planes.

    :meth:`rows` steps ``(n + 2, width)`` states into ``(n, width)``: rows do
    not wrap (the first and last are only read), columns do.  :meth:`steps`
    runs several generations, the board kept as bit planes in between (a
    :class:`~.planes.PlanesKernel`: the live plane stepped by the packed
    kernel of ``rule.base``, then the state machine as formulas on planes),
    which spares a pack and an unpack per generation.  Not thread-safe (its
    kernels own scratch buffers): use :func:`states_kernel_for`.
    """

    def __init__(self, rule: RuleBase, width: int) -> None:
        self.rule, self.width = rule, width
        self.planes = PlanesKernel(rule, width)

    def rows(self, src: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The next states of rows ``1 .. n`` of ``src`` (``(n + 2, width)`` uint8), into ``out`` if given."""
        return self.steps(src, 1, out)

    def steps(
        self,
        src: np.ndarray,
        generations: int,
        out: np.ndarray | None = None,
        between: Callable[[], object] | None = None,
    ) -> np.ndarray:
        """``generations`` generations of ``src`` (``(n + 2 * generations, width)`` uint8 states).

        Returns the ``(n, width)`` states, in ``out`` if given.  ``between``,
        if given, is called before each generation (whatever it raises, say
        to interrupt, propagates).  ``generations`` = 0 returns the rows as they are.
        """
        arr = np.ascontiguousarray(src, dtype=np.uint8)
        if generations == 0:
            result = arr.copy() if out is None else out
            if out is not None:
                out[...] = arr
            return result
        current = to_planes(arr, self.planes.k)
        for _ in range(generations):
            if between is not None:
                between()
            following = np.empty((current.shape[0], current.shape[1] - 2, current.shape[2]), np.uint64)
            self.planes.rows(current, following)
            current = following
        cells = from_planes(current, self.width)
        if out is None:
            return cells
        out[...] = cells
        return out


def states_kernel_for(rule: RuleBase, width: int) -> StatesKernel:
    """A :class:`StatesKernel` for ``rule`` and ``width``, reused per thread."""
    return _cached(("states", rule, width), lambda: StatesKernel(rule, width))  # type: ignore[return-value]


def planes_torus_for(rule: RuleBase, height: int, width: int) -> PlanesTorus:
    """A :class:`~.planes.PlanesTorus` for ``rule`` (more than two states) and this size, reused per thread."""
    return _cached(("planes", rule, height, width), lambda: PlanesTorus(rule, height, width))  # type: ignore[return-value]


def step_rows(cells: np.ndarray, rule: RuleBase, generations: int = 1) -> np.ndarray:
    """``generations`` generations of a band of rows with ``generations`` halo rows each side, under any rule.

    ``cells`` is ``(h + 2 * generations, w)`` ``uint8`` states: the band and
    its halo.  Rows do not wrap (each generation loses one valid row at each
    end), columns wrap round the torus.  Returns a new ``(h, w)`` ``uint8``
    array: the band after ``generations`` generations.  Packed throughout:
    two-state rules by :func:`kernel_for`, others as bit planes
    (:meth:`StatesKernel.steps`).
    """
    arr = np.ascontiguousarray(cells, dtype=np.uint8)
    rows, width = arr.shape
    if generations < 0 or rows < 2 * generations + 1:
        raise ValueError(f"{rows} rows cannot hold a band with {generations} halo rows each side")
    if generations == 0:
        return arr.copy()
    if rule.states == 2:
        kernel = kernel_for(rule, width)
        current = pack(arr)
        for _ in range(generations):
            following = np.empty((current.shape[0] - 2, current.shape[1]), np.uint64)
            kernel.rows(current, following)
            current = following
        return unpack(current, width)
    return states_kernel_for(rule, width).steps(arr, generations)


def _check_cells(cells: np.ndarray) -> np.ndarray:
    arr = np.asarray(cells)
    if arr.ndim != 2 or 0 in arr.shape:
        raise ValueError(f"cells must be a non-empty 2-D array, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        arr = (arr != 0).astype(np.uint8)
    return arr


def step(cells: np.ndarray, rule: RuleBase, generations: int = 1) -> np.ndarray:
    """``generations`` generations of the torus ``cells`` under ``rule``.

    ``cells`` is a ``(h, w)`` array of states (left unchanged; a non-``uint8``
    array is read as 0/1); returns a new C-contiguous ``uint8`` array.  Under
    a two-state rule the board stays packed between generations.
    """
    if generations < 0:
        raise ValueError("generations must be >= 0")
    arr = _check_cells(cells)
    if generations == 0:
        return np.array(arr, dtype=np.uint8, order="C")
    torus = torus_for(rule, *arr.shape) if rule.states == 2 else planes_torus_for(rule, *arr.shape)
    torus.load(arr)
    torus.run(generations)
    return torus.cells()


#: Boards with fewer cells are stepped densely: tile skipping would not pay.
TILED_MIN_CELLS = 256 * 256


def tiles_apply(height: int, width: int, rule: RuleBase) -> bool:
    """Whether :class:`FastEngine` steps a board of this size under ``rule`` by tiles.

    Rules of any family under which empty space stays empty
    (:func:`~.tiled.tiles_possible`: not under B0), on boards of at least
    :data:`TILED_MIN_CELLS` cells.
    """
    return tiles_possible(rule) and height * width >= TILED_MIN_CELLS


class FastEngine(EngineBase):
    """The vectorised engine: the packed kernel, skipping quiet tiles when that pays.

    ``tiles``: ``None`` (the default) skips tiles whenever :func:`tiles_apply`
    says it can; ``False`` always steps the whole board.  Either way the result
    is exact.  Under a two-state rule the board stays packed across the chunks
    between two looks at ``cancel``: cancelling costs nothing when it does not
    happen; under a rule of more states it stays packed as bit planes.
    """

    name = "fast"
    capabilities = Capabilities(background=True, traceable=False, workers=1)

    def __init__(self, tiles: bool | None = None) -> None:
        self.tiles = tiles

    def advance(
        self,
        board: Board,
        rule: RuleBase,
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
        cells = _check_cells(board.cells)
        # Two-state rules run their base (equal rules share the cached torus).
        stepped = rule.base if rule.states == 2 else rule
        if self.tiles is not False and tiles_apply(h, w, rule):
            rows = tile_rows_for(h)
            torus = _cached(("tiled", stepped, h, w), lambda: TiledTorus(stepped, h, w, tile_rows=rows))
        elif rule.states != 2:
            torus = planes_torus_for(rule, h, w)
        else:
            torus = torus_for(rule, h, w)
        torus.load(cells)  # type: ignore[attr-defined]
        for n in generation_chunks(generations, chunk, cancel, progress):
            torus.run(n)  # type: ignore[attr-defined]
        return Board(h, w, torus.cells())  # type: ignore[attr-defined]

    def describe(self, board: Board) -> str:
        return "fast kernel"
