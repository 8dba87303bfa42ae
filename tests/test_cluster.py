"""``--cluster``: bands on a Dask cluster equal the fast engine and the process pool; nothing hangs.

One real ``LocalCluster`` (2 worker processes, 1 thread each) serves the
module; the tests that need a cluster of another shape (no worker, workers
removed) use a cheap in-process one (threads).  No test sleeps before a
signal or measures elapsed time: waits poll a condition under a deadline,
and the module's timeout is only a hang guard.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from processes import with_ctrl_c
from lifegame import cli
from lifegame.board import Board
from lifegame.engines import (
    COROUTINE_BANDS,
    FAST_BANDS,
    CoroutineEngine,
    EngineError,
    FastEngine,
    ParallelEngine,
)
from lifegame.engines import cluster as cluster_mod
from lifegame.engines.cluster import (
    Cluster,
    ClusterNotInstalled,
    ClusterSpec,
    ClusterUnavailable,
    parse_spec,
)
from lifegame.engines.pool import WorkerPool
from lifegame.rules import CONWAY, parse_rule

pytestmark = pytest.mark.timeout(240)

ROOT = Path(__file__).resolve().parents[1]
HIGHLIFE = parse_rule("B36/S23")
B0 = parse_rule("B0123/S4")
HINT = "lifegame run: error: --cluster needs Dask's distributed: pip install 'lifegame[cluster]'"


def random_board(height: int, width: int, seed: int = 0, density: float = 0.5) -> Board:
    rng = np.random.default_rng(seed)
    return Board.from_array(rng.random((height, width)) < density)


def wait_until(condition, what: str, deadline: float = 60.0, every: float = 0.01) -> None:
    """Poll ``condition()`` until it is true; fail (not hang) after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what} after {deadline:g} s")
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def local():
    """A LocalCluster of 2 worker processes, 1 thread each, for the whole module."""
    pytest.importorskip("distributed")
    with Cluster.connect("local:2", timeout=60) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2) as p:
        yield p


@pytest.fixture
def in_process_cluster():
    """An empty in-process LocalCluster (worker threads: starts in a moment), closed afterwards."""
    distributed = pytest.importorskip("distributed")
    cluster_mod.quiet_dask()
    lc = distributed.LocalCluster(n_workers=0, threads_per_worker=1, processes=False, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=":0")
    try:
        yield lc
    finally:
        lc.close(timeout=30)


# -- the spec --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("local:1", ClusterSpec(local=1)),
        ("local:2", ClusterSpec(local=2)),
        (" LOCAL:256 ", ClusterSpec(local=256)),
        ("tcp://10.0.0.5:8786", ClusterSpec(address="tcp://10.0.0.5:8786")),
        ("scheduler.example.org:8786", ClusterSpec(address="tcp://scheduler.example.org:8786")),
        ("localhost:1", ClusterSpec(address="tcp://localhost:1")),
        ("tcp://[::1]:8786", ClusterSpec(address="tcp://[::1]:8786")),
    ],
)
def test_parse_spec(text, spec):
    assert parse_spec(text) == spec
    assert str(parse_spec(str(spec))) == str(spec)


@pytest.mark.parametrize(
    "text",
    ["", "local", "local:", "local:0", "local:257", "local:-1", "local:two", "host", "tcp://host",
     "host:0", "host:65536", "http://host:8786", "tls://host:8786", "host:8786/x", "a b:1", "-host:1"],
)
def test_parse_spec_refuses_in_one_line(text):
    with pytest.raises(ValueError) as info:
        parse_spec(text)
    assert "\n" not in str(info.value)
    assert "local:N" in str(info.value)


@pytest.mark.parametrize("spec", ["local:0", "nowhere", "http://h:1"])
def test_cli_bad_spec_is_one_line(capsys, spec):
    assert cli.main(["run", "--size", "8x8", "--cluster", spec]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lifegame run: error: argument --cluster:")


def test_cli_cluster_with_workers_is_a_usage_error(capsys):
    assert cli.main(["run", "--size", "8x8", "--workers", "2", "--cluster", "local:2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--cluster and --workers" in err


# -- without distributed -----------------------------------------------------------------


def test_without_distributed_the_cli_says_how_to_install_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` raises ImportError
    with pytest.raises(ClusterNotInstalled, match=r"pip install 'lifegame\[cluster\]'"):
        Cluster.connect("local:2")
    assert cli.main(["run", "--size", "16x16", "--generations", "3", "--cluster", "local:2"]) == 2
    captured = capsys.readouterr()
    assert captured.err == HINT + "\n"
    assert captured.out == ""
    # Without --cluster nothing needs Dask.
    assert cli.main(["run", "--size", "16x16", "--random", "0.5", "--seed", "1", "--generations", "3",
                     "--engine", "fast", "--workers", "1"]) == 0


# -- same results ------------------------------------------------------------------------


def test_the_cluster_reports_its_workers(local):
    assert local.workers == 2
    assert len(local.worker_pids()) == 2
    assert local.local_cluster is not None
    assert local.address.startswith("tcp://127.0.0.1:")
    assert "LocalCluster, 2 workers" == local.describe()


def test_a_2048_soup_equals_the_process_pool_and_the_fast_engine(local, pool):
    board = random_board(2048, 2048, seed=2)
    with local.engine() as on_cluster, ParallelEngine(pool, kernel=FAST_BANDS) as on_pool, FastEngine() as fast:
        got = on_cluster.advance(board, CONWAY, 100)
        assert got == on_pool.advance(board, CONWAY, 100)
        assert got == fast.advance(board, CONWAY, 100)
    assert board == random_board(2048, 2048, seed=2)  # the caller's board is left alone


@pytest.mark.parametrize(
    ("height", "width", "rule", "generations", "batch"),
    [
        (1, 1, CONWAY, 5, None),
        (3, 7, CONWAY, 9, None),  # fewer rows than a halo: the torus wraps in the halo
        (33, 70, HIGHLIFE, 40, None),
        (300, 257, CONWAY, 70, 3),  # batches that do not divide the generations
        (128, 64, B0, 11, 4),  # B0: the whole board flips each generation
        (65, 70, parse_rule("B2-ek/S23"), 20, None),  # isotropic (Hensel): the packed kernel
        (41, 37, parse_rule("345/2/4"), 23, 5),  # Generations: bands of uint8 states
        (30, 64, parse_rule("LifeHistory"), 12, None),
    ],
)
def test_odd_boards_and_rules_equal_the_fast_engine(local, height, width, rule, generations, batch):
    board = random_board(height, width, seed=height * width)
    if rule.states > 2:  # some cells in every other state (dying, history marks, boundary)
        rng = np.random.default_rng(height)
        other = rng.random(board.shape) < 0.2
        board.cells[other] = rng.integers(2, rule.states, int(other.sum()))
    with local.engine(batch=batch) as engine, FastEngine() as fast:
        assert engine.advance(board, rule, generations) == fast.advance(board, rule, generations)


def test_the_coroutine_kernel_on_the_cluster_equals_the_coroutines(local):
    board = random_board(24, 31, seed=4)
    with local.engine(COROUTINE_BANDS) as engine:
        assert engine.advance(board, HIGHLIFE, 4) == CoroutineEngine().advance(board, HIGHLIFE, 4)


def test_a_scheduler_address_works_like_local(local):
    """``tcp://host:port``: the module's LocalCluster seen as a remote scheduler."""
    board = random_board(200, 300, seed=7)
    with Cluster.connect(local.address, timeout=30) as remote:
        assert remote.local_cluster is None
        assert remote.workers == 2
        assert remote.describe() == f"Dask cluster at {local.address}, 2 workers"
        with remote.engine() as engine, FastEngine() as fast:
            assert engine.advance(board, CONWAY, 45) == fast.advance(board, CONWAY, 45)
    assert remote.closed
    assert local.client.status == "running"  # closing a client leaves the scheduler alone


# -- the command line ----------------------------------------------------------------------


def test_cli_on_a_scheduler_address_prints_the_fast_engines_result(local, capsys):
    common = ["run", "--size", "150x260", "--random", "0.4", "--seed", "11", "--generations", "75"]
    assert cli.main([*common, "--engine", "fast", "--workers", "1"]) == 0
    expected = last_line(capsys.readouterr().out)
    assert cli.main([*common, "--cluster", local.address]) == 0
    captured = capsys.readouterr()
    assert last_line(captured.out) == expected
    assert captured.err == ""


def test_cli_local_cluster_in_a_subprocess_has_a_clean_stderr(local, capsys):
    """``--cluster local:2`` end to end: the fast engine's result, nothing on stderr, no process left."""
    common = ["run", "--size", "256x192", "--random", "0.5", "--seed", "3", "--generations", "70"]
    assert cli.main([*common, "--engine", "fast", "--workers", "1"]) == 0
    expected = last_line(capsys.readouterr().out)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-m", "lifegame", *common, "--cluster", "local:2"],
                          check=False, capture_output=True, text=True, timeout=180, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert last_line(done.stdout) == expected
    assert done.stderr == ""


def test_ctrl_c_ends_a_local_cluster_run_in_one_line_with_its_workers():
    """Ctrl+C signals the whole process group: the workers leave it to the program, which closes them."""
    pytest.importorskip("distributed")
    psutil = pytest.importorskip("psutil")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        with_ctrl_c([sys.executable, "-m", "lifegame", "run", "--size", "64x64", "--random", "0.5", "--seed", "1",
                     "--generations", "1000000", "--print-every", "1", "--cluster", "local:2"]),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, start_new_session=True,
    )
    try:
        # Ready when the second board is printed: the cluster is up and has computed.
        blank_lines = 0
        while blank_lines < 2:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            blank_lines += line == "\n"
        children = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == 130
    # One line from lifegame and no traceback from a worker.  (On a machine
    # busy with other work a Dask process may add a warning of its own, such
    # as an event loop that was unresponsive for a while: not ours to silence.)
    assert err.endswith("lifegame run: interrupted\n") and "Traceback" not in err, err
    assert [line for line in err.splitlines() if line.startswith("lifegame")] == ["lifegame run: interrupted"]

    def gone() -> bool:
        return not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)

    wait_until(gone, "the workers to exit", deadline=30)


def test_cli_unreachable_scheduler_is_one_line_within_the_timeout(capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(cluster_mod, "CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{free_port()}"
    assert cli.main(["run", "--size", "16x16", "--generations", "3", "--cluster", address]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"lifegame run: error: cannot reach the Dask scheduler at {address}: ")


# -- faults: never a hang --------------------------------------------------------------------


@pytest.mark.parametrize("direct", [True, False], ids=["scattered", "in-the-graph"])
def test_a_scheduler_with_no_worker_is_refused_then_a_lost_worker_fails_the_tasks(in_process_cluster, direct):
    lc = in_process_cluster
    with pytest.raises(ClusterUnavailable, match="has no worker") as info:
        Cluster.connect(lc.scheduler_address, timeout=1)
    assert "\n" not in str(info.value)

    lc.scale(1)
    board = random_board(64, 64, seed=9)
    with Cluster.connect(lc.scheduler_address, timeout=30, stall_timeout=1, direct=direct) as cluster:
        assert cluster.workers == 1
        with cluster.engine() as engine, FastEngine() as fast:
            assert engine.advance(board, CONWAY, 10) == fast.advance(board, CONWAY, 10)
            lc.scale(0)
            wait_until(lambda: not cluster.client.nthreads(), "the worker to leave")
            # The bands wait for a worker that never comes: the scatter times out,
            # or (bands in the graph) the watchdog fails the tasks.
            with pytest.raises(EngineError, match="no worker"):
                engine.advance(board, CONWAY, 10)


def test_a_closed_cluster_fails_its_waiting_tasks(in_process_cluster):
    lc = in_process_cluster
    lc.scale(1)
    # Bands in the graph: the tasks are submitted, and wait at the scheduler.
    with Cluster.connect(lc.scheduler_address, timeout=30, direct=False) as cluster:
        lc.scale(0)
        wait_until(lambda: not cluster.client.nthreads(), "the worker to leave")
        engine = cluster.engine()
        result: list[BaseException] = []

        def run() -> None:
            try:
                engine.advance(random_board(32, 32), CONWAY, 5)
            except BaseException as exc:  # noqa: BLE001 - the test looks at it
                result.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        wait_until(lambda: cluster.executor.in_flight, "the tasks to be submitted")
        cluster.close()
        thread.join(timeout=60)
        assert not thread.is_alive()
        assert len(result) == 1 and isinstance(result[0], EngineError)
        engine.close()


def test_a_worker_killed_mid_run_is_survived(local):
    """SIGKILL one worker while bands are in flight: Dask reruns them (or the CLI's retry does)."""
    board = random_board(1024, 1024, seed=5)
    generations = 32 * 60
    with FastEngine() as fast:
        expected = fast.advance(board, CONWAY, generations)
    pids = local.worker_pids()
    engine = local.engine()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["board"] = cli._advance(engine, board, CONWAY, generations)
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    try:
        # No fixed sleep: wait until the scheduler has bands running on the workers.
        wait_until(lambda: any(local.client.processing().values()) or not thread.is_alive(),
                   "a band to be running")
        victim = next(iter(pids.values()))
        os.kill(victim, signal.SIGKILL)
        thread.join(timeout=180)
        assert not thread.is_alive(), "the run hung after a worker died"
    finally:
        engine.close()
    if "error" in outcome:  # allowed: one line, an EngineError
        error = outcome["error"]
        assert isinstance(error, EngineError) and "\n" not in str(error), repr(error)
    else:
        assert outcome["board"] == expected
    # The nanny restarts the worker: the module's cluster has two again.
    local.client.wait_for_workers(2, timeout=60)
    wait_until(lambda: victim not in local.worker_pids().values() and len(local.worker_pids()) == 2,
               "the killed worker to be replaced")


def test_closing_a_local_cluster_leaves_no_process():
    psutil = pytest.importorskip("psutil")
    pytest.importorskip("distributed")
    with Cluster.connect("local:1", timeout=60) as cluster:
        pids = list(cluster.worker_pids().values())
        assert len(pids) == 1
    assert cluster.closed
    cluster.close()  # idempotent

    def gone() -> bool:
        return not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                       for pid in pids)

    wait_until(gone, "the worker process to exit", deadline=30)
