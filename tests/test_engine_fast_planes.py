"""Multi-state rules on bit planes (:mod:`lifegame.engines.planes`) and their tile skipping.

* the plane formulas, for every state, next live bit and touches, equal
  ``rule.state_table()`` (random Generations rules of 2..256 states, History
  on random bases), and the live and boundary planes equal ``live_mask()``
  and ``boundary_state``;
* states round-trip through planes;
* the tiled torus under multi-state rules equals :func:`roll_step` for sparse
  patterns of each family on boards of at least 256x256, and skips quiet tiles;
* :meth:`StatesKernel.steps` (several generations of a band) and its hook.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_fast_families import bases_without_b0, random_cells, rolled

from lifegame.board import Board
from lifegame.engines.bitpack import pack, unpack
from lifegame.engines.fast import (
    FastEngine,
    roll_step,
    states_kernel_for,
    step_rows,
    tiles_apply,
)
from lifegame.engines.planes import (
    Circuit,
    PlanesTorus,
    from_planes,
    plane_count,
    state_formulas,
    state_var,
    to_planes,
)
from lifegame.engines.tiled import TiledTorus, tiles_possible
from lifegame.rules import GenerationsRule, HistoryRule, RuleBase, parse_rule

generations_any = st.builds(GenerationsRule, bases_without_b0, st.integers(2, 256))
history_rules = st.builds(HistoryRule, bases_without_b0)
multi_state_rules = st.one_of(generations_any, history_rules)


def evaluate(expr_list: list, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The formulas on 0/1 input arrays (packed, run through a :class:`Circuit`, unpacked)."""
    n = next(iter(inputs.values())).size
    packed = {name: pack(bits.reshape(1, n).astype(np.uint8)) for name, bits in inputs.items()}
    circuit = Circuit(expr_list)
    outs = [np.zeros_like(next(iter(packed.values()))) for _ in expr_list]
    circuit.run(packed, outs, [np.empty_like(outs[0]) for _ in range(circuit.registers)])
    return [unpack(o, n)[0] for o in outs]


# -- the formulas, every entry of the state table ------------------------------------------
@settings(max_examples=30, deadline=None)
@given(rule=multi_state_rules)
def test_plane_formulas_equal_the_state_table(rule: RuleBase) -> None:
    f = state_formulas(rule)
    k = plane_count(rule.states)
    assert f.k == k and 2 ** (k - 1) < rule.states <= 2**k
    table = rule.state_table()
    states, live, touches = (a.ravel() for a in np.meshgrid(np.arange(rule.states), [0, 1], [0, 1], indexing="ij"))
    inputs = {state_var(j): (states >> j) & 1 for j in range(k)} | {"L": live, "T": touches}
    expected = table[states, live, touches]
    got = sum(bit.astype(np.int64) << j for j, bit in enumerate(evaluate(f.next, inputs)))
    assert np.array_equal(got, expected), rule
    quiet = touches == 0
    got_quiet = sum(bit.astype(np.int64) << j for j, bit in enumerate(evaluate(f.next_quiet, inputs)))
    assert np.array_equal(got_quiet[quiet], expected[quiet]), rule
    (live_plane,) = evaluate([f.live], inputs)
    assert np.array_equal(live_plane, rule.live_mask()[states]), rule
    if rule.boundary_state is None:
        assert f.boundary is None
    else:
        (boundary,) = evaluate([f.boundary], inputs)
        assert np.array_equal(boundary, states == rule.boundary_state), rule


def test_circuit_outputs_that_are_inputs_constants_or_shared() -> None:
    a, b = ("var", "a"), ("var", "b")
    both = ("and", a, b)
    outputs = [both, a, ("const", 1), ("const", 0), both, ("xor", both, b)]
    bits = {"a": np.array([0, 0, 1, 1]), "b": np.array([0, 1, 0, 1])}
    got = evaluate(outputs, bits)
    expected = [[0, 0, 0, 1], [0, 0, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0]]
    assert [g.tolist() for g in got] == expected


@settings(max_examples=30, deadline=None)
@given(states=st.integers(2, 256), h=st.integers(1, 9), w=st.integers(1, 200), seed=st.integers(0, 2**32 - 1))
def test_states_round_trip_through_planes(states: int, h: int, w: int, seed: int) -> None:
    cells = np.random.default_rng(seed).integers(0, states, (h, w)).astype(np.uint8)
    planes = to_planes(cells, plane_count(states))
    assert planes.shape == (plane_count(states), h, (w + 63) // 64)
    assert np.array_equal(from_planes(planes, w), cells)


@pytest.mark.parametrize("text", ["345/2/4", "/2/3", "23/3/256", "LifeHistory", "B3/S23-a4ei6History"])
@pytest.mark.parametrize("h, w", [(1, 1), (2, 65), (7, 64), (33, 130)])
def test_planes_torus_equals_roll_step(text: str, h: int, w: int) -> None:
    rule = parse_rule(text)
    cells = random_cells(np.random.default_rng(h * w), rule, h, w)
    torus = PlanesTorus(rule, h, w)
    torus.load(cells)
    for _ in range(4):
        cells = roll_step(cells, rule)
        torus.run(1)
        assert np.array_equal(torus.cells(), cells)


# -- tiles under multi-state rules ------------------------------------------------------------
def sparse_board(rng: np.random.Generator, rule: RuleBase, h: int, w: int, blobs: int) -> np.ndarray:
    """A few random blobs of valid states (History: boundary cells among them) on an empty torus."""
    cells = np.zeros((h, w), np.uint8)
    for _ in range(blobs):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        size = int(rng.integers(3, 16))
        cells[np.ix_(np.arange(y, y + size) % h, np.arange(x, x + size) % w)] = random_cells(rng, rule, size, size)
    return cells


@pytest.mark.parametrize("family", [generations_any, history_rules], ids=["gen", "history"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.sampled_from([(256, 256), (259, 320), (320, 259), (300, 230)]),
    tile_rows=st.sampled_from([16, 32, 64]),
    generations=st.integers(1, 24),
    blobs=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_tiled_multi_state_equals_roll_step(
    family: st.SearchStrategy, shape: tuple[int, int], tile_rows: int, generations: int, blobs: int, seed: int,
    data: st.DataObject,
) -> None:
    rule = data.draw(family)
    h, w = shape
    cells = sparse_board(np.random.default_rng(seed), rule, h, w, blobs)
    torus = TiledTorus(rule, h, w, tile_rows=tile_rows)
    torus.load(cells)
    expected = cells
    for checkpoint in sorted({1, generations // 2, generations} - {0}):
        expected = rolled(expected, rule, checkpoint - torus.generation)
        torus.run(checkpoint - torus.generation)
        assert np.array_equal(torus.cells(), expected), rule
    assert tiles_apply(h, w, rule)
    assert np.array_equal(FastEngine().advance(Board(h, w, cells), rule, generations).cells, expected), rule


@pytest.mark.parametrize("text", ["/2/3", "345/2/4", "23/3/256", "LifeHistory"])
def test_quiet_tiles_are_skipped_under_multi_state_rules(text: str) -> None:
    # One small pattern on a 512x512 board: far fewer tiles computed than the board has.
    rule = parse_rule(text)
    cells = np.zeros((512, 512), np.uint8)
    cells[100:106, 200:206] = random_cells(np.random.default_rng(3), rule, 6, 6)
    torus = TiledTorus(rule, 512, 512, tile_rows=64)
    torus.load(cells)
    torus.run(40)
    assert np.array_equal(torus.cells(), rolled(cells, rule, 40))
    assert torus.tiles_computed < 40 * torus.ty * torus.tx // 4


def test_a_long_decay_keeps_its_tile_active_until_empty() -> None:
    # A lone cell starting a 256-state decay changes every generation with no live neighbour.
    rule = parse_rule("23/3/256")
    cells = np.zeros((256, 256), np.uint8)
    cells[130, 70] = 2
    torus = TiledTorus(rule, 256, 256, tile_rows=32)
    torus.load(cells)
    torus.run(253)
    assert torus.cells()[130, 70] == 255 and torus.cells().sum() == 255
    torus.run(1)
    assert not torus.cells().any()
    torus.run(1)  # the last change (to 0) makes one more generation to compute
    computed = torus.tiles_computed
    torus.run(10)
    assert torus.tiles_computed == computed  # an empty board computes nothing


def test_tiles_refuse_rules_under_which_empty_space_changes() -> None:
    assert not tiles_possible(parse_rule("B0/S8"))
    assert tiles_possible(parse_rule("LifeHistory")) and tiles_possible(parse_rule("/2/3"))
    with pytest.raises(ValueError):
        TiledTorus(parse_rule("B0/S8"), 256, 256)


# -- several generations of a band ------------------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(rule=multi_state_rules, h=st.integers(1, 20), w=st.sampled_from([1, 3, 64, 100]),
       generations=st.integers(0, 5), seed=st.integers(0, 2**32 - 1))
def test_states_kernel_steps_equal_single_rows(rule: RuleBase, h: int, w: int, generations: int, seed: int) -> None:
    cells = random_cells(np.random.default_rng(seed), rule, h + 2 * generations, w)
    kernel = states_kernel_for(rule, w)
    one_at_a_time = cells
    for _ in range(generations):
        one_at_a_time = kernel.rows(one_at_a_time)
    calls = []
    out = np.empty((h, w), np.uint8)
    assert kernel.steps(cells, generations, out=out, between=lambda: calls.append(1)) is out
    assert np.array_equal(out, one_at_a_time) and len(calls) == generations
    assert np.array_equal(step_rows(cells, rule, generations), one_at_a_time)


def test_states_kernel_steps_propagates_what_between_raises() -> None:
    rule = parse_rule("/2/3")
    kernel = states_kernel_for(rule, 16)

    class Stop(Exception):
        pass

    def stop() -> None:
        raise Stop

    with pytest.raises(Stop):
        kernel.steps(np.zeros((10, 16), np.uint8), 2, between=stop)
