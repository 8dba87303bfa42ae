"""Tile skipping: on a quiet board, compute only the tiles that can change.

The packed board (see :mod:`.bitpack`) is cut into tiles of ``tile_rows`` rows
by ``tile_words`` words (64 cells each).  After every generation we know, for
each tile, whether any of its cells changed, and whether a change touched its
edge rows, edge columns or corners.  A cell's next state depends only on its
3x3 neighbourhood, so a tile can change in the next generation only if a cell
of the tile, or of the one-cell ring around it, changed in this one: that is
the set of *active* tiles, and only those are computed.

Active tiles are gathered, with their one-cell ring (a word left and right, a
row above and below), into one stack of small boards; the ordinary kernel runs
over the stack as if it were one tall board (the rows and words that mix
neighbouring tiles are thrown away); the changed tiles are scattered back.
When most tiles are active the whole board is stepped by the dense kernel,
and the change flags are taken from a comparison of the two generations.

Rules of more states (Generations, History) skip alike, on their bit planes
(:class:`~.planes.PlanesTorus`): a cell *changed* when any of its state bits
did, and the argument holds for any rule whose next state is a function of
the 3x3 neighbourhood's states -- a neighbourhood that did not change gives
the centre the state it just got again, which is the state it had.  (A
dying Generations cell changes every generation, so its tile stays active
until it is empty.)

Rules under which empty space changes cannot skip (:func:`tiles_possible`):
B0, or a state table that turns an empty cell with an empty neighbourhood
into something else; the start of a run counts every non-empty cell as a
change from an empty board, which must stay empty.  Any board size works;
tiles at the bottom and right edges may be short.
"""

from __future__ import annotations

import numpy as np

from ..rules import RuleBase
from .bitpack import PackedTorus, RowKernel, words_for
from .planes import PlanesKernel, PlanesTorus

__all__ = ["TiledTorus", "tile_rows_for", "tiles_possible"]


def tiles_possible(rule: RuleBase) -> bool:
    """Whether :class:`TiledTorus` can run ``rule``: empty space stays empty (no B0, state 0 stays 0)."""
    return not rule.has_b0 and int(rule.state_table()[0, 0, 0]) == 0


def tile_rows_for(height: int) -> int:
    """The tile height used for a board of ``height`` rows: 64, less on short boards."""
    for rows in (64, 32):
        if height >= 3 * rows:
            return rows
    return 16


class TiledTorus:
    """A packed torus that steps only its active tiles.

    Requires a rule under which empty space stays empty (:func:`tiles_possible`);
    a two-state rule keeps one packed plane, a rule of more states its bit
    planes.  Load a board with :meth:`load`, advance it
    with :meth:`run`, read it with :meth:`cells` or :attr:`words`.  The object may be reused for other boards
    of the same size (its buffers are large: reusing them is cheaper).

    Any size works: when ``tile_rows`` does not divide the height the last row
    of tiles is short (the buffer has filler rows below the halo row, and what
    the kernel computes for them is put back before it can count as a change);
    when the width is not a multiple of 64 the last tile column ends inside a
    word, at :attr:`PackedTorus.top_bit`.
    """

    #: Above this fraction of active tiles a generation is stepped densely.
    dense_fraction = 0.3

    def __init__(self, rule: RuleBase, height: int, width: int, *, tile_rows: int = 64, tile_words: int = 1) -> None:
        if not tiles_possible(rule):
            raise ValueError("tile skipping needs a rule under which empty space stays empty (no B0)")
        W = words_for(width)
        if W % tile_words or tile_rows < 1:
            raise ValueError(f"tiles of {tile_rows} rows x {tile_words} words do not fit a {height}x{width} board")
        self.h, self.W = height, W
        self.tr, self.tw = tile_rows, tile_words
        self.ty, self.tx = -(-height // tile_rows), W // tile_words
        self.last_rows = height - (self.ty - 1) * tile_rows  # rows in the last tile row
        self.torus: PackedTorus | PlanesTorus
        self.stack: RowKernel | PlanesKernel
        if rule.states == 2:
            self.torus = PackedTorus(rule, height, width, rows=self.ty * tile_rows)
            self.stack = RowKernel(rule, (tile_words + 2) * 64, wrap=False)
            self.k = 1
        else:
            self.torus = PlanesTorus(rule, height, width, rows=self.ty * tile_rows)
            self.stack = PlanesKernel(rule, (tile_words + 2) * 64, wrap=False)
            self.k = self.torus.k
        # Flat offsets, in the torus buffer, of a tile with its ring (the halo
        # row and word of the buffer make every tile's ring a plain rectangle),
        # and of each tile's top-left ring cell.
        stride = W + 2
        self._ring = np.arange(tile_rows + 2)[:, None] * stride + np.arange(tile_words + 2)
        self._row_base = np.arange(self.ty) * (tile_rows * stride)
        self._col_base = np.arange(self.tx) * tile_words
        # Changed bits of a dense generation, in whole tiles (rows past the
        # board stay 0).
        self._diff = np.zeros((self.ty * tile_rows, W), np.uint64)
        self.active = np.zeros((self.ty, self.tx), dtype=bool)
        self.generation = 0
        self.tiles_computed = 0
        """Tiles computed so far (a dense generation counts every tile): a cost figure."""
        self._batch = 1

    def load(self, cells: np.ndarray) -> None:
        """Start from a ``(height, width)`` 0/1 ``uint8`` board."""
        self.torus.load(cells)
        self._start()

    def _start(self) -> None:
        # At the start every tile holding a live cell (or next to one) may
        # change: the board "changed" from an empty one, which stays empty.
        self._diff[: self.h] = _union(self._planes(self.torus.buffer)[:, 1 : self.h + 1, 1 : self.W + 1])
        self.active = self._activate_dense(self._normalise_dense(self._diff))
        self.generation = self.tiles_computed = 0
        self._batch = 1

    def cells(self) -> np.ndarray:
        """The board unpacked: a new ``(height, width)`` ``uint8`` array."""
        return self.torus.cells()

    @property
    def words(self) -> np.ndarray:
        """The current packed board (a view; do not keep it across :meth:`run`).

        ``(h, W)`` under a two-state rule, ``(k, h, W)`` planes under one of more states.
        """
        return self.torus.words

    def _planes(self, buffer: np.ndarray) -> np.ndarray:
        """A torus buffer as ``(k, rows, W + 2)`` planes (a view)."""
        return buffer.reshape(self.k, *buffer.shape[-2:])

    # -- which tiles can change --------------------------------------------
    def _normalise_dense(self, diff: np.ndarray) -> np.ndarray:
        """Prepare ``(ty * tr, W)`` changed bits for :meth:`_activate_dense`, in place.

        Clears the padding bits, and makes a short last tile row or column
        look whole: the bits of the last real row and column are copied to
        the tile edge where :meth:`_activate` looks for them.
        """
        torus = self.torus
        d4 = diff.reshape(self.ty, self.tr, self.tx, self.tw)
        if torus.pad_mask is not None:
            edge = d4[:, :, -1, -1]  # a view: the last word of the last tile column
            edge &= torus.pad_mask
            edge |= ((edge >> np.uint64(torus.top_bit)) & np.uint64(1)) << np.uint64(63)
        if self.last_rows < self.tr:
            d4[-1, -1] |= d4[-1, self.last_rows - 1]
        return diff

    def _normalise_tiles(self, diff: np.ndarray, ty: np.ndarray, tx: np.ndarray) -> np.ndarray:
        """:meth:`_normalise_dense` for the changed bits ``(k, tr, tw)`` of tiles ``ty``, ``tx``."""
        torus = self.torus
        right = tx == self.tx - 1
        if torus.pad_mask is not None and right.any():
            edge = diff[right, :, -1] & torus.pad_mask
            edge |= ((edge >> np.uint64(torus.top_bit)) & np.uint64(1)) << np.uint64(63)
            diff[right, :, -1] = edge
        if self.last_rows < self.tr:
            bottom = ty == self.ty - 1
            diff[bottom, -1] |= diff[bottom, self.last_rows - 1]
        return diff

    def _activate(self, ty: np.ndarray, tx: np.ndarray, diff: np.ndarray) -> np.ndarray:
        """The tiles to compute next, as a ``(ty, tx)`` bool grid.

        ``ty``, ``tx`` list the tiles that changed and ``diff`` ``(n, tr, tw)``
        holds their changed bits (old ^ new).  A tile is active when a cell of
        it or of the ring around it changed: its own change, and a change in a
        neighbour's edge row, edge column or corner cell facing it.
        """
        top, bottom = diff[:, 0, :], diff[:, -1, :]
        left, right = diff[:, :, 0] & np.uint64(1), diff[:, :, -1] >> np.uint64(63)
        facing = (
            (0, 0, None),
            (-1, 0, top.any(axis=1)),
            (1, 0, bottom.any(axis=1)),
            (0, -1, left.any(axis=1)),
            (0, 1, right.any(axis=1)),
            (-1, -1, left[:, 0] != 0),
            (1, -1, left[:, -1] != 0),
            (-1, 1, right[:, 0] != 0),
            (1, 1, right[:, -1] != 0),
        )
        active = np.zeros((self.ty, self.tx), dtype=bool)
        for dy, dx, mask in facing:
            ys, xs = (ty, tx) if mask is None else (ty[mask], tx[mask])
            if ys.size:
                active[(ys + dy) % self.ty, (xs + dx) % self.tx] = True
        return active

    def _activate_dense(self, diff: np.ndarray) -> np.ndarray:
        """:meth:`_activate` for a whole ``(h, W)`` board of changed bits, on tile grids."""
        d4 = diff.reshape(self.ty, self.tr, self.tx, self.tw)
        one, top_bit = np.uint64(1), np.uint64(63)
        left = d4[:, :, :, 0] & one          # (ty, tr, tx): column 0 of each tile
        right = d4[:, :, :, -1] >> top_bit   # the tile's last column
        facing = (
            (0, 0, d4.any(axis=(1, 3))),
            (-1, 0, d4[:, 0].any(axis=-1)),
            (1, 0, d4[:, -1].any(axis=-1)),
            (0, -1, left.any(axis=1)),
            (0, 1, right.any(axis=1)),
            (-1, -1, left[:, 0] != 0),
            (1, -1, left[:, -1] != 0),
            (-1, 1, right[:, 0] != 0),
            (1, 1, right[:, -1] != 0),
        )
        active = np.zeros((self.ty, self.tx), dtype=bool)
        for dy, dx, grid in facing:
            active |= np.roll(grid, (dy, dx), axis=(0, 1))
        return active

    # -- stepping ------------------------------------------------------------
    def run(self, generations: int) -> None:
        """Advance the board ``generations`` generations."""
        total = self.ty * self.tx
        left = generations
        while left > 0:
            ty, tx = np.nonzero(self.active)
            if ty.size == 0:  # nothing can change any more: a still board
                break
            if ty.size > self.dense_fraction * total:
                # Busy board: dense generations.  Tracking changes costs a
                # little, so while the board stays busy track only the last of
                # a growing batch (the flags of that one generation suffice).
                n = min(self._batch, left)
                self._dense_generations(n - 1)
                self._dense_generation()
                self._batch = min(2 * self._batch, 32)
                left -= n
            else:
                self._batch = 1
                self._sparse_generation(ty, tx)
                left -= 1
        self.generation += generations

    def _dense_generations(self, n: int) -> None:
        self.torus.run(n)
        self.tiles_computed += n * self.ty * self.tx

    def _dense_generation(self) -> None:
        old, new = (self._planes(b) for b in self.torus.step_into_spare())
        h, W = self.h, self.W
        diff = self._diff
        np.bitwise_xor(old[0, 1 : h + 1, 1 : W + 1], new[0, 1 : h + 1, 1 : W + 1], out=diff[:h])
        for j in range(1, self.k):
            diff[:h] |= old[j, 1 : h + 1, 1 : W + 1] ^ new[j, 1 : h + 1, 1 : W + 1]
        self.tiles_computed += self.ty * self.tx
        self.active = self._activate_dense(self._normalise_dense(diff))

    def _sparse_generation(self, ty: np.ndarray, tx: np.ndarray) -> None:
        tr, tw = self.tr, self.tw
        k = ty.size
        index = (self._row_base[ty] + self._col_base[tx])[:, None, None] + self._ring
        flat = self._planes(self.torus.buffer).reshape(self.k, -1)
        tiles = np.take(flat, index, axis=1)  # (planes, k, tr + 2, tw + 2): each tile with its ring
        out = np.empty_like(tiles)
        # One tall board of all the tiles: rows and words that mix two tiles
        # come out wrong, and are exactly the ones thrown away.
        stack_in = tiles.reshape(self.k, k * (tr + 2), tw + 2)
        stack_out = out.reshape(self.k, k * (tr + 2), tw + 2)[:, :-2]
        if isinstance(self.stack, RowKernel):
            self.stack.rows(stack_in[0], stack_out[0])
        else:
            self.stack.rows(stack_in, stack_out)
        new = out[:, :, :tr, 1 : tw + 1]  # output row j is input row j + 1
        old = tiles[:, :, 1 : tr + 1, 1 : tw + 1]
        if self.last_rows < tr:  # rows past the board: put back what was there
            bottom = ty == self.ty - 1
            new[:, bottom, self.last_rows :] = old[:, bottom, self.last_rows :]
        diff = _union(new ^ old)
        self._normalise_tiles(diff, ty, tx)
        changed = diff.reshape(k, -1).any(axis=1)
        self.tiles_computed += k
        if changed.any():
            cy, cx = ty[changed], tx[changed]
            flat[:, index[changed][:, 1 : tr + 1, 1 : tw + 1]] = new[:, changed]
            # Refresh the halo only where a changed tile touches the edge.
            self.torus.fill_halo(
                rows=bool(cy.min() == 0 or cy.max() == self.ty - 1),
                columns=bool(cx.min() == 0 or cx.max() == self.tx - 1),
            )
            self.active = self._activate(cy, cx, diff[changed])
        else:
            self.active = np.zeros((self.ty, self.tx), dtype=bool)


def _union(planes: np.ndarray) -> np.ndarray:
    """The bitwise or of ``planes`` along the first axis: the bits where any plane is set (a new array)."""
    return planes[0].copy() if planes.shape[0] == 1 else np.bitwise_or.reduce(planes, axis=0)
