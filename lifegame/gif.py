"""Animated GIFs of a run: :class:`GifRecorder` writes one frame per board it is given.

::

    with GifRecorder("out.gif", cell_size=4, duration_ms=100) as gif:
        gif.add(board)          # generation 0
        ...                     # one add per frame
    # the file appears, complete, when the recorder closes

Frames are streamed: each :meth:`GifRecorder.add` compresses its frame
(Pillow's GIF encoder) and writes it at once, keeping only the previous
frame's cells to write just the rectangle that changed, so memory does not
grow with the number of frames.  The file is written under a temporary
name beside the target and renamed on :meth:`~GifRecorder.close`, so a run
that fails or is interrupted leaves no half-written GIF (and no old file
of that name is lost before then).

The images are palette images, one colour a cell state: for a rule given
as ``rule=`` the window's colours of its states (:mod:`lifegame.colours`:
Generations' dying states fading, LifeHistory in Golly's hues), else 2
colours (index 0 empty, any other state alive); ``cell_size`` pixels a cell,
no grid lines.
Every frame is kept as a frame (an unchanged board gives a 1-pixel frame),
so a reader sees exactly one frame per :meth:`add`.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .board import Board
from .colours import state_colours, state_index
from .rules import RuleBase

__all__ = ["GifRecorder", "GifError", "default_cell_size", "MAX_GIF_SIDE", "TARGET_WIDTH", "MAX_CELL_SIZE"]

TARGET_WIDTH = 800
"""The default cell size keeps a GIF at most this many pixels wide (and high), down to 1 px a cell."""
MAX_CELL_SIZE = 16
"""The largest default cell size (for small boards)."""
MAX_GIF_SIDE = 65535
"""The largest side a GIF can have, in pixels."""
EMPTY = (19, 23, 30)
ALIVE = (118, 232, 164)


class GifError(ValueError):
    """A GIF that cannot be made (a board too large for the format, a frame of another size)."""


def default_cell_size(height: int, width: int, target: int = TARGET_WIDTH) -> int:
    """Pixels per cell so that the GIF is at most ``target`` pixels a side: 1 at least, :data:`MAX_CELL_SIZE` at most."""
    return max(1, min(MAX_CELL_SIZE, target // max(1, width), target // max(1, height)))


def _require_pillow():  # -> (Image, GifImagePlugin)
    try:
        from PIL import GifImagePlugin, Image
    except ImportError:
        raise GifError("writing a GIF needs Pillow: pip install Pillow") from None
    return Image, GifImagePlugin


class GifRecorder:
    """Writes boards as the frames of an animated GIF at ``path``.

    ``cell_size`` is pixels per cell (``None``: :func:`default_cell_size` of
    the first board); ``duration_ms`` the time each frame is shown
    (GIF counts hundredths of a second, so it is rounded to 10 ms);
    ``loop`` how many times viewers repeat it (0: for ever); ``colors`` the
    RGB colour of each state, 2 to 256 of them (``(empty, alive)`` by
    default; a cell in a state past the last colour is drawn alive); ``rule``
    (instead of ``colors``) the rule whose states' colours to use, as the
    window draws them.  All frames must have the first one's size.  Use it as a context manager, or call :meth:`close` (which writes
    the file) or :meth:`discard` (which does not).  Not thread-safe: one
    thread adds frames.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        cell_size: int | None = None,
        duration_ms: int = 100,
        *,
        loop: int = 0,
        colors: Sequence[tuple[int, int, int]] = (EMPTY, ALIVE),
        rule: RuleBase | None = None,
    ) -> None:
        self._image, self._plugin = _require_pillow()
        if cell_size is not None and (isinstance(cell_size, bool) or not isinstance(cell_size, int) or cell_size < 1):
            raise GifError(f"cell size must be a whole number of pixels, at least 1, got {cell_size!r}")
        if not isinstance(duration_ms, int) or isinstance(duration_ms, bool) or not 0 <= duration_ms <= 655350:
            raise GifError(f"frame duration must be 0 to 655350 ms, got {duration_ms!r}")
        self.path = Path(path)
        self.cell_size = cell_size
        self.duration_ms = duration_ms
        self.loop = loop
        if rule is not None:
            colors = state_colours(rule)
            self._index = state_index(rule, len(colors))
        else:
            if not 2 <= len(colors) <= 256:
                raise GifError(f"a GIF has 2 to 256 colours, not {len(colors)}")
            self._index = np.ones(256, np.uint8)
            self._index[0] = 0
            self._index[:len(colors)] = np.arange(len(colors))
        self.colors = tuple(tuple(int(v) for v in c) for c in colors)
        self.frames = 0
        self._previous: np.ndarray | None = None
        self._shape: tuple[int, int] | None = None
        self._file = None
        self._temp: str | None = None
        self.closed = False

    # -- frames ------------------------------------------------------------------
    def add(self, board: Board | np.ndarray) -> None:
        """Append ``board`` (a :class:`Board` or a 2-D array, non-zero alive) as the next frame."""
        if self.closed:
            raise GifError("this GIF is already closed")
        cells = board.cells if isinstance(board, Board) else np.asarray(board)
        if cells.ndim != 2 or 0 in cells.shape:
            raise GifError(f"a frame must be a non-empty 2-D grid of cells, got shape {cells.shape}")
        if cells.dtype == bool:
            cells = cells.view(np.uint8)
        elif cells.dtype != np.uint8:
            cells = np.clip(cells, 0, 255).astype(np.uint8)
        cells = self._index[cells]  # each state's colour index
        if self._shape is None:
            self._start(cells.shape)
        elif cells.shape != self._shape:
            raise GifError(f"frame {self.frames} has {cells.shape[0]}x{cells.shape[1]} cells; "
                           f"this GIF's frames have {self._shape[0]}x{self._shape[1]}")
        if self._previous is None:
            top, left, part = 0, 0, cells
        else:
            changed = cells != self._previous
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            if rows.size == 0:  # unchanged: one pixel, so that the frame still counts
                top, left, part = 0, 0, cells[:1, :1]
            else:
                top, left = int(rows[0]), int(cols[0])
                part = cells[top:int(rows[-1]) + 1, left:int(cols[-1]) + 1]
        self._write_frame(part, top, left)
        self._previous = cells.copy()
        self.frames += 1

    def _start(self, shape: tuple[int, int]) -> None:
        h, w = shape
        if self.cell_size is None:
            self.cell_size = default_cell_size(h, w)
        if h * self.cell_size > MAX_GIF_SIDE or w * self.cell_size > MAX_GIF_SIDE:
            raise GifError(f"a {h}x{w} board at {self.cell_size} px a cell is larger than a GIF can be "
                           f"({MAX_GIF_SIDE} px a side)")
        self._shape = (h, w)
        folder = self.path.parent if str(self.path.parent) else Path(".")
        fd, self._temp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".part")
        self._file = os.fdopen(fd, "wb")
        self._file.write(self._header(w * self.cell_size, h * self.cell_size))

    def _header(self, width: int, height: int) -> bytes:
        bits = max(1, (len(self.colors) - 1).bit_length())  # the table has 2^bits entries
        table = list(self.colors) + [(0, 0, 0)] * ((1 << bits) - len(self.colors))
        return b"".join([
            b"GIF89a", struct.pack("<HH", width, height),
            bytes([0x80 | (bits - 1), 0, 0]),  # a global colour table, background index 0, square pixels
            bytes(v for rgb in table for v in rgb),
            b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", self.loop) + b"\x00",
        ])

    def _write_frame(self, part: np.ndarray, top: int, left: int) -> None:
        s = self.cell_size
        assert s is not None and self._file is not None
        if s > 1:
            part = np.repeat(np.repeat(part, s, axis=0), s, axis=1)
        # The indices as they are: the global colour table gives their colours.
        image = self._image.frombuffer("P", (part.shape[1], part.shape[0]), np.ascontiguousarray(part), "raw", "P", 0, 1)
        delay = (self.duration_ms + 5) // 10
        # The graphic control extension: keep the previous frame under this one (disposal 1), the delay.
        self._file.write(b"!\xf9\x04\x04" + struct.pack("<H", delay) + b"\x00\x00")
        chunks = self._plugin.getdata(image, (left * s, top * s))
        self._file.write(b"".join(chunks))
        self._file.flush()  # the frame is on its way to the disk, not held here

    # -- the end ---------------------------------------------------------------------
    def close(self) -> Path:
        """Finish the GIF and give it its name; returns the path.  A GIF with no frame is not written (:class:`GifError`)."""
        if self.closed:
            return self.path
        if self._file is None:
            self.closed = True
            raise GifError(f"{self.path}: no frames were recorded, so no GIF was written")
        try:
            self._file.write(b";")
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(self._temp, 0o666 & ~mask)  # mkstemp makes 0600; a saved file gets ordinary permissions
            os.replace(self._temp, self.path)
            self._temp = None
        finally:
            self.closed = True
            self._cleanup()
        return self.path

    def discard(self) -> None:
        """Stop without writing the GIF (the temporary file is removed)."""
        self.closed = True
        self._cleanup()

    def _cleanup(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        if self._temp is not None:
            try:
                os.unlink(self._temp)
            except OSError:
                pass
            self._temp = None
        self._previous = None

    def __enter__(self) -> GifRecorder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()

    def __del__(self) -> None:  # a recorder dropped unclosed leaves no temporary file
        try:
            if not self.closed:
                self.discard()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<GifRecorder {str(self.path)!r} {self.frames} frames>"
