"""Draw a board onto any pygame Surface: numpy -> 8-bit surface -> one scaled blit.

Never a rectangle per cell: the visible cells (wrapped around the torus) are
cut out of the board with numpy, written into a palettised 8-bit surface with
``pygame.surfarray.blit_array`` and scaled by a whole number of pixels per
cell.  When zoomed out below one pixel per cell the board is first reduced
with an "any cell alive in the block" filter, so lone gliders never vanish.

Over the board: a stamp's preview (:meth:`BoardRenderer.draw_pattern`) and
the protocol trace's marks (:meth:`BoardRenderer.draw_trace`).

Cell colours come from the rule (:mod:`lifegame.colours`: one colour per
state).  Palette indices when zoomed in: ``0 .. n-1`` the states' colours on
the board's own tile (a look-up table from state to index, applied with
numpy), ``n .. 2n-1`` the same, dimmer, in the surrounding copies of the
torus (so that the edge of the board is visible while what lies past it is
the other side), then the grid's two lines.  Two-state rules: 0 empty,
1 alive, 2 and 3 their copies.  Zoomed out below one pixel a cell, a block
is shaded by how many of its cells are live; under a multi-state rule a block
with no live cell but some in other states (dying, history ...) shows the
first such state's colour, dimmed (:data:`OTHER_SHADE`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pygame

from ..protocol import ALIVE, EMPTY
from ..rules import CONWAY, RuleBase
from .. import colours as state_colours
from .view import View

if TYPE_CHECKING:
    from .trace import TraceRecorder

__all__ = ["Theme", "BoardRenderer", "downsample", "wrapped_region"]


class Theme:
    """The colours of the window (a dark theme)."""

    background = (13, 16, 21)
    empty = state_colours.EMPTY
    alive = state_colours.ALIVE
    ghost_empty = (11, 13, 17)
    ghost_alive = (52, 104, 78)
    grid = (31, 37, 47)
    grid_major = (45, 54, 68)
    seam = (74, 104, 160)
    text = (222, 228, 236)
    text_dim = (140, 150, 165)
    accent = (255, 206, 84)
    panel = (8, 10, 14, 215)
    preview = (120, 190, 255)
    query_alive = (118, 232, 164)
    query_alive_ring = (245, 250, 255)
    query_empty = (120, 130, 150)
    query_other = (232, 120, 232)
    """The ring of a neighbour asked in another state (dying, history ...): none of the states' hues."""
    born = (90, 200, 255)
    dies = (255, 100, 100)
    stepped = (78, 88, 108)


GRID_MIN_PPC = 5
"""Pixels per cell from which the grid's lines are drawn."""
LEVELS = 16
"""Shades used when zoomed out below one pixel per cell (0 = no cell alive in the block)."""
MAX_COLOURS = 127
"""State colours at most in the 8-bit palette (each twice, for the copies of the torus, and the grid's
two lines: 256 entries); a Generations rule with more states shares colours between dying states."""
OTHER_SHADE = 2 * LEVELS
"""Zoomed out: the palette index of a block with no live cell but some in other states (+ LEVELS in the copies)."""
GHOST = 0.41
"""How much of a state's colour its copies past the board's edge keep (over :attr:`Theme.ghost_empty`)."""


def downsample(cells: np.ndarray, k: int) -> np.ndarray:
    """Reduce ``cells`` by ``k`` (a power of two) in both axes to shades 0..15.

    A block with no live cell is 0; any live cell gives at least 1 (so a lone
    glider never vanishes: at least shade 4), a full block 15, with a square-root curve between
    so that sparse regions stay visible.  It works on whole bytes: ``k``
    adjacent 0/1 cells viewed as one wider integer have as many set bits as
    live cells, so ``np.bitwise_count`` sums them in one pass.  ``k == 2``
    only marks blocks with any live cell (full shade): that is the cheapest
    pass over the largest reduced board.
    """
    if k <= 1:
        return cells
    h, w = cells.shape
    hp, wp = -(-h // k) * k, -(-w // k) * k
    if (hp, wp) != (h, w):
        padded = np.zeros((hp, wp), dtype=np.uint8)
        padded[:h, :w] = cells
        cells = padded
    cells = np.ascontiguousarray(cells, dtype=np.uint8)
    if k == 2:
        wide = cells.view(np.uint16) != 0
        out = wide[0::2] | wide[1::2]
        return out.view(np.uint8) * np.uint8(LEVELS - 1)
    step = min(k, 8)
    counts = np.bitwise_count(cells.view({4: np.uint32, 8: np.uint64}[step]))
    while counts.shape[1] * k > wp:  # k > 8: add neighbouring words pairwise
        counts = counts[:, 0::2].astype(np.uint16) + counts[:, 1::2]
    rows = counts.reshape(hp // k, k, -1)
    total = rows[:, 0].astype(np.uint16)
    for i in range(1, k):
        total += rows[:, i]
    return _shade_table(k)[total]


_SHADES: dict[int, np.ndarray] = {}


def _shade_table(k: int) -> np.ndarray:
    table = _SHADES.get(k)
    if table is None:
        frac = np.arange(k * k + 1) / (k * k)
        table = np.clip(np.ceil(np.sqrt(frac) * (LEVELS - 1)), 4, LEVELS - 1).astype(np.uint8)
        table[0] = 0
        _SHADES[k] = table
    return table


def wrapped_region(cells: np.ndarray, y0: int, x0: int, y1: int, x1: int, ghost: int = 2,
                   lut: np.ndarray | None = None) -> np.ndarray:
    """Cells ``[y0, y1) x [x0, x1)`` of the torus (unwrapped indices), with copies marked.

    Returns a new uint8 array of palette indices: ``cells`` values (through
    ``lut``, a ``uint8[256]`` from state to index, when given), plus ``ghost``
    for cells outside the board's own tile ``[0, h) x [0, w)``.
    """
    h, w = cells.shape
    if 0 <= y0 and y1 <= h and 0 <= x0 and x1 <= w:
        inside = cells[y0:y1, x0:x1]
        return lut[inside] if lut is not None else inside.copy()
    rows = np.arange(y0, y1) % h
    cols = np.arange(x0, x1) % w
    region = np.take(np.take(cells, rows, axis=0), cols, axis=1)
    if lut is not None:
        region = lut[region]
    # The copies of the torus: whole rows above/below, whole columns left/right.
    outside_rows = (np.arange(y0, y1) < 0) | (np.arange(y0, y1) >= h)
    outside_cols = (np.arange(x0, x1) < 0) | (np.arange(x0, x1) >= w)
    region[outside_rows] += np.uint8(ghost)
    region[np.ix_(~outside_rows, outside_cols)] += np.uint8(ghost)
    return region


class BoardRenderer:
    """Draws boards through a :class:`View`; reuses its work while nothing changes.

    ``draw`` is keyed on the board's *version* (bumped by the model on every
    change): when the version, the view and the options are the same as last
    frame the previous picture is blitted again.
    """

    def __init__(self, theme: type[Theme] = Theme) -> None:
        self.theme = theme
        # Zoomed out: 16 shades from empty to alive, and the same, dimmer, in the copies.
        mix = state_colours.mix
        shades = [mix(theme.empty, theme.alive, i / (LEVELS - 1)) for i in range(LEVELS)]
        ghosts = [mix(theme.ghost_empty, theme.ghost_alive, i / (LEVELS - 1)) for i in range(LEVELS)]
        self._shaded_palette = shades + ghosts + [(0, 0, 0)] * (256 - 2 * LEVELS)
        self.rule: RuleBase | None = None
        self.set_rule(CONWAY)
        self._small: pygame.Surface | None = None
        self._big: pygame.Surface | None = None  # the zoomed-in picture with its grid
        self._picture: tuple[pygame.Surface, tuple[int, int]] | None = None  # see draw()
        self._key: tuple | None = None
        self._reduced: tuple[int, int, np.ndarray] | None = None  # (version, k, cells)

    def set_rule(self, rule: RuleBase) -> None:
        """Colour the cells as ``rule``'s states (:mod:`lifegame.colours`); the next draw redraws."""
        if rule == self.rule:
            return
        self.rule = rule
        th = self.theme
        colours = state_colours.state_colours(rule, MAX_COLOURS)
        colours[0] = th.empty
        n = len(colours)
        ghosts = [th.ghost_empty, th.ghost_alive] + [state_colours.mix(th.ghost_empty, c, GHOST) for c in colours[2:]]
        self.colours: list[tuple[int, int, int]] = colours
        """The colour of each palette entry of a state (:attr:`lut` maps states to entries)."""
        self.lut: np.ndarray | None = None if rule.states == 2 else state_colours.state_index(rule, n)
        self._lut_full = state_colours.state_index(rule, n)
        self._ghost = n
        self._grid_lines = (2 * n, 2 * n + 1)
        self._palette = colours + ghosts + [th.grid, th.grid_major] + [(0, 0, 0)] * (254 - 2 * n)
        other = state_colours.mix(th.empty, colours[min(2, n - 1)], 0.7)
        self._shaded_palette[OTHER_SHADE] = other
        self._shaded_palette[OTHER_SHADE + LEVELS] = state_colours.mix(th.ghost_empty, other, GHOST)
        self._live = rule.live_mask().view(np.uint8)
        self._key = None

    def colour_of(self, state: int) -> tuple[int, int, int]:
        """The colour a cell in ``state`` is drawn in (under the rule of :meth:`set_rule`)."""
        return self.colours[int(self._lut_full[state])]

    def _source(self, cells: np.ndarray, version: int, k: int) -> np.ndarray:
        if k <= 1:
            return cells
        if self._reduced is None or self._reduced[:2] != (version, k) or self._reduced[2] is None:
            if self.lut is None:
                reduced = downsample(cells, k)
            else:  # live cells shade the block; others only mark it (downsample counts 0/1 cells)
                reduced = downsample(self._live[cells], k)
                others = downsample((cells != 0).view(np.uint8), k)
                reduced[(reduced == 0) & (others != 0)] = OTHER_SHADE
            self._reduced = (version, k, reduced)
        return self._reduced[2]

    def draw(self, surface: pygame.Surface, cells: np.ndarray, view: View, *,
             version: int, grid: bool = True, rule: RuleBase | None = None) -> None:
        """Draw ``cells`` (uint8 states, shape (h, w)) as seen through ``view`` onto ``surface``.

        ``rule`` (when given) chooses the colours (:meth:`set_rule`).  The
        picture of the cells (8 bits a pixel, the grid in it) is made again
        only when the board, the view, the rule or the options changed; each
        frame blits it, fills what it does not cover and outlines the board.
        """
        if rule is not None and rule != self.rule:
            self.set_rule(rule)
            self._reduced = None
        key = (version, id(cells), view.ppc, view.ox, view.oy, view.width, view.height, grid)
        if key != self._key or self._picture is None:
            self._picture = self._compose(cells, view, version, grid)
            self._key = key
        image, pos = self._picture
        area = surface.get_rect()
        covered = image.get_rect(topleft=pos).clip(area)
        background = self.theme.background
        if covered.size == (0, 0):
            surface.fill(background)
        else:  # the strips around the picture: above, below, left, right
            for strip in ((area.x, area.y, area.w, covered.top - area.top),
                          (area.x, covered.bottom, area.w, area.bottom - covered.bottom),
                          (area.x, covered.y, covered.left - area.left, covered.h),
                          (covered.right, covered.y, area.right - covered.right, covered.h)):
                if strip[2] > 0 and strip[3] > 0:
                    surface.fill(background, strip)
        surface.blit(image, pos)
        self._seams(surface, view, *cells.shape)

    def _compose(self, cells: np.ndarray, view: View, version: int,
                 grid: bool) -> tuple[pygame.Surface, tuple[int, int]]:
        """The picture of the cells in ``view`` (8 bits a pixel) and where its top-left corner goes."""
        k = 1 if view.ppc >= 1 else round(1 / view.ppc)
        src = self._source(cells, version, k)
        sppc = int(view.ppc) if k == 1 else 1
        # The view in the coordinates of ``src`` (reduced cells when k > 1).
        oy, ox = view.oy / k, view.ox / k
        y0, x0 = math.floor(oy), math.floor(ox)
        y1 = math.ceil(oy + view.height / sppc)
        x1 = math.ceil(ox + view.width / sppc)
        if k == 1:
            region = wrapped_region(src, y0, x0, max(y1, y0 + 1), max(x1, x0 + 1), ghost=self._ghost, lut=self.lut)
        else:
            region = wrapped_region(src, y0, x0, max(y1, y0 + 1), max(x1, x0 + 1), ghost=LEVELS)
        n_rows, n_cols = region.shape
        left = round((x0 - ox) * sppc)
        top = round((y0 - oy) * sppc)
        if grid and k == 1 and sppc >= GRID_MIN_PPC:
            # Zoomed in with the grid: the picture is made at full size in one
            # numpy pass, cells and lines together (a line on every cell
            # boundary, a brighter one every 10 cells, as Golly does) -- a
            # third of the cost of scaling the cells and drawing each line.
            return self._gridded(region, x0, y0, sppc), (left, top)
        small = self._small
        if small is None or small.get_size() != (n_cols, n_rows):
            small = pygame.Surface((n_cols, n_rows), depth=8)
            self._small = small
        small.set_palette(self._palette if k == 1 else self._shaded_palette)
        pygame.surfarray.blit_array(small, region.T)
        big = small if sppc == 1 else pygame.transform.scale(small, (n_cols * sppc, n_rows * sppc))
        return big, (left, top)

    def _gridded(self, region: np.ndarray, x0: int, y0: int, ppc: int) -> pygame.Surface:
        """``region`` (palette indices) scaled by ``ppc`` with the grid's lines, as an 8-bit Surface."""
        n_rows, n_cols = region.shape
        picture = np.repeat(np.repeat(region.T, ppc, axis=0), ppc, axis=1)  # (x, y), as surfarray wants
        minor, major = self._grid_lines  # palette indices of the lines
        first_x, first_y = (-x0) % 10, (-y0) % 10  # the first column / row of cells at a multiple of 10
        picture[::ppc, :] = minor  # the vertical lines, then the horizontal ones over them
        picture[first_x * ppc::10 * ppc, :] = major
        picture[:, ::ppc] = minor
        picture[:, first_y * ppc::10 * ppc] = major
        big = self._big
        if big is None or big.get_size() != picture.shape:
            big = pygame.Surface(picture.shape, depth=8)
            self._big = big
        big.set_palette(self._palette)  # the rule's: it may have changed since the last picture
        pygame.surfarray.blit_array(big, picture)
        return big

    def _seams(self, surface: pygame.Surface, view: View, h: int, w: int) -> None:
        # The outline of the board's own tile: where the torus wraps.
        px0, py0 = view.pixel_of(0, 0)
        px1, py1 = view.pixel_of(h, w)
        rect = pygame.Rect(round(px0) - 1, round(py0) - 1, round(px1 - px0) + 2, round(py1 - py0) + 2)
        if rect.colliderect(surface.get_rect()) and not rect.contains(surface.get_rect()):
            pygame.draw.rect(surface, self.theme.seam, rect, 1)

    # -- overlays ------------------------------------------------------------
    def draw_pattern(self, surface: pygame.Surface, pattern: np.ndarray, view: View, y: int, x: int,
                     color: tuple[int, int, int], alpha: int = 140,
                     torus: tuple[int, int] | None = None) -> None:
        """A translucent copy of ``pattern`` with its top-left cell at world ``(y, x)``.

        With ``torus=(h, w)`` the copy is drawn wherever the board repeats in
        the window, so a pattern hanging over the board's edge is also seen
        coming back on the far side -- where stamping it will put those cells.
        """
        ph, pw = pattern.shape
        if ph == 0 or pw == 0:
            return
        small = pygame.Surface((pw, ph), depth=8)
        small.set_palette([(0, 0, 0), color] + [(0, 0, 0)] * 254)
        pygame.surfarray.blit_array(small, (pattern != 0).astype(np.uint8).T)
        small.set_colorkey(0)
        size = (max(1, round(pw * view.ppc)), max(1, round(ph * view.ppc)))
        img = pygame.transform.scale(small, size)
        img.set_colorkey(0)
        img.set_alpha(alpha)
        for cy, cx in self._copies(view, y, x, ph, pw, torus):
            px, py = view.pixel_of(cy, cx)
            surface.blit(img, (round(px), round(py)))
            pygame.draw.rect(surface, color, pygame.Rect(round(px) - 1, round(py) - 1, size[0] + 2, size[1] + 2), 1)

    @staticmethod
    def _copies(view: View, y: int, x: int, ph: int, pw: int, torus: tuple[int, int] | None,
                limit: int = 64) -> list[tuple[int, int]]:
        """World positions of the copies of a ``ph`` x ``pw`` box at ``(y, x)`` that touch the window."""
        if torus is None:
            return [(y, x)]
        h, w = torus
        vy0, vx0, vy1, vx1 = view.visible_cells()
        # Shift by whole boards so that the box's copies cover the visible cells.
        ys = range(y + math.floor((vy0 - ph - y) / h + 1) * h, vy1, h)
        xs = range(x + math.floor((vx0 - pw - x) / w + 1) * w, vx1, w)
        if len(ys) * len(xs) > limit:  # zoomed far out on a tiny board: the one under the pointer
            return [(y, x)]
        return [(cy, cx) for cy in ys for cx in xs]

    def cell_rect(self, view: View, y: int, x: int, inset: int = 0) -> pygame.Rect:
        """The pixel rectangle of world cell ``(y, x)``, shrunk by ``inset`` on each side."""
        px, py = view.pixel_of(y, x)
        size = max(1, round(view.ppc))
        return pygame.Rect(round(px) + inset, round(py) + inset, max(1, size - 2 * inset), max(1, size - 2 * inset))

    # -- the protocol trace ----------------------------------------------------------
    def draw_trace(self, surface: pygame.Surface, view: View, trace: TraceRecorder, cells: np.ndarray,
                   label: Callable[[str, tuple[int, int, int]], pygame.Surface]) -> None:
        """The trace's marks on the board (the legend is in the HUD's trace panel).

        ``cells`` is the board shown (the generation the queries read);
        ``label(text, colour)`` renders the small numbers.
        """
        th = self.theme
        h, w = cells.shape
        ppc = view.ppc
        inset = 2 if ppc >= 12 else 0
        # The next board as the transitions build it (double buffering made
        # visible): a dot in each cell already stepped, cyan where it will be
        # alive (under a multi-state rule: the colour of the state it will be
        # in, alive, dying, history ...), red where a cell empties, grey where
        # it stays empty -- so the cells the generation steps (those near a
        # change) show as they go.
        dot = max(1, int(ppc * 0.32))
        small = max(1, int(ppc * 0.42))
        multi = self.rule is not None and self.rule.states > 2
        for (y, x), state in trace.transitions.items():
            if state == EMPTY:
                colour, pad = (th.dies, dot) if cells[y % h, x % w] else (th.stepped, small)
            else:
                colour, pad = self.next_colour(state), dot
            rect = self.cell_rect(view, y, x, pad)
            if multi and state != EMPTY and ppc >= 6:
                # A dot in a state's colour may sit on a cell of that colour: a dark rim keeps it seen.
                pygame.draw.rect(surface, th.background, rect.inflate(2, 2))
            pygame.draw.rect(surface, colour, rect)
        # The neighbours asked so far: bright where the reply was a live state (counted),
        # grey where EMPTY, violet for any other state (dying, history ...: not counted),
        # numbered in the order the census asks them.
        for i, (y, x, reply) in enumerate(trace.answered, 1):
            alive = reply in trace.live_states
            color = th.query_alive_ring if alive else th.query_empty if reply == EMPTY else th.query_other
            rect = self.cell_rect(view, y, x, inset)
            pygame.draw.rect(surface, color, rect, 3 if alive and ppc >= 8 else (2 if ppc >= 8 else 1))
            if ppc >= 24:
                surface.blit(label(str(i), color), (rect.x + 3, rect.y + 1))
        if trace.cell is not None:
            cy, cx = trace.cell
            pygame.draw.rect(surface, th.accent, self.cell_rect(view, cy, cx, 0), 3 if ppc >= 10 else 1)
            if ppc >= 16:
                img = label(str(trace.live_neighbours), th.accent)
                surface.blit(img, img.get_rect(center=self.cell_rect(view, cy, cx).center))
        if trace.last_transition is not None:
            y, x, state = trace.last_transition
            colour = th.dies if state == EMPTY else self.next_colour(state)
            pygame.draw.rect(surface, colour, self.cell_rect(view, y, x, 0), 3)

    def next_colour(self, state: int) -> tuple[int, int, int]:
        """The colour of the trace's mark on a cell whose ``Transition`` makes it ``state`` (not empty):
        a two-state rule's "alive next" cyan; under a multi-state rule each state's own colour."""
        if self.rule is None or self.rule.states == 2:
            return self.theme.born
        return self.colour_of(state)

    def trace_legend(self) -> list[tuple[tuple[int, int, int], bool, str]]:
        """What :meth:`draw_trace`'s marks mean under the current rule, for the trace's panel:
        ``(colour, filled, meaning)``, rings (asked) then dots (the next board)."""
        th = self.theme
        rule = self.rule
        if rule is None or rule.states == 2:
            return [(th.query_alive_ring, False, "asked: ALIVE"), (th.query_empty, False, "asked: EMPTY"),
                    (th.born, True, "alive next"), (th.dies, True, "dies"),
                    (th.stepped, True, "stepped, stays empty")]
        live = sorted(rule.live_states)
        asked_live = "asked: ALIVE" if live == [ALIVE] else "asked: live " + ", ".join(map(str, live))
        other = {"Generations": "dying", "History": "history"}.get(rule.family, state_colours.state_name(rule, 2))
        return [(th.query_alive_ring, False, asked_live), (th.query_empty, False, "asked: EMPTY"),
                (th.query_other, False, "asked: other state"), (self.colour_of(ALIVE), True, "alive next"),
                (self.colour_of(2), True, f"{other} next"), (th.dies, True, "empties"),
                (th.stepped, True, "stepped, stays empty")]
