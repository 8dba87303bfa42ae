"""Every file of the Golly corpus (../shared/corpus/MANIFEST.tsv) is read right or refused by name.

The rows are read at collection time when the corpus is present; without it
the single placeholder test skips through the ``corpus`` fixture.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np
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


# The families still refused, by what their rule text looks like, and a word
# each refusal must say.  Every other file of the corpus (Life-like, Hensel,
# Generations, LifeHistory on a plain torus) must open.
_REFUSED = [
    (re.compile(r"R\d+,C\d+"), "Larger than Life"),
    (re.compile(r"MAP"), "MAP"),
    (re.compile(r".*V$"), "von Neumann"),
    (re.compile(r"JvN29$"), "von Neumann"),
    (re.compile(r"Langtons-Loops$"), "loop"),
    (re.compile(r"LifeSuper$"), "Super"),
    (re.compile(r"LangtonsAnt"), "Turmite"),
    (re.compile(r".*Margolus"), "Margolus"),
    (re.compile(r".*:K"), "Klein"),
    (re.compile(r".*:C"), "cross-surface"),
    (re.compile(r".*:S"), "sphere"),
    (re.compile(r".*:T\d+[+-]"), "shifted torus"),
]


def _refusal_word(rule: str) -> str | None:
    return next((word for pattern, word in _REFUSED if pattern.match(rule)), None)


def _state_counts(text: str) -> dict[int, int]:
    """MANIFEST's ``1:11618;2:120650``."""
    return {int(k): int(v) for k, v in (part.split(":") for part in text.split(";") if part)}


def _counts_of(pattern: Pattern) -> dict[int, int]:
    counts = np.bincount(pattern.states, minlength=256)
    return {int(state): int(counts[state]) for state in np.flatnonzero(counts)}


@pytest.mark.parametrize("row", ROWS or [None], ids=[r["path"] for r in ROWS] or ["no-corpus"])
def test_corpus_file(corpus, row):
    path = corpus / row["path"]
    word = _refusal_word(row["rule"])
    assert _runs(row["rule"]) == (word is None), "a family opens iff it is not on the refused list"
    if word is not None:
        with pytest.raises(PatternError) as err:
            read_pattern(path)
        message = str(err.value)
        assert message.startswith(f"{path.name}: ") and "\n" not in message
        assert row["rule"].split(":")[0] in message and word in message
        return

    pattern = read_pattern(path)
    assert pattern.population == int(row["live_cells"])
    assert _counts_of(pattern) == _state_counts(row["state_counts"])
    assert pattern.max_state < pattern.rule.states
    assert (pattern.width, pattern.height) == (int(row["width"]), int(row["height"]))
    top, left, height, width = pattern.bounding_box()
    assert (width, height) == (int(row["bbox_width"]), int(row["bbox_height"]))
    if row["format"] == "lif":
        assert (top, left) == (0, 0)
    else:
        spec = parse_rule_spec(row["rule"] or "B3/S23")
        assert (pattern.rule, pattern.board_height, pattern.board_width) == spec

    # Written back and read again, the cells, their states and the rule are the same.
    text = format_rle(pattern)
    again = parse_pattern(text)
    assert _same_cells(again, pattern)
    assert (again.height, again.width, again.rule, again.board_height, again.board_width) == (
        pattern.height, pattern.width, pattern.rule, pattern.board_height, pattern.board_width)
    assert (again.name, again.author, again.comments) == (pattern.name, pattern.author, pattern.comments)
    assert f"rule = {pattern.rule}" in text  # the canonical text
    if pattern.height * pattern.width <= BOARD_ROUND_TRIP_CELLS:
        board, rule = starting_board(pattern)
        assert board.population() == pattern.population
        assert np.array_equal(np.bincount(board.cells.reshape(-1), minlength=256)[1:],
                              np.bincount(pattern.states, minlength=256)[1:])  # the states kept on the board
        saved = parse_pattern(format_rle(Pattern.from_board(board, rule)))
        assert saved.rule == rule and starting_board(saved)[0] == board


def _same_cells(a: Pattern, b: Pattern) -> bool:
    (at_a, states_a), (at_b, states_b) = a.cells(), b.cells()
    return bool(np.array_equal(at_a, at_b) and np.array_equal(states_a, states_b))


def test_corpus_families_open(corpus):
    """The corpus files of the families lifegame runs all open: 177 of the 192 files."""
    opened = [r["path"] for r in ROWS if _refusal_word(r["rule"]) is None]
    assert len(ROWS) == 192 and len(opened) == 177
    history = [r for r in ROWS if r["rule"].startswith("LifeHistory") and _refusal_word(r["rule"]) is None]
    assert {r["path"].rsplit("/", 1)[-1] for r in history} == {
        "h-to-h-collection-26Aug2017.rle", "two-glider-collisions-lh.rle", "torus.rle",
        "pure-nonfiller-LifeHistory.rle"}


def test_lifehistory_collection_keeps_its_states(corpus):
    pattern = read_pattern(corpus / "golly-life/Signal-Circuitry/h-to-h-collection-26Aug2017.rle")
    assert str(pattern.rule) == "LifeHistory" and pattern.grid is not None
    assert _counts_of(pattern) == {1: 11618, 2: 120650, 4: 52784, 6: 22043}
    text = format_rle(pattern)
    assert "rule = LifeHistory\n" in text and "o" not in text.split("rule = LifeHistory\n", 1)[1]
    again = parse_pattern(text)
    assert again.rule == pattern.rule and np.array_equal(again.grid, pattern.grid)


def test_generations_with_hensel_letters(corpus):
    pattern = read_pattern(corpus / "golly-other-rules/Generations/isotropic-rule-wire-construction-gun.rle")
    assert pattern.rule.family == "Generations" and pattern.rule.states == 3
    assert pattern.rule.totalistic is False
    assert _counts_of(pattern) == {1: 2545, 2: 164}


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
    xrle = [r["path"] for r in ROWS if r["format"] == "rle" and _refusal_word(r["rule"]) is None]
    with_pos = [read_pattern(corpus / p) for p in xrle]
    with_pos = [p for p in with_pos if any(m.startswith("#CXRLE") for m in p.metadata)]
    assert with_pos, "the corpus has #CXRLE lines"
    for p in with_pos:
        assert not any(c.startswith("XRLE") for c in p.comments)


def test_breeder_life105_blocks(corpus):
    breeder = read_pattern(corpus / "golly-life/Breeders/breeder.lif")
    assert breeder.population == 4060 and breeder.comments[0].startswith("Breeder, the classic")
    assert read_pattern(corpus / "golly-life/Methuselahs/acorn.lif").population == 7
