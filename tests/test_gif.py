"""Animated GIFs: read back with Pillow itself (not the project's code) and compared with ``lifegame run``."""

from __future__ import annotations

import os

import numpy as np
import pytest

from lifegame import cli
from lifegame.board import Board
from lifegame.cli import main
from lifegame.gif import ALIVE, EMPTY, GifError, GifRecorder, default_cell_size

Image = pytest.importorskip("PIL.Image")
ImageSequence = pytest.importorskip("PIL.ImageSequence")


def gif_frames(path, cell_size: int) -> list[np.ndarray]:
    """Every frame of the GIF as cells (1 where the pixel has the live colour), read by Pillow."""
    frames = []
    with Image.open(path) as im:
        for frame in ImageSequence.Iterator(im):
            rgb = np.asarray(frame.convert("RGB"))
            colours = rgb[::cell_size, ::cell_size]
            alive = np.all(colours == ALIVE, axis=2)
            assert np.all(alive | np.all(colours == EMPTY, axis=2))  # only the two colours
            # Each cell is a whole square of its colour.
            assert np.array_equal(np.repeat(np.repeat(colours, cell_size, 0), cell_size, 1), rgb)
            frames.append(alive.astype(np.uint8))
    return frames


def printed_boards(capsys) -> list[np.ndarray]:
    out = capsys.readouterr().out
    body = out.rstrip("\n").rsplit("\n", 1)[0]
    return [Board.from_text(block).cells for block in body.strip("\n").split("\n\n") if block]


@pytest.mark.parametrize("generations, every", [(10, 3), (12, 4), (7, 1), (0, 5)])
def test_the_gif_shows_what_run_prints(tmp_path, capsys, generations, every):
    out = tmp_path / "run.gif"
    common = ["run", "r-pentomino", "--size", "24x30", "--generations", str(generations)]
    assert main([*common, "--gif", str(out), "--every", str(every), "--cell-size", "3"]) == 0
    last = capsys.readouterr().out
    assert main([*common, "--print-every", str(every)]) == 0
    expected = printed_boards(capsys)
    frames = gif_frames(out, 3)
    # Generation 0, every K-th, and the last: as many frames as --print-every prints boards.
    assert len(frames) == len(expected) == 1 + -(-generations // every)
    for frame, board in zip(frames, expected):
        assert np.array_equal(frame, board)
    assert last.splitlines()[-1] == f"generation {generations} population {int(expected[-1].sum())}"
    with Image.open(out) as im:
        assert im.size == (30 * 3, 24 * 3) and im.n_frames == len(expected) and im.info["loop"] == 0
        assert im.info["duration"] == 100


def test_gif_and_print_every_together_each_keep_their_own_generations(tmp_path, capsys):
    out = tmp_path / "both.gif"
    assert main(["run", "glider", "--size", "12x12", "--generations", "9", "--print-every", "2",
                 "--gif", str(out), "--every", "3", "--cell-size", "1"]) == 0
    printed = printed_boards(capsys)
    assert len(printed) == 6  # 0 2 4 6 8 9
    frames = gif_frames(out, 1)
    assert len(frames) == 4  # 0 3 6 9
    assert np.array_equal(frames[0], printed[0]) and np.array_equal(frames[2], printed[3])
    assert np.array_equal(frames[3], printed[5])


def test_default_cell_size_keeps_the_gif_within_800_pixels(tmp_path, capsys):
    assert default_cell_size(256, 256) == 3
    assert default_cell_size(16, 16) == 16  # small boards: capped
    assert default_cell_size(100, 3000) == 1 and default_cell_size(3000, 100) == 1  # never below a pixel
    assert default_cell_size(200, 100) == 4  # the taller side counts too
    out = tmp_path / "gun.gif"
    assert main(["run", "gosper-glider-gun", "--size", "100x300", "--generations", "2", "--gif", str(out)]) == 0
    with Image.open(out) as im:
        assert im.size == (600, 200) and im.n_frames == 3


def test_recorder_frames_round_trip_and_unchanged_frames_still_count(tmp_path):
    rng = np.random.default_rng(5)
    boards = [(rng.random((20, 33)) < 0.3).astype(np.uint8) for _ in range(4)]
    boards.insert(2, boards[1].copy())  # an unchanged frame
    with GifRecorder(tmp_path / "r.gif", cell_size=2, duration_ms=40) as gif:
        for cells in boards:
            gif.add(Board.from_array(cells) if cells.sum() % 2 else cells)  # boards and plain arrays
        assert gif.frames == 5
    frames = gif_frames(tmp_path / "r.gif", 2)
    assert len(frames) == 5
    assert all(np.array_equal(a, b) for a, b in zip(frames, boards))
    with Image.open(tmp_path / "r.gif") as im:
        im.seek(3)
        assert im.info["duration"] == 40


def test_recorder_streams_one_frame_at_a_time(tmp_path):
    gif = GifRecorder(tmp_path / "s.gif", cell_size=1)
    board = Board(64, 64)
    board.place(np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], np.uint8), 0, 0)
    gif.add(board)
    temp = [p for p in os.listdir(tmp_path) if p.endswith(".part")]
    assert len(temp) == 1 and not (tmp_path / "s.gif").exists()  # written beside the target, named at close
    size = os.path.getsize(tmp_path / temp[0])
    gif.add(board)
    assert os.path.getsize(tmp_path / temp[0]) > size  # the frame is in the file already
    assert gif.close() == tmp_path / "s.gif"
    assert os.listdir(tmp_path) == ["s.gif"]


def test_a_failed_recording_leaves_no_file_and_keeps_an_old_one(tmp_path):
    target = tmp_path / "keep.gif"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with GifRecorder(target) as gif:
            gif.add(Board(8, 8))
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["keep.gif"]
    gif = GifRecorder(tmp_path / "d.gif")
    gif.add(Board(8, 8))
    gif.discard()
    assert os.listdir(tmp_path) == ["keep.gif"]


def test_recorder_refusals(tmp_path):
    with pytest.raises(GifError, match="no frames"):
        GifRecorder(tmp_path / "none.gif").close()
    gif = GifRecorder(tmp_path / "x.gif", cell_size=1)
    gif.add(Board(8, 8))
    with pytest.raises(GifError, match="8x8"):
        gif.add(Board(8, 9))
    gif.discard()
    with pytest.raises(GifError, match="closed"):
        gif.add(Board(8, 8))
    with pytest.raises(GifError, match="cell size"):
        GifRecorder(tmp_path / "y.gif", cell_size=0)
    with pytest.raises(GifError, match="larger than a GIF"):
        GifRecorder(tmp_path / "z.gif", cell_size=64).add(Board(2000, 2))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv, words", [
    (["run", "glider", "--every", "2"], "--every is an option of --gif"),
    (["run", "glider", "--cell-size", "2"], "--cell-size is an option of --gif"),
    (["run", "glider", "--gif", "out.png"], "must end in .gif"),
    (["run", "glider", "--gif", ".gif"], "needs a name"),
    (["run", "glider", "--gif", "no/such/folder/x.gif"], "does not exist"),
    (["run", "glider", "--gif", "x.gif", "--cell-size", "0"], "at least 1"),
    (["run", "glider", "--gif", "x.gif", "--cell-size", "65"], "64"),
    (["run", "glider", "--gif", "x.gif", "--every", "0"], "at least 1"),
    (["run", "--size", "2x40000", "--gif", "x.gif", "--cell-size", "2"], "larger than a GIF"),
])
def test_cli_gif_refuses_bad_input_in_one_line_before_computing(tmp_path, monkeypatch, capsys, argv, words):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("lifegame run: error: ") and words in err and err.count("\n") == 1
    assert os.listdir(tmp_path) == []


def test_an_interrupted_run_leaves_no_gif(tmp_path, monkeypatch, capsys):
    calls = []
    real = cli._advance

    def interrupted(engine, board, rule, generations, progress=None, interrupt=None):
        calls.append(generations)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(engine, board, rule, generations, progress, interrupt)

    monkeypatch.setattr(cli, "_advance", interrupted)
    assert main(["run", "glider", "--generations", "50", "--gif", str(tmp_path / "i.gif")]) == 130
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("text", ["/2/3", "345/2/4", "LifeHistory", "1/2/256", "B3/S23"])
def test_a_rule_gives_each_state_the_windows_colour(tmp_path, text):
    from lifegame.colours import state_colours, state_index
    from lifegame.rules import parse_rule

    rule = parse_rule(text)
    colours = state_colours(rule)
    index = state_index(rule, len(colours))
    rng = np.random.default_rng(7)
    boards = [Board(9, 13, rng.integers(0, rule.states, (9, 13), dtype=np.uint16).astype(np.uint8))
              for _ in range(3)]
    path = tmp_path / "states.gif"
    with GifRecorder(path, cell_size=3, rule=rule) as gif:
        for board in boards:
            gif.add(board)
    with Image.open(path) as im:
        frames = [np.asarray(frame.convert("RGB"))[::3, ::3] for frame in ImageSequence.Iterator(im)]
    assert len(frames) == 3
    table = np.array(colours, dtype=np.uint8)
    for board, rgb in zip(boards, frames):
        assert np.array_equal(rgb, table[index[board.cells]])


def test_colours_must_be_two_to_256(tmp_path):
    with pytest.raises(GifError):
        GifRecorder(tmp_path / "x.gif", colors=[(0, 0, 0)])
    gif = GifRecorder(tmp_path / "three.gif", cell_size=1, colors=[(0, 0, 0), (255, 0, 0), (0, 0, 255)])
    gif.add(np.array([[0, 1, 2, 7]], np.uint8))  # a state past the colours is drawn alive
    gif.close()
    with Image.open(tmp_path / "three.gif") as im:
        assert [im.convert("RGB").getpixel((x, 0)) for x in range(4)] == [(0, 0, 0), (255, 0, 0), (0, 0, 255),
                                                                          (255, 0, 0)]
