"""The engine contract: advance a board under a rule by N generations.

Everything that computes generations -- the coroutines, the fast kernel, bands
in a process pool, the ``auto`` chooser, and any engine added later -- offers
the same small surface, and the window and the CLI use nothing else::

    engine.name                       "coroutine", "fast", "parallel", "auto", ...
    engine.capabilities               Capabilities(background=..., traceable=..., workers=...)
    engine.advance(board, rule, n, cancel=event, progress=callback) -> Board
    engine.describe(board) -> str     who computes this board, for a status line
    engine.engine_for(board, rule, n) -> Engine
                                      the engine that really computes n generations
                                      of ``board`` (itself, except for a chooser
                                      such as ``auto``)
    engine.stepper(board, rule) -> Stepper
                                      only when ``capabilities.traceable``: the
                                      protocol's resumable environment, to be
                                      driven a slice at a time and observed
    engine.check(shape, rule)         raises EngineUnsupported (a ValueError, one
                                      line) for boards or rules beyond the engine
    engine.close()                    release processes or memory (idempotent)

:class:`EngineBase` gives the defaults (``engine_for`` is the engine itself,
``stepper`` refuses, ``close`` does nothing, ``with`` closes), so a new engine
writes ``name``, ``capabilities``, ``advance`` and ``describe`` and registers
a factory with :func:`lifegame.engines.register_engine`.

Cancellation is cooperative: ``cancel`` is a :class:`threading.Event`; an
engine looks at it between pieces of work (generations, batches, slices of
instructions) and raises :class:`JobCancelled` once it is set.  Nothing here
imports pygame.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from ..board import Board
from ..rules import RuleBase

if TYPE_CHECKING:
    from ..environment import Stepper

__all__ = [
    "Engine",
    "EngineBase",
    "EngineError",
    "JobCancelled",
    "EngineUnsupported",
    "Capabilities",
    "Cancel",
    "Progress",
    "check_cancel",
    "check_generations",
    "generation_chunks",
]

Cancel = threading.Event
"""The cancellation token every ``advance`` accepts (``None`` for "never cancelled")."""

Progress = Callable[[int, int], None]
"""``progress(done, total)``: how many of the ``total`` generations asked for
are done, told by ``advance`` whenever it can (between generations, chunks,
batches or steps); for a progress bar on a long run or jump."""


class EngineError(RuntimeError):
    """An engine could not compute a generation (e.g. a worker process died)."""


class EngineUnsupported(ValueError):
    """This engine cannot run this board or rule; the message says why, in one line.

    A ``ValueError`` (bad input, exit status 2 on the command line), not an
    :class:`EngineError` (a failure while computing).
    """


class JobCancelled(EngineError):
    """The work was cancelled (its ``cancel`` event was set, or the engine or pool was closed)."""


@dataclass(frozen=True)
class Capabilities:
    """What an engine declares about itself; the app decides from this, never from a type or a name."""

    background: bool
    """A call may take long enough to freeze a window: run it off the main
    thread (the window submits it to a :class:`~lifegame.engines.background.BackgroundEngine`).
    ``False`` means the engine is cheap to drive a slice at a time in the main
    loop itself, through :meth:`Engine.stepper`."""
    traceable: bool
    """:meth:`Engine.stepper` gives the protocol's environment, whose every
    instruction can be observed (the window's protocol trace)."""
    workers: int = 1
    """Processes that compute at once (1: this process)."""


class Engine(Protocol):
    """The contract (see the module docstring)."""

    name: str
    capabilities: Capabilities

    def advance(
        self,
        board: Board,
        rule: RuleBase,
        generations: int = 1,
        *,
        cancel: Cancel | None = None,
        progress: Progress | None = None,
    ) -> Board:
        """A new board ``generations`` generations after ``board`` (which is left unchanged).

        Raises :class:`ValueError` for ``generations < 0``, :class:`JobCancelled`
        once ``cancel`` is set, :class:`EngineError` when the computation failed.
        """
        ...

    def describe(self, board: Board) -> str:
        """Who computes ``board`` (one short phrase, e.g. ``"process pool, 2 workers"``)."""
        ...

    def engine_for(self, board: Board, rule: RuleBase | None = None, generations: int = 1) -> Engine:
        """The engine that computes ``generations`` of ``board`` (under ``rule``, when the choice
        depends on it): ``self``, or the one a chooser picks.  Starts nothing."""
        ...

    def stepper(self, board: Board, rule: RuleBase) -> Stepper:
        """A resumable environment over ``board`` (only when ``capabilities.traceable``)."""
        ...

    def check(self, shape: tuple[int, int], rule: RuleBase) -> None:
        """Raise :class:`EngineUnsupported` when boards of ``shape`` under ``rule`` are beyond this engine.

        Asked before any work (the CLI, the window at start), so that the
        user hears the reason at once rather than after a run has begun.
        """
        ...

    def close(self) -> None:
        """Release what the engine holds; safe to call twice."""
        ...


class EngineBase:
    """Defaults for the optional parts of the contract; subclass and fill in the rest."""

    name: ClassVar[str] = "engine"
    capabilities: Capabilities = Capabilities(background=True, traceable=False)

    def advance(
        self,
        board: Board,
        rule: RuleBase,
        generations: int = 1,
        *,
        cancel: Cancel | None = None,
        progress: Progress | None = None,
    ) -> Board:
        raise NotImplementedError

    def describe(self, board: Board) -> str:
        return self.name

    def engine_for(self, board: Board, rule: RuleBase | None = None, generations: int = 1) -> Engine:
        return self

    def stepper(self, board: Board, rule: RuleBase) -> Stepper:
        raise EngineError(f"the {self.name} engine has no protocol environment to step or trace")

    def check(self, shape: tuple[int, int], rule: RuleBase) -> None:
        pass  # every board, every rule

    def close(self) -> None:
        pass

    def __enter__(self):  # -> Self
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def check_generations(generations: int) -> int:
    """``generations`` as an int, or :class:`ValueError` when it is negative."""
    if generations < 0:
        raise ValueError("generations must be >= 0")
    return int(generations)


def check_cancel(cancel: Cancel | None) -> None:
    """Raise :class:`JobCancelled` when ``cancel`` is set."""
    if cancel is not None and cancel.is_set():
        raise JobCancelled("cancelled")


def generation_chunks(
    generations: int, chunk: int, cancel: Cancel | None, progress: Progress | None = None
) -> Iterator[int]:
    """The sizes (at most ``chunk`` each) that add up to ``generations``, looking at ``cancel`` before each.

    For an engine that keeps its own state between chunks (a packed torus, a
    batch of band tasks): ``for n in generation_chunks(g, k, cancel, progress): state.run(n)``
    raises :class:`JobCancelled` between two chunks once ``cancel`` is set,
    and tells ``progress`` after each chunk is done.
    """
    chunk = max(1, int(chunk))
    done = 0
    while done < generations:
        check_cancel(cancel)
        n = min(chunk, generations - done)
        yield n
        done += n
        if progress is not None:
            progress(done, generations)
