"""Hostile pattern files are refused quickly, with a PatternError, without allocating what they declare.

Each case runs under ``tracemalloc`` (numpy reports its buffers to it) and a
stopwatch: a refusal must take well under a second and a few MiB at most.
"""

from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifegame.board import MAX_SIDE
from lifegame.patterns import MAX_FILE_BYTES, Pattern, PatternError, parse_pattern, read_pattern

PEAK_BYTES = 16 << 20
"""A hostile file is refused before the reader allocates for what it claims.
(Peak Python memory, counted by tracemalloc, does not depend on how busy the
machine is; how long a refusal takes does, so it is left to benchmarks.)"""


def measured(call, *args):
    """``(result or exception, peak bytes)`` of ``call(*args)``."""
    tracemalloc.start()
    try:
        outcome = call(*args)
    except Exception as err:  # noqa: BLE001 - returned to the test to inspect
        outcome = err
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, peak


def refused(text, words, fmt=None):
    err, peak = measured(parse_pattern, text, fmt, "evil.rle")
    assert isinstance(err, PatternError), f"not refused: {err!r}"
    message = str(err)
    assert "\n" not in message and message.startswith("evil.rle: ")
    for word in words:
        assert word in message, message
    assert peak < PEAK_BYTES, peak


@pytest.mark.parametrize("header", [
    "x = 1000000000, y = 1000000000, rule = B3/S23",
    "x = 3, y = 1000000000",
    "x = " + "9" * 5000 + ", y = 1",  # more digits than int() accepts by default
])
def test_declared_size_beyond_the_maximum(header):
    refused(f"{header}\no!\n", ["exceeds the maximum board side", str(MAX_SIDE)])


@pytest.mark.parametrize("body", ["100000000000000000o!", "100000000000000000$o!", "100000000000000000b!",
                                  "9" * 3000 + "o!"])
def test_run_counts_beyond_any_board(body):
    refused(f"x = 3, y = 3\n{body}\n", ["run count", "exceeds"])
    refused(f"{body}\n", ["run count"])  # no header either


def test_a_huge_but_sparse_header_is_fine_and_cheap():
    text = f"x = {MAX_SIDE}, y = {MAX_SIDE}\n{MAX_SIDE - 1}${MAX_SIDE - 1}bo!\n"
    pattern, peak = measured(parse_pattern, text)
    assert isinstance(pattern, Pattern) and pattern.population == 1
    assert (int(pattern.ys[0]), int(pattern.xs[0])) == (MAX_SIDE - 1, MAX_SIDE - 1)
    assert peak < PEAK_BYTES
    err, peak = measured(pattern.to_array)
    assert isinstance(err, PatternError) and peak < PEAK_BYTES


def test_a_small_file_claiming_too_many_live_cells():
    text = f"x = {MAX_SIDE}, y = {MAX_SIDE}\n" + f"{MAX_SIDE}o$" * 300 + "!\n"  # 3 KB, 314M cells
    refused(text, ["more than", "live cells"])


@pytest.mark.parametrize("body, header, words", [
    ("3o!", "x = 2, y = 2", ["beyond", "x = 2"]),
    ("o$o$o!", "x = 2, y = 2", ["beyond", "y = 2"]),
    (f"{MAX_SIDE}bo!", "", ["beyond the maximum board side"]),
])
def test_cells_beyond_the_declared_size(body, header, words):
    refused(f"{header}\n{body}\n", words)


@pytest.mark.parametrize("data, words", [
    (bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)), ["not a pattern file"]),
    (b"x = 3, y = 3\nbo$2bo\x00$3o!\n", ["not a pattern file", "binary"]),
    (b"x = 1, y = 1\n\xff\xfeo!\n", ["not a pattern file", "UTF-8"]),
    (b"\x1b[31mhello\n", ["not a pattern file"]),
    (b"", ["empty"]),
    (b"  \n\n\t\n", ["empty"]),
    (b"#C only a comment\n", ["not a pattern file"]),
    ("Dear user,\nthis is a letter.\n".encode(), ["not a pattern file"]),
])
def test_garbage(data, words):
    refused(data, words)


def test_life_formats_with_absurd_coordinates():
    refused("#Life 1.06\n0 0\n1000000000000 0\n", ["span"])
    refused("#Life 1.06\n0 0\n123456789012345678901234567890 0\n", ["not a cell coordinate"])
    refused("#Life 1.05\n#P 0 0\n*\n#P 900000000000 0\n*\n", ["span"])


def test_a_cells_row_longer_than_any_board():
    refused("O" + "." * MAX_SIDE + "\n", ["at most"], "cells")


def test_oversized_file_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.rle"
    with open(big, "wb") as f:
        f.truncate(100 << 20)  # a sparse 100 MB file: nothing to read, but stat says 100 MB
    err, peak = measured(read_pattern, big)
    assert isinstance(err, PatternError) and "limited to 64 MiB" in str(err) and "big.rle" in str(err)
    assert peak < PEAK_BYTES
    refused("o" * (MAX_FILE_BYTES + 1), ["larger than 64 MiB"])


def test_files_that_are_not_regular_files(tmp_path):
    with pytest.raises(PatternError, match="is a folder"):
        read_pattern(tmp_path)
    if os.path.exists("/dev/zero"):  # would never end if read
        with pytest.raises(PatternError, match="not a regular file"):
            read_pattern("/dev/zero")
    with pytest.raises(PatternError, match="nothing.rle: no such file"):
        read_pattern(tmp_path / "nothing.rle")


def test_unreadable_file(tmp_path):
    secret = tmp_path / "secret.rle"
    secret.write_text("o!\n")
    secret.chmod(0)
    try:
        if os.access(secret, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(PatternError, match="secret.rle: cannot read"):
            read_pattern(secret)
    finally:
        secret.chmod(0o600)


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.binary(max_size=300),
    st.text(alphabet="bo$!0123456789 \n#CNxy=,rule:B/S3AXpT.*O-", max_size=120),
))
def test_any_input_gives_a_pattern_or_a_pattern_error(data):
    for fmt in (None, "rle", "cells", "life"):
        try:
            pattern = parse_pattern(data, fmt)
        except PatternError as err:
            assert "\n" not in str(err)
        else:
            assert pattern.population == len(set(zip(pattern.ys.tolist(), pattern.xs.tolist())))


@pytest.mark.parametrize("text, fmt, words", [
    ("x = 3, y = 3\n" + "$" * 4_000_000 + "!", "rle", ["rows", "y = 3"]),
    ("x = 3, y = 3\n" + "b\n" * 2_000_000 + "!", "rle", ["x = 3, y = 3"]),
    ("x = 3, y = 3\n" + "3b2o" * 500_000 + "!", "rle", ["x = 3, y = 3"]),
    ("o" * 5_000_000 + "!", "rle", ["maximum board side"]),
    ("b" * 5_000_000 + "o!", "rle", ["header"]),
], ids=["dollars", "dead-runs-on-lines", "runs-on-one-line", "no-header-wide", "no-header"])
def test_megabytes_of_data_under_a_small_header_are_refused_before_decoding(text, fmt, words):
    # Decoding costs tens of bytes per byte of data: such a file must be
    # refused by counting, or a 60 MB file would take gigabytes.
    refused(text, words, fmt)
