"""The fast engine runs every rule family exactly as the coroutine engine does.

Random rules of each family (isotropic rules from random Hensel letter
subsets, Generations with 2..6 states and sometimes many, History on random
bases), random boards of valid states, odd sizes.  The coroutine engine is
the reference on small boards; on bigger ones :func:`roll_step` (plain numpy,
sharing no code with the packed kernel) is.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifegame.board import Board
from lifegame.engines.bitpack import PackedTorus, compile_rule
from lifegame.engines.fast import FastEngine, roll_step, step, step_rows, tiles_apply
from lifegame.environment import run_generations
from lifegame.rules import (
    GenerationsRule,
    HistoryRule,
    IsotropicRule,
    Rule,
    RuleBase,
    parse_rule,
)
from lifegame.rules.hensel import arrangements, letters_for

WIDTHS = [1, 2, 3, 5, 7, 63, 64, 65]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- rules ---------------------------------------------------------------------------
@st.composite
def hensel_parts(draw: st.DrawFn) -> frozenset[int]:
    """A random set of arrangements: for each count, none, all, or a random subset of its letters."""
    configs: set[int] = set()
    for count in range(9):
        letters = letters_for(count)
        mode = draw(st.sampled_from(["none", "all", "some"] if letters else ["none", "all"]))
        if mode == "all":
            configs |= arrangements(count)
        elif mode == "some":
            for letter in draw(st.sets(st.sampled_from(letters), min_size=1)):
                configs |= arrangements(count, letter)
    return frozenset(configs)


isotropic_rules = st.builds(IsotropicRule, hensel_parts(), hensel_parts())
life_like_rules = st.builds(Rule, st.frozensets(st.integers(0, 8)), st.frozensets(st.integers(0, 8)))
two_state_rules = st.one_of(isotropic_rules, life_like_rules)
bases_without_b0 = two_state_rules.filter(lambda r: not r.has_b0)
generations_rules = st.builds(
    GenerationsRule, bases_without_b0, st.one_of(st.integers(2, 6), st.sampled_from([17, 200, 256]))
)
history_rules = st.builds(HistoryRule, bases_without_b0)
any_rules = st.one_of(isotropic_rules, generations_rules, history_rules, life_like_rules)


def random_cells(rng: np.random.Generator, rule: RuleBase, h: int, w: int) -> np.ndarray:
    """Valid states for ``rule``, live ones and (History) some boundary cells among them."""
    cells = rng.integers(0, min(rule.states, 8), (h, w)).astype(np.uint8)
    if rule.states > 8:  # a few cells deep in a long Generations decay
        deep = rng.random((h, w)) < 0.1
        cells[deep] = rng.integers(8, rule.states, int(deep.sum()))
    return cells


def coroutine(cells: np.ndarray, rule: RuleBase, generations: int) -> np.ndarray:
    h, w = cells.shape
    return run_generations(Board(h, w, cells.copy()), generations, rule, rule.census).cells


def rolled(cells: np.ndarray, rule: RuleBase, generations: int) -> np.ndarray:
    for _ in range(generations):
        cells = roll_step(cells, rule)
    return cells


# -- equal to the coroutine engine --------------------------------------------------------
@pytest.mark.parametrize("family", [isotropic_rules, generations_rules, history_rules], ids=["hensel", "gen", "history"])
@SETTINGS
@given(
    h=st.integers(1, 9),
    w=st.sampled_from(WIDTHS),
    generations=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_every_engine_equals_the_coroutines(
    family: st.SearchStrategy, h: int, w: int, generations: int, seed: int, data: st.DataObject
) -> None:
    rule = data.draw(family)
    cells = random_cells(np.random.default_rng(seed), rule, h, w)
    before = cells.copy()
    expected = coroutine(cells, rule, generations)
    assert np.array_equal(step(cells, rule, generations), expected), rule
    assert np.array_equal(rolled(cells, rule, generations), expected), rule
    got = FastEngine().advance(Board(h, w, cells), rule, generations)
    assert np.array_equal(got.cells, expected), rule
    assert np.array_equal(cells, before)  # input unchanged


@pytest.mark.parametrize(
    "text", ["B3/S23-a4ei6", "B3/S2-i34q", "B2-ek/S", "345/2/4", "/2/3", "LifeHistory", "B36/S23History",
             "B2n3/S23-qHistory", "2-a3/3e/7", "B0/S8", "B2-a/S12"]
)
@pytest.mark.parametrize("h, w", [(1, 1), (1, 9), (9, 1), (2, 2), (5, 130)])
def test_named_rules_on_odd_sizes(text: str, h: int, w: int) -> None:
    rule = parse_rule(text)
    cells = random_cells(np.random.default_rng(h * 1000 + w), rule, h, w)
    expected = coroutine(cells, rule, 3)
    assert np.array_equal(step(cells, rule, 3), expected)
    assert np.array_equal(rolled(cells, rule, 3), expected)
    assert np.array_equal(FastEngine().advance(Board(h, w, cells), rule, 3).cells, expected)


def test_history_boundary_cells_stop_their_neighbours() -> None:
    # A blinker next to a wall of state 6: the cells touching it cannot stay on.
    rule = parse_rule("LifeHistory")
    cells = np.zeros((7, 9), np.uint8)
    cells[3, 2:5] = 1
    cells[:, 6] = 6
    expected = coroutine(cells, rule, 4)
    assert (expected == 6).sum() == 7  # the wall stays
    assert np.array_equal(step(cells, rule, 4), expected)
    assert np.array_equal(rolled(cells, rule, 4), expected)


# -- the packed formula, every configuration ------------------------------------------------
@settings(max_examples=80, deadline=None)
@given(rule=two_state_rules)
def test_compiled_formula_for_every_configuration(rule: RuleBase) -> None:
    # 512 isolated 3x3 blocks, one per configuration: each centre sees only its
    # own block, so the kernel's answer there is neighborhood_table()[index].
    cells = np.zeros((4, 512 * 4), np.uint8)
    for index in range(512):
        for bit, (dy, dx) in zip(range(8, -1, -1), ((dy, dx) for dy in range(3) for dx in range(3))):
            cells[dy, 4 * index + dx] = (index >> bit) & 1
    torus = PackedTorus(rule, *cells.shape)
    torus.load(cells)
    torus.run(1)
    got = torus.cells()[1, 1::4]
    assert np.array_equal(got, rule.neighborhood_table()), compile_rule(rule)


# -- bigger boards: against roll_step ------------------------------------------------------------
@pytest.mark.parametrize("family", [isotropic_rules, generations_rules, history_rules], ids=["hensel", "gen", "history"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.sampled_from([(256, 256), (257, 300), (300, 257)]),
    generations=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_big_boards_with_and_without_tiles(
    family: st.SearchStrategy, shape: tuple[int, int], generations: int, seed: int, data: st.DataObject
) -> None:
    rule = data.draw(family)
    h, w = shape
    rng = np.random.default_rng(seed)
    # A random blob on an empty board (tiles have quiet regions to skip), across the torus edges.
    cells = np.zeros(shape, np.uint8)
    blob = random_cells(rng, rule, 40, 50)
    cells[np.ix_(np.arange(-20, 20) % h, np.arange(-25, 25) % w)] = blob
    expected = rolled(cells, rule, generations)
    assert tiles_apply(h, w, rule) == (not rule.has_b0)  # boards >= 256x256 use tiles, in every family
    board = Board(h, w, cells)
    assert np.array_equal(FastEngine().advance(board, rule, generations).cells, expected), rule
    assert np.array_equal(FastEngine(tiles=False).advance(board, rule, generations).cells, expected), rule
    assert np.array_equal(step(cells, rule, generations), expected), rule


# -- step_rows: a band with halo rows equals the same rows of the whole torus ----------------------
@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(1, 30),
    w=st.sampled_from([1, 2, 63, 64, 65, 130]),
    rule=any_rules,
    generations=st.integers(0, 4),
    data=st.data(),
)
def test_step_rows_equals_slice_of_step(h: int, w: int, rule: RuleBase, generations: int, data: st.DataObject) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    cells = random_cells(rng, rule, h, w)
    top = data.draw(st.integers(0, h - 1))
    rows = data.draw(st.integers(1, h))
    padded = cells[np.arange(top - generations, top + rows + generations) % h]
    expected = rolled(cells, rule, generations)[np.arange(top, top + rows) % h]
    got = step_rows(padded, rule, generations)
    assert got.dtype == np.uint8 and got.shape == (rows, w)
    assert np.array_equal(got, expected), rule


def test_step_rows_checks_its_shape() -> None:
    with pytest.raises(ValueError):
        step_rows(np.zeros((4, 8), np.uint8), parse_rule("/2/3"), 2)
    with pytest.raises(ValueError):
        step_rows(np.zeros((4, 8), np.uint8), parse_rule("B3/S23"), -1)
