"""A bit-packed Life-like kernel: 64 cells per ``uint64``, counts by bitwise adders.

Bit layout
----------
A board of ``h`` rows and ``w`` columns is packed into an ``(h, W)`` array of
``uint64`` words, ``W = ceil(w / 64)``: bit ``i`` of word ``k`` in a row is
column ``64 * k + i`` (``np.packbits(..., bitorder="little")`` viewed as
little-endian ``uint64``).  When ``w`` is not a multiple of 64 the top bits of
the last word are *padding*, 0 in packed boards.

One generation
--------------
For every word the kernel builds the west and east neighbours of its 64 cells
by shifting the word one bit and carrying in the edge bit of the adjacent word.
At the ends of a row the carry comes from the other end (the torus), taken
either inside the kernel (``RowKernel(wrap=True)``: a few extra operations per
block, at any bit position, so a 1-wide row is its own neighbour) or from halo
words the caller keeps up to date (:class:`PackedTorus`, ~15% faster).  Then
a carry-save adder tree adds the eight neighbours as bit planes, 64 cells at a
time::

    row r:   s2, c2 = W ^ E, W & E                  # west + east,   0..2
             s1, c1 = s2 ^ X, c2 | (s2 & X)         # west+self+east 0..3
    count(r) = (row r-1: c1 s1) + (row r: c2 s2) + (row r+1: c1 s1)   # 0..8
             = 1*ones + 2*twos + 4*fours (+ 8*eights)

and the rule, any ``B.../S...``, is applied as a boolean function of the
count bits and the cell itself.  :func:`compile_rule` finds a small formula
for it (Shannon expansion over the five bits, using counts 9..15 as
"don't care"), so Conway's Life costs four operations:
``(ones | alive) & twos & ~fours``.

Isotropic non-totalistic rules (Hensel notation) are two-state rules too:
within one neighbour count, some arrangements give birth (or survival) and
some do not.  Their formula is ``G | (Sel & P)`` (or a cheaper variant): ``G``
and ``Sel`` are formulas of the count bits as above (``G`` the counts whose
every arrangement gives a live cell, ``Sel`` the *split* counts), and ``P`` is
a formula of the centre and the eight neighbour planes themselves (``NW N NE
W E SW S SE``: the kernel's west/self/east words of the rows above, beside and
below) that is right on the split counts and free everywhere else -- those
"don't care" entries make it small: ``B3/S23-a4ei6`` needs 30 operations
on top of the adders.  Only the planes a formula uses are kept (two more
scratch buffers when it reads neighbours).

Any rule of more states runs its two-state rule (:attr:`RuleBase.base
<lifegame.rules.RuleBase.base>`) here on its live bits; the state machine
around it is :mod:`.fast`'s.

That is about 28 numpy operations per 64 cells for Conway's Life.  They run on
blocks of rows small enough for the processor's cache (``_BLOCK_WORDS``), with
preallocated scratch buffers and ``out=`` arguments, so a generation makes few
passes over main memory, and large enough that numpy's per-call overhead
stays small.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

import numpy as np

from ..rules import RuleBase

__all__ = [
    "NEIGHBOUR_VARS",
    "Expr",
    "Formula",
    "PackedTorus",
    "RowKernel",
    "compile_rule",
    "e_and",
    "e_not",
    "e_or",
    "e_var",
    "e_xor",
    "expr_cost",
    "expr_nodes",
    "fill_halo",
    "pack",
    "synthesise",
    "unpack",
    "words_for",
]

_U64 = np.dtype("<u8")


# ---------------------------------------------------------------- packing --
def words_for(width: int) -> int:
    """The number of 64-bit words that hold a row of ``width`` cells."""
    return (width + 63) // 64


def pack(cells: np.ndarray) -> np.ndarray:
    """Pack a ``(h, w)`` 0/1 array into ``(h, W)`` ``uint64`` words (padding bits 0)."""
    h, w = cells.shape
    nbytes = words_for(w) * 8
    bits = np.packbits(cells, axis=1, bitorder="little")
    if bits.shape[1] != nbytes:
        bits = np.concatenate([bits, np.zeros((h, nbytes - bits.shape[1]), np.uint8)], axis=1)
    return np.ascontiguousarray(bits).view(_U64)


def unpack(words: np.ndarray, width: int) -> np.ndarray:
    """The inverse of :func:`pack`: a C-contiguous ``(h, width)`` uint8 0/1 array."""
    h = words.shape[0]
    # np.zeros leaves the pages of a large array untouched until written, so
    # only the rows holding live cells cost anything: sparse boards are cheap.
    out = np.zeros((h, width), np.uint8)
    live = np.flatnonzero(words.any(axis=1))
    if live.size == 0:
        return out
    # Unpack runs of consecutive live rows, a few hundred rows at a time.
    breaks = np.flatnonzero(np.diff(live) != 1)
    starts = np.concatenate(([live[0]], live[breaks + 1]))
    stops = np.concatenate((live[breaks] + 1, [live[-1] + 1]))
    chunk = max(1, (1 << 21) // max(width, 1))
    for start, stop in zip(starts.tolist(), stops.tolist()):
        for r in range(start, stop, chunk):
            e = min(stop, r + chunk)
            as_bytes = np.ascontiguousarray(words[r:e]).view(np.uint8)
            out[r:e] = np.unpackbits(as_bytes, axis=1, count=width, bitorder="little")
    return out


# ------------------------------------------------------ rule as a formula --
# An expression is a tuple: ("var", name) | ("const", 0|1) | ("not", e) |
# (op, e1, e2) with op in {"and", "or", "xor"}.  Variables: "a" (the cell
# itself), "o", "t", "f", "e" (count bits of weight 1, 2, 4, 8), and for
# non-totalistic rules the neighbours NEIGHBOUR_VARS.
Expr = tuple


NEIGHBOUR_VARS = ("N", "S", "NW", "W", "SW", "S2U", "S2M", "S2D")
"""The neighbour planes a formula may read: the cells above (``N``) and below (``S``), the west
neighbours of the rows above, beside and below (``NW``, ``W``, ``SW``), and west ^ east of those rows
(``S2U``, ``S2M``, ``S2D``: the kernel's half adders already hold them).  They determine the eight
neighbours (``NE = NW ^ S2U`` ...), and they make isotropic formulas smaller than the eight
neighbours do (an isotropic rule cannot tell west from east)."""


def _neighbour_vars(config: int) -> int:
    """The :data:`NEIGHBOUR_VARS` bits (first = most significant) of a configuration index."""
    bit = lambda k: (config >> k) & 1
    planes = (bit(7), bit(1), bit(8), bit(5), bit(2), bit(8) ^ bit(6), bit(5) ^ bit(3), bit(2) ^ bit(0))
    return sum(v << (7 - i) for i, v in enumerate(planes))

_ZERO: Expr = ("const", 0)
_ONE: Expr = ("const", 1)


def _nodes(e: Expr, seen: set) -> None:
    if e[0] not in ("var", "const") and e not in seen:
        seen.add(e)
        for x in e[1:]:
            _nodes(x, seen)


def _cost(e: Expr) -> int:
    """Operations needed to evaluate ``e``, counting a repeated subexpression once."""
    seen: set = set()
    _nodes(e, seen)
    return len(seen)


def _not(x: Expr) -> Expr:
    if x[0] == "const":
        return ("const", 1 - x[1])
    return x[1] if x[0] == "not" else ("not", x)


def _and(x: Expr, y: Expr) -> Expr:
    if _ZERO in (x, y):
        return _ZERO
    if x == _ONE:
        return y
    return x if y == _ONE else ("and", x, y)


def _or(x: Expr, y: Expr) -> Expr:
    if _ONE in (x, y):
        return _ONE
    if x == _ZERO:
        return y
    return x if y == _ZERO else ("or", x, y)


def _xor(x: Expr, y: Expr) -> Expr:
    if x[0] == "const":
        return _not(y) if x[1] else y
    if y[0] == "const":
        return _not(x) if y[1] else x
    return ("xor", x, y)


def _merge(t0: tuple, t1: tuple) -> tuple | None:
    """One table compatible with both (``None`` = don't care), or ``None`` if none is."""
    out = []
    for x, y in zip(t0, t1):
        if x is None:
            out.append(y)
        elif y is None or x == y:
            out.append(x)
        else:
            return None
    return tuple(out)


def _neg(t: tuple) -> tuple:
    return tuple(None if x is None else (1 - x if isinstance(x, int) else _not(x)) for x in t)


@functools.cache
def _synth(table: tuple, names: tuple[str, ...]) -> Expr:
    """A cheap expression equal to ``table`` wherever it is defined.

    ``table`` has ``2 ** len(names)`` entries indexed by the variables' bits,
    ``names[0]`` being the most significant; entries may be ``None`` (don't
    care), 0, 1, or an expression (a leaf: the result there is that expression).
    """
    defined = {x for x in table if x is not None}
    if len(defined) <= 1:
        leaf = defined.pop() if defined else 0
        return ("const", leaf) if isinstance(leaf, int) else leaf
    best: Expr | None = None
    for i, v in enumerate(names):
        # Cofactors on variable i: move it to the front, split in halves.
        rest = names[:i] + names[i + 1 :]
        step = 1 << (len(names) - 1 - i)
        starts = range(0, len(table), 2 * step)
        lo = tuple(itertools.chain.from_iterable(table[j : j + step] for j in starts))
        hi = tuple(itertools.chain.from_iterable(table[j + step : j + 2 * step] for j in starts))
        var: Expr = ("var", v)
        both = _merge(lo, hi)
        if both is not None:
            cand = _synth(both, rest)
        else:
            g0, g1 = _synth(lo, rest), _synth(hi, rest)
            anti = _merge(lo, _neg(hi))
            if g0 == _ZERO:
                cand = _and(var, g1)
            elif g1 == _ZERO:
                cand = _and(_not(var), g0)
            elif g1 == _ONE:
                cand = _or(var, g0)
            elif g0 == _ONE:
                cand = _or(_not(var), g1)
            elif anti is not None:
                cand = _xor(var, _synth(anti, rest))
            else:
                # A multiplexer: v ? g1 : g0 == g0 ^ (v & (g0 ^ g1)).
                cand = _xor(g0, _and(var, _xor(g0, g1)))
        if best is None or _cost(cand) < _cost(best):
            best = cand
    assert best is not None
    return best


# Public building blocks for formulas over other planes (:mod:`.planes` builds
# the state machines of multi-state rules with them).
def e_var(name: str) -> Expr:
    """The variable ``name``."""
    return ("var", name)


e_and, e_or, e_xor, e_not = _and, _or, _xor, _not
"""Combinators that fold constants as they build (``e_and(x, ("const", 0))`` is ``("const", 0)`` ...)."""


def expr_nodes(exprs: list[Expr] | tuple[Expr, ...]) -> int:
    """Operations needed to evaluate all of ``exprs``, a subexpression shared among them counted once."""
    seen: set = set()
    for e in exprs:
        _nodes(e, seen)
    return len(seen)


def expr_cost(e: Expr) -> int:
    """Operations needed to evaluate ``e``, counting a repeated subexpression once."""
    return _cost(e)


def synthesise(table: tuple, names: tuple[str, ...]) -> Expr:
    """A cheap expression of the variables ``names`` equal to ``table`` wherever it is defined.

    ``table`` has ``2 ** len(names)`` entries, 0, 1 or ``None`` (don't care),
    indexed by the variables' bits with ``names[0]`` the most significant.
    Exhaustive over variable orders: keep ``names`` to six or fewer.
    """
    return _synth(tuple(table), tuple(names))


class Formula:
    """How one two-state rule turns count bits (and maybe neighbour planes) into the next state.

    ``eights``: whether the kernel must compute the weight-8 bit;
    ``fours_or``: whether ``fours`` may be ``k | k2`` (count 8 then reads as 4)
    instead of ``k ^ k2`` (count 8 reads as 0);  ``expr``: the formula;
    ``neighbours``: whether it reads the neighbour planes :data:`NEIGHBOUR_VARS`
    (non-totalistic rules), so the kernel must keep them.
    """

    __slots__ = ("cost", "eights", "expr", "fours_or", "neighbours")

    def __init__(self, eights: bool, fours_or: bool, expr: Expr) -> None:
        self.eights, self.fours_or, self.expr = eights, fours_or, expr
        self.cost = _cost(expr) + int(eights)
        self.neighbours = bool(_variables(expr) & set(NEIGHBOUR_VARS))

    def __repr__(self) -> str:
        return f"Formula(eights={self.eights}, fours_or={self.fours_or}, expr={_show(self.expr)})"


def _variables(e: Expr) -> set[str]:
    if e[0] == "var":
        return {e[1]}
    if e[0] == "const":
        return set()
    return set().union(*(_variables(x) for x in e[1:]))


def _show(e: Expr) -> str:
    if e[0] == "var":
        return e[1]
    if e[0] == "const":
        return str(e[1])
    if e[0] == "not":
        return "~" + _show(e[1])
    sym = {"and": "&", "or": "|", "xor": "^"}[e[0]]
    return f"({_show(e[1])} {sym} {_show(e[2])})"


def _count_values(table: np.ndarray) -> list[list[frozenset[int]]]:
    """``values[a][c]``: the next states that arrangements of ``c`` live neighbours give a cell with centre ``a``."""
    values: list[list[set[int]]] = [[set() for _ in range(9)] for _ in (0, 1)]
    for index in range(512):
        values[(index >> 4) & 1][(index & ~0x10).bit_count()].add(int(table[index]))
    return [[frozenset(v) for v in row] for row in values]


def _count_table(cell, eights: bool) -> tuple:
    """A table over ``(a, [e], f, t, o)`` from ``cell(a, count)`` (``None``: don't care; counts > 8 too)."""
    if eights:
        return tuple(cell(a, c) if c <= 8 else None for a in (0, 1) for c in range(16))
    return tuple(cell(a, c) for a in (0, 1) for c in range(8))


@functools.cache
def compile_rule(rule: RuleBase) -> Formula:
    """The cheapest :class:`Formula` found for the two-state rule ``rule.base``.

    Totalistic rules are formulas of the count bits and the cell; others also
    read the neighbour planes (see the module docstring).
    """
    table = rule.base.neighborhood_table()
    values = _count_values(table)
    split = {(a, c) for a in (0, 1) for c in range(9) if len(values[a][c]) == 2}
    candidates: list[Formula] = []
    # Without an eights bit, count 8 looks like count 0 (fours = k ^ k2) or
    # like count 4 (fours = k | k2); allowed when the rule cannot tell them apart.
    layouts = [
        (False, fours_or, alias)
        for fours_or, alias in ((False, 0), (True, 4))
        if all(values[a][8] == values[a][alias] and (a, alias) not in split for a in (0, 1))
    ]
    layouts.append((True, False, 8))
    for eights, fours_or, _alias in layouts:
        names = ("a", "e", "f", "t", "o") if eights else ("a", "f", "t", "o")

        def cell(a: int, c: int, when_split: int | None) -> int | None:
            if (a, c) in split:
                return when_split
            return next(iter(values[a][c]))

        if not split:
            expr = _synth(_count_table(lambda a, c: cell(a, c, None), eights), names)
        else:
            expr = _split_formula(table, split, eights, names, cell)
        candidates.append(Formula(eights, fours_or, expr))
    if split:
        _synth.cache_clear()  # large tables of one rule, not worth keeping
    return min(candidates, key=lambda f: f.cost)


def _split_formula(table: np.ndarray, split: set, eights: bool, names: tuple, cell) -> Expr:
    """The count formula with a leaf ``P`` at each split (centre, count).

    ``P`` is a formula of :data:`NEIGHBOUR_VARS`, right on the arrangements of
    that count and free on every other one (those "don't care" entries make
    it small); :func:`_synth` then treats the leaves as values, sharing them
    where it can.
    """
    pieces: dict[tuple[int, int], list[int | None]] = {key: [None] * 256 for key in split}
    for config in range(512):
        key = ((config >> 4) & 1, (config & ~0x10).bit_count())
        if key in pieces:
            pieces[key][_neighbour_vars(config)] = int(table[config])
    leaves = {key: _synth(tuple(piece), NEIGHBOUR_VARS) for key, piece in pieces.items()}
    return _synth(_count_table(lambda a, c: leaves.get((a, c), cell(a, c, None)), eights), names)


# ------------------------------------------------- formula -> straight code --
_UFUNCS = {"and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor, "not": np.invert}


class _Program:
    """A formula as a list of ufunc calls over numbered scratch registers.

    Register ``-1`` is the output; inputs are named.  Registers are reused once
    their value is dead, so few scratch buffers are needed.
    """

    def __init__(self, expr: Expr) -> None:
        self.const: int | None = expr[1] if expr[0] == "const" else None
        self.copy_of: str | None = expr[1] if expr[0] == "var" else None
        self.code: list[tuple[Callable, tuple, int]] = []
        self.registers = 0
        if self.const is None and self.copy_of is None:
            order: list[Expr] = []
            self._order(expr, order, set())
            last_use: dict[Expr, int] = {}
            for i, node in enumerate(order):
                for arg in node[1:]:
                    last_use[arg] = i
            where: dict[Expr, object] = {}
            free: list[int] = []
            for i, node in enumerate(order):
                args = tuple(where[a] if a in where else a[1] for a in node[1:])
                for a in node[1:]:  # free dead registers before choosing a target
                    if a in where and last_use[a] == i and a is not node:
                        reg = where[a]
                        if isinstance(reg, int) and reg >= 0 and reg not in free:
                            free.append(reg)
                if node is expr:
                    target = -1
                elif free:
                    target = free.pop()
                else:
                    target = self.registers
                    self.registers += 1
                where[node] = target
                self.code.append((_UFUNCS[node[0]], args, target))

    def _order(self, e: Expr, order: list[Expr], seen: set) -> None:
        if e[0] in ("var", "const") or e in seen:
            return
        for x in e[1:]:
            self._order(x, order, seen)
        seen.add(e)
        order.append(e)

    def run(self, inputs: dict[str, np.ndarray], scratch: list[np.ndarray], out: np.ndarray) -> None:
        if self.const is not None:
            out.fill(~np.uint64(0) if self.const else 0)
            return
        if self.copy_of is not None:
            np.copyto(out, inputs[self.copy_of])
            return
        for ufunc, args, target in self.code:
            arrays = [scratch[a] if isinstance(a, int) else inputs[a] for a in args]
            ufunc(*arrays, out=out if target == -1 else scratch[target])


# ------------------------------------------------------------ the kernel --
_BLOCK_WORDS = 1 << 13  # words per block of rows: keeps ~12 scratch arrays in L2


class RowKernel:
    """One two-state rule on packed rows of ``width`` cells, stepped in cache-sized blocks.

    ``rule`` may be of any family: the kernel runs its two-state rule
    ``rule.base`` (on live bits; the caller handles any other states).

    With ``wrap`` (the default) each row is a circle of ``width`` cells.
    Without it, ``width`` must be a multiple of 64 and the caller supplies the
    neighbours: the first and last word of each row are read as neighbours
    and their outputs are meaningless (see :class:`PackedTorus`).

    Not thread-safe: it owns its scratch buffers.
    """

    def __init__(self, rule: RuleBase, width: int, block_words: int = _BLOCK_WORDS, wrap: bool = True) -> None:
        if width < 1 or (not wrap and width % 64):
            raise ValueError(f"a kernel cannot have rows of {width} cells (wrap={wrap})")
        self.rule = rule
        self.width = width
        self.wrap = wrap
        self.nwords = words_for(width)
        self.formula = compile_rule(rule)
        self.program = _Program(self.formula.expr)
        # Buffers before the program's registers: 9 for the adders, 1 more
        # when the formula reads the neighbour planes (the adders then keep
        # the west words instead of overwriting them).
        self._fixed = 10 if self.formula.neighbours else 9
        self._top = (width - 1) % 64  # bit of the last word that holds column width-1
        self._pad_mask = None if width % 64 == 0 else np.uint64((1 << (width % 64)) - 1)
        self.block_rows = max(1, block_words // self.nwords)
        self._bufs: list[np.ndarray] = []
        self._buf_rows = 0

    def _scratch(self, rows: int) -> list[np.ndarray]:
        if rows > self._buf_rows:
            size = (rows + 2) * self.nwords
            count = self._fixed + self.program.registers
            self._bufs = [np.empty(size, _U64) for _ in range(count)]
            self._buf_rows = rows
        return self._bufs

    def rows(self, src: np.ndarray, dst: np.ndarray) -> None:
        """One generation of rows ``1 .. n`` of ``src`` (``(n + 2, W)``) into ``dst`` (``(n, W)``).

        Columns wrap around (a torus row); rows do not: ``src``'s first and last
        rows are read-only neighbours.  Both must be C-contiguous ``uint64``
        arrays and must not overlap.
        """
        n = dst.shape[0]
        step = self.block_rows
        for i in range(0, n, step):
            m = min(step, n - i)
            self._block(src[i : i + m + 2], dst[i : i + m])

    def _block(self, x2: np.ndarray, out2: np.ndarray) -> None:
        W = self.nwords
        n = out2.shape[0]
        L, N = (n + 2) * W, n * W
        bufs = self._scratch(self.block_rows)
        wst, est, tmp, s2, p, o, q, t, k = (b[:L] for b in bufs[:9])
        x = x2.reshape(-1)
        xt = x2.T  # (W, n + 2) views of whole columns, for the edge words
        top = self._top

        # West neighbours: shift left one bit, carry in bit 63 of the word to the
        # left.  The flat shift carries across rows at column 0; fixed below.
        np.left_shift(x, 1, out=wst)
        np.right_shift(x, 63, out=tmp)
        np.bitwise_or(wst[1:], tmp[:-1], out=wst[1:])
        if self.wrap:
            w2 = wst.reshape(n + 2, W)
            w2[:, 0] = (xt[0] << np.uint64(1)) | ((xt[W - 1] >> np.uint64(top)) & np.uint64(1))
        # East neighbours: shift right, carry in bit 0 of the word to the right;
        # column width-1 takes column 0 (the padding bits above it are 0).
        np.right_shift(x, 1, out=est)
        np.left_shift(x, 63, out=tmp)
        np.bitwise_or(est[:-1], tmp[1:], out=est[:-1])
        if self.wrap:
            e2 = est.reshape(n + 2, W)
            e2[:, W - 1] = (xt[W - 1] >> np.uint64(1)) | ((xt[0] & np.uint64(1)) << np.uint64(top))

        # Horizontal adders: (c2 s2) = west + east, (c1 s1) = west + self + east.
        keep = self.formula.neighbours
        np.bitwise_xor(wst, est, out=s2)
        c2 = np.bitwise_and(wst, est, out=bufs[9][:L] if keep else wst)
        s1 = np.bitwise_xor(s2, x, out=est)
        np.bitwise_and(s2, x, out=tmp)
        c1 = np.bitwise_or(tmp, c2, out=tmp)

        # Vertical: rows above (u), beside (m) and below (d) each cell's row.
        u, m, d = slice(0, N), slice(W, W + N), slice(2 * W, 2 * W + N)
        p, o, q, t, k = p[:N], o[:N], q[:N], t[:N], k[:N]
        np.bitwise_xor(s1[u], s1[d], out=p)
        np.bitwise_xor(p, s2[m], out=o)            # ones
        np.bitwise_and(s1[u], s1[d], out=q)
        np.bitwise_and(p, s2[m], out=p)
        np.bitwise_or(q, p, out=q)                 # carry into the twos
        np.bitwise_xor(c1[u], c1[d], out=p)
        np.bitwise_xor(p, c2[m], out=t)
        np.bitwise_and(c1[u], c1[d], out=k)
        np.bitwise_and(p, c2[m], out=p)
        np.bitwise_or(k, p, out=k)                 # first carry into the fours
        np.bitwise_and(t, q, out=p)                # second carry into the fours
        np.bitwise_xor(t, q, out=t)                # twos
        inputs = {"a": x[m], "o": o, "t": t}
        if keep:
            planes = ((x, u), (x, d), (wst, u), (wst, m), (wst, d), (s2, u), (s2, m), (s2, d))
            for name, (plane, rows) in zip(NEIGHBOUR_VARS, planes):
                inputs[name] = plane[rows]
        formula = self.formula
        if formula.eights:
            np.bitwise_and(k, p, out=q)
            inputs["e"] = q
        (np.bitwise_or if formula.fours_or else np.bitwise_xor)(k, p, out=k)
        inputs["f"] = k

        out = out2.reshape(-1)
        self.program.run(inputs, [b[:N] for b in bufs[self._fixed :]], out)
        if self._pad_mask is not None:
            out2[:, W - 1] &= self._pad_mask


def fill_halo(buffer: np.ndarray, height: int, width: int, rows: bool = True, columns: bool = True) -> None:
    """Rewrite the halo of a torus buffer (``(..., rows, W + 2)``, see :class:`PackedTorus`) from its board.

    Leading axes (the planes of a multi-state board) are filled alike.
    ``columns``: the halo words and the padding bits; ``rows``: the halo rows.
    """
    buf, h, W = buffer, height, words_for(width)
    top_bit = (width - 1) % 64
    body = buf[..., 1 : h + 1, :]
    if columns:
        if width % 64 == 0:
            body[..., 0] = body[..., W]
            body[..., W + 1] = body[..., 1]
        else:
            last = body[..., W] & np.uint64((1 << (width % 64)) - 1)
            first = last if W == 1 else body[..., 1]
            body[..., W] = last | (first << np.uint64(top_bit + 1))
            body[..., 0] = last << np.uint64(63 - top_bit)
            # body[..., W + 1] is never read for a real cell: the last real
            # column's east neighbour is in the padding bits.
    if rows:
        buf[..., 0, :] = buf[..., h, :]      # the wrap: row h-1 above row 0 ...
        buf[..., h + 1, :] = buf[..., 1, :]  # ... row 0 below row h-1 (a 1-high torus: itself)


class PackedTorus:
    """A packed torus in the kernel's working layout, stepped in place.

    The board lives in a buffer with a halo, so that the kernel needs no wrap:
    a copy of the last row above the first and of the first row below the
    last, and a *halo word* at both ends of each row.  The west halo word has
    column ``width - 1`` in its top bit.  When the width is not a multiple of
    64 the padding bits of each row's last word hold copies of columns
    ``0, 1, ...``, so the east neighbour of the last column is column 0; the
    kernel's outputs in halo words and padding bits are meaningless and
    :meth:`fill_halo` rewrites them after every generation.

    ``rows`` (at least ``height``) sizes the buffer for callers that read whole
    tiles past the last row (:class:`~lifegame.engines.tiled.TiledTorus`).
    Two buffers alternate between generations; keeping the object around
    spares the page faults of fresh large arrays on the next call.
    """

    def __init__(self, rule: RuleBase, height: int, width: int, rows: int | None = None) -> None:
        self.rule, self.height, self.width = rule, height, width
        self.nwords = W = words_for(width)
        self.top_bit = (width - 1) % 64  # bit of the last word holding column width-1
        self.pad_mask = None if width % 64 == 0 else np.uint64((1 << (width % 64)) - 1)
        self.kernel = RowKernel(rule, (W + 2) * 64, wrap=False)
        shape = (max(height, rows or 0) + 2, W + 2)
        self.buffer = np.zeros(shape, _U64)
        self._spare = np.zeros(shape, _U64)

    @property
    def words(self) -> np.ndarray:
        """The board ``(height, W)``: a view into the buffer, valid until the next :meth:`run`.

        When the width is not a multiple of 64 the padding bits of the last
        word are not 0 (they hold the wrap); mask them with :attr:`pad_mask`.
        """
        return self.buffer[1 : self.height + 1, 1 : self.nwords + 1]

    def load(self, cells: np.ndarray) -> None:
        """Pack a ``(height, width)`` 0/1 ``uint8`` array into the buffer."""
        dst = self.words
        chunk = max(1, (1 << 20) // max(1, self.width))  # rows per chunk: ~1 MB of cells
        for r in range(0, self.height, chunk):
            dst[r : r + chunk] = pack(cells[r : r + chunk])
        self.fill_halo()

    def cells(self) -> np.ndarray:
        """The board unpacked: a new ``(height, width)`` ``uint8`` array."""
        return unpack(self.words, self.width)

    def fill_halo(self, rows: bool = True, columns: bool = True) -> None:
        """Rewrite the halo (and padding bits) from the board after it was written."""
        fill_halo(self.buffer, self.height, self.width, rows, columns)

    def step_into_spare(self) -> tuple[np.ndarray, np.ndarray]:
        """One generation from the buffer into the spare, then swap; returns ``(old, new)`` buffers.

        The halo of the new buffer is filled; ``old`` keeps the previous
        generation until the next step.
        """
        h = self.height
        old, new = self.buffer, self._spare
        self.kernel.rows(old[: h + 2], new[1 : h + 1])
        self.buffer, self._spare = new, old
        self.fill_halo()
        return old, new

    def run(self, generations: int) -> None:
        """Advance ``generations`` generations."""
        for _ in range(generations):
            self.step_into_spare()
