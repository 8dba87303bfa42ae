"""HashLifeEngine: HashLife on a power-of-two torus, switching to the fast kernel while a board is chaotic.

The quadtree, its memoised results and the torus trick are in
:mod:`.hashlife_tree`.  This module is the engine of the contract:

* :meth:`HashLifeEngine.check` refuses, in one line, a board whose sides are
  not powers of two from 8, a rule of more than two states (Generations,
  History: a leaf is a square of live bits) and any B0 rule (empty space
  would not stay empty).  Every other rule runs, Life-like and isotropic
  non-totalistic (Hensel) alike: the leaves are stepped by a formula compiled
  from the rule's 512-entry table (:func:`~.hashlife_tree.compile_generations`).
* A jump of ``N`` generations is a sum of powers of two.  The engine steps
  ``2^j`` at a time, ``j`` growing by one per step (1, 2, 4, ... generations),
  so a quiet pattern is soon crossed in giant steps while a busy one costs a
  few small steps first.
* **Chaotic starts.**  HashLife gains nothing on a board that never repeats
  itself (a fresh soup) and is then 15-70 times slower per generation than the
  packed kernel.  In ``mode="auto"`` (the default) the engine times both and
  runs whichever pays:

  - before converting a busy board it predicts the first HashLife step from
    the board's occupied 16x16 leaves (:data:`LEAF_SECONDS` each); a step
    predicted under :data:`FREE_PROBE` (a sparse board, a small soup) is just
    tried, otherwise the fast kernel goes first;
  - a HashLife step that costs less per generation than the fast kernel (or
    under :data:`CHEAP_PER_CELL` per cell, without asking) wins, and the next
    step is twice as long;
  - a losing step is still allowed while the losses stay under
    :data:`EXPLORE` of the fast kernel's predicted time for the whole jump
    (a soup settling down costs HashLife most just before it starts to pay);
  - after that, the fast kernel runs until the next HashLife step (predicted:
    twice the last, plus the conversion) is at most :data:`PROBE_SHARE` of the
    time since, and HashLife is tried again, one step size up.

  So a chaotic board costs at most about ``EXPLORE + PROBE_SHARE`` more than
  the fast engine, and a quiet one is handed to HashLife.  ``mode="tree"``
  runs HashLife alone (the tests use it; the boards are the same either way).
  Jumps of at most :data:`FAST_ONLY` generations go to the fast kernel.
* **Memory.**  The node cache is bounded by ``max_memory`` bytes (default: a
  quarter of the machine's memory), counted as :data:`BYTES_PER_ENTRY` per
  node or memoised result.  Past the limit between two steps the cache is
  collected (the current torus and the results among its nodes are kept);
  past it during a step, the step is abandoned, the cache collected and the
  step size lowered; a torus that alone does not fit is run by the fast kernel.
* **Cancellation and progress.**  ``cancel`` is looked at between steps and
  every few large results inside one (:class:`~.base.JobCancelled`);
  ``progress(done, total)``, given to the constructor, is called after each
  step with the generations done so far (for a progress bar).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from ..board import Board
from ..rules import RuleBase
from .base import (
    Cancel,
    Capabilities,
    EngineBase,
    EngineUnsupported,
    Progress,
    check_cancel,
    check_generations,
)
from .fast import FastEngine
from .hashlife_tree import CacheFull, Universe, count_occupied_leaves

__all__ = ["BYTES_PER_ENTRY", "FAST_ONLY", "PROBE_SHARE", "HashLifeEngine", "default_max_memory", "hashlife_supports"]

MIN_SIDE = 8
BYTES_PER_ENTRY = 260
"""Measured bytes per node or memoised result (tuples, dict slots, leaf ints), rounded up."""
FAST_ONLY = 16
"""Jumps of this many generations or fewer go to the fast kernel in ``mode="auto"``."""
PROBE_SHARE = 0.2
"""Once HashLife has lost, its probes take about this share of the time (the fast kernel the rest)."""
EXPLORE = 0.25
"""HashLife may lose for this share of the fast kernel's predicted time for the whole jump before it
gives way (a soup settling down costs HashLife most just before it starts to pay)."""
LEAF_SECONDS = 6e-6
"""Seconds a first HashLife step costs per occupied 16x16 leaf on a busy board (conversion included)."""
FREE_PROBE = 0.01
"""A HashLife step expected to cost less than this is tried without asking the fast kernel."""
CHEAP_PER_CELL = 5e-11
"""A HashLife step costing at most this many seconds per cell and generation wins without a
comparison: the packed kernel needs several times more on a busy board."""
_FALLBACK_MEMORY = 4 << 30


def default_max_memory() -> int:
    """A quarter of the machine's physical memory (1 GiB if it cannot be read)."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return _FALLBACK_MEMORY // 4
    if not isinstance(total, int) or total <= 0:
        return _FALLBACK_MEMORY // 4
    return total // 4


def _power_of_two_from_8(n: int) -> bool:
    return n >= MIN_SIDE and n & (n - 1) == 0


def hashlife_supports(shape: tuple[int, int], rule: RuleBase) -> str | None:
    """Why HashLife cannot run boards of ``shape`` under ``rule`` (one line), or ``None`` when it can."""
    h, w = shape
    if not (_power_of_two_from_8(h) and _power_of_two_from_8(w)):
        return f"hashlife needs sides that are powers of two from 8; {h}x{w} is not"
    if rule.states != 2:
        return f"HashLife runs two-state rules; {rule} is a {rule.family} rule"
    if rule.has_b0:
        return f"hashlife does not run B0 rules ({rule}): empty space would not stay empty"
    return None


class HashLifeEngine(EngineBase):
    """HashLife on the torus (see the module docstring).

    ``max_memory``: bytes for the node cache (default :func:`default_max_memory`);
    ``progress``: ``progress(done, total)`` after every step of a jump;
    ``mode``: ``"auto"`` (HashLife and the fast kernel, whichever pays) or
    ``"tree"`` (HashLife only).
    """

    name = "hashlife"
    capabilities = Capabilities(background=True, traceable=False, workers=1)

    def __init__(
        self,
        *,
        max_memory: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        mode: str = "auto",
    ) -> None:
        if mode not in ("auto", "tree"):
            raise ValueError(f"mode must be 'auto' or 'tree', not {mode!r}")
        self.max_memory = default_max_memory() if max_memory is None else int(max_memory)
        if self.max_memory <= 0:
            raise ValueError("max_memory must be positive")
        self.progress = progress
        self.mode = mode
        self._universe: Universe | None = None
        self._fast = FastEngine()
        self.stats: dict[str, int] = {}

    # -- the contract ----------------------------------------------------------------
    def check(self, shape: tuple[int, int], rule: RuleBase) -> None:
        reason = hashlife_supports(shape, rule)
        if reason is not None:
            raise EngineUnsupported(reason)

    def describe(self, board: Board) -> str:
        return "hashlife"

    def close(self) -> None:
        if self._universe is not None:
            self._universe.clear()
        self._universe = None
        self._fast.close()

    @property
    def max_entries(self) -> int:
        """The node cache's limit in nodes plus memoised results."""
        return max(1, self.max_memory // BYTES_PER_ENTRY)

    def cache_entries(self) -> int:
        """Nodes plus memoised results held now."""
        return 0 if self._universe is None else self._universe.entries()

    def _universe_for(self, rule: RuleBase) -> Universe:
        if self._universe is None or self._universe.rule != rule:
            if self._universe is not None:
                self._universe.clear()
            self._universe = Universe(rule)
        return self._universe

    def advance(
        self,
        board: Board,
        rule: RuleBase,
        generations: int = 1,
        *,
        cancel: Cancel | None = None,
        progress: Progress | None = None,
    ) -> Board:
        """A new board ``generations`` generations after ``board`` (left unchanged)."""
        generations = check_generations(generations)
        check_cancel(cancel)
        self.check(board.shape, rule)
        if generations == 0:
            return board.copy()
        self.stats = dict.fromkeys(
            ("tree_steps", "tree_generations", "fast_chunks", "fast_generations", "collections", "abandoned"), 0
        )
        if self.mode == "auto" and generations <= FAST_ONLY:
            result = self._fast_chunk(board, rule, generations, cancel)
            if progress is not None:
                progress(generations, generations)
            return result
        jump = _Jump(
            self._universe_for(rule),
            lambda b, n: self._fast_chunk(b, rule, n, cancel),
            board,
            generations,
            cancel=cancel,
            stats=self.stats,
            max_entries=self.max_entries,
            progress=progress if progress is not None else self.progress,
            auto=self.mode == "auto",
        )
        return jump.run()

    def _fast_chunk(self, board: Board, rule: RuleBase, generations: int, cancel: Cancel | None) -> Board:
        self.stats["fast_chunks"] += 1
        self.stats["fast_generations"] += generations
        return self._fast.advance(board, rule, generations, cancel=cancel)


class _Jump:
    """One ``advance``: the board as cells or as a tree, stepped until ``total`` generations are done."""

    def __init__(
        self,
        universe: Universe,
        fast_chunk: Callable[[Board, int], Board],
        board: Board,
        total: int,
        *,
        cancel: Cancel | None,
        stats: dict[str, int],
        max_entries: int,
        progress: Callable[[int, int], None] | None,
        auto: bool,
    ) -> None:
        self.universe = universe
        self.fast_chunk = fast_chunk
        self.total = total
        self.cancel = cancel
        self.stats = stats
        self.limit = max_entries
        self.progress = progress
        self.auto = auto
        self.shape = board.shape
        self.board: Board | None = board
        self.root: int | None = None
        self.level = 0
        self.done = 0

    # -- representations ----------------------------------------------------------------
    def as_tree(self) -> None:
        if self.root is None:
            assert self.board is not None
            self.root, self.level = self.universe.from_cells(self.board.cells)
            self.board = None

    def as_board(self) -> Board:
        if self.board is None:
            assert self.root is not None
            h, w = self.shape
            self.board = Board(h, w, self.universe.to_cells(self.root, self.level, h, w))
            self.root = None
        return self.board

    def report(self, generations: int) -> None:
        self.done += generations
        if self.progress is not None:
            self.progress(self.done, self.total)

    # -- steps --------------------------------------------------------------------------
    def fast(self, generations: int) -> float:
        """Run the fast kernel ``generations`` on; the seconds it took per generation."""
        start = time.perf_counter()
        self.board = self.fast_chunk(self.as_board(), generations)
        self.report(generations)
        return (time.perf_counter() - start) / generations

    def tree(self, j: int) -> int | None:
        """One HashLife step of ``2^j`` generations, or fewer when the cache is too small.

        Returns the exponent done, or ``None`` when not even one generation fits.
        """
        universe, limit = self.universe, self.limit
        universe.cancel = self.cancel
        universe.hard_limit = limit
        try:
            while True:
                if universe.entries() > limit:
                    self.collect()
                try:
                    self.root = universe.step(self.root, self.level, j)
                    break
                except CacheFull:
                    # Abandon the step: keep the torus, drop the rest, try half as far.
                    self.stats["abandoned"] += 1
                    self.collect()
                    if j == 0:
                        return None
                    j -= 1
        finally:
            universe.cancel = None
            universe.hard_limit = None
        self.stats["tree_steps"] += 1
        self.stats["tree_generations"] += 1 << j
        self.report(1 << j)
        return j

    def collect(self) -> None:
        assert self.root is not None
        (self.root,) = self.universe.collect([(self.root, self.level)])
        self.stats["collections"] += 1

    # -- the plan -------------------------------------------------------------------------
    def run(self) -> Board:
        """Steps of 1, 2, 4, ... generations; in auto mode the fast kernel runs while HashLife loses."""
        if not self.auto:
            j = 0
            while self.done < self.total:
                check_cancel(self.cancel)
                self.as_tree()
                got = self.tree(min(j, (self.total - self.done).bit_length() - 1))
                if got is None:  # the torus alone fills the cache: the fast kernel does it
                    self.fast(min(self.total - self.done, 1 << max(j, 4)))
                    continue
                j = got + 1
            return self.as_board()

        h, w = self.shape
        cheap = h * w * CHEAP_PER_CELL  # seconds per generation that win without asking the fast kernel
        fast_per_gen: float | None = None
        allowance = 0.0  # seconds HashLife may still lose while exploring
        assert self.board is not None
        # What the next HashLife step (conversion included) is expected to cost.
        predicted = count_occupied_leaves(self.board.cells) * LEAF_SECONDS
        waited = 0.0  # fast-kernel seconds since HashLife last lost
        winning = False
        j = 0
        while self.done < self.total:
            check_cancel(self.cancel)
            left = self.total - self.done
            if not winning and predicted > max(FREE_PROBE, allowance, PROBE_SHARE * waited):
                # The fast kernel's turn, long enough that the next probe is a small share.
                if fast_per_gen is None:
                    gens = min(left, FAST_ONLY)
                else:
                    gens = int((predicted / PROBE_SHARE - waited) / fast_per_gen)
                    gens = max(1, min(left, gens))
                fast_per_gen = self.fast(gens)
                waited += fast_per_gen * gens
                if allowance == 0.0:
                    allowance = EXPLORE * fast_per_gen * self.total
                continue
            start = time.perf_counter()
            self.as_tree()
            converted = time.perf_counter()
            got = self.tree(min(j, left.bit_length() - 1))
            spent = time.perf_counter() - converted
            if got is None:  # the torus alone fills the cache: the fast kernel does it
                self.fast(min(left, 1 << max(j, 4)))
                continue
            j = got + 1
            per_gen = spent / (1 << got)
            if per_gen <= cheap or self.done >= self.total:
                winning = True
                continue
            if fast_per_gen is None:
                if self.total - self.done < FAST_ONLY:
                    continue  # a short remainder: not worth measuring
                fast_per_gen = self.fast(FAST_ONLY)
                allowance = EXPLORE * fast_per_gen * self.total
            winning = per_gen <= fast_per_gen
            if not winning:
                lost = time.perf_counter() - start
                allowance = max(0.0, allowance - lost)
                predicted = 2 * spent + (converted - start)
                waited = 0.0
        return self.as_board()
