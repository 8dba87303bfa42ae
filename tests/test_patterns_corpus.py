"""Every file of the Golly corpus (../shared/corpus/MANIFEST.tsv) is read right or refused by name.

The rows are read at collection time when the corpus is present; without it
the single placeholder test skips through the ``corpus`` fixture.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from lifegame.board import BoardSizeError
from lifegame.patterns import Pattern, PatternError, format_rle, parse_pattern, read_pattern
from lifegame.rules import RuleError, parse_rule_spec
from lifegame.start import starting_board

_CORPUS = Path(os.environ.get("LIFEGAME_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))


def _rows() -> list[dict[str, str]]:
    try:
        with open(_CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f, delimiter="\t"))
    except OSError:
        return []


ROWS = _rows()
BOARD_ROUND_TRIP_CELLS = 1 << 22  # larger extents round-trip as patterns (no dense board)


def _runs(rule: str) -> bool:
    try:
        parse_rule_spec(rule or "B3/S23")
    except RuleError:
        return False
    return True


@pytest.mark.parametrize("row", ROWS or [None], ids=[r["path"] for r in ROWS] or ["no-corpus"])
def test_corpus_file(corpus, row):
    path = corpus / row["path"]
    if not _runs(row["rule"]):
        with pytest.raises(PatternError) as err:
            read_pattern(path)
        message = str(err.value)
        assert message.startswith(f"{path.name}: ") and "\n" not in message
        assert row["rule"].split(":")[0] in message
        return

    pattern = read_pattern(path)
    assert pattern.population == int(row["live_cells"])
    assert (pattern.width, pattern.height) == (int(row["width"]), int(row["height"]))
    top, left, height, width = pattern.bounding_box()
    assert (width, height) == (int(row["bbox_width"]), int(row["bbox_height"]))
    if row["format"] == "lif":
        assert (top, left) == (0, 0)

    # Written back and read again, the cells are the same.
    again = parse_pattern(format_rle(pattern))
    assert (again.coordinates() == pattern.coordinates()).all()
    assert (again.height, again.width, again.rule, again.board_height, again.board_width) == (
        pattern.height, pattern.width, pattern.rule, pattern.board_height, pattern.board_width)
    assert (again.name, again.author, again.comments) == (pattern.name, pattern.author, pattern.comments)
    if pattern.height * pattern.width <= BOARD_ROUND_TRIP_CELLS:
        board, rule = starting_board(pattern)
        assert board.population() == pattern.population
        assert starting_board(parse_pattern(format_rle(Pattern.from_board(board, rule))))[0] == board


def test_torus_files_set_the_board_size(corpus):
    agar = read_pattern(corpus / "golly-life/Bounded-Grids/agar-p3.rle")
    assert (agar.board_height, agar.board_width) == (48, 72)
    board, _ = starting_board(agar)
    assert board.shape == (48, 72) and board.population() == 1296
    tube = read_pattern(corpus / "golly-life/Bounded-Grids/pulsars-in-tube.rle")  # B3/S23:T0,68
    assert (tube.board_height, tube.board_width) == (68, None)
    assert starting_board(tube, margin=5)[0].shape == (68, tube.width + 10)


def test_huge_sparse_file_reads_as_coordinates(corpus):
    pattern = read_pattern(corpus / "golly-life/Breeders/switch-engine-ping-pong.rle")
    assert (pattern.width, pattern.height, pattern.population) == (210515, 183739, 23)
    with pytest.raises(PatternError, match="Switch engine ping-pong: the pattern is 210515 x 183739"):
        pattern.to_array()
    with pytest.raises(BoardSizeError, match="maximum"):
        starting_board(pattern)


def test_comments_and_xrle_lines(corpus):
    named = read_pattern(corpus / "golly-life/Breeders/switch-engine-ping-pong.rle")
    assert named.name == "Switch engine ping-pong"  # from #N
    unnamed = read_pattern(corpus / "golly-life/Guns/period-52-glider-gun.rle")
    assert unnamed.name == "period-52-glider-gun"  # no #N: the file name
    ark = read_pattern(corpus / "golly-life/Methuselahs/ark1.rle")
    assert ark.comments[0].startswith("ark1 -- 16 cells")  # a bare '# ...' line
    xrle = [r["path"] for r in ROWS if r["format"] == "rle" and _runs(r["rule"])]
    with_pos = [read_pattern(corpus / p) for p in xrle]
    with_pos = [p for p in with_pos if any(m.startswith("#CXRLE") for m in p.metadata)]
    assert with_pos, "the corpus has #CXRLE lines"
    for p in with_pos:
        assert not any(c.startswith("XRLE") for c in p.comments)


def test_breeder_life105_blocks(corpus):
    breeder = read_pattern(corpus / "golly-life/Breeders/breeder.lif")
    assert breeder.population == 4060 and breeder.comments[0].startswith("Breeder, the classic")
    assert read_pattern(corpus / "golly-life/Methuselahs/acorn.lif").population == 7
