"""Tile activity across the pool: a band task steps only the tiles that can change.

The one-process engine skips quiet tiles (:mod:`.tiled`); this module does the
same for the bands of :mod:`.parallel`, whose state lives in shared memory and
whose tasks run in any worker.  The board (``H`` rows of ``W`` packed words,
``H`` a multiple of the tile height ``tr``, the width a multiple of 64) is cut
into tiles of ``tr`` rows by one word; the bands are whole rows of tiles.
Each shared segment carries, after the board, one flag byte per tile
(:func:`flag_bytes`), describing the board held in that segment::

    ACTIVE  a cell of the tile changed in the last generation that produced
            this board (a superset is allowed: it only costs work);
    DIRTY   the tile may differ from the other segment's board (it was
            computed in the batch that produced this one).

How activity crosses between workers: a task reads the ACTIVE flags of its
band and of ``ry = ceil(K / tr)`` tile rows above and below it (written, in
the previous batch, by the workers that computed those tiles) and writes the
flags of its own band's tiles only, into the target segment: readers and
writers never share a segment within a batch.

Why this is exact (rules without B0): a cell changes at generation ``j`` of a
batch only if some cell within ``j`` of it changed at generation 0 (the last
generation of the previous batch).  So during a batch of ``K`` generations
only tiles within ``K`` cells of an ACTIVE tile can change (*reach*); the
rest of the band is copied, and only where the two segments differ (DIRTY).
Inside the reach the task steps, generation by generation, only the tiles
whose 3x3 neighbourhood changed in the previous generation (the
:class:`~.tiled.TiledTorus` rule), on a private copy of the band plus ``ry``
tile rows of halo.  The halo's outer rows are wrong after a generation (their
neighbours beyond the copy are unknown) and the error moves one row per
generation: after ``K <= ry * tr`` generations it has not reached the band.

When most of a band can change, the band is stepped densely
(:func:`step_dense`) and the ACTIVE flags come from the last two generations.
The first batch after a board is loaded (``fresh``) takes a tile with a live
cell as ACTIVE (the board "changed" from the empty one) and copies the whole
band to the target (whose contents are from an older board).

Rules of more states (Generations, History) run :data:`~.bands.STATES_BANDS`
(one ``uint8`` state a cell in shared memory) and skip alike
(:func:`step_states_band`), under rules that keep empty space empty
(:func:`~.tiled.tiles_possible`): a cell *changed* when its state did, and the
reach is the same; but the tiles in it are stepped for the whole batch, each
with a ring ``K`` cells deep, stacked as bit planes (no tracking generation by
generation: a multi-state batch is short, ``K`` = 8).

Nothing here imports pygame.
"""

from __future__ import annotations

import threading

import numpy as np

from ..rules import RuleBase
from .bands import Interrupt, Interrupted, padded_rows, scratch_buffers
from .bitpack import RowKernel
from .fast import kernel_for
from .planes import PlanesKernel, from_planes, to_planes
from .tiled import tiles_possible

__all__ = [
    "ACTIVE",
    "DIRTY",
    "DENSE_FRACTION",
    "tiles_fit",
    "flag_bytes",
    "halo_tiles",
    "dilate",
    "balanced_bands",
    "step_band",
    "step_dense",
    "step_states_band",
]

ACTIVE = np.uint8(1)
DIRTY = np.uint8(2)

DENSE_FRACTION = 0.4
"""A band whose reach covers more than this fraction of its tiles is stepped densely."""

STRIDE_GENERATIONS = 8
"""Generations a quiet band's tiles take in one stride: each tile is gathered
once with a ring this high, stepped that many times, and put back (fewer numpy
calls per generation than one gather per generation)."""

_U64 = np.dtype(np.uint64)


def tiles_fit(shape: tuple[int, int], tile_rows: int, bands: int) -> bool:
    """Whether a board of ``shape`` cells can be cut into tiles of ``tile_rows`` rows for ``bands`` bands."""
    height, width = shape
    return tile_rows > 0 and width % 64 == 0 and height % tile_rows == 0 and height // tile_rows >= bands


def flag_bytes(shape: tuple[int, int], tile_rows: int) -> int:
    """Bytes of tile flags of a board of ``shape`` cells: one per tile."""
    return (shape[0] // tile_rows) * (shape[1] // 64)


def halo_tiles(generations: int, tile_rows: int) -> int:
    """Tile rows of halo that hold every cell within ``generations`` rows of a band."""
    return max(1, -(-generations // tile_rows))


def dilate(grid: np.ndarray, ry: int, rx: int) -> np.ndarray:
    """``grid`` (bool, tile rows x tile columns) grown by ``ry`` rows (clipped) and ``rx`` columns (round the torus)."""
    wide = grid.copy()
    for dx in range(1, min(rx, grid.shape[1]) + 1):
        wide |= np.roll(grid, dx, axis=1)
        wide |= np.roll(grid, -dx, axis=1)
    out = wide.copy()
    for dy in range(1, min(ry, grid.shape[0] - 1) + 1):
        out[dy:] |= wide[:-dy]
        out[:-dy] |= wide[dy:]
    return out


def balanced_bands(flags: np.ndarray, count: int, generations: int, tile_rows: int) -> list[tuple[int, int]]:
    """``count`` bands of whole tile rows (as tile row ranges) that share the work of the next batch evenly.

    The work of a tile row is the ACTIVE tiles within the batch's reach of it
    (plus a little for every row, so that a quiet board is cut evenly); the
    cuts fall where the running total crosses each ``1 / count`` of the whole.
    Bands may change from batch to batch: the flags are per tile, not per band.
    """
    rows = flags.shape[0]
    count = max(1, min(count, rows))
    per_row = np.count_nonzero(flags & ACTIVE, axis=1).astype(np.float64)
    ry = halo_tiles(generations, tile_rows)
    weight = per_row.copy()
    for dy in range(1, min(ry, rows - 1) + 1):  # rows within reach of an active row (round the torus)
        weight += np.roll(per_row, dy) + np.roll(per_row, -dy)
    weight += max(1e-3, weight.sum() * 1e-3 / rows)
    cum = np.cumsum(weight)
    edges = [0]
    for i in range(1, count):
        cut = int(np.searchsorted(cum, cum[-1] * (i / count - 1e-9))) + 1
        edges.append(min(max(cut, edges[-1] + 1), rows - (count - i)))
    edges.append(rows)
    return list(zip(edges[:-1], edges[1:]))


# Per thread (a thread-pool executor runs several bands of one process at
# once): the private block buffer and the stack kernels, reused across tasks.
_local = threading.local()


def _block(rows: int, words: int) -> np.ndarray:
    """A ``(rows, words + 2)`` scratch array; its memory is kept for the next task (bands change size)."""
    size = rows * (words + 2)
    buf: np.ndarray | None = getattr(_local, "block", None)
    if buf is None or buf.size < size:
        buf = _local.block = np.zeros(size + size // 4, _U64)
    return buf[:size].reshape(rows, words + 2)


def _stack_kernel(rule: RuleBase) -> RowKernel:
    kernels: dict = getattr(_local, "stacks", None) or {}
    _local.stacks = kernels
    kernel = kernels.get(rule)
    if kernel is None:
        if len(kernels) > 4:
            kernels.clear()
        kernel = kernels[rule] = RowKernel(rule, 3 * 64, wrap=False)
    return kernel


def _tiles(array: np.ndarray, tile_rows: int) -> np.ndarray:
    """``array`` ``(n * tile_rows, W)`` as a ``(n, tile_rows, W)`` view (never a copy)."""
    view = array.view()
    view.shape = (array.shape[0] // tile_rows, tile_rows, array.shape[1])  # raises rather than copy
    return view


_DY = np.array([0, -1, 1, 0, 0, -1, 1, -1, 1])
_DX = np.array([0, 0, 0, -1, 1, -1, -1, 1, 1])


def _activate(ty: np.ndarray, tx: np.ndarray, diff: np.ndarray, shape: tuple[int, int], m: int = 1) -> np.ndarray:
    """Tiles within ``m`` cells of a changed cell (``m <= 64``, ``m <=`` the tile height), as a bool grid.

    ``ty``, ``tx`` list changed tiles, ``diff`` ``(n, tr)`` their changed bits
    (one word per tile row).  A tile is itself active, and so is a neighbour
    that a change within ``m`` of the edge or corner between them faces:
    those are the tiles that can change in the next ``m`` generations.  Rows
    are clipped (the block does not wrap), columns wrap round the torus.
    """
    k = ty.size
    low = np.uint64((1 << m) - 1)
    left, right = (diff & low) != 0, (diff >> np.uint64(64 - m)) != 0
    faces = np.empty((9, k), dtype=bool)
    faces[0] = True
    faces[1] = diff[:, :m].any(axis=1)
    faces[2] = diff[:, -m:].any(axis=1)
    faces[3] = left.any(axis=1)
    faces[4] = right.any(axis=1)
    faces[5] = left[:, :m].any(axis=1)
    faces[6] = left[:, -m:].any(axis=1)
    faces[7] = right[:, :m].any(axis=1)
    faces[8] = right[:, -m:].any(axis=1)
    which, tile = np.nonzero(faces)
    ys = ty[tile] + _DY[which]
    xs = (tx[tile] + _DX[which]) % shape[1]
    inside = (ys >= 0) & (ys < shape[0])
    active = np.zeros(shape, dtype=bool)
    active[ys[inside], xs[inside]] = True
    return active


def step_dense(
    padded: np.ndarray, rule: RuleBase, width: int, generations: int, out: np.ndarray, tile_rows: int,
    interrupted: Interrupt | None = None,
) -> np.ndarray:
    """:meth:`~.bands.FastBands.step` into ``out``, returning the tiles that changed in the last generation.

    ``out`` is ``(h, W)`` with ``h`` a multiple of ``tile_rows``; the result is
    a ``(h // tile_rows, W)`` bool grid.
    """
    rows, nwords = padded.shape
    kernel = kernel_for(rule, width)
    buffers = scratch_buffers(rows * nwords)
    current = np.ascontiguousarray(padded, dtype=np.uint64)
    for i in range(generations):
        if interrupted is not None and interrupted():
            raise Interrupted
        n = current.shape[0] - 2
        following = out if i == generations - 1 else buffers[i % 2][: n * nwords].reshape(n, nwords)
        kernel.rows(current, following)
        if i == generations - 1:
            h = out.shape[0]
            spare = buffers[i % 2][: h * nwords].reshape(h, nwords)  # not `current`'s buffer
            np.bitwise_xor(following, current[1:-1], out=spare)
            return _tiles(spare, tile_rows).any(axis=1)
        current = following
    raise ValueError("step_dense needs at least one generation")


def step_band(
    source: np.ndarray,
    target: np.ndarray,
    source_flags: np.ndarray,
    target_flags: np.ndarray,
    y0: int,
    y1: int,
    rule: RuleBase,
    generations: int,
    tile_rows: int,
    fresh: bool = False,
    interrupted: Interrupt | None = None,
) -> int:
    """``generations`` generations of rows ``y0 .. y1 - 1`` (whole tile rows) from ``source`` into ``target``.

    ``source``, ``target``: ``(H, W)`` packed boards; ``*_flags``: their
    ``(H // tile_rows, W)`` tile flags (see the module docstring).  Writes the
    band's rows of ``target`` and of ``target_flags``; reads ``source`` and
    ``source_flags`` around the band.  Returns how many tiles were computed in
    the first generation (0: the band was quiet).
    """
    if rule.has_b0:
        raise ValueError("tile skipping is wrong under B0 rules: empty regions change")
    tr = tile_rows
    height, W = source.shape
    ty = height // tr
    a, b = y0 // tr, y1 // tr
    n = b - a
    ry = halo_tiles(generations, tr)
    rx = -(-generations // 64)
    nb = n + 2 * ry
    rows = np.arange(a - ry, b + ry) % ty  # block tile row -> board tile row
    X3, Y3 = _tiles(source, tr), _tiles(target, tr)
    if fresh:  # the target holds an older board: all of the band is stale there
        active = X3[rows].any(axis=1)
        dirty = np.ones((n, W), dtype=bool)
    else:
        active = (source_flags[rows] & ACTIVE) != 0
        dirty = (source_flags[a:b] & DIRTY) != 0
    reach = dilate(active, ry, rx)
    band_reach = reach[ry : ry + n]
    count = int(np.count_nonzero(band_reach))

    def copy_dirty(where: np.ndarray) -> None:
        if fresh:
            target[y0:y1] = source[y0:y1]
            return
        iy, ix = np.nonzero(where)
        if iy.size:
            Y3[a + iy, :, ix] = X3[a + iy, :, ix]

    if count == 0:  # a quiet band: what is stale in the target is copied, nothing computed
        copy_dirty(dirty)
        target_flags[a:b] = 0
        return 0
    if count > DENSE_FRACTION * n * W:
        padded = padded_rows(source, y0, y1, generations)
        changed = step_dense(padded, rule, W * 64, generations, target[y0:y1], tr, interrupted)
        target_flags[a:b] = np.where(changed, ACTIVE | DIRTY, DIRTY)
        return n * W

    # The private block: the band with ry tile rows of halo, a halo word at
    # both ends of each row (the horizontal wrap) and a row above and below
    # (never right: the errors stay in the halo tiles, see above).
    pad = min(STRIDE_GENERATIONS, tr)  # rows above and below the tiles: a tile's ring is this high
    block = _block(nb * tr + 2 * pad, W)
    body = _tiles(block[pad:-pad, 1:-1], tr)
    block[:pad] = 0
    block[-pad:] = 0
    need = dilate(reach, 1, 1)  # the reach and the ring its tiles read
    iy, ix = np.nonzero(need)
    body[iy, :, ix] = X3[rows[iy], :, ix]
    block[:, 0] = block[:, W]
    block[:, W + 1] = block[:, 1]

    stack = _stack_kernel(rule)
    stride = W + 2
    flat = block.reshape(-1)
    current = dilate(active, 1, 1) & reach
    last = np.zeros((nb, W), dtype=bool)
    computed = int(np.count_nonzero(current))
    g = 0
    while g < generations:
        if interrupted is not None and interrupted():
            raise Interrupted
        ty_, tx_ = np.nonzero(current)
        k = ty_.size
        if k == 0:  # nothing can change any more in this batch
            last[:] = False
            break
        # m generations of every tile that can change in them, each with a
        # ring of m rows and a word: errors from the ring's outer edge move a
        # cell per generation and stay in the ring.
        m = min(pad, generations - g)
        high = tr + 2 * m
        ring = np.arange(high)[:, None] * stride + np.arange(3)
        index = ((pad - m + ty_ * tr) * stride + tx_)[:, None, None] + ring
        states = [np.take(flat, index)]  # (k, tr + 2m, 3): generation g
        spare = [np.empty_like(states[0]), np.empty_like(states[0])]
        rows_now = k * high
        for j in range(m):
            src = states[-1].reshape(rows_now if j == 0 else k * high, 3)[: rows_now]
            dst = spare[j % 2].reshape(k * high, 3)
            stack.rows(src, dst[: rows_now - 2])
            rows_now -= 2
            states.append(spare[j % 2])
        # After j generations a tile's rows start at row m - j of its block.
        new = states[-1][:, :tr, 1]
        before = states[-2][:, 1 : tr + 1, 1] if m > 1 else states[0][:, m : m + tr, 1]
        diff = new ^ before  # the changes of the last generation
        flat[index[:, m : m + tr, 1]] = new
        if tx_.min() == 0 or tx_.max() == W - 1:
            block[:, 0] = block[:, W]
            block[:, W + 1] = block[:, 1]
        changed = diff.any(axis=1)
        last = np.zeros((nb, W), dtype=bool)
        g += m
        if changed.any():
            cy, cx = ty_[changed], tx_[changed]
            last[cy, cx] = True
            step = min(pad, generations - g)
            current = _activate(cy, cx, diff[changed], (nb, W), max(step, 1)) & reach
        else:
            current = np.zeros((nb, W), dtype=bool)

    copy_dirty(dirty & ~band_reach)  # first: with ``fresh`` it copies the whole band
    iy, ix = np.nonzero(band_reach)
    Y3[a + iy, :, ix] = body[ry + iy, :, ix]
    flags = np.where(band_reach, DIRTY, np.uint8(0)).astype(np.uint8)
    flags[last[ry : ry + n]] |= ACTIVE
    target_flags[a:b] = flags
    return computed


# -- rules of more states: bands of uint8 states (STATES_BANDS) --------------------------


def _planes_kernel(rule: RuleBase, width: int) -> PlanesKernel:
    """A wrapping :class:`~.planes.PlanesKernel` for ``rule`` and ``width``, kept per thread (it owns scratch)."""
    kernels: dict = getattr(_local, "planes", None) or {}
    _local.planes = kernels
    kernel = kernels.get((rule, width))
    if kernel is None:
        if len(kernels) > 8:
            kernels.clear()
        kernel = kernels[rule, width] = PlanesKernel(rule, width)
    return kernel


def _states_generations(
    cells: np.ndarray, rule: RuleBase, generations: int, interrupted: Interrupt | None,
) -> tuple[np.ndarray, np.ndarray]:
    """``generations`` (>= 1) generations of ``(n + 2K, w)`` uint8 states, rows not wrapping, columns wrapping.

    Returns the planes ``(k, n + 2, W)`` of the generation before the last and
    ``(k, n, W)`` of the last: what changed in the last generation is their
    difference (row ``i`` of the last is row ``i + 1`` of the one before).
    """
    kernel = _planes_kernel(rule, cells.shape[1])
    current = to_planes(np.ascontiguousarray(cells), kernel.k)
    previous = current
    for _ in range(generations):
        if interrupted is not None and interrupted():
            raise Interrupted
        following = np.empty((current.shape[0], current.shape[1] - 2, current.shape[2]), np.uint64)
        kernel.rows(current, following)
        previous, current = current, following
    return previous, current


def _changed_bits(previous: np.ndarray, last: np.ndarray) -> np.ndarray:
    """The bits of ``last`` ``(k, n, W)`` where any plane differs from ``previous``'s rows ``1 .. n``
    (``previous`` of ``n + 2`` rows), or from its rows ``0 .. n - 1`` (``previous`` of ``n`` rows)."""
    skip = (previous.shape[1] - last.shape[1]) // 2
    rows = slice(skip, skip + last.shape[1])
    diff = previous[0, rows] ^ last[0]
    for j in range(1, last.shape[0]):
        diff |= previous[j, rows] ^ last[j]
    return diff


def _middle_word(planes: np.ndarray, start: int) -> np.ndarray:
    """Cells ``start .. start + 63`` of each row of ``planes`` ``(k, n, W)``, as ``(k, n, 1)`` words."""
    word, bit = divmod(start, 64)
    middle = planes[:, :, word].copy()
    if bit:
        middle >>= np.uint64(bit)
        middle |= planes[:, :, word + 1] << np.uint64(64 - bit)
    return middle[:, :, None]


def step_states_band(
    source: np.ndarray,
    target: np.ndarray,
    source_flags: np.ndarray,
    target_flags: np.ndarray,
    y0: int,
    y1: int,
    rule: RuleBase,
    generations: int,
    tile_rows: int,
    fresh: bool = False,
    interrupted: Interrupt | None = None,
) -> int:
    """:func:`step_band` for bands of ``uint8`` states (:data:`~.bands.STATES_BANDS`), under a rule of any family.

    ``source``, ``target``: ``(H, w)`` states, ``w`` a multiple of 64; tiles
    are ``tile_rows`` rows by 64 cells, with the flags of the module
    docstring (a cell *changed* when its state did: a dying Generations cell
    changes every generation, so its tile stays ACTIVE until it is empty).
    The rule must keep empty space empty (:func:`~.tiled.tiles_possible`).

    The reach is found as for two-state bands; then each tile in it is
    gathered with a ring of ``K`` rows and ``K`` cells from ``source``
    (taken round the torus), the tiles stacked into one tall block and
    stepped ``K`` generations together as bit planes: the errors where two
    tiles meet in the stack, or where a row wraps, move a cell per generation
    and stay in the ring.  The ACTIVE flags come from the last two
    generations.  Returns the tiles computed (0: a quiet band).
    """
    if not tiles_possible(rule):
        raise ValueError("tile skipping needs a rule under which empty space stays empty (no B0)")
    tr, K = tile_rows, generations
    height, width = source.shape
    tx = width // 64
    ty = height // tr
    a, b = y0 // tr, y1 // tr
    n = b - a
    ry = halo_tiles(K, tr)
    rx = -(-K // 64)
    rows = np.arange(a - ry, b + ry) % ty  # block tile row -> board tile row
    X4 = source.reshape(ty, tr, tx, 64)
    Y4 = target.reshape(ty, tr, tx, 64)
    if fresh:  # the target holds an older board: all of the band is stale there
        active = np.stack([X4[r].any(axis=(0, 2)) for r in rows])
        dirty = np.ones((n, tx), dtype=bool)
    else:
        active = (source_flags[rows] & ACTIVE) != 0
        dirty = (source_flags[a:b] & DIRTY) != 0
    reach = dilate(active, ry, rx)[ry : ry + n]
    count = int(np.count_nonzero(reach))

    if fresh:
        target[y0:y1] = source[y0:y1]
    else:  # what is stale in the target and will not be computed is copied
        iy, ix = np.nonzero(dirty & ~reach)
        if iy.size:
            Y4[a + iy, :, ix] = X4[a + iy, :, ix]
    if count == 0:
        target_flags[a:b] = 0
        return 0
    if count > DENSE_FRACTION * n * tx:
        previous, last = _states_generations(padded_rows(source, y0, y1, K), rule, K, interrupted)
        changed = _tiles(_changed_bits(previous, last), tr).any(axis=1)  # a word is a tile's row
        target[y0:y1] = from_planes(last, width)
        target_flags[a:b] = np.where(changed, ACTIVE | DIRTY, DIRTY)
        return n * tx

    iy, ix = np.nonzero(reach)
    m = iy.size
    high, wide = tr + 2 * K, 64 + 2 * K
    row_index = ((a + iy) * tr)[:, None] + np.arange(-K, tr + K)  # (m, high), round the torus
    col_index = (ix * 64)[:, None] + np.arange(-K, 64 + K)  # (m, wide)
    stack = source[(row_index % height)[:, :, None], (col_index % width)[:, None, :]]
    previous, last = _states_generations(stack.reshape(m * high, wide), rule, K, interrupted)
    # Tile i's rows are rows i * high .. + tr of the last generation (its
    # first K rows were the ring), row + 1 of the generation before.
    # Only those rows' middle 64 cells (a word) are taken.
    keep = ((np.arange(m) * high)[:, None] + np.arange(tr)).ravel()
    new = _middle_word(last[:, keep], K)
    diff = _changed_bits(_middle_word(previous[:, keep + 1], K), new)  # no 1-row offset here: rows match
    changed = diff.reshape(m, tr).any(axis=1)
    Y4[a + iy, :, ix] = from_planes(new, 64).reshape(m, tr, 64)
    flags = np.where(reach, DIRTY, np.uint8(0)).astype(np.uint8)
    flags[iy[changed], ix[changed]] |= ACTIVE
    target_flags[a:b] = flags
    return m
