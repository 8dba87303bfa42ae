"""The desktop app: a pygame window that is the environment of the coroutine protocol.

This package is the only one that imports pygame, and it does so lazily:
importing :mod:`lifegame.app` (as worker processes do, for
:mod:`lifegame.app.background`) never loads SDL.  The CLI calls::

    from lifegame.app import AppOptions, run_app
    status = run_app(AppOptions(pattern="glider", size=(64, 64)))

Modules: ``loop`` (the window and its main loop), ``game`` (the model:
commands, undo, speed), ``compute`` (coroutines in the loop, or the pool),
``background`` (the process pool adapter), ``input`` (events -> commands),
``view`` (cell <-> pixel arithmetic), ``render`` (boards onto Surfaces),
``hud`` (status line, help, graph), ``palette`` (bundled patterns),
``trace`` (the protocol made visible), ``bench`` (``lifegame bench --ui``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..board import Board, check_size
from ..rules import CONWAY, Rule, parse_rule_spec

__all__ = ["AppOptions", "run_app", "main", "initial_board", "NEW_FILE_SUFFIXES"]

# pygame greets on import; a command-line program should not.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

NEW_FILE_SUFFIXES = (".rle", ".cells")
"""A PATTERN with one of these suffixes that does not exist yet is a new file."""
DEFAULT_WINDOW = (1280, 800)
DEFAULT_NEW_SIZE = (64, 64)


@dataclass
class AppOptions:
    """What the window opens with (the command line's options).

    ``size`` is ``(rows, columns)``; ``window`` is ``(width, height)`` in pixels.
    ``engine`` is ``"auto"`` (coroutines in the loop for small boards, the
    process pool for large ones), ``"coroutine"`` (always in the loop), or any
    other engine name (always the pool).
    """

    pattern: str | None = None
    size: tuple[int, int] | None = None
    rule: str | None = None
    engine: str = "auto"
    workers: int | None = None
    window: tuple[int, int] | None = None


def _rule_and_torus(text: str | None) -> tuple[Rule, int | None, int | None]:
    if text is None:
        return CONWAY, None, None
    spec = parse_rule_spec(text)
    return spec.rule, spec.height, spec.width


def _default_board(options: AppOptions) -> tuple[Board, Rule]:
    """A board that fits the window with a few classics alive on it."""
    from .compute import INLINE_MAX_CELLS
    from .palette import builtin_patterns, load_entries
    from .view import BAR_HEIGHT, TOP_INSET

    rule, th, tw = _rule_and_torus(options.rule)
    win_w, win_h = options.window or DEFAULT_WINDOW
    if options.size or th:
        h, w = check_size(*(options.size or (th, tw)))
    else:
        # 10 pixels per cell: small enough for the coroutines in the loop to
        # keep the default 10 generations/s with time left for drawing.
        h, w = max(24, (win_h - BAR_HEIGHT - TOP_INSET - 48) // 10), max(24, (win_w - 48) // 10)
        while h * w > INLINE_MAX_CELLS:
            h, w = h * 9 // 10, w * 9 // 10
    board = Board(h, w)
    if options.size is None:
        shapes = builtin_patterns()
        shapes.update({e.name: e.cells for e in load_entries(limit=20)})
        picks = [("gosper-glider-gun", 0.12, 0.08), ("r-pentomino", 0.6, 0.5),
                 ("pulsar", 0.2, 0.75), ("pentadecathlon", 0.72, 0.15), ("lwss", 0.82, 0.6)]
        for name, fy, fx in picks:
            arr = shapes.get(name)
            if arr is not None and arr.shape[0] < h and arr.shape[1] < w:
                board.place(arr, int(h * fy), int(w * fx))
    return board, rule


def initial_board(options: AppOptions) -> tuple[Board, Rule, Path | None, str | None]:
    """The board, rule, file and display name the window opens with.

    Raises ``PatternError``, ``RuleError`` or ``BoardSizeError`` (all
    ``ValueError`` with a one-line message) for bad input, before any window opens.
    """
    spec = options.pattern
    if spec is None:
        board, rule = _default_board(options)
        return board, rule, None, None
    path = Path(spec).expanduser()
    if path.suffix.lower() in NEW_FILE_SUFFIXES and not path.exists():
        # A new file: an empty board that Ctrl+S will create.
        if not path.parent.is_dir():
            from ..patterns.pattern import PatternError

            raise PatternError(f"{spec}: the folder {path.parent} does not exist")
        rule, th, tw = _rule_and_torus(options.rule)
        h, w = check_size(*(options.size or ((th, tw) if th else DEFAULT_NEW_SIZE)))
        return Board(h, w), rule, path, path.name
    from ..cli import build_board
    from ..patterns import library  # type: ignore[attr-defined]

    pattern = library.resolve(spec)
    board, rule = build_board(pattern, options.size, options.rule)
    if path.is_file():
        return board, rule, path, path.name
    return board, rule, None, getattr(pattern, "name", None) or spec


def run_app(options: AppOptions) -> int:
    """Open the window and run it until it is closed; returns the exit status (0).

    Bad input raises before the window opens (see :func:`initial_board`).
    """
    board, rule, path, name = initial_board(options)
    from .loop import App  # pygame is imported here, not at package import

    app = App(options, board, rule, path=path, name=name)
    return app.run()


def main(options: AppOptions | None = None) -> int:
    """Alias of :func:`run_app` taking the CLI's options (``AppOptions()`` by default)."""
    return run_app(options or AppOptions())

