"""The window as an editor people can trust (issue 11): undo across play, reset, no board lost
unasked, save as / open in a box, click toggles, identify, GIF recording.

Driven with synthetic pygame events under ``SDL_VIDEODRIVER=dummy`` (``tests/conftest.py``).
No fixed sleeps: loops wait on a condition, with a generous hang guard.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pygame
import pytest

from lifegame.app.history import UNDO_BUDGET, BoardChange, Frame, UndoHistory
from lifegame.app.input import KEYMAP, Command
from lifegame.app.loop import App
from lifegame.board import Board
from lifegame.engines.fast import step as fast_step
from lifegame.patterns import read_pattern
from lifegame.rules import CONWAY
from lifegame.start import starting_board
from window import cell_center, click, drag, key, run_until, wait_saved, MD, MM, MU

CTRL, SHIFT = pygame.KMOD_LCTRL, pygame.KMOD_LSHIFT


def type_text(app: App, text: str) -> None:
    app.handle(pygame.event.Event(pygame.TEXTINPUT, text=text))


def play_until(app: App, generation: int) -> None:
    """Space, run to at least ``generation``, Space, and wait for the generation under way."""
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: app.game.generation >= generation)
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: not app.game.driver.busy)
    app.frame(tick=False)


def undo(app: App) -> None:
    app.handle(key(pygame.K_z, CTRL))


def redo(app: App) -> None:
    app.handle(key(pygame.K_y, CTRL))


# -- 1. undo is a history of boards ------------------------------------------------------
def test_undo_after_play_returns_to_where_play_started_and_redo_goes_forward(make_app):
    # The steps: a 5-cell line, Space for a while, Space, Ctrl+Z.
    app = make_app(size=(20, 20))
    drag(app, [cell_center(app, 10, 8), cell_center(app, 10, 12)])
    drawn = app.game.board.copy()
    assert drawn.population() == 5
    play_until(app, 30)
    played, gen = app.game.board.copy(), app.game.generation
    assert np.array_equal(played.cells, fast_step(drawn.cells, CONWAY, gen))
    undo(app)
    assert app.game.generation == 0 and app.game.board == drawn and "undo: play" in app.game.message
    undo(app)
    assert app.game.generation == 0 and app.game.population == 0 and "undo: draw" in app.game.message
    undo(app)
    assert "nothing to undo" in app.game.message
    redo(app)
    assert app.game.generation == 0 and app.game.board == drawn
    redo(app)
    assert app.game.generation == gen and app.game.board == played
    redo(app)
    assert "nothing to redo" in app.game.message


def test_edits_and_generations_interleave(make_app):
    app = make_app(size=(24, 24))
    states = [(app.game.generation, app.game.board.copy())]

    def remember() -> None:
        states.append((app.game.generation, app.game.board.copy()))

    drag(app, [cell_center(app, 5, 5), cell_center(app, 5, 7)])  # a blinker
    remember()
    app.handle(key(pygame.K_n))  # one step
    run_until(app, lambda: app.game.generation == 1)
    remember()
    click(app, cell_center(app, 15, 15))
    click(app, cell_center(app, 15, 16))
    click(app, cell_center(app, 16, 15))  # three clicks: three edits at generation 1
    remember()
    app.handle(key(pygame.K_TAB))  # a batch of 10
    run_until(app, lambda: app.game.generation == 11)
    app.frame(tick=False)
    remember()
    drag(app, [cell_center(app, 20, 2), cell_center(app, 20, 4)], button=3)  # an erase that changes nothing: no record
    for expected in reversed(states[:-1]):
        undo(app)
        if app.game.generation == 1 and expected[0] == 1 and app.game.board != expected[1]:
            undo(app)  # the clicks were three records
            undo(app)
        assert (app.game.generation, app.game.board) == expected
    for expected in states[1:]:
        redo(app)
        if expected[0] == 1 and app.game.board != expected[1]:
            redo(app)
            redo(app)
        assert (app.game.generation, app.game.board) == expected


def test_undo_while_playing_stops_and_goes_back_to_where_play_started(make_app):
    app = make_app(size=(24, 24))
    app.game.randomize(seed=4)
    start = app.game.board.copy()
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: app.game.generation >= 3)
    undo(app)  # while playing, perhaps mid-generation
    assert not app.game.playing and app.game.generation == 0 and app.game.board == start
    for _ in range(5):
        app.frame(tick=False)
    assert app.game.generation == 0 and app.game.board == start  # nothing under way came back


def test_drawing_while_playing_is_undone_to_the_board_when_the_stroke_began(make_app):
    app = make_app(size=(32, 32))
    app.game.randomize(seed=9)
    start = app.game.board.copy()
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: app.game.generation >= 2)
    app.handle(pygame.event.Event(MD, pos=cell_center(app, 3, 3), button=3))
    before_stroke_generation = app.game.generation
    run_until(app, lambda: app.game.generation >= before_stroke_generation + 2)  # generations during the stroke
    app.handle(pygame.event.Event(MM, pos=cell_center(app, 3, 20), rel=(0, 0), buttons=(0, 0, 1)))
    app.handle(pygame.event.Event(MU, pos=cell_center(app, 3, 20), button=3))
    run_until(app, lambda: app.game.generation >= before_stroke_generation + 4)
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: not app.game.driver.busy)
    app.frame(tick=False)
    undo(app)  # the play after the stroke
    assert "play" in app.game.message
    undo(app)  # the stroke and the generations during it
    assert "erase while playing" in app.game.message and app.game.generation == before_stroke_generation
    undo(app)  # the play before it
    assert app.game.generation == 0 and app.game.board == start


def test_the_undo_memory_is_bounded_for_4096_boards():
    rng = np.random.default_rng(0)
    history = UndoHistory()
    frame = Frame.of(Board(4096, 4096, (rng.random((4096, 4096)) < 0.5).astype(np.uint8)), 0)
    assert frame.nbytes > 2_000_000  # a random board does not deflate below its packed 2 MiB
    for g in range(1, 48):
        nxt = Frame.of(Board(4096, 4096, (rng.random((4096, 4096)) < 0.5).astype(np.uint8)), g, frame.origin)
        history.push(BoardChange(frame, nxt, "play"))
        frame = nxt
        assert history.nbytes <= UNDO_BUDGET
    assert 20 < len(history.undo) < 47  # the oldest went; many are kept
    # A sparse board's frames are small: a glider at 4096x4096 deflates to a few KiB.
    sparse = Board(4096, 4096)
    sparse.place(np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.uint8), 100, 100)
    assert Frame.of(sparse, 0).nbytes < 64 * 1024
    assert Frame.of(sparse, 0).board() == sparse


def test_a_huge_single_record_is_kept_but_the_older_ones_go():
    history = UndoHistory(budget=1000)
    rng = np.random.default_rng(1)
    frames = [Frame.of(Board(64, 64, (rng.random((64, 64)) < 0.5).astype(np.uint8)), g) for g in range(6)]
    for a, b in itertools.pairwise(frames):
        history.push(BoardChange(a, b, "x"))
    assert len(history.undo) == 1 and history.undo[0].after is frames[-1]


# -- 4. reset -------------------------------------------------------------------------------
def test_reset_goes_to_generation_0_and_shift_home_to_where_play_started(make_app):
    app = make_app(size=(24, 24))
    drag(app, [cell_center(app, 5, 5), cell_center(app, 5, 7)])
    click(app, cell_center(app, 12, 12))
    click(app, cell_center(app, 12, 13))
    click(app, cell_center(app, 13, 12))  # drawn at generation 0
    gen0 = app.game.board.copy()
    for _ in range(3):  # N moves the start too
        app.handle(key(pygame.K_n))
        run_until(app, lambda: not app.game.driver.busy and app.game._queued == 0)
    assert app.game.generation == 3
    play_until(app, 8)
    app.handle(key(pygame.K_HOME))
    assert app.game.generation == 0 and app.game.board == gen0 and "generation 0" in app.game.message
    app.handle(key(pygame.K_HOME))
    assert "already at generation 0" in app.game.message
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 1)
    play_until(app, 6)
    app.handle(key(pygame.K_HOME, SHIFT))  # back to where play last started: generation 1
    assert app.game.generation == 1
    assert np.array_equal(app.game.board.cells, fast_step(gen0.cells, CONWAY, 1))
    app.handle(key(pygame.K_r, CTRL))  # Ctrl+R as Home
    assert app.game.generation == 0 and app.game.board == gen0
    undo(app)  # a reset is undone like any change of the board
    assert app.game.generation == 1
    # Edits at generation 0 become the new generation 0; a new board (clear) is one too.
    click(app, cell_center(app, 20, 20))
    app.handle(key(pygame.K_r, CTRL))
    app.handle(key(pygame.K_c))
    assert app.game.generation == 0 and app.game.population == 0


def test_the_help_card_says_what_reset_does():
    helps = {b.label: b.help for b in KEYMAP if b.label}
    assert "generation 0" in helps["Ctrl+R  Home"]
    assert "where play last started" in helps["Shift+Home"]


# -- 2. no board is lost without asking ----------------------------------------------------
def test_quitting_an_untitled_board_with_changes_asks_first(make_app):
    app = make_app(size=(16, 16))
    click(app, cell_center(app, 4, 4))
    app.handle(pygame.event.Event(pygame.QUIT))
    assert app.running and "unsaved" in app.game.message and "no file" in app.game.message
    app.handle(key(pygame.K_q, CTRL))
    assert not app.running
    # A bundled pattern played is a change too.
    gun = make_app(pattern="gosper-glider-gun")
    gun.handle(key(pygame.K_n))
    run_until(gun, lambda: gun.game.generation == 1)
    gun.handle(key(pygame.K_q, CTRL))
    assert gun.running and "unsaved" in gun.game.message


# -- 3. save as, and open, in a box ---------------------------------------------------------
def test_ctrl_s_on_an_untitled_board_asks_for_a_name_in_a_box(make_app, tmp_path: Path):
    app = make_app(size=(16, 16))
    click(app, cell_center(app, 4, 4))
    app.handle(key(pygame.K_s, CTRL))
    assert app.prompt is not None and app.prompt.kind == "save"
    assert app.prompt.text.endswith("lifegame.rle") or app.prompt.text.endswith(".rle")
    app.draw(app.screen)  # the box is drawn
    # The keymap is suspended: these keys type, they do not clear, play or quit.
    app.handle(key(pygame.K_u, CTRL))  # clear the box
    type_text(app, str(tmp_path / "cel"))
    app.handle(key(pygame.K_c))
    app.handle(key(pygame.K_SPACE))
    app.handle(key(pygame.K_q, CTRL))
    click(app, cell_center(app, 8, 8))  # no drawing behind the box either
    assert app.running and not app.game.playing and app.game.population == 1
    type_text(app, "xy")
    app.handle(key(pygame.K_BACKSPACE))
    app.handle(key(pygame.K_BACKSPACE))
    type_text(app, "ls")
    app.handle(key(pygame.K_RETURN))  # no extension: RLE
    wait_saved(app)
    assert app.prompt is None
    saved = tmp_path / "cells.rle"
    assert saved.is_file() and app.game.path == saved and not app.game.dirty and "cells.rle" in app.caption
    again, _ = starting_board(read_pattern(saved))
    assert again == app.game.board
    # Now the board has a file: Ctrl+S saves straight to it.
    click(app, cell_center(app, 6, 6))
    app.handle(key(pygame.K_s, CTRL))
    wait_saved(app)
    assert app.prompt is None and read_pattern(saved).population == 2


@pytest.mark.parametrize("name", ["board.cells", "board.lif", "board.life", "board.rle"])
def test_save_as_chooses_the_format_by_extension(make_app, tmp_path: Path, name: str):
    app = make_app(size=(20, 24))
    drag(app, [cell_center(app, 3, 3), cell_center(app, 9, 15)])
    app.handle(key(pygame.K_s, CTRL | SHIFT))
    assert app.prompt is not None
    app.handle(key(pygame.K_u, CTRL))
    type_text(app, str(tmp_path / name))
    app.handle(key(pygame.K_RETURN))
    wait_saved(app)
    assert app.prompt is None, app.game.message
    path = tmp_path / name
    board, rule = starting_board(read_pattern(path))
    assert board == app.game.board and rule == app.game.rule


def test_save_never_replaces_a_file_unasked(make_app, tmp_path: Path):
    other = tmp_path / "precious.rle"
    other.write_text("x = 1, y = 1\no!\n")
    app = make_app(size=(16, 16))
    click(app, cell_center(app, 2, 2))
    click(app, cell_center(app, 2, 3))
    app.handle(key(pygame.K_s, CTRL | SHIFT))
    app.handle(key(pygame.K_u, CTRL))
    type_text(app, str(other))
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is not None and "exists" in app.prompt.error
    assert other.read_text() == "x = 1, y = 1\no!\n"
    app.draw(app.screen)
    type_text(app, "x")  # an edit takes the question back
    app.handle(key(pygame.K_BACKSPACE))
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is not None and other.read_text() == "x = 1, y = 1\no!\n"
    app.handle(key(pygame.K_RETURN))  # a second Enter on the same name confirms
    wait_saved(app)
    assert app.prompt is None and read_pattern(other).population == 2
    # Esc cancels: nothing written, the keymap is back.
    app.handle(key(pygame.K_s, CTRL | SHIFT))
    app.handle(key(pygame.K_ESCAPE))
    assert app.prompt is None
    app.handle(key(pygame.K_c))
    assert app.game.population == 0


def test_bundled_patterns_and_unwritable_files_ask_where_to_save(make_app, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gun = make_app(pattern="gosper-glider-gun")
    gun.handle(key(pygame.K_s, CTRL))
    assert gun.prompt is not None and not list(tmp_path.iterdir())  # nothing written unasked
    odd = tmp_path / "glider.txt"
    odd.write_text("x = 3, y = 3\nbo$2bo$3o!\n")
    app = make_app(size=(16, 16))
    app.handle(pygame.event.Event(pygame.DROPFILE, file=str(odd)))
    assert app.game.path == odd, app.game.message
    click(app, cell_center(app, 1, 1))
    app.handle(key(pygame.K_s, CTRL))
    assert app.prompt is not None and app.prompt.text.endswith("glider.rle")
    assert odd.read_text() == "x = 3, y = 3\nbo$2bo$3o!\n"
    app.handle(key(pygame.K_u, CTRL))
    type_text(app, str(tmp_path / "glider.mc"))
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is not None and "lifegame writes" in app.prompt.error


def test_ctrl_o_opens_a_typed_path(make_app, tmp_path: Path):
    path = tmp_path / "blinker.rle"
    path.write_text("x = 3, y = 1\n3o!\n")
    app = make_app(size=(16, 16))
    app.handle(key(pygame.K_o, CTRL))
    assert app.prompt is not None and app.prompt.kind == "open"
    app.handle(key(pygame.K_u, CTRL))
    type_text(app, str(tmp_path / "nothing.rle"))
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is not None and "no file" in app.prompt.error
    app.handle(key(pygame.K_u, CTRL))
    type_text(app, str(tmp_path / "blin"))
    app.handle(key(pygame.K_TAB))  # completes the name
    assert app.prompt.text == str(path)
    app.handle(key(pygame.K_RETURN))
    assert app.prompt is None and app.game.path == path and app.game.population == 3


# -- 5. click toggles, drags follow the first cell; arrows pan; the palette fits -------------
def test_a_drag_from_a_live_cell_erases(make_app):
    app = make_app(size=(16, 32))
    drag(app, [cell_center(app, 4, 2), cell_center(app, 4, 20)])
    assert app.game.population == 19
    drag(app, [cell_center(app, 4, 5), cell_center(app, 4, 10)])  # starts on a live cell: erases
    assert app.game.population == 13 and not app.game.board[4, 7]
    drag(app, [cell_center(app, 8, 5), cell_center(app, 4, 5)])  # starts on an empty cell: draws, over the gap too
    assert app.game.board[4, 5] and app.game.board[6, 5]


def test_arrows_pan_and_never_step(make_app):
    app = make_app(size=(24, 24))
    for k, axis, sign in ((pygame.K_RIGHT, "ox", 1), (pygame.K_LEFT, "ox", -1),
                          (pygame.K_DOWN, "oy", 1), (pygame.K_UP, "oy", -1)):
        before = getattr(app.view, axis)
        app.handle(key(k))
        assert (getattr(app.view, axis) - before) * sign > 0
    for _ in range(3):
        app.frame(tick=False)
    assert app.game.generation == 0


def test_the_palette_stays_reachable_in_an_800_pixel_window(make_app):
    app = make_app(window=(800, 600))
    app.draw(app.screen)
    rect, title = app.hud.palette_rect, app.hud.title_rect
    assert rect is not None and rect.right <= 800 and not rect.colliderect(title)
    # Every key 1-9 drawn: the strip is wide enough for each name (it wraps instead).
    assert len(app.palette.entries) == 9
    small = make_app(window=(480, 400))
    small.draw(small.screen)
    assert small.hud.palette_rect is not None and small.hud.palette_rect.right <= 480


# -- 6. the population graph ------------------------------------------------------------------
def test_the_population_graph_starts_from_the_board_as_drawn(make_app):
    app = make_app(size=(32, 32))
    for x in range(5):
        click(app, cell_center(app, 10, 3 + 3 * x))  # five lone cells
    app.handle(key(pygame.K_y))
    play_until(app, 2)
    assert app.game.history[0] == (0, 5)
    app.draw(app.screen)


# -- 7. identify and GIF ---------------------------------------------------------------------
def test_identify_shows_what_the_board_is(make_app):
    app = make_app(size=(32, 32))
    app.game.stamp(np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.uint8), 10, 10)
    app.handle(key(pygame.K_i))
    assert app.identify_job is not None
    run_until(app, lambda: app.identify_job is None)
    assert app.game.message.startswith("spaceship, period 4") and "c/4" in app.game.message
    app.game.clear()
    drag(app, [cell_center(app, 5, 5), cell_center(app, 5, 7)])
    app.handle(key(pygame.K_i))
    run_until(app, lambda: app.identify_job is None)
    assert app.game.message == "oscillator, period 2"


def test_identify_can_be_cancelled(make_app):
    app = make_app(size=(256, 256))
    app.game.randomize(seed=1)
    app.handle(key(pygame.K_i))
    job = app.identify_job
    assert job is not None
    app.handle(key(pygame.K_ESCAPE))
    assert app.identify_job is None and "cancelled" in app.game.message
    job.cancel(wait=60)  # a hang guard: the thread looks at the flag every generation
    assert job.done and (job.cancelled or job.result is not None)


def test_recording_a_gif_of_the_window(make_app, tmp_path: Path, monkeypatch):
    Image = pytest.importorskip("PIL.Image")
    monkeypatch.chdir(tmp_path)
    app = make_app(size=(16, 16))
    drag(app, [cell_center(app, 5, 5), cell_center(app, 5, 7)])
    start = app.game.board.copy()
    app.handle(key(pygame.K_F9))
    assert app.recording is not None
    name = app.recording.path.name
    app.draw(app.screen)
    for g in range(1, 4):
        app.handle(key(pygame.K_n))
        run_until(app, lambda g=g: app.game.generation == g)
    app.frame(tick=False)
    app.handle(key(pygame.K_g, SHIFT))  # Shift+G stops too
    assert app.recording is None and name in app.game.message
    with Image.open(tmp_path / name) as gif:
        assert gif.n_frames == 4
        cell_size = gif.size[0] // 16
        for i in range(4):
            gif.seek(i)
            pixels = np.array(gif.convert("L"))[cell_size // 2::cell_size, cell_size // 2::cell_size]
            expected = fast_step(start.cells, CONWAY, i) if i else start.cells
            assert np.array_equal(pixels > pixels.min(), expected.astype(bool)), i


def test_closing_the_window_finishes_a_recording(make_app, tmp_path: Path, monkeypatch):
    pytest.importorskip("PIL.Image")
    monkeypatch.chdir(tmp_path)
    app = make_app(size=(16, 16))
    app.handle(key(pygame.K_F9))
    path = app.recording.path
    app.close()
    assert path.is_file()


def test_every_new_command_is_on_a_key():
    bound = {b.cmd.command for b in KEYMAP}
    for command in (Command.SAVE_AS, Command.ASK_OPEN, Command.RESET_TO_START, Command.IDENTIFY, Command.RECORD):
        assert command in bound
