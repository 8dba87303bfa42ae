"""Runs survive dead workers, and workers never outlive the program that started them.

* A worker that dies mid-run costs a restart of the pool, not the run: the
  parallel engine submits the failed batch again (the "current" segment still
  holds the last completed batch) and tells the pool's ``on_restart``; only
  :data:`~lifegame.engines.parallel.MAX_FAILURES` deaths in a row without a
  completed batch make it give up.  Deaths are injected at chosen submits
  (:class:`DyingPool`: the task becomes ``os._exit``, a real death of a real
  worker mid-batch), and from outside, by SIGKILL, to the CLI's workers.
* A CLI that is SIGKILLed by a parent that does not reap it (a zombie) leaves
  nothing behind: its workers read end-of-file on the pool's parent-alive
  pipe, then the forkserver and the resource tracker go, and the tracker
  unlinks the shared memory.

Every wait is on a condition with a generous deadline; no elapsed time is
asserted (the time things take to go after a SIGKILL is printed, ``-s``).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import BrokenExecutor

import numpy as np
import pytest

from processes import wait_until
from lifegame.board import Board
from lifegame.engines import EngineError, FastEngine, ParallelEngine, WorkerPool, worker
from lifegame.engines.parallel import MAX_FAILURES
from lifegame.rules import CONWAY

SHM = "/dev/shm"
GENERATIONS = 64
BATCH = 8  # so 8 batches of 2 bands: submits 2b and 2b + 1 are batch b's (until a restart)


def random_board(height: int, width: int, seed: int = 0) -> Board:
    return Board.from_array(np.random.default_rng(seed).random((height, width)) < 0.5)


class DyingPool(WorkerPool):
    """A worker pool in which the submits numbered in ``deaths`` (from 0) run ``os._exit(1)`` instead.

    The worker that takes such a task dies while its batch is in flight, as
    one killed by the system would.  Each attempt at a batch of two bands
    takes two numbers; the tests kill with the second (odd numbers), so that
    no submit of the batch starts a process while the executor is breaking
    (a race inside ProcessPoolExecutor that the pool survives, but that
    would make the counts below vary).
    """

    def __init__(self, workers: int, deaths: set[int]) -> None:
        super().__init__(workers)
        self.deaths = set(deaths)
        self.submits = 0

    def submit(self, fn, /, *args, **kwargs):
        number = self.submits
        self.submits += 1
        if number in self.deaths:
            return super().submit(os._exit, 1)
        return super().submit(fn, *args, **kwargs)


class Notes:
    """A progress callable, and a listener for the pool's restarts (``pool.on_restart = notes.restarted``)."""

    def __init__(self) -> None:
        self.done: list[int] = []
        self.restarts: list = []

    def __call__(self, done: int, total: int) -> None:
        self.done.append(done)

    def restarted(self, restart) -> None:
        self.restarts.append(restart)


CONFIGS = {
    "shared, tiles": {},
    "shared, every cell": {"tile_rows": 0},
    "pickled": {"shared": False},
}


@pytest.fixture(scope="module")
def board_and_expected():
    board = random_board(256, 256, seed=3)
    return board, FastEngine().advance(board, CONWAY, GENERATIONS)


@pytest.mark.parametrize("config", CONFIGS)
def test_a_run_survives_deaths_and_resumes_each_time_from_its_last_completed_batch(board_and_expected, config):
    board, expected = board_and_expected
    before = board.copy()
    # Batch 2 dies twice, then goes through; batch 3 dies once.
    with DyingPool(2, deaths={5, 7, 11}) as pool, ParallelEngine(pool, batch=BATCH, **CONFIGS[config]) as engine:
        notes = Notes()
        pool.on_restart = notes.restarted
        assert engine.advance(board, CONWAY, GENERATIONS, progress=notes) == expected
        assert board == before
        assert [(r.done, r.failures) for r in notes.restarts] == [(16, 1), (16, 2), (24, 1)]
        assert pool.restarts == 3
        # Never back to generation 0: each batch ran once, plus one attempt per death.
        assert pool.submits == 2 * (GENERATIONS // BATCH) + 2 * 3
        assert notes.done == list(range(BATCH, GENERATIONS + 1, BATCH))
        message = notes.restarts[-1].message(1000)
        assert re.fullmatch(r"a worker process died \(.+\); restarted the pool, resuming at generation 1024", message)


def test_deaths_that_are_not_in_a_row_never_add_up_to_giving_up(board_and_expected):
    board, expected = board_and_expected
    deaths = {5, 9, 13, 17, 21, 25}  # every other attempt from batch 2 on: more deaths than MAX_FAILURES
    assert len(deaths) > MAX_FAILURES
    with DyingPool(2, deaths) as pool, ParallelEngine(pool, batch=BATCH) as engine:
        notes = Notes()
        pool.on_restart = notes.restarted
        assert engine.advance(board, CONWAY, GENERATIONS, progress=notes) == expected
        assert [(r.done, r.failures) for r in notes.restarts] == [(8 * b, 1) for b in range(2, 8)]


def test_workers_that_keep_dying_make_the_call_give_up_in_one_line_and_the_next_call_works(board_and_expected):
    board, expected = board_and_expected
    with DyingPool(2, deaths=set(range(5, 1000, 2))) as pool, ParallelEngine(pool, batch=BATCH) as engine:
        notes = Notes()
        pool.on_restart = notes.restarted
        with pytest.raises(EngineError) as info:
            engine.advance(board, CONWAY, GENERATIONS, progress=notes)
        text = str(info.value)
        assert re.fullmatch(rf"a worker process died {MAX_FAILURES} times in a row without progress \(.+\); "
                            r"giving up", text), text
        assert "\n" not in text
        # Each restart that was announced happened; the last death was not followed by one.
        assert [(r.done, r.failures) for r in notes.restarts] == [(16, f) for f in range(1, MAX_FAILURES)]
        assert pool.restarts == MAX_FAILURES - 1
        pool.deaths.clear()
        notes = Notes()
        pool.on_restart = notes.restarted
        assert engine.advance(board, CONWAY, GENERATIONS, progress=notes) == expected
        assert notes.restarts == [] and pool.restarts == MAX_FAILURES


def test_a_restart_hook_that_fails_fails_the_call_after_the_batch(board_and_expected):
    board, _ = board_and_expected

    class Broken(Notes):
        def restarted(self, restart) -> None:
            raise BrokenPipeError("stderr is gone")

    with DyingPool(2, deaths={5}) as pool, ParallelEngine(pool, batch=BATCH) as engine:
        broken = Broken()
        pool.on_restart = broken.restarted
        with pytest.raises(BrokenPipeError):
            engine.advance(board, CONWAY, GENERATIONS, progress=broken)
        pool.on_restart = None
        assert engine.advance(board, CONWAY, 8) == FastEngine().advance(board, CONWAY, 8)


def test_a_worker_dying_while_the_executor_starts_processes_never_hangs_the_pool() -> None:
    # A death as the first task of a new executor, then submits that start
    # processes while it breaks: ProcessPoolExecutor may start one it never
    # terminates (and fail the submit on a closed pipe).  The pool turns such
    # a submit into BrokenProcessPool and closes the old executor's pipe, so
    # every process of it leaves and replacing it cannot hang.
    errors: list[BaseException] = []

    def churn() -> None:
        try:
            with WorkerPool(2) as pool:
                for _ in range(30):
                    futures = []
                    try:
                        futures.append(pool.submit(os._exit, 1))
                        futures += [pool.submit(worker.worker_pid) for _ in range(3)]
                    except BrokenExecutor:
                        pass
                    for future in futures:
                        with contextlib.suppress(BrokenExecutor):
                            future.result(timeout=120)
                    pool.mark_broken(pool.restarts)
                assert pool.submit(worker.worker_pid).result(timeout=120) > 0
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            errors.append(exc)

    thread = threading.Thread(target=churn, daemon=True)
    thread.start()
    thread.join(600)
    assert not thread.is_alive(), "the pool hung replacing a broken executor"
    assert errors == []


# -- the command line: a process tree seen from outside ----------------------------------------


def _stat(pid: int) -> tuple[str, int] | None:
    """``(state, parent pid)`` of a process, or None when there is none."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def descendants(root: int) -> dict[int, int]:
    """``{pid: parent pid}`` of the live processes below ``root``."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[0] != "Z":
                parents[int(entry)] = stat[1]
    found: dict[int, int] = {}
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found.update((pid, parents[pid]) for pid in frontier)
    return found


def workers_of(root: int) -> list[int]:
    """The CLI's worker processes: the children of its forkserver (its grandchildren)."""
    return sorted(pid for pid, parent in descendants(root).items() if parent != root)


def segments_of(pid: int) -> list[str]:
    return sorted(n for n in os.listdir(SHM) if n.startswith(f"lg{pid}_")) if os.path.isdir(SHM) else []


def cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lifegame", *args], text=True, start_new_session=True, **kwargs)


pytestmark_linux = pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")

RESTART = re.compile(r"lifegame run: a worker process died \(.+\); restarted the pool, resuming at generation (\d+)")


@pytestmark_linux
def test_the_cli_survives_repeated_worker_kills_with_one_line_per_restart() -> None:
    args = ["run", "--size", "1024x1024", "--random", "0.5", "--seed", "1", "--generations", "30000",
            "--engine", "fast", "--workers", "2"]
    proc = cli(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    killed: list[int] = []
    try:
        for _ in range(3):
            # Two fresh workers at work, then one of them dies; then the restart line.
            assert wait_until(lambda: proc.poll() is not None
                              or (len(w := workers_of(proc.pid)) == 2 and not set(w) & set(killed)))
            assert proc.poll() is None, "the run ended before the kills"
            victim = workers_of(proc.pid)[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            assert wait_until(lambda: proc.poll() is not None or len(lines) >= len(killed)), lines
        out = proc.stdout.read()
        proc.wait(timeout=300)
        reader.join(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, lines
    found = [RESTART.fullmatch(line.rstrip("\n")) for line in lines]
    assert len(lines) == 3 and all(found), lines
    generations = [int(m.group(1)) for m in found]
    assert generations == sorted(generations) and generations[-1] < 30000
    undisturbed = subprocess.run([sys.executable, "-m", "lifegame", *args], capture_output=True, text=True,
                                 timeout=600, check=False)
    assert undisturbed.returncode == 0 and undisturbed.stderr == ""
    assert out == undisturbed.stdout


@pytestmark_linux
def test_a_killed_cli_that_nobody_reaps_leaves_no_worker_forkserver_tracker_or_shared_memory(tmp_path) -> None:
    proc = cli("run", "--size", "1024x1024", "--random", "0.5", "--seed", "1", "--generations", "100000000",
               "--engine", "fast", "--workers", "2", stdout=subprocess.DEVNULL,
               stderr=open(tmp_path / "err", "w"))  # noqa: SIM115 - closed with the test's tmp_path
    helpers: dict[int, int] = {}
    segments: list[str] = []
    try:
        # Under way: two workers computing on two segments.
        assert wait_until(lambda: len(workers_of(proc.pid)) == 2 and len(segments_of(proc.pid)) >= 2, 120)
        helpers = descendants(proc.pid)  # the forkserver, the resource tracker, the workers
        segments = segments_of(proc.pid)
        assert len(helpers) >= 4, helpers
        os.kill(proc.pid, signal.SIGKILL)  # and no wait(): it stays a zombie
        start = time.monotonic()
        gone_at: dict[str, float] = {}

        def everything_gone() -> bool:
            for pid in helpers:
                if str(pid) not in gone_at and not alive(pid):
                    gone_at[str(pid)] = time.monotonic() - start
            if "shared memory" not in gone_at and not any(os.path.exists(os.path.join(SHM, n)) for n in segments):
                gone_at["shared memory"] = time.monotonic() - start
            return len(gone_at) == len(helpers) + 1

        assert wait_until(everything_gone, 60), (helpers, gone_at)
        assert _stat(proc.pid) is not None and _stat(proc.pid)[0] == "Z"  # nobody reaped it meanwhile
        print(f"\nafter a SIGKILL of an unreaped CLI: workers gone in "
              f"{max(gone_at[str(p)] for p in workers_of_pids(helpers, proc.pid)):.3f} s, everything in "
              f"{max(gone_at.values()):.3f} s ({gone_at})")
    finally:
        proc.wait(timeout=60)  # reaped now
        for pid in helpers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def workers_of_pids(helpers: dict[int, int], root: int) -> list[int]:
    return [pid for pid, parent in helpers.items() if parent != root]
