"""The background front: ``submit`` returns at once, a :class:`Job` is polled, cancelled, or fails cleanly."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from lifegame.board import Board
from lifegame.engines import (
    BackgroundEngine,
    CoroutineEngine,
    EngineBase,
    EngineError,
    FastEngine,
    JobCancelled,
    ParallelEngine,
)
from lifegame.rules import CONWAY

REFERENCE = CoroutineEngine()


def random_board(height: int, width: int, seed: int = 0) -> Board:
    return Board.from_array(np.random.default_rng(seed).random((height, width)) < 0.5)


def test_submit_returns_at_once_and_the_result_is_right() -> None:
    board = random_board(256, 256, seed=14)
    expected = FastEngine().advance(board, CONWAY, 64)
    with ThreadPoolExecutor(2) as pool:
        # Both of the pool's threads are held busy, so the job cannot even
        # start its first batch: submit() comes back anyway (the window never
        # waits on the pool), and the job stays not done until they are freed.
        gate = threading.Event()
        blockers = [pool.submit(gate.wait, 60) for _ in range(2)]
        with BackgroundEngine(ParallelEngine(pool, workers=2)) as background:
            job = background.submit(board, CONWAY, 64)
            assert job.generations == 64
            board.cells[:] = 0  # the window edits its own board meanwhile: the job has a copy
            assert not job.done()
            with pytest.raises(TimeoutError):
                job.result(timeout=0.01)
            gate.set()
            assert all(b.result() for b in blockers)
            assert job.result(timeout=120) == expected
            assert job.exception() is None and not job.cancelled()
            assert job.cancel() is False  # already finished
            background.engine.close()


def test_cancel_pending_and_running_jobs() -> None:
    with BackgroundEngine(CoroutineEngine()) as background:
        running = background.submit(random_board(64, 64), CONWAY, 10_000)
        pending = background.submit(random_board(8, 8), CONWAY, 1)
        assert pending.cancel() is True
        assert running.cancel() is True
        for job in (running, pending):
            with pytest.raises(JobCancelled):
                job.result(timeout=120)
            assert job.cancelled() and isinstance(job.exception(), JobCancelled)


def test_close_cancels_the_running_job_and_leaves_the_engine_open() -> None:
    engine = FastEngine()
    background = BackgroundEngine(engine)
    job = background.submit(random_board(512, 512), CONWAY, 10**7)  # hours of work
    background.close()
    background.close()  # twice is fine
    assert job.done()
    with pytest.raises(JobCancelled):
        job.result()
    with pytest.raises(EngineError):
        background.submit(Board(4, 4), CONWAY)
    # Not the background engine's to close: it still computes.
    board = random_board(40, 40)
    assert engine.advance(board, CONWAY, 3) == REFERENCE.advance(board, CONWAY, 3)


def test_close_without_cancel_finishes_the_queued_jobs() -> None:
    background = BackgroundEngine(CoroutineEngine())
    jobs = [background.submit(random_board(16, 16, seed=s), CONWAY, 2) for s in range(3)]
    background.close(cancel=False)
    for s, job in enumerate(jobs):
        assert job.result(timeout=0) == REFERENCE.advance(random_board(16, 16, seed=s), CONWAY, 2)


def test_failures_are_reported_as_engine_error() -> None:
    class Broken(EngineBase):
        name = "broken"

        def advance(self, board, rule, generations=1, *, cancel=None, progress=None):
            raise ZeroDivisionError("boom")

    with BackgroundEngine(Broken()) as background:
        job = background.submit(Board(3, 3), CONWAY, 1)
        with pytest.raises(EngineError, match="boom"):
            job.result(timeout=60)
        assert isinstance(job.exception(), EngineError)
        with pytest.raises(ValueError):
            background.submit(Board(3, 3), CONWAY, -1)
