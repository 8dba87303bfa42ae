"""What the tests that watch processes share: the process tree below this one."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver import main")
"""Long-lived helpers of this process (they end with it): not leftovers."""


def descendants() -> dict[int, str]:
    """``{pid: command line}`` of every process below this one, but the long-lived helpers.

    Workers are children of the forkserver, not of this process, so the whole
    tree is walked.  The multiprocessing resource tracker and the forkserver
    live as long as this process (and end with it); everything else must go.
    """
    try:
        # -ww: without it ps cuts args to 80 columns off a tty, and under a long
        # venv path "forkserver" falls off the end of the line.
        out = subprocess.run(["ps", "-e", "-ww", "-o", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    except FileNotFoundError:
        pytest.skip("no ps")
    parent: dict[int, int] = {}
    args: dict[int, str] = {}
    for line in out.splitlines():
        fields = line.split(None, 2)
        if len(fields) == 3:
            parent[int(fields[0])] = int(fields[1])
            args[int(fields[0])] = fields[2]
    me = os.getpid()

    def below_me(pid: int) -> bool:
        seen = set()
        while pid in parent and pid not in seen:
            seen.add(pid)
            pid = parent[pid]
            if pid == me:
                return True
        return False

    return {
        pid: args[pid]
        for pid in parent
        if below_me(pid)
        and not args[pid].startswith("ps ")
        and not (parent[pid] == me and any(h in args[pid] for h in HELPERS))
    }


def gone(pid: int) -> bool:
    """True once no process has this pid (a zombie still has one)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # PermissionError: someone else's process reused it
        return True
    return False


def wait_until(predicate, timeout: float = 60.0) -> bool:
    """Poll ``predicate`` until it holds; the deadline is generous (a busy machine is slow, never wrong)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


_WITH_CTRL_C = """\
import runpy, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
if sys.argv[1] == "-m":
    sys.argv = sys.argv[2:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
else:
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
"""


def with_ctrl_c(argv: list[str]) -> list[str]:
    """``python -m MODULE ...`` or ``python SCRIPT ...``, run with Ctrl+C (SIGINT) turned back on.

    A test run started in the background inherits SIGINT ignored (POSIX
    shells do that to asynchronous commands, and CI may run so); a program
    started from it would never hear the Ctrl+C a test sends.
    """
    return [argv[0], "-c", _WITH_CTRL_C, *argv[1:]]
