"""Multi-state pattern files: Golly's state letters read and written, states kept on boards, refusals.

RLE writes a state as Golly does (``gollybase/writepattern.cpp``): ``.`` 0,
``A``..``X`` 1..24, ``pA``..``pX`` 25..48, ``qA``.. up to ``yO`` 255; a
two-state pattern of a two-state rule keeps ``b``/``o``.  ``.cells`` and
Life 1.06 are two-state formats.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifegame.board import MAX_CELLS, Board
from lifegame.patterns import (
    Pattern,
    PatternError,
    format_cells,
    format_life106,
    format_rle,
    parse_pattern,
    read_pattern,
    write_pattern,
)
from lifegame.patterns.pattern import CHUNK
from lifegame.rules import CONWAY, GenerationsRule, HistoryRule, parse_rule
from lifegame.start import starting_board

HISTORY = parse_rule("LifeHistory")
BRIAN = parse_rule("/2/3")


def rle(body: str, rule: str, size: str = "x = 8, y = 4") -> Pattern:
    return parse_pattern(f"{size}, rule = {rule}\n{body}\n", "rle", name="test.rle")


def letters(state: int) -> str:
    """Golly's letters for a state, written out by hand from writepattern.cpp's AddRun."""
    if state <= 24:
        return chr(ord("A") + state - 1)
    hi = (state - 25) // 24
    return chr(ord("p") + hi) + chr(ord("A") + state - (hi + 1) * 24 - 1)


# -- reading ---------------------------------------------------------------------
@pytest.mark.parametrize("state", [1, 2, 6, 24, 25, 48, 49, 100, 240, 241, 255])
def test_every_state_letter_reads_as_golly_numbers_it(state):
    p = rle(f"b{letters(state)}2{letters(state)}!", "/2/256")
    assert p.grid[0].tolist()[:4] == [0, state, state, state]


def test_history_file_keeps_its_states_and_rule():
    p = rle(".2AB$CDEF$o2b.A!", "LifeHistory:T8,4")
    assert p.rule == HISTORY and (p.board_height, p.board_width) == (4, 8)
    assert p.grid[:3, :4].tolist() == [[0, 1, 1, 2], [3, 4, 5, 6], [1, 0, 0, 0]] and p.grid[2, 4] == 1
    assert p.population == 9 and p.max_state == 6


def test_prefix_letter_pairs_only_when_adjacent_as_in_golly():
    # 'p' then 'A' on the next line, or with a blank between, is two live cells.
    assert rle("pA!", "/2/30").grid[0, :2].tolist() == [25, 0]
    assert rle("p\nA!", "/2/30").grid[0, :2].tolist() == [1, 1]
    assert rle("p A!", "/2/30").grid[0, :2].tolist() == [1, 1]
    assert rle("ppA3p!", "/2/30").grid[0, :6].tolist() == [1, 25, 1, 1, 1, 0]
    assert rle("2pB$yO!", "/2/256").grid[:2, :2].tolist() == [[26, 26], [255, 0]]


@pytest.mark.parametrize("lead", ["", "."])
def test_two_letter_states_across_the_readers_pieces(lead):
    # One line longer than a piece: a 'pA' may be split between two pieces.
    row = lead + "pBqC" * 4000
    text = f"x = 8001, y = 9, rule = /2/60\n{'$'.join([row] * 9)}!\n"
    assert len(text) > 2 * CHUNK
    p = parse_pattern(text)
    start = len(lead)
    expected = np.tile(np.array([26, 51], np.uint8), 4000)
    for y in range(9):
        assert np.array_equal(p.grid[y, start:start + 8000], expected)
    assert p.population == 9 * 8000


@pytest.mark.parametrize("rule, body, token, words", [
    ("B3/S23", "bC!", "C", ["rule B3/S23 has two states", "multi-state"]),
    ("B2-ek/S", "pA!", "pA", ["two states"]),
    ("LifeHistory", "A2G!", "G", ["state 7", "LifeHistory", "0..6"]),
    ("/2/3", "AC!", "C", ["state 3", "/2/3", "0..2"]),
    ("/2/256", "yP!", "yP", ["state 256", "0..255"]),
])
def test_a_state_the_rule_has_not_is_one_line(rule, body, token, words):
    # Golly: "Cell state out of range for this algorithm".
    with pytest.raises(PatternError) as err:
        rle(body, rule)
    message = str(err.value)
    assert message.startswith(f"test.rle: line 2: cell state '{token}'") and "\n" not in message
    for word in words:
        assert word in message


def test_rules_of_every_family_come_from_the_header():
    for rule in ("B3/S23", "B2-ek/S", "B3_S23-a4ei6", "234/34678/24", "1e2-a3-cij4aijkrtz5cnqr/2ce3aejnr4aj5y6a/3",
                 "LifeHistory", "B36/S23History", "B2n3/S23-qHistory"):
        assert rle("A!", rule).rule == parse_rule(rule)


def test_huge_sparse_extent_keeps_states():
    p = rle("A$1048000.pA298$C!", "/2/30", size="x = 1048100, y = 300")
    assert p.grid is None and p.height * p.width > MAX_CELLS
    assert p.states.tolist() == [1, 25, 3] and p.max_state == 25
    again = parse_pattern(format_rle(p))
    assert again.grid is None and again.rule == p.rule and (again.height, again.width) == (p.height, p.width)
    (at, states), (at_again, states_again) = p.cells(), again.cells()
    assert np.array_equal(at, at_again) and states_again.tolist() == states.tolist() == [1, 25, 3]


# -- writing ---------------------------------------------------------------------
def test_two_state_patterns_keep_b_and_o():
    board = Board(3, 4)
    board.place_cells([0, 1], [1, 2])
    text = format_rle(Pattern.from_board(board, CONWAY))
    assert text.endswith("x = 4, y = 3, rule = B3/S23:T4,3\nbo$2bo!\n")


def test_multi_state_rules_write_golly_letters_even_for_live_cells_only():
    board = Board(3, 4)
    board.place_cells([0, 1], [1, 2])
    text = format_rle(Pattern.from_board(board, BRIAN))
    assert text.endswith("x = 4, y = 3, rule = /2/3:T4,3\n.A$2.A!\n")


def test_history_board_round_trips_through_a_file(tmp_path):
    board = Board(6, 9)
    board.place(np.array([[1, 2, 3], [4, 5, 6]], np.uint8), 2, 7)  # wraps round the torus
    path = tmp_path / "history.rle"
    write_pattern(path, Pattern.from_board(board, HISTORY))
    text = path.read_text()
    assert "rule = LifeHistory:T9,6\n" in text
    again = read_pattern(path)
    assert again.rule == HISTORY and starting_board(again)[0] == board


def test_every_state_writes_as_golly_and_reads_back():
    grid = np.arange(256, dtype=np.uint8).reshape(1, 256)
    p = Pattern(grid=grid, rule=GenerationsRule(CONWAY, 256))
    text = format_rle(p)
    data = text.split("\n", 1)[1]
    assert data.replace("\n", "") == "." + "".join(letters(s) for s in range(1, 256)) + "!"
    assert max(len(line) for line in text.splitlines()) <= 70
    assert np.array_equal(parse_pattern(text).grid, grid)


def test_a_large_multi_state_board_streams_in_blocks_and_round_trips():
    rng = np.random.default_rng(5)
    grid = rng.choice(np.array([0, 0, 0, 1, 2, 3, 4, 5, 6], np.uint8), size=(700, 650))
    p = Pattern(grid=grid, rule=HISTORY, board_height=700, board_width=650)
    text = format_rle(p)
    assert max(len(line) for line in text.splitlines()) <= 70
    assert np.array_equal(parse_pattern(text).grid, grid)


rules = st.one_of(
    st.just(HISTORY),
    st.just(HistoryRule(parse_rule("B2-ek/S"))),
    st.integers(3, 256).map(lambda n: GenerationsRule(parse_rule("B2/S"), n)),
    st.integers(3, 40).map(lambda n: GenerationsRule(parse_rule("B2n3/S23-q"), n)),
)


@settings(max_examples=60, deadline=None)
@given(rules, st.integers(1, 40), st.integers(1, 90), st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_random_multi_state_grids_round_trip(rule, height, width, seed, density):
    rng = np.random.default_rng(seed)
    grid = rng.integers(1, rule.states, size=(height, width), dtype=np.int64).astype(np.uint8)
    grid[rng.random((height, width)) >= density] = 0
    p = Pattern(grid=grid, rule=rule)
    text = format_rle(p)
    again = parse_pattern(text)
    assert again.rule == rule and np.array_equal(again.grid, grid)
    assert max(len(line) for line in text.splitlines()) <= 70


# -- two-state formats -------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".cells", ".lif", ".life"])
def test_two_state_formats_refuse_states_above_one(tmp_path, suffix):
    board = Board(4, 4)
    board[1, 1] = 2
    path = tmp_path / f"dying{suffix}"
    with pytest.raises(PatternError) as err:
        write_pattern(path, Pattern.from_board(board, BRIAN))
    message = str(err.value)
    assert message.startswith(f"dying{suffix}: ") and ".rle" in message and "\n" not in message
    assert not path.exists() and list(tmp_path.iterdir()) == []
    for format_ in (format_cells, format_life106):
        with pytest.raises(PatternError, match=r"\.rle"):
            format_(Pattern.from_board(board, BRIAN))


def test_two_state_formats_keep_a_multi_state_rule_with_live_cells_only(tmp_path):
    board = Board(5, 6)
    board.place_cells([1, 2], [2, 3])
    for suffix in (".cells", ".lif"):
        path = tmp_path / f"brain{suffix}"
        write_pattern(path, Pattern.from_board(board, BRIAN))
        again = read_pattern(path)
        assert again.rule == BRIAN and again.max_state == 1


# -- boards ------------------------------------------------------------------------
def test_starting_board_keeps_the_states_of_a_file():
    p = rle(".2AB$CDEF!", "LifeHistory", size="x = 5, y = 2")
    board, rule = starting_board(p, size=(10, 12), at=(9, 10))  # wraps round both edges
    assert rule == HISTORY
    assert [board.query(9, x) for x in range(10, 15)] == [0, 1, 1, 2, 0]
    assert [board.query(10, x) for x in range(10, 14)] == [3, 4, 5, 6]
    assert board.population() == 7


def test_starting_board_lays_states_over_a_random_soup():
    p = rle("3F$3F$3F!", "LifeHistory", size="x = 3, y = 3")
    board, _ = starting_board(p, size=(20, 20), density=0.5, seed=3, at=(5, 5))
    assert (board.cells[5:8, 5:8] == 6).all()
    rest = board.cells.copy()
    rest[5:8, 5:8] = 0
    assert set(np.unique(rest).tolist()) <= {0, 1}


def test_a_sparse_pattern_is_placed_with_its_states():
    p = Pattern([0, 2, 2], [0, 1, 3], 3, 4, rule=BRIAN, states=[2, 1, 2])
    board, _ = starting_board(p, size=(6, 6), at=(0, 0))
    assert board.cells[:3, :4].tolist() == [[2, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 2]]


def test_a_rule_with_fewer_states_caps_them_as_golly_does():
    p = rle(".2AB$CDEF!", "LifeHistory", size="x = 5, y = 2")
    board, rule = starting_board(p, size=(4, 8), rule="/2/4", at=(0, 0))
    assert str(rule) == "/2/4"
    assert board.cells[:2, :5].tolist() == [[0, 1, 1, 2, 0], [3, 3, 3, 3, 0]]
    life, _ = starting_board(p, size=(4, 8), rule="B3/S23", at=(0, 0))
    assert life.cells.max() == 1 and life.population() == 7


def test_board_place_keeps_a_patterns_states():
    p = rle("A2B$.F!", "LifeHistory", size="x = 3, y = 2")
    board = Board(5, 5)
    board.place(p.grid, 4, 4)
    assert [board.query(4, 4), board.query(4, 0), board.query(4, 1), board.query(0, 0)] == [1, 2, 2, 6]
