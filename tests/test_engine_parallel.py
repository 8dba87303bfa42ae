"""The parallel engine, the background front and the engine registry.

Every configuration (fast or coroutine kernel, 1 or 2 workers, several K,
a thread pool -- the pickled-band path -- or a process pool -- the shared
memory path) must equal the coroutine engine cell for cell, on every board
size including the degenerate ones.  Worker processes are slow to start, so
one process pool serves the whole module; the tests about faults and
shutdown start pools of their own, since they break or close them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifegame.board import Board
from lifegame.engines import (
    COROUTINE_MAX_CELLS,
    ENGINE_NAMES,
    POOL_MIN_CELLS,
    AutoEngine,
    BackgroundEngine,
    CoroutineEngine,
    EngineError,
    FastEngine,
    JobCancelled,
    ParallelEngine,
    make_engine,
)
from lifegame.engines import worker
from lifegame.engines.parallel import pool_context, split_rows
from lifegame.rules import CONWAY, Rule, parse_rule

REFERENCE = CoroutineEngine()
B0 = parse_rule("B0123/S4")  # B0 without S8: the whole board flips each generation
SHM = "/dev/shm"


def random_board(height: int, width: int, seed: int = 0, density: float = 0.5) -> Board:
    rng = np.random.default_rng(seed)
    return Board.from_array(rng.random((height, width)) < density)


def r_pentomino(side: int) -> Board:
    board = Board(side, side)
    c = side // 2
    board.place_cells([c, c, c + 1, c + 1, c + 2], [c + 1, c + 2, c, c + 1, c + 1])
    return board


def gone(pid: int) -> bool:
    """True once no process has this pid (os.kill(pid, 0) fails)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # pragma: no cover - someone else's process reused the pid
        return True
    return False


def wait_until(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# -- fixtures: one process pool and one thread pool for the module -----------------------


@pytest.fixture(scope="module")
def process_pool():
    pool = ProcessPoolExecutor(max_workers=2, mp_context=pool_context())
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def thread_pool():
    pool = ThreadPoolExecutor(max_workers=2)
    yield pool
    pool.shutdown(wait=True)


@pytest.fixture(scope="module")
def engines(process_pool, thread_pool):
    """ParallelEngines over the module's pools, by (executor kind, kernel, workers, K)."""
    made: dict[tuple[str, str, int, int], ParallelEngine] = {}
    # "process": shared memory; "pickled": the same process pool, bands by value
    # (what a cluster executor would get); "thread": bands by reference.
    pools = {"process": process_pool, "pickled": process_pool, "thread": thread_pool}

    def get(kind: str, kernel: str, workers: int, batch: int) -> ParallelEngine:
        key = (kind, kernel, workers, batch)
        if key not in made:
            shared = False if kind == "pickled" else None
            made[key] = ParallelEngine(pools[kind], workers=workers, kernel=kernel, batch=batch, shared=shared)
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
    padded = worker.padded_rows(cells, 1, 2, 4)  # band = row 1, halo 4 > height 3
    assert [row[0] // 2 for row in padded] == [(y % 3) for y in range(-3, 6)]
    assert np.shares_memory(worker.padded_rows(cells, 1, 2, 1), cells)  # no wrap: a view


@pytest.mark.parametrize("kernel", sorted(worker.KERNELS))
def test_band_kernels_keep_the_middle_rows(kernel: str) -> None:
    # K generations of a band with K halo rows == the torus's rows, for a band of a larger torus.
    board = random_board(20, 33, seed=3)
    expected = REFERENCE.advance(board, CONWAY, 3).cells[5:9]
    padded = worker.padded_rows(board.cells, 5, 9, 3)
    assert np.array_equal(worker.KERNELS[kernel](padded, CONWAY, 3), expected)


def test_step_words_band_matches_step_band() -> None:
    board = random_board(40, 130, seed=4)
    padded = worker.padded_rows(board.cells, 10, 30, 5)
    words = worker.step_words_band(worker.encode("fast", padded), B0, 130, 5)
    assert np.array_equal(worker.decode("fast", words, 130), worker.step_band_fast(padded, B0, 5))


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
        worker.pack_into(cells, words)
        assert np.array_equal(words, pack(cells))
        out = np.zeros_like(cells)
        worker.unpack_into(words, out, width)
        assert np.array_equal(out, cells) and np.array_equal(unpack(words, width), cells)


@pytest.mark.parametrize("shape", [(1024, 1024), (1031, 1021), (2, 1 << 20)])
def test_large_boards_are_packed_and_unpacked_by_several_threads(engines, shape) -> None:
    board = random_board(*shape, seed=11)
    board.cells[: shape[0] // 2] = 0  # a sparse half: its rows are never touched when unpacking
    engine = ParallelEngine(workers=2)
    try:
        assert engine._helpers(board.shape) is not None
        got = engine.advance(board, CONWAY, 5)
        assert got == FastEngine().advance(board, CONWAY, 5)
        assert got.cells.dtype == np.uint8 and got.cells.flags.c_contiguous
        assert engines("process", "fast", 1, 32).advance(board, B0, 3) == engine.advance(board, B0, 3)
    finally:
        engine.close()
    assert engine._threads is None


def test_more_bands_than_workers_and_engine_parameters() -> None:
    with ThreadPoolExecutor(2) as pool:
        engine = ParallelEngine(pool, workers=2, bands_per_worker=3, batch=4)
        board = random_board(11, 20, seed=9)
        assert engine.advance(board, CONWAY, 10) == FastEngine().advance(board, CONWAY, 10)
        assert engine.advance(board, CONWAY, 0) == board
        with pytest.raises(ValueError):
            engine.advance(board, CONWAY, -1)
        engine.close()
        with pytest.raises(EngineError):
            engine.advance(board, CONWAY, 1)
    with pytest.raises(ValueError):
        ParallelEngine(kernel="gpu")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ParallelEngine(workers=0)


# -- the engine's own pool: created once, shared memory, faults, shutdown ------------------


def test_own_pool_is_reused_and_leaves_nothing_behind() -> None:
    board = random_board(300, 200, seed=10)
    engine = ParallelEngine(workers=2)
    assert engine.executor is None  # created lazily
    pids = engine.warm()
    assert len(pids) == 2 and os.getpid() not in pids
    assert engine.executor._mp_context.get_start_method() in ("forkserver", "spawn")  # never fork
    first = engine.advance(board, CONWAY, 40)
    second = engine.advance(first, CONWAY, 40)
    assert engine.worker_pids() == pids  # the same processes serve every call
    assert second == FastEngine().advance(board, CONWAY, 80)
    names = engine.segment_names
    assert len(names) == 2
    if os.path.isdir(SHM):
        assert all(os.path.exists(os.path.join(SHM, n)) for n in names)
    engine.close()
    engine.close()  # twice is fine
    assert wait_until(lambda: all(gone(p) for p in pids))
    if os.path.isdir(SHM):
        assert not any(os.path.exists(os.path.join(SHM, n)) for n in names)


def test_a_killed_worker_raises_engine_error_and_the_engine_recovers() -> None:
    board = random_board(1024, 1024, seed=11)
    before = board.copy()
    expected = FastEngine().advance(board, CONWAY, 5)
    with BackgroundEngine(ParallelEngine(workers=2, batch=8)) as background:
        engine = background.engine
        old = engine.warm()
        job = background.submit(board, CONWAY, 100_000)  # minutes of work
        time.sleep(0.3)
        assert not job.done()
        os.kill(old[0], signal.SIGKILL)
        assert wait_until(job.done, 5.0)
        with pytest.raises(EngineError, match="worker process died") as info:
            job.result()
        assert "SIGKILL" in str(info.value) and "restarted the pool" in str(info.value)
        assert board == before  # nothing lost
        assert wait_until(lambda: all(gone(p) for p in old))
        # The next call gets a new pool and the right answer.
        assert engine.advance(board, CONWAY, 5) == expected
        assert set(engine.worker_pids()).isdisjoint(old) and engine.restarts == 1
        # A worker that dies between calls is reported on the next call, then recovered.
        victim = engine.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        assert wait_until(lambda: gone(victim))
        time.sleep(0.2)  # let the executor notice
        with pytest.raises(EngineError, match="worker process died"):
            engine.advance(board, CONWAY, 200)
        assert engine.advance(board, CONWAY, 5) == expected


def test_a_borrowed_pool_that_breaks_falls_back_to_this_process() -> None:
    pool = ProcessPoolExecutor(max_workers=1, mp_context=pool_context())
    try:
        engine = ParallelEngine(pool, workers=1)
        (pid,) = engine.warm()
        os.kill(pid, signal.SIGKILL)
        board = random_board(64, 64, seed=12)
        expected = FastEngine().advance(board, CONWAY, 3)
        with pytest.raises(EngineError, match="computing in this process"):
            for _ in range(50):  # until the executor has noticed
                engine.advance(board, CONWAY, 3)
                time.sleep(0.05)
        assert engine.advance(board, CONWAY, 3) == expected
        engine.close()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def test_close_with_work_in_flight_leaves_no_process_and_no_shared_memory() -> None:
    background = BackgroundEngine(ParallelEngine(workers=2, batch=8))
    pids = background.engine.warm()
    job = background.submit(random_board(1024, 1024, seed=13), CONWAY, 100_000)
    assert wait_until(lambda: len(background.engine.segment_names) == 2)
    names = background.engine.segment_names
    time.sleep(0.2)
    started = time.monotonic()
    background.close()
    assert time.monotonic() - started < 2.5
    assert job.done()
    with pytest.raises(EngineError):  # JobCancelled is an EngineError
        job.result()
    assert wait_until(lambda: all(gone(p) for p in pids), 2.0)
    if os.path.isdir(SHM):
        assert not any(os.path.exists(os.path.join(SHM, n)) for n in names)
    with pytest.raises(EngineError):
        background.submit(Board(4, 4), CONWAY)


# -- the background front ----------------------------------------------------------------


def test_background_submit_returns_at_once_and_the_result_is_right() -> None:
    board = random_board(256, 256, seed=14)
    pool = ThreadPoolExecutor(2)
    # Both of the pool's threads are held busy, so the job cannot even start:
    # submit() must come back anyway (the window never waits on the pool).
    gate = threading.Event()
    blockers = [pool.submit(gate.wait, 30) for _ in range(2)]
    with BackgroundEngine(ParallelEngine(pool, workers=2)) as background:
        job = background.submit(board, CONWAY, 64)
        assert job.generations == 64
        board.cells[:] = 0  # the window edits its own board meanwhile: the job has a copy
        time.sleep(0.1)
        assert not job.done()
        gate.set()
        assert all(b.result(5) for b in blockers)
        assert wait_until(job.done, 10.0)
        assert job.result() == FastEngine().advance(random_board(256, 256, seed=14), CONWAY, 64)
        assert job.exception() is None and not job.cancelled()
        assert job.cancel() is False  # already finished
    pool.shutdown()


def test_background_cancel_pending_and_running_jobs() -> None:
    with BackgroundEngine(CoroutineEngine()) as background:
        assert background.name == "coroutine" and background.workers == 1
        running = background.submit(random_board(64, 64), CONWAY, 10_000)
        pending = background.submit(random_board(8, 8), CONWAY, 1)
        assert pending.cancel() is True
        assert running.cancel() is True
        assert wait_until(running.done, 3.0)
        for job in (running, pending):
            with pytest.raises(JobCancelled):
                job.result()
            assert job.cancelled()


def test_background_reports_failures_as_engine_error() -> None:
    class Broken:
        name = "broken"

        def advance(self, board, rule, generations=1):
            raise ZeroDivisionError("boom")

        def close(self):
            pass

    with BackgroundEngine(Broken()) as background:  # type: ignore[arg-type]
        job = background.submit(Board(3, 3), CONWAY, 1)
        assert wait_until(job.done)
        with pytest.raises(EngineError, match="boom"):
            job.result()


def test_background_default_engine_follows_the_registry() -> None:
    with BackgroundEngine(workers=1, board_shape=(2048, 2048)) as background:
        assert isinstance(background.engine, FastEngine) and background.workers == 1
        job = background.submit(random_board(40, 40), CONWAY, 3)
        assert job.result(timeout=10) == REFERENCE.advance(random_board(40, 40), CONWAY, 3)


# -- the registry ------------------------------------------------------------------------


def test_make_engine_by_name_workers_and_size() -> None:
    assert ENGINE_NAMES[0] == "auto" and {"coroutine", "fast"} <= set(ENGINE_NAMES)
    assert isinstance(make_engine("coroutine"), CoroutineEngine)
    assert isinstance(make_engine("fast", workers=1), FastEngine)
    for name, kernel in (("fast", "fast"), ("coroutine", "coroutine")):
        engine = make_engine(name, workers=2)
        assert isinstance(engine, ParallelEngine) and engine.kernel == kernel and engine.workers == 2
        engine.close()
    assert isinstance(make_engine("auto", workers=2, board_shape=(64, 64)), CoroutineEngine)
    assert isinstance(make_engine("auto", workers=2, board_shape=(512, 512)), FastEngine)
    assert isinstance(make_engine("auto", workers=1, board_shape=(4096, 4096)), FastEngine)
    big = make_engine("auto", workers=2, board_shape=(1024, 1024))
    assert isinstance(big, ParallelEngine) and 1024 * 1024 >= POOL_MIN_CELLS
    big.close()
    assert isinstance(make_engine("Auto"), AutoEngine)
    with pytest.raises(ValueError, match="unknown engine"):
        make_engine("quantum")
    with pytest.raises(ValueError):
        make_engine("fast", workers=0)


def test_auto_engine_chooses_per_board() -> None:
    with AutoEngine(workers=1) as auto:
        small = random_board(16, 16, seed=15)
        assert auto.advance(small, B0, 4) == REFERENCE.advance(small, B0, 4)
        assert auto.last == "coroutine" and 16 * 16 <= COROUTINE_MAX_CELLS
        medium = random_board(200, 200, seed=16)
        assert auto.advance(medium, CONWAY, 4) == FastEngine().advance(medium, CONWAY, 4)
        assert auto.last == "fast"
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(JobCancelled):
            auto.advance(medium, CONWAY, 4, cancel=cancel)


def test_worker_side_imports_no_pygame() -> None:
    code = (
        "import sys, lifegame.engines.worker, lifegame.engines.parallel, lifegame.engines; "
        "assert 'pygame' not in sys.modules, 'pygame imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_workers_exit_when_the_program_is_killed_outright(tmp_path) -> None:
    # No close() runs when the parent gets SIGKILL; the workers must still go.
    script = tmp_path / "victim.py"
    script.write_text(
        "import os, signal\n"
        "from lifegame.engines import ParallelEngine\n"
        "if __name__ == '__main__':\n"
        "    engine = ParallelEngine(workers=2)\n"
        "    print(' '.join(map(str, engine.warm())), flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    out = tmp_path / "pids.txt"
    with out.open("w") as sink:
        subprocess.run([sys.executable, str(script)], stdout=sink, timeout=60)
    pids = [int(p) for p in out.read_text().split()]
    assert len(pids) == 2
    try:
        assert wait_until(lambda: all(gone(p) for p in pids), 5.0)
    finally:
        for pid in pids:  # do not leave them behind if the test fails
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)


FORGETFUL = """
import time
import numpy as np
from lifegame.board import Board
from lifegame.rules import CONWAY
from lifegame.engines import BackgroundEngine, ParallelEngine

if __name__ == "__main__":
    background = BackgroundEngine(ParallelEngine(workers=2))
    board = Board.from_array(np.random.default_rng(1).integers(0, 2, (512, 512)))
    job = background.submit(board, CONWAY, 10**7)  # hours of work
    time.sleep(0.5)
    print("pid", *background.engine.worker_pids(), flush=True)
    # ... and the program ends without closing anything.
"""


def test_a_program_that_forgets_close_still_exits_and_cleans_up(tmp_path) -> None:
    script = tmp_path / "forgetful.py"
    script.write_text(FORGETFUL)
    before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 20
    assert "leaked" not in result.stderr
    pids = [int(p) for p in result.stdout.split()[1:]]
    assert pids and wait_until(lambda: not any(_alive(pid) for pid in pids))
    if os.path.isdir("/dev/shm"):
        assert not (set(os.listdir("/dev/shm")) - before)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
