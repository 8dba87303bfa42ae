"""Rules of more than two states on packed bit planes.

A board of a rule with ``states`` states is kept as ``k = plane_count(states)``
packed planes (``k = ceil(log2(states))``, the layout of :mod:`.bitpack`):
plane ``j`` holds bit ``j`` of every cell's state.  One generation, on blocks
of rows small enough for the cache:

1. the *live* plane, a formula of the state planes (Generations: state == 1;
   History: an odd state, i.e. plane 0 itself);
2. ``L``, the next live bit: the packed two-state kernel of ``rule.base`` on
   the live plane (:class:`~.bitpack.RowKernel`);
3. ``T`` (rules with a :attr:`~lifegame.rules.RuleBase.boundary_state` only,
   and only in blocks where such cells exist): whether any of the eight
   neighbours is in that state, by the kernel of a rule that says so;
4. the next state planes: one formula each of the state planes, ``L`` and
   ``T``, equal to ``rule.state_table()[state, L, T]`` for every valid state.

The formulas (:func:`state_formulas`) are synthesised from the state table
by :func:`~.bitpack.synthesise` when ``k <= 4`` (codes ``>= states`` are don't
cares); Generations rules also have a structured form that works for any
number of states (up to 256, ``k = 8``) and is taken when it is cheaper:
``keep`` (state 1 and ``L``) stays 1, ``advance`` (state 0 and ``L``, or any
dying or live-and-dying state but the last) goes to ``state + 1`` by a ripple
increment, anything else goes to 0.

:class:`PlanesKernel` steps rows with halo rows (rows do not wrap, columns
do); :class:`PlanesTorus` keeps a whole torus of planes between generations.
:func:`to_planes` and :func:`from_planes` convert from and to ``uint8`` states.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..rules import GenerationsRule, Rule, RuleBase
from .bitpack import (
    Expr,
    RowKernel,
    e_and,
    e_not,
    e_or,
    e_var,
    e_xor,
    expr_nodes,
    fill_halo,
    pack,
    synthesise,
    unpack,
    words_for,
)

__all__ = [
    "Circuit",
    "PlanesKernel",
    "PlanesTorus",
    "StateFormulas",
    "from_planes",
    "plane_count",
    "state_formulas",
    "to_planes",
]

_U64 = np.dtype("<u8")
_BLOCK_WORDS = 1 << 13  # words per plane in a block of rows: keeps the block's planes in L2
SYNTH_MAX_PLANES = 4
"""Up to this many planes the next-state formulas are synthesised from the state table."""

_TOUCH = Rule(frozenset(range(1, 9)), frozenset(range(1, 9)))
"""A two-state rule that says whether any of the eight neighbours is set (the cell itself aside)."""


def plane_count(states: int) -> int:
    """How many bit planes hold states ``0 .. states - 1``: ``ceil(log2(states))``, at least 1."""
    return max(1, (states - 1).bit_length())


def state_var(j: int) -> str:
    """The formula variable of state plane ``j`` (bit ``j`` of the state)."""
    return f"s{j}"


# ------------------------------------------------------------- formulas --
class StateFormulas:
    """The formulas of one rule's state machine over its planes.

    ``live``: the live bit from the state variables ``s0 .. s{k-1}``;
    ``boundary``: whether the state is ``rule.boundary_state`` (or ``None``);
    ``next``: bit ``j`` of the next state from the state variables, ``L`` and
    ``T`` (a neighbour in the boundary state); ``next_quiet``: the same with
    ``T`` = 0, for blocks with no boundary cell.
    """

    __slots__ = ("boundary", "k", "live", "next", "next_quiet")

    def __init__(self, k: int, live: Expr, boundary: Expr | None, nxt: list[Expr], quiet: list[Expr]) -> None:
        self.k, self.live, self.boundary, self.next, self.next_quiet = k, live, boundary, nxt, quiet


def _state_names(k: int) -> tuple[str, ...]:
    return tuple(state_var(j) for j in reversed(range(k)))  # most significant first


def _synth_of_states(k: int, states: int, value) -> Expr:
    """A formula of the state variables: ``value(state)`` (0/1) for valid states, don't care above."""
    return synthesise(tuple(value(s) if s < states else None for s in range(1 << k)), _state_names(k))


def _synth_next(rule: RuleBase, k: int, bit: int, touches: bool | None) -> Expr:
    """Bit ``bit`` of the next state as a formula of the states, ``L`` and (unless ``touches`` is fixed) ``T``."""
    table = rule.state_table()
    if touches is None:
        names = (*_state_names(k), "L", "T")
        entries = [(int(table[s, v, t]) >> bit) & 1 if s < rule.states else None
                   for s in range(1 << k) for v in (0, 1) for t in (0, 1)]
    else:
        names = (*_state_names(k), "L")
        entries = [(int(table[s, v, int(touches)]) >> bit) & 1 if s < rule.states else None
                   for s in range(1 << k) for v in (0, 1)]
    return synthesise(tuple(entries), names)


def _generations_next(k: int, states: int) -> list[Expr]:
    """The structured Generations step for any number of states (see the module docstring)."""
    p = [e_var(state_var(j)) for j in range(k)]
    live_next = e_var("L")
    higher = ("const", 0)
    for plane in p[1:]:
        higher = e_or(higher, plane)
    nonzero = e_or(p[0], higher)
    keep = e_and(e_and(p[0], e_not(higher)), live_next)  # state 1 stays live
    # The last state: every bit of states - 1 set (with no code >= states, no other state has them all).
    last: Expr = ("const", 1)
    for j in range(k):
        if (states - 1) >> j & 1:
            last = e_and(last, p[j])
    advance = e_or(e_and(e_not(nonzero), live_next), e_and(nonzero, e_not(e_or(keep, last))))
    out = [e_or(keep, e_and(advance, e_not(p[0])))]
    carry = p[0]
    for j in range(1, k):
        out.append(e_and(advance, e_xor(p[j], carry)))
        carry = e_and(p[j], carry)
    return out


def state_formulas(rule: RuleBase) -> StateFormulas:
    """The :class:`StateFormulas` of ``rule`` (any rule; more than two states is the point)."""
    k = plane_count(rule.states)
    states = rule.states
    generations = isinstance(rule, GenerationsRule)
    if k > SYNTH_MAX_PLANES and not generations:
        raise ValueError(f"rule {rule}: {states} states are too many for plane formulas")
    live_mask = rule.live_mask()
    if generations:
        live = e_and(e_var(state_var(0)), e_not(_any_of(k, start=1)))
    else:
        live = _synth_of_states(k, states, lambda s: int(live_mask[s]))
    boundary = None
    if rule.boundary_state is not None:
        b = rule.boundary_state
        boundary = _synth_of_states(k, states, lambda s: int(s == b))
    quiet = candidates = None
    if k <= SYNTH_MAX_PLANES:
        quiet = [_synth_next(rule, k, j, False) for j in range(k)]
    if generations:
        candidates = _generations_next(k, states)
        if quiet is None or expr_nodes(candidates) < expr_nodes(quiet):
            quiet = candidates
    assert quiet is not None
    full = quiet if boundary is None else [_synth_next(rule, k, j, None) for j in range(k)]
    return StateFormulas(k, live, boundary, full, quiet)


def _any_of(k: int, start: int = 0) -> Expr:
    e: Expr = ("const", 0)
    for j in range(start, k):
        e = e_or(e, e_var(state_var(j)))
    return e


# ------------------------------------------------------------- circuits --
_UFUNCS = {"and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor, "not": np.invert}


def _topological(e: Expr, order: list[Expr], seen: set) -> None:
    """Append the operations of ``e`` to ``order``, each after its arguments, skipping those in ``seen``."""
    if e[0] in ("var", "const") or e in seen:
        return
    for x in e[1:]:
        _topological(x, order, seen)
    seen.add(e)
    order.append(e)


class Circuit:
    """Several formulas evaluated together on packed planes, sharing their common subexpressions.

    :meth:`run` writes output ``j`` into ``outs[j]``; inputs are named planes
    of the same shape.  Outputs must not overlap the inputs.  Scratch
    registers are reused once dead, and an output's last operation writes
    straight into its array (later operations read it back from there).
    """

    def __init__(self, outputs: Sequence[Expr]) -> None:
        self.outputs = list(outputs)
        order: list[Expr] = []
        seen: set = set()
        for e in self.outputs:
            _topological(e, order, seen)
        last_use: dict[Expr, int] = {}
        for i, node in enumerate(order):
            for arg in node[1:]:
                last_use[arg] = i
        roots: dict[Expr, int] = {}
        for j, e in enumerate(self.outputs):
            if e[0] not in ("var", "const"):
                roots.setdefault(e, j)
        self.code: list[tuple] = []
        self.registers = 0
        where: dict[Expr, tuple[str, int]] = {}
        free: list[int] = []
        for i, node in enumerate(order):
            args = tuple(where.get(a, ("in", a[1])) if a[0] != "const" else ("const", a[1]) for a in node[1:])
            for a in node[1:]:
                place = where.get(a)
                if place and place[0] == "reg" and last_use[a] == i and place[1] not in free:
                    free.append(place[1])
            if node in roots:
                target = ("out", roots[node])
            elif free:
                target = ("reg", free.pop())
            else:
                target = ("reg", self.registers)
                self.registers += 1
            where[node] = target
            self.code.append((_UFUNCS[node[0]], args, target))
        # Outputs that are inputs, constants or another output's value: filled at the end.
        self.tail = [(j, e) for j, e in enumerate(self.outputs) if e[0] in ("var", "const") or roots.get(e) != j]
        self._where = where
        self.cost = len(self.code)

    def run(self, inputs: dict[str, np.ndarray], outs: Sequence[np.ndarray], scratch: Sequence[np.ndarray]) -> None:
        """Evaluate into ``outs``; ``scratch``: at least :attr:`registers` arrays of the outputs' shape."""

        def get(place: tuple) -> np.ndarray:
            kind, key = place
            if kind == "in":
                return inputs[key]
            return outs[key] if kind == "out" else scratch[key]

        for ufunc, args, target in self.code:
            # Constants never reach here: the combinators fold them.
            ufunc(*(get(a) for a in args), out=get(target))
        for j, e in self.tail:
            if e[0] == "const":
                outs[j].fill(~np.uint64(0) if e[1] else 0)
            elif e[0] == "var":
                np.copyto(outs[j], inputs[e[1]])
            else:
                np.copyto(outs[j], get(self._where[e]))


# --------------------------------------------------------------- packing --
def to_planes(cells: np.ndarray, k: int, out: np.ndarray | None = None) -> np.ndarray:
    """``(h, w)`` ``uint8`` states as ``(k, h, W)`` packed planes (into ``out`` if given)."""
    h, w = cells.shape
    if out is None:
        out = np.empty((k, h, words_for(w)), _U64)
    chunk = max(1, (1 << 20) // max(1, w))  # rows per chunk: ~1 MB of cells
    for r in range(0, h, chunk):
        part = cells[r : r + chunk]
        for j in range(k):
            out[j, r : r + chunk] = pack(part & np.uint8(1 << j))  # pack() sets a bit for any non-zero byte
    return out


def from_planes(planes: np.ndarray, width: int) -> np.ndarray:
    """The inverse of :func:`to_planes`: a new ``(h, width)`` ``uint8`` array of states."""
    cells = unpack(planes[0], width)
    for j in range(1, planes.shape[0]):
        if planes[j].any():
            cells |= unpack(planes[j], width) << np.uint8(j)
    return cells


# ---------------------------------------------------------------- kernel --
class PlanesKernel:
    """One generation of packed state planes under ``rule``, in cache-sized blocks of rows.

    :meth:`rows` steps ``(k, n + 2, W)`` planes into ``(k, n, W)``: rows do
    not wrap (the first and last are only read), columns do (rows of
    ``width`` cells) -- or, without ``wrap``, the first and last word of each
    row are neighbours supplied by the caller (as :class:`~.bitpack.RowKernel`'s).
    Not thread-safe: it owns scratch buffers.
    """

    def __init__(self, rule: RuleBase, width: int, block_words: int = _BLOCK_WORDS, wrap: bool = True) -> None:
        self.rule, self.width = rule, width
        self.formulas = f = state_formulas(rule)
        self.k = f.k
        self.nwords = W = words_for(width)
        self.block_rows = max(1, block_words // W)
        self.kernel = RowKernel(rule.base, width, block_words=self.block_rows * W, wrap=wrap)
        self.live = Circuit([f.live])
        self.live_is_plane = f.live[1] if f.live[0] == "var" else None
        self.boundary = Circuit([f.boundary]) if f.boundary is not None else None
        self.touch = (RowKernel(_TOUCH, width, block_words=self.block_rows * W, wrap=wrap)
                      if f.boundary is not None else None)
        self.next = Circuit(f.next)
        self.next_quiet = Circuit(f.next_quiet)
        registers = max(self.live.registers, self.next.registers, self.next_quiet.registers,
                        self.boundary.registers if self.boundary else 0)
        rows = self.block_rows + 2
        self._live_buf = np.empty((rows, W), _U64)
        self._bound_buf = np.empty((rows, W), _U64)
        self._L = np.empty((self.block_rows, W), _U64)
        self._T = np.empty((self.block_rows, W), _U64)
        self._scratch = [np.empty((rows, W), _U64) for _ in range(registers)]

    def rows(self, src: np.ndarray, dst: np.ndarray) -> None:
        """One generation of rows ``1 .. n`` of ``src`` (``(k, n + 2, W)``) into ``dst`` (``(k, n, W)``).

        Each plane of both must have C-contiguous rows (``src[j]``, ``dst[j]``
        slices of C arrays along their first axis will do); they must not overlap.
        """
        n = dst.shape[1]
        k = self.k
        for i in range(0, n, self.block_rows):
            m = min(self.block_rows, n - i)
            block = src[:, i : i + m + 2]
            inputs = {state_var(j): block[j] for j in range(k)}
            scratch = [s[: m + 2] for s in self._scratch]
            if self.live_is_plane is not None:
                live = inputs[self.live_is_plane]
            else:
                live = self._live_buf[: m + 2]
                self.live.run(inputs, [live], scratch)
            L = self._L[:m]
            self.kernel.rows(live, L)
            middle = {name: plane[1 : m + 1] for name, plane in inputs.items()}
            middle["L"] = L
            circuit = self.next_quiet
            if self.boundary is not None:
                bound = self._bound_buf[: m + 2]
                self.boundary.run(inputs, [bound], scratch)
                if bound.any():
                    T = self._T[:m]
                    self.touch.rows(bound, T)  # type: ignore[union-attr]
                    middle["T"] = T
                    circuit = self.next
            out = dst[:, i : i + m]
            circuit.run(middle, [out[j] for j in range(k)], [s[:m] for s in scratch])


class PlanesTorus:
    """A torus of state planes under ``rule``, stepped in place: :class:`~.bitpack.PackedTorus` for ``k`` planes.

    The buffer, ``(k, rows + 2, W + 2)``, has the halo of a
    :class:`~.bitpack.PackedTorus` on every plane (halo rows, halo words, the
    wrap in the padding bits), so the kernel needs no wrap.  ``rows`` (at
    least ``height``) sizes it for callers that read whole tiles past the last
    row (:class:`~.tiled.TiledTorus`).  Two buffers alternate between generations.
    """

    def __init__(self, rule: RuleBase, height: int, width: int, rows: int | None = None) -> None:
        self.rule, self.height, self.width = rule, height, width
        self.nwords = W = words_for(width)
        self.top_bit = (width - 1) % 64  # bit of the last word holding column width-1
        self.pad_mask = None if width % 64 == 0 else np.uint64((1 << (width % 64)) - 1)
        self.kernel = PlanesKernel(rule, (W + 2) * 64, wrap=False)
        self.k = self.kernel.k
        shape = (self.k, max(height, rows or 0) + 2, W + 2)
        self.buffer = np.zeros(shape, _U64)
        self._spare = np.zeros(shape, _U64)

    @property
    def words(self) -> np.ndarray:
        """The board's ``(k, height, W)`` planes: a view, valid until the next :meth:`run` (padding bits not 0)."""
        return self.buffer[:, 1 : self.height + 1, 1 : self.nwords + 1]

    def load(self, cells: np.ndarray) -> None:
        """Start from a ``(height, width)`` ``uint8`` array of states."""
        self.buffer[:, 1 : self.height + 1, 1 : self.nwords + 1] = to_planes(cells, self.k)
        self.fill_halo()

    def cells(self) -> np.ndarray:
        """The board as a new ``(height, width)`` ``uint8`` array of states."""
        return from_planes(self.words, self.width)

    def fill_halo(self, rows: bool = True, columns: bool = True) -> None:
        """Rewrite the halo (and padding bits) of every plane from the board after it was written."""
        fill_halo(self.buffer, self.height, self.width, rows, columns)

    def step_into_spare(self) -> tuple[np.ndarray, np.ndarray]:
        """One generation from the buffer into the spare, then swap; returns ``(old, new)`` buffers (halo filled)."""
        h = self.height
        old, new = self.buffer, self._spare
        self.kernel.rows(old[:, : h + 2], new[:, 1 : h + 1])
        self.buffer, self._spare = new, old
        self.fill_halo()
        return old, new

    def run(self, generations: int) -> None:
        """Advance ``generations`` generations."""
        for _ in range(generations):
            self.step_into_spare()
