"""Pattern files: RLE, .cells and Life 1.05/1.06 reading, writing, round trips, and the library."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifegame.board import MAX_CELLS, Board, BoardSizeError
from lifegame.environment import run_generations
from lifegame.patterns import (
    Pattern,
    PatternError,
    format_cells,
    format_rle,
    io as pattern_io,
    library,
    parse_pattern,
    read_pattern,
    write_pattern,
)
from lifegame.rules import CONWAY, PRESETS, parse_rule
from lifegame.start import starting_board

HIGHLIFE = PRESETS["HighLife"]

GLIDER_RLE = """\
#N Glider
#O Richard K. Guy
#C The smallest spaceship.
#C https://conwaylife.com/wiki/Glider
#CXRLE Pos=-1,-1
x = 3, y = 3, rule = B3/S23
bo$2bo$3o!
"""
GLIDER = {(0, 1), (1, 2), (2, 0), (2, 1), (2, 2)}


def cells(pattern: Pattern) -> set[tuple[int, int]]:
    return set(zip(pattern.ys.tolist(), pattern.xs.tolist()))


def rle(body: str, header: str = "x = 3, y = 3, rule = B3/S23") -> Pattern:
    return parse_pattern(f"{header}\n{body}\n", "rle", name="test.rle")


# -- RLE -------------------------------------------------------------------------
def test_rle_glider_with_its_comment_lines():
    p = parse_pattern(GLIDER_RLE)
    assert cells(p) == GLIDER and p.population == 5
    assert (p.height, p.width, p.rule) == (3, 3, CONWAY)
    assert p.name == "Glider" and p.author == "Richard K. Guy"
    assert p.comments == ["The smallest spaceship.", "https://conwaylife.com/wiki/Glider"]
    assert p.metadata == GLIDER_RLE.splitlines()[:5]  # every '#' line, verbatim, #CXRLE included
    assert p.ys.dtype == np.int64 and p.xs.dtype == np.int64


@pytest.mark.parametrize("header, rule", [
    ("x=3,y=3,rule=B3/S23", CONWAY),
    ("x = 3, y = 3", CONWAY),  # no rule: Conway, as in Golly
    ("x  =  3 ,  y  =  3 ,  rule  =  b36/s23", HIGHLIFE),
    ("x = 3, y = 3, rule = 23/36", HIGHLIFE),
    ("x = 3, y = 3, rule = S23/B36,", HIGHLIFE),  # trailing comma, S before B
])
def test_rle_header_spellings(header, rule):
    p = rle("bo$2bo$3o!", header)
    assert cells(p) == GLIDER and p.rule == rule


def test_rle_counts_missing_counts_and_multi_row_skips():
    p = rle("oo$bbo$$3b2o10$b3o!", "x = 6, y = 15")
    assert cells(p) == {(0, 0), (0, 1), (1, 2), (3, 3), (3, 4), (13, 1), (13, 2), (13, 3)}


def test_rle_ignores_everything_after_the_bang_and_blanks_between_tokens():
    p = rle("b o $ 2 b o\t$\n3\no ! 5o$this is not read\n#C nor this")
    assert cells(p) == GLIDER
    assert p.comments == []


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_rle_line_endings(newline):
    assert cells(parse_pattern(GLIDER_RLE.replace("\n", newline))) == GLIDER


def test_rle_long_and_short_lines():
    long_row = "bo" * 5000 + "!"  # one 10001-character line
    p = rle(long_row, "x = 10000, y = 1")
    assert p.population == 5000 and p.xs.max() == 9999
    one_token_per_line = "\n".join(["b", "o", "$", "2b", "o", "$", "3o", "!"])
    assert cells(rle(one_token_per_line)) == GLIDER


def test_rle_without_a_header_is_read_like_golly():
    p = parse_pattern("#C no header here\nbo$2bo$3o!\n")
    assert cells(p) == GLIDER and (p.height, p.width) == (3, 3) and p.rule == CONWAY
    old_rule = parse_pattern("#r 23/36\n2o$2o!\n")
    assert old_rule.rule == HIGHLIFE and old_rule.population == 4


def test_rle_extent_keeps_the_headers_empty_rows_and_columns():
    p = rle("$bo$2bo$3o!", "x = 6, y = 5")
    assert (p.height, p.width) == (5, 6)
    assert p.bounding_box() == (1, 0, 3, 3)
    assert p.to_array().shape == (5, 6)


def test_rle_state_a_is_alive_and_lone_prefix_letters_too():
    # Golly reads 'A' as state 1, and a 'p'..'y' not followed by a state letter as alive.
    assert cells(rle("bA$2bx$3A!")) == GLIDER


@pytest.mark.parametrize("body, token", [("2AB!", "B"), ("bo$pA!", "pA"), ("oX!", "X")])
def test_rle_multi_state_cells_are_refused_for_two_state_rules(body, token):
    # Golly: "Cell state out of range for this algorithm".
    with pytest.raises(PatternError, match=rf"test\.rle: line 2: cell state '{token}'.*multi-state"):
        rle(body)


@pytest.mark.parametrize("rule, words", [
    ("LifeHistory:T30+7,20", ["LifeHistory", "shifted torus"]),
    ("LifeHistory:K40*,20", ["LifeHistory", "Klein"]),
    ("R5,C2,S33-57,B34-45", ["R5,C2,S33-57,B34-45", "Larger than Life"]),  # commas kept in the rule
    ("B2/S23V", ["B2/S23V"]),
    ("JvN29", ["JvN29"]),
    ("MAPARYXfhZofugWaH7oaIDogBZofuhogOiAaIDogIAAgAAWaH7oaIDogGiA6ICAgIAAgAAAgAAAgAAAAAA", ["MAP"]),
    ("B3/S23:P20,20", ["plane", "torus"]),
    ("B3/S23:K20,20", ["Klein"]),
])
def test_rle_rules_lifegame_does_not_run_are_refused_by_name(rule, words):
    with pytest.raises(PatternError) as err:
        rle("o!", f"x = 1, y = 1, rule = {rule}")
    message = str(err.value)
    assert message.startswith("test.rle: ") and "\n" not in message
    for word in words:
        assert word in message


def test_rle_torus_suffix_sets_the_board_size():
    p = rle("bo$2bo$3o!", "x = 3, y = 3, rule = B36/S23:T10,8")
    assert (p.board_height, p.board_width, p.rule) == (8, 10, HIGHLIFE)
    board, _ = starting_board(p)
    assert board.shape == (8, 10) and board.population() == 5
    half = rle("o!", "x = 1, y = 1, rule = B3/S23:T0,128")  # width unbounded, height 128
    assert (half.board_height, half.board_width) == (128, None)
    assert starting_board(half, margin=4)[0].shape == (128, 9)


@pytest.mark.parametrize("body, header, words", [
    ("bo$2bz!", "x = 3, y = 2", ["line 3", "'z'"]),
    ("4o!", "x = 3, y = 1", ["beyond", "x = 3"]),
    ("o$o$o!", "x = 1, y = 2", ["beyond", "y = 2"]),
])
def test_rle_errors_name_the_line(body, header, words):
    text = f"#C first line\n{header}\n{body}\n"
    with pytest.raises(PatternError) as err:
        parse_pattern(text, "rle", name="bad.rle")
    for word in ["bad.rle", *words]:
        assert word in str(err.value)


def test_rle_bad_header():
    with pytest.raises(PatternError, match="bad RLE header"):
        rle("o!", "x = three, y = 3")


# -- plaintext .cells ----------------------------------------------------------------
def test_cells_with_name_author_comments_and_both_live_characters():
    text = "!Name: Glider\n!Author: Richard K. Guy\n!The smallest spaceship.\n.O.\n..*\nOOO\n"
    p = parse_pattern(text)
    assert cells(p) == GLIDER and (p.height, p.width) == (3, 3)
    assert (p.name, p.author, p.comments) == ("Glider", "Richard K. Guy", ["The smallest spaceship."])
    assert p.metadata == text.splitlines()[:3]


def test_cells_round_trip_of_a_pattern_keeps_its_notes():
    p = parse_pattern(GLIDER_RLE)
    again = parse_pattern(format_cells(p))
    assert cells(again) == GLIDER
    assert (again.name, again.author, again.comments) == (p.name, p.author, p.comments)


def test_cells_ragged_rows_blank_rows_and_trailing_blank_lines():
    p = parse_pattern(".O\n\nO....O\n..\n\n\n", "cells")
    assert cells(p) == {(0, 1), (2, 0), (2, 5)}
    assert (p.height, p.width) == (4, 6)  # the blank middle row counts, the trailing ones do not


def test_cells_refuses_other_characters():
    with pytest.raises(PatternError, match=r"x\.cells: line 2: unexpected character 'X'"):
        parse_pattern(".O\n.X\n", "cells", name="x.cells")


# -- Life 1.05 / 1.06 ----------------------------------------------------------------
def test_life106_negative_coordinates_and_duplicates():
    text = "#Life 1.06\n#D a glider\n0 -1\n1 0\n-1 1\n0 1\n1 1\n1 1\n"
    p = parse_pattern(text)
    assert cells(p) == GLIDER and p.population == 5 and (p.height, p.width) == (3, 3)
    assert p.comments == ["a glider"]


def test_life105_blocks_descriptions_and_rule():
    text = "\n".join([
        "#Life 1.05", "#D Two blocks and a blinker", "#R 23/36",
        "#P -10 -10", "**", "**",
        "#P 5 -10", "***",
        "#P -10 3", ".", "..*",
    ])
    p = parse_pattern(text)
    assert p.rule == HIGHLIFE and p.comments == ["Two blocks and a blinker"]
    assert cells(p) == {(0, 0), (0, 1), (1, 0), (1, 1), (0, 15), (0, 16), (0, 17), (14, 2)}
    assert (p.height, p.width) == (15, 18)


def test_life105_bare_p_and_normal_rules_line():
    p = parse_pattern("#Life 1.05\n#N\n#P\n.*\n...*\n**..***\n")
    assert p.rule == CONWAY and p.population == 7 and (p.height, p.width) == (3, 7)


def test_life_files_without_a_header_are_sniffed():
    assert parse_pattern("#P 0 0\n.*\n..*\n***\n").population == 5  # 1.05
    assert cells(parse_pattern("0 -1\n1 0\n-1 1\n0 1\n1 1\n")) == GLIDER  # 1.06


@pytest.mark.parametrize("text, fmt", [
    (GLIDER_RLE, "rle"),
    ("bo$2bo$3o!", "rle"),
    (".O.\n..O\nOOO\n", "cells"),
    ("!Name: x\n.O.\n..O\nOOO\n", "cells"),
    ("#Life 1.06\n0 0\n", "life"),
    ("#Life 1.05\n#P 0 0\n*\n", "life"),
])
def test_sniffing(text, fmt):
    assert pattern_io.sniff_format(text) == fmt


def test_unknown_format_name():
    with pytest.raises(PatternError, match="unknown pattern format"):
        parse_pattern("o!", "mcell")


# -- writing ---------------------------------------------------------------------------
def test_format_rle_keeps_the_board_size_and_empty_rows():
    board = Board(7, 9)
    board.place_cells([2, 3, 4, 4, 4, 6], [4, 5, 3, 4, 5, 0])
    text = format_rle(Pattern.from_board(board), name="glider and a cell", comments=["first\nsecond"])
    assert text == (
        "#N glider and a cell\n#C first\n#C second\n"
        "x = 9, y = 7, rule = B3/S23:T9,7\n"
        "2$4bo$5bo$3b3o2$o!\n"
    )
    again = parse_pattern(text)
    assert starting_board(again)[0] == board  # exactly: size, position, cells
    assert again.name == "glider and a cell" and again.comments == ["first", "second"]


def test_format_rle_lines_are_at_most_70_characters_and_runs_merge():
    rng = np.random.default_rng(1)
    board = Board.from_array(rng.random((120, 333)) < 0.5)
    board.cells[50:60] = 0
    text = format_rle(Pattern.from_board(board, HIGHLIFE))
    body = text.splitlines()[1:]
    assert all(len(line) <= 70 for line in body)
    assert "11$" in "".join(body)  # row 49 to row 60: ten empty rows in one run
    assert text.endswith("!\n")
    again = parse_pattern(text)
    assert again.rule == HIGHLIFE and starting_board(again)[0] == board


def test_format_rle_of_an_empty_board():
    text = format_rle(Pattern.from_board(Board(4, 5), CONWAY))
    assert text == "x = 5, y = 4, rule = B3/S23:T5,4\n!\n"
    assert starting_board(parse_pattern(text))[0] == Board(4, 5)


def test_format_rle_of_a_pattern_keeps_its_extent_rule_and_notes():
    p = parse_pattern(GLIDER_RLE.replace("rule = B3/S23", "rule = B36/S23:T40,30").replace("x = 3, y = 3", "x = 5, y = 4"))
    again = parse_pattern(format_rle(p))
    assert cells(again) == cells(p) and (again.height, again.width) == (4, 5)
    assert (again.rule, again.board_height, again.board_width) == (HIGHLIFE, 30, 40)
    assert (again.name, again.author, again.comments) == (p.name, p.author, p.comments)


def test_format_cells_writes_a_boards_live_area_and_where_it_is():
    board = Board(3, 5)
    board.place_cells([0, 1], [1, 2])
    text = format_cells(Pattern.from_board(board), name="two cells", comments=["hi"])
    assert text == "!Name: two cells\n!Rule: B3/S23:T5,3\n!Position: 0,1\n!hi\nO.\n.O\n"
    p = parse_pattern(text)
    assert (p.height, p.width, p.name, p.comments) == (3, 5, "two cells", ["hi"])
    assert starting_board(p)[0] == board  # the very same board, in place


def test_a_glider_on_a_large_board_makes_a_small_cells_file():
    board = Board(1024, 1024)
    board.place_cells([500, 501, 502, 502, 502], [601, 602, 600, 601, 602])
    text = format_cells(Pattern.from_board(board))
    assert len(text) < 100 and "!Position: 500,600" in text
    assert starting_board(parse_pattern(text))[0] == board
    empty = format_cells(Pattern.from_board(Board(4, 4)))
    assert starting_board(parse_pattern(empty))[0] == Board(4, 4)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 90), st.floats(0, 1), st.integers(0, 2**32 - 1))
def test_round_trip_any_board(height, width, density, seed):
    board = Board.from_array(np.random.default_rng(seed).random((height, width)) < density)
    assert starting_board(parse_pattern(format_rle(Pattern.from_board(board, HIGHLIFE))))[0] == board
    p = parse_pattern(format_cells(Pattern.from_board(board)))
    assert starting_board(p, size=(height, width), at=(0, 0))[0] == board


def test_write_pattern_by_extension(tmp_path):
    board, _ = starting_board(library.load("glider"), size=(10, 12))
    write_pattern(tmp_path / "g.rle", Pattern.from_board(board, HIGHLIFE), name="g")
    write_pattern(tmp_path / "g.CELLS", Pattern.from_board(board))
    p = read_pattern(tmp_path / "g.rle")
    assert starting_board(p)[0] == board and p.rule == HIGHLIFE and p.name == "g"
    q = read_pattern(tmp_path / "g.CELLS")
    assert starting_board(q, size=(q.height, q.width), at=(0, 0))[0] == board and q.name == "g"  # named after the file
    assert sorted(os.listdir(tmp_path)) == ["g.CELLS", "g.rle"]  # no temporary files left


@pytest.mark.parametrize("name", ["g.mc", "g.png", "g", ".rle"])
def test_write_pattern_refuses_other_extensions(tmp_path, name):
    with pytest.raises(PatternError, match=r"\.rle, \.cells, \.lif or \.life"):
        write_pattern(tmp_path / name, Pattern.from_board(Board(3, 3)))
    assert os.listdir(tmp_path) == []


def test_write_pattern_reports_a_missing_folder(tmp_path):
    with pytest.raises(PatternError, match="g.rle: cannot write"):
        write_pattern(tmp_path / "nope" / "g.rle", Pattern.from_board(Board(3, 3)))


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_interrupted_write_leaves_the_old_file_intact(tmp_path, monkeypatch, failing):
    target = tmp_path / "keep.rle"
    write_pattern(target, Pattern.from_board(starting_board(library.load("glider"), size=(8, 8))[0]))
    before = target.read_bytes()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-save

    monkeypatch.setattr(pattern_io.os, failing, boom)
    with pytest.raises(KeyboardInterrupt):
        write_pattern(target, Pattern.from_board(Board(50, 50)))
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.rle"]


def test_saved_files_get_ordinary_permissions(tmp_path):
    write_pattern(tmp_path / "new.rle", Pattern.from_board(Board(2, 2)))
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.rle").st_mode) == 0o666 & ~mask
    os.chmod(tmp_path / "new.rle", 0o600)
    write_pattern(tmp_path / "new.rle", Pattern.from_board(Board(3, 3)))
    assert stat.S_IMODE(os.stat(tmp_path / "new.rle").st_mode) == 0o600


# -- Pattern ----------------------------------------------------------------------------
def test_starting_board_centres_with_a_margin_or_places_at():
    glider = parse_pattern(GLIDER_RLE)  # no board size of its own (the bundled glider has its torus)
    board, _ = starting_board(glider, margin=2)
    assert board.shape == (7, 7) and board.bounding_box() == (2, 2, 3, 3)
    assert starting_board(glider)[0].shape == (35, 35)  # the default margin, 16 cells a side
    placed, _ = starting_board(glider, size=(10, 10), at=(8, 9))  # wraps around the torus
    assert set(placed.live_cells()) == {((y + 8) % 10, (x + 9) % 10) for y, x in GLIDER}


def test_starting_board_refuses_a_board_too_small_or_too_large():
    gun = library.load("gosper-glider-gun")
    with pytest.raises(BoardSizeError, match="does not fit"):
        starting_board(gun, size=(9, 20))
    huge = Pattern([0], [0], 1, 1 << 20)
    with pytest.raises(BoardSizeError, match="a side may be at most"):
        starting_board(huge)
    with pytest.raises(BoardSizeError, match="the maximum is"):
        starting_board(Pattern([0], [0], 20000, 20000), margin=0)
    with pytest.raises(PatternError, match=f"at most {MAX_CELLS:,}"):
        Pattern([0], [0], 20000, 20000).to_array()


def test_pattern_equality_ignores_cell_order():
    a = Pattern([0, 1], [1, 0], 2, 2, name="x")
    b = Pattern([1, 0], [0, 1], 2, 2, name="x")
    assert a == b and a != Pattern([1, 0], [0, 1], 2, 2, name="y")
    with pytest.raises(ValueError):
        Pattern([5], [0], 2, 2)  # outside the extent


# -- the bundled library ------------------------------------------------------------------
REQUIRED = ["block", "blinker", "glider", "lwss", "mwss", "hwss", "pulsar", "pentadecathlon",
            "gosper-glider-gun", "r-pentomino", "diehard", "acorn"]


def test_library_has_the_required_patterns_with_notes():
    assert set(REQUIRED) <= set(library.names())
    assert library.names() == sorted(library.names())
    for name in library.names():
        p = library.load(name)
        assert p.name and len(p.comments) >= 2 and p.rule == CONWAY, name
        assert any("conwaylife.com/wiki/" in c for c in p.comments), name
        assert p.author or name == "diehard", name  # its discoverer is not recorded
        text = library._text(name)
        assert all(len(line) <= 70 for line in text.splitlines() if not line.startswith("#")), name
    descriptions = dict(library.describe())
    assert list(descriptions) == library.names()
    assert "30" in descriptions["gosper-glider-gun"] and "Gosper" in descriptions["gosper-glider-gun"]


@pytest.mark.parametrize("spelling", ["Gosper Glider Gun", "GOSPER_GLIDER_GUN", " gosper-glider-gun.rle "])
def test_library_lookup_is_forgiving(spelling):
    assert library.load(spelling).population == 36


def test_library_unknown_name_suggests_close_ones():
    with pytest.raises(PatternError, match="'glidr'.*did you mean glider"):
        library.load("glidr")


def test_resolve_prefers_files_then_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert library.resolve("glider").population == 5
    (tmp_path / "blinker").write_text("x = 2, y = 2\n2o$2o!\n")  # a file named like a pattern wins
    assert library.resolve("blinker").population == 4
    with pytest.raises(PatternError, match="missing.rle: no such file"):
        library.resolve("missing.rle")


# Behaviour of every bundled pattern, checked by running it on an unbounded plane.
def plane_step(grid: np.ndarray, origin: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """One Conway generation on the infinite plane; the grid is trimmed to its live cells."""
    p = np.pad(grid, 1)
    n = sum(np.roll(np.roll(p, dy, 0), dx, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx)
    new = ((n == 3) | ((p == 1) & (n == 2))).astype(np.uint8)
    ys, xs = np.nonzero(new)
    if ys.size == 0:
        return np.zeros((0, 0), np.uint8), (0, 0)
    y0, x0 = ys.min(), xs.min()
    return new[y0:ys.max() + 1, x0:xs.max() + 1], (origin[0] - 1 + int(y0), origin[1] - 1 + int(x0))


def run_plane(name: str, generations: int):
    grid, origin = library.load(name).to_array(), (0, 0)
    yield 0, grid, origin
    for g in range(1, generations + 1):
        grid, origin = plane_step(grid, origin)
        yield g, grid, origin


def test_plane_step_agrees_with_the_coroutine_engine():
    glider = library.load("glider")
    board = run_generations(starting_board(glider, size=(8, 8), at=(0, 0))[0], 7)
    *_, (_, grid, (y, x)) = run_plane("glider", 7)
    expected = Board(8, 8)
    expected.place(grid, y, x)
    assert board == expected


PERIODIC = {  # name: (period, (dy, dx) per period)
    "block": (1, (0, 0)), "beehive": (1, (0, 0)), "loaf": (1, (0, 0)), "boat": (1, (0, 0)),
    "tub": (1, (0, 0)), "eater-1": (1, (0, 0)),
    "blinker": (2, (0, 0)), "toad": (2, (0, 0)), "beacon": (2, (0, 0)), "clock": (2, (0, 0)),
    "pulsar": (3, (0, 0)), "figure-eight": (8, (0, 0)), "pentadecathlon": (15, (0, 0)),
    "queen-bee-shuttle": (30, (0, 0)),
    "glider": (4, (1, 1)), "lwss": (4, (0, -2)), "mwss": (4, (0, -2)), "hwss": (4, (0, -2)),
    "copperhead": (10, (-1, 0)),
}


@pytest.mark.parametrize("name", sorted(PERIODIC))
def test_oscillators_and_spaceships_repeat_with_their_period(name):
    period, shift = PERIODIC[name]
    history = list(run_plane(name, period))
    _, start, _ = history[0]
    for g, grid, origin in history[1:-1]:
        assert not np.array_equal(grid, start), f"{name} repeats after {g} generations"
    _, grid, origin = history[-1]
    assert np.array_equal(grid, start) and origin == shift


def test_methuselahs():
    pops = {g: int(grid.sum()) for g, grid, _ in run_plane("diehard", 130)}
    assert pops[129] > 0 and pops[130] == 0
    *_, (_, grid, _) = run_plane("r-pentomino", 1103)
    assert int(grid.sum()) == 116


@pytest.mark.parametrize("name, period", [("gosper-glider-gun", 30), ("simkin-glider-gun", 120)])
def test_guns_emit_one_glider_per_period(name, period):
    pops = [int(grid.sum()) for g, grid, _ in run_plane(name, 4 * period) if g % period == 0]
    assert np.diff(pops).tolist() == [5, 5, 5, 5]


@pytest.mark.parametrize("name, path", [
    ("acorn", "golly-life/Methuselahs/acorn.lif"),
    ("rabbits", "golly-life/Methuselahs/rabbits.lif"),
])
def test_library_agrees_with_golly(corpus, name, path):
    assert cells(library.load(name)) == cells(read_pattern(corpus / path))


def test_every_library_pattern_is_checked_somewhere():
    checked = set(PERIODIC) | {"diehard", "r-pentomino", "gosper-glider-gun", "simkin-glider-gun",
                               "acorn", "rabbits"}
    assert set(library.names()) == checked


def test_cells_file_keeps_the_rule_and_the_board_size(tmp_path):
    board = Board(6, 9)
    board.place_cells([1, 1, 1], [0, 1, 2])
    path = tmp_path / "highlife.cells"
    write_pattern(path, Pattern.from_board(board, parse_rule("B36/S23")), name="row")
    again = read_pattern(path)
    assert (again.rule, again.board_height, again.board_width) == (parse_rule("B36/S23"), 6, 9)
    assert starting_board(again)[0] == board
    # Other programs see a comment; a rule lifegame does not run is refused by name.
    (tmp_path / "odd.cells").write_text("!Rule: R5,C2,S33-57,B34-45\n.O\n")
    with pytest.raises(PatternError, match="Larger than Life"):
        read_pattern(tmp_path / "odd.cells")
    (tmp_path / "history.cells").write_text("!Rule: LifeHistory\n.O\n")
    history = read_pattern(tmp_path / "history.cells")
    assert str(history.rule) == "LifeHistory" and history.max_state == 1


def test_saving_through_a_symbolic_link_replaces_its_target(tmp_path):
    target = tmp_path / "target.rle"
    link = tmp_path / "link.rle"
    write_pattern(target, Pattern.from_board(Board(3, 3)))
    link.symlink_to(target)
    board = Board(4, 4)
    board[1, 1] = True
    write_pattern(link, Pattern.from_board(board))
    assert link.is_symlink()
    assert starting_board(read_pattern(target))[0] == board


def test_a_file_too_big_to_open_again_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setattr(pattern_io, "MAX_FILE_BYTES", 1000)
    with pytest.raises(PatternError, match="would be .* MiB.*RLE is smaller"):
        write_pattern(tmp_path / "big.cells", Pattern.from_board(Board.from_array(np.eye(40, dtype=np.uint8))))
    assert not (tmp_path / "big.cells").exists()


@pytest.mark.parametrize("name, text", [
    ("plain.rle", "!Name: Glider\n.O.\n..O\nOOO\n"),
    ("rle.life", "#N Glider\nx = 3, y = 3, rule = B3/S23\nbo$2bo$3o!\n"),
    ("rle.cells", "x = 3, y = 3\nbo$2bo$3o!\n"),
])
def test_a_file_with_the_wrong_extension_is_read_by_its_content(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    pattern = read_pattern(path)
    assert pattern.population == 5 and (pattern.height, pattern.width) == (3, 3)


def test_an_old_file_with_latin1_credits_opens(tmp_path):
    path = tmp_path / "old.rle"
    path.write_bytes("#N Caf\xe9\n#O Jos\xe9 Mu\xf1oz\nx = 3, y = 1\n3o!\n".encode("latin-1"))
    pattern = read_pattern(path)
    assert pattern.author == "Jos\xe9 Mu\xf1oz" and pattern.population == 3
