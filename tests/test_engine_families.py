"""Every registered engine gives the coroutine engine's result, for every rule family.

The coroutine engine is the reference: it runs any rule through the rule's own
``census`` and ``game_logic``.  Every other engine -- made by name from the
registry, in this process and over a pool of two workers -- must give the
same board for random rules of each family (Life-like, isotropic
non-totalistic in Hensel notation, Generations, History), random boards of
valid states and odd sizes, over 0, 1 and several generations.  An engine
may refuse a rule only through its ``check`` (HashLife: multi-state rules,
B0, sides that are not powers of two); ``auto`` never picks one that does.
"""

from __future__ import annotations

import functools
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifegame.board import Board
from lifegame.engines import (
    COROUTINE_BANDS,
    FAST_BANDS,
    STATES_BANDS,
    AutoEngine,
    CoroutineEngine,
    ParallelEngine,
    WorkerPool,
    engine_names,
    make_engine,
)
from lifegame.engines.bands import Interrupted, padded_rows
from lifegame.engines.base import EngineUnsupported
from lifegame.rules import (
    GenerationsRule,
    HistoryRule,
    IsotropicRule,
    Rule,
    RuleBase,
    parse_rule,
)
from lifegame.rules.hensel import arrangements, letters_for

REFERENCE = CoroutineEngine()
MAY_REFUSE = {"hashlife"}
"""Engines allowed to refuse a rule or a board (through ``check``); every other one runs them all."""

# -- rules of every family --------------------------------------------------------------

CLASSES = [arrangements(n, letter) for n in range(9) for letter in (letters_for(n) or [None])]
"""The 51 classes of neighbourhoods (count and Hensel letter) under rotation and reflection."""


def _union(picks: list[bool]) -> frozenset[int]:
    return frozenset().union(*(c for c, pick in zip(CLASSES, picks) if pick))


@st.composite
def hensel_rules(draw, b0: bool = True) -> IsotropicRule:
    """A random isotropic rule: any subset of the 51 classes for birth and for survival."""
    density = draw(st.sampled_from([0.15, 0.3, 0.5]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    birth = _union(list(rng.random(len(CLASSES)) < density))
    if not b0:
        birth -= arrangements(0)
    return IsotropicRule(birth, _union(list(rng.random(len(CLASSES)) < density)))


def lifelike_rules(b0: bool = True) -> st.SearchStrategy[Rule]:
    births = st.frozensets(st.integers(0 if b0 else 1, 8))
    return st.builds(Rule, births, st.frozensets(st.integers(0, 8)))


def two_state_rules(b0: bool = True) -> st.SearchStrategy[RuleBase]:
    return st.one_of(lifelike_rules(b0), hensel_rules(b0))


generations_rules = st.builds(GenerationsRule, two_state_rules(b0=False), st.sampled_from([3, 4, 5, 8, 25]))
history_rules = st.builds(HistoryRule, st.one_of(st.just(parse_rule("B3/S23")), two_state_rules(b0=False)))

FAMILIES = {
    "life-like": lifelike_rules(),
    "hensel": hensel_rules(),
    "generations": generations_rules,
    "history": history_rules,
}


def random_board(rule: RuleBase, height: int, width: int, seed: int) -> Board:
    """A board of random valid states: mostly empty and live cells, some of every other state."""
    rng = np.random.default_rng(seed)
    cells = (rng.random((height, width)) < 0.45).astype(np.uint8)
    if rule.states > 2:
        other = rng.random((height, width)) < 0.2
        cells[other] = rng.integers(2, rule.states, int(other.sum()))
    return Board(height, width, cells)


sizes = st.tuples(
    st.one_of(st.integers(1, 11), st.just(8)),
    st.one_of(st.integers(1, 11), st.sampled_from([8, 16, 65])),
)
generation_counts = st.sampled_from([0, 1, 2, 5])


# -- engines by name, here and on a pool of two workers -----------------------------------


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def engines(pool):
    """Every registered engine, by (name, "here" or "pool"), made once for the module."""
    made = {(name, where): make_engine(name, pool if where == "pool" else None)
            for name in engine_names() for where in ("here", "pool")}
    yield made
    for engine in made.values():
        engine.close()


def _agree(engines, rule: RuleBase, board: Board, generations: int) -> None:
    expected = REFERENCE.advance(board, rule, generations)
    before = board.copy()
    for (name, where), engine in engines.items():
        try:
            engine.check(board.shape, rule)
        except EngineUnsupported:
            assert name in MAY_REFUSE, f"{name} ({where}) refused {rule} on {board.shape}"
            continue
        got = engine.advance(board, rule, generations)
        assert got == expected, f"{name} ({where}) differs from the coroutines: {rule}, {board.shape}, {generations}"
        assert board == before


@pytest.mark.parametrize("family", FAMILIES)
def test_every_engine_equals_the_coroutines_for_every_family(engines, family) -> None:
    # Random isotropic rules compile in ~0.6 s each (in this process and in both workers): fewer of them.
    examples = 6 if family == "hensel" else 12

    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rule=FAMILIES[family], size=sizes, seed=st.integers(0, 2**32 - 1), generations=generation_counts)
    def check(rule, size, seed, generations) -> None:
        _agree(engines, rule, random_board(rule, *size, seed), generations)

    check()


def test_history_boundary_cells_act_on_their_neighbours(engines) -> None:
    # State 6 (LifeHistory's boundary) kills live neighbours: a board with
    # blocks and blinkers touching boundary cells, on every engine.
    rule = parse_rule("LifeHistory")
    board = random_board(rule, 16, 16, seed=7)
    board.cells[::5, ::3] = 6
    _agree(engines, rule, board, 4)


# -- the band kernels for multi-state rules ---------------------------------------------------


def test_fast_bands_hand_multi_state_rules_to_the_states_kernel() -> None:
    assert FAST_BANDS.for_rule(parse_rule("B3/S23")) is FAST_BANDS
    assert FAST_BANDS.for_rule(parse_rule("B2-ek/S23")) is FAST_BANDS
    for text in ("345/2/4", "/2/3", "LifeHistory"):
        assert FAST_BANDS.for_rule(parse_rule(text)) is STATES_BANDS
        assert COROUTINE_BANDS.for_rule(parse_rule(text)) is COROUTINE_BANDS


@settings(max_examples=25, deadline=None)
@given(
    rule=st.one_of(generations_rules, history_rules, two_state_rules()),
    height=st.integers(1, 9),
    width=st.integers(1, 9),
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(0, 4),
)
def test_the_states_band_step_keeps_the_middle_rows(rule, height, width, seed, k) -> None:
    # K generations of a band with K halo rows == the torus's rows, halos wrapping round short boards.
    board = random_board(rule, height, width, seed)
    y0, y1 = height // 3, max(height // 3 + 1, 2 * height // 3)
    expected = REFERENCE.advance(board, rule, k).cells[y0:y1]
    padded = padded_rows(board.cells, y0, y1, k)
    assert np.array_equal(STATES_BANDS.step_cells(padded, rule, k), expected)
    assert np.array_equal(COROUTINE_BANDS.step_cells(padded, rule, k), expected)


def test_the_states_band_step_writes_into_out() -> None:
    rule = parse_rule("345/2/4")
    padded = random_board(rule, 9, 5, seed=1).cells
    out = np.full((5, 5), 99, np.uint8)
    assert STATES_BANDS.step(padded, rule, 5, 2, out=out) is out
    assert np.array_equal(out, STATES_BANDS.step_cells(padded, rule, 2))


def test_a_states_band_step_stops_at_its_next_look_at_the_interrupt() -> None:
    looks: list[int] = []

    def interrupted() -> bool:
        looks.append(1)
        return len(looks) > 1

    rule = parse_rule("/2/3")
    with pytest.raises(Interrupted):
        STATES_BANDS.step_cells(random_board(rule, 20, 20, seed=2).cells, rule, 3, interrupted)
    assert len(looks) == 2


@pytest.fixture(scope="module")
def thread_pool():
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rule=st.one_of(generations_rules, history_rules),
    size=sizes,
    seed=st.integers(0, 2**32 - 1),
    generations=st.integers(0, 7),
    where=st.sampled_from(["shared", "pickled", "thread"]),
    batch=st.sampled_from([None, 1, 3]),
)
def test_multi_state_bands_by_value_and_in_shared_memory(
    pool, thread_pool, rule, size, seed, generations, where, batch
) -> None:
    # "pickled" is what a Dask cluster gets: bands by value, the same kernels.
    executor = thread_pool if where == "thread" else pool
    engine = _parallel(executor, where != "shared", batch)
    board = random_board(rule, *size, seed)
    assert engine.advance(board, rule, generations) == REFERENCE.advance(board, rule, generations)


_made: dict = {}
_made_lock = threading.Lock()


def _parallel(executor, by_value: bool, batch: int | None) -> ParallelEngine:
    # One engine per configuration for the module (hypothesis calls the test many times).
    key = (id(executor), by_value, batch)
    with _made_lock:
        if key not in _made:
            _made[key] = ParallelEngine(executor, 2, FAST_BANDS, batch, shared=not by_value)
        return _made[key]


@pytest.fixture(scope="module", autouse=True)
def _close_parallel_engines():
    yield
    for engine in _made.values():
        engine.close()
    _made.clear()


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=st.one_of(hensel_rules(b0=False), lifelike_rules(b0=False)), seed=st.integers(0, 2**32 - 1))
def test_quiet_tiles_are_skipped_exactly_under_isotropic_rules(pool, rule, seed) -> None:
    # A sparse 512x512 board in shared memory: bands of whole 64-row tiles,
    # only the tiles near a change stepped (activity.py), across batches.
    board = Board(512, 512)
    rng = np.random.default_rng(seed)
    y, x = rng.integers(0, 512, 2)
    board.place((rng.random((8, 8)) < 0.5).astype(np.uint8), int(y), int(x))
    engine = _parallel(pool, False, None)
    assert engine.tile_rows_for(board.shape, rule) == 64
    assert engine.advance(board, rule, 10) == REFERENCE.advance(board, rule, 10)
    assert engine.tiles_computed < 64  # one batch, not every tile of the board
    assert engine.advance(board, rule, 30) == REFERENCE.advance(board, rule, 30)


def test_multi_state_rules_skip_tiles_too() -> None:
    # Packed two-state boards and uint8 multi-state ones (STATES_BANDS) both carry tile flags; B0 never does.
    engine = ParallelEngine(ThreadPoolExecutor(1), 2, shared=True)
    for text in ("B2-ek/S23", "345/2/4", "LifeHistory"):
        assert engine.tile_rows_for((128, 128), parse_rule(text)) == 64
    assert engine.tile_rows_for((128, 128), parse_rule("B0123/S4")) == 0
    engine.close()
    engine.pool.shutdown()


# -- auto never picks an engine that refuses the rule -------------------------------------------


@pytest.mark.parametrize("text", ["345/2/4", "LifeHistory", "B0123/S4", "B2-ek/S23"])
@pytest.mark.parametrize("generations", [1, 100, 70000])
def test_auto_never_picks_an_engine_that_refuses_the_rule(text, generations) -> None:
    rule = parse_rule(text)
    auto = AutoEngine()
    for shape in [(64, 64), (256, 256), (8, 8)]:
        board = Board(*shape)  # an empty power-of-two board: HashLife's best case
        board[1, 2] = board[2, 3] = board[3, 1] = board[3, 2] = board[3, 3] = True
        engine = auto.engine_for(board, rule, generations)
        engine.check(shape, rule)  # raises if auto chose an engine that refuses
    auto.close()


@functools.cache
def _hashlife_takes(text: str) -> bool:
    try:
        make_engine("hashlife").check((64, 64), parse_rule(text))
    except EngineUnsupported:
        return False
    return True


def test_hashlife_refuses_multi_state_and_b0_rules() -> None:
    assert not _hashlife_takes("345/2/4")
    assert not _hashlife_takes("LifeHistory")
    assert not _hashlife_takes("B0123/S4")
    assert _hashlife_takes("B3/S23")
