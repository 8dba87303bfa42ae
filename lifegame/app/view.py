"""The camera: cell <-> pixel arithmetic, zoom at the pointer, pan, fit.  No pygame.

World coordinates are measured in cells and are *unwrapped*: the board's own
tile covers ``0 <= y < height``, ``0 <= x < width``, and the tiles around it are
its copies (the board is a torus).  :class:`View` maps them to window pixels:

    px = (x - ox) * ppc        py = (y - oy) * ppc

``ppc`` (pixels per cell) is a whole number >= 1, or ``1 / 2**k`` when the
board is zoomed out so far that several cells share a pixel.  Whole pixel
sizes keep cells square and grid lines crisp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["View", "ZOOM_LEVELS", "MAX_PPC", "MIN_PPC", "BAR_HEIGHT", "TOP_INSET"]

BAR_HEIGHT = 28
"""Pixels at the bottom of the window taken by the status line (not part of the view)."""

TOP_INSET = 44
"""Pixels at the top of the view that "fit" keeps clear: the title chip and the
palette strip are drawn there, and a fitted board should not sit under them."""

ZOOM_LEVELS: tuple[float, ...] = (
    1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96,
)
MIN_PPC = ZOOM_LEVELS[0]
MAX_PPC = ZOOM_LEVELS[-1]


def snap_ppc(ppc: float) -> float:
    """The largest legal cell size <= ``ppc``: a whole number, or 1/2**k below 1."""
    ppc = max(MIN_PPC, min(MAX_PPC, ppc))
    if ppc >= 1:
        return float(math.floor(ppc))
    return 1.0 / (2 ** math.ceil(math.log2(1.0 / ppc) - 1e-9))


@dataclass
class View:
    """A viewport of ``width`` x ``height`` pixels onto the (unwrapped) world of cells.

    ``ox``, ``oy`` are the world coordinates (in cells, fractional) of the
    window's top-left pixel.  All methods are plain arithmetic.
    """

    width: int
    height: int
    ppc: float = 8.0
    ox: float = 0.0
    oy: float = 0.0

    # -- conversions ---------------------------------------------------------
    def world_at(self, px: float, py: float) -> tuple[float, float]:
        """World ``(y, x)`` (fractional cells) under pixel ``(px, py)``."""
        return self.oy + py / self.ppc, self.ox + px / self.ppc

    def cell_at(self, px: float, py: float) -> tuple[int, int]:
        """The unwrapped cell ``(y, x)`` under pixel ``(px, py)``; take it modulo the board size."""
        wy, wx = self.world_at(px, py)
        return math.floor(wy), math.floor(wx)

    def pixel_of(self, y: float, x: float) -> tuple[float, float]:
        """Window pixel ``(px, py)`` of the top-left corner of world point ``(y, x)``."""
        return (x - self.ox) * self.ppc, (y - self.oy) * self.ppc

    def visible_cells(self) -> tuple[int, int, int, int]:
        """``(y0, x0, y1, x1)``: the unwrapped cells that touch the window, ends exclusive."""
        y0, x0 = math.floor(self.oy), math.floor(self.ox)
        y1 = math.ceil(self.oy + self.height / self.ppc)
        x1 = math.ceil(self.ox + self.width / self.ppc)
        return y0, x0, max(y1, y0 + 1), max(x1, x0 + 1)

    # -- moving --------------------------------------------------------------
    def resize(self, width: int, height: int) -> None:
        """The window changed size; keep the world point at its centre in the centre."""
        cy, cx = self.world_at(self.width / 2, self.height / 2)
        self.width, self.height = max(1, width), max(1, height)
        self.center_on(cy, cx)

    def center_on(self, y: float, x: float) -> None:
        self.ox = x - self.width / (2 * self.ppc)
        self.oy = y - self.height / (2 * self.ppc)

    def pan_pixels(self, dx: float, dy: float) -> None:
        """Move the picture by ``(dx, dy)`` pixels (the world follows the mouse)."""
        self.ox -= dx / self.ppc
        self.oy -= dy / self.ppc

    def set_ppc_at(self, ppc: float, px: float, py: float) -> None:
        """Change the cell size, keeping the world point under pixel ``(px, py)`` fixed."""
        wy, wx = self.world_at(px, py)
        self.ppc = ppc
        self.ox = wx - px / ppc
        self.oy = wy - py / ppc

    def zoom_at(self, steps: int, px: float, py: float) -> None:
        """Zoom ``steps`` levels in (positive) or out (negative) about pixel ``(px, py)``."""
        if steps == 0:
            return
        if steps > 0:
            bigger = [z for z in ZOOM_LEVELS if z > self.ppc + 1e-9]
            target = bigger[min(steps, len(bigger)) - 1] if bigger else self.ppc
        else:
            smaller = [z for z in ZOOM_LEVELS if z < self.ppc - 1e-9]
            target = smaller[-min(-steps, len(smaller))] if smaller else self.ppc
        self.set_ppc_at(target, px, py)

    def fit(self, top: float, left: float, rows: float, cols: float, margin: int = 24,
            max_ppc: float = 40.0, inset_top: int = 0) -> None:
        """Zoom and pan so that the box of cells is whole and centred in the window.

        ``inset_top`` pixels at the top are left out (the window's overlays sit
        there): the box is centred in the rest.
        """
        inset_top = max(0, min(inset_top, self.height // 3))
        avail_w = max(1, self.width - 2 * margin)
        avail_h = max(1, self.height - inset_top - 2 * margin)
        ppc = min(avail_w / max(cols, 1), avail_h / max(rows, 1), max_ppc)
        self.ppc = snap_ppc(ppc)
        self.center_on(top + rows / 2, left + cols / 2)
        self.oy -= inset_top / (2 * self.ppc)

    def normalise(self, board_height: int, board_width: int) -> None:
        """Bring the origin back near the board's own tile without moving the picture.

        Panning far around the torus would otherwise make the numbers grow
        without bound; shifting by whole board sizes shows exactly the same cells.
        """
        cy, cx = self.world_at(self.width / 2, self.height / 2)
        self.oy -= math.floor(cy / board_height) * board_height
        self.ox -= math.floor(cx / board_width) * board_width
