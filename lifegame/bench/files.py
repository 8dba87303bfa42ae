"""``lifegame bench`` for pattern files: time and peak memory of reading hostile files and of large saves.

Each case runs in a fresh Python process (``python -c``), so that its peak
resident memory (``ru_maxrss``, which includes the interpreter and numpy,
about 40 MB) is its own.  The files are made in a temporary folder: the
issue's table of hostile files (a small RLE without a header claiming a
1048576 x 256 block, a 64 MiB body under a 16384 x 16384 header, Life 1.05
and 1.06 files of tens of MiB, coordinates beyond int64), the largest board
written by lifegame (16384 x 16384, sparse and 5% dense), and saves of an
8192 x 8192 random board in every format.  Figures are printed, never
asserted.

Hook: :func:`bench_files` (``quick=True`` leaves out the cases of 64 MiB and
the 16384 x 16384 dense board).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["bench_files", "hostile_files", "measure_read", "measure_save"]

_READ = r"""
import json, resource, sys, time
from lifegame.patterns import PatternError, read_pattern
start = time.perf_counter()
try:
    p = read_pattern(sys.argv[1])
    outcome = f"read: {p.width} x {p.height}, {p.population:,} live cells"
except PatternError as err:
    outcome = "refused: " + str(err)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "outcome": outcome}))
"""

_SAVE = r"""
import json, os, resource, sys, time
from lifegame.patterns import Pattern, PatternError, write_pattern
from lifegame.start import starting_board
side, density, path = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
board, rule = starting_board(size=(side, side), density=density, seed=1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
try:
    write_pattern(path, Pattern.from_board(board, rule))
    outcome = f"{os.path.getsize(path) / (1 << 20):.1f} MiB written"
except PatternError as err:
    outcome = "refused: " + str(err)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "board_mb": before, "outcome": outcome}))
"""


def _run(script: str, *args: str) -> dict:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
                          timeout=600)
    if done.returncode != 0 and "PatternError" in done.stderr:
        last = done.stderr.strip().splitlines()[-1].split("PatternError: ", 1)[-1]
        return {"seconds": float("nan"), "peak_mb": float("nan"), "outcome": f"refused: {last}"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"seconds": float("nan"), "peak_mb": float("nan"), "outcome": f"FAILED (exit {done.returncode}): {last}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_read(path: str | os.PathLike[str]) -> dict:
    """``{"seconds", "peak_mb", "outcome"}`` of ``read_pattern(path)`` in a fresh process."""
    return _run(_READ, str(path))


def measure_save(path: str | os.PathLike[str], side: int, density: float) -> dict:
    """``{"seconds", "peak_mb", "board_mb", "outcome"}`` of saving a random ``side``² board to ``path``."""
    return _run(_SAVE, str(side), str(density), str(path))


def _write_repeated(path: Path, head: bytes, unit: bytes, total: int, tail: bytes = b"") -> None:
    block = unit * max(1, (1 << 20) // len(unit))
    with open(path, "wb") as f:
        f.write(head)
        written = len(head)
        while written + len(block) <= total - len(tail):
            f.write(block)
            written += len(block)
        rest = (total - len(tail) - written) // len(unit)
        f.write(unit * max(0, rest))
        f.write(tail)


def hostile_files(folder: Path, quick: bool = False) -> list[tuple[str, Path]]:
    """Make the issue's hostile files in ``folder``: ``[(description, path)]``."""
    mib = 1 << 20
    cases = []
    p = folder / "headerless.rle"
    p.write_bytes(b"1048576o$" * 255 + b"1048576o!\n")
    cases.append(("2,305-byte RLE without a header (1048576 x 256 live)", p))
    p = folder / "bo-body.rle"
    _write_repeated(p, b"x = 16384, y = 16384\n", b"bo", (8 if quick else 64) * mib - 16, b"!\n")
    cases.append((f"{8 if quick else 64} MiB RLE, header 16384 x 16384, body 'bo'...", p))
    for size in ((4,) if quick else (4, 16, 64)):
        p = folder / f"stars-{size}.lif"
        _write_repeated(p, b"#Life 1.05\n", b"*" * 80 + b"\n", size * mib - 16)
        cases.append((f"Life 1.05, {size} MiB of 80-'*' lines", p))
        p = folder / f"star-{size}.lif"
        _write_repeated(p, b"#Life 1.05\n", b"*\n", size * mib - 16)
        cases.append((f"Life 1.05, {size} MiB of '*' lines", p))
    p = folder / "zeros.lif"
    _write_repeated(p, b"#Life 1.06\n", b"0 0\n", (8 if quick else 64) * mib - 16)
    cases.append((f"Life 1.06, {8 if quick else 64} MiB of '0 0' lines", p))
    p = folder / "int64.lif"
    p.write_bytes(b"#Life 1.06\n9223372036854775807 0\n-1 0\n")
    cases.append(("Life 1.06, '9223372036854775807 0' and '-1 0'", p))
    return cases


def bench_files(quick: bool = False, folder: str | os.PathLike[str] | None = None) -> list[tuple[str, dict]]:
    """Print (and return) time and peak memory of each hostile read and large save, one process each."""
    results: list[tuple[str, dict]] = []

    def show(name: str, figures: dict) -> None:
        results.append((name, figures))
        outcome = figures["outcome"]
        outcome = outcome if len(outcome) <= 90 else outcome[:87] + "..."
        print(f"  {name:<55} {figures['seconds']:7.2f} s {figures['peak_mb']:8.0f} MB  {outcome}", flush=True)

    with tempfile.TemporaryDirectory(prefix="lifegame-bench-", dir=folder) as tmp:
        tmp = Path(tmp)
        print("pattern files: reading (time, peak resident memory of the process, outcome)")
        # Boards written by lifegame itself, the largest allowed.
        sides = [(16384, 0.0001, "16384² board, 0.01% live")] + ([] if quick else [(16384, 0.05, "16384² board, 5% live")])
        boards = []
        for side, density, label in sides:
            path = tmp / f"board-{side}-{density}.rle"
            made = measure_save(path, side, density)
            boards.append((f"{label} ({made['outcome'].split(' written')[0]})", path))
        for name, path in boards + hostile_files(tmp, quick):
            show(name, measure_read(path))
        print("pattern files: saving a random board (time of write_pattern, peak memory with the board)")
        side = 4096 if quick else 8192
        small = 2000 if quick else 8000  # 8192² as .cells is over 64 MiB
        for ext, size, density in ((".rle", side, 0.5), (".cells", side, 0.5), (".cells", small, 0.5),
                                   (".lif", side, 0.5), (".lif", side, 0.05)):
            path = tmp / f"save{ext}"
            show(f"{size}² at {density:.0%} as {ext}", measure_save(path, size, density))
            path.unlink(missing_ok=True)
    return results


if __name__ == "__main__":
    bench_files(quick="--quick" in sys.argv)
