"""The ``lifegame`` command.

::

    lifegame [PATTERN] [--size HxW] [--rule RULE] [--engine E] [--workers N] [--window WxH]
    lifegame run [PATTERN] [--size HxW] [--at Y,X] [--rule RULE] [--generations N]
                 [--engine E] [--workers N] [--random DENSITY] [--seed S]
                 [--print-every K] [--output FILE] [--cluster local:N|tcp://HOST:PORT]
                 [--gif FILE.gif [--cell-size PX] [--every K]]
    lifegame identify PATTERN [--size HxW] [--rule RULE] [--max-period N]
    lifegame patterns
    lifegame bench [--quick] [--ui] ...

With no sub-command it opens the desktop app (imported lazily, so ``run`` and
``patterns`` never load pygame).  Bad input exits with status 2 and one line
on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from typing import NoReturn

from .board import Board, BoardSizeError, check_size
from .rules import RuleBase

__all__ = ["main", "UsageError"]

PROG = "lifegame"
SUBCOMMANDS = ("run", "identify", "patterns", "bench")


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage block before its message; a user (and a
    # script reading stderr) gets one line instead, with --help for the rest.
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# -- argument types -----------------------------------------------------------
def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX×*,]\s*(\d+)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"size {text!r} must be ROWSxCOLUMNS, e.g. 64x64")
    try:
        return check_size(int(m[1]), int(m[2]))
    except BoardSizeError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _window(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX×*,]\s*(\d+)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"window {text!r} must be WIDTHxHEIGHT in pixels, e.g. 1280x800")
    if not (100 <= int(m[1]) <= 16384 and 100 <= int(m[2]) <= 16384):
        raise argparse.ArgumentTypeError(f"window {text!r}: each side must be 100 to 16384 pixels")
    return int(m[1]), int(m[2])


def _at(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(-?\d+)\s*,\s*(-?\d+)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"position {text!r} must be Y,X, e.g. 10,20")
    return int(m[1]), int(m[2])


def _nonneg(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def _positive(text: str) -> int:
    value = _nonneg(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _density(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"density {text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"density {text!r} must be between 0 and 1")
    return value


def _workers(text: str) -> int:
    value = _positive(text)
    if value > 256:
        raise argparse.ArgumentTypeError(f"{value} workers is more than this program will start (256)")
    return value


def _cell_size(text: str) -> int:
    value = _positive(text)
    if value > 64:
        raise argparse.ArgumentTypeError(f"a cell size of {value} px is more than this program draws (64)")
    return value


def _cluster(text: str):  # -> ClusterSpec
    from .engines.cluster import parse_spec

    try:
        return parse_spec(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _engine_names() -> tuple[str, ...]:
    from .engines import engine_names

    return engine_names()


def _add_board_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", nargs="?", metavar="PATTERN",
                        help="a pattern file (.rle, .cells, .lif, .life) or a bundled pattern's name")
    parser.add_argument("--size", type=_size, metavar="HxW", help="board size in rows x columns, e.g. 256x256")
    parser.add_argument("--rule", metavar="RULE",
                        help="a rule: B3/S23 (default, or the file's), HighLife, B2n3/S23-q, 345/2/4, "
                             "LifeHistory, B36/S23:T64,64 ...")
    parser.add_argument("--engine", default="auto", choices=_engine_names(),
                        help="what computes generations (default: auto)")
    parser.add_argument("--workers", type=_workers, metavar="N",
                        help="worker processes for large boards (default: the engine's choice)")


def _parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    app = _Parser(prog=PROG, description="Conway's Game of Life on a torus. Opens a window; "
                  f"sub-commands {', '.join(SUBCOMMANDS)} work without one (see 'lifegame run --help').")
    _add_board_options(app)
    app.add_argument("--window", type=_window, metavar="WxH", help="window size in pixels, e.g. 1280x800")
    app.add_argument("--version", action="version", version=f"%(prog)s {_version()}")

    run = _Parser(prog=f"{PROG} run", description="Compute generations without a window and print the result. "
                  "The last line of output is 'generation N population P'.")
    _add_board_options(run)
    run.add_argument("--at", type=_at, metavar="Y,X", help="top-left corner of the pattern (default: centred)")
    run.add_argument("--generations", type=_nonneg, default=0, metavar="N", help="generations to compute (default 0)")
    run.add_argument("--random", type=_density, metavar="DENSITY",
                     help="fill the board at random with this density (before stamping PATTERN)")
    run.add_argument("--seed", type=_nonneg, metavar="S", help="random seed for --random (default: unpredictable)")
    run.add_argument("--print-every", type=_positive, metavar="K",
                     help="print the board at generation 0 and every K generations (rows of * and -)")
    run.add_argument("--output", metavar="FILE", help="write the final board to FILE (.rle, .cells, .lif or .life)")
    run.add_argument("--cluster", type=_cluster, metavar="SPEC",
                     help="compute the bands on a Dask cluster: local:N (N worker processes here) or the "
                          "address of a running 'dask scheduler', tcp://HOST:PORT "
                          "(needs pip install 'lifegame[cluster]')")
    run.add_argument("--gif", metavar="FILE", help="write the run as an animated GIF (generation 0 and every "
                     "--every generations, and the last)")
    run.add_argument("--cell-size", type=_cell_size, metavar="PX",
                     help="pixels per cell in the GIF (default: the largest that keeps it within 800 px, at least 1)")
    run.add_argument("--every", type=_positive, metavar="K", help="a GIF frame every K generations (default 1)")

    identify = _Parser(prog=f"{PROG} identify", description="Say what a pattern is on its torus: still life, "
                       "oscillator (period), spaceship (period, displacement, speed), dies out, or no period "
                       "within --max-period generations.")
    identify.add_argument("pattern", metavar="PATTERN",
                          help="a pattern file (.rle, .cells, .lif, .life) or a bundled pattern's name")
    identify.add_argument("--size", type=_size, metavar="HxW",
                          help="board size in rows x columns (default: the file's, or the pattern with a margin)")
    identify.add_argument("--rule", metavar="RULE", help="a rule (default: the file's, else B3/S23)")
    identify.add_argument("--max-period", type=_positive, default=None, metavar="N",
                          help="generations to look through for a repeat (default 1000)")

    patterns = _Parser(prog=f"{PROG} patterns", description="List the bundled patterns.")

    bench = _Parser(prog=f"{PROG} bench", description="Print speed figures (medians of repeats, and ratios "
                    "measured in the same run).")
    bench.add_argument("--quick", action="store_true", help="smaller boards and fewer repeats")
    bench.add_argument("--repeats", type=_positive, default=None, metavar="N", help="repeats per figure")
    bench.add_argument("--only", choices=("coroutine", "engines", "rules", "hashlife", "cluster", "ui"),
                       action="append",
                       help="run only these parts (default: coroutine, engines, rules and hashlife, and cluster "
                            "when Dask's distributed is installed)")
    bench.add_argument("--ui", action="store_true", help="also run the window benchmark (same as --only ui)")
    return app, {"run": run, "identify": identify, "patterns": patterns, "bench": bench}


def _version() -> str:
    from . import __version__

    return __version__


# -- the pattern ---------------------------------------------------------------
def _load_pattern(spec: str):  # -> Pattern
    from .patterns import library

    return library.resolve(spec)


# -- sub-commands ---------------------------------------------------------------
def _cmd_run(args: argparse.Namespace) -> int:
    from .progress import ProgressLine
    from .start import starting_board

    # Options that would be silently ignored are mistakes worth a line.
    if args.at is not None and not args.pattern:
        raise UsageError("--at places a PATTERN, and none was given")
    if args.seed is not None and args.random is None:
        raise UsageError("--seed is the seed of --random, which was not given")
    if args.output is not None:
        _check_output(args.output)
    if args.gif is None and (args.cell_size is not None or args.every is not None):
        raise UsageError(f"{'--cell-size' if args.cell_size is not None else '--every'} is an option of --gif, "
                         "which was not given")
    if args.gif is not None:
        _check_gif(args.gif)
    if args.cluster is not None:
        _check_cluster(args)
    out = sys.stdout
    # The engine first: a pool it will need starts in the background while
    # the pattern is read and the board is made.
    progress = ProgressLine(sys.stderr, args.generations)  # on a terminal only, after a second

    def restarted(restart) -> None:  # restart: engines.pool.Restart
        progress.close()  # wipe a progress line first (it is drawn again on the next report)
        print(f"{PROG} run: {restart.message(progress.offset)}", file=sys.stderr, flush=True)

    interrupt = threading.Event()  # set by Ctrl+C where an engine must not be interrupted mid-call
    with _run_engine(args, on_restart=restarted, interrupt=interrupt) as engine:
        pattern = _load_pattern(args.pattern) if args.pattern else None
        try:
            board, rule = starting_board(pattern, size=args.size, rule=args.rule, at=args.at,
                                         density=args.random, seed=args.seed)
        except BoardSizeError as err:
            if pattern is None:
                raise
            raise BoardSizeError(f"{os.path.basename(args.pattern)}: {err}") from None
        engine.check(board.shape, rule)  # e.g. hashlife and a side that is not a power of two: one line, exit 2
        gif = _open_gif(args, board, rule) if args.gif is not None else None
        with (gif or contextlib.nullcontext()), contextlib.closing(progress):
            generation = 0
            every = args.print_every
            frame_every = (args.every or 1) if gif is not None else None
            if every:
                out.write(board.to_text() + "\n\n")
            if gif is not None:
                gif.add(board)
            while generation < args.generations:
                # Stop at each multiple of --print-every and of --every, and at the end.
                stop = min([args.generations, *((generation // k + 1) * k for k in (every, frame_every) if k)])
                progress.offset = generation
                board = _advance(engine, board, rule, stop - generation, progress, interrupt)
                generation = stop
                if every and (generation % every == 0 or generation == args.generations):
                    out.write(board.to_text() + "\n\n")
                if gif is not None and (generation % frame_every == 0 or generation == args.generations):
                    gif.add(board)
    if args.output:
        _write_output(args, pattern, board, rule, generation)
    out.write(f"generation {generation} population {board.population()}\n")
    out.flush()
    return 0


def _check_gif(path: str) -> None:
    """Refuse a ``--gif`` that could not be written, before any generation is computed."""
    if not path.strip():
        raise UsageError("--gif needs a file name")
    if os.path.isdir(path):
        raise UsageError(f"--gif {path!r} is a folder")
    name = os.path.basename(path).lower()
    if not name.endswith(".gif") or name == ".gif":
        raise UsageError(f"--gif {path!r}: the file name must end in .gif" if name != ".gif"
                         else f"--gif {path!r}: the file needs a name before .gif")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"--gif {path!r}: folder {folder!r} does not exist")
    if os.path.exists(path) and not os.path.isfile(path):
        raise UsageError(f"--gif {path!r} is not a regular file")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--gif {path!r}: cannot write in folder {folder!r}")


def _open_gif(args: argparse.Namespace, board: Board, rule: RuleBase):  # -> GifRecorder
    """The recorder of ``--gif`` (a colour per state of ``rule``); refuses a board too large for a GIF first."""
    from .gif import MAX_GIF_SIDE, GifError, GifRecorder, default_cell_size

    size = args.cell_size or default_cell_size(*board.shape)
    if max(board.shape) * size > MAX_GIF_SIDE:
        raise UsageError(f"--gif: a {board.height}x{board.width} board at {size} px a cell is larger than a GIF "
                         f"can be ({MAX_GIF_SIDE} px a side)")
    try:
        return GifRecorder(args.gif, cell_size=size, rule=rule)
    except GifError as err:
        raise UsageError(str(err)) from None


def _cmd_identify(args: argparse.Namespace) -> int:
    from .identify import DEFAULT_MAX_PERIOD, identify
    from .start import starting_board

    pattern = _load_pattern(args.pattern)
    try:
        board, rule = starting_board(pattern, size=args.size, rule=args.rule)
    except BoardSizeError as err:
        raise BoardSizeError(f"{os.path.basename(args.pattern)}: {err}") from None
    print(identify(board, rule, args.max_period or DEFAULT_MAX_PERIOD), flush=True)
    return 0


@contextlib.contextmanager
def _run_engine(args: argparse.Namespace, on_restart=None,
                interrupt: threading.Event | None = None) -> Iterator:  # -> Iterator[Engine]
    """The engine of ``lifegame run``, closed on leaving (with the pool or the cluster it computes on).

    With a cluster, Ctrl+C sets ``interrupt`` (see :func:`_interrupt_as_cancel`)
    rather than raising inside Dask; :func:`_advance` turns it into the
    KeyboardInterrupt.
    """
    if args.cluster is not None:
        with _interrupt_as_cancel(interrupt or threading.Event()) as interrupted:
            yield from _cluster_engine(args, interrupted)
        return
    yield from _pool_engine(args, on_restart)


def _cluster_engine(args: argparse.Namespace, interrupted: threading.Event) -> Iterator:
    from .engines.bands import COROUTINE_BANDS, FAST_BANDS
    from .engines.cluster import Cluster, ClusterNotInstalled, ClusterUnavailable

    kernel = COROUTINE_BANDS if args.engine == "coroutine" else FAST_BANDS
    try:
        cluster = Cluster.connect(args.cluster)
    except ClusterNotInstalled:
        raise UsageError(CLUSTER_HINT) from None
    except ClusterUnavailable as err:
        raise UsageError(str(err)) from None
    # Leaving (normally, by an error, Ctrl+C or SIGTERM) closes the client
    # and stops the worker processes of a local:N cluster.
    with cluster, cluster.engine(kernel) as engine:
        if interrupted.is_set():  # Ctrl+C while the cluster was starting
            raise KeyboardInterrupt
        yield engine


def _pool_engine(args: argparse.Namespace, on_restart) -> Iterator:
    from .engines import POOL_MIN_CELLS, default_workers_for, make_engine
    from .engines.pool import WorkerPool

    workers = args.workers or default_workers_for(args.engine)
    # The pool's one owner: leaving this block (normally, by an error, Ctrl+C
    # or SIGTERM) stops its processes.  No window shares this process, so the
    # workers need not give way to it (niceness 0).
    with WorkerPool(workers, niceness=0, on_restart=on_restart) as pool:
        size = args.size
        if workers > 1 and (args.workers or (size is not None and size[0] * size[1] >= POOL_MIN_CELLS)):
            pool.start()  # forks in the background; the first batch finds the workers warm
        engine = make_engine(args.engine, pool)
        try:
            yield engine
        finally:
            engine.close()


CLUSTER_HINT = "--cluster needs Dask's distributed: pip install 'lifegame[cluster]'"


def _check_cluster(args: argparse.Namespace) -> None:
    """``--cluster`` refuses what it would ignore, and says how to get Dask when it is missing."""
    if args.workers is not None:
        raise UsageError("--cluster and --workers do not go together: the cluster's workers compute")
    if args.engine not in ("auto", "fast", "coroutine"):
        raise UsageError(f"--cluster runs the fast or the coroutine engine, not {args.engine!r}")
    from .engines.cluster import ClusterNotInstalled, require_distributed

    try:
        require_distributed()
    except ClusterNotInstalled:
        raise UsageError(CLUSTER_HINT) from None


@contextlib.contextmanager
def _interrupt_as_cancel(event: threading.Event) -> Iterator[threading.Event]:
    """Within the block, the first Ctrl+C sets ``event`` instead of raising; a second one raises at once.

    Used around a Dask cluster: a KeyboardInterrupt raised inside one of
    distributed's synchronous calls leaves callbacks half made on its event
    loop, which then log tracebacks.  With the event the engine stops at its
    next look at ``cancel`` (a fraction of a second) and :func:`_advance`
    raises the KeyboardInterrupt outside Dask.  A SIGINT that is ignored (a
    job started in the background) stays ignored.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield event
        return

    def on_sigint(signum: int, frame: object) -> None:
        event.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl+C does not wait

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield event
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _advance(engine, board: Board, rule: RuleBase, generations: int, progress=None,
             interrupt: threading.Event | None = None) -> Board:
    """``engine.advance`` for the run (one place, so that tests can stand in for a failing engine).

    The parallel engine survives dead workers by itself: it restarts the pool
    and resumes from its last completed batch (the pool's ``on_restart``, set
    by :func:`_run_engine`, prints a line for each), and gives up -- an
    :class:`~.engines.base.EngineError`, one line, exit 1 -- only when workers
    keep dying with no batch completed in between.

    ``interrupt`` is the engine's ``cancel``; once set (Ctrl+C, see
    :func:`_interrupt_as_cancel`) the advance ends in a KeyboardInterrupt.
    """
    from .engines.base import JobCancelled

    try:
        board = engine.advance(board, rule, generations, cancel=interrupt, progress=progress)
    except JobCancelled:
        if interrupt is not None and interrupt.is_set():
            raise KeyboardInterrupt from None
        raise
    if interrupt is not None and interrupt.is_set():
        raise KeyboardInterrupt
    return board


def _resolve_links(path: str) -> str:
    """``path`` with its symbolic links followed, as a save will follow them; a loop is a :class:`UsageError`.

    A dangling link resolves to the file it names (which the save creates).
    """
    target = os.path.abspath(path)
    seen: set[str] = set()
    while os.path.islink(target):
        if target in seen or len(seen) >= 40:
            raise UsageError(f"--output {path!r}: its symbolic links go round in a loop")
        seen.add(target)
        target = os.path.join(os.path.dirname(target), os.readlink(target))
        target = os.path.join(os.path.realpath(os.path.dirname(target)), os.path.basename(target))
    return os.path.join(os.path.realpath(os.path.dirname(target)), os.path.basename(target))


def _check_output(path: str) -> None:
    """Refuse an ``--output`` that could not be written, before any generation is computed.

    Symbolic links are followed first, as the save follows them: the checks
    are about the file that would really be written.
    """
    if not path.strip():
        raise UsageError("--output needs a file name")
    if os.path.isdir(path):
        raise UsageError(f"--output {path!r} is a folder")
    from .patterns import WRITE_EXTENSIONS

    name = os.path.basename(path).lower()
    if name in WRITE_EXTENSIONS:
        raise UsageError(f"--output {path!r}: the file needs a name before {name}")
    if os.path.splitext(name)[1] not in WRITE_EXTENSIONS:
        raise UsageError(f"--output {path!r}: the file name must end in {', '.join(WRITE_EXTENSIONS[:-1])} "
                         f"or {WRITE_EXTENSIONS[-1]}")
    target = _resolve_links(path)
    shown = f"{path!r}" if target == os.path.abspath(path) else f"{path!r} (a link to {target!r})"
    if os.path.isdir(target):
        raise UsageError(f"--output {shown} is a folder")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise UsageError(f"--output {shown}: folder {folder!r} does not exist")
    if os.path.exists(target) and not os.path.isfile(target):
        raise UsageError(f"--output {shown} is not a regular file")
    try:  # the save itself writes a temporary file there, then renames it
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".lifegame-", suffix=".tmp")
    except OSError as err:
        raise UsageError(f"--output {shown}: cannot write in folder {folder!r}: {err.strerror}") from None
    os.close(fd)
    os.unlink(probe)


def _write_output(args: argparse.Namespace, pattern, board: Board, rule: RuleBase, generation: int) -> None:
    """Write the final board, keeping the source's name, author and comments (its credits)."""
    from .patterns import Pattern, write_pattern

    source = args.pattern or (f"a random board (density {args.random})" if args.random else "an empty board")
    note = f"generation {generation} of {source}, written by lifegame run"
    if pattern is None:
        write_pattern(args.output, Pattern.from_board(board, rule, comments=(note,)))
        return
    saved = Pattern.from_board(board, rule, name=pattern.name or os.path.splitext(os.path.basename(args.pattern))[0],
                               comments=[*pattern.comments, note])
    saved.author = pattern.author
    write_pattern(args.output, saved)


def _cmd_patterns(args: argparse.Namespace) -> int:
    from .patterns import library

    entries = library.describe()
    width = max(len(name) for name, _ in entries)
    for name, description in entries:
        print(f"{name:<{width}}  {description}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench import run as run_bench
    from .bench.cluster import cluster_available

    parts = set(args.only or ("coroutine", "engines", "rules", "hashlife",
                              *(("cluster",) if cluster_available() else ())))
    if args.ui:
        parts.add("ui")
    return run_bench(parts, quick=args.quick, repeats=args.repeats)


def _cmd_app(args: argparse.Namespace) -> int:
    from .app import AppOptions, run_app

    return run_app(AppOptions(
        pattern=args.pattern, size=args.size, rule=args.rule, engine=args.engine,
        workers=args.workers, window=args.window,
    ))


class _Terminated(BaseException):
    """SIGTERM arrived: unwind (closing pools and shared memory) and exit 143.

    A BaseException, like KeyboardInterrupt, so that no ``except Exception``
    on the way (an engine's error handling) can swallow it.
    """


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated()


_VALUE_OPTIONS = ("--at", "--size")


def _glue_negative_values(argv: list[str]) -> list[str]:
    """``--at -5,-5`` as ``--at=-5,-5``: argparse takes a value starting with "-" for an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in _VALUE_OPTIONS and i + 1 < len(argv) and re.match(r"-\d", argv[i + 1]):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lifegame`` console script; returns the exit status."""
    argv = _glue_negative_values(list(sys.argv[1:] if argv is None else argv))
    prog = PROG
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app, subparsers = _parsers()
        if argv and argv[0] in subparsers:
            prog = f"{PROG} {argv[0]}"
            name = argv.pop(0)
            args = subparsers[name].parse_args(argv)
            command = {"run": _cmd_run, "identify": _cmd_identify, "patterns": _cmd_patterns,
                       "bench": _cmd_bench}[name]
        else:
            args = app.parse_args(argv)
            command = _cmd_app
        return command(args)
    except BrokenPipeError:  # `lifegame run ... | head`
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return 0
    except (UsageError, ValueError, OSError) as err:  # PatternError, RuleError, BoardSizeError are ValueErrors
        _fail(prog, err)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print(f"{prog}: terminated", file=sys.stderr)
        return 143
    except Exception as err:  # an engine failure: still one line, but not "bad input"
        from .engines.base import EngineError

        if isinstance(err, EngineError):
            _fail(prog, err)
            return 1
        raise


def _fail(prog: str, err: BaseException) -> None:
    if isinstance(err, OSError) and err.filename is not None:
        message = f"{err.filename}: {err.strerror or err}"
    else:
        message = str(err) or type(err).__name__
    message = " ".join(message.split())  # always one line
    print(f"{prog}: error: {message}", file=sys.stderr)
