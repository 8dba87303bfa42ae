"""The fast engine equals the coroutine engine, cell for cell, for any rule and size."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifegame.board import Board
from lifegame.engines.bands import FAST_BANDS
from lifegame.engines.bitpack import PackedTorus, compile_rule, pack, unpack
from lifegame.engines.coroutine import CoroutineEngine
from lifegame.engines.fast import FastEngine, roll_step, step, tiles_apply
from lifegame.engines.tiled import TiledTorus
from lifegame.rules import CONWAY, PRESETS, Rule, parse_rule

B0_RULES = [parse_rule(s) for s in ("B0/S8", "B0/S", "B012/S3", "B0123478/S01234678", "B01245/S0125")]
OTHER_RULES = [parse_rule(s) for s in ("B/S", "B012345678/S012345678", "B1/S", "B8/S8", "B1357/S02468")]
ALL_RULES = list(PRESETS.values()) + B0_RULES + OTHER_RULES
DEGENERATE = [(1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 70), (70, 1), (2, 64), (3, 65), (4, 63), (5, 128), (3, 129)]

R_PENTOMINO = np.array([[0, 1, 1], [1, 1, 0], [0, 1, 0]], dtype=np.uint8)
GLIDER = np.array([[0, 1, 0], [0, 0, 1], [1, 1, 1]], dtype=np.uint8)  # moves down-right
LWSS = np.array([[0, 1, 1, 1, 1], [1, 0, 0, 0, 1], [0, 0, 0, 0, 1], [1, 0, 0, 1, 0]], dtype=np.uint8)

counts = st.frozensets(st.integers(0, 8))
rules = st.builds(Rule, counts, counts)


def reference(board: Board, rule: Rule, generations: int) -> Board:
    return CoroutineEngine().advance(board, rule, generations)


def random_board(rng: np.random.Generator, h: int, w: int, density: float = 0.5) -> Board:
    return Board.from_array(rng.random((h, w)) < density)


# -- equal to the coroutine engine ----------------------------------------------
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    h=st.integers(1, 20),
    w=st.integers(1, 70),
    rule=rules,
    generations=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    density=st.sampled_from([0.1, 0.5, 0.9]),
)
def test_equals_coroutine_engine(h: int, w: int, rule: Rule, generations: int, seed: int, density: float) -> None:
    board = random_board(np.random.default_rng(seed), h, w, density)
    before = board.copy()
    expected = reference(board, rule, generations)
    assert FastEngine().advance(board, rule, generations) == expected
    assert Board(h, w, step(board.cells, rule, generations)) == expected
    assert board == before  # input unchanged


@pytest.mark.parametrize("h, w", DEGENERATE)
def test_degenerate_sizes(h: int, w: int) -> None:
    rng = np.random.default_rng(h * 1000 + w)
    for rule in ALL_RULES:
        board = random_board(rng, h, w)
        expected = reference(board, rule, 3)
        assert FastEngine().advance(board, rule, 3) == expected, rule
        cells = board.cells
        for _ in range(3):
            cells = roll_step(cells, rule)
        assert np.array_equal(cells, expected.cells), rule


def test_one_by_one_counts_itself_eight_times() -> None:
    # On a 1x1 torus all eight neighbours are the cell itself: 8 when alive.
    alive, dead = Board.from_array([[1]]), Board.from_array([[0]])
    assert FastEngine().advance(alive, parse_rule("B/S8")) == alive
    assert FastEngine().advance(alive, parse_rule("B/S7")) == dead
    assert FastEngine().advance(dead, parse_rule("B0/S")) == alive


@pytest.mark.parametrize("rule", ALL_RULES, ids=str)
def test_named_and_b0_rules_on_wider_boards(rule: Rule) -> None:
    rng = np.random.default_rng(7)
    board = random_board(rng, 9, 150, 0.4)
    assert FastEngine().advance(board, rule, 2) == reference(board, rule, 2)


@settings(max_examples=300, deadline=None)
@given(rule=rules)
def test_compiled_rule_formula_for_every_neighbourhood(rule: Rule) -> None:
    # 18 isolated 3x3 blocks, one per (state, live neighbours): each centre
    # sees only its own block, so the kernel's answer there is table[s][n].
    cells = np.zeros((4, 18 * 4), np.uint8)
    ring = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]
    for i, (state, n) in enumerate((s, n) for s in (0, 1) for n in range(9)):
        cells[1, 4 * i + 1] = state
        for dy, dx in ring[:n]:
            cells[dy, 4 * i + dx] = 1
    torus = PackedTorus(rule, *cells.shape)
    torus.load(cells)
    torus.run(1)
    out = torus.cells()
    table = rule.table()
    got = [int(out[1, 4 * i + 1]) for i in range(18)]
    assert got == table[0] + table[1], compile_rule(rule)


# -- the band kernel: a band with halo rows equals the same rows of the whole torus ---
@settings(max_examples=80, deadline=None)
@given(
    h=st.integers(1, 40),
    w=st.integers(1, 150),
    rule=st.one_of(rules, st.sampled_from([r for r in ALL_RULES if r.states == 2])),
    generations=st.integers(1, 5),
    data=st.data(),
)
def test_band_kernel_equals_slice_of_step(h: int, w: int, rule: Rule, generations: int, data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    cells = (rng.random((h, w)) < 0.5).astype(np.uint8)
    top = data.draw(st.integers(0, h - 1))
    rows = data.draw(st.integers(1, h))
    padded = cells[np.arange(top - generations, top + rows + generations) % h]
    expected = step(cells, rule, generations)[np.arange(top, top + rows) % h]
    assert np.array_equal(FAST_BANDS.step_cells(padded, rule, generations), expected)


def test_band_kernel_checks_its_shape() -> None:
    with pytest.raises(ValueError):
        FAST_BANDS.step_cells(np.zeros((4, 8), np.uint8), CONWAY, 2)
    assert np.array_equal(FAST_BANDS.step_cells(np.ones((3, 5), np.uint8), CONWAY, 0), np.ones((3, 5)))


# -- known results ------------------------------------------------------------
def test_blinker_has_period_two() -> None:
    board = Board(5, 70)
    board.place(np.ones((1, 3)), 2, 1)
    one = FastEngine().advance(board, CONWAY, 1)
    assert one != board and one.population() == 3
    assert FastEngine().advance(board, CONWAY, 2) == board
    assert FastEngine().advance(board, CONWAY, 40) == board


@pytest.mark.parametrize("k", [1, 5, 16, 70])
def test_glider_translates_on_64x64_torus(k: int) -> None:
    board = Board(64, 64)
    board.place(GLIDER, 60, 62)  # straddles both edges
    expected = Board(64, 64)
    expected.place(GLIDER, 60 + k, 62 + k)
    assert FastEngine().advance(board, CONWAY, 4 * k) == expected
    assert FastEngine(tiles=False).advance(board, CONWAY, 4 * k) == expected


@pytest.mark.parametrize("tiles", [None, False])
def test_r_pentomino_population_116_at_1103(tiles: bool | None) -> None:
    board = Board(1024, 1024)
    board.place(R_PENTOMINO, 500, 500)
    assert tiles_apply(1024, 1024, CONWAY)
    assert FastEngine(tiles=tiles).advance(board, CONWAY, 1103).population() == 116


# -- tile skipping is exact -------------------------------------------------------
def tiled_matches_dense(cells: np.ndarray, rule: Rule, checkpoints: list[int], **kw: object) -> TiledTorus:
    torus = TiledTorus(rule, *cells.shape, **kw)  # type: ignore[arg-type]
    torus.load(cells)
    dense, done = cells, 0
    for gen in checkpoints:
        torus.run(gen - done)
        dense = step(dense, rule, gen - done)
        done = gen
        assert np.array_equal(unpack(torus.words, cells.shape[1]), dense), gen
    return torus


def test_tiles_pattern_across_tile_boundaries_and_torus_edges() -> None:
    rng = np.random.default_rng(3)
    cells = np.zeros((96, 256), np.uint8)
    blob = (rng.random((12, 20)) < 0.45).astype(np.uint8)
    cells[np.ix_(np.arange(-6, 6) % 96, np.arange(-10, 10) % 256)] = blob  # the four corners
    cells[np.ix_(np.arange(26, 38), np.arange(118, 138))] = blob            # a tile corner inside
    for rule in (CONWAY, PRESETS["HighLife"], PRESETS["Day & Night"], PRESETS["Seeds"], PRESETS["Life without Death"]):
        tiled_matches_dense(cells, rule, [1, 2, 3, 5, 8, 20, 60, 150], tile_rows=16)


def test_tiles_follow_a_spaceship_through_many_tiles() -> None:
    cells = np.zeros((64, 192), np.uint8)
    cells[30:34, 100:105] = LWSS  # flies along its row, wrapping across the torus
    torus = tiled_matches_dense(cells, CONWAY, [1, 4, 50, 97, 200, 401], tile_rows=16)
    # ... while computing only the few tiles around it, not the whole board.
    assert torus.tiles_computed < 401 * 12
    glider = np.zeros((128, 128), np.uint8)
    glider[0:3, 0:3] = GLIDER
    tiled_matches_dense(glider, CONWAY, [3, 33, 64, 129, 300, 513], tile_rows=16)


def test_tiles_busy_then_quiet_switches_between_dense_and_sparse() -> None:
    rng = np.random.default_rng(11)
    cells = np.zeros((128, 256), np.uint8)
    cells[:, :128] = rng.random((128, 128)) < 0.4
    for fraction in (0.0, 0.3, 1.1):  # always dense, either, always sparse
        torus = TiledTorus(CONWAY, 128, 256, tile_rows=32)
        torus.load(cells)
        torus.dense_fraction = fraction
        dense, done = cells, 0
        for gen in (1, 2, 7, 40, 120, 300):
            torus.run(gen - done)
            dense = step(dense, CONWAY, gen - done)
            done = gen
            assert np.array_equal(unpack(torus.words, 256), dense), (fraction, gen)


def test_still_board_stops_early_and_stays_exact() -> None:
    cells = np.zeros((64, 128), np.uint8)
    cells[10:12, 10:12] = 1  # a block
    torus = tiled_matches_dense(cells, CONWAY, [1, 1000], tile_rows=16)
    assert torus.tiles_computed <= 4


def test_tiles_refuse_b0_and_the_engine_falls_back() -> None:
    rule = parse_rule("B0/S8")
    with pytest.raises(ValueError):
        TiledTorus(rule, 64, 256)
    assert not tiles_apply(512, 512, rule)
    assert tiles_apply(512, 512, CONWAY) and tiles_apply(1000, 333, CONWAY)
    board = Board(256, 256)
    board.place(R_PENTOMINO, 100, 100)
    assert FastEngine().advance(board, rule, 3) == Board(256, 256, step(board.cells, rule, 3))


@pytest.mark.parametrize("h, w", [(256, 256), (320, 384), (300, 256), (256, 300), (257, 1000)])
def test_engine_with_and_without_tiles_agree(h: int, w: int) -> None:
    rng = np.random.default_rng(h + w)
    board = Board(h, w)
    board.place(rng.random((40, 50)) < 0.5, h - 20, w - 25)
    for rule in (CONWAY, PRESETS["2x2"], PRESETS["Morley"]):
        assert FastEngine().advance(board, rule, 37) == FastEngine(tiles=False).advance(board, rule, 37)


def test_zero_generations_and_bad_arguments() -> None:
    board = Board.from_text("-*-\n-*-\n-*-")
    assert FastEngine().advance(board, CONWAY, 0) == board
    assert FastEngine().advance(board, CONWAY, 0) is not board
    with pytest.raises(ValueError):
        FastEngine().advance(board, CONWAY, -1)
    with pytest.raises(ValueError):
        step(board.cells, CONWAY, -1)


@pytest.mark.parametrize("h, w", [(64, 256), (60, 250)])
@pytest.mark.parametrize("y", [0, 1, 14, 15, 16, 31, 47, 48, 58, 59, 63])
@pytest.mark.parametrize("x", [0, 1, 62, 63, 64, 100, 127, 128, 191, 192, 248, 249, 255])
def test_a_changed_cell_activates_exactly_the_tiles_of_its_neighbourhood(h: int, w: int, y: int, x: int) -> None:
    if y >= h or x >= w:
        return
    tr = 16
    torus = TiledTorus(CONWAY, h, w, tile_rows=tr)
    diff = np.zeros((h, w), np.uint8)
    diff[y, x] = 1
    packed = pack(diff)
    expected = np.zeros((torus.ty, torus.tx), bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            expected[((y + dy) % h) // tr, ((x + dx) % w) // 64] = True
    whole = np.zeros((torus.ty * tr, packed.shape[1]), np.uint64)
    whole[:h] = packed
    assert np.array_equal(torus._activate_dense(torus._normalise_dense(whole.copy())), expected)
    ty, tx = np.array([y // tr]), np.array([x // 64])
    tile = whole.reshape(torus.ty, tr, torus.tx, 1)[ty, :, tx, :]
    assert np.array_equal(torus._activate(ty, tx, torus._normalise_tiles(tile, ty, tx)), expected)


@settings(max_examples=60, deadline=None)
@given(
    h=st.integers(1, 70),
    w=st.integers(1, 200),
    tile_rows=st.integers(1, 20),
    rule=rules.filter(lambda r: not r.has_b0),
    fraction=st.sampled_from([0.0, 0.3, 1.1]),
    seed=st.integers(0, 2**32 - 1),
)
def test_tiles_exact_on_any_size(h: int, w: int, tile_rows: int, rule: Rule, fraction: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cells = np.zeros((h, w), np.uint8)
    ph, pw = min(h, 10), min(w, 12)
    y, x = rng.integers(0, h), rng.integers(0, w)
    cells[np.ix_(np.arange(y, y + ph) % h, np.arange(x, x + pw) % w)] = rng.random((ph, pw)) < 0.4
    torus = TiledTorus(rule, h, w, tile_rows=tile_rows)
    torus.dense_fraction = fraction
    torus.load(cells)
    for gen in range(12):
        torus.run(1)
        cells = step(cells, rule, 1)
        assert np.array_equal(torus.cells(), cells), gen
