"""Boards in shared memory: the parent creates and unlinks segments, workers attach to them by name.

Parent side, :class:`SharedBoard`: two segments, *current* and *next*, of one
board shape in a band kernel's layout (:mod:`.bands`).  Segments are created
with :class:`multiprocessing.shared_memory.SharedMemory`, so the resource
tracker unlinks them even when the parent is SIGKILLed; a normal exit, an
exception or a signal that unwinds the ``with`` blocks unlinks them through
:meth:`SharedBoard.release`.  Names (``lg<pid>_<random>``) are never reused,
so a worker's cached mapping cannot alias a new segment.

Worker side, :func:`attach`: map a segment by name and keep the mapping for the
next tasks (a task per batch of generations would otherwise pay an open and an
mmap each time).  Only the few most recent mappings are kept, so segments the
parent has unlinked are unmapped and their memory goes back to the system.

How a worker attaches: before Python 3.13, ``SharedMemory(name)`` registers the
segment with the resource tracker, which may then unlink it behind the
parent's back or warn about a "leak" (CPython gh-82300; the ``track=False``
that fixes it arrives in 3.13).  On Linux a POSIX shared-memory object *is*
the file ``/dev/shm/<name>`` (shm_overview(7)), so the worker opens that file
with :func:`os.open` and maps it with :mod:`mmap`: public calls only, and no
tracker involved.  Elsewhere it falls back to ``SharedMemory(name)``, whose
registration is harmless with the forkserver (the workers share the parent's
tracker, which forgets the name when the parent unlinks it).
"""

from __future__ import annotations

import mmap
import os
import secrets
from collections import OrderedDict
from collections.abc import Callable
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from .bands import BandKernel

__all__ = ["SharedBoard", "attach", "attach_flags", "SHM_DIR", "SEGMENT_PREFIX"]

SHM_DIR = "/dev/shm"
SEGMENT_PREFIX = "lg"
"""Segment names are ``lg<parent pid>_<10 hex digits>``."""

RowSlices = Callable[[int, Callable[[int, int], None]], None]
"""``slices(height, fn)`` calls ``fn(y0, y1)`` over row ranges covering ``0 .. height`` (maybe in threads)."""


class SharedBoard:
    """Two shared-memory buffers, *current* and *next*, for boards of one shape and band kernel.

    With ``tiles`` (``(rows, columns)`` of tiles) each segment also holds one
    flag byte per tile after the board (:mod:`.activity`), at
    :attr:`flags_offset`; :attr:`flags` are the parent's views of them.
    """

    def __init__(self, shape: tuple[int, int], kernel: BandKernel, tiles: tuple[int, int] | None = None) -> None:
        self.shape = shape
        self.kernel = kernel
        self.tiles = tiles
        self.layout = kernel.layout(shape)
        self.flags_offset = self.layout[0] * self.layout[1] * kernel.dtype.itemsize
        size = self.flags_offset + (tiles[0] * tiles[1] if tiles else 0)
        self.segments: list[shared_memory.SharedMemory] = []
        try:
            for _ in range(2):
                name = f"{SEGMENT_PREFIX}{os.getpid()}_{secrets.token_hex(5)}"
                self.segments.append(shared_memory.SharedMemory(name=name, create=True, size=size))
        except BaseException:
            self.release()
            raise
        self.arrays: list[np.ndarray] | None = [
            np.ndarray(self.layout, dtype=kernel.dtype, buffer=segment.buf) for segment in self.segments
        ]
        self.flags: list[np.ndarray] | None = (
            [np.ndarray(tiles, dtype=np.uint8, buffer=s.buf, offset=self.flags_offset) for s in self.segments]
            if tiles else None
        )
        self.current = 0

    @property
    def names(self) -> tuple[str, str]:
        """``(current, next)`` segment names, as the workers attach to them."""
        return self.segments[self.current].name, self.segments[1 - self.current].name

    def load(self, cells: np.ndarray, slices: RowSlices | None = None) -> None:
        """Write ``cells`` into *current* in the kernel's layout (by ``slices`` of rows, when given)."""
        assert self.arrays is not None
        target = self.arrays[self.current]
        cells = np.ascontiguousarray(cells, dtype=np.uint8)
        self._by_rows(slices, lambda y0, y1: self.kernel.load(cells[y0:y1], target[y0:y1]))

    @property
    def current_flags(self) -> np.ndarray:
        """The tile flags of *current* (with ``tiles`` only)."""
        assert self.flags is not None
        return self.flags[self.current]

    def swap(self) -> None:
        self.current = 1 - self.current

    def read(self, slices: RowSlices | None = None) -> np.ndarray:
        """A new C-contiguous ``uint8`` cell array of *current*."""
        assert self.arrays is not None
        source = self.arrays[self.current]
        # np.zeros leaves pages untouched until written: slices fault in their
        # own rows, and rows with no live cell may never be touched.
        out = np.zeros(self.shape, np.uint8)
        self._by_rows(slices, lambda y0, y1: self.kernel.read(source[y0:y1], out[y0:y1]))
        return out

    def _by_rows(self, slices: RowSlices | None, fn: Callable[[int, int], None]) -> None:
        if slices is None:
            fn(0, self.shape[0])
        else:
            slices(self.shape[0], fn)

    def release(self) -> None:
        """Unmap and unlink both segments (idempotent; never raises)."""
        self.arrays = self.flags = None  # drop our views first, or the mmap refuses to close
        for segment in self.segments:
            try:
                segment.close()
            except BufferError:  # a view escaped; it is unmapped when collected
                pass
            try:
                segment.unlink()
            except FileNotFoundError:
                pass
        self.segments = []


# -- the worker side -------------------------------------------------------------------

_ATTACHED: OrderedDict[str, Any] = OrderedDict()
_KEEP = 4  # mappings kept per worker: current + next of this board, and of one more


def _map(name: str) -> Any:
    path = os.path.join(SHM_DIR, name)
    if os.path.isdir(SHM_DIR):
        fd = os.open(path, os.O_RDWR)
        try:
            return mmap.mmap(fd, os.fstat(fd).st_size)
        finally:
            os.close(fd)  # the mapping keeps the object alive, not the descriptor
    return shared_memory.SharedMemory(name=name)


def _buffer(mapping: Any) -> Any:
    return mapping if isinstance(mapping, mmap.mmap) else mapping.buf


def _close(mapping: Any) -> None:
    try:
        mapping.close()
    except BufferError:  # a view is still alive somewhere; the GC will unmap it
        pass


def _mapping(name: str) -> Any:
    mapping = _ATTACHED.get(name)
    if mapping is None:
        mapping = _ATTACHED[name] = _map(name)
        while len(_ATTACHED) > _KEEP:
            _close(_ATTACHED.popitem(last=False)[1])
    else:
        _ATTACHED.move_to_end(name)
    return mapping


def attach(name: str, layout: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    """The segment ``name`` as a ``layout`` array of ``dtype`` (mapped once, then cached)."""
    count = layout[0] * layout[1]
    return np.frombuffer(_buffer(_mapping(name)), dtype=dtype, count=count).reshape(layout)


def attach_flags(name: str, offset: int, tiles: tuple[int, int]) -> np.ndarray:
    """The tile flags of segment ``name``: ``tiles`` bytes from ``offset`` (see :class:`SharedBoard`)."""
    count = tiles[0] * tiles[1]
    return np.frombuffer(_buffer(_mapping(name)), dtype=np.uint8, count=count, offset=offset).reshape(tiles)
