"""Every engine keeps the contract of ``lifegame.engines.base``; the registry makes them by name.

The window and the CLI use nothing but the contract (name, capabilities,
advance with cancel, describe, engine_for, stepper, close) and the registry,
so these tests are what a new engine (HashLife, next) has to pass too.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest

from lifegame.board import Board
from lifegame.engines import (
    COROUTINE_BANDS,
    COROUTINE_MAX_CELLS,
    FAST_BANDS,
    POOL_MIN_CELLS,
    AutoEngine,
    Capabilities,
    CoroutineEngine,
    EngineBase,
    EngineError,
    FastEngine,
    JobCancelled,
    ParallelEngine,
    WorkerPool,
    default_workers,
    default_workers_for,
    engine_names,
    make_engine,
    register_engine,
)
from lifegame.engines import _REGISTRY  # noqa: PLC2701 - restored after the registration test
from lifegame.environment import Stepper
from lifegame.rules import CONWAY, parse_rule

REFERENCE = CoroutineEngine()
B0 = parse_rule("B0123/S4")


def random_board(height: int, width: int, seed: int = 0, density: float = 0.5) -> Board:
    return Board.from_array(np.random.default_rng(seed).random((height, width)) < density)


class CountingEvent(threading.Event):
    """A cancel event that becomes set on its ``n``-th look: shows *where* an engine looks."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.looks = 0
        self.n = n

    def is_set(self) -> bool:
        self.looks += 1
        return self.looks >= self.n


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2) as pool:
        yield pool


# -- the registry ------------------------------------------------------------------------


def test_the_registry_names_and_makes_the_engines(pool) -> None:
    assert engine_names()[0] == "auto" and {"coroutine", "fast"} <= set(engine_names())
    assert default_workers_for("auto") == default_workers() == min(2, default_workers())
    assert default_workers_for("fast") == default_workers_for("coroutine") == 1
    assert isinstance(make_engine("coroutine"), CoroutineEngine)
    assert isinstance(make_engine(" Fast "), FastEngine)
    assert isinstance(make_engine("fast", WorkerPool(1)), FastEngine)  # one worker: this process
    for name, kernel in (("fast", FAST_BANDS), ("coroutine", COROUTINE_BANDS)):
        with make_engine(name, pool) as engine:
            assert isinstance(engine, ParallelEngine) and engine.kernel is kernel
            assert engine.capabilities.workers == 2 and engine.pool is pool
    with make_engine("auto", pool) as auto:
        assert isinstance(auto, AutoEngine) and auto.capabilities.workers == 2
    assert make_engine("auto").capabilities.workers == 1
    with pytest.raises(ValueError, match="unknown engine 'quantum'; choose from auto, ") as info:
        make_engine("quantum")
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError):
        default_workers_for("quantum")


def test_a_new_engine_plugs_in_by_registering() -> None:
    class Identity(EngineBase):
        name = "identity"
        capabilities = Capabilities(background=False, traceable=False)

        def advance(self, board, rule, generations=1, *, cancel=None, progress=None):
            return board.copy()

    saved = dict(_REGISTRY)
    try:
        register_engine("identity", lambda pool: Identity(), default_workers=3)
        assert engine_names()[0] == "auto" and engine_names()[-1] == "identity"
        assert default_workers_for("Identity") == 3
        engine = make_engine("identity")
        board = random_board(5, 5)
        assert engine.advance(board, CONWAY, 9) == board and engine.describe(board) == "identity"
        assert engine.engine_for(board) is engine
        with pytest.raises(EngineError):
            engine.stepper(board, CONWAY)
        with pytest.raises(ValueError):
            register_engine("two words", lambda pool: Identity())
    finally:
        _REGISTRY.clear()
        _REGISTRY.update(saved)


# -- the contract, engine by engine ----------------------------------------------------------


def test_capabilities_and_descriptions(pool) -> None:
    board = random_board(8, 8)
    coroutine, fast = CoroutineEngine(), FastEngine()
    assert coroutine.capabilities == Capabilities(background=False, traceable=True, workers=1)
    assert fast.capabilities == Capabilities(background=True, traceable=False, workers=1)
    assert coroutine.describe(board) == "coroutines" and fast.describe(board) == "fast kernel"
    with ParallelEngine(pool) as parallel, ParallelEngine(pool, kernel=COROUTINE_BANDS) as banded:
        assert parallel.capabilities == Capabilities(background=True, traceable=False, workers=2)
        assert parallel.describe(board) == "process pool, 2 workers"
        assert banded.describe(board) == "coroutines in a process pool, 2 workers"
    with pytest.raises(EngineError):
        fast.stepper(board, CONWAY)


def test_the_coroutine_engine_steps_and_traces_through_its_stepper() -> None:
    board = random_board(12, 10, seed=1)
    stepper = CoroutineEngine().stepper(board.copy(), B0)
    assert isinstance(stepper, Stepper)
    while not stepper.run(max_instructions=100):
        pass
    assert stepper.board == REFERENCE.advance(board, B0, 1)


@pytest.mark.parametrize("engine", [CoroutineEngine(), FastEngine(), FastEngine(tiles=False)], ids=repr)
def test_advance_takes_cancel_and_leaves_the_board_alone(engine) -> None:
    board = random_board(40, 70, seed=2)
    before = board.copy()
    never = threading.Event()
    assert engine.advance(board, B0, 5, cancel=never) == REFERENCE.advance(board, B0, 5)
    assert engine.advance(board, B0, 0) == board and board == before
    already = threading.Event()
    already.set()
    with pytest.raises(JobCancelled):
        engine.advance(board, CONWAY, 5, cancel=already)
    with pytest.raises(ValueError):
        engine.advance(board, CONWAY, -1)


@pytest.mark.parametrize("name", ["coroutine", "fast", "auto", "hashlife", "parallel"])
def test_every_engine_tells_its_progress_up_to_the_total(name, pool) -> None:
    """``progress(done, total)`` climbs to ``(total, total)`` and the board is the reference's."""
    from lifegame.engines import make_engine

    board = random_board(64, 128, seed=5, density=0.3)
    engine = ParallelEngine(pool, batch=4) if name == "parallel" else make_engine(name, None)
    told: list[tuple[int, int]] = []
    try:
        result = engine.advance(board, CONWAY, 37, progress=lambda done, total: told.append((done, total)))
    finally:
        engine.close()
    assert result == REFERENCE.advance(board, CONWAY, 37)
    assert told and told[-1] == (37, 37)
    assert all(total == 37 for _, total in told)
    assert [done for done, _ in told] == sorted(done for done, _ in told)


def test_the_coroutine_engine_looks_at_cancel_inside_a_generation() -> None:
    # One generation of 256x256 is several slices of instructions: the third
    # look (after the second slice) already stops it.  An engine that looked
    # only between generations would look twice and return a board.
    cancel = CountingEvent(3)
    with pytest.raises(JobCancelled):
        CoroutineEngine().advance(random_board(256, 256), CONWAY, 1, cancel=cancel)
    assert cancel.looks == 3


def test_the_fast_engine_looks_at_cancel_between_chunks() -> None:
    # 2048x2048 = 4M cells: a look every 4 generations (16M cell updates).
    cancel = CountingEvent(3)
    with pytest.raises(JobCancelled):
        FastEngine().advance(random_board(2048, 2048, density=0.3), CONWAY, 1000, cancel=cancel)
    assert cancel.looks == 3


# -- auto ------------------------------------------------------------------------------


def test_auto_chooses_per_board_and_describes_without_starting_anything() -> None:
    pool = WorkerPool(2)
    try:
        with AutoEngine(pool) as auto:
            small = random_board(16, 16, seed=15)
            medium = random_board(200, 200, seed=16)
            busy = random_board(1024, 1024, seed=17, density=0.3)
            sparse = Board(1024, 1024)
            sparse.place_cells([5, 5, 6], [5, 6, 5])
            assert 16 * 16 <= COROUTINE_MAX_CELLS < 200 * 200 and 1024 * 1024 >= POOL_MIN_CELLS
            assert isinstance(auto.engine_for(small), CoroutineEngine)
            assert isinstance(auto.engine_for(medium), FastEngine)
            assert isinstance(auto.engine_for(busy), ParallelEngine)
            assert isinstance(auto.engine_for(sparse), FastEngine)  # quiet boards stay in this process
            descriptions = [auto.describe(b) for b in (small, medium, busy, sparse)]
            assert descriptions == ["coroutines", "fast kernel", "process pool, 2 workers", "fast kernel"]
            assert not pool.started  # describing (every frame) starts nothing
            assert auto.advance(small, B0, 4) == REFERENCE.advance(small, B0, 4)
            assert auto.advance(medium, CONWAY, 4) == FastEngine().advance(medium, CONWAY, 4)
            assert not pool.started
            assert auto.advance(busy, CONWAY, 3) == FastEngine().advance(busy, CONWAY, 3)
            assert pool.started
            cancel = threading.Event()
            cancel.set()
            with pytest.raises(JobCancelled):
                auto.advance(medium, CONWAY, 4, cancel=cancel)
        with AutoEngine(WorkerPool(1)) as single, AutoEngine() as alone:
            for auto in (single, alone):
                assert isinstance(auto.engine_for(busy), FastEngine) and auto.capabilities.workers == 1
    finally:
        pool.close()


def test_auto_follows_measured_costs_and_tries_the_other_engine() -> None:
    from lifegame.engines.auto import EXPLORE_AFTER, RETRY_EVERY, CostTable

    pool = WorkerPool(2)  # never started: choosing and describing start nothing
    try:
        costs = CostTable()
        with AutoEngine(pool, costs=costs) as auto:
            busy = random_board(1024, 1024, seed=17, density=0.3)
            sparse = Board(1024, 1024)
            sparse.place_cells([5, 5, 6], [5, 6, 5])
            busy_kind, sparse_kind = CostTable.kind(busy), CostTable.kind(sparse)
            assert busy_kind != sparse_kind and busy_kind[0] == (1024, 1024)
            # Measured: this process is cheaper for the busy board, the pool for the sparse one.
            costs.seconds[("pool", busy_kind)], costs.calls[("pool", busy_kind)] = 0.5, 4
            costs.seconds[("fast", busy_kind)], costs.calls[("fast", busy_kind)] = 0.1, 1
            assert isinstance(auto.engine_for(busy), FastEngine) and auto.describe(busy) == "fast kernel"
            costs.seconds[("fast", busy_kind)] = 0.9
            assert isinstance(auto.engine_for(busy), ParallelEngine)
            assert auto.describe(busy) == "process pool, 2 workers"
            # Only the prior's engine measured: the other is tried once after EXPLORE_AFTER calls ...
            costs.seconds[("fast", sparse_kind)], costs.calls[("fast", sparse_kind)] = 0.01, EXPLORE_AFTER - 1
            assert isinstance(auto.engine_for(sparse), FastEngine)
            costs.calls[("fast", sparse_kind)] = EXPLORE_AFTER
            assert isinstance(auto.engine_for(sparse), ParallelEngine)
            # ... and the loser again every RETRY_EVERY calls of the winner.
            costs.seconds[("pool", sparse_kind)], costs.calls[("pool", sparse_kind)] = 0.02, 1
            costs.calls[("fast", sparse_kind)] = RETRY_EVERY - 1
            assert isinstance(auto.engine_for(sparse), FastEngine)
            costs.calls[("fast", sparse_kind)] = RETRY_EVERY
            assert isinstance(auto.engine_for(sparse), ParallelEngine)
            assert not pool.started
    finally:
        pool.close()


def test_auto_times_its_calls_with_the_clock_it_is_given() -> None:
    from lifegame.engines.auto import CostTable

    ticks = iter(range(1000))
    costs = CostTable()
    board = random_board(200, 200, seed=16)
    kind = CostTable.kind(board)
    with AutoEngine(clock=lambda: float(next(ticks)), costs=costs) as auto:
        assert auto.advance(board, CONWAY, 4) == FastEngine().advance(board, CONWAY, 4)
        assert costs.get("fast", kind) is None  # the first call on a shape pays for warming up: not counted
        auto.advance(board, CONWAY, 4)
        assert costs.get("fast", kind) == 0.25 and costs.count("fast", kind) == 1  # 1 tick / 4 generations
        auto.advance(board, CONWAY, 0)
        assert costs.count("fast", kind) == 1


def test_worker_side_imports_no_pygame() -> None:
    code = (
        "import sys, lifegame.engines.worker, lifegame.engines.parallel, lifegame.engines; "
        "assert 'pygame' not in sys.modules, 'pygame imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_auto_jumps_with_hashlife_where_it_pays() -> None:
    from lifegame.engines import AutoEngine

    auto = AutoEngine()
    sparse = Board(512, 512)
    sparse.place_cells([256, 256, 257, 257, 258], [257, 258, 256, 257, 257])  # an R-pentomino
    busy = random_board(512, 512, seed=3, density=0.35)
    odd = Board(500, 512)
    odd.place_cells([1], [1])
    assert auto.jumps_with_hashlife(sparse, CONWAY, 1103)
    assert not auto.jumps_with_hashlife(sparse, CONWAY, 100)  # too short to pay
    assert not auto.jumps_with_hashlife(busy, CONWAY, 5000)  # a churning soup: the fast kernel
    assert auto.jumps_with_hashlife(busy, CONWAY, 70000)  # a long jump: soups settle
    assert not auto.jumps_with_hashlife(odd, CONWAY, 70000)  # not a power of two
    assert not auto.jumps_with_hashlife(sparse, B0, 70000)
    assert auto.advance(sparse, CONWAY, 1103) == FastEngine().advance(sparse, CONWAY, 1103)
    auto.close()
