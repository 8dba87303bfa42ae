"""``lifegame run`` and friends, checked from outside as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lifegame.cli import main

BOOK_GLIDER = [
    "-*-\n--*\n***",
]


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """``python -m lifegame ARGS`` in a subprocess, as a user would run it."""
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    return subprocess.run(
        [sys.executable, "-m", "lifegame", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def boards_of(stdout: str) -> list[str]:
    """The boards printed by --print-every (blank-line separated), without the last line."""
    body = stdout.rstrip("\n").rsplit("\n", 1)[0]
    return [block for block in body.strip("\n").split("\n\n") if block]


def test_glider_as_in_the_book():
    result = run_cli("run", "glider", "--size", "5x9", "--at", "0,2", "--generations", "4", "--print-every", "1")
    assert result.returncode == 0, result.stderr
    frames = boards_of(result.stdout)
    assert frames == [
        "---*-----\n----*----\n--***----\n---------\n---------",
        "---------\n--*-*----\n---**----\n---*-----\n---------",
        "---------\n----*----\n--*-*----\n---**----\n---------",
        "---------\n---*-----\n----**---\n---**----\n---------",
        "---------\n----*----\n-----*---\n---***---\n---------",
    ]
    assert result.stdout.splitlines()[-1] == "generation 4 population 5"


def test_last_line_without_printing_boards(capsys):
    assert main(["run", "glider", "--generations", "8"]) == 0
    assert capsys.readouterr().out == "generation 8 population 5\n"


@pytest.mark.parametrize("size", [None, "64x64"])
def test_diehard_dies_after_130_generations(capsys, size):
    extra = ["--size", size] if size else []
    assert main(["run", "diehard", "--generations", "129", *extra]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "generation 129 population 2"
    assert main(["run", "diehard", "--generations", "130", *extra]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "generation 130 population 0"


def test_print_every_k_prints_generation_zero_and_every_k(capsys):
    assert main(["run", "blinker", "--size", "5x5", "--generations", "6", "--print-every", "3"]) == 0
    out = capsys.readouterr().out
    frames = boards_of(out)
    assert len(frames) == 3  # generations 0, 3, 6
    assert frames[0] != frames[1] and frames[0] == frames[2]
    assert out.endswith("generation 6 population 3\n")


def test_random_fill_is_reproducible_with_a_seed(capsys):
    args = ["run", "--size", "32x40", "--random", "0.5", "--seed", "7", "--generations", "3", "--print-every", "3"]
    main(args)
    first = capsys.readouterr().out
    main(args)
    assert capsys.readouterr().out == first
    main([*args[:-5], "8", *args[-4:]])
    assert capsys.readouterr().out != first
    rows = boards_of(first)[0].splitlines()
    assert len(rows) == 32 and all(len(r) == 40 for r in rows)
    assert 0.35 < sum(r.count("*") for r in rows) / (32 * 40) < 0.65


def test_rule_and_torus_suffix(capsys):
    # HighLife's replicator is a B6 pattern; under HighLife it differs from Conway.
    main(["run", "--rule", "B3/S23:T20,10", "--generations", "0"])
    assert capsys.readouterr().out == "generation 0 population 0\n"
    main(["run", "glider", "--rule", "B3/S23:T20,10", "--print-every", "1"])
    rows = boards_of(capsys.readouterr().out)[0].splitlines()
    assert (len(rows), len(rows[0])) == (10, 20)


def test_output_file_reopens_to_the_same_board(tmp_path, capsys):
    saved = tmp_path / "out.rle"
    main(["run", "r-pentomino", "--size", "60x70", "--generations", "50", "--print-every", "50",
          "--output", str(saved)])
    final = boards_of(capsys.readouterr().out)[-1]
    main(["run", str(saved), "--print-every", "1"])
    reopened = boards_of(capsys.readouterr().out)[0]
    assert reopened == final
    cells = tmp_path / "out.cells"
    main(["run", str(saved), "--output", str(cells)])
    capsys.readouterr()
    main(["run", str(cells), "--print-every", "1"])
    assert boards_of(capsys.readouterr().out)[0] == final


def test_patterns_lists_the_library(capsys):
    assert main(["patterns"]) == 0
    out = capsys.readouterr().out
    for name in ("glider", "gosper-glider-gun", "r-pentomino", "pulsar", "diehard", "acorn", "lwss"):
        assert name in out


def test_a_negative_or_huge_at_wraps_around_the_torus(capsys):
    assert main(["run", "glider", "--size", "6x6", "--at", "-1,-1", "--print-every", "1"]) == 0
    wrapped = capsys.readouterr().out
    assert main(["run", "glider", "--size", "6x6", "--at", "5,5", "--print-every", "1"]) == 0
    assert capsys.readouterr().out == wrapped
    huge = str(6 * 10**30 + 5)  # beyond any C integer; the same place on a 6x6 torus
    assert main(["run", "glider", "--size", "6x6", "--at", f"{huge},{huge}", "--print-every", "1"]) == 0
    assert capsys.readouterr().out == wrapped


def test_an_output_that_cannot_be_written_is_refused_before_computing(tmp_path, capsys, monkeypatch):
    import lifegame.engines as engines

    def no_engine(*args, **kwargs):
        raise AssertionError("an engine was made before --output was checked")

    monkeypatch.setattr(engines, "make_engine", no_engine)
    folder = tmp_path / "taken.rle"
    folder.mkdir()
    assert main(["run", "glider", "--generations", "10000000", "--output", str(folder)]) == 2
    assert "folder" in capsys.readouterr().err
    assert not list(tmp_path.glob(".lifegame-*"))  # the write probe leaves nothing behind


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", "no-such-pattern"], "no-such-pattern"),
        (["run", "/no/such/file.rle"], "file.rle"),
        (["run", "--size", "0x5"], "size"),
        (["run", "--size", "100000x100000"], "maximum"),
        (["run", "--size", "banana"], "size"),
        (["run", "--rule", "B9/S23"], "0..8"),
        (["run", "--rule", "LifeSuper"], "Super"),
        (["run", "--rule", "R5,C2,S33-57,B34-45"], "Larger than Life"),
        (["run", "--rule", "B2/S23V"], "von Neumann"),
        (["run", "--rule", "B2x/S23"], "letter"),
        (["run", "--rule", "345/2/300"], "states"),
        (["run", "--rule", "/2/3", "--size", "64x64", "--engine", "hashlife"], "Generations"),
        (["run", "--generations", "-3"], "negative"),
        (["run", "--random", "1.5"], "density"),
        (["run", "--at", "x"], "position"),
        (["run", "glider", "--size", "2x2"], "does not fit"),
        (["run", "glider", "--output", "out.png"], ".lif or .life"),
        (["run", "glider", "--output", "."], "folder"),
        (["run", "--size", "-3x3"], "ROWSxCOLUMNS"),
        (["run", "--at", "1,1"], "PATTERN"),
        (["run", "--seed", "3"], "--random"),
        (["run", "glider", "--output", ""], "file name"),
        (["run", "--rule", "B3/S23:T10,20", "--size", "20x20"], "disagree"),
        (["run", "--engine", "warp-drive"], "warp-drive"),
        (["run", "--size", "100x64", "--engine", "hashlife"], "powers of two"),
        (["run", "--rule", "B03/S23", "--engine", "hashlife"], "B0"),
        (["run", "--workers", "0"], "at least 1"),
        (["bogus-option-x"], "bogus-option-x"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lifegame"), err
    assert words.lower() in err.lower()
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "content",
    [
        b"x = 1000000000, y = 1000000000, rule = B3/S23\no!\n",
        b"x = 3, y = 1\n100000000000000000o!\n",
        bytes(range(256)) * 64,
        b"",
        b"x = 2, y = 2, rule = B3/S23\nAB$CD!\n",
        b"x = 2, y = 2, rule = LifeHistory\nAB$CG!\n",
    ],
    ids=["huge-header", "huge-run", "binary", "empty", "states-beyond-two-state-rule", "state-7-in-lifehistory"],
)
def test_hostile_files_are_refused_from_the_command_line(tmp_path, content):
    path = tmp_path / "hostile.rle"
    path.write_bytes(content)
    result = run_cli("run", str(path), "--generations", "1", timeout=120)  # a hang guard, not a measure
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "hostile.rle" in result.stderr


def test_python_dash_m_and_help():
    result = run_cli("run", "--help")
    assert result.returncode == 0 and "--print-every" in result.stdout


def test_bench_prints_the_coroutine_figures(capsys):
    # A smoke test of the benchmark's plumbing: figures are printed, not judged.
    assert main(["bench", "--only", "coroutine", "--quick", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "x the seed's code" in out and "bytes (tracemalloc" in out


def test_run_tells_of_each_pool_restart_and_fails_in_one_line_when_the_engine_gives_up(monkeypatch, capsys):
    # The parallel engine survives dead workers by itself and tells of each
    # restart through the pool's on_restart (real kills: tests/test_engine_restarts.py);
    # the run prints one line per restart and its result is that of an
    # undisturbed run.  An engine that gives up is one line, exit 1.
    import lifegame.engines as engines
    from lifegame.engines.base import EngineError
    from lifegame.engines.pool import Restart

    real = engines.make_engine

    def flaky_engine(*args, **kwargs):
        engine = real(*args, **kwargs)
        advance = engine.advance
        calls = []

        pool = args[1]  # the run's WorkerPool: the CLI listens to its restarts

        def sometimes_restarts(board, rule, generations=1, *, cancel=None, progress=None):
            calls.append(generations)
            if len(calls) == 1:
                pool.on_restart(Restart("boom", 3, 1))
            if len(calls) == 3:
                raise EngineError("a worker process died 5 times in a row without progress (boom); giving up")
            return advance(board, rule, generations, cancel=cancel, progress=progress)

        engine.advance = sometimes_restarts
        return engine

    monkeypatch.setattr(engines, "make_engine", flaky_engine)
    assert main(["run", "r-pentomino", "--size", "64x64", "--generations", "50"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ("lifegame run: a worker process died (boom); restarted the pool, "
                            "resuming at generation 3\n")
    assert main(["run", "r-pentomino", "--size", "64x64", "--generations", "30", "--print-every", "10"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == ("lifegame run: error: a worker process died 5 times in a row without progress (boom); "
                       "giving up"), err
    monkeypatch.setattr(engines, "make_engine", real)
    assert main(["run", "r-pentomino", "--size", "64x64", "--generations", "50"]) == 0
    assert capsys.readouterr().out == captured.out


def test_sigterm_ends_a_run_cleanly_with_its_pool():
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lifegame", "run", "--size", "1024x1024", "--random", "0.5", "--seed", "1",
         "--generations", "1000000", "--print-every", "20", "--engine", "fast", "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    # Ready when the second board is printed: the pool has started and computed.
    blank_lines = 0
    while blank_lines < 2:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        blank_lines += line == "\n"
    proc.terminate()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert err == "lifegame run: terminated\n"  # no traceback, no leaked-resource warnings


def test_a_saved_board_fits_a_smaller_board_by_its_live_cells(tmp_path, capsys):
    saved = tmp_path / "g.rle"
    main(["run", "glider", "--output", str(saved)])  # a 35x35 board with a glider
    capsys.readouterr()
    assert main(["run", str(saved), "--size", "5x5", "--print-every", "1"]) == 0
    assert boards_of(capsys.readouterr().out)[0] == "-----\n--*--\n---*-\n-***-\n-----"


def test_output_keeps_the_source_files_credits(tmp_path, capsys):
    source = tmp_path / "credited.rle"
    source.write_text("#N Credited\n#O Some Discoverer\n#C Found in 1970.\nx = 3, y = 1\n3o!\n")
    out = tmp_path / "out.rle"
    assert main(["run", str(source), "--generations", "2", "--output", str(out)]) == 0
    text = out.read_text()
    assert "#N Credited" in text and "#O Some Discoverer" in text and "#C Found in 1970." in text
    assert "generation 2 of" in text


def test_a_pattern_too_big_for_any_board_names_its_file(tmp_path, capsys):
    far = tmp_path / "far.lif"
    far.write_text("#Life 1.06\n0 0\n100000 100000\n")
    assert main(["run", str(far)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lifegame run: error: far.lif: ") and "maximum" in err


def test_output_checks_see_through_symbolic_links(tmp_path, capsys, monkeypatch):
    import lifegame.engines as engines

    def no_engine(*args, **kwargs):
        raise AssertionError("an engine was made before --output was checked")

    monkeypatch.setattr(engines, "make_engine", no_engine)
    dangling = tmp_path / "dangling.rle"
    dangling.symlink_to(tmp_path / "no-such-folder" / "out.rle")
    loop_a, loop_b = tmp_path / "a.rle", tmp_path / "b.rle"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    to_folder = tmp_path / "folder.rle"
    to_folder.symlink_to(tmp_path)
    for link, words in ((dangling, "does not exist"), (loop_a, "loop"), (to_folder, "folder")):
        assert main(["run", "glider", "--generations", "10000000", "--output", str(link)]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1, err
    monkeypatch.undo()
    # A dangling link into a folder that exists is fine: the save creates its target.
    fine = tmp_path / "fine.rle"
    fine.symlink_to(tmp_path / "made-by-the-save.rle")
    assert main(["run", "glider", "--output", str(fine)]) == 0
    assert (tmp_path / "made-by-the-save.rle").is_file() and fine.is_symlink()
