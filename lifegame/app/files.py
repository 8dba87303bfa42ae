"""Files and starting boards for the window: what it opens with, opens, drops and saves.  No pygame.

Every board that comes from a pattern is made by :func:`lifegame.start.starting_board`,
exactly as ``lifegame run`` makes it, so a file gives the same board (size and
position) from the command line, the window's open and a drop on the window.

:func:`initial_board`   the board, rule, file and name the window opens with
                        (a pattern, a new file, or the window's own default board)
:func:`open_pattern`    a pattern file as a board, for the window's open and drop
:class:`Credits`        the name, author and comments of the board's file, kept by a save
:func:`save_board`      write a board (RLE, ``.cells`` or Life 1.06 by extension, atomically);
                        in two halves for a save in the background: :func:`snapshot_for_save`
                        (the window's thread) and :func:`write_snapshot` (any thread)
:func:`can_write`       whether lifegame writes a file's format (a Ctrl+S straight to it)
:func:`save_problem`    why a typed file name cannot be saved to, or ``None``
:func:`new_file_name`   a free ``name.rle`` for a board that has no file yet
:func:`screenshot_name` a fresh ``lifegame-YYYYmmdd-HHMMSS.png``
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..board import Board
from ..rules import RuleBase, parse_rule_spec
from ..start import starting_board

if TYPE_CHECKING:
    from ..patterns import Pattern
    from .options import AppOptions

__all__ = [
    "NEW_FILE_SUFFIXES", "DEFAULT_WINDOW", "CELL_PIXELS", "DEFAULT_MAX_CELLS", "DEFAULT_PICKS",
    "initial_board", "default_board", "open_pattern", "Opened",
    "Credits", "save_board", "snapshot_for_save", "write_snapshot", "can_write", "save_problem", "new_file_name", "screenshot_name",
]

NEW_FILE_SUFFIXES = (".rle", ".cells", ".lif", ".life")
"""A PATTERN with one of these suffixes that does not exist yet is a new file."""
DEFAULT_WINDOW = (1280, 800)
"""Pixels (width, height) of the window when none is asked for."""
CELL_PIXELS = 10
"""Pixels per cell of the default board: small enough for the coroutines in
the loop to keep the default 10 generations/s with time left for drawing."""
DEFAULT_MAX_CELLS = 128 * 128
"""The largest window-fitted default board (the coroutines compute a 128x128
generation in ~50 ms: ~10 generations/s a slice per frame)."""
DEFAULT_PICKS: tuple[tuple[str, float, float], ...] = (
    ("gosper-glider-gun", 0.12, 0.08), ("r-pentomino", 0.6, 0.5), ("pulsar", 0.2, 0.75),
    ("pentadecathlon", 0.72, 0.15), ("lwss", 0.82, 0.6),
)
"""The classics alive on the default board: (name, top, left) as fractions of the board."""


def default_board(options: AppOptions, max_cells: int = DEFAULT_MAX_CELLS) -> tuple[Board, RuleBase]:
    """The window's own board when no pattern is given: it fits the window, with a few classics on it.

    The empty board comes from :func:`starting_board` (so ``--size`` and the
    rule's ``:T`` torus are checked as everywhere else); the classics are
    stamped only when no ``--size`` was given.  ``max_cells`` caps a
    window-fitted board (the largest the coroutines run in the loop).
    """
    from .palette import builtin_patterns, load_entries
    from .view import BAR_HEIGHT, TOP_INSET

    torus = options.rule is not None and parse_rule_spec(options.rule).height is not None
    if options.size is not None or torus:
        board, rule = starting_board(None, size=options.size, rule=options.rule)
    else:
        win_w, win_h = options.window or DEFAULT_WINDOW
        h = max(24, (win_h - BAR_HEIGHT - TOP_INSET - 48) // CELL_PIXELS)
        w = max(24, (win_w - 48) // CELL_PIXELS)
        while h * w > max_cells:
            h, w = h * 9 // 10, w * 9 // 10
        board, rule = starting_board(None, size=(h, w), rule=options.rule)
    if options.size is None:
        h, w = board.shape
        shapes = builtin_patterns()
        shapes.update({e.name: e.cells for e in load_entries(limit=20)})
        for name, fy, fx in DEFAULT_PICKS:
            cells = shapes.get(name)
            if cells is not None and cells.shape[0] < h and cells.shape[1] < w:
                board.place(cells, int(h * fy), int(w * fx))
    return board, rule


def initial_board(options: AppOptions, max_cells: int = DEFAULT_MAX_CELLS) -> tuple[Board, RuleBase, Path | None, str | None]:
    """The board, rule, file and display name the window opens with.

    ``options.pattern`` is a file (read), a new ``.rle``/``.cells`` file (an
    empty board that Ctrl+S creates), a bundled pattern's name, or ``None``
    (:func:`default_board`).  Raises ``PatternError``, ``RuleError`` or
    ``BoardSizeError`` (all ``ValueError`` with a one-line message) for bad
    input, before any window opens.
    """
    spec = options.pattern
    if spec is None:
        board, rule = default_board(options, max_cells)
        return board, rule, None, None
    path = Path(spec).expanduser()
    if path.suffix.lower() in NEW_FILE_SUFFIXES and not path.exists():
        if not path.parent.is_dir():
            from ..patterns import PatternError

            raise PatternError(f"{spec}: the folder {path.parent} does not exist")
        board, rule = starting_board(None, size=options.size, rule=options.rule)
        return board, rule, path, path.name
    from ..patterns import library

    pattern = library.resolve(spec)
    board, rule = starting_board(pattern, size=options.size, rule=options.rule)
    if path.is_file():
        return board, rule, path, path.name
    return board, rule, None, pattern.name or spec


@dataclass(frozen=True)
class Opened:
    """A pattern file read for the window: the board to show and what it came from."""

    path: Path
    pattern: Pattern
    board: Board
    rule: RuleBase


def open_pattern(path: Path) -> Opened:
    """Read ``path`` and make its board as ``lifegame run`` would.

    Raises ``PatternError`` or ``BoardSizeError`` (one line each).
    """
    from ..patterns import read_pattern

    pattern = read_pattern(path)
    board, rule = starting_board(pattern)
    return Opened(path, pattern, board, rule)


class Credits:
    """The name, author and comments of the file a board belongs to, kept when it is saved.

    Keyed on the file: after an undone open the board belongs to the earlier
    file again, and so do the credits.  A file is read (once) only when a save
    needs its credits.
    """

    def __init__(self) -> None:
        self._source: tuple[Path | None, Pattern | None] | None = None

    def remember(self, path: Path, pattern: Pattern) -> None:
        """``pattern`` was just read from ``path``: no need to read it again."""
        self._source = (path, pattern)

    def of(self, path: Path | None) -> Pattern | None:
        """The pattern ``path`` holds (for its credits), or ``None``."""
        if self._source is None or self._source[0] != path:
            self._source = (path, None)
            if path is not None and path.is_file():
                from ..patterns import read_pattern

                try:
                    self._source = (path, read_pattern(path))
                except Exception:  # noqa: BLE001 - no credits to keep, the save goes on
                    pass
        return self._source[1]


def save_board(target: Path, board: Board, rule: RuleBase, source: Pattern | None) -> None:
    """Write ``board`` to ``target`` (atomically; RLE, ``.cells`` or Life 1.06 by its extension).

    ``source`` is the pattern of the board's own file: its name, author and
    comments are kept.  Raises ``PatternError`` when the file cannot be written.
    """
    write_snapshot(target, snapshot_for_save(target, board, rule, source))


def snapshot_for_save(target: Path, board: Board, rule: RuleBase, source: Pattern | None) -> Pattern:
    """What a save of ``board`` to ``target`` writes: a copy of its cells, with the credits of
    ``source`` (its name, author and comments).  Cheap enough for the window's thread (a copy)."""
    from ..patterns import Pattern

    saved = Pattern.from_board(
        board, rule,
        name=(source.name if source is not None and source.name else target.stem),
        comments=list(source.comments) if source is not None else [],
    )
    saved.author = source.author if source is not None else None
    return saved


def write_snapshot(target: Path, pattern: Pattern, progress: Callable[[float], object] | None = None) -> None:
    """Write a :func:`snapshot_for_save` (in any thread: it shares nothing with the board);
    ``progress(fraction)`` is told as the rows are written.  Raises ``PatternError``."""
    from ..patterns import write_pattern

    write_pattern(target, pattern, progress=progress)


def _write_extensions() -> tuple[str, ...]:
    from ..patterns.io import WRITE_EXTENSIONS

    return tuple(WRITE_EXTENSIONS)


def can_write(path: Path) -> bool:
    """True when lifegame writes ``path``'s format (RLE, ``.cells``, Life 1.06), by its extension."""
    return path.suffix.lower() in _write_extensions()


def save_problem(path: Path) -> str | None:
    """Why a board cannot be saved to ``path`` (one line), or ``None`` when it can."""
    if not path.name or not path.stem:
        return "type a file name"
    if not can_write(path):
        exts = ", ".join(_write_extensions())
        return f"lifegame writes {exts} files; {path.suffix or 'no extension'} is not one of them"
    if path.is_dir():
        return f"{path.name} is a folder"
    if not path.parent.is_dir():
        return f"there is no folder {path.parent}"
    return None


def new_file_name(name: str | None, folder: Path | None = None) -> Path:
    """A file in ``folder`` (the current one) that does not exist yet, named after ``name``."""
    folder = Path.cwd() if folder is None else folder
    stem = Path(name).stem if name else "lifegame"
    for i in range(1000):
        path = folder / (f"{stem}.rle" if i == 0 else f"{stem}-{i}.rle")
        if not path.exists():
            return path
    return folder / f"{stem}-{int(time.time())}.rle"


def screenshot_name(folder: Path | None = None) -> Path:
    """Where a screenshot taken now goes: ``lifegame-YYYYmmdd-HHMMSS.png`` in ``folder`` (the current one)."""
    return (Path.cwd() if folder is None else folder) / time.strftime("lifegame-%Y%m%d-%H%M%S.png")
