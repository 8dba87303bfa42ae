"""The window's jumps and background saves: hyper speed, go to generation (Ctrl+G), saves in a thread.

Driven through the real event handling with synthetic pygame events
(``SDL_VIDEODRIVER=dummy``).  Where a test must see a jump or a save
*under way*, its engine or writer waits on a gate the test opens; waits are
hang guards on jobs and futures, never fixed sleeps or time measurements.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pygame
import pytest

from lifegame.app import files as app_files
from lifegame.app import loop as app_loop
from lifegame.app.compute import (
    BackgroundDriver,
    JumpProgress,
    LoopDriver,
)
from lifegame.app.game import MAX_STEP_EXPONENT, SPEEDS
from lifegame.app.hud import Status
from lifegame.app.loop import App
from lifegame.app.prompt import parse_generation
from lifegame.app.tools import SaveJob
from lifegame.board import Board
from lifegame.engines.base import Capabilities, EngineBase, check_cancel
from lifegame.engines.fast import step as fast_step
from lifegame.patterns import PatternError, read_pattern
from lifegame.rules import CONWAY
from lifegame.start import starting_board
from window import cell_center, click, key, run_until

KD = pygame.KEYDOWN
CTRL, SHIFT = pygame.KMOD_LCTRL, pygame.KMOD_LSHIFT
HANG = 120.0  # seconds: a hang guard, never a measure


def type_text(app: App, text: str) -> None:
    for ch in text:
        app.handle(pygame.event.Event(pygame.TEXTINPUT, text=ch))


def go_to(app: App, text: str) -> None:
    app.handle(key(pygame.K_g, CTRL))
    assert app.prompt is not None and app.prompt.kind == "go to"
    type_text(app, text)
    app.handle(key(pygame.K_RETURN))


def status_of(app: App, monkeypatch) -> Status:
    """The :class:`Status` the window draws now."""
    seen: list[Status] = []
    monkeypatch.setattr(app.hud, "status_line", lambda surface, st: seen.append(st))
    app.draw(app.screen)
    monkeypatch.undo()
    return seen[-1]


class GatedEngine(EngineBase):
    """An engine whose generations wait for :attr:`gate` (one release a generation), telling progress."""

    name = "gated"
    capabilities = Capabilities(background=True, traceable=False, workers=1)

    def __init__(self) -> None:
        self.gate = threading.Semaphore(0)
        self.finished = threading.Event()  # an advance returned or raised

    def advance(self, board, rule, generations=1, *, cancel=None, progress=None):
        self.finished.clear()
        try:
            cells = board.cells
            for done in range(1, generations + 1):
                while not self.gate.acquire(timeout=0.01):
                    check_cancel(cancel)
                check_cancel(cancel)
                cells = fast_step(cells, rule, 1)
                if progress is not None:
                    progress(done, generations)
            return Board(board.height, board.width, cells)
        finally:
            self.finished.set()

    def describe(self, board):
        return "gated"


@pytest.fixture
def gated(monkeypatch):
    """The next window computes with a :class:`GatedEngine` (returned)."""
    engine = GatedEngine()
    monkeypatch.setattr(app_loop, "make_engine", lambda name, pool: engine)
    return engine


def r_pentomino(h: int, w: int) -> Board:
    board = Board(h, w)
    board.place(np.array([[0, 1, 1], [1, 1, 0], [0, 1, 0]], dtype=np.uint8), h // 2, w // 2)
    return board


def to_top_speed(app: App) -> None:
    """Past the fastest speed: hyper speed, 2^1 generations an update."""
    while app.game.step_exponent == 0:
        app.handle(key(pygame.K_PLUS))
    assert app.game.step_exponent == 1


# -- hyper speed ----------------------------------------------------------------------------
def test_plus_past_the_fastest_speed_is_hyper_speed_and_minus_comes_back(make_app, monkeypatch):
    app = make_app(size=(16, 16))
    for _ in range(len(SPEEDS) - 1 - app.game.speed_index):
        app.handle(key(pygame.K_PLUS))
    assert app.game.step_exponent == 0 and not app.game.hyper
    for n in range(1, 4):
        app.handle(key(pygame.K_PLUS))
        assert app.game.step_exponent == n and app.game.hyper
    st = status_of(app, monkeypatch)
    assert st.step_exponent == 3
    for _ in range(MAX_STEP_EXPONENT + 5):
        app.handle(key(pygame.K_RIGHTBRACKET))
    assert app.game.step_exponent == MAX_STEP_EXPONENT
    for _ in range(MAX_STEP_EXPONENT):
        app.handle(key(pygame.K_MINUS))
    assert app.game.step_exponent == 0 and app.game.speed == SPEEDS[-1]
    app.handle(key(pygame.K_MINUS))
    assert app.game.speed == SPEEDS[-2]


def test_hyper_speed_on_a_board_the_loop_steps_jumps_in_the_background(make_app, monkeypatch):
    app = make_app()  # the default board: the coroutines in the loop
    assert isinstance(app.game.driver, LoopDriver)
    start = app.game.board.copy()
    to_top_speed(app)
    while app.game.step_exponent < 4:
        app.handle(key(pygame.K_PLUS))
    seen: list[int] = []
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: (seen.append(app.game.generation), app.game.generation >= 64)[1])
    assert all(g % 16 == 0 for g in seen)  # 2^4 generations an update, never fewer
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: not app.game.jumping)
    gen = app.game.generation
    assert gen % 16 == 0 and gen >= 64
    assert np.array_equal(app.game.board.cells, fast_step(start.cells, app.game.rule, gen))
    st = status_of(app, monkeypatch)
    assert st.step_exponent == 4 and not st.playing
    # The whole run is one undo record, back to generation 0.
    app.handle(key(pygame.K_z, CTRL))
    assert app.game.generation == 0 and app.game.board == start


def test_hyper_speed_on_a_power_of_two_board_asks_for_2_to_the_n_in_one_call(make_app):
    start = r_pentomino(256, 256)
    app = make_app(start.copy(), size=(256, 256))
    assert isinstance(app.game.driver, BackgroundDriver)
    calls: list[int] = []
    engine = app._background_engine().engine
    real = engine.advance

    def counting(board, rule, n=1, **kw):
        calls.append(n)
        return real(board, rule, n, **kw)

    engine.advance = counting
    to_top_speed(app)
    while app.game.step_exponent < 10:
        app.handle(key(pygame.K_PLUS))
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: app.game.generation >= 3 * 1024)
    app.handle(key(pygame.K_SPACE))
    run_until(app, lambda: not app.game.jumping)
    gen = app.game.generation
    assert gen % 1024 == 0 and set(calls) == {1024}
    assert np.array_equal(app.game.board.cells, fast_step(start.cells, CONWAY, gen))


def test_tab_at_hyper_speed_is_one_jump_of_the_step(make_app):
    app = make_app(size=(16, 16))
    app.game.paint([(3, 4), (4, 5), (5, 3), (5, 4), (5, 5)], True)  # a glider
    start = app.game.board.copy()
    to_top_speed(app)
    while app.game.step_exponent < 5:
        app.handle(key(pygame.K_PLUS))
    app.handle(key(pygame.K_TAB))
    run_until(app, lambda: not app.game.jumping)
    assert app.game.generation == 32
    assert np.array_equal(app.game.board.cells, fast_step(start.cells, CONWAY, 32))


# -- go to generation -----------------------------------------------------------------------
def test_ctrl_g_goes_forward_and_the_jump_is_one_undo_record(make_app):
    app = make_app()  # the default board, stepped in the loop
    start = app.game.board.copy()
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 1)
    go_to(app, "1,000")
    assert app.prompt is None and app.game.goto is not None
    run_until(app, lambda: app.game.goto is None)
    assert app.game.generation == 1000 and "1,000" in app.game.message
    assert np.array_equal(app.game.board.cells, fast_step(start.cells, app.game.rule, 1000))
    app.handle(key(pygame.K_z, CTRL))
    assert app.game.generation == 1
    assert np.array_equal(app.game.board.cells, fast_step(start.cells, app.game.rule, 1))
    app.handle(key(pygame.K_y, CTRL))
    assert app.game.generation == 1000
    # The loop steps the board that came back, from there.
    app.handle(key(pygame.K_n))
    run_until(app, lambda: app.game.generation == 1001)
    assert np.array_equal(app.game.board.cells, fast_step(start.cells, app.game.rule, 1001))


def test_going_to_an_earlier_generation_goes_forward_from_generation_0(make_app):
    start = r_pentomino(64, 64)
    app = make_app(start.copy(), size=(64, 64))
    go_to(app, "300")
    run_until(app, lambda: app.game.goto is None)
    go_to(app, "2^5")
    assert app.game.generation == 0  # reset first; the board at 0 is shown while the jump runs
    run_until(app, lambda: app.game.goto is None)
    assert app.game.generation == 32
    assert np.array_equal(app.game.board.cells, fast_step(start.cells, CONWAY, 32))
    app.handle(key(pygame.K_z, CTRL))  # back to where it started: 300
    assert app.game.generation == 300
    assert np.array_equal(app.game.board.cells, fast_step(start.cells, CONWAY, 300))
    go_to(app, "+7")
    run_until(app, lambda: app.game.goto is None)
    assert app.game.generation == 307


def test_go_to_shows_progress_keeps_drawing_and_edits_apply_to_the_board_that_comes_back(make_app, gated,
                                                                                         monkeypatch):
    start = r_pentomino(32, 32)
    app = make_app(start.copy(), size=(32, 32))
    go_to(app, "50")
    goto = app.game.goto
    assert goto is not None
    gated.gate.release(10)
    run_until(app, lambda: goto.progress.latest == (10, 50))
    app.frame(tick=False)
    st = status_of(app, monkeypatch)
    assert "go to 50" in st.jump and "20%" in st.jump and st.jump_fraction == pytest.approx(0.2)
    assert app.game.generation == 0 and app.game.jumping
    # Drawing while the jump runs: on the board shown now, and on the one that comes back.
    click(app, cell_center(app, 2, 2))
    assert app.game.board.cells[2, 2] == 1
    gated.gate.release(40)
    run_until(app, lambda: app.game.goto is None)
    expected = fast_step(start.cells, CONWAY, 50)
    expected[2, 2] = 1
    assert app.game.generation == 50 and np.array_equal(app.game.board.cells, expected)


def test_esc_cancels_a_go_to(make_app, gated):
    start = r_pentomino(32, 32)
    app = make_app(start.copy(), size=(32, 32))
    go_to(app, "1000000")
    gated.gate.release(3)
    run_until(app, lambda: app.game.goto.progress.latest[0] == 3)
    app.handle(key(pygame.K_ESCAPE))
    assert app.game.goto is None and not app.game.jumping and "cancelled" in app.game.message
    assert gated.finished.wait(HANG)  # the engine saw the cancel
    for _ in range(3):
        app.frame(tick=False)
    assert app.game.generation == 0 and app.game.board == start


def test_esc_cancels_a_hyper_speed_jump_and_pauses(make_app, gated):
    app = make_app(r_pentomino(32, 32), size=(32, 32))
    to_top_speed(app)
    app.handle(key(pygame.K_SPACE))
    app.frame(tick=False)
    assert app.game.jumping
    app.handle(key(pygame.K_ESCAPE))
    assert not app.game.playing and not app.game.jumping
    assert gated.finished.wait(HANG)
    app.frame(tick=False)
    assert app.game.generation == 0


def test_a_failed_jump_is_one_line_in_the_window(make_app, gated, monkeypatch):
    app = make_app(r_pentomino(32, 32), size=(32, 32))

    def broken(*a, **kw):
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(gated, "advance", broken)
    go_to(app, "100")
    run_until(app, lambda: app.game.goto is None)
    assert app.game.generation == 0 and "failed" in app.game.message and "broke" in app.game.message


def test_the_go_to_box_refuses_what_is_not_a_generation(make_app):
    app = make_app(size=(16, 16))
    go_to(app, "soon")
    assert app.prompt is not None and "not a generation" in app.prompt.error
    app.handle(key(pygame.K_ESCAPE))
    assert app.prompt is None and app.game.goto is None
    go_to(app, "0")
    assert app.prompt is None and "already" in app.game.message


@pytest.mark.parametrize("text, expected", [
    ("1000000", 1_000_000), ("1,000,000", 1_000_000), ("1_000", 1000), (" 42 ", 42), ("2^20", 1 << 20),
    ("1e6", 1_000_000), ("+10", 110), ("0", 0),
])
def test_parse_generation(text, expected):
    assert parse_generation(text, 100) == expected


@pytest.mark.parametrize("text", ["", "-5", "abc", "1.5", "2^999", "1e99", "1e-3"])
def test_parse_generation_refuses(text):
    with pytest.raises(ValueError):
        parse_generation(text, 100)


def test_jump_progress_is_told_from_another_thread():
    progress = JumpProgress(100)
    assert progress.latest == (0, 100) and progress.fraction == 0.0
    t = threading.Thread(target=lambda: [progress(i, 100) for i in range(1, 101)])
    t.start()
    t.join(HANG)
    assert progress.latest == (100, 100) and progress.fraction == 1.0


# -- saves in the background ------------------------------------------------------------------
@pytest.fixture
def gated_writer(monkeypatch):
    """Saves wait for the returned event before writing (the real writer then writes)."""
    gate = threading.Event()
    real = app_files.write_snapshot

    def write(target, pattern, progress=None):
        if progress is not None:
            progress(0.0)
        assert gate.wait(HANG)
        real(target, pattern, progress)

    monkeypatch.setattr(app_files, "write_snapshot", write)
    return gate


def test_a_save_runs_in_the_background_on_a_snapshot(make_app, tmp_path: Path, gated_writer, monkeypatch):
    path = tmp_path / "work.rle"
    app = make_app(pattern=str(path), size=(16, 16))
    click(app, cell_center(app, 4, 4))
    saved_board = app.game.board.copy()
    app.handle(key(pygame.K_s, CTRL))
    job = app.save_job
    assert job is not None and not job.done()
    # The window goes on: frames, edits, play.
    click(app, cell_center(app, 8, 8))
    for _ in range(3):
        app.frame(tick=False)
    assert app.game.board.cells[8, 8] == 1 and not path.exists()
    assert job.status(now=job.started + 10).startswith("saving work.rle")
    app.handle(key(pygame.K_s, CTRL))  # a second save waits for the first
    assert "still saving" in app.game.message
    gated_writer.set()
    job.future.result(HANG)
    app.frame(tick=False)
    assert app.save_job is None and "saved" in app.game.message
    board, _ = starting_board(read_pattern(path))
    assert board == saved_board  # the snapshot, not the board drawn on since
    assert app.game.dirty  # the cell drawn since is not in the file
    app.handle(key(pygame.K_z, CTRL))  # undoing it comes back to the saved board
    assert not app.game.dirty


def test_quitting_waits_for_the_save_in_progress(make_app, tmp_path: Path, gated_writer):
    path = tmp_path / "work.rle"
    app = make_app(pattern=str(path), size=(16, 16))
    click(app, cell_center(app, 4, 4))
    app.handle(key(pygame.K_s, CTRL))
    app.handle(key(pygame.K_q, CTRL))
    app.frame(tick=False)
    assert app.running and "quitting once it is written" in app.game.message
    app.handle(pygame.event.Event(pygame.QUIT))  # closing the window waits as well
    assert app.running
    gated_writer.set()
    app.save_job.future.result(HANG)
    app.frame(tick=False)
    assert not app.running and read_pattern(path).population == 1


def test_closing_the_window_waits_for_the_save_to_be_written(make_app, tmp_path: Path, gated_writer):
    path = tmp_path / "big.rle"
    app = make_app(pattern=str(path), size=(64, 64))
    app.game.randomize(seed=1)
    app.handle(key(pygame.K_s, CTRL))
    job = app.save_job
    closer = threading.Thread(target=app.close)
    closer.start()
    assert not path.exists()
    gated_writer.set()
    closer.join(HANG)
    assert not closer.is_alive() and job.done() and job.future.exception() is None
    board, _ = starting_board(read_pattern(path))
    assert board.population() == app.game.board.population()


def test_a_failed_save_is_one_line_and_the_board_stays_unsaved(make_app, tmp_path: Path, monkeypatch):
    def refuse(target, pattern, progress=None):
        raise PatternError(f"{target.name}: cannot write: No space left on device")

    monkeypatch.setattr(app_files, "write_snapshot", refuse)
    path = tmp_path / "full.rle"
    app = make_app(pattern=str(path), size=(16, 16))
    click(app, cell_center(app, 4, 4))
    app.handle(key(pygame.K_s, CTRL))
    app.handle(key(pygame.K_q, CTRL))
    app.save_job.future.exception(HANG)
    app.frame(tick=False)
    assert app.running and app.save_job is None and app.game.dirty
    assert "No space left" in app.game.message and "not quitting" in app.game.message
    assert "\n" not in app.game.message and not path.exists()


def test_save_progress_is_told_by_the_writer(tmp_path: Path):
    from concurrent.futures import ThreadPoolExecutor

    board = Board(512, 512)
    board.cells[::3, ::2] = 1
    pattern = app_files.snapshot_for_save(tmp_path / "p.rle", board, CONWAY, None)
    seen: list[float] = []

    def write(target, pat, progress):
        app_files.write_snapshot(target, pat, lambda f: (seen.append(f), progress(f)))

    with ThreadPoolExecutor(max_workers=1) as pool:
        job = SaveJob(pool, write, tmp_path / "p.rle", pattern, rule=CONWAY, generation=0, gen0=None, version=0)
        frame = job.future.result(HANG)
    assert seen and seen[-1] == 1.0 and job.fraction == 1.0
    assert frame.holds(board, 0)
    assert job.status(now=job.started) == "" and job.status(now=job.started + 5) == "saving p.rle 100%"
