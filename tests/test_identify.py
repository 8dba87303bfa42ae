"""identify: still lifes, oscillators, spaceships (period, displacement, speed), dying out, and giving up."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from lifegame.board import Board
from lifegame.cli import main
from lifegame.engines import JobCancelled
from lifegame.engines.fast import roll_step
from lifegame.identify import Identity, identify, speed
from lifegame.patterns import library, read_pattern
from lifegame.rules import CONWAY, parse_rule
from lifegame.start import starting_board

GLIDER = np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], np.uint8)
BLINKER = np.array([[1, 1, 1]], np.uint8)


def bundled(name: str, size: tuple[int, int] = (64, 64), at=None) -> Board:
    return starting_board(library.load(name), size=size, at=at)[0]


KNOWN = {  # name: (kind, period, displacement, one line)
    "block": ("still life", 1, (0, 0), "still life"),
    "beehive": ("still life", 1, (0, 0), "still life"),
    "eater-1": ("still life", 1, (0, 0), "still life"),
    "blinker": ("oscillator", 2, (0, 0), "oscillator, period 2"),
    "toad": ("oscillator", 2, (0, 0), "oscillator, period 2"),
    "pulsar": ("oscillator", 3, (0, 0), "oscillator, period 3"),
    "figure-eight": ("oscillator", 8, (0, 0), "oscillator, period 8"),
    "pentadecathlon": ("oscillator", 15, (0, 0), "oscillator, period 15"),
    "queen-bee-shuttle": ("oscillator", 30, (0, 0), "oscillator, period 30"),
    "glider": ("spaceship", 4, (1, 1), "spaceship, period 4, moving (1, 1) per period, c/4 diagonal"),
    "lwss": ("spaceship", 4, (0, -2), "spaceship, period 4, moving (0, -2) per period, c/2 orthogonal"),
    "mwss": ("spaceship", 4, (0, -2), "spaceship, period 4, moving (0, -2) per period, c/2 orthogonal"),
    "hwss": ("spaceship", 4, (0, -2), "spaceship, period 4, moving (0, -2) per period, c/2 orthogonal"),
    "copperhead": ("spaceship", 10, (-1, 0), "spaceship, period 10, moving (-1, 0) per period, c/10 orthogonal"),
}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_bundled_oscillators_and_spaceships(name):
    kind, period, displacement, line = KNOWN[name]
    found = identify(bundled(name), CONWAY, 100)
    assert (found.kind, found.period, found.displacement, found.start) == (kind, period, displacement, 0)
    assert str(found) == line


@pytest.mark.parametrize("name", ["glider", "lwss", "pulsar", "pentadecathlon"])
@pytest.mark.parametrize("at", [(0, 0), (60, 61), (-2, -1), (33, 7)])
def test_the_answer_does_not_depend_on_where_the_pattern_is(name, at):
    # (-2, -1) and (60, 61) put the pattern across the seams of the 64x64 torus.
    assert identify(bundled(name, at=at), CONWAY, 100) == identify(bundled(name), CONWAY, 100)


def test_a_spaceship_that_wraps_round_a_small_torus():
    board = Board(5, 5)
    board.place(GLIDER, 3, 3)
    assert str(identify(board)) == "spaceship, period 4, moving (1, 1) per period, c/4 diagonal"


@pytest.mark.parametrize("displacement, period, text", [
    ((1, 1), 4, "c/4 diagonal"), ((0, -2), 4, "c/2 orthogonal"), ((-1, 0), 10, "c/10 orthogonal"),
    ((2, 0), 5, "2c/5 orthogonal"), ((0, 6), 15, "2c/5 orthogonal"), ((-1, -1), 3, "c/3 diagonal"),
    ((2, 1), 6, "(2,1)c/6 oblique"), ((-1, 2), 6, "(2,1)c/6 oblique"), ((4, 2), 12, "(2,1)c/6 oblique"),
    ((0, 0), 3, ""), ((2, 0), 2, "c orthogonal"), ((1, 1), 1, "c diagonal"),
])
def test_speed_as_life_users_write_it(displacement, period, text):
    assert speed(displacement, period) == text


def test_empty_dies_out_and_no_period():
    assert str(identify(Board(16, 16))) == "empty"
    diehard = identify(bundled("diehard"), CONWAY, 200)
    assert (diehard.kind, diehard.start, str(diehard)) == ("dies out", 130, "dies out at generation 130")
    gun = identify(bundled("gosper-glider-gun", size=(128, 128)), CONWAY, 50)
    assert (gun.kind, gun.limit, str(gun)) == ("unknown", 50, "no period within 50 generations")


def test_a_period_just_within_the_limit_is_found_and_one_just_beyond_is_not():
    board = bundled("pentadecathlon")
    assert identify(board, CONWAY, 15).period == 15
    assert str(identify(board, CONWAY, 14)) == "no period within 14 generations"


def test_a_pattern_that_settles_says_when():
    board = Board(16, 16)
    board.place(np.array([[1, 1], [1, 0]], np.uint8), 5, 5)  # becomes a block
    found = identify(board)
    assert (found.kind, found.period, found.start) == ("still life", 1, 1)
    assert str(found) == "settles at generation 1 into a still life"
    r = identify(bundled("r-pentomino", size=(128, 128)), CONWAY, 2000)
    assert r.start > 0 and str(r).startswith(f"settles at generation {r.start} into ")


def test_b0_rules_are_not_called_empty():
    # B0 without S8: an empty board turns full, then empty again.
    assert str(identify(Board(8, 8), parse_rule("B0/S"))) == "oscillator, period 2"


def test_other_rules():
    # HighLife's replicator is no spaceship, but its glider is Conway's.
    board = Board(32, 32)
    board.place(GLIDER, 4, 4)
    assert identify(board, parse_rule("HighLife")).speed == "c/4 diagonal"


def test_evenly_spaced_copies_give_the_shortest_displacement():
    # Two gliders half the torus apart: moving (1, 1) or (33, 1) maps the board onto itself; the shortest is said.
    board = Board(64, 64)
    board.place(GLIDER, 0, 0)
    board.place(GLIDER, 32, 0)
    assert str(identify(board)) == "spaceship, period 4, moving (1, 1) per period, c/4 diagonal"


def test_many_evenly_spaced_copies_use_the_weak_key_and_still_answer():
    board = Board(64, 64)
    for y in range(0, 64, 4):
        for x in range(0, 64, 4):
            board.place(BLINKER, y + 1, x)  # 256 copies: more canonical places than MAX_ANCHORS
    assert str(identify(board)) == "oscillator, period 2"


def test_the_board_is_left_alone_and_the_identity_is_a_value():
    board = bundled("glider")
    before = board.copy()
    found = identify(board)
    assert board == before
    assert found == Identity("spaceship", 4, (1, 1), 0, 1000) and hash(found) == hash(Identity("spaceship", 4, (1, 1), 0, 1000))
    with pytest.raises(AttributeError):
        found.period = 5  # type: ignore[misc]


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_period"):
        identify(Board(4, 4), CONWAY, 0)
    with pytest.raises(TypeError):
        identify(np.zeros((4, 4), np.uint8), CONWAY)  # type: ignore[arg-type]


def test_cancel_before_and_during():
    board = bundled("gosper-glider-gun", size=(128, 128))
    stop = threading.Event()
    stop.set()
    with pytest.raises(JobCancelled):
        identify(board, CONWAY, 5000, cancel=stop)
    seen: list[int] = []
    stop = threading.Event()

    def progress(generation: int) -> None:
        seen.append(generation)
        if generation >= 512:
            stop.set()  # as a window would, from its thread; looked at before the next generation

    with pytest.raises(JobCancelled):
        identify(board, CONWAY, 5000, cancel=stop, progress=progress)
    assert seen == [256, 512]


def test_from_another_thread():
    results: list[Identity] = []
    worker = threading.Thread(target=lambda: results.append(identify(bundled("pulsar"))))
    worker.start()
    worker.join()
    assert str(results[0]) == "oscillator, period 3"


# -- against a brute force: every translation of every earlier generation -------------------
def brute_force(cells: np.ndarray, rule, limit: int) -> tuple[int, int, tuple[int, int]] | None:
    """(start, period, displacement) of the first repeat up to translation, by trying every shift."""
    h, w = cells.shape
    history = [cells]
    for generation in range(1, limit + 1):
        cells = roll_step(cells, rule)
        for then, old in enumerate(history):
            shifts = [(dy, dx) for dy in range(h) for dx in range(w)
                      if np.array_equal(np.roll(old, (dy, dx), axis=(0, 1)), cells)]
            if shifts:
                signed = [((dy + h // 2) % h - h // 2 if dy != h // 2 or h % 2 else dy,
                           (dx + w // 2) % w - w // 2 if dx != w // 2 or w % 2 else dx) for dy, dx in shifts]
                return then, generation - then, min(signed, key=lambda s: (abs(s[0]) + abs(s[1]), s))
        history.append(cells)
    return None


@pytest.mark.parametrize("seed", range(24))
def test_agrees_with_a_brute_force_search(seed):
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(3, 9)), int(rng.integers(3, 9))
    rule = [CONWAY, parse_rule("HighLife"), parse_rule("B36/S125"), parse_rule("B3/S012345678")][seed % 4]
    cells = (rng.random((h, w)) < 0.4).astype(np.uint8)
    found = identify(Board.from_array(cells), rule, 60)
    expected = brute_force(cells, rule, 60)
    if found.kind == "empty":
        assert not cells.any()
        return
    if found.kind == "dies out":
        assert starting_state(cells, rule, found.start - 1).any() and not starting_state(cells, rule, found.start).any()
        return
    if expected is None:
        assert found.kind == "unknown"
        return
    start, period, displacement = expected
    assert (found.start, found.period) == (start, period)
    assert abs(found.displacement[0]) + abs(found.displacement[1]) == abs(displacement[0]) + abs(displacement[1])
    assert np.array_equal(
        np.roll(starting_state(cells, rule, start), found.displacement, axis=(0, 1)),
        starting_state(cells, rule, start + period),
    )


@pytest.mark.parametrize("seed", range(12))
def test_spaceships_on_small_tori_agree_with_a_brute_force_search(seed):
    rng = np.random.default_rng(100 + seed)
    h, w = int(rng.integers(5, 10)), int(rng.integers(5, 10))
    shape = [GLIDER, GLIDER[::-1], GLIDER[:, ::-1].T, np.array([[0, 1, 1, 1, 1], [1, 0, 0, 0, 1], [0, 0, 0, 0, 1], [1, 0, 0, 1, 0]], np.uint8)][seed % 4]
    board = Board(max(h, 7), max(w, 7))
    board.place(shape, int(rng.integers(0, 20)), int(rng.integers(0, 20)))
    found = identify(board, CONWAY, 80)
    expected = brute_force(board.cells, CONWAY, 80)
    if expected is None:
        assert found.kind in ("unknown", "dies out")
        return
    start, period, displacement = expected
    assert (found.start, found.period) == (start, period)
    assert abs(found.displacement[0]) + abs(found.displacement[1]) == abs(displacement[0]) + abs(displacement[1])


def starting_state(cells: np.ndarray, rule, generations: int) -> np.ndarray:
    for _ in range(generations):
        cells = roll_step(cells, rule)
    return cells


# -- the corpus -----------------------------------------------------------------------------
@pytest.mark.parametrize("path, line", [
    ("golly-life/Oscillators/queen-bee-turn.rle", "oscillator, period 88"),
    ("golly-life/Still-Lifes/random.rle", "still life"),
    ("golly-life/Still-Lifes/stripey.rle", "still life"),
])
def test_corpus_patterns(corpus, path, line):
    pattern = read_pattern(corpus / path)
    board, rule = starting_board(pattern, size=(2 * pattern.height, 2 * pattern.width))
    assert str(identify(board, rule, 200)) == line


def test_corpus_p138_settles_into_its_period(corpus):
    pattern = read_pattern(corpus / "golly-life/Oscillators/p138.rle")  # the oscillator and its constructions
    board, rule = starting_board(pattern, size=(2 * pattern.height, 2 * pattern.width))
    found = identify(board, rule, 400)
    assert (found.kind, found.period) == ("oscillator", 138)


# -- the command ----------------------------------------------------------------------------
def test_cli_identify(capsys):
    assert main(["identify", "glider", "--size", "32x32"]) == 0
    assert capsys.readouterr().out == "spaceship, period 4, moving (1, 1) per period, c/4 diagonal\n"
    assert main(["identify", "pulsar"]) == 0
    assert capsys.readouterr().out == "oscillator, period 3\n"
    assert main(["identify", "gosper-glider-gun", "--size", "128x128", "--max-period", "20"]) == 0
    assert capsys.readouterr().out == "no period within 20 generations\n"
    assert main(["identify", "blinker", "--rule", "B36/S23"]) == 0
    assert capsys.readouterr().out == "oscillator, period 2\n"


@pytest.mark.parametrize("argv, words", [
    (["identify"], "PATTERN"),
    (["identify", "nope.rle"], "no such file"),
    (["identify", "glider", "--max-period", "0"], "at least 1"),
    (["identify", "glider", "--max-period", "x"], "whole number"),
    (["identify", "glider", "--rule", "foo"], "unknown rule 'foo'"),
    (["identify", "glider", "--size", "2x2"], "does not fit"),
    (["identify", "glider", "--size", "0x5"], "not positive"),
])
def test_cli_identify_refuses_bad_input_in_one_line(capsys, argv, words):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("lifegame identify: error: ")
    assert words in captured.err and captured.err.count("\n") == 1


def test_a_multi_state_spaceship_and_a_glider_with_its_history_trail():
    """Brian's Brain's two live cells with two dying ones fly at c; LifeHistory's glider is found, trail set aside."""
    from lifegame.identify import quotient
    from lifegame.rules import parse_rule

    brain = Board(32, 32)
    brain.place(Board.from_text("**\n22").cells, 10, 10)
    found = identify(brain, parse_rule("/2/3"), 100)
    assert (found.kind, found.period, found.displacement) == ("spaceship", 1, (-1, 0))
    life = parse_rule("LifeHistory")
    glider = Board(32, 32)
    glider.place(Board.from_text("-*-\n--*\n***").cells, 5, 5)
    history = identify(glider, life, 100)
    assert (history.kind, history.period) == ("spaceship", 4)
    assert history == identify(glider, parse_rule("B3/S23"), 100)
    # Marked (3, 5) and history (2, 4) cells behave as on and off cells; the boundary (6) and dying states do not.
    assert list(quotient(life)[:7]) == [0, 1, 0, 1, 0, 1, 6]
    assert quotient(parse_rule("345/2/4")) is None and quotient(parse_rule("B3/S23")) is None
    marked = glider.copy()
    marked.cells[marked.cells == 1] = 5
    marked.cells[0, :] = 2
    assert identify(marked, life, 100) == history
