"""HashLife on the torus gives exactly the fast engine's boards, refuses what it cannot run, and stays in its memory.

No timings are asserted: which kernel the ``auto`` mode picks depends on the
machine's load, but the board that comes back never does, and ``mode="tree"``
runs HashLife alone, deterministically.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifegame.board import Board
from lifegame.engines import engine_names, make_engine
from lifegame.engines.base import Capabilities, EngineUnsupported, JobCancelled
from lifegame.engines.fast import FastEngine
from lifegame.engines.hashlife import (
    BYTES_PER_ENTRY,
    HashLifeEngine,
    default_max_memory,
)
from lifegame.engines.hashlife_tree import Universe, compile_generations
from lifegame.rules import CONWAY, Rule, parse_rule

FAST = FastEngine()
SIDES = [8, 16, 32, 64, 128, 256]
COUNTS = [0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025]


def random_board(height: int, width: int, seed: int = 0, density: float = 0.4) -> Board:
    return Board.from_array(np.random.default_rng(seed).random((height, width)) < density)


def r_pentomino(side: int) -> Board:
    board = Board(side, side)
    c = side // 2
    board.place_cells([c, c, c + 1, c + 1, c + 2], [c + 1, c + 2, c, c + 1, c + 1])
    return board


class CountingEvent(threading.Event):
    """A cancel event that becomes set on its ``n``-th look."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.looks = 0
        self.n = n

    def is_set(self) -> bool:
        self.looks += 1
        return self.looks >= self.n


rules = st.builds(
    Rule,
    st.frozensets(st.integers(1, 8)),
    st.frozensets(st.integers(0, 8)),
)


# -- the contract ------------------------------------------------------------------------


def test_the_engine_is_registered_and_keeps_the_contract() -> None:
    assert "hashlife" in engine_names()
    with make_engine("hashlife") as engine:
        assert isinstance(engine, HashLifeEngine)
        assert engine.name == "hashlife"
        assert engine.capabilities == Capabilities(background=True, traceable=False, workers=1)
        board = random_board(32, 64, seed=1)
        before = board.copy()
        assert engine.describe(board) == "hashlife"
        assert engine.engine_for(board) is engine
        assert engine.advance(board, CONWAY, 0) == board
        assert engine.advance(board, CONWAY, 0) is not board
        assert engine.advance(board, CONWAY, 40) == FAST.advance(board, CONWAY, 40)
        assert board == before
        with pytest.raises(ValueError):
            engine.advance(board, CONWAY, -1)
    engine.close()  # twice is fine


@pytest.mark.parametrize(
    ("shape", "reason"),
    [
        ((100, 64), "hashlife needs sides that are powers of two from 8; 100x64 is not"),
        ((64, 100), "hashlife needs sides that are powers of two from 8; 64x100 is not"),
        ((4, 64), "hashlife needs sides that are powers of two from 8; 4x64 is not"),
        ((1, 1), "hashlife needs sides that are powers of two from 8; 1x1 is not"),
    ],
)
def test_sides_that_are_not_powers_of_two_from_8_are_refused_in_one_line(shape, reason) -> None:
    engine = HashLifeEngine()
    with pytest.raises(EngineUnsupported) as info:
        engine.check(shape, CONWAY)
    assert str(info.value) == reason
    with pytest.raises(EngineUnsupported, match="powers of two"):
        engine.advance(Board(*shape), CONWAY, 3)
    assert isinstance(info.value, ValueError)


def test_b0_rules_are_refused_in_one_line() -> None:
    engine = HashLifeEngine()
    b0 = parse_rule("B0123/S4")
    with pytest.raises(EngineUnsupported) as info:
        engine.check((64, 64), b0)
    message = str(info.value)
    assert message.startswith("hashlife does not run B0 rules (") and "\n" not in message
    assert message.endswith("): empty space would not stay empty")
    with pytest.raises(EngineUnsupported):
        engine.advance(Board(64, 64), b0, 1)
    engine.check((8, 8), CONWAY)
    engine.check((256, 16), parse_rule("B36/S23"))


def test_cancel_is_looked_at_before_and_during_a_jump() -> None:
    engine = HashLifeEngine(mode="tree")
    already = threading.Event()
    already.set()
    with pytest.raises(JobCancelled):
        engine.advance(r_pentomino(64), CONWAY, 10, cancel=already)
    # A busy 256x256 board: the cancel event is looked at inside a step too.
    cancel = CountingEvent(4)
    with pytest.raises(JobCancelled):
        engine.advance(random_board(256, 256, seed=3), CONWAY, 1 << 12, cancel=cancel)
    assert cancel.looks == 4
    never = threading.Event()
    board = random_board(64, 64, seed=4)
    assert engine.advance(board, CONWAY, 300, cancel=never) == FAST.advance(board, CONWAY, 300)


def test_progress_reports_every_step_up_to_the_total() -> None:
    seen: list[tuple[int, int]] = []
    engine = HashLifeEngine(mode="tree", progress=lambda done, total: seen.append((done, total)))
    engine.advance(r_pentomino(128), CONWAY, 1103)
    assert seen and seen[-1] == (1103, 1103)
    assert all(total == 1103 for _, total in seen)
    dones = [done for done, _ in seen]
    assert dones == sorted(set(dones))


def test_the_default_memory_limit_is_a_quarter_of_the_machine() -> None:
    assert default_max_memory() > 0
    assert HashLifeEngine().max_memory == default_max_memory()
    assert HashLifeEngine(max_memory=10 * BYTES_PER_ENTRY).max_entries == 10
    with pytest.raises(ValueError):
        HashLifeEngine(max_memory=0)
    with pytest.raises(ValueError):
        HashLifeEngine(mode="sometimes")


# -- the same boards as the fast engine ----------------------------------------------------------


@settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    height=st.sampled_from(SIDES),
    width=st.sampled_from(SIDES),
    rule=rules,
    generations=st.sampled_from(COUNTS),
    seed=st.integers(0, 2**32 - 1),
    density=st.sampled_from([0.05, 0.2, 0.4, 0.6]),
    mode=st.sampled_from(["tree", "auto"]),
)
def test_random_boards_rules_and_counts_match_the_fast_engine(height, width, rule, generations, seed, density, mode):
    if height * width > 128 * 128:
        generations = min(generations, 129)  # keeps the file quick; larger counts run on smaller boards
    board = random_board(height, width, seed=seed, density=density)
    with HashLifeEngine(mode=mode) as engine:
        assert engine.advance(board, rule, generations) == FAST.advance(board, rule, generations)


@pytest.mark.parametrize(("height", "width"), [(8, 8), (16, 16), (8, 64), (32, 8), (64, 64)])
def test_ten_thousand_generations_on_small_boards(height, width) -> None:
    for seed, rule in enumerate([CONWAY, parse_rule("B36/S23"), parse_rule("B3678/S34678")]):
        board = random_board(height, width, seed=seed)
        assert HashLifeEngine(mode="tree").advance(board, rule, 10_000) == FAST.advance(board, rule, 10_000)


@pytest.mark.parametrize("generations", [(1 << 13) - 1, 1 << 13, (1 << 13) + 1, 12_345])
def test_long_jumps_on_a_soup_match_the_fast_engine(generations) -> None:
    board = random_board(128, 64, seed=9, density=0.35)
    assert HashLifeEngine(mode="tree").advance(board, CONWAY, generations) == FAST.advance(board, CONWAY, generations)


def test_one_engine_serves_several_rules_and_sizes_in_turn() -> None:
    engine = HashLifeEngine(mode="tree")
    for seed, (shape, rule) in enumerate(
        [((64, 64), CONWAY), ((16, 256), parse_rule("B36/S23")), ((64, 64), CONWAY), ((8, 8), parse_rule("B2/S"))]
    ):
        board = random_board(*shape, seed=seed)
        assert engine.advance(board, rule, 77) == FAST.advance(board, rule, 77)


def test_the_r_pentomino_reaches_116_at_generation_1103() -> None:
    board = r_pentomino(1024)
    for mode in ("tree", "auto"):
        result = HashLifeEngine(mode=mode).advance(board, CONWAY, 1103)
        assert result.population() == 116
    assert HashLifeEngine(mode="tree").advance(board, CONWAY, 1103) == FAST.advance(board, CONWAY, 1103)


def test_gliders_wrap_around_a_large_torus_in_one_jump() -> None:
    # A glider moves one cell diagonally every 4 generations: 4 * 2048 generations bring it home.
    board = Board(2048, 2048)
    board.place_cells([0, 1, 2, 2, 2], [1, 2, 0, 1, 2])
    engine = HashLifeEngine(mode="tree")
    assert engine.advance(board, CONWAY, 4 * 2048) == board
    assert engine.advance(board, CONWAY, 1 << 40) == board  # 2^40 is a whole number of laps
    moved = Board(2048, 2048)
    moved.place_cells([5, 6, 7, 7, 7], [6, 7, 5, 6, 7])
    assert engine.advance(board, CONWAY, 4 * 2048 * 1000 + 20) == moved


# -- memory ------------------------------------------------------------------------------


def test_a_tiny_cache_is_collected_and_the_results_stay_exact() -> None:
    # 3000 entries: the torus fits, a step of a few hundred generations does not.
    board = random_board(256, 256, seed=5, density=0.35)
    engine = HashLifeEngine(mode="tree", max_memory=3000 * BYTES_PER_ENTRY)
    result = engine.advance(board, CONWAY, 1500)
    assert result == FAST.advance(board, CONWAY, 1500)
    assert engine.stats["collections"] > 0 and engine.stats["abandoned"] > 0
    assert engine.cache_entries() <= 2 * engine.max_entries
    assert engine.advance(board, CONWAY, 777) == FAST.advance(board, CONWAY, 777)


def test_a_torus_too_big_for_the_cache_is_run_by_the_fast_kernel() -> None:
    board = random_board(256, 256, seed=6, density=0.35)
    engine = HashLifeEngine(mode="tree", max_memory=5 * BYTES_PER_ENTRY)
    assert engine.advance(board, CONWAY, 200) == FAST.advance(board, CONWAY, 200)
    assert engine.stats["fast_generations"] > 0


def test_close_frees_the_cache() -> None:
    engine = HashLifeEngine(mode="tree")
    engine.advance(random_board(64, 64), CONWAY, 100)
    assert engine.cache_entries() > 0
    engine.close()
    assert engine.cache_entries() == 0
    assert engine.advance(r_pentomino(64), CONWAY, 10) == FAST.advance(r_pentomino(64), CONWAY, 10)


# -- the tree --------------------------------------------------------------------------------


@pytest.mark.parametrize(("height", "width"), [(8, 8), (8, 64), (256, 16), (64, 32), (512, 512)])
def test_cells_go_into_the_tree_and_come_back(height, width) -> None:
    universe = Universe(CONWAY)
    board = random_board(height, width, seed=height + width)
    root, level = universe.from_cells(board.cells)
    assert level == max(5, (max(height, width) - 1).bit_length())
    assert np.array_equal(universe.to_cells(root, level, height, width), board.cells)
    (root,) = universe.collect([(root, level)])
    assert np.array_equal(universe.to_cells(root, level, height, width), board.cells)
    assert universe.population(root, level) == board.population() * (1 << 2 * level) // (height * width)


@settings(max_examples=60, deadline=None)
@given(rule=rules, seed=st.integers(0, 2**32 - 1), generations=st.integers(1, 8))
def test_the_leaf_kernel_matches_the_fast_engine_inside_the_light_cone(rule, seed, generations) -> None:
    cells = (np.random.default_rng(seed).random((32, 32)) < 0.4).astype(np.uint8)
    square = int.from_bytes(np.packbits(cells, axis=1, bitorder="little").tobytes(), "little")
    out = compile_generations(rule)(square, generations)
    got = np.unpackbits(
        np.frombuffer(out.to_bytes(128, "little"), np.uint8).reshape(32, 4), axis=1, bitorder="little"
    )
    # The plane around the square is empty: compare with a torus big enough that nothing wraps.
    big = np.zeros((64, 64), np.uint8)
    big[16:48, 16:48] = cells
    expected = FAST.advance(Board(64, 64, big), rule, generations).cells[16:48, 16:48]
    g = generations
    assert np.array_equal(got[g : 32 - g, g : 32 - g], expected[g : 32 - g, g : 32 - g])
