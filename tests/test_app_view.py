"""The camera's arithmetic, the renderer on off-screen Surfaces, and the model without a window."""

from __future__ import annotations


import numpy as np
import pygame
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifegame.app.game import line_cells
from lifegame.app.palette import Palette, builtin_patterns
from lifegame.app.render import BoardRenderer, Theme, downsample, wrapped_region
from lifegame.app.trace import TraceRecorder
from lifegame.app.view import ZOOM_LEVELS, View, snap_ppc
from lifegame.board import Board
from lifegame.environment import Stepper, observe
from lifegame.protocol import simulate
from lifegame.rules import CONWAY


# -- view ------------------------------------------------------------------------
@given(st.floats(0, 639), st.floats(0, 479), st.sampled_from(ZOOM_LEVELS), st.integers(-4, 4))
def test_zoom_keeps_the_world_point_under_the_pointer(px, py, ppc, steps):
    view = View(640, 480, ppc=ppc, ox=-13.25, oy=7.5)
    before = view.world_at(px, py)
    view.zoom_at(steps, px, py)
    assert view.world_at(px, py) == pytest.approx(before, abs=1e-6)
    assert view.ppc in ZOOM_LEVELS


def test_cell_pixel_round_trip_and_visible_cells():
    view = View(200, 100, ppc=10, ox=-2.5, oy=3)
    assert view.cell_at(0, 0) == (3, -3)
    assert view.pixel_of(3, -2.5) == (0, 0)
    y0, x0, y1, x1 = view.visible_cells()
    assert (y0, x0, y1, x1) == (3, -3, 13, 18)


def test_pan_moves_the_picture_with_the_mouse():
    view = View(200, 100, ppc=4)
    view.pan_pixels(40, -8)
    assert (view.ox, view.oy) == (-10, 2)


def test_fit_centres_the_box_and_snaps_to_whole_pixels():
    view = View(800, 600)
    view.fit(0, 0, 100, 100)
    assert view.ppc == 5 and view.world_at(400, 300) == pytest.approx((50, 50))
    view.fit(0, 0, 4096, 4096)
    assert view.ppc == 1 / 8
    assert snap_ppc(23.7) == 23 and snap_ppc(0.3) == 0.25


def test_fit_keeps_the_top_inset_clear_for_the_overlays():
    view = View(800, 600)
    view.fit(0, 0, 100, 100, margin=0, inset_top=44)
    assert view.ppc == 5
    top, left = view.pixel_of(0, 0)[1], view.pixel_of(0, 0)[0]
    bottom = view.pixel_of(100, 100)[1]
    assert top >= 44 and bottom <= 600 and left == pytest.approx(150)
    assert top - 44 == pytest.approx(600 - bottom)  # centred in what is left


def test_stamp_preview_wraps_across_the_board_edge():
    pygame.init()
    surface = pygame.Surface((200, 200))
    view = View(200, 200, ppc=10)  # a 20 x 20 board fills the surface exactly
    colour = (200, 100, 50)
    row = np.ones((1, 3), dtype=np.uint8)

    def lit(y: int, x: int) -> bool:
        return surface.get_at((x * 10 + 5, y * 10 + 5))[:3] == colour

    surface.fill((0, 0, 0))
    BoardRenderer().draw_pattern(surface, row, view, 5, 18, colour, alpha=255, torus=(20, 20))
    assert lit(5, 18) and lit(5, 19) and lit(5, 0)  # the third cell comes back on the left
    assert not lit(5, 1) and not lit(5, 17)
    surface.fill((0, 0, 0))
    BoardRenderer().draw_pattern(surface, row, view, 5, 18, colour, alpha=255)  # a plain plane
    assert lit(5, 19) and not lit(5, 0)


def test_normalise_keeps_the_picture():
    view = View(100, 100, ppc=2, ox=1000.5, oy=-333)
    before = view.visible_cells()
    view.normalise(64, 64)
    cy, cx = view.world_at(50, 50)
    assert 0 <= cy < 64 and 0 <= cx < 64
    after = view.visible_cells()
    assert (after[0] - before[0]) % 64 == 0 and (after[1] - before[1]) % 64 == 0


def test_line_cells_is_connected():
    cells = line_cells(0, 0, 7, -20)
    assert cells[0] == (0, 0) and cells[-1] == (7, -20)
    for (a, b), (c, d) in zip(cells, cells[1:]):
        assert max(abs(a - c), abs(b - d)) == 1


# -- renderer ------------------------------------------------------------------------
def test_downsample_keeps_lone_cells_and_shades_density():
    cells = np.zeros((64, 64), np.uint8)
    cells[33, 17] = 1
    cells[0:8, 56:64] = 1
    for k in (2, 4, 8, 16):
        small = downsample(cells, k)
        assert small.shape == (64 // k, 64 // k)
        assert small[33 // k, 17 // k] > 0
        assert small[0, 63 // k] == (15 if k <= 8 else 8)  # a quarter-full block: sqrt shading
    odd = downsample(np.ones((5, 7), np.uint8), 4)
    assert odd.shape == (2, 2) and odd.min() > 0


def test_wrapped_region_marks_the_copies_of_the_torus():
    cells = np.arange(12, dtype=np.uint8).reshape(3, 4) % 2
    region = wrapped_region(cells, -1, -2, 4, 6)
    assert region.shape == (5, 8)
    assert np.array_equal(region[1:4, 2:6], cells)  # the board's own tile, unmarked
    assert np.all(region[0] & 2) and np.all(region[:, 0] & 2) and np.all(region[:, -1] & 2)
    assert np.array_equal(region[1:4, 0:2] & 1, cells[:, 2:4])  # the other side


def _screen(size=(320, 240)) -> pygame.Surface:
    pygame.display.init()
    return pygame.Surface(size)


@pytest.mark.parametrize("ppc", [1, 3, 8, 40])
def test_render_draws_live_cells_at_every_zoom(ppc):
    surface = _screen()
    board = Board(32, 32)
    board[10, 20] = True
    view = View(320, 240, ppc=ppc)
    view.center_on(10.5, 20.5)
    BoardRenderer().draw(surface, board.cells, view, version=1, grid=True)
    px, py = view.pixel_of(10.5, 20.5)
    assert tuple(surface.get_at((int(px), int(py))))[:3] == Theme.alive
    ex, ey = view.pixel_of(12.5, 22.5)  # an empty cell two cells away
    assert tuple(surface.get_at((int(ex), int(ey))))[:3] != Theme.alive


@pytest.mark.parametrize("ox, oy", [(0, 0), (-3.5, 7.25), (13, -21)])
def test_render_grid_lines_on_cell_boundaries_brighter_every_ten(ox, oy):
    surface = _screen((320, 240))
    board = Board(40, 40)
    board[12, 12] = True
    view = View(320, 240, ppc=8, ox=ox, oy=oy)
    BoardRenderer().draw(surface, board.cells, view, version=1, grid=True)
    for y, x in ((12, 12), (5, 17), (20, 30)):
        px, py = (round(v) for v in view.pixel_of(y, x))  # the cell's top-left corner
        if not (0 <= px < 312 and 0 <= py < 232):
            continue
        colour = lambda dx, dy: tuple(surface.get_at((px + dx, py + dy)))[:3]  # noqa: E731
        inside = Theme.alive if (y, x) == (12, 12) else Theme.empty
        assert colour(4, 4) == inside
        # The horizontal line over the vertical one at the corner; along the edges, each its own.
        assert colour(4, 0) == (Theme.grid_major if y % 10 == 0 else Theme.grid)
        assert colour(0, 4) == (Theme.grid_major if x % 10 == 0 else Theme.grid)


def test_render_zoomed_out_shows_a_glider_on_a_big_board():
    surface = _screen((256, 256))
    board = Board(2048, 2048)
    board.place(builtin_patterns()["glider"], 1000, 1000)
    view = View(256, 256, ppc=1 / 8)
    view.center_on(1024, 1024)
    BoardRenderer().draw(surface, board.cells, view, version=1)
    px, py = view.pixel_of(1001, 1001)
    assert tuple(surface.get_at((int(px), int(py))))[:3] != Theme.empty


def test_render_shows_the_other_side_past_an_edge():
    surface = _screen((160, 160))
    board = Board(16, 16)
    board[0, 0] = True
    view = View(160, 160, ppc=5, ox=-8, oy=-8)  # the board's corner in the middle
    BoardRenderer().draw(surface, board.cells, view, version=1, grid=False)
    # Cell (16, 16) is cell (0, 0) again, in the copy below-right: drawn dimmer.
    px, py = view.pixel_of(16.5, 16.5)
    assert tuple(surface.get_at((int(px), int(py))))[:3] == Theme.ghost_alive


# -- palette and trace --------------------------------------------------------------------
def test_palette_rotates_and_flips():
    pal = Palette()
    pal.select(0)
    g = pal.cells()
    assert g is not None
    pal.rotate(1)
    assert np.array_equal(pal.cells(), np.rot90(g, -1))
    pal.rotate(3)
    pal.flip()
    assert np.array_equal(pal.cells(), g[:, ::-1])
    pal.select(0)  # the same key again puts it away
    assert pal.cells() is None


def test_trace_recorder_follows_the_protocol():
    board = Board(4, 4)
    board[1, 1] = board[1, 2] = board[2, 1] = True
    tr = TraceRecorder()
    stepper = Stepper(board, CONWAY, sim=observe(simulate(4, 4, CONWAY), tr))
    stepper.run(max_instructions=10)  # one whole step_cell
    assert tr.cell == (0, 0) and len(tr.answered) == 8
    assert tr.transitions == {(0, 0): 0}
    assert tr.live_neighbours == 1 and tr.cell_state == 0  # (1, 1) is its one live neighbour
    assert [text for text, _ in tr.log][:2] == ["Query(0, 0) \u2192 0   self", "Query(1, 0) \u2192 0"]
    stepper.run(max_instructions=3)
    assert tr.cell == (0, 1) and len(tr.answered) == 2
    stepper.run()  # the rest of the generation
    assert tr.ticks == 1 and tr.transitions == {}
    assert stepper.last_generation_instructions == 4 * 4 * 10 + 1
