"""The window under every rule family: a colour per state, the rule in the status line, the rule box,
drawing with a chosen state, and multi-state boards stepped by the coroutines in the loop."""

from __future__ import annotations

import numpy as np
import pygame
import pytest
from window import cell_center, click, key, run_until, type_text

from lifegame.colours import (
    ALIVE,
    EMPTY,
    HISTORY,
    rule_label,
    state_colours,
    state_index,
    state_name,
)
from lifegame.app.history import Frame
from lifegame.app.hud import Hud, Status
from lifegame.app.render import BoardRenderer, Theme
from lifegame.app.view import View
from lifegame.board import Board
from lifegame.rules import CONWAY, parse_rule

BRAIN = parse_rule("/2/3")
STAR_WARS = parse_rule("345/2/4")
HISTORY_RULE = parse_rule("LifeHistory")


def _brightness(rgb: tuple[int, int, int]) -> int:
    return sum(abs(a - b) for a, b in zip(rgb, EMPTY))


# -- colours ----------------------------------------------------------------------------------
def test_two_state_rules_keep_the_two_colours():
    assert state_colours(CONWAY) == [EMPTY, ALIVE]
    assert state_colours(parse_rule("B2-ek/S")) == [EMPTY, ALIVE]


def test_generations_dying_states_fade_towards_the_background():
    colours = state_colours(parse_rule("/2/8"))
    assert len(colours) == 8 and colours[:2] == [EMPTY, ALIVE]
    dying = [_brightness(c) for c in colours[2:]]
    assert dying == sorted(dying, reverse=True) and len(set(dying)) == len(dying)
    assert dying[-1] > 0  # the last dying state is still visible
    assert len(set(colours)) == 8


def test_lifehistory_has_gollys_hues():
    c = state_colours(HISTORY_RULE)
    assert c == list(HISTORY) and len(c) == 7
    assert c[0] == EMPTY
    r, g, b = c[1]
    assert g > r and g > b  # green
    r, g, b = c[2]
    assert b > 2 * r and b > 2 * g  # blue
    assert min(c[3]) > 200  # white
    r, g, b = c[4]
    assert r > 2 * g and r > 2 * b  # red
    r, g, b = c[5]
    assert r > 200 and g > 200 and b < 100  # yellow
    r, g, b = c[6]
    assert max(r, g, b) - min(r, g, b) < 16 and 80 < r < 160  # gray


def test_many_states_share_colours_in_order():
    rule = parse_rule("/2/256")
    index = state_index(rule, 127)
    assert index[0] == 0 and index[1] == 1
    assert np.all(np.diff(index[2:].astype(int)) >= 0) and index[255] == 126


def test_state_names_and_rule_labels():
    assert rule_label(BRAIN) == "Brian's Brain (/2/3)"
    assert rule_label(CONWAY) == "Conway (B3/S23)"
    assert rule_label(parse_rule("B36/S245")) == "B36/S245"
    assert state_name(BRAIN, 2) == "dying 2"
    assert state_name(HISTORY_RULE, 6) == "boundary"
    assert state_name(CONWAY, 1) == "alive"


@pytest.mark.parametrize("rule", [BRAIN, STAR_WARS, HISTORY_RULE, parse_rule("1/2/200")])
@pytest.mark.parametrize("ppc", [3, 8])
def test_the_renderer_draws_each_state_in_its_colour(rule, ppc):
    pygame.display.init()
    surface = pygame.Surface((320, 240))
    board = Board(20, 20)
    states = list(range(min(rule.states, 8))) + [rule.states - 1]
    for x, s in enumerate(states):
        board[5, 2 * x] = s
    view = View(320, 240, ppc=ppc)
    view.center_on(5.5, 10.5)
    renderer = BoardRenderer()
    renderer.draw(surface, board.cells, view, version=1, grid=True, rule=rule)
    drawn = []
    for x, s in enumerate(states):
        px, py = view.pixel_of(5.5, 2 * x + 0.5)
        drawn.append(tuple(surface.get_at((int(px), int(py))))[:3])
        assert drawn[-1] == renderer.colour_of(s)
    if rule.states <= 127:  # else neighbouring dying states share a colour
        assert len(set(drawn)) == len(set(states))
    # Back to Conway: the same renderer colours a board of 0/1 as before.
    renderer.draw(surface, (board.cells == 1).view(np.uint8), view, version=2, rule=CONWAY)
    px, py = view.pixel_of(5.5, 2.5)
    assert tuple(surface.get_at((int(px), int(py))))[:3] == Theme.alive


def test_copies_past_the_edge_are_dimmer_in_every_state():
    pygame.display.init()
    surface = pygame.Surface((160, 160))
    board = Board(16, 16)
    board[0, 0] = 4  # marked off: red
    view = View(160, 160, ppc=5, ox=-8, oy=-8)
    renderer = BoardRenderer()
    renderer.draw(surface, board.cells, view, version=1, grid=False, rule=HISTORY_RULE)
    inside = tuple(surface.get_at(tuple(int(v) for v in view.pixel_of(0.5, 0.5))))[:3]
    copy = tuple(surface.get_at(tuple(int(v) for v in view.pixel_of(16.5, 16.5))))[:3]
    assert inside == HISTORY[4]
    assert copy != inside and _brightness(copy) < _brightness(inside) and copy[0] > copy[1]


def test_zoomed_out_a_block_of_dying_cells_is_not_empty():
    pygame.display.init()
    surface = pygame.Surface((128, 128))
    board = Board(512, 512)
    board.cells[200:204, 300:304] = 2
    view = View(128, 128, ppc=1 / 4)
    view.center_on(256, 256)
    BoardRenderer().draw(surface, board.cells, view, version=1, rule=BRAIN)
    px, py = view.pixel_of(201, 301)
    assert tuple(surface.get_at((int(px), int(py))))[:3] != Theme.empty


def test_undo_frames_keep_states():
    board = Board(9, 11)
    board.cells[:] = np.arange(99).reshape(9, 11) % 7
    frame = Frame.of(board, 3)
    assert not frame.packed and np.array_equal(frame.board().cells, board.cells)
    assert frame.holds(board, 3)
    other = board.copy()
    other.cells[0, 1] = 5
    assert not frame.holds(other, 3)
    two = Board(9, 11, (board.cells == 1).view(np.uint8))
    assert Frame.of(two, 0).packed and Frame.of(two, 0).holds(two, 0)


# -- the status line --------------------------------------------------------------------------
def test_status_line_shows_the_rule_and_the_drawing_state():
    pygame.display.init()
    pygame.font.init()
    surface = pygame.Surface((1280, 40 + 30))
    hud = Hud()
    status = Status(playing=False, generation=0, population=1, speed=10, actual=0, fps=60,
                    rule=rule_label(BRAIN), size=(64, 64), engine="coroutines", busy=False,
                    draw_state="draw 2: dying 2", draw_colour=(255, 0, 255))
    hud.status_line(surface, status)
    # The swatch of the drawing state's colour is in the bar.
    found = any(tuple(surface.get_at((x, y)))[:3] == (255, 0, 255)
                for x in range(0, 1280, 2) for y in range(30, 70, 2))
    assert found


# -- the window -------------------------------------------------------------------------------
def _open_rule_box(app) -> None:
    app.handle(key(pygame.K_u))
    assert app.prompt is not None and app.prompt.kind == "rule"


def test_the_rule_box_takes_a_preset_by_tab(make_app):
    app = make_app(size=(32, 32))
    app.frame(tick=False)
    _open_rule_box(app)
    assert "Brian's Brain" in app.prompt.choices and "LifeHistory" in app.prompt.choices
    type_text(app, "brian")
    assert app.prompt.choices[0] == "Brian's Brain"
    app.handle(key(pygame.K_TAB))
    assert app.prompt.text == "Brian's Brain"
    app.frame(tick=False)  # the box with its list is drawn
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is None
    assert app.game.rule == BRAIN and app.game.dirty
    assert "Brian's Brain (/2/3)" in app.game.message
    app.frame(tick=False)
    app.handle(key(pygame.K_z, pygame.KMOD_CTRL))
    assert app.game.rule == CONWAY


def test_the_rule_box_cycles_presets_both_ways(make_app):
    app = make_app(size=(32, 32))
    _open_rule_box(app)
    type_text(app, "s")  # Seeds, Star Wars, Sticks ... and rules written with an s
    first = app.prompt.choices[0]
    app.handle(key(pygame.K_DOWN))
    assert app.prompt.text == first
    app.handle(key(pygame.K_DOWN))
    second = app.prompt.text
    assert second != first
    app.handle(key(pygame.K_UP))
    assert app.prompt.text == first
    app.handle(key(pygame.K_TAB, pygame.KMOD_SHIFT))
    assert app.prompt.text == app.prompt.choices[-1]


def test_a_typed_rule_with_letters_is_taken(make_app):
    app = make_app(size=(32, 32))
    _open_rule_box(app)
    type_text(app, "B2-ek/S12")
    app.handle(key(pygame.K_RETURN))
    assert str(app.game.rule) == str(parse_rule("B2-ek/S12")) and app.prompt is None


def test_a_bad_rule_says_why_and_keeps_the_old_rule(make_app):
    app = make_app(size=(32, 32))
    _open_rule_box(app)
    type_text(app, "B3/S2x")
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is not None and app.prompt.error
    assert "\n" not in app.prompt.error and "B3/S2x" in app.prompt.error
    assert app.game.rule == CONWAY and not app.game.undo_history.undo
    assert "the rule stays B3/S23" in app.prompt.error
    app.frame(tick=False)
    app.handle(key(pygame.K_ESCAPE))
    assert app.prompt is None and app.game.rule == CONWAY


def test_a_torus_suffix_of_another_size_is_refused(make_app):
    app = make_app(size=(32, 40))
    _open_rule_box(app)
    type_text(app, "B3/S23:T10,10")
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is not None and "40,32" in app.prompt.error
    app.handle(key(pygame.K_u, pygame.KMOD_CTRL))  # clear the box
    type_text(app, "/2/3:T40,32")
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is None and app.game.rule == BRAIN


def test_an_engine_that_cannot_run_the_rule_keeps_the_old_one(make_app):
    app = make_app(size=(64, 64), engine="hashlife")
    _open_rule_box(app)
    type_text(app, "/2/3")
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is not None and app.prompt.error and app.game.rule == CONWAY


def test_changing_the_rule_converts_states_it_has_not_and_undo_brings_them_back(make_app):
    board = Board(16, 16)
    board.cells[2, 2:9] = [1, 2, 3, 4, 5, 6, 0]
    app = make_app(board=board, size=(16, 16), rule="LifeHistory")
    before = app.game.board.cells.copy()
    assert app.game.change_rule(CONWAY)
    # Live under LifeHistory (1, 3, 5) -> 1; history, marks and boundary cleared.
    assert app.game.board.cells[2, 2:9].tolist() == [1, 0, 1, 0, 1, 0, 0]
    assert "2 live \u2192 1" in app.game.message and "3 cleared" in app.game.message
    assert app.game.dirty
    app.game.undo()
    assert app.game.rule == HISTORY_RULE and np.array_equal(app.game.board.cells, before)
    assert not app.game.dirty  # back to the board and rule as they were opened
    app.game.redo()
    assert app.game.rule == CONWAY and app.game.board.cells[2, 3] == 0


def test_drawing_with_a_chosen_state(make_app):
    app = make_app(size=(24, 24), rule="345/2/4")
    app.frame(tick=False)
    assert app.game.draw_state == 1
    app.handle(key(pygame.K_d))
    assert app.game.draw_state == 2 and "dying 2" in app.game.message
    app.handle(key(pygame.K_d))
    app.handle(key(pygame.K_d))
    assert app.game.draw_state == 1  # 1, 2, 3, then round
    app.handle(key(pygame.K_d, pygame.KMOD_SHIFT))
    assert app.game.draw_state == 3
    pos = cell_center(app, 5, 5)
    click(app, pos)
    assert app.game.board.cells[5, 5] == 3 and app.game.population == 1
    click(app, pos)  # a cell in the drawing state: cleared
    assert app.game.board.cells[5, 5] == 0 and app.game.population == 0
    app.game.board.cells[6, 6] = 1
    app.game.version += 1
    click(app, cell_center(app, 6, 6))  # another state: becomes the drawing state
    assert app.game.board.cells[6, 6] == 3
    app.game.undo()
    assert app.game.board.cells[6, 6] == 1
    app.frame(tick=False)  # the status line with its swatch


def test_two_state_rules_draw_as_before(make_app):
    app = make_app(size=(24, 24))
    app.handle(key(pygame.K_d))
    assert app.game.draw_state == 1
    pos = cell_center(app, 4, 4)
    click(app, pos)
    assert app.game.board.cells[4, 4] == 1
    click(app, pos)
    assert app.game.board.cells[4, 4] == 0


def test_a_new_rule_without_the_drawing_state_draws_alive(make_app):
    app = make_app(size=(24, 24), rule="/2/5")
    for _ in range(3):
        app.handle(key(pygame.K_d))
    assert app.game.draw_state == 4
    app.game.change_rule(BRAIN)
    assert app.game.draw_state == 1


def test_a_generations_board_steps_in_the_loop_with_the_coroutines(make_app):
    app = make_app(size=(20, 20), rule="/2/3", engine="coroutine")
    board = Board(20, 20)
    board.cells[8:10, 8:10] = 1
    board.cells[7, 8] = 2
    app.game.driver.set_board(board.copy())
    app.game.version += 1
    assert app.game.driver.traceable
    app.handle(key(pygame.K_n))
    app.handle(key(pygame.K_n))
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 3 and not app.game.driver.busy)
    expected = board.cells
    for _ in range(3):
        expected = _brians_brain(expected)
    assert np.array_equal(app.game.board.cells, expected)
    assert set(np.unique(app.game.board.cells).tolist()) <= {0, 1, 2}
    app.frame(tick=False)


def _brians_brain(cells: np.ndarray) -> np.ndarray:
    """Brian's Brain on a torus, written out: born on exactly 2 live neighbours, 1 -> 2 -> 0."""
    live = (cells == 1).astype(int)
    n = sum(np.roll(np.roll(live, dy, 0), dx, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)) - live
    return np.where(cells == 1, 2, np.where(cells == 2, 0, np.where(n == 2, 1, 0))).astype(np.uint8)


def test_the_trace_shows_states(make_app):
    app = make_app(size=(6, 6), rule="/2/3", engine="coroutine")
    board = Board(6, 6)
    board.cells[1, 1] = 2
    board.cells[2, 2] = 1
    app.game.driver.set_board(board)
    app.game.version += 1
    app.handle(key(pygame.K_t))
    assert app.game.tracing
    app.handle(key(pygame.K_n))  # the whole generation, observed
    run_until(app, lambda: app.game.generation == 1)
    texts = [text for text, _ in app.game.trace.log]
    assert texts[-1].startswith("TICK")
    app.frame(tick=False)
    # A generation stepped by hand: the dying cell's query answered 2, its transition to 0 recorded.
    app.game.trace.reset()
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: any("\u2192 2" in t or "\u2192 1" in t for t, _ in app.game.trace.log))
    kinds = {kind for _, kind in app.game.trace.log}
    assert kinds <= {"self", "alive", "empty", "other", "transition", "tick"}
    app.frame(tick=False)


def test_the_key_that_opens_the_rule_box_is_not_typed_into_it(make_app):
    app = make_app(size=(16, 16))
    app.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_u, mod=0, unicode="u"))
    app.handle(pygame.event.Event(pygame.TEXTINPUT, text="u"))  # SDL's text of that key press
    assert app.prompt is not None and app.prompt.text == ""
    type_text(app, "u")  # typed afterwards: kept
    assert app.prompt.text == "u"
