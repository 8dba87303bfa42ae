"""The window, driven through its real event handling with synthetic pygame events.

``tests/conftest.py`` sets ``SDL_VIDEODRIVER=dummy``: no real window opens.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pygame
import pytest

from processes import descendants
from lifegame.app import AppOptions, initial_board
from lifegame.app.game import SPEEDS, line_cells
from lifegame.app.hud import trace_header
from lifegame.app.input import Cmd, Command
from lifegame.app.loop import READY_FILE_ENV, App
from lifegame.board import Board
from lifegame.engines.fast import step as fast_step
from lifegame.patterns import read_pattern
from lifegame.rules import CONWAY
from lifegame.start import starting_board
from window import cell_center, click, drag, key, run_until, wait_saved, MD, MM, MU


# -- drawing --------------------------------------------------------------------
def test_left_click_toggles_and_right_click_erases(make_app):
    app = make_app(size=(32, 32))
    assert app.game.population == 0
    click(app, cell_center(app, 5, 7))
    assert app.game.board[5, 7] and app.game.population == 1
    click(app, cell_center(app, 5, 7))  # a click on a live cell clears it (Golly)
    assert not app.game.board[5, 7] and app.game.population == 0
    click(app, cell_center(app, 5, 7))
    click(app, cell_center(app, 5, 7), button=3)
    assert not app.game.board[5, 7] and app.game.population == 0
    click(app, cell_center(app, 5, 8), button=3)  # erasing an empty cell leaves it empty
    assert app.game.population == 0


def test_fast_drag_leaves_no_gaps(make_app):
    app = make_app(size=(32, 32))
    a, b = cell_center(app, 3, 1), cell_center(app, 20, 30)
    drag(app, [a, b])  # one motion event across the whole board
    for y, x in line_cells(3, 1, 20, 30):
        assert app.game.board[y, x], (y, x)
    # And erasing the same way clears every one of them.
    drag(app, [a, b], button=3)
    assert app.game.population == 0


def test_drawing_across_an_edge_wraps(make_app):
    app = make_app(size=(16, 16))
    x0, y0 = cell_center(app, 4, 14)
    x1, _ = cell_center(app, 4, 18)  # two cells past the right edge: columns 0 and 1 again
    drag(app, [(x0, y0), (x1, y0)])
    assert [x for x in range(16) if app.game.board[4, x]] == [0, 1, 2, 14, 15]


def test_a_stroke_is_undone_and_redone_in_one_step(make_app):
    app = make_app(size=(32, 32))
    drag(app, [cell_center(app, 2, 2), cell_center(app, 2, 12)])
    assert app.game.population == 11
    app.handle(key(pygame.K_z, pygame.KMOD_LCTRL))
    assert app.game.population == 0
    app.handle(key(pygame.K_y, pygame.KMOD_LCTRL))
    assert app.game.population == 11


def test_stamping_a_pattern_from_the_palette(make_app):
    app = make_app(size=(32, 32))
    app.handle(key(pygame.K_1))
    entry = app.palette.entry
    assert entry is not None and entry.name == "glider"
    click(app, cell_center(app, 10, 10))
    assert app.game.population == int(entry.cells.sum())
    app.handle(key(pygame.K_z, pygame.KMOD_LCTRL))
    assert app.game.population == 0


# -- the camera ---------------------------------------------------------------------
def test_zoom_at_pointer_keeps_the_cell_under_the_pointer(make_app):
    app = make_app(size=(64, 64))
    pos = (123, 217)
    app.handle(pygame.event.Event(MM, pos=pos, rel=(0, 0), buttons=(0, 0, 0)))
    for steps in (1, 1, 2, -1, -3, -2):
        before = app.view.world_at(*pos)
        ppc = app.view.ppc
        app.handle(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=steps, flipped=False))
        assert app.view.ppc != ppc
        after = app.view.world_at(*pos)
        assert after == pytest.approx(before, abs=1e-9)


def test_pan_with_middle_drag_shift_drag_and_arrows(make_app):
    app = make_app(size=(64, 64))
    ox, oy, ppc = app.view.ox, app.view.oy, app.view.ppc
    drag(app, [(100, 100), (160, 130)], button=2)
    assert (app.view.ox, app.view.oy) == pytest.approx((ox - 60 / ppc, oy - 30 / ppc))
    assert app.game.population == 0  # panning never draws
    ox, oy = app.view.ox, app.view.oy
    app.handle(pygame.event.Event(MD, pos=(100, 100), button=1, mod=pygame.KMOD_LSHIFT))
    app.handle(pygame.event.Event(MM, pos=(80, 100), rel=(0, 0), buttons=(1, 0, 0)))
    app.handle(pygame.event.Event(MU, pos=(80, 100), button=1))
    assert app.view.ox == pytest.approx(ox + 20 / ppc) and app.game.population == 0
    ox = app.view.ox
    app.handle(key(pygame.K_LEFT))
    assert app.view.ox < ox
    oy = app.view.oy
    app.handle(key(pygame.K_DOWN))
    assert app.view.oy > oy


# -- running --------------------------------------------------------------------------
def test_n_steps_exactly_one_generation_and_right_pans(make_app):
    rng = np.random.default_rng(1)
    board = Board.from_array(rng.random((24, 40)) < 0.35)
    app = make_app(board=board.copy(), size=(24, 40))
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 1)
    assert np.array_equal(app.game.board.cells, fast_step(board.cells, CONWAY, 1))
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 2)
    ox = app.view.ox
    app.handle(key(pygame.K_RIGHT))  # the arrows pan, as the README says; they never step
    for _ in range(5):
        app.frame(tick=False)
    assert app.game.generation == 2 and not app.game.playing and app.view.ox > ox
    assert np.array_equal(app.game.board.cells, fast_step(board.cells, CONWAY, 2))


def test_tab_steps_a_batch(make_app):
    app = make_app(size=(24, 24))
    app.handle(key(pygame.K_TAB))
    run_until(app, lambda: app.game.generation >= 10)
    assert app.game.generation == 10


def test_space_plays_and_pauses(make_app):
    app = make_app()  # the default board: something alive, coroutines in the loop
    assert app.game.driver.label == "coroutines in the loop" and app.game.population > 0
    app.handle(key(pygame.K_SPACE))
    assert app.game.playing
    run_until(app, lambda: app.game.generation >= 2)
    app.handle(key(pygame.K_SPACE))
    assert not app.game.playing
    gen = app.game.generation
    for _ in range(10):
        app.frame(tick=False)
    # A generation under way when paused may still complete, but no new one starts.
    assert app.game.generation <= gen + 1


def test_speed_keys(make_app):
    app = make_app(size=(16, 16))
    start = app.game.speed
    app.handle(key(pygame.K_PLUS))
    app.handle(key(pygame.K_RIGHTBRACKET))
    assert app.game.speed > start
    for _ in range(len(SPEEDS)):
        app.handle(key(pygame.K_EQUALS))
    assert math.isinf(app.game.speed)  # "as fast as possible"
    assert app.game.step_exponent > 0  # and past it, hyper speed (tests/test_app_jumps.py)
    for _ in range(80):
        app.handle(key(pygame.K_MINUS))
    assert app.game.speed == 1 and app.game.step_exponent == 0
    app.handle(key(pygame.K_LEFTBRACKET))
    assert app.game.speed == SPEEDS[0]


def test_more_than_one_generation_per_frame_at_full_speed(make_app):
    app = make_app(size=(12, 12))
    app.game.randomize(seed=3)
    app.game.speed_index = len(SPEEDS) - 1
    app.handle(key(pygame.K_SPACE))
    # One update with a frame's worth of time (generous, so a busy machine
    # cannot starve it): at full speed it computes generation after generation.
    app.update(1 / 60, time.perf_counter() + 0.25)
    assert app.game.generation > 2


def test_inline_edits_during_a_generation_are_kept(make_app):
    app = make_app(size=(100, 100))
    app.game.randomize(seed=5)
    assert app.game.driver.label == "coroutines in the loop"
    app.handle(key(pygame.K_n))
    app.update(0.0, time.perf_counter() + 0.001)  # a sliver of a generation
    assert app.game.driver.busy
    click(app, cell_center(app, 50, 50), button=3)
    click(app, cell_center(app, 0, 99))
    run_until(app, lambda: app.game.generation == 1)
    assert not app.game.board[50, 50] and app.game.board[0, 99]


def test_reset_goes_back_to_where_play_started(make_app):
    app = make_app(size=(20, 20))
    drag(app, [cell_center(app, 5, 5), cell_center(app, 5, 7)])  # a blinker
    start = app.game.board.copy()
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 1)
    assert app.game.board != start
    app.handle(key(pygame.K_HOME))
    assert app.game.generation == 0 and app.game.board == start


def test_clear_random_and_grid(make_app):
    app = make_app(size=(40, 40))
    app.handle(key(pygame.K_r))
    assert 0.2 < app.game.population / 1600 < 0.4
    assert "30%" in app.game.message
    app.handle(key(pygame.K_c))
    assert app.game.population == 0
    app.handle(key(pygame.K_z, pygame.KMOD_LCTRL))
    assert app.game.population > 0
    grid = app.grid
    app.handle(key(pygame.K_g))
    assert app.grid is not grid


# -- background computation ---------------------------------------------------------------
def _pool_app(make_app, n: int = 300) -> App:
    rng = np.random.default_rng(7)
    board = Board.from_array(rng.random((n, n)) < 0.4)
    app = make_app(board=board, size=(n, n))
    assert not app.game.driver.traceable  # computed in the background
    return app


def test_the_status_line_names_the_engine_that_really_computes(make_app):
    # A nearly empty large board stays in this process (the fast kernel skips
    # its quiet tiles); a busy one goes to the pool.  The HUD must say which,
    # before play and after.
    sparse = make_app(size=(1536, 1536), workers=2)
    assert sparse.game.driver.label == "fast kernel in a thread"
    sparse.handle(key(pygame.K_n))
    run_until(sparse, lambda: sparse.game.generation >= 1, timeout=120)
    assert sparse.game.driver.label == "fast kernel in a thread"
    rng = np.random.default_rng(3)
    dense = make_app(board=Board.from_array(rng.random((1536, 1536)) < 0.4), size=(1536, 1536), workers=2)
    assert dense.game.driver.label == "process pool, 2 workers"
    dense.handle(key(pygame.K_n))
    run_until(dense, lambda: dense.game.generation >= 1, timeout=120)
    assert dense.game.driver.label == "process pool, 2 workers"
    dense.handle(key(pygame.K_c))  # cleared (a new board, generation 0): the next generations stay in this process
    assert dense.game.generation == 0
    dense.handle(key(pygame.K_n))
    run_until(dense, lambda: dense.game.generation >= 1, timeout=120)
    assert dense.game.driver.label == "fast kernel in a thread"


def test_edits_during_background_computation_are_kept(make_app):
    app = _pool_app(make_app)
    start = app.game.board.copy()
    app.handle(key(pygame.K_n))
    app.frame(tick=False)
    assert app.game.driver.busy  # submitted; the loop does not wait for it
    # Draw and erase while the generation is being computed elsewhere.
    drag(app, [cell_center(app, 150, 100), cell_center(app, 150, 140)])
    click(app, cell_center(app, 10, 10), button=3)
    run_until(app, lambda: app.game.generation == 1)
    expected = fast_step(start.cells, CONWAY, 1)
    expected[150, 100:141] = 1
    expected[10, 10] = 0
    assert np.array_equal(app.game.board.cells, expected)


def test_clean_shutdown_with_work_in_flight(make_app):
    before = descendants()
    app = _pool_app(make_app, n=1536)
    app.game.speed_index = len(SPEEDS) - 1
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: app.game.generation >= 1, timeout=120)
    app.frame(tick=False)
    assert app.game.driver.busy
    workers = descendants().keys() - before.keys()
    assert workers  # a 1536x1536 board is computed by a process pool
    app.handle(key(pygame.K_q, pygame.KMOD_LCTRL))
    assert app.running and "unsaved" in app.game.message  # played: a board in no file asks first
    app.handle(key(pygame.K_q, pygame.KMOD_LCTRL))
    assert not app.running
    closing = threading.Thread(target=app.close, daemon=True)
    closing.start()
    closing.join(120)  # a hang guard, not a measure: close cancels the work in flight
    assert not closing.is_alive()
    deadline = time.monotonic() + 60
    while descendants().keys() - before.keys() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = {pid: line for pid, line in descendants().items() if pid not in before}
    assert not left
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# -- files and the title ----------------------------------------------------------------------
def test_a_pattern_opens_on_the_same_board_on_every_path(make_app, tmp_path: Path):
    path = tmp_path / "glider.rle"
    path.write_text("#N Glider\nx = 3, y = 3, rule = B3/S23\nbo$2bo$3o!\n")
    expected, rule = starting_board(read_pattern(path))
    assert expected.shape == (35, 35)  # the glider's extent and a margin of 16 on each side
    board, rule0, *_ = initial_board(AppOptions(pattern=str(path)))
    assert board == expected and rule0 == rule
    on_start = make_app(pattern=str(path))
    assert on_start.game.board == expected
    opened = make_app(size=(10, 12))
    opened.execute(Cmd(Command.OPEN, str(path)))  # the window's open
    assert opened.game.board == expected and opened.game.path == path
    dropped = make_app(size=(10, 12))
    dropped.handle(pygame.event.Event(pygame.DROPFILE, file=str(path)))
    assert dropped.game.board == expected and dropped.game.rule == rule


def test_title_save_and_reopen(make_app, tmp_path: Path):
    path = tmp_path / "mine.rle"
    app = make_app(pattern=str(path), size=(20, 30))
    assert "lifegame" in app.caption and "mine.rle" in app.caption and "*" not in app.caption
    drag(app, [cell_center(app, 0, 0), cell_center(app, 19, 29)])
    app.frame(tick=False)
    assert app.caption.endswith("*")
    app.handle(key(pygame.K_s, pygame.KMOD_LCTRL))
    wait_saved(app)
    assert path.is_file() and not app.caption.endswith("*")
    again, _ = starting_board(read_pattern(path))
    assert again == app.game.board
    # Dropping the file on the window opens it.
    app.handle(key(pygame.K_c))
    app.handle(pygame.event.Event(pygame.DROPFILE, file=str(path)))
    assert app.game.board == again and "mine.rle" in app.caption


def test_undoing_an_open_brings_back_the_old_file_so_a_save_cannot_overwrite_the_new_one(make_app, tmp_path: Path):
    mine = tmp_path / "mine.rle"
    app = make_app(pattern=str(mine), size=(16, 16), rule="B36/S23")
    click(app, cell_center(app, 5, 5))
    assert app.game.dirty
    gun = tmp_path / "gun.rle"
    gun.write_text("#N Gun\n#O Somebody\nx = 3, y = 1, rule = B3/S23\n3o!\n")
    app.handle(pygame.event.Event(pygame.DROPFILE, file=str(gun)))
    assert app.game.path == gun and str(app.game.rule) == "B3/S23" and not app.game.dirty
    app.handle(key(pygame.K_z, pygame.KMOD_LCTRL))
    app.frame(tick=False)
    # Back to the drawing: its file, its rule, still unsaved.
    assert app.game.path == mine and str(app.game.rule) == "B36/S23" and app.game.dirty
    assert "mine.rle" in app.caption and app.caption.endswith("*")
    app.handle(key(pygame.K_s, pygame.KMOD_LCTRL))
    wait_saved(app)
    assert gun.read_text().endswith("3o!\n")  # untouched
    saved = read_pattern(mine)
    assert saved.population == 1 and str(saved.rule) == "B36/S23" and saved.author != "Somebody"
    # Redo opens the gun again, with its credits for the next save.
    app.handle(key(pygame.K_y, pygame.KMOD_LCTRL))
    assert app.game.path == gun and app.game.board.population() == 3


def test_quitting_past_unsaved_changes_to_a_file_takes_a_second_request(make_app, tmp_path: Path):
    app = make_app(pattern=str(tmp_path / "work.rle"), size=(16, 16))
    click(app, cell_center(app, 4, 4))
    app.handle(key(pygame.K_q, pygame.KMOD_LCTRL))
    assert app.running and "unsaved" in app.game.message and "work.rle" in app.game.message
    app.handle(pygame.event.Event(pygame.QUIT))  # closing the window confirms
    assert not app.running
    # Saved work quits at once; so does a board nobody changed.
    saved = make_app(pattern=str(tmp_path / "kept.rle"), size=(16, 16))
    click(saved, cell_center(saved, 4, 4))
    saved.handle(key(pygame.K_s, pygame.KMOD_LCTRL))
    saved.handle(key(pygame.K_q, pygame.KMOD_LCTRL))  # during the save: quits once it is written
    wait_saved(saved)
    assert not saved.running
    untouched = make_app(size=(16, 16))
    untouched.handle(pygame.event.Event(pygame.QUIT))
    assert not untouched.running


def test_coming_back_to_the_saved_board_clears_the_unsaved_mark(make_app, tmp_path: Path):
    path = tmp_path / "blinker.rle"
    path.write_text("x = 3, y = 1, rule = B3/S23\n3o!\n")
    app = make_app(pattern=str(path))
    assert not app.game.dirty
    click(app, cell_center(app, 1, 1))
    assert app.game.dirty
    app.handle(key(pygame.K_z, pygame.KMOD_LCTRL))  # the only edit undone: the file's board again
    assert not app.game.dirty
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 1)
    assert app.game.dirty
    app.handle(key(pygame.K_HOME))  # reset to generation 0: what the file holds
    assert app.game.generation == 0 and not app.game.dirty
    app.frame(tick=False)
    assert not app.caption.endswith("*")


def test_bad_dropped_file_is_a_message_not_a_crash(make_app, tmp_path: Path):
    bad = tmp_path / "bad.rle"
    bad.write_text("x = 3, y = 3\nthis is not rle\n")
    app = make_app(size=(10, 10))
    app.handle(pygame.event.Event(pygame.DROPFILE, file=str(bad)))
    assert "bad.rle" in app.game.message
    app.frame(tick=False)


def test_screenshot_key_writes_a_png(make_app, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(size=(16, 16))
    app.frame(tick=False)
    app.handle(key(pygame.K_p))
    assert list(tmp_path.glob("lifegame-*.png"))


# -- the protocol trace -----------------------------------------------------------------------
def test_trace_shows_the_protocol(make_app):
    app = make_app(size=(8, 8))
    click(app, cell_center(app, 3, 3))
    app.handle(key(pygame.K_t))
    assert app.game.tracing
    # The window knows where the live cells are: only the nine cells near the
    # one drawn can change, and only those are stepped (and traced).
    assert "9 of 64 cells" in app.game.message
    app.handle(key(pygame.K_SPACE))
    for _ in range(6):
        app.update(0.5, time.perf_counter() + 0.01)  # half a second each: a few instructions
    tr = app.game.trace
    assert tr.cell is not None and tr.instructions > 0 and tr.log
    assert any("stepping 9 of 64 cells" in line for line in trace_header(tr, app.game.driver.progress))
    app.draw(app.screen)
    # N completes the generation, observed: 10 instructions per stepped cell, and TICK.
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 1)
    assert app.game.driver.progress.last_instructions == 9 * 10 + 1
    assert tr.ticks == 1 and tr.instructions == 9 * 10 + 1
    assert app.game.population == 0


def test_the_trace_starts_and_stops_at_generation_boundaries(make_app):
    app = make_app(size=(16, 16))
    app.game.randomize(seed=2)
    expected = app.game.board.cells.copy()
    app.handle(key(pygame.K_n))
    app.update(0.0, time.perf_counter())  # a deadline already past: one slice of a generation
    assert app.game.driver.busy
    app.handle(key(pygame.K_t))  # the generation under way is finished first, then observed
    assert app.game.tracing and app.game.generation == 1 and not app.game.driver.busy
    expected = fast_step(expected, CONWAY, 1)
    assert np.array_equal(app.game.board.cells, expected)
    tr = app.game.trace
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 2)
    progress = app.game.driver.progress
    assert tr.ticks == 1 and tr.instructions == progress.last_instructions == 10 * progress.stepped_cells + 1
    # Off in the middle of a generation: that one stays observed to its end,
    # the ones after it are computed without the observer.
    app.handle(key(pygame.K_SPACE))
    app.update(0.5, time.perf_counter() + 0.01)
    assert app.game.driver.busy and app.game.generation == 2
    app.handle(key(pygame.K_t))
    assert not app.game.tracing
    run_until(app, lambda: app.game.generation >= 5)
    assert tr.ticks == 2
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: not app.game.driver.busy)
    expected = fast_step(expected, CONWAY, app.game.generation - 1)
    assert np.array_equal(app.game.board.cells, expected)


def _glider_app(make_app, generations: int) -> App:
    app = make_app(size=(32, 32))
    app.game.stamp(np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.uint8), 10, 10)
    app.game.step(generations)
    run_until(app, lambda: app.game.generation == generations)
    return app


def test_a_traced_generation_steps_the_cells_an_untraced_one_would(make_app):
    traced, plain = _glider_app(make_app, 3), _glider_app(make_app, 3)
    # The trace going on and off keeps the activity the window has learnt.
    traced.handle(key(pygame.K_t))
    traced.handle(key(pygame.K_t))
    traced.handle(key(pygame.K_t))
    assert traced.game.tracing
    for app in (traced, plain):
        app.handle(key(pygame.K_n))
        run_until(app, lambda app=app: app.game.generation == 4)
    t, p = traced.game.driver.progress, plain.game.driver.progress
    assert t.stepped_cells == p.stepped_cells < 32 * 32 // 4
    assert traced.game.trace.instructions == t.last_instructions == 10 * t.stepped_cells + 1
    assert np.array_equal(traced.game.board.cells, plain.game.board.cells)
    assert traced.game.trace.ticks == 1


def test_the_trace_follows_the_default_board(make_app):
    app = make_app(window=(1280, 800))  # the board and patterns lifegame opens with
    board = app.game.board.cells.copy()
    cells = board.size
    assert cells > 64 * 64
    app.handle(key(pygame.K_t))
    assert app.game.tracing, app.game.message
    progress = app.game.driver.progress
    assert 0 < progress.stepped_cells < cells // 2 and progress.instructions == progress.last_instructions == 0
    assert f"{progress.stepped_cells:,} of {cells:,} cells" in app.game.message
    app.draw(app.screen)
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 1)
    progress = app.game.driver.progress
    assert app.game.trace.instructions == progress.last_instructions == 10 * progress.stepped_cells + 1
    assert np.array_equal(app.game.board.cells, fast_step(board, CONWAY, 1))
    # Watched or not, the next generations step only the cells near a change.
    app.handle(key(pygame.K_t))
    assert not app.game.tracing
    app.game.step(2)
    run_until(app, lambda: app.game.generation == 3)
    assert app.game.driver.progress.stepped_cells < cells // 2
    assert np.array_equal(app.game.board.cells, fast_step(board, CONWAY, 3))


def test_a_board_made_while_tracing_is_stepped_near_its_live_cells(make_app):
    app = make_app(size=(32, 32))
    app.game.randomize(seed=3)
    app.handle(key(pygame.K_t))
    assert app.game.tracing and app.game.driver.progress.stepped_cells == 32 * 32  # busy everywhere
    app.handle(key(pygame.K_c))  # a new, empty board: nothing to step
    assert app.game.driver.progress.stepped_cells == 0
    app.game.stamp(np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.uint8), 10, 10)
    board = app.game.board.cells.copy()
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 1)
    progress = app.game.driver.progress
    assert 0 < progress.stepped_cells <= 5 * 9  # the glider's cells and their neighbours
    assert app.game.trace.instructions == progress.last_instructions == 10 * progress.stepped_cells + 1
    assert np.array_equal(app.game.board.cells, fast_step(board, CONWAY, 1))


def test_a_new_board_is_stepped_near_its_live_cells_from_its_first_generation(make_app):
    # The core's Stepper starts from the live cells: no trace, no trick of the window's.
    app = make_app(size=(32, 32))
    app.game.stamp(np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.uint8), 10, 10)
    assert app.game.driver.progress.stepped_cells == 22  # said before the generation runs
    board = app.game.board.cells.copy()
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 1)
    progress = app.game.driver.progress
    assert progress.stepped_cells == 22 and progress.last_instructions == 10 * 22 + 1
    assert np.array_equal(app.game.board.cells, fast_step(board, CONWAY, 1))


def test_trace_on_a_bigger_board_says_how_long_a_generation_will_take(make_app):
    app = make_app(size=(40, 40))
    app.game.randomize(seed=1)  # busy everywhere: every cell is stepped
    app.handle(key(pygame.K_t))
    assert app.game.tracing
    assert "all 1,600 cells" in app.game.message
    assert "16,000 instructions" in app.game.message and "min" in app.game.message
    app.handle(key(pygame.K_t))
    small = make_app(size=(16, 16))
    small.handle(key(pygame.K_t))
    assert small.game.tracing and "instructions per second" in small.game.message


def test_sigterm_ends_the_program(tmp_path: Path):
    ready = tmp_path / "ready"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    env[READY_FILE_ENV] = str(ready)  # the app creates it once its first frame is drawn
    proc = subprocess.Popen([sys.executable, "-m", "lifegame", "--size", "32x32"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # a hang guard: the app says when it is ready
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the window never drew its first frame"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_saving_keeps_the_files_credits(make_app, tmp_path: Path):
    path = tmp_path / "credited.rle"
    path.write_text("#N Credited\n#O Some Discoverer\n#C Found in 1970.\nx = 3, y = 1\n3o!\n")
    app = make_app(pattern=str(path))
    app.handle(key(pygame.K_n))
    app.handle(key(pygame.K_s, pygame.KMOD_LCTRL))
    wait_saved(app)
    text = path.read_text()
    assert "#N Credited" in text and "#O Some Discoverer" in text and "#C Found in 1970." in text


def test_without_a_screen_the_app_says_so_instead_of_running_unseen():
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    result = subprocess.run([sys.executable, "-m", "lifegame", "glider"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 2
    assert "lifegame: error:" in result.stderr and "lifegame run" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one line, no SDL noise ahead of it


def test_every_command_has_one_handler_and_every_key_a_command():
    # commands.py also refuses to import when one is missing: a misspelt or
    # forgotten command fails there, never at a key press.
    from lifegame.app.commands import HANDLERS
    from lifegame.app.input import KEYMAP

    assert set(HANDLERS) == set(Command)
    assert all(isinstance(binding.cmd.command, Command) for binding in KEYMAP)
