"""HashLife runs every two-state rule without B0 -- Hensel rules as well as Life-like ones -- and refuses the rest.

The reference is independent of the engine: a numpy step by the rule's
512-entry table (:func:`table_step`), checked itself against the coroutine
engine, with cycle detection so that very long jumps on small tori can be
checked too.  The fast engine is compared as well (``mode="auto"`` hands it
the chaotic stretches).  No timings are asserted.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifegame.board import Board
from lifegame.engines.auto import AutoEngine
from lifegame.engines.base import EngineUnsupported
from lifegame.engines.fast import FastEngine
from lifegame.engines.hashlife import HashLifeEngine, hashlife_supports
from lifegame.engines.hashlife_tree import compile_generations
from lifegame.environment import run_generations
from lifegame.rules import CONWAY, IsotropicRule, RuleBase, parse_rule
from lifegame.rules.hensel import arrangements, letters_for

# Configuration bit -> where that neighbour is: bit 8 is the north-west (row above, column left).
_OFFSETS = [divmod(8 - bit, 3) for bit in range(9)]


def table_step(cells: np.ndarray, rule: RuleBase, generations: int = 1) -> np.ndarray:
    """``generations`` of a two-state rule on the torus ``cells`` by its 512-entry table."""
    table = rule.neighborhood_table()
    live = np.asarray(cells, np.uint16)
    for _ in range(generations):
        index = np.zeros_like(live)
        for bit, (row, col) in enumerate(_OFFSETS):
            index |= np.roll(live, (1 - row, 1 - col), axis=(0, 1)) << bit
        live = table[index].astype(np.uint16)
    return live.astype(np.uint8)


def reference(cells: np.ndarray, rule: RuleBase, generations: int, cap: int = 4000) -> np.ndarray | None:
    """The board ``generations`` on, by :func:`table_step`, jumping whole cycles; ``None`` past ``cap`` steps."""
    seen: dict[bytes, int] = {}
    history: list[np.ndarray] = []
    live = np.asarray(cells, np.uint8)
    for t in range(min(generations, cap) + 1):
        if t == generations:
            return live
        key = live.tobytes()
        if key in seen:
            start = seen[key]
            return history[start + (generations - start) % (t - start)]
        seen[key] = t
        history.append(live)
        live = table_step(live, rule)
    return None


@st.composite
def hensel_rules(draw) -> IsotropicRule:
    """A random isotropic rule without B0: for each count, a random subset of its letters (or all, or none)."""

    def part(counts: range) -> frozenset[int]:
        configs: set[int] = set()
        for count in counts:
            letters = letters_for(count)
            if not letters:
                if draw(st.booleans()):
                    configs |= arrangements(count)
                continue
            for letter in draw(st.sets(st.sampled_from(letters))):
                configs |= arrangements(count, letter)
        return frozenset(configs)

    return IsotropicRule(part(range(1, 9)), part(range(9)))


SIDES = [8, 16, 32, 64]
COUNTS = [0, 1, 2, 3, 7, 8, 9, 31, 32, 33, 63, 64, 65, 255, 256, 257, 1000]
NAMED = ["B3/S2-i34q", "B3/S23-a4ei6", "B2-ek/S", "B2n3/S23-q", "B34kz5e7c8/S23-a4ityz5k", "B2e3-r/S23"]


def soup(height: int, width: int, seed: int, density: float = 0.35) -> Board:
    return Board.from_array(np.random.default_rng(seed).random((height, width)) < density)


# -- what is refused, in one line ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("345/2/4", "HashLife runs two-state rules; 345/2/4 is a Generations rule"),
        ("/2/3", "HashLife runs two-state rules; /2/3 is a Generations rule"),
        ("B2-ek/S/5", "HashLife runs two-state rules; "),
        ("LifeHistory", "HashLife runs two-state rules; LifeHistory is a History rule"),
        ("B36/S23History", "HashLife runs two-state rules; "),
    ],
)
def test_rules_of_more_states_are_refused_naming_their_family(text, reason) -> None:
    rule = parse_rule(text)
    assert rule.states > 2
    engine = HashLifeEngine()
    with pytest.raises(EngineUnsupported) as info:
        engine.check((64, 64), rule)
    message = str(info.value)
    assert message.startswith(reason) and "\n" not in message
    assert message == f"HashLife runs two-state rules; {rule} is a {rule.family} rule"
    assert hashlife_supports((64, 64), rule) == message
    with pytest.raises(EngineUnsupported):
        engine.advance(Board(64, 64), rule, 5000)
    # So the automatic engine never hands them to HashLife, however long the jump.
    board = Board(1024, 1024)
    board[5, 5] = 1
    assert not AutoEngine().jumps_with_hashlife(board, rule, 1 << 20)


def test_hensel_b0_rules_are_refused_in_one_line() -> None:
    rule = parse_rule("B02a/S1e")
    assert rule.has_b0 and rule.states == 2
    with pytest.raises(EngineUnsupported) as info:
        HashLifeEngine().check((64, 64), rule)
    assert str(info.value) == f"hashlife does not run B0 rules ({rule}): empty space would not stay empty"
    with pytest.raises(ValueError):
        compile_generations(rule)


@pytest.mark.parametrize("text", NAMED)
def test_hensel_rules_are_accepted_and_chosen_for_long_jumps(text) -> None:
    rule = parse_rule(text)
    assert isinstance(rule, IsotropicRule)
    assert hashlife_supports((4096, 64), rule) is None
    HashLifeEngine().check((8, 8), rule)
    board = Board(1024, 1024)
    board.place_cells([500, 501, 501, 502], [500, 500, 501, 502])
    assert AutoEngine().jumps_with_hashlife(board, rule, 1 << 20)


# -- the reference is right ----------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(rule=hensel_rules(), seed=st.integers(0, 2**32 - 1), shape=st.sampled_from([(5, 7), (8, 8), (6, 9)]))
def test_the_table_reference_matches_the_coroutine_engine(rule, seed, shape) -> None:
    board = soup(*shape, seed)
    expected = run_generations(board.copy(), 3, rule, rule.census)
    assert np.array_equal(table_step(board.cells, rule, 3), expected.cells)


# -- the leaf kernel -----------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(rule=hensel_rules(), seed=st.integers(0, 2**32 - 1), generations=st.integers(1, 8))
def test_the_leaf_kernel_runs_hensel_rules_inside_the_light_cone(rule, seed, generations) -> None:
    cells = (np.random.default_rng(seed).random((32, 32)) < 0.4).astype(np.uint8)
    square = int.from_bytes(np.packbits(cells, axis=1, bitorder="little").tobytes(), "little")
    out = compile_generations(rule)(square, generations)
    got = np.unpackbits(np.frombuffer(out.to_bytes(128, "little"), np.uint8).reshape(32, 4), axis=1, bitorder="little")
    big = np.zeros((64, 64), np.uint8)  # empty all around: nothing wraps into the square
    big[16:48, 16:48] = cells
    expected = table_step(big, rule, generations)[16:48, 16:48]
    g = generations
    assert np.array_equal(got[g : 32 - g, g : 32 - g], expected[g : 32 - g, g : 32 - g])


# -- whole jumps -----------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule=hensel_rules(),
    height=st.sampled_from(SIDES),
    width=st.sampled_from(SIDES),
    generations=st.sampled_from(COUNTS),
    seed=st.integers(0, 2**32 - 1),
    density=st.sampled_from([0.05, 0.2, 0.4]),
    mode=st.sampled_from(["tree", "auto"]),
)
def test_random_hensel_rules_boards_and_counts_match_the_reference(
    rule, height, width, generations, seed, density, mode
) -> None:
    board = soup(height, width, seed, density)
    expected = reference(board.cells, rule, generations)
    if expected is None:  # no cycle within the cap: check the cap itself
        generations = 4000
        expected = table_step(board.cells, rule, generations)
    with HashLifeEngine(mode=mode) as engine:
        assert np.array_equal(engine.advance(board, rule, generations).cells, expected)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule=hensel_rules(),
    shape=st.sampled_from([(8, 8), (8, 16), (16, 8), (16, 16)]),
    generations=st.sampled_from([(1 << 20) - 1, 1 << 20, (1 << 20) + 1, 10**12 + 7]),
    seed=st.integers(0, 2**32 - 1),
)
def test_huge_jumps_on_small_tori_match_the_reference_through_its_cycle(rule, shape, generations, seed) -> None:
    board = soup(*shape, seed)
    expected = reference(board.cells, rule, generations)
    if expected is not None:  # a cycle within the cap (almost always on such small tori)
        assert np.array_equal(HashLifeEngine(mode="tree").advance(board, rule, generations).cells, expected)


@pytest.mark.parametrize("text", NAMED)
def test_named_hensel_rules_match_the_fast_engine(text) -> None:
    rule = parse_rule(text)
    board = soup(128, 64, seed=len(text))
    fast = FastEngine()
    for generations in (1, 127, 128, 129, 700):
        expected = fast.advance(board, rule, generations)
        assert np.array_equal(expected.cells, table_step(board.cells, rule, generations))
        assert HashLifeEngine(mode="tree").advance(board, rule, generations) == expected
        assert HashLifeEngine(mode="auto").advance(board, rule, generations) == expected


def test_one_engine_switches_between_life_and_hensel_rules() -> None:
    engine = HashLifeEngine(mode="tree")
    board = soup(64, 64, seed=7)
    for text in ("B3/S23", "B3/S2-i34q", "B3/S23", "B3/S23-a4ei6", "B3/S2-i34q"):
        rule = parse_rule(text)
        assert np.array_equal(engine.advance(board, rule, 333).cells, table_step(board.cells, rule, 333))
    assert engine.advance(board, CONWAY, 77) == FastEngine().advance(board, CONWAY, 77)


def test_a_glider_of_tlife_crosses_a_large_torus() -> None:
    # B3/S2-i34q's glider is Life's: it moves one cell diagonally every 4 generations.
    rule = parse_rule("B3/S2-i34q")
    board = Board(1024, 1024)
    board.place_cells([0, 1, 2, 2, 2], [1, 2, 0, 1, 2])
    moved = Board(1024, 1024)
    moved.place_cells([5, 6, 7, 7, 7], [6, 7, 5, 6, 7])
    engine = HashLifeEngine(mode="tree")
    assert table_step(board.cells, rule, 4).sum() == 5
    assert engine.advance(board, rule, 4 * 1024 * 1000 + 20) == moved
    assert engine.advance(board, rule, 1 << 40) == board
