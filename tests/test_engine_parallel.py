"""The parallel engine and its band kernels equal the coroutine engine; a dead worker is survived.

Every configuration (fast or coroutine band kernel, 1 or 2 workers, several
K, a thread pool -- bands by value in this process --, a worker pool with
bands by value, or a worker pool with shared memory) must equal the
coroutine engine cell for cell, on every board size including the
degenerate ones.  Worker processes are slow to start, so one WorkerPool
serves the whole module; the fault tests start pools of their own, since
they break them.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processes import gone, wait_until
from lifegame.board import Board
from lifegame.engines import (
    COROUTINE_BANDS,
    FAST_BANDS,
    CoroutineEngine,
    EngineError,
    FastEngine,
    JobCancelled,
    ParallelEngine,
    WorkerPool,
    pool_context,
    split_rows,
)
from lifegame.engines import worker
from lifegame.engines.bands import Interrupted, pack_into, padded_rows, unpack_into
from lifegame.rules import CONWAY, Rule, parse_rule

REFERENCE = CoroutineEngine()
B0 = parse_rule("B0123/S4")  # B0 without S8: the whole board flips each generation
SHM = "/dev/shm"
KERNELS = {"fast": FAST_BANDS, "coroutine": COROUTINE_BANDS}


def random_board(height: int, width: int, seed: int = 0, density: float = 0.5) -> Board:
    rng = np.random.default_rng(seed)
    return Board.from_array(rng.random((height, width)) < density)


def r_pentomino(side: int) -> Board:
    board = Board(side, side)
    c = side // 2
    board.place_cells([c, c, c + 1, c + 1, c + 2], [c + 1, c + 2, c, c + 1, c + 1])
    return board


# -- fixtures: one worker pool and one thread pool for the module -----------------------


@pytest.fixture(scope="module")
def worker_pool():
    with WorkerPool(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def thread_pool():
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield pool


@pytest.fixture(scope="module")
def engines(worker_pool, thread_pool):
    """ParallelEngines over the module's pools, by (executor kind, kernel name, workers, K)."""
    made: dict[tuple[str, str, int, int], ParallelEngine] = {}
    # "process": shared memory; "pickled": the same worker pool, bands by value
    # (what a cluster executor would get); "thread": bands by value, in this process.
    pools = {"process": worker_pool, "pickled": worker_pool, "thread": thread_pool}

    def get(kind: str, kernel: str, workers: int, batch: int) -> ParallelEngine:
        key = (kind, kernel, workers, batch)
        if key not in made:
            shared = False if kind == "pickled" else None
            made[key] = ParallelEngine(pools[kind], workers, KERNELS[kernel], batch, shared=shared)
        return made[key]

    yield get
    for engine in made.values():
        engine.close()


# -- pieces ----------------------------------------------------------------------------


@pytest.mark.parametrize("height", [1, 2, 3, 7, 64, 1000])
@pytest.mark.parametrize("bands", [1, 2, 3, 8])
def test_split_rows_covers_every_row_once(height: int, bands: int) -> None:
    ranges = split_rows(height, bands)
    assert len(ranges) == min(bands, height)
    assert ranges[0][0] == 0 and ranges[-1][1] == height
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    sizes = [y1 - y0 for y0, y1 in ranges]
    assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1


def test_padded_rows_come_from_the_torus_even_when_the_halo_wraps_twice() -> None:
    cells = np.arange(3 * 2, dtype=np.uint8).reshape(3, 2)
    padded = padded_rows(cells, 1, 2, 4)  # band = row 1, halo 4 > height 3
    assert [row[0] // 2 for row in padded] == [(y % 3) for y in range(-3, 6)]
    assert np.shares_memory(padded_rows(cells, 1, 2, 1), cells)  # no wrap: a view


@pytest.mark.parametrize("kernel", [FAST_BANDS, COROUTINE_BANDS], ids=repr)
def test_band_kernels_keep_the_middle_rows(kernel) -> None:
    # K generations of a band with K halo rows == the torus's rows, for a band of a larger torus.
    board = random_board(20, 33, seed=3)
    expected = REFERENCE.advance(board, CONWAY, 3).cells[5:9]
    padded = padded_rows(board.cells, 5, 9, 3)
    assert np.array_equal(kernel.step_cells(padded, CONWAY, 3), expected)
    # The same through the shared layout, written into ``out``.
    data = np.empty(kernel.layout(padded.shape), kernel.dtype)
    kernel.load(padded, data)
    out = np.empty(kernel.layout((4, 33)), kernel.dtype)
    assert kernel.step(data, CONWAY, 33, 3, out=out) is out
    cells = np.zeros((4, 33), np.uint8)
    kernel.read(out, cells)
    assert np.array_equal(cells, expected)


def test_fast_bands_on_words_match_the_cells(thread_pool) -> None:
    board = random_board(40, 130, seed=4)
    padded = padded_rows(board.cells, 10, 30, 5)
    expected = FastEngine().advance(board, B0, 5).cells[10:30]
    assert np.array_equal(FAST_BANDS.step_cells(padded, B0, 5), expected)
    # Two threads at once (a thread-pool executor): each has its own scratch buffers.
    results = list(thread_pool.map(lambda _: FAST_BANDS.step_cells(padded, B0, 5), range(8)))
    assert all(np.array_equal(r, expected) for r in results)


def test_band_kernels_pickle_as_themselves() -> None:
    import pickle

    for kernel in (FAST_BANDS, COROUTINE_BANDS):
        assert pickle.loads(pickle.dumps(kernel)) is kernel
    task = worker.SharedBandTask(FAST_BANDS, CONWAY, 3, (8, 8), 0, 4, "a", "b")
    assert pickle.loads(pickle.dumps(task)) == task


@pytest.mark.parametrize("kernel", [FAST_BANDS, COROUTINE_BANDS], ids=repr)
def test_a_band_step_stops_at_its_next_look_at_the_interrupt(kernel) -> None:
    # Answers "go on" once, then "stop": the fast kernel looks between
    # generations; the coroutines also between slices of one generation (a
    # 256x256 generation is ten slices), so they stop inside generation 1.
    generations = 3 if kernel is FAST_BANDS else 1
    padded = random_board(256 + 2 * generations, 256, seed=5).cells
    looks: list[int] = []

    def interrupted() -> bool:
        looks.append(1)
        return len(looks) > 1

    with pytest.raises(Interrupted):
        kernel.step_cells(padded, CONWAY, generations, interrupted)
    assert len(looks) == 2


# -- every configuration equals the coroutine engine ---------------------------------------

rules = st.builds(Rule, st.frozensets(st.integers(0, 8)), st.frozensets(st.integers(0, 8)))
configs = st.tuples(
    st.sampled_from(["process", "pickled", "thread"]),
    st.sampled_from(["fast", "coroutine"]),
    st.sampled_from([1, 2]),
    st.sampled_from([1, 2, 3, 8]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    height=st.integers(1, 9),
    width=st.one_of(st.integers(1, 9), st.sampled_from([63, 65, 70])),
    seed=st.integers(0, 2**32 - 1),
    rule=rules,
    generations=st.integers(0, 7),
    config=configs,
)
def test_every_configuration_equals_the_coroutine_engine(
    engines, height, width, seed, rule, generations, config
) -> None:
    board = random_board(height, width, seed)
    before = board.copy()
    engine = engines(*config)
    assert engine.advance(board, rule, generations) == REFERENCE.advance(board, rule, generations)
    assert board == before  # the caller's board is never written to


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1), (2, 2), (3, 70), (5, 130)])
@pytest.mark.parametrize("kind", ["process", "pickled", "thread"])
@pytest.mark.parametrize("kernel", ["fast", "coroutine"])
def test_degenerate_sizes_with_a_halo_taller_than_the_board(engines, shape, kind, kernel) -> None:
    # K = 8 > height: the halo wraps round the torus, repeating rows -- still exact.
    board = random_board(*shape, seed=sum(shape))
    for rule in (CONWAY, B0, parse_rule("B1/S")):
        for workers in (1, 2):
            got = engines(kind, kernel, workers, 8).advance(board, rule, 9)
            assert got == REFERENCE.advance(board, rule, 9), (shape, rule, workers)


def test_r_pentomino_reaches_116_at_generation_1103(engines) -> None:
    board = r_pentomino(1024)
    assert engines("process", "fast", 2, 32).advance(board, CONWAY, 1103).population() == 116


def test_two_workers_give_exactly_what_one_worker_gives(engines) -> None:
    board = random_board(512, 300, seed=7)
    one = engines("process", "fast", 1, 32).advance(board, CONWAY, 100)
    assert engines("process", "fast", 2, 32).advance(board, CONWAY, 100) == one
    assert engines("process", "fast", 2, 3).advance(board, CONWAY, 100) == one
    assert engines("pickled", "fast", 2, 32).advance(board, CONWAY, 100) == one
    assert FastEngine().advance(board, CONWAY, 100) == one
    small = random_board(48, 40, seed=8)
    co_one = engines("process", "coroutine", 1, 1).advance(small, CONWAY, 3)
    assert engines("process", "coroutine", 2, 2).advance(small, CONWAY, 3) == co_one


def test_pack_into_and_unpack_into_match_bitpack() -> None:
    from lifegame.engines.bitpack import pack, unpack

    for height, width in ((1, 1), (3, 65), (700, 1500), (513, 64)):
        cells = random_board(height, width, seed=height, density=0.3).cells.copy()
        cells[height // 3 :] = 0  # empty rows are skipped when unpacking
        words = np.full_like(pack(cells), 0xFFFF)
        pack_into(cells, words)
        assert np.array_equal(words, pack(cells))
        out = np.zeros_like(cells)
        unpack_into(words, out, width)
        assert np.array_equal(out, cells) and np.array_equal(unpack(words, width), cells)


@pytest.mark.parametrize("shape", [(1024, 1024), (1031, 1021), (2, 1 << 20)])
def test_large_boards_are_packed_and_unpacked_by_several_threads(engines, worker_pool, shape) -> None:
    board = random_board(*shape, seed=11)
    board.cells[: shape[0] // 2] = 0  # a sparse half: its rows are never touched when unpacking
    engine = ParallelEngine(worker_pool)
    try:
        assert engine._pack_threads(board.shape) is not None
        got = engine.advance(board, CONWAY, 5)
        assert got == FastEngine().advance(board, CONWAY, 5)
        assert got.cells.dtype == np.uint8 and got.cells.flags.c_contiguous
        assert engines("process", "fast", 1, 32).advance(board, B0, 3) == engine.advance(board, B0, 3)
    finally:
        engine.close()
    assert engine._threads is None


def test_more_bands_than_workers_and_engine_parameters(thread_pool) -> None:
    engine = ParallelEngine(thread_pool, workers=2, bands_per_worker=3, batch=4)
    board = random_board(11, 20, seed=9)
    assert engine.advance(board, CONWAY, 10) == FastEngine().advance(board, CONWAY, 10)
    assert engine.advance(board, CONWAY, 0) == board
    with pytest.raises(ValueError):
        engine.advance(board, CONWAY, -1)
    engine.close()
    engine.close()  # twice is fine
    with pytest.raises(EngineError):
        engine.advance(board, CONWAY, 1)
    with pytest.raises(ValueError):
        ParallelEngine(thread_pool, workers=2, kernel="gpu")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ParallelEngine(thread_pool, workers=0)
    with pytest.raises(ValueError, match="workers is required"):
        ParallelEngine(thread_pool)


def test_cancel_stops_a_batch_on_a_thread_pool(thread_pool) -> None:
    engine = ParallelEngine(thread_pool, workers=2, batch=1)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(JobCancelled):
        engine.advance(random_board(64, 64), CONWAY, 10, cancel=cancel)
    engine.close()


# -- faults: a dead worker ---------------------------------------------------------------


class Notes:
    """A progress callable, and a listener for the pool's restarts (``pool.on_restart = notes.restarted``)."""

    def __init__(self, pause_at: int | None = None) -> None:
        self.done: list[int] = []
        self.restarts: list = []
        self.pause_at = pause_at
        self.paused = threading.Event()
        self.resume = threading.Event()

    def __call__(self, done: int, total: int) -> None:
        self.done.append(done)
        if done == self.pause_at:  # hold the run between two batches until the test says go
            self.paused.set()
            assert self.resume.wait(120)

    def restarted(self, restart) -> None:
        self.restarts.append(restart)


def test_a_worker_killed_during_a_call_is_survived_and_the_call_resumes_from_its_last_batch() -> None:
    board = random_board(1024, 1024, seed=11)
    before = board.copy()
    expected = FastEngine().advance(board, CONWAY, 64)
    with WorkerPool(2) as pool, ParallelEngine(pool, batch=8) as engine:
        old = pool.warm()
        notes = Notes(pause_at=16)
        pool.on_restart = notes.restarted
        result: dict[str, object] = {}

        def run() -> None:
            try:
                result["board"] = engine.advance(board, CONWAY, 64, progress=notes)
            except BaseException as exc:  # noqa: BLE001 - the test looks at it
                result["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        try:
            assert notes.paused.wait(120)
            os.kill(old[0], signal.SIGKILL)  # between batches 2 and 3: the next batch finds the pool broken
            assert wait_until(lambda: gone(old[0]))
        finally:
            notes.resume.set()
            thread.join(120)
        assert not thread.is_alive() and "error" not in result, result
        assert result["board"] == expected and board == before
        assert [r.done for r in notes.restarts] == [16] and pool.restarts == 1
        assert notes.restarts[0].message().startswith("a worker process died (")
        assert notes.restarts[0].message(100).endswith("; restarted the pool, resuming at generation 116")
        assert notes.done == sorted(notes.done) and notes.done[-1] == 64  # no step back to generation 0
        assert wait_until(lambda: all(gone(p) for p in old))  # the broken pool's other worker too
        new = pool.warm()
        assert set(new).isdisjoint(old)
        # A worker that dies between calls: the next call restarts the pool
        # before its first batch, says so, and gets the right answer.
        os.kill(new[0], signal.SIGKILL)
        assert wait_until(lambda: gone(new[0]))
        notes = Notes()
        pool.on_restart = notes.restarted
        assert engine.advance(board, CONWAY, 64, progress=notes) == expected
        assert [r.done for r in notes.restarts] == [0] and pool.restarts == 2


def test_a_borrowed_executor_that_breaks_falls_back_to_this_process() -> None:
    pool = ProcessPoolExecutor(max_workers=1, mp_context=pool_context())
    try:
        engine = ParallelEngine(pool, workers=1)
        pid = pool.submit(worker.worker_pid).result(timeout=60)
        os.kill(pid, signal.SIGKILL)
        board = random_board(64, 64, seed=12)
        expected = FastEngine().advance(board, CONWAY, 3)
        deadline = time.monotonic() + 60
        with pytest.raises(EngineError, match="computing in this process"):
            while time.monotonic() < deadline:  # until the executor has noticed
                engine.advance(board, CONWAY, 3)
        assert engine.advance(board, CONWAY, 3) == expected
        engine.close()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# -- the pool skips quiet tiles (activity in shared memory) -------------------------------

GLIDERS = (  # the four glider phases' orientations: (dy, dx) cells of a glider moving (+1, +1), mirrored
    [(0, 1), (1, 2), (2, 0), (2, 1), (2, 2)],
)


def gliders_board(height: int, width: int, seed: int, count: int) -> Board:
    """``count`` gliders at random places, moving in random diagonal directions (they cross bands and seams)."""
    rng = np.random.default_rng(seed)
    board = Board(height, width)
    for _ in range(count):
        sy, sx = rng.choice([-1, 1], size=2)
        y, x = int(rng.integers(height)), int(rng.integers(width))
        cells = [((y + sy * dy) % height, (x + sx * dx) % width) for dy, dx in GLIDERS[0]]
        board.place_cells([c[0] for c in cells], [c[1] for c in cells])
    return board


@pytest.fixture(scope="module")
def tiled(worker_pool):
    """ParallelEngines over the module's worker pool that skip quiet tiles, by (workers, K, tile rows, bands/worker)."""
    made: dict[tuple[int, int, int, int], ParallelEngine] = {}

    def get(workers: int, batch: int | None, tile_rows: int, per_worker: int = 1) -> ParallelEngine:
        key = (workers, batch, tile_rows, per_worker)
        if key not in made:
            made[key] = ParallelEngine(worker_pool, workers, FAST_BANDS, batch, bands_per_worker=per_worker,
                                       tile_rows=tile_rows)
        return made[key]

    yield get
    for engine in made.values():
        engine.close()


non_b0_rules = st.builds(Rule, st.frozensets(st.integers(1, 8)), st.frozensets(st.integers(0, 8)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tile_rows=st.sampled_from([2, 4, 8, 16]),
    tiles_high=st.integers(1, 6),
    width=st.sampled_from([64, 128, 192]),
    seed=st.integers(0, 2**32 - 1),
    density=st.sampled_from([0.0, 0.002, 0.02, 0.3, 0.5]),
    rule=st.one_of(st.just(CONWAY), rules),
    generations=st.integers(0, 40),
    config=st.tuples(st.sampled_from([1, 2]), st.sampled_from([1, 3, 8, 32, None]), st.sampled_from([1, 2, 3])),
)
def test_skipping_quiet_tiles_equals_every_cell(
    tiled, tile_rows, tiles_high, width, seed, density, rule, generations, config
) -> None:
    # Any rule (B0 ones step every cell), K larger or smaller than a tile,
    # more bands than tile rows (no skipping then), empty and dense boards.
    workers, batch, per_worker = config
    board = random_board(tile_rows * tiles_high * 2, width, seed, density)
    expected = FastEngine(tiles=False).advance(board, rule, generations)
    assert tiled(workers, batch, tile_rows, per_worker).advance(board, rule, generations) == expected


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(1, 6),
    shape=st.sampled_from([(64, 64), (48, 128), (96, 192)]),
    generations=st.integers(1, 300),
    config=st.tuples(st.sampled_from([1, 2]), st.sampled_from([1, 4, 8, 16, None]), st.sampled_from([4, 8, 16])),
)
def test_gliders_crossing_bands_and_the_seam_are_exact(tiled, seed, count, shape, generations, config) -> None:
    workers, batch, tile_rows = config
    board = gliders_board(*shape, seed, count)
    engine = tiled(workers, batch, tile_rows, 2)
    assert engine.advance(board, CONWAY, generations) == FastEngine(tiles=False).advance(board, CONWAY, generations)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), rule=non_b0_rules, generations=st.integers(1, 6))
def test_skipping_equals_the_coroutine_engine(tiled, seed, rule, generations) -> None:
    board = random_board(16, 64, seed, 0.1)
    assert tiled(2, 3, 4).advance(board, rule, generations) == REFERENCE.advance(board, rule, generations)


def test_a_sparse_board_computes_few_tiles_and_a_still_board_stops_early(tiled) -> None:
    engine = tiled(2, 8, 8)
    board = gliders_board(512, 512, seed=3, count=1)
    assert engine.tile_rows_for(board.shape, CONWAY) == 8
    assert engine.advance(board, CONWAY, 64) == FastEngine(tiles=False).advance(board, CONWAY, 64)
    everything = (512 // 8) * (512 // 64) * (64 // 8)  # tiles x batches
    assert 0 < engine.tiles_computed < everything // 10
    block = Board(256, 256)
    block.place_cells([10, 10, 11, 11], [10, 11, 10, 11])
    assert engine.advance(block, CONWAY, 800) == block
    assert engine.tiles_computed <= 2 * 3 * 3  # one batch saw the block, then it stopped
    assert engine.tile_rows_for(board.shape, B0) == 0  # B0: empty regions change, no skipping
    assert engine.tile_rows_for((250, 256), CONWAY) == 0  # the height is not whole tiles


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_balanced_bands_cover_every_tile_row_and_follow_the_activity(count) -> None:
    from lifegame.engines.activity import ACTIVE, balanced_bands

    flags = np.zeros((40, 8), np.uint8)
    assert balanced_bands(flags, count, 8, 8) == [(a, b) for a, b in split_rows(40, count)]
    flags[30:34, :] = ACTIVE  # all the work in rows 30..33
    bands = balanced_bands(flags, count, 8, 8)
    assert bands[0][0] == 0 and bands[-1][1] == 40 and len(bands) == count
    assert all(a < b for a, b in bands) and all(x[1] == y[0] for x, y in zip(bands, bands[1:]))
    if count > 1:
        assert all(29 <= a <= 36 for a, _ in bands[1:])  # the cuts fall in or next to the busy rows
