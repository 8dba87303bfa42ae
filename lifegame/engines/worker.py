"""The worker-process half of :mod:`lifegame.engines.parallel`: band kernels and shared memory.

Every function here runs inside a worker process (or a worker thread, or in
the parent when it computes a band itself).  The module is preloaded by the
forkserver, so it must stay cheap to import and must never import pygame:
it needs only numpy and the pygame-free core (board, environment, protocol,
rules).

A *band task* computes ``k`` generations of rows ``y0 .. y1 - 1`` of a torus
of height ``H``.  Cell ``(y, x)`` after ``k`` generations depends only on
rows ``y - k .. y + k`` (mod ``H``), so the task reads the band plus ``k``
*halo* (ghost) rows on each side -- rows taken modulo ``H``, which is exact
even when the halo wraps onto the band itself (the padded block is simply a
piece of the periodic unrolling of the torus) -- and each generation the
block loses one row at each end.  Two kernels implement that contract::

    kernel(padded: uint8[h + 2k, w], rule, k) -> uint8[h, w]

``"fast"``       the vectorised kernel (:func:`lifegame.engines.fast.step_band`);
``"coroutine"``  the seed's coroutines: the worker is the *environment* of its
                 band, answering ``Query`` from band + halo and applying
                 ``Transition`` (Effective Python, Item 41's point).
"""

from __future__ import annotations

import mmap
import os
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from ..board import Board
from ..environment import Stepper
from ..protocol import simulate
from ..rules import Rule

from .bitpack import pack, unpack, words_for
from .fast import kernel_for
from .fast import step_band as _fast_step_band

__all__ = [
    "KERNELS",
    "BandKernel",
    "step_band_fast",
    "step_band_coroutine",
    "padded_rows",
    "step_words_band",
    "shared_layout",
    "encode",
    "decode",
    "pack_into",
    "unpack_into",
    "run_band",
    "run_band_shared",
    "worker_pid",
    "init_worker",
    "forget_attachments",
]

BandKernel = Callable[[np.ndarray, Rule, int], np.ndarray]


def step_band_fast(padded: np.ndarray, rule: Rule, generations: int) -> np.ndarray:
    """``generations`` generations of the middle rows of ``padded`` with the vectorised kernel."""
    return _fast_step_band(padded, rule, generations)


def step_band_coroutine(padded: np.ndarray, rule: Rule, generations: int) -> np.ndarray:
    """The same contract as :func:`step_band_fast`, computed by the seed's coroutines.

    Each generation, a :class:`~lifegame.environment.Stepper` is the
    environment of the local block of ``L`` rows: ``simulate(L, w, rule,
    rows=range(1, L - 1))`` steps every row but the first and the last, so
    every ``Query`` it makes asks for a row inside the block (no vertical
    wrap is ever needed; the stepper's ``y % L`` is a no-op) while columns wrap
    around the torus as usual.  The new block is the ``L - 2`` stepped rows.
    """
    block = np.ascontiguousarray(padded, dtype=np.uint8)
    for _ in range(generations):
        rows, width = block.shape
        if rows < 3:
            raise ValueError(f"band block of {rows} rows cannot advance (needs a halo row on each side)")
        sim = simulate(rows, width, rule, rows=range(1, rows - 1))
        stepper = Stepper(Board(rows, width, block), rule, sim=sim)
        stepper.run()  # one whole generation: runs until TICK
        block = stepper.board.cells[1 : rows - 1]
    return np.ascontiguousarray(block)


KERNELS: dict[str, BandKernel] = {"fast": step_band_fast, "coroutine": step_band_coroutine}


def padded_rows(cells: np.ndarray, y0: int, y1: int, halo: int) -> np.ndarray:
    """Rows ``y0 - halo .. y1 + halo - 1`` of ``cells``, taken modulo its height.

    A view when no wrap is needed (no copy: the kernels only read it), else a
    new array built from the torus (the halo may wrap more than once round a
    short board).
    """
    height = cells.shape[0]
    start, stop = y0 - halo, y1 + halo
    if start >= 0 and stop <= height:
        return cells[start:stop]
    return np.take(cells, np.arange(start, stop) % height, axis=0)


# Two scratch buffers per worker, reused from batch to batch: fresh arrays of
# a band's size would page-fault on every generation, which costs as much as
# computing it.
_SCRATCH: list[np.ndarray] = []


def _scratch(words: int) -> list[np.ndarray]:
    if not _SCRATCH or _SCRATCH[0].size < words:
        _SCRATCH[:] = [np.empty(words, np.uint64) for _ in range(2)]
    return _SCRATCH


def step_words_band(
    padded: np.ndarray, rule: Rule, width: int, generations: int, out: np.ndarray | None = None
) -> np.ndarray:
    """:func:`step_band_fast` on bit-packed rows (``uint64`` words, :mod:`.bitpack` layout).

    ``padded`` is ``(h + 2 * generations, words_for(width))``; the band's ``h``
    new rows are written into ``out`` when given (a C-contiguous slice of the
    shared board: the last generation lands there directly) and returned.
    Keeping the shared board packed spares a pack and an unpack of the band
    per batch and moves 8x fewer bytes.
    """
    kernel = kernel_for(rule, width)
    rows, nwords = padded.shape
    if rows < 2 * generations + 1:
        raise ValueError(f"a band with {generations} halo rows each side needs more than {2 * generations} rows")
    buffers = _scratch(rows * nwords)
    current = np.ascontiguousarray(padded, dtype=np.uint64)
    for i in range(generations):
        n = current.shape[0] - 2
        if i == generations - 1 and out is not None:
            following = out
        else:
            following = buffers[i % 2][: n * nwords].reshape(n, nwords)
        kernel.rows(current, following)
        current = following
    return current


def shared_layout(kernel: str, shape: tuple[int, int]) -> tuple[tuple[int, int], np.dtype]:
    """Shape and dtype of a board of ``shape`` in shared memory, for ``kernel``.

    The fast kernel keeps the board bit-packed (``words_for(w)`` ``uint64`` per
    row); the coroutine kernel reads cells, one ``uint8`` each.
    """
    height, width = shape
    if kernel == "fast":
        return (height, words_for(width)), np.dtype(np.uint64)
    return (height, width), np.dtype(np.uint8)


def encode(kernel: str, cells: np.ndarray) -> np.ndarray:
    """Cells (``uint8`` 0/1) in the shared layout of ``kernel``."""
    return pack(np.ascontiguousarray(cells, dtype=np.uint8)) if kernel == "fast" else cells


def decode(kernel: str, data: np.ndarray, width: int) -> np.ndarray:
    """A new ``uint8`` 0/1 cell array from the shared layout of ``kernel``."""
    return unpack(data, width) if kernel == "fast" else np.array(data, dtype=np.uint8)


def pack_into(cells: np.ndarray, words: np.ndarray) -> None:
    """Pack ``cells`` (``(h, w)`` uint8 0/1) into ``words`` (``(h, words_for(w))`` uint64), in place.

    A few hundred rows at a time, so the packed temporary stays in cache.
    Same bits as :func:`lifegame.engines.bitpack.pack`.
    """
    h, width = cells.shape
    nbytes = words.shape[1] * 8
    chunk = max(1, (1 << 20) // max(1, width))  # ~1 MB of cells
    for r in range(0, h, chunk):
        bits = np.packbits(cells[r : r + chunk], axis=1, bitorder="little")
        if bits.shape[1] != nbytes:
            bits = np.concatenate([bits, np.zeros((bits.shape[0], nbytes - bits.shape[1]), np.uint8)], axis=1)
        words[r : r + chunk] = bits.view(np.uint64)


def unpack_into(words: np.ndarray, out: np.ndarray, width: int) -> None:
    """Unpack ``words`` (``(h, W)``, :mod:`.bitpack` layout) into ``out`` (``(h, width)`` uint8, all 0).

    A few hundred rows at a time, so the unpacked temporary stays in cache
    and ``out`` is written once; blocks of rows with no live cell are skipped
    (``out`` is already 0 there and its pages are never touched: sparse
    boards stay cheap).
    """
    h = words.shape[0]
    chunk = max(1, (1 << 20) // max(1, width))
    for r in range(0, h, chunk):
        block = words[r : r + chunk]
        if not block.any():
            continue
        as_bytes = np.ascontiguousarray(block).view(np.uint8)
        out[r : r + chunk] = np.unpackbits(as_bytes, axis=1, count=width, bitorder="little")


def run_band(padded: np.ndarray, rule: Rule, generations: int, kernel: str) -> np.ndarray:
    """Pickled-band task: ``padded`` in (band + halo rows), the band's new rows out."""
    return KERNELS[kernel](padded, rule, generations)


# -- shared memory ---------------------------------------------------------------
#
# The parent owns two segments per board shape (current and next) and alone
# creates and unlinks them.  A worker maps a segment by name the first time a
# task names it and keeps the mapping for the next tasks (a band task per batch
# of generations would otherwise pay a shm_open + mmap each time).  Only the
# few most recent mappings are kept, so segments the parent has unlinked are
# unmapped and their memory really goes back to the system.
#
# On POSIX the worker maps the segment itself instead of using
# ``SharedMemory(name)``: before Python 3.13 attaching registers the segment
# with the resource tracker, which may then unlink it behind the parent's back
# when a worker exits (CPython gh-82300).

_ATTACHED: OrderedDict[str, Any] = OrderedDict()
_KEEP = 4  # mappings kept per worker: current + next of this board, and of one more


def _map(name: str) -> Any:
    if os.name == "posix":
        import _posixshmem  # the module SharedMemory itself uses

        fd = _posixshmem.shm_open("/" + name, os.O_RDWR, mode=0o600)
        try:
            return mmap.mmap(fd, os.fstat(fd).st_size)
        finally:
            os.close(fd)
    from multiprocessing.shared_memory import SharedMemory  # Windows: no tracker involved

    return SharedMemory(name=name)


def _buffer(mapping: Any) -> Any:
    return mapping if isinstance(mapping, mmap.mmap) else mapping.buf


def _close(mapping: Any) -> None:
    try:
        mapping.close()
    except BufferError:  # a view is still alive somewhere; the GC will unmap it
        pass


def _attach(name: str) -> Any:
    mapping = _ATTACHED.get(name)
    if mapping is None:
        mapping = _ATTACHED[name] = _map(name)
        while len(_ATTACHED) > _KEEP:
            _close(_ATTACHED.popitem(last=False)[1])
    else:
        _ATTACHED.move_to_end(name)
    return mapping


def _array(name: str, shape: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    count = shape[0] * shape[1]
    return np.frombuffer(_buffer(_attach(name)), dtype=dtype, count=count).reshape(shape)


def forget_attachments() -> None:
    """Unmap every cached segment (tests; a worker never needs to)."""
    while _ATTACHED:
        _close(_ATTACHED.popitem()[1])


def run_band_shared(
    src: str,
    dst: str,
    shape: tuple[int, int],
    y0: int,
    y1: int,
    generations: int,
    rule: Rule,
    kernel: str,
) -> int:
    """Shared-memory task: read band + halo from segment ``src``, write the band into ``dst``.

    ``shape`` is the board's ``(height, width)`` in cells; the segments hold
    it in :func:`shared_layout`.  Only names, numbers and the rule cross the
    process boundary.  Returns the number of rows written.
    """
    layout, dtype = shared_layout(kernel, shape)
    current = _array(src, layout, dtype)
    following = _array(dst, layout, dtype)
    padded = padded_rows(current, y0, y1, generations)
    if kernel == "fast":
        step_words_band(padded, rule, shape[1], generations, out=following[y0:y1])
    else:
        following[y0:y1] = KERNELS[kernel](padded, rule, generations)
    del current, following, padded  # drop the views so an evicted mapping can close
    return y1 - y0


WORKER_NICENESS = 5


def init_worker(parent_pid: int, interval: float = 0.5) -> None:
    """Pool initializer: lower this worker's priority a little, and make it exit
    when the program that started it is gone.

    A ProcessPoolExecutor's workers outlive a parent that is SIGKILLed: they
    hold both ends of their call queue (and, under forkserver, the pipe that
    would tell the forkserver to stop), so nothing ever wakes them.  A daemon
    thread checks every ``interval`` seconds that ``parent_pid`` still exists
    (and, when it is the direct parent, that we were not re-parented).
    """
    import threading
    import time

    # Workers compute in bulk; the process that started them may be a window
    # that must draw a frame every 16 ms.  On a machine with no spare core a
    # slightly lower priority lets the window's thread in first.
    try:
        os.nice(WORKER_NICENESS)
    except (AttributeError, OSError):  # pragma: no cover - no nice() here
        pass
    direct = os.getppid() == parent_pid

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # pragma: no cover - the pid was reused by another user
                os._exit(0)
            if direct and os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, name="lifegame-parent-watch", daemon=True).start()


def worker_pid(delay: float = 0.0) -> int:
    """This process's id, after ``delay`` seconds (tests and pool warm-up use it)."""
    if delay:
        import time

        time.sleep(delay)
    return os.getpid()
