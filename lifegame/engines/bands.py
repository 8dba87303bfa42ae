"""Band kernels: ``K`` generations of a band of rows from the band and its halo rows.

A *band* is rows ``y0 .. y1 - 1`` of a torus of height ``H``.  Cell ``(y, x)``
after ``K`` generations depends only on rows ``y - K .. y + K`` (mod ``H``), so
the band's next rows come from the band plus ``K`` *halo* (ghost) rows on each
side, taken modulo ``H`` (:func:`padded_rows`; exact even when the halo wraps
onto the band itself: the padded block is a piece of the periodic unrolling of
the torus).  Each generation the block loses one valid row at each end::

    padded: layout[h + 2K rows]  --K generations-->  layout[h rows]

One :class:`BandKernel` object per kind knows everything about its kind, for
the parent (:mod:`.parallel`) and the workers (:mod:`.worker`) alike:

* the *layout* of a board in shared memory (:meth:`BandKernel.layout`,
  :attr:`BandKernel.dtype`) and how cells go in and come out of it
  (:meth:`BandKernel.load`, :meth:`BandKernel.read`);
* the band step on that layout (:meth:`BandKernel.step`), and on plain cells
  for bands that travel by value (:meth:`BandKernel.step_cells`);
* how many generations a task should carry (:attr:`BandKernel.batch`) and how
  the status line names a pool running it (:meth:`BandKernel.describe`).

:data:`FAST_BANDS`   the bit-packed kernel: the board is packed ``uint64`` words
                     (8x fewer bytes to share), the band step is
                     :meth:`~.bitpack.RowKernel.rows` per generation;
:data:`STATES_BANDS` multi-state rules (Generations, History): one ``uint8``
                     state per cell, the band step is
                     :meth:`~.fast.StatesKernel.rows` per generation (the live
                     plane packed through the kernel of ``rule.base``, then
                     :meth:`~lifegame.rules.RuleBase.state_table`);
:data:`COROUTINE_BANDS`  the seed's coroutines: one ``uint8`` per cell, and for
                     each generation a :class:`~lifegame.environment.Stepper` is
                     the *environment* of the band, answering ``Query`` from
                     band + halo and applying ``Transition`` (any rule: its
                     own ``census``).

A kernel is chosen per rule: :meth:`BandKernel.for_rule` (``FAST_BANDS``
hands a rule with more than two states to ``STATES_BANDS``: packed bits hold
only two), so an engine made with ``FAST_BANDS`` runs every family.

A step may be *interrupted*: it calls ``interrupted()`` between generations
(and, for the coroutines, between slices of instructions) and raises
:class:`Interrupted` when that says so.  Workers pass their pool's interrupt
event here, so closing or cancelling never has to kill a process.

The kernels are stateless module-level singletons; they pickle by name, so a
task message that carries one arrives in the worker as the same object.
Nothing here imports pygame.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np

from ..board import Board
from ..environment import Stepper
from ..protocol import simulate
from ..rules import RuleBase
from .bitpack import words_for
from .coroutine import SLICE_INSTRUCTIONS
from .fast import kernel_for, states_kernel_for

__all__ = [
    "BandKernel",
    "FastBands",
    "StatesBands",
    "CoroutineBands",
    "FAST_BANDS",
    "STATES_BANDS",
    "COROUTINE_BANDS",
    "Interrupted",
    "Interrupt",
    "padded_rows",
    "pack_into",
    "unpack_into",
    "scratch_buffers",
    "SLICE_INSTRUCTIONS",
]

Interrupt = Callable[[], bool]
"""Asked between pieces of a band step: ``True`` means stop now."""

class Interrupted(Exception):
    """A band step stopped because its pool asked it to (cancel or close); its rows are not valid."""


def padded_rows(cells: np.ndarray, y0: int, y1: int, halo: int) -> np.ndarray:
    """Rows ``y0 - halo .. y1 + halo - 1`` of ``cells`` (any layout), taken modulo its height.

    A view when no wrap is needed (no copy: the kernels only read it), else a
    new array built from the torus (the halo may wrap more than once round a
    short board).
    """
    height = cells.shape[0]
    start, stop = y0 - halo, y1 + halo
    if start >= 0 and stop <= height:
        return cells[start:stop]
    return np.take(cells, np.arange(start, stop) % height, axis=0)


def _check_padded(rows: int, generations: int) -> None:
    if rows < 2 * generations + 1:
        raise ValueError(
            f"a band with {generations} halo rows each side needs more than {2 * generations} rows, got {rows}"
        )


class BandKernel(ABC):
    """One kind of band computation (see the module docstring); subclasses are stateless."""

    batch: int
    """Generations per task by default: ``K``, the halo height."""
    dtype: np.dtype
    """Element type of the shared layout."""

    def __init__(self, global_name: str) -> None:
        self._global_name = global_name

    def __reduce__(self) -> str:
        # Pickled as a reference to the module-level instance (pickle's
        # documented protocol: a string names a global of the object's module).
        return self._global_name

    def __repr__(self) -> str:
        return self._global_name

    def for_rule(self, rule: RuleBase) -> BandKernel:
        """The kernel that runs bands under ``rule``: this one, unless its layout cannot hold the rule's states."""
        return self

    @abstractmethod
    def layout(self, shape: tuple[int, int]) -> tuple[int, int]:
        """The shape, in :attr:`dtype` elements, of a board of ``shape`` cells in shared memory."""

    @abstractmethod
    def load(self, cells: np.ndarray, target: np.ndarray) -> None:
        """Write ``cells`` (``(h, w)`` uint8 states) into ``target`` (``(h, ...)`` in the layout), in place."""

    @abstractmethod
    def read(self, source: np.ndarray, out: np.ndarray) -> None:
        """Write ``source`` (layout rows) into ``out`` (``(h, w)`` uint8, all 0 on entry), in place."""

    @abstractmethod
    def step(
        self,
        padded: np.ndarray,
        rule: RuleBase,
        width: int,
        generations: int,
        out: np.ndarray | None = None,
        interrupted: Interrupt | None = None,
    ) -> np.ndarray:
        """``generations`` generations of the band inside ``padded`` (layout rows, band + halo) under ``rule``.

        ``rule`` is one this kernel runs (:meth:`for_rule` gave this kernel for it).

        Returns the band's ``h = rows - 2 * generations`` new rows in the
        layout, written into ``out`` when given.  Raises :class:`Interrupted`
        when ``interrupted()`` says so.
        """

    def step_cells(
        self, padded: np.ndarray, rule: RuleBase, generations: int, interrupted: Interrupt | None = None
    ) -> np.ndarray:
        """:meth:`step` on cells: ``(h + 2K, w)`` uint8 in, a new ``(h, w)`` uint8 array out."""
        padded = np.ascontiguousarray(padded, dtype=np.uint8)
        rows, width = padded.shape
        _check_padded(rows, generations)
        data = np.empty(self.layout((rows, width)), self.dtype)
        self.load(padded, data)
        result = self.step(data, rule, width, generations, interrupted=interrupted)
        out = np.zeros((result.shape[0], width), np.uint8)
        self.read(result, out)
        return out

    @abstractmethod
    def describe(self, workers: int) -> str:
        """The status line's phrase for a pool of ``workers`` processes running this kernel."""


def _workers(n: int) -> str:
    return f"{n} worker" if n == 1 else f"{n} workers"


# -- the bit-packed kernel ---------------------------------------------------------


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


# Two scratch buffers per thread, reused from batch to batch: fresh arrays of a
# band's size would page-fault on every generation, which costs as much as
# computing it.  Per thread because a thread-pool executor runs several bands
# of one process at once.
_local = threading.local()


def scratch_buffers(words: int) -> list[np.ndarray]:
    buffers: list[np.ndarray] | None = getattr(_local, "scratch", None)
    if buffers is None or buffers[0].size < words:
        buffers = _local.scratch = [np.empty(words, np.uint64) for _ in range(2)]
    return buffers


class FastBands(BandKernel):
    """Bands of bit-packed rows (``words_for(w)`` ``uint64`` per row), stepped by the packed kernel.

    Keeping the shared board packed spares a pack and an unpack of every band
    per batch and moves 8x fewer bytes.  The packed kernel is cheap per
    generation, so a task carries 32 generations to amortise its round trip
    (~1 ms) and the barrier between batches (measured best at 4096^2 and
    8192^2 on two cores; the halo work, 2K/h, stays small).
    """

    batch = 32
    dtype = np.dtype(np.uint64)

    def for_rule(self, rule: RuleBase) -> BandKernel:
        """Itself for two-state rules (Life-like and isotropic), :data:`STATES_BANDS` for more states."""
        return self if rule.states == 2 else STATES_BANDS

    def layout(self, shape: tuple[int, int]) -> tuple[int, int]:
        return shape[0], words_for(shape[1])

    def load(self, cells: np.ndarray, target: np.ndarray) -> None:
        pack_into(cells, target)

    def read(self, source: np.ndarray, out: np.ndarray) -> None:
        unpack_into(source, out, out.shape[1])

    def step(
        self,
        padded: np.ndarray,
        rule: RuleBase,
        width: int,
        generations: int,
        out: np.ndarray | None = None,
        interrupted: Interrupt | None = None,
    ) -> np.ndarray:
        rows, nwords = padded.shape
        _check_padded(rows, generations)
        kernel = kernel_for(rule, width)
        buffers = scratch_buffers(rows * nwords)
        current = np.ascontiguousarray(padded, dtype=np.uint64)
        for i in range(generations):
            if interrupted is not None and interrupted():
                raise Interrupted
            n = current.shape[0] - 2
            if i == generations - 1 and out is not None:
                following = out  # the last generation lands in the shared board directly
            else:
                following = buffers[i % 2][: n * nwords].reshape(n, nwords)
            kernel.rows(current, following)
            current = following
        if generations == 0:
            if out is None:
                return np.array(current)
            out[...] = current
            return out
        return current if out is not None else np.array(current)

    def describe(self, workers: int) -> str:
        return f"process pool, {_workers(workers)}"


# -- the coroutine kernel ----------------------------------------------------------------


class ByteBands(BandKernel):
    """Band kernels whose shared board is the cells themselves: one ``uint8`` state a cell, unpacked."""

    dtype = np.dtype(np.uint8)

    def layout(self, shape: tuple[int, int]) -> tuple[int, int]:
        return shape

    def load(self, cells: np.ndarray, target: np.ndarray) -> None:
        target[...] = cells

    def read(self, source: np.ndarray, out: np.ndarray) -> None:
        out[...] = source


class CoroutineBands(ByteBands):
    """Bands of cells (one ``uint8`` each), stepped by the seed's coroutines.

    Each generation a :class:`~lifegame.environment.Stepper` is the
    environment of the block of ``L`` rows: ``simulate(L, w, rule,
    rows=range(1, L - 1))`` steps every row but the first and the last, so
    every ``Query`` asks for a row inside the block (no vertical wrap is ever
    needed) while columns wrap round the torus as usual; the new block is the
    ``L - 2`` stepped rows.  The coroutines are slow per cell, so a task
    carries one generation: a batch would only add halo work.
    """

    batch = 1

    def step(
        self,
        padded: np.ndarray,
        rule: RuleBase,
        width: int,
        generations: int,
        out: np.ndarray | None = None,
        interrupted: Interrupt | None = None,
    ) -> np.ndarray:
        _check_padded(padded.shape[0], generations)
        block = np.ascontiguousarray(padded, dtype=np.uint8)
        for _ in range(generations):
            rows = block.shape[0]
            sim = simulate(rows, width, rule, rows=range(1, rows - 1), census=rule.census)
            stepper = Stepper(Board(rows, width, block), rule, sim=sim, census=rule.census)
            # Slices of instructions, the interrupt looked at between them: a
            # generation of a large band takes seconds.
            while not stepper.run(max_instructions=SLICE_INSTRUCTIONS):
                if interrupted is not None and interrupted():
                    raise Interrupted
            block = stepper.board.cells[1 : rows - 1]
        if out is None:
            return np.ascontiguousarray(block)
        out[...] = block
        return out

    def describe(self, workers: int) -> str:
        return f"coroutines in a process pool, {_workers(workers)}"


# -- the multi-state kernel ------------------------------------------------------------


class StatesBands(ByteBands):
    """Bands of cell states (one ``uint8`` each) under a rule of any family, by :class:`~.fast.StatesKernel`.

    The parallel engine's kernel for multi-state rules (:meth:`FastBands.for_rule`).
    The block is turned into bit planes once a task, stepped ``K`` generations
    and turned back (:meth:`~.fast.StatesKernel.steps`); a task carries 8
    generations: the round trip, the barrier and the conversions are small
    beside them, and the halo work (2K rows per band) stays a few per cent.
    """

    batch = 8

    def step(
        self,
        padded: np.ndarray,
        rule: RuleBase,
        width: int,
        generations: int,
        out: np.ndarray | None = None,
        interrupted: Interrupt | None = None,
    ) -> np.ndarray:
        _check_padded(padded.shape[0], generations)

        def check() -> None:
            if interrupted is not None and interrupted():
                raise Interrupted

        # The block stays in bit planes across the batch's generations.
        return states_kernel_for(rule, width).steps(padded, generations, out=out, between=check)

    def describe(self, workers: int) -> str:
        return f"process pool, {_workers(workers)}"


FAST_BANDS = FastBands("FAST_BANDS")
STATES_BANDS = StatesBands("STATES_BANDS")
COROUTINE_BANDS = CoroutineBands("COROUTINE_BANDS")
