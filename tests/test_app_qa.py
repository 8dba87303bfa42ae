"""What a QA pass on the real window found under the rule families, pinned down: a long rule does
not push the drawing state out of a 900-pixel status line nor run into the "H: help" hint; the
rule box wraps its error inside the box and says it once; a preset's name in the box shows the rule
it stands for; the trace's marks and legend tell a multi-state rule's states apart."""

from __future__ import annotations

import pygame
import pytest
from window import cell_center, key, type_text

from lifegame.colours import ALIVE, rule_label, state_colours
from lifegame.app.hud import Hud, Status
from lifegame.app.prompt import RULE, Prompt
from lifegame.app.render import BoardRenderer, Theme
from lifegame.app.trace import TraceRecorder
from lifegame.board import Board
from lifegame.protocol import Query
from lifegame.rules import CONWAY, PRESETS, parse_rule

BRAIN = parse_rule("/2/3")
HISTORY_RULE = parse_rule("LifeHistory")
LONG = parse_rule("B2n3acijr4cijt5r6i8/S2aek3ijnqr4ei5-ckqy6eHistory")  # fractal-envelope.rle's rule


@pytest.fixture
def hud() -> Hud:
    pygame.display.init()
    pygame.font.init()
    return Hud()


def _status(rule, draw_state: str = "", **kw) -> Status:
    values = {"playing": True, "generation": 1234, "population": 56789, "speed": 10, "actual": 10, "fps": 60,
              "rule": rule_label(rule), "size": (36, 36), "engine": "coroutines in the loop", "busy": False,
              "draw_state": draw_state, "draw_colour": (255, 0, 255)}
    values.update(kw)
    return Status(**values)


# -- the status line ----------------------------------------------------------------------------
def test_a_long_rule_is_shortened_so_that_the_drawing_state_still_shows(hud):
    surface = pygame.Surface((900, 600))
    shown = hud.status_line(surface, _status(LONG, "draw 1: on"))
    texts = [text for text, _ in shown]
    assert "draw 1: on" in texts
    rule_text = texts[4]
    assert rule_text != str(LONG) and "\u2026" in rule_text
    head, tail = rule_text.split("\u2026")
    assert str(LONG).startswith(head) and str(LONG).endswith(tail) and len(head) > 4 and len(tail) > 4


def test_a_rule_that_fits_is_shown_whole(hud):
    shown = hud.status_line(pygame.Surface((1280, 600)), _status(LONG, "draw 1: on"))
    assert str(LONG) in [text for text, _ in shown]
    shown = hud.status_line(pygame.Surface((900, 600)), _status(BRAIN, "draw 2: dying 2"))
    assert rule_label(BRAIN) in [text for text, _ in shown]


@pytest.mark.parametrize("width", [640, 900, 1280])
@pytest.mark.parametrize("rule", [CONWAY, HISTORY_RULE, LONG])
def test_no_part_of_the_status_line_runs_into_the_help_hint(hud, width, rule):
    draw = "" if rule.states == 2 else "draw 1: on"
    shown = hud.status_line(pygame.Surface((width, 600)), _status(rule, draw, playing=False))
    *parts, (hint_text, hint) = shown
    assert hint_text == "H: help" and hint.right <= width
    assert parts and all(rect.right + 10 <= hint.left for _, rect in parts)
    assert [text for text, _ in parts][:2] == ["PAUSE", "gen 1,234"]


def test_elide_keeps_both_ends(hud):
    text = "B2n3acijr4cijt5r6i8/S2aek3ijnqr4ei5-ckqy6eHistory"
    for width in (60, 150, 300):
        short = hud.elide(text, width)
        assert hud.font.size(short)[0] <= width
        assert short[0] == text[0] and short[-1] == text[-1] and "\u2026" in short
    assert hud.elide(text, 10_000) == text


# -- the rule box ---------------------------------------------------------------------------------
def test_a_long_error_is_wrapped_inside_the_box(hud):
    surface = pygame.Surface((900, 600))
    surface.fill((0, 0, 0))
    error = ("rule 'B9/S2': neighbour counts must be 0..8 (a cell has eight neighbours), not 9 in the "
             "birth part (the rule stays B3/S23)")
    field = hud.prompt_box(surface, "rule", "B9/S2", "Enter sets it", error, caret=False)
    red = [(x, y) for x in range(900) for y in range(field.bottom, 300)
           if tuple(surface.get_at((x, y)))[:3] == Theme.dies]
    assert red, "the error is drawn"
    assert max(x for x, _ in red) < field.right  # inside the box, not past its edge
    rows = {y for _, y in red}
    assert max(rows) - min(rows) > hud.small.get_height()  # on more than one line


def test_a_bad_rule_is_said_in_the_box_only(make_app):
    app = make_app(size=(16, 16), window=(900, 600))
    app.handle(key(pygame.K_u))
    type_text(app, "B9/S2")
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is not None and "B9/S2" in app.prompt.error and "stays B3/S23" in app.prompt.error
    assert "B9/S2" not in (app.game.message or "")  # no toast behind the box repeating it
    app.frame(tick=False)
    app.handle(key(pygame.K_ESCAPE))
    assert app.game.rule == CONWAY


def test_a_presets_name_in_the_box_shows_its_rule():
    box = Prompt(RULE)
    assert box.note == ""
    box.insert("morley")
    assert box.note == str(PRESETS["Morley"])
    box.clear()
    box.insert("B3/S23")  # a rule already: nothing to add
    assert box.note == ""
    box.clear()
    box.insert("LifeHistory")  # the name is the rule
    assert box.note == ""
    box.clear()
    box.cycle(1)
    assert box.text == next(iter(PRESETS)) and box.note == str(PRESETS[box.text])
    assert Prompt("save", "x.rle").note == ""


def test_the_note_is_drawn_after_the_name(hud):
    surface = pygame.Surface((900, 600))
    surface.fill((0, 0, 0))
    field = hud.prompt_box(surface, "rule", "Morley", "", "", caret=False)
    plain = pygame.surfarray.array3d(surface).copy()
    surface.fill((0, 0, 0))
    hud.prompt_box(surface, "rule", "Morley", "", "", caret=False, note="B368/S245")
    noted = pygame.surfarray.array3d(surface)
    name_end = field.x + 8 + hud.font.size("Morley")[0]
    changed = (noted != plain).any(axis=2).nonzero()
    xs = changed[0]
    assert len(xs) and xs.min() > name_end and xs.max() < field.right


# -- the trace under multi-state rules --------------------------------------------------------------
def test_the_legend_names_the_other_states():
    renderer = BoardRenderer()
    two = renderer.trace_legend()
    assert [m for *_, m in two] == ["asked: ALIVE", "asked: EMPTY", "alive next", "dies", "stepped, stays empty"]
    renderer.set_rule(BRAIN)
    legend = {m: (colour, filled) for colour, filled, m in renderer.trace_legend()}
    assert legend["dying next"] == (state_colours(BRAIN)[2], True)
    assert legend["alive next"] == (ALIVE, True)
    assert legend["asked: other state"] == (Theme.query_other, False)
    renderer.set_rule(HISTORY_RULE)
    legend = {m: (colour, filled) for colour, filled, m in renderer.trace_legend()}
    assert "history next" in legend and "asked: live 1, 3, 5" in legend
    # The "other" ring is none of the states' colours (a ring on a cell of its own colour is not seen).
    for rule in (BRAIN, HISTORY_RULE, parse_rule("/2/8")):
        assert Theme.query_other not in state_colours(rule)


def test_the_panel_draws_the_legend_it_is_given(hud):
    surface = pygame.Surface((1280, 800))
    surface.fill((0, 0, 0))
    renderer = BoardRenderer()
    renderer.set_rule(BRAIN)
    hud.trace_panel(surface, TraceRecorder(), None, renderer.trace_legend())
    colours = {tuple(surface.get_at((x, y)))[:3] for x in range(700, 1280) for y in range(40, 300)}
    assert Theme.query_other in colours and state_colours(BRAIN)[2] in colours


def test_a_live_state_other_than_1_is_logged_as_alive():
    tr = TraceRecorder(live_states=HISTORY_RULE.live_states)
    tr(Query(2, 2), 0)  # the cell itself
    tr(Query(1, 1), 3)  # LifeHistory's "marked on": live, counted
    tr(Query(1, 2), 2)  # history: not live
    tr(Query(1, 3), 1)
    assert [kind for _, kind in tr.log] == ["self", "alive", "other", "alive"]
    assert tr.live_neighbours == 2
    two = TraceRecorder()
    two(Query(2, 2), 0)
    two(Query(1, 1), 3)
    assert [kind for _, kind in two.log] == ["self", "other"]


def test_the_marks_of_a_multi_state_rule_are_its_states_colours(make_app):
    app = make_app(size=(8, 8), rule="/2/3", engine="coroutine")
    board = Board(8, 8)
    board.cells[3, 3] = board.cells[3, 4] = 1  # born at (2, 3) (2, 4) (4, 3) (4, 4); these two -> dying
    app.game.driver.set_board(board)
    app.game.version += 1
    app.view.fit(0, 0, 8, 8)
    app.handle(key(pygame.K_t))
    assert app.game.tracing
    trace = app.game.trace
    for _ in range(200):  # a step_cell (ten instructions) at a time, until both kinds of mark are there
        states = set(trace.transitions.values())
        if {1, 2} <= states:
            break
        app.game.driver.trace(10, None)
    assert {1, 2} <= set(trace.transitions.values())
    surface = pygame.Surface(app.screen.get_size())  # the board and the marks, no panel over them
    game = app.game
    app.renderer.draw(surface, game.board.cells, app.view, version=game.version, grid=True, rule=game.rule)
    app.renderer.draw_trace(surface, app.view, trace, game.board.cells, lambda text, colour: app.hud.text(text, colour))
    colours = state_colours(BRAIN)
    for (y, x), state in trace.transitions.items():
        if (y, x) == trace.cell:
            continue  # its neighbour count is written over its centre
        centre = tuple(surface.get_at(cell_center(app, y, x)))[:3]
        if state == 2:
            assert centre == colours[2]
        elif state == 1:
            assert centre == colours[1] and centre != Theme.born


def test_the_rule_box_keeps_its_top_while_the_list_changes(hud):
    surface = pygame.Surface((900, 600))
    tops = {hud.prompt_box(surface, "rule", text, "hint", error, choices=choices).top
            for text, error, choices in [("", "", list(PRESETS)), ("sta", "", ["Star Wars"]),
                                         ("B9/S2", "a long error " * 12, [])]}
    assert len(tops) == 1


def test_no_separator_after_the_last_part_shown(hud):
    surface = pygame.Surface((640, 600))
    surface.fill((0, 0, 0))
    shown = hud.status_line(surface, _status(LONG, "draw 1: on"))
    *parts, (_, hint) = shown
    last = parts[-1][1]
    y = last.centery
    between = {tuple(surface.get_at((x, y)))[:3] for x in range(last.right + 1, hint.left - 1)}
    assert Theme.grid_major not in between


def test_no_toast_behind_an_open_box(make_app, monkeypatch):
    app = make_app(size=(16, 16))
    toasts: list[str] = []
    monkeypatch.setattr(app.hud, "toast", lambda surface, message, **kw: toasts.append(message))
    app.game.say("a message", 60.0)
    app.frame(tick=False)
    assert toasts == ["a message"]
    app.handle(key(pygame.K_u))
    app.frame(tick=False)
    assert toasts == ["a message"]  # not drawn while the box is open
    app.handle(key(pygame.K_ESCAPE))
    app.frame(tick=False)
    assert toasts[-1] == "rule unchanged"
