"""Readers decode into a compact grid with small intermediates; writers stream; temporary files never outlive a save.

Memory is measured with ``tracemalloc`` (numpy reports its buffers to it),
which does not depend on how busy the machine is; nothing here measures time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from lifegame.board import MAX_CELLS, MAX_SIDE, Board
from lifegame.patterns import (
    Pattern,
    PatternError,
    format_cells,
    format_life106,
    format_rle,
    io as pattern_io,
    library,
    parse_pattern,
    read_pattern,
    remove_stale_temporaries,
    write_pattern,
)
from lifegame.patterns import pattern as pattern_module
from lifegame.rules import CONWAY, parse_rule
from lifegame.start import starting_board

SMALL = 16 << 20
"""What a reader may allocate beyond the grid it returns."""


def peak_of(call, *args):
    tracemalloc.start()
    try:
        result = call(*args)
    except Exception as err:  # noqa: BLE001 - returned to the test to inspect
        result = err
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, peak


# -- the compact representation --------------------------------------------------------
def test_readers_return_a_grid_and_ys_xs_still_work():
    p = parse_pattern("x = 5, y = 4\nbo$2bo$3o!\n")
    assert p.grid is not None and p.grid.dtype == np.uint8 and p.grid.shape == (4, 5)
    assert set(zip(p.ys.tolist(), p.xs.tolist())) == {(0, 1), (1, 2), (2, 0), (2, 1), (2, 2)}
    assert p.ys.dtype == np.int64 and p.population == 5 and p.bounding_box() == (0, 0, 3, 3)
    for text in (".O.\n..O\nOOO\n", "#Life 1.05\n.*\n..*\n***\n", "#Life 1.06\n1 0\n2 1\n0 2\n1 2\n2 2\n"):
        q = parse_pattern(text)
        assert q.grid is not None and q.population == 5 and (q.grid == p.grid[:3, :3]).all()


def test_an_extent_larger_than_any_board_keeps_coordinates():
    p = parse_pattern(f"x = {MAX_SIDE}, y = {MAX_SIDE}\no{MAX_SIDE - 2}bo$!\n")
    assert p.grid is None and p.population == 2 and p.xs.tolist() == [0, MAX_SIDE - 1]


def test_pattern_from_a_grid_or_coordinates():
    grid = np.zeros((3, 4), np.uint8)
    grid[1, 2] = 1
    a, b = Pattern(grid=grid), Pattern([1], [2], 3, 4)
    assert a == b and a.to_array().tolist() == b.to_array().tolist()
    assert Pattern(grid=grid * 7).grid.max() == 7  # the grid holds states
    assert Pattern(grid=grid.astype(bool)).grid.dtype == np.uint8
    assert Pattern(grid=grid.astype(np.int64) * 200).max_state == 200
    with pytest.raises(ValueError):
        Pattern(grid=grid.astype(np.int64) * 256)
    with pytest.raises(ValueError):
        Pattern([1], [2], 3, 4, states=[0])
    c = Pattern([1, 0], [2, 3], 3, 4, states=[9, 200])
    assert c.max_state == 200 and c.to_array()[1, 2] == 9 and c != Pattern([1, 0], [2, 3], 3, 4)
    with pytest.raises(ValueError):
        Pattern([0], [0], grid=grid)
    with pytest.raises(ValueError):
        Pattern(grid=grid, height=5, width=4)


def test_from_board_is_a_snapshot():
    board = Board(4, 4)
    saved = Pattern.from_board(board)
    board[1, 1] = True
    assert saved.population == 0


@pytest.mark.parametrize("at", [(0, 0), (7, 9), (9, 9), (-1, -1)])
def test_starting_board_places_a_grid_wrapping_round_the_torus(at):
    gun = library.load("gosper-glider-gun")
    board, _ = starting_board(gun, size=(20, 40), at=at)
    expected = {((y + at[0]) % 20, (x + at[1]) % 40) for y, x in zip(gun.ys.tolist(), gun.xs.tolist())}
    assert set(board.live_cells()) == expected


def test_starting_board_crops_a_grid_to_its_live_cells_when_the_extent_does_not_fit():
    p = parse_pattern("x = 100, y = 100\n50$50b3o!\n")
    board, _ = starting_board(p, size=(5, 5), at=(1, 1))
    assert set(board.live_cells()) == {(1, 1), (1, 2), (1, 3)}


# -- reading: memory follows the board ----------------------------------------------------
def test_a_small_headerless_file_for_the_largest_board_costs_its_grid_only():
    text = "1048576o$" * 255 + "1048576o!\n"  # the 2,305-byte file: 2^28 live cells
    p, peak = peak_of(parse_pattern, text, None, "evil.rle")
    assert isinstance(p, Pattern), p
    assert (p.width, p.height) == (MAX_SIDE, 256) and p.grid.nbytes == MAX_CELLS
    assert peak < MAX_CELLS + SMALL
    assert bool(p.grid[255, -1]) and bool(p.grid[0, 0])


def test_life105_rows_cost_their_grid_only():
    text = "#Life 1.05\n" + ("*" * 80 + "\n") * 30_000
    p, peak = peak_of(parse_pattern, text, None, "stars.lif")
    assert isinstance(p, Pattern) and p.population == 80 * 30_000
    assert peak < p.grid.nbytes + SMALL


def test_many_copies_of_one_life106_cell_are_one_cell():
    p, peak = peak_of(parse_pattern, "#Life 1.06\n" + "0 0\n" * 500_000, None, "zeros.lif")
    assert isinstance(p, Pattern) and p.population == 1 and (p.height, p.width) == (1, 1)
    assert peak < SMALL


@pytest.mark.parametrize("text, words", [
    ("#Life 1.06\n9223372036854775807 0\n-1 0\n", ["line 2", "not a cell coordinate"]),
    ("#Life 1.06\n922337203685477580 0\n-1 0\n", ["span"]),
    ("#Life 1.06\n-9223372036854775808 0\n", ["not a cell coordinate"]),
    ("#Life 1.06\n0 0\n1 2 3\n", ["line 3", "expected 'x y'"]),
    ("#Life 1.06\n0 0\n1-2 3\n", ["line 3", "expected 'x y'"]),
    ("#Life 1.05\n#P 922337203685477580 0\n*\n#P -1 0\n*\n", ["span"]),
])
def test_coordinates_far_apart_are_refused_by_name(text, words):
    err, peak = peak_of(parse_pattern, text, None, "far.lif")
    assert isinstance(err, PatternError), err
    message = str(err)
    assert message.startswith("far.lif: ") and "\n" not in message
    for word in words:
        assert word in message, message
    assert peak < SMALL


def test_too_many_comment_lines_are_refused(monkeypatch):
    monkeypatch.setattr(pattern_module, "MAX_NOTE_LINES", 50)
    with pytest.raises(PatternError, match="more than 50 comment"):
        parse_pattern("#C hi\n" * 60 + "x = 1, y = 1\no!\n", None, "talk.rle")


def test_a_memory_error_is_a_one_line_refusal(tmp_path, monkeypatch):
    path = tmp_path / "big.rle"
    path.write_text("x = 3, y = 3\nbo$2bo$3o!\n")

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("lifegame.patterns.rle.CellSink", no_memory)
    with pytest.raises(PatternError, match=r"^big\.rle: not enough memory") as err:
        read_pattern(path)
    assert "\n" not in str(err.value)


def test_pieces_carry_the_position_across_their_boundaries(monkeypatch):
    board = Board.from_array(np.random.default_rng(3).random((60, 300)) < 0.4)
    text = format_rle(Pattern.from_board(board, CONWAY))
    for chunk in (7, 64, 1000):
        monkeypatch.setattr("lifegame.patterns.rle.CHUNK", chunk)
        monkeypatch.setattr("lifegame.patterns.lines.CHUNK", chunk)
        assert starting_board(parse_pattern(text))[0] == board
        assert starting_board(parse_pattern(format_cells(Pattern.from_board(board))))[0] == board
        again = parse_pattern(format_life106(Pattern.from_board(board)))
        assert again.population == board.population()


# -- writing: streams ----------------------------------------------------------------
def test_life106_is_written_x_first_with_the_rule_and_read_back():
    board = Board(4, 5)
    board.place_cells([1, 2, 3], [2, 3, 1])
    text = format_life106(Pattern.from_board(board, parse_rule("B36/S23")), comments=["hi"])
    assert text == "#Life 1.06\n#D hi\n#R B36/S23:T5,4\n2 1\n3 2\n1 3\n"
    again = parse_pattern(text)
    assert (again.rule, again.board_height, again.board_width) == (parse_rule("B36/S23"), 4, 5)
    assert starting_board(again)[0] == board
    shifted = parse_pattern(text.replace("#R B36/S23:T5,4\n", ""))  # no torus: the cells' bounding box
    assert set(zip(shifted.ys.tolist(), shifted.xs.tolist())) == {(0, 1), (1, 2), (2, 0)}


@pytest.mark.parametrize("ext", [".rle", ".cells", ".lif", ".life"])
def test_every_format_round_trips_through_a_file(tmp_path, ext):
    board = Board.from_array(np.random.default_rng(5).random((30, 70)) < 0.3)
    board.cells[:3] = board.cells[:, :2] = 0  # a board whose cells do not touch its top and left edges
    write_pattern(tmp_path / f"b{ext}", Pattern.from_board(board, CONWAY, name="b"))
    again = read_pattern(tmp_path / f"b{ext}")
    assert starting_board(again)[0] == board  # the same size, the cells in the same places
    assert os.listdir(tmp_path) == [f"b{ext}"]


def test_progress_is_reported_and_can_cancel(tmp_path, monkeypatch):
    monkeypatch.setattr("lifegame.patterns.stream.BLOCK_CELLS", 1000)
    board = Board.from_array(np.random.default_rng(1).random((200, 100)) < 0.5)
    seen = []
    write_pattern(tmp_path / "p.rle", Pattern.from_board(board), progress=seen.append)
    assert len(seen) > 10 and seen == sorted(seen) and seen[-1] == 1.0
    before = (tmp_path / "p.rle").read_bytes()

    def cancel(done):
        if done > 0.5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_pattern(tmp_path / "p.rle", Pattern.from_board(Board(200, 100)), progress=cancel)
    assert (tmp_path / "p.rle").read_bytes() == before and os.listdir(tmp_path) == ["p.rle"]


@pytest.mark.parametrize("ext", [".rle", ".lif"])
def test_the_size_limit_stops_a_streaming_save(tmp_path, monkeypatch, ext):
    monkeypatch.setattr(pattern_io, "MAX_FILE_BYTES", 3000)
    monkeypatch.setattr("lifegame.patterns.stream.BLOCK_CELLS", 500)
    board = Board.from_array(np.random.default_rng(2).random((100, 100)) < 0.5)
    (tmp_path / f"old{ext}").write_text("kept")
    with pytest.raises(PatternError, match=r"would be larger than .* MiB"):
        write_pattern(tmp_path / f"old{ext}", Pattern.from_board(board))
    assert os.listdir(tmp_path) == [f"old{ext}"] and (tmp_path / f"old{ext}").read_text() == "kept"


def test_writers_do_not_build_the_whole_text(monkeypatch, tmp_path):
    monkeypatch.setattr("lifegame.patterns.stream.BLOCK_CELLS", 1 << 14)
    board = Board.from_array(np.random.default_rng(4).random((2048, 2048)) < 0.5)
    pattern = Pattern.from_board(board)
    for ext in (".rle", ".cells", ".lif"):
        _, peak = peak_of(write_pattern, tmp_path / f"x{ext}", pattern)
        size = (tmp_path / f"x{ext}").stat().st_size
        assert size > 3_000_000 and peak < size / 2, (ext, size, peak)  # a block's arrays, not the file


# -- temporary files ----------------------------------------------------------------
def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temporary_files_are_removed_by_the_next_save(tmp_path):
    dead, alive = _dead_pid(), os.getpid()
    names = {
        f".g.rle.{dead}-0a1b2c3d.tmp": False,  # its writer is gone
        f".other.cells.{dead}-deadbeef.tmp": False,  # another file's, same folder
        f".g.rle.{alive}-0a1b2c3e.tmp": True,  # a save in progress
        f".g.rle.{alive}-0a1b2c3f.tmp.old": True,  # not our name
        ".g.rle.k2j3h4g5.tmp": True,  # an earlier version's name, recent
        ".h.rle.x9y8z7w6.tmp": False,  # the same, old
        f".g.rle.{alive}-99999999.tmp": False,  # old: not written to for long
        "g.tmp": True,
        f"g.rle.{dead}-0a1b2c3d.tmp": True,  # not hidden: not ours
    }
    for name in names:
        (tmp_path / name).write_text("x")
    old = os.stat(tmp_path / "g.tmp").st_mtime - pattern_io.STALE_SECONDS - 60
    for name in (".h.rle.x9y8z7w6.tmp", f".g.rle.{alive}-99999999.tmp"):
        os.utime(tmp_path / name, (old, old))
    os.mkdir(tmp_path / f".d.rle.{dead}-00000000.tmp")  # a folder: never touched
    write_pattern(tmp_path / "g.rle", Pattern.from_board(Board(3, 3)))
    left = set(os.listdir(tmp_path))
    assert left == {name for name, keep in names.items() if keep} | {"g.rle", f".d.rle.{dead}-00000000.tmp"}
    assert remove_stale_temporaries(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_save_killed_midway_leaves_a_file_that_the_next_save_removes(tmp_path):
    target = tmp_path / "board.rle"
    write_pattern(target, Pattern.from_board(Board(3, 3)))
    before = target.read_bytes()
    script = textwrap.dedent(f"""
        import os, signal, numpy as np
        from lifegame.board import Board
        from lifegame.patterns import Pattern, write_pattern
        board = Board.from_array(np.random.default_rng(0).random((2048, 2048)) < 0.5)
        def die(done):
            if done > 0.3:
                os.kill(os.getpid(), signal.SIGKILL)
        write_pattern({str(target)!r}, Pattern.from_board(board), progress=die)
    """)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=300)
    assert done.returncode == -signal.SIGKILL
    stale = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert len(stale) == 1 and stale[0].startswith(".board.rle.")  # what a kill leaves
    assert target.read_bytes() == before  # the old file is intact
    write_pattern(tmp_path / "other.rle", Pattern.from_board(Board(3, 3)))  # any save to the folder
    assert sorted(os.listdir(tmp_path)) == ["board.rle", "other.rle"]
