"""The pool skips quiet tiles under rules of more states (Generations, History) and stays exact.

Boards in shared memory of ``uint8`` states (STATES_BANDS), bands of whole
tiles, only tiles within a batch's reach of a changed cell stepped
(:func:`lifegame.engines.activity.step_states_band`).  The reference is the
fast engine stepping every cell (itself proven equal to the coroutine engine
in ``test_engine_families.py``); one small case checks the coroutines directly.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifegame.board import Board
from lifegame.engines import (
    FAST_BANDS,
    STATES_BANDS,
    CoroutineEngine,
    FastEngine,
    ParallelEngine,
    WorkerPool,
)
from lifegame.engines.activity import ACTIVE, DIRTY, step_states_band
from lifegame.rules import GenerationsRule, HistoryRule, Rule, RuleBase, parse_rule

DENSE = FastEngine(tiles=False)

lifelike_no_b0 = st.builds(Rule, st.frozensets(st.integers(1, 8)), st.frozensets(st.integers(0, 8)))
multi_state_rules = st.one_of(
    st.builds(GenerationsRule, lifelike_no_b0, st.integers(3, 25)),
    st.builds(HistoryRule, lifelike_no_b0),
    st.sampled_from([parse_rule(t) for t in ("/2/3", "345/2/4", "LifeHistory", "B2-ek/S23/7")]),
)


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def engines(pool):
    """Pool engines that skip tiles, by (batch, tile rows), made once for the module."""
    made: dict[tuple, ParallelEngine] = {}

    def get(batch: int | None = None, tile_rows: int = 64) -> ParallelEngine:
        if (batch, tile_rows) not in made:
            made[batch, tile_rows] = ParallelEngine(pool, 2, batch=batch, tile_rows=tile_rows)
        return made[batch, tile_rows]

    yield get
    for engine in made.values():
        engine.close()


def blobs(board: Board, rule: RuleBase, rng: np.random.Generator, count: int, side: int = 8) -> None:
    """Stamp ``count`` small random blobs of random valid states (History: state 6 among them) onto ``board``."""
    for _ in range(count):
        h, w = (int(v) for v in rng.integers(1, side + 1, 2))
        blob = rng.integers(0, rule.states, (h, w)) * (rng.random((h, w)) < 0.5)
        y, x = (int(v) for v in rng.integers(0, board.height, 1)), int(rng.integers(0, board.width))
        board.place(blob.astype(np.uint8), *y, x)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule=multi_state_rules,
    shape=st.sampled_from([(256, 256), (512, 256), (256, 512)]),
    config=st.sampled_from([(None, 64), (3, 32), (None, 32), (None, 16), (20, 16)]),
    count=st.integers(1, 4),
    plan=st.lists(st.integers(1, 40), min_size=1, max_size=3),
    seed=st.integers(0, 2**32 - 1),
)
def test_sparse_multi_state_boards_equal_every_cell_across_batches_and_edits(
    engines, rule, shape, config, count, plan, seed
) -> None:
    # Several calls, each of several batches; between calls the board is
    # edited (a new blob, some cells cleared): each call loads it afresh.
    rng = np.random.default_rng(seed)
    engine = engines(*config)
    assert engine.tile_rows_for(shape, rule) == config[1]
    board = Board(*shape)
    blobs(board, rule, rng, count)
    for generations in plan:
        expected = DENSE.advance(board, rule, generations)
        board = engine.advance(board, rule, generations)
        assert board == expected
        blobs(board, rule, rng, 1)
        board[int(rng.integers(shape[0])), int(rng.integers(shape[1]))] = 0


def test_history_boundary_cells_and_the_coroutines_agree(engines) -> None:
    # State-6 cells next to live ones (they kill), across a band seam and the torus seam.
    rule = parse_rule("LifeHistory")
    board = Board(256, 256)
    board.place_cells([127, 128, 129, 129, 129], [5, 6, 4, 5, 6])  # a glider crossing the band seam
    board.place_cells([255, 0, 1], [255, 255, 255])  # a blinker on the torus corner
    board.place_cells([133, 0], [9, 2], 6)
    board.place_cells([60, 61], [60, 60], 4)
    expected = CoroutineEngine().advance(board, rule, 12)
    assert engines(3).advance(board, rule, 12) == expected


def test_quiet_tiles_are_skipped_and_a_still_board_stops(engines) -> None:
    engine = engines()
    rule = parse_rule("/2/3")  # Brian's Brain
    board = Board(512, 512)
    board.place_cells([100, 100, 101, 101], [100, 101, 100, 101])  # a seed that grows outwards
    generations = 40
    result = engine.advance(board, rule, generations)
    assert result == DENSE.advance(board, rule, generations)
    everything = (512 // 64) * (512 // 64) * (generations // 8)  # tiles x batches
    assert 0 < engine.tiles_computed < everything // 4
    # LifeHistory's block (with its history state around it) is still: one batch sees it, then the engine stops.
    still = Board(512, 512)
    still.place_cells([300, 300, 301, 301], [300, 301, 300, 301])
    still.place_cells([299, 302], [299, 302], 2)
    assert engine.advance(still, parse_rule("LifeHistory"), 800) == still
    assert engine.tiles_computed <= 3 * 3


def test_a_dying_cell_keeps_its_tile_active_until_it_is_empty(engines) -> None:
    engine = engines(1)  # one generation a batch: the flags are looked at after each
    rule = parse_rule("/2/25")  # a lone state-2 cell decays through 23 states, one a generation
    board = Board(512, 512)
    board[70, 70] = 2
    for generations in (1, 10, 22, 23, 50):
        assert engine.advance(board, rule, generations) == DENSE.advance(board, rule, generations)
    # The cell changes in each of 23 batches (the last empties it), so 24
    # batches compute the 3x3 tiles around it; then the board is still.
    assert 23 * 9 <= engine.tiles_computed <= 24 * 16 < 50 * 64


def test_step_states_band_writes_flags_of_what_changed() -> None:
    # The whole of a 256x512 board as one band, tiles of 32 rows: a blinker
    # in tile (1, 0) on the torus seam, a dying cell in tile (6, 4).
    rule = parse_rule("B3/S23/5")
    source = np.zeros((256, 512), np.uint8)
    source[40, [511, 0, 1]] = 1
    source[200, 300] = 2
    target = np.full_like(source, 9)  # stale: the band must be rewritten whole
    flags = [np.zeros((8, 8), np.uint8), np.zeros((8, 8), np.uint8)]
    computed = step_states_band(source, target, flags[0], flags[1], 0, 256, rule, 2, 32, fresh=True)
    assert computed == 3 * 4 + 3 * 3  # the tiles around the two (the blinker spans two), not all 64
    assert np.array_equal(target, DENSE.advance(Board(256, 512, source), rule, 2).cells)
    expected = np.zeros((8, 8), np.uint8)
    expected[1, 0] = expected[1, 7] = expected[6, 4] = ACTIVE  # changed in the last generation
    assert np.array_equal(flags[1] & ACTIVE, expected)
    assert np.all(flags[1][flags[1] & ACTIVE != 0] & DIRTY)


def test_multi_state_rules_take_tiles_when_the_board_fits(engines) -> None:
    engine = engines()
    assert engine.tile_rows_for((256, 256), parse_rule("345/2/4")) == 64
    assert engine.tile_rows_for((256, 256), parse_rule("LifeHistory")) == 64
    assert engine.tile_rows_for((250, 256), parse_rule("345/2/4")) == 0  # not whole tiles
    assert engine.tile_rows_for((256, 200), parse_rule("345/2/4")) == 0
    assert engine.tile_rows_for((256, 256), parse_rule("B2-ek/S23")) == 64  # two-state: FAST_BANDS's tiles
    assert FAST_BANDS.for_rule(parse_rule("/2/3")) is STATES_BANDS


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule=multi_state_rules,
    tile_rows=st.sampled_from([8, 16, 32]),
    cut=st.integers(1, 7),
    batches=st.lists(st.integers(1, 12), min_size=1, max_size=5),
    count=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_band_steps_in_this_process_equal_every_cell(rule, tile_rows, cut, batches, count, seed) -> None:
    # step_states_band itself, batch after batch on two bands (the sparse path
    # on a 256x512 board: tiles of few blobs), the flags carried across.
    rng = np.random.default_rng(seed)
    board = Board(256, 512)
    blobs(board, rule, rng, count)
    source, target = board.cells.copy(), np.zeros_like(board.cells)
    shape = (256 // tile_rows, 512 // 64)
    flags = [np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)]
    edge = cut * 256 // 8 // tile_rows * tile_rows or tile_rows
    expected = board
    for i, k in enumerate(batches):
        for y0, y1 in ((0, edge), (edge, 256)):
            step_states_band(source, target, flags[0], flags[1], y0, y1, rule, k, tile_rows, fresh=i == 0)
        expected = DENSE.advance(expected, rule, k)
        assert np.array_equal(target, expected.cells)
        source, target = target, source
        flags.reverse()
