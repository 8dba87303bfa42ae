"""The desktop app: a pygame window whose main loop is the environment of the coroutine protocol.

Importing this package never loads pygame (the CLI imports it for
:class:`AppOptions`); :func:`run_app` does, when the window opens::

    from lifegame.app import AppOptions, run_app
    status = run_app(AppOptions(pattern="glider", size=(64, 64)))

Modules, one job each:

``loop``      the App: set-up, the loop (input -> update -> draw -> flip -> tick), close
``display``   opening the pygame window (or saying in one line why there is none)
``input``     events -> typed commands (:class:`~lifegame.app.input.Command`); ``KEYMAP``
``commands``  what each command does: one handler per command, checked complete at import
``game``      the model: play, speed, steps, edits, undo/redo, resets, the file's unsaved mark
``history``   undo/redo as a history of boards (compact frames, a byte budget)
``prompt``    the text box: a file name for "save as" and "open", a generation for "go to"
``tools``     identify in a thread, saves in a thread, GIF recording
``compute``   who computes the next generation: the loop itself, or a background engine;
              jumps (hyper speed, go to generation) in the background, with progress
``trace``     the protocol trace's state (an observer of the environment)
``files``     starting boards, open, save, credits, new file names (no pygame)
``options``   :class:`AppOptions`, what the window opens with
``view``      cell <-> pixel arithmetic
``render``    boards, stamps and the trace's marks onto Surfaces
``hud``       status line, title, palette strip, help, graph, trace panel, toasts
``palette``   the bundled patterns on keys 1-9
``bench``     ``lifegame bench --ui``
"""

from __future__ import annotations

import os
from pathlib import Path

from ..board import Board
from ..rules import RuleBase
from .files import NEW_FILE_SUFFIXES
from .options import AppOptions

__all__ = ["AppOptions", "run_app", "main", "initial_board", "NEW_FILE_SUFFIXES"]

# pygame greets on import; a command-line program should not.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def initial_board(options: AppOptions) -> tuple[Board, RuleBase, Path | None, str | None]:
    """The board, rule, file and display name the window opens with (see :func:`lifegame.app.files.initial_board`).

    Raises ``PatternError``, ``RuleError`` or ``BoardSizeError`` (all
    ``ValueError`` with a one-line message) for bad input, before any window opens.
    """
    from .files import initial_board as board_for

    return board_for(options)


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
