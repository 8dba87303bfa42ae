"""A seeded mutation fuzz of the readers: whatever the bytes, a Pattern or a one-line PatternError.

The seeds are the bundled patterns, small files of every format and (when
present) the small files of the Golly corpus; each case is a few mutations
of one seed (bytes flipped, inserted or deleted, runs duplicated, lines
swapped, numbers made huge) and is read as every format.  Inputs stay under
a few KiB, so every case is bounded; ``PatternError`` is the readers' whole
contract (a rule lifegame does not run, a size no board has: both are
``PatternError`` from a reader, never ``RuleError`` or ``BoardSizeError``).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest

from lifegame.patterns import Pattern, PatternError, library, parse_pattern, read_pattern

CASES = 400
MAX_INPUT = 4096
_ASSETS = Path(__file__).resolve().parents[1] / "assets" / "patterns"
_CORPUS = Path(os.environ.get("LIFEGAME_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))

_SMALL = [
    b"#N Glider\n#O someone\nx = 3, y = 3, rule = B3/S23\nbo$2bo$3o!\n",
    b"bo$2bo$3o!\n",
    b"x = 5, y = 4, rule = B36/S23:T10,8\n2$3o$obo!\n",
    b"x = 6, y = 3, rule = LifeHistory:T8,6\n.2AB$CDEF$2.A!\n",
    b"x = 4, y = 2, rule = /2/256\n.pAyO$3A!\n",
    b"!Name: Glider\n!A comment\n.O.\n..O\nOOO\n",
    b"#Life 1.05\n#D acorn\n#N\n#P -3 -1\n.*\n...*\n**..***\n#P 10 10\n*\n5 5\n",
    b"#Life 1.06\n#R 23/36\n0 -1\n1 0\n-1 1\n0 1\n1 1\n",
    b"0 0\n1 1\n",
]
_TOKENS = [b"$", b"!", b"o", b"b", b"#", b"\n", b"*", b".", b"O", b"-", b" ", b"x = ", b"y = ", b"rule = ",
           b"#P ", b"#Life 1.06\n", b"#Life 1.05\n", b"pA", b"B", b":T", b"\r", b"\xff", b"\x00", b"\xe9",
           b"yO", b"yP", b"F", b"p", b"LifeHistory", b"/2/3", b"B2-ek/S"]
_HUGE = [b"9" * 30, b"1048576", b"1048577", b"16384", b"9223372036854775807", b"-9223372036854775808",
         b"-1", b"0", b"4294967296", b"123456789012345678"]


def _seeds() -> list[bytes]:
    seeds = list(_SMALL)
    assert len(list(_ASSETS.glob("*.rle"))) == len(library.names())  # every bundled pattern is a seed
    for path in sorted(_ASSETS.glob("*.rle")):
        seeds.append(path.read_bytes())
    manifest = _CORPUS / "MANIFEST.tsv"
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines()[1:]:
            path = _CORPUS / line.split("\t", 1)[0]
            if path.is_file() and path.stat().st_size <= MAX_INPUT:
                seeds.append(path.read_bytes())
    return seeds


def _mutate(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data[:MAX_INPUT])
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(8)
        at = rng.randint(0, len(data))
        if kind == 0 and data:  # flip a byte
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif kind == 1:  # insert a token or a random byte
            data[at:at] = rng.choice(_TOKENS) if rng.random() < 0.8 else bytes([rng.randrange(256)])
        elif kind == 2 and data:  # delete a span
            del data[at:at + rng.randint(1, 16)]
        elif kind == 3 and data:  # duplicate a run
            span = bytes(data[at:at + rng.randint(1, 64)])
            data[at:at] = span * rng.randint(1, 20)
        elif kind == 4:  # a huge number
            data[at:at] = rng.choice(_HUGE)
        elif kind == 5:  # replace a number by a huge one
            digits = [i for i, c in enumerate(data) if 48 <= c <= 57]
            if digits:
                i = rng.choice(digits)
                data[i:i + 1] = rng.choice(_HUGE)
        elif kind == 6:  # swap two lines
            lines = bytes(data).split(b"\n")
            if len(lines) > 2:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                data = bytearray(b"\n".join(lines))
        else:  # truncate
            del data[at:]
    return bytes(data[:MAX_INPUT])


def _check(pattern: Pattern) -> None:
    if pattern.grid is not None:
        assert pattern.grid.shape == (pattern.height, pattern.width) and pattern.grid.dtype == np.uint8
    else:
        assert pattern.ys.size == pattern.xs.size == pattern.states.size == pattern.population
        assert pattern.states.min(initial=1) >= 1
    assert pattern.max_state < pattern.rule.states  # a state the rule has not is refused
    box = pattern.bounding_box()
    if box is not None:
        top, left, height, width = box
        assert 0 <= top and top + height <= pattern.height and 0 <= left and left + width <= pattern.width


@pytest.mark.parametrize("block", range(4))
def test_mutated_files_give_a_pattern_or_a_pattern_error(block):
    rng = random.Random(1000 + block)
    seeds = _seeds()
    for case in range(CASES // 4):
        data = _mutate(rng, rng.choice(seeds))
        for fmt in (None, "rle", "cells", "life"):
            try:
                pattern = parse_pattern(data, fmt, "fuzz.rle")
            except PatternError as err:
                message = str(err)
                assert "\n" not in message and message.startswith("fuzz.rle: ") or "unknown pattern format" in message, (
                    case, data[:200], message)
            except Exception as err:  # noqa: BLE001 - the failure to report
                pytest.fail(f"case {case} ({fmt}): {type(err).__name__}: {err}; input {data[:300]!r}")
            else:
                _check(pattern)


def test_mutated_files_on_disk(tmp_path):
    rng = random.Random(7)
    seeds = _seeds()
    for case in range(40):
        path = tmp_path / f"case{case}{rng.choice(['.rle', '.cells', '.lif', '.life', '.txt'])}"
        path.write_bytes(_mutate(rng, rng.choice(seeds)))
        try:
            _check(read_pattern(path))
        except PatternError as err:
            assert str(err).startswith(f"{path.name}: ") and "\n" not in str(err)
