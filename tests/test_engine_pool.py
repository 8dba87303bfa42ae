"""The worker pool's lifetime: lazy start, reuse, and one clean-up path that leaves nothing behind.

Nothing may remain -- no worker process, no shared-memory segment -- after a
normal exit, an exception, Ctrl+C, SIGTERM (turned into an exception, as the
CLI does) or SIGKILL of the program (the workers notice their parent is gone;
the resource tracker unlinks the segments).  Every wait here is on a
condition (a printed line, a process gone, a file gone) with a generous
deadline, never a fixed sleep.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys

import numpy as np
import pytest

from processes import descendants, gone, wait_until, with_ctrl_c
from lifegame.board import Board
from lifegame.engines import (
    COROUTINE_BANDS,
    BackgroundEngine,
    EngineError,
    FastEngine,
    JobCancelled,
    ParallelEngine,
    WorkerPool,
    pool_context,
)
from lifegame.engines import worker
from lifegame.engines.bands import Interrupted
from lifegame.engines.shm import SharedBoard
from lifegame.rules import CONWAY

SHM = "/dev/shm"


def random_board(height: int, width: int, seed: int = 0) -> Board:
    return Board.from_array(np.random.default_rng(seed).random((height, width)) < 0.5)


def segment_exists(name: str) -> bool:
    return os.path.exists(os.path.join(SHM, name))


# -- in this process ---------------------------------------------------------------------


def test_the_pool_starts_lazily_is_reused_and_leaves_nothing_behind() -> None:
    assert pool_context().get_start_method() in ("forkserver", "spawn")  # never fork
    board = random_board(300, 200, seed=10)
    pool = WorkerPool(2)
    engine = ParallelEngine(pool)
    assert not pool.started and pool.workers == 2  # constructing is free
    pids = pool.warm()
    assert len(pids) == 2 and os.getpid() not in pids and pool.started
    first = engine.advance(board, CONWAY, 40)
    second = engine.advance(first, CONWAY, 40)
    assert pool.warm() == pids  # the same processes serve every call
    assert second == FastEngine().advance(board, CONWAY, 80)
    names = engine.segment_names
    assert len(names) == 2
    if os.path.isdir(SHM):
        assert all(segment_exists(n) for n in names)
    engine.close()
    if os.path.isdir(SHM):
        assert not any(segment_exists(n) for n in names)
    assert pool.warm() == pids  # closing an engine leaves the pool alone
    pool.close()
    pool.close()  # twice is fine
    assert all(gone(p) for p in pids)  # close() waited for them
    assert not set(descendants()) & set(pids)
    with pytest.raises(RuntimeError):
        pool.submit(worker.worker_pid)
    with pytest.raises(ValueError):
        WorkerPool(0)


def test_start_brings_the_workers_up_in_the_background_and_close_leaves_nothing() -> None:
    board = random_board(256, 256, seed=11)
    with WorkerPool(2, niceness=0) as pool:
        assert not pool.started
        pool.start()  # returns at once; the processes come up in a thread
        pool.start()  # twice is fine
        assert pool.started
        pids = pool.warm()  # waits for them: the same processes start() began
        assert len(pids) == 2
        with ParallelEngine(pool) as engine:
            assert engine.advance(board, CONWAY, 40) == FastEngine().advance(board, CONWAY, 40)
        assert pool.warm() == pids
    assert all(gone(p) for p in pids)
    assert not set(descendants()) & set(pids)
    # Closed while starting, and started after closing: no process left either way.
    pool = WorkerPool(2)
    pool.start()
    pool.close()
    pool.start()
    with pytest.raises(RuntimeError):
        pool.submit(worker.worker_pid)
    assert wait_until(lambda: not descendants())


def test_closing_everything_with_work_in_flight_leaves_no_process_and_no_shared_memory() -> None:
    pool = WorkerPool(2)
    engine = ParallelEngine(pool, batch=8)
    background = BackgroundEngine(engine)
    pids = pool.warm()
    job = background.submit(random_board(1024, 1024, seed=13), CONWAY, 100_000)
    assert wait_until(lambda: len(engine.segment_names) == 2)
    names = engine.segment_names
    assert not job.done()
    # The one clean-up path, in the order the with blocks unwind.
    background.close()
    engine.close()
    pool.close()
    assert job.done()
    with pytest.raises(JobCancelled):
        job.result()
    assert all(gone(p) for p in pids)
    assert not descendants()
    if os.path.isdir(SHM):
        assert not any(segment_exists(n) for n in names)
    with pytest.raises(EngineError):
        background.submit(Board(4, 4), CONWAY)


def test_closing_the_pool_under_a_running_job_cancels_it() -> None:
    # Closed in the "wrong" order: the pool first.  The job still ends (as
    # cancelled) and the pool's close() still returns with no process left.
    with ParallelEngine(WorkerPool(2), batch=8) as engine, BackgroundEngine(engine) as background:
        pool = engine.pool
        pids = pool.warm()
        job = background.submit(random_board(1024, 1024, seed=14), CONWAY, 100_000)
        assert wait_until(lambda: len(engine.segment_names) == 2)
        pool.close()
        assert all(gone(p) for p in pids)
        assert wait_until(job.done)
        with pytest.raises(JobCancelled):
            job.result()


def test_the_interrupt_reaches_a_band_task_inside_a_worker() -> None:
    # One generation of a 1024x1024 band by the coroutines takes seconds; the
    # interrupt set right after the submit makes the task give up at its next
    # slice of instructions (it raises Interrupted instead of returning rows).
    board = random_board(1024, 1024, seed=15)
    with WorkerPool(1) as pool:
        shared = SharedBoard(board.shape, COROUTINE_BANDS)
        try:
            shared.load(board.cells)
            source, target = shared.names
            task = worker.SharedBandTask(COROUTINE_BANDS, CONWAY, 1, board.shape, 0, 1024, source, target)
            future = pool.submit(worker.run_shared_band, task)
            with pool.interrupting():
                assert isinstance(future.exception(timeout=120), Interrupted)
            # Cleared again: the next task runs to the end.
            small = worker.BandTask(COROUTINE_BANDS, CONWAY, 1, board.cells[:5, :8])
            assert pool.submit(worker.run_band, small).result(timeout=60).shape == (3, 8)
        finally:
            shared.release()


# -- a program that ends: normally, by an exception, a signal, or SIGKILL -------------------

PROGRAM = """
import os, signal, sys, time
import numpy as np
from lifegame.board import Board
from lifegame.rules import CONWAY
from lifegame.engines import BackgroundEngine, ParallelEngine, WorkerPool


class Terminated(BaseException):
    pass


def on_sigterm(signum, frame):  # as the CLI does: unwind the with blocks
    raise Terminated


if __name__ == "__main__":
    how = sys.argv[1]
    signal.signal(signal.SIGTERM, on_sigterm)
    board = Board.from_array(np.random.default_rng(1).integers(0, 2, (1024, 1024)))
    with WorkerPool(2) as pool, ParallelEngine(pool, batch=8) as engine, BackgroundEngine(engine) as background:
        pids = pool.warm()
        job = background.submit(board, CONWAY, 10**7)  # hours of work
        while len(engine.segment_names) < 2:
            time.sleep(0.01)
        print("ready", os.getpid(), *pids, *engine.segment_names, flush=True)
        if how == "exception":
            raise RuntimeError("boom")
        if how == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        if how == "exit":
            job.cancel()
        while not job.done():  # until a signal arrives
            time.sleep(0.05)
"""


def _read_line(proc: subprocess.Popen, timeout: float = 120.0) -> str:
    """The program's first line of output (its readiness line), without blocking past ``timeout``."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "the program printed nothing"
    return proc.stdout.readline()


@pytest.mark.parametrize("how", ["exit", "exception", "sigint", "sigterm", "sigkill"])
def test_a_program_leaves_no_process_and_no_shared_memory_however_it_ends(tmp_path, how) -> None:
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    proc = subprocess.Popen(
        with_ctrl_c([sys.executable, str(script), how]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job
    )
    try:
        line = _read_line(proc)
        assert line.startswith("ready"), (line, proc.stderr.read() if proc.poll() is not None else "")
        fields = line.split()
        pids = [int(p) for p in fields[2:4]]
        names = fields[4:]
        if how == "sigint":
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl+C reaches the whole group, workers too
        elif how == "sigterm":
            proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)  # reaped: a killed program is no zombie for its workers to wait on
        # communicate() returns once every holder of the program's pipes has
        # exited: its forkserver, its workers, its resource tracker.
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if how == "exit":
        assert proc.returncode == 0, err
    elif how == "sigkill":
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode != 0
    if how != "sigkill":  # killed outright, the tracker unlinks the segments and says so
        assert "leaked" not in err, err
        assert "BrokenProcessPool" not in err, err
    try:
        assert wait_until(lambda: all(gone(p) for p in pids))
        if os.path.isdir(SHM):
            assert wait_until(lambda: not any(segment_exists(n) for n in names)), names
    finally:
        for pid in pids:  # never leave them behind, even when the test fails
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
