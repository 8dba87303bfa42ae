"""The HashLife quadtree: canonical nodes, memoised results, 16x16 leaves as integers, collection.

Nodes
-----
A *leaf* (level 4) is a 16x16 square held as one Python ``int``: cell
``(r, c)`` is bit ``32 * r + c`` (rows 32 bits apart, the upper 16 bits of
each row zero).  A node of level ``L >= 5`` (``2^L`` cells a side) is an
``int`` id; ``children[id]`` is the tuple ``(nw, ne, sw, se)`` of its
quadrants (leaf integers for level 5, ids above).  Nodes are *interned*: one
dict per level maps the children tuple to the id, so equal squares are the
same id, and a result memoised for an id serves every place and time that
square occurs.  Ids and tuples of small ints keep the cyclic garbage
collector out of the way (no tracked object per node).

Results
-------
``result(n, L, j)`` is the level ``L - 1`` square at the centre of node ``n``
``2^j`` generations later (``j <= L - 2``, the light cone), memoised per
``j``.  At ``j == L - 2`` the classic nine-then-four recursion runs at full
speed; below it the nine sub-results advance ``2^j`` and the four
combinations only take their centres.  At level 5 (32x32) the four leaves are
put side by side in one 1024-bit integer and stepped up to 8 generations with
bitwise adders and a formula (:func:`compile_generations`: any two-state rule
without B0, from its 512-entry table -- count bits for Life-like rules, and
single neighbour planes where Hensel letters split a count); the centre
comes out with a shift and a mask.

The torus
---------
A ``2^k`` torus is the plane tiled with copies of itself.  ``U = (T, T, T, T)``
(level ``k + 1``) holds at its centre the torus ``2^(k-1)`` generations on,
shifted half a side: its quadrants go back as ``(se, sw, ne, nw)``.  For a
step ``2^j`` with ``j >= k`` the tiling is repeated up to level ``j + 2``;
that centre starts a whole number of periods in, so any aligned level-``k``
square of it is the torus.  :meth:`Universe.step` does this.

Memory
------
:meth:`Universe.collect` keeps the nodes reachable from the given roots
(renumbered densely) and the memoised results between kept nodes, and drops
the rest.  During a step, every few large results the universe looks at its
size (raising :class:`CacheFull` above ``hard_limit`` nodes) and at the
cancel event (raising :class:`~.base.JobCancelled`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ..rules import RuleBase
from .base import JobCancelled
from .bitpack import Expr, e_and, e_not, e_or, e_xor

__all__ = ["LEAF_LEVEL", "LEAF_SIDE", "MIN_LEVEL", "CacheFull", "Universe", "count_occupied_leaves", "leaf_from_rows", "leaf_rows", "occupied_leaves"]

LEAF_LEVEL = 4
LEAF_SIDE = 16
BASE_LEVEL = 5
MIN_LEVEL = BASE_LEVEL
"""The smallest torus (32x32) the universe steps; smaller boards are tiled up to it."""
_ROW = 32  # bits from one row to the next, in leaves and in the 32x32 base square
_LEAF_MASK = sum(((1 << LEAF_SIDE) - 1) << (_ROW * r) for r in range(LEAF_SIDE))
_BASE_MASK = (1 << (_ROW * 32)) - 1
_CENTRE = 8 * _ROW + 8  # the 16x16 centre of a 32x32 square
_SW = LEAF_SIDE * _ROW  # where the southern leaves go in a 32x32 square
_SE = _SW + LEAF_SIDE
_CHECK_LEVEL = 8
"""Results computed at this level or above look at the cancel event and the cache size."""


class CacheFull(Exception):
    """The node cache passed its hard limit during a step (collect, then step less far)."""


# -------------------------------------------------------------- the rule --
# One generation of a 32x32 square held as an int ``a`` (rows 32 bits apart):
# the eight neighbours' live bits are added in bit planes, giving the ones bit
# ``o`` and the twos bit ``t`` of the count, and carries (``q``, ``s``, ``c2``)
# that make a fours bit or an eights bit when the rule needs one.
_ADDER = (
    "w = a << 1",  # the west neighbour's bit at every cell
    "x = a >> 1",  # the east neighbour's
    "s2 = w ^ x",
    "k2 = w & x",
    "s1 = s2 ^ a",
    "k1 = k2 | (s2 & a)",
    f"u0 = s1 << {_ROW}",
    f"d0 = s1 >> {_ROW}",
    f"u1 = k1 << {_ROW}",
    f"d1 = k1 >> {_ROW}",
    "us = u0 ^ s2",
    "o = us ^ d0",
    "k0 = (u0 & s2) | (d0 & us)",
    "p = u1 ^ k2",
    "q = u1 & k2",
    "r = d1 ^ k0",
    "s = d1 & k0",
    "t = p ^ r",
    "c2 = p & r",
)
_ADDER_OPS = 23


class _Plane(NamedTuple):
    source: str  # the statement that makes it ("" when the adder has it)
    ops: int  # the big-integer operations that statement costs


# The planes a formula may test: the centre, count bits, the eight neighbours.  A neighbour plane is
# named by its bit in the rules' 512-entry index (nw=8 n=7 ne=6 w=5 c=4 e=3 sw=2 s=1 se=0, "n" the
# row above: the row above is 32 bits lower, so its bit comes up by a left shift of 32).
_PLANES = {
    "a": _Plane("", 0),
    "o": _Plane("", 0),
    "t": _Plane("", 0),
    "fx": _Plane("fx = q ^ s ^ c2", 2),  # the fours bit; count 8 reads as 0
    "fo": _Plane("fo = q | s | c2", 2),  # the fours bit; count 8 reads as 4
    "e": _Plane("e = q & s", 1),  # the eights bit
    "n8": _Plane(f"n8 = a << {_ROW + 1}", 1),
    "n7": _Plane(f"n7 = a << {_ROW}", 1),
    "n6": _Plane(f"n6 = a << {_ROW - 1}", 1),
    "n5": _Plane("n5 = w", 0),
    "n3": _Plane("n3 = x", 0),
    "n2": _Plane(f"n2 = a >> {_ROW - 1}", 1),
    "n1": _Plane(f"n1 = a >> {_ROW}", 1),
    "n0": _Plane(f"n0 = a >> {_ROW + 1}", 1),
}
# The count planes a formula tests first, in some order: the fours bit either way, or with an eights bit.
_COUNT_SETS = (("a", "fx", "t", "o"), ("a", "fo", "t", "o"), ("a", "e", "fx", "t", "o"))
# The orders in which the neighbours are tested where the count alone does not decide (Hensel letters).
_NEIGHBOUR_ORDERS = (
    ("n7", "n1", "n5", "n3", "n8", "n0", "n6", "n2"),  # edges, then corners
    ("n7", "n3", "n1", "n5", "n8", "n6", "n0", "n2"),  # edges around, corners around
    ("n7", "n6", "n3", "n0", "n1", "n2", "n5", "n8"),  # around the ring
    ("n8", "n0", "n6", "n2", "n7", "n1", "n5", "n3"),  # corners, then edges
)
_EVERY = (1 << 512) - 1


def _plane_masks() -> dict[str, int]:
    """For each plane, the set of the 512 configurations where it reads 1 at the centre (a 512-bit int).

    The adder itself is run on each configuration (a 3x3 block in the corner
    of a square), so the sets say what the emitted code computes, carries and all.
    """
    code = compile("\n".join((*_ADDER, *(p.source for p in _PLANES.values() if p.source))), "<adder>", "exec")
    centre = _ROW + 1
    masks = dict.fromkeys(_PLANES, 0)
    for config in range(512):
        a = 0
        for bit in range(9):
            if config >> bit & 1:
                row, col = divmod(8 - bit, 3)  # bit 8 is the north-west corner, bit 0 the south-east
                a |= 1 << (_ROW * row + col)
        scope = {"a": a}
        exec(code, scope)  # noqa: S102 - our own source
        for name in _PLANES:
            if scope[name] >> centre & 1:
                masks[name] |= 1 << config
    return masks


_MASKS = _plane_masks()

# A formula: ("var", plane) | ("const", 0 or 1) | ("not", x) | ("and" | "or" | "xor", x, y), shared subterms
# computed once; built with the bit kernel's constant-folding combinators.
_ZERO: Expr = ("const", 0)
_ONE: Expr = ("const", 1)
_not, _and, _or, _xor = e_not, e_and, e_or, e_xor


def _mux(v: Expr, hi: Expr, lo: Expr) -> Expr:
    """``hi`` where ``v`` is set, ``lo`` elsewhere, in the cheapest of the usual forms."""
    if hi == lo:
        return hi
    if lo == _ZERO:
        return _and(v, hi)
    if hi == _ZERO:
        return _and(_not(v), lo)
    if hi == _ONE:
        return _or(v, lo)
    if lo == _ONE:
        return _or(_not(v), hi)
    if hi == _not(lo):
        return _xor(v, lo)
    return _xor(lo, _and(v, _xor(lo, hi)))


def _terms(e: Expr, seen: set, planes: set) -> None:
    if e[0] == "var":
        planes.add(e[1])
    elif e[0] != "const" and e not in seen:
        seen.add(e)
        for x in e[1:]:
            _terms(x, seen, planes)


def _cost(e: Expr) -> int:
    """Big-integer operations to evaluate ``e``: its distinct terms, the planes it reads, the adder."""
    seen: set = set()
    planes: set = set()
    _terms(e, seen, planes)
    if e[0] == "const":
        return 0
    return _ADDER_OPS + len(seen) + sum(_PLANES[p].ops for p in planes)


class _Synth:
    """A cheap formula for one 512-entry table (``ones``: the configurations live next).

    A target is ``(care, ones)``: the configurations still possible under the
    tests above (a 512-bit set) and those of them that must come out live.
    Count planes are chosen freely at each step, as a small exact search (a
    plane may be skipped, split on, or taken out by an exclusive or); what
    the count planes cannot decide (Hensel letters) is split on single
    neighbours in a fixed ``neighbours`` order.  The configurations the
    tests above exclude are don't-cares, which is what keeps Life-like
    formulas as small as the bit kernel's.
    """

    def __init__(self, neighbours: tuple[str, ...]) -> None:
        self.neighbours = neighbours
        self.memo: dict[tuple, Expr] = {}
        self.pure_memo: dict[tuple, bool] = {}
        self.split_memo: dict[tuple, Expr] = {}

    def pure(self, care: int, ones: int, planes: tuple[str, ...]) -> bool:
        """Whether ``planes`` alone decide the target."""
        if not ones or ones == care:
            return True
        if not planes:
            return False
        key = (care, ones, planes)
        got = self.pure_memo.get(key)
        if got is None:
            m = _MASKS[planes[0]]
            rest = planes[1:]
            got = self.pure_memo[key] = self.pure(care & m, ones & m, rest) and self.pure(
                care & ~m & _EVERY, ones & ~m & _EVERY, rest
            )
        return got

    def split(self, care: int, ones: int, i: int = 0) -> Expr:
        """The target decided by the neighbours, tested in order from the ``i``-th."""
        if not ones:
            return _ZERO
        if ones == care:
            return _ONE
        key = (care, ones, i)
        got = self.split_memo.get(key)
        if got is None:
            plane = self.neighbours[i]  # the eight neighbours and the centre tell every configuration apart
            m = _MASKS[plane]
            hc, lc = care & m, care & ~m & _EVERY
            if not hc or not lc:
                got = self.split(care, ones, i + 1)
            else:
                got = _mux(("var", plane), self.split(hc, ones & m, i + 1), self.split(lc, ones & ~m & _EVERY, i + 1))
            self.split_memo[key] = got
        return got

    def synth(self, care: int, ones: int, planes: tuple[str, ...]) -> Expr:
        """The cheapest formula found for the target, testing ``planes`` first (any order), then neighbours."""
        if not ones:
            return _ZERO
        if ones == care:
            return _ONE
        if not planes:
            return self.split(care, ones)
        key = (care, ones, planes)
        got = self.memo.get(key)
        if got is not None:
            return got
        best: Expr | None = None
        best_cost = 0
        for i, plane in enumerate(planes):
            rest = planes[:i] + planes[i + 1 :]
            m = _MASKS[plane]
            hc, lc = care & m, care & ~m & _EVERY
            candidates: list[Expr] = []
            if not hc or not lc or self.pure(care, ones, rest):
                candidates.append(self.synth(care, ones, rest))
            else:
                v = ("var", plane)
                candidates.append(_mux(v, self.synth(hc, ones & m, rest), self.synth(lc, ones & ~m & _EVERY, rest)))
                flipped = ones ^ hc
                if self.pure(care, flipped, rest):
                    candidates.append(_xor(v, self.synth(care, flipped, rest)))
            for cand in candidates:
                cost = _cost(cand)
                if best is None or cost < best_cost:
                    best, best_cost = cand, cost
        assert best is not None
        self.memo[key] = best
        return best


def _emit(e: Expr) -> tuple[list[str], str]:
    """Statements (the adder, the planes, then each shared term once) and the expression of the result."""
    if e[0] == "const":
        return [], "-1" if e[1] else "0"
    seen: set = set()
    planes: set = set()
    _terms(e, seen, planes)
    lines = list(_ADDER) + [p.source for name, p in _PLANES.items() if p.source and name in planes]
    names: dict[Expr, str] = {}

    def name(x: Expr) -> str:
        if x[0] == "var":
            return x[1]
        found = names.get(x)
        if found is None:
            if x[0] == "not":
                text = f"~{name(x[1])}"
            else:
                op = {"and": "&", "or": "|", "xor": "^"}[x[0]]
                text = f"{name(x[1])} {op} {name(x[2])}"
            found = names[x] = f"g{len(names)}"
            lines.append(f"{found} = {text}")
        return found

    return lines, name(e)


@lru_cache(maxsize=64)
def _formula(table: bytes) -> tuple[tuple[str, ...], str]:
    """The cheapest formula found for a 512-entry table, over each choice of count planes and neighbour order."""
    ones = sum(1 << i for i, v in enumerate(table) if v)
    best: Expr | None = None
    for planes in _COUNT_SETS:
        for neighbours in _NEIGHBOUR_ORDERS:
            synth = _Synth(neighbours)
            e = synth.synth(_EVERY, ones, planes)
            if best is None or _cost(e) < _cost(best):
                best = e
            if not synth.split_memo:
                break  # the count planes decide alone: the neighbours' order is moot
    assert best is not None
    lines, root = _emit(best)
    return tuple(lines), root


def compile_generations(rule: RuleBase) -> Callable[[int, int], int]:
    """``run(x, n)``: ``n`` generations of a 32x32 square held as an int (rows 32 bits apart).

    Any two-state rule without B0, from its 512-entry table
    (:meth:`~lifegame.rules.RuleBase.neighborhood_table`): the neighbour
    count in bit planes, then a decision diagram over the count bits and,
    where Hensel letters need it, single neighbours.  The edges read zeros
    or garbage from beyond; only cells ``n`` or more from every edge are
    exact (the light cone), which is all a result needs.
    """
    if rule.states != 2 or rule.has_b0:
        raise ValueError(f"the leaf kernel runs two-state rules without B0, not {rule}")
    lines, root = _formula(rule.neighborhood_table().tobytes())
    body = ["def run(a, n):", "    for _ in range(n):"]
    body += [f"        {line}" for line in lines]
    body += [f"        a = ({root}) & MASK", "    return a"]
    namespace: dict = {"MASK": _BASE_MASK}
    exec(compile("\n".join(body), f"<hashlife {rule}>", "exec"), namespace)  # noqa: S102 - our own source
    return namespace["run"]


# ----------------------------------------------------------- leaves <-> cells --
def leaf_from_rows(rows16: np.ndarray) -> list[int]:
    """Leaves from ``(m, 16, 16)`` 0/1 uint8 blocks, as a list of ints."""
    m = rows16.shape[0]
    if m == 0:
        return []
    packed = np.zeros((m, LEAF_SIDE, _ROW // 8), np.uint8)
    packed[:, :, :2] = np.packbits(rows16, axis=2, bitorder="little")
    raw = packed.tobytes()
    size = LEAF_SIDE * _ROW // 8
    from_bytes = int.from_bytes
    return [from_bytes(raw[i : i + size], "little") for i in range(0, m * size, size)]


def leaf_rows(leaves: list[int]) -> np.ndarray:
    """The inverse of :func:`leaf_from_rows`: ``(m, 16, 16)`` uint8 blocks."""
    size = LEAF_SIDE * _ROW // 8
    raw = b"".join(leaf.to_bytes(size, "little") for leaf in leaves)
    packed = np.frombuffer(raw, np.uint8).reshape(len(leaves), LEAF_SIDE, _ROW // 8)[:, :, :2]
    return np.unpackbits(packed, axis=2, bitorder="little")


def _at_least_32(cells: np.ndarray) -> np.ndarray:
    h, w = cells.shape
    if h < 32 or w < 32:  # np.tile copies even when it repeats nothing
        cells = np.tile(cells, (max(1, 32 // h), max(1, 32 // w)))
    return np.ascontiguousarray(cells, dtype=np.uint8)


def occupied_leaves(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns (in leaves) of the 16x16 blocks of ``cells`` holding a live cell.

    ``cells``: C-contiguous uint8, sides multiples of 16.  Only bands of rows
    holding a live cell are looked at closely (8 cells per 64-bit word).
    """
    h, w = cells.shape
    words = cells.view(np.uint64)
    bands = np.flatnonzero(words.any(axis=1).reshape(h // 16, 16).any(axis=1))
    occupied = words.reshape(h // 16, 16, w // 16, 2)[bands].any(axis=(1, 3))
    ys, xs = np.nonzero(occupied)
    return bands[ys], xs


def count_occupied_leaves(cells: np.ndarray) -> int:
    """How many leaves the torus ``cells`` (sides powers of two from 8) has with a live cell."""
    return int(occupied_leaves(_at_least_32(cells))[0].size)


# ------------------------------------------------------------- the universe --
class Universe:
    """Interned nodes and memoised results for one rule (see the module docstring)."""

    def __init__(self, rule: RuleBase) -> None:
        if rule.states != 2 or rule.has_b0:
            raise ValueError(f"hashlife runs two-state rules without B0, not {rule}")
        self.rule = rule
        self.children: list[tuple] = []
        self.interned: list[dict] = []  # by level
        self.memo: list[dict] = []  # results of level >= 6 nodes, by j
        self.base_memo: list[dict] = [{} for _ in range(BASE_LEVEL - 1)]  # results of level-5 nodes, by j
        self.hard_limit: int | None = None
        self.cancel = None
        self.collections = 0
        self._run = compile_generations(rule)
        self._empty: list[object] = []
        self._build()

    # -- sizes ---------------------------------------------------------------
    def nodes(self) -> int:
        return len(self.children)

    def entries(self) -> int:
        """Nodes plus memoised results: what the memory estimate counts."""
        return len(self.children) + sum(map(len, self.memo)) + sum(map(len, self.base_memo))

    # -- nodes -----------------------------------------------------------------
    def _levels(self, level: int) -> None:
        while len(self.interned) <= level:
            self.interned.append({})

    def node(self, level: int, nw, ne, sw, se) -> int:
        """The id of the level-``level`` node with these quadrants (leaf ints at level 5)."""
        key = (nw, ne, sw, se)
        if level >= len(self.interned):
            self._levels(level)
        table = self.interned[level]
        found = table.get(key)
        if found is None:
            found = table[key] = len(self.children)
            self.children.append(key)
        return found

    def empty(self, level: int):
        """The empty square of ``level`` (the int 0 for a leaf)."""
        while len(self._empty) <= level:
            lv = len(self._empty)
            if lv <= LEAF_LEVEL:
                self._empty.append(0)
            else:
                e = self._empty[lv - 1]
                self._empty.append(self.node(lv, e, e, e, e))
        return self._empty[level]

    # -- the recursion ----------------------------------------------------------
    def _build(self) -> None:
        """Make ``self.result`` (closures over the tables, rebuilt after a collection)."""
        children = self.children
        interned = self.interned
        memo = self.memo
        base_memo = self.base_memo
        run = self._run
        leaf_mask = _LEAF_MASK
        centre = _CENTRE
        sw_at, se_at = _SW, _SE
        check_level = _CHECK_LEVEL
        universe = self

        def base(n: int, j: int) -> int:
            table = base_memo[j]
            r = table.get(n)
            if r is None:
                a, b, c, d = children[n]
                r = table[n] = (run(a | (b << 16) | (c << sw_at) | (d << se_at), 1 << j) >> centre) & leaf_mask
            return r

        def result(n: int, level: int, j: int) -> int:
            if level == 5:
                return base(n, j)
            if j >= len(memo):
                memo.extend({} for _ in range(j + 1 - len(memo)))
            table = memo[j]
            r = table.get(n)
            if r is not None:
                return r
            if level >= check_level:
                universe.checkpoint()
            nw, ne, sw, se = children[n]
            _a, b, c, d = children[nw]  # the four corners (_a, _f, _l, _s) are in no overlapping square
            e, _f, g, h = children[ne]
            i, k, _l, m = children[sw]
            o, p, q, _s = children[se]
            down = level - 1
            sub = interned[down]
            # The nine overlapping squares of level - 1.
            n01 = sub.get((b, e, d, g))
            if n01 is None:
                n01 = sub[(b, e, d, g)] = len(children)
                children.append((b, e, d, g))
            n10 = sub.get((c, d, i, k))
            if n10 is None:
                n10 = sub[(c, d, i, k)] = len(children)
                children.append((c, d, i, k))
            n11 = sub.get((d, g, k, o))
            if n11 is None:
                n11 = sub[(d, g, k, o)] = len(children)
                children.append((d, g, k, o))
            n12 = sub.get((g, h, o, p))
            if n12 is None:
                n12 = sub[(g, h, o, p)] = len(children)
                children.append((g, h, o, p))
            n21 = sub.get((k, o, m, q))
            if n21 is None:
                n21 = sub[(k, o, m, q)] = len(children)
                children.append((k, o, m, q))
            full = j >= level - 2
            jj = level - 3 if full else j
            if down == 5:
                t00 = base(nw, jj)
                t01 = base(n01, jj)
                t02 = base(ne, jj)
                t10 = base(n10, jj)
                t11 = base(n11, jj)
                t12 = base(n12, jj)
                t20 = base(sw, jj)
                t21 = base(n21, jj)
                t22 = base(se, jj)
            else:
                t00 = result(nw, down, jj)
                t01 = result(n01, down, jj)
                t02 = result(ne, down, jj)
                t10 = result(n10, down, jj)
                t11 = result(n11, down, jj)
                t12 = result(n12, down, jj)
                t20 = result(sw, down, jj)
                t21 = result(n21, down, jj)
                t22 = result(se, down, jj)
            if full:
                # Four squares of level - 1 from the nine results, advanced again.
                w = universe.node(down, t00, t01, t10, t11)
                x = universe.node(down, t01, t02, t11, t12)
                y = universe.node(down, t10, t11, t20, t21)
                z = universe.node(down, t11, t12, t21, t22)
                if down == 5:
                    r = universe.node(down, base(w, jj), base(x, jj), base(y, jj), base(z, jj))
                else:
                    r = universe.node(
                        down, result(w, down, jj), result(x, down, jj), result(y, down, jj), result(z, down, jj)
                    )
            elif down == 5:
                # The nine results are leaves; the four centres come out of 32x32 squares.
                r = universe.node(
                    5,
                    ((t00 | (t01 << 16) | (t10 << sw_at) | (t11 << se_at)) >> centre) & leaf_mask,
                    ((t01 | (t02 << 16) | (t11 << sw_at) | (t12 << se_at)) >> centre) & leaf_mask,
                    ((t10 | (t11 << 16) | (t20 << sw_at) | (t21 << se_at)) >> centre) & leaf_mask,
                    ((t11 | (t12 << 16) | (t21 << sw_at) | (t22 << se_at)) >> centre) & leaf_mask,
                )
            else:
                # The nine results are level - 2 nodes; take the four centres without time.
                c00, c01, c02 = children[t00], children[t01], children[t02]
                c10, c11, c12 = children[t10], children[t11], children[t12]
                c20, c21, c22 = children[t20], children[t21], children[t22]
                two = level - 2
                node = universe.node
                r = node(
                    down,
                    node(two, c00[3], c01[2], c10[1], c11[0]),
                    node(two, c01[3], c02[2], c11[1], c12[0]),
                    node(two, c10[3], c11[2], c20[1], c21[0]),
                    node(two, c11[3], c12[2], c21[1], c22[0]),
                )
            table[n] = r
            return r

        self.result = result

    def checkpoint(self) -> None:
        """Raise when cancelled or when the cache is over its hard limit (called during a step)."""
        cancel = self.cancel
        if cancel is not None and cancel.is_set():
            raise JobCancelled("cancelled")
        if self.hard_limit is not None and len(self.children) > self.hard_limit:
            raise CacheFull(len(self.children))

    # -- the torus ----------------------------------------------------------------
    def step(self, root: int, k: int, j: int) -> int:
        """The level-``k`` torus ``root`` advanced ``2^j`` generations (a new root of level ``k``)."""
        if k < MIN_LEVEL:
            raise ValueError(f"a torus of level {k} is below level {MIN_LEVEL}")
        top = max(k + 1, j + 2)
        tile = root
        for level in range(k + 1, top + 1):
            tile = self.node(level, tile, tile, tile, tile)
        r = self.result(tile, top, j)
        if top - 1 == k:
            nw, ne, sw, se = self.children[r]
            return self.node(k, se, sw, ne, nw)
        for _ in range(top - 1 - k):
            r = self.children[r][0]
        return r

    def population(self, root: int, level: int) -> int:
        counts: dict[int, int] = {}

        def count(n: int, lv: int) -> int:
            if lv == LEAF_LEVEL:
                return n.bit_count()
            c = counts.get(n)
            if c is None:
                c = counts[n] = sum(count(x, lv - 1) for x in self.children[n])
            return c

        return count(root, level)

    # -- collection -----------------------------------------------------------------
    def collect(self, roots: list[tuple[int, int]]) -> list[int]:
        """Keep what ``roots`` (``(id, level)`` pairs) reach and the results between kept nodes.

        Returns the roots' new ids.  Every other id becomes invalid.
        """
        old_children = self.children
        new_id: dict[int, int] = {}
        levels: list[int] = []
        order: list[int] = []
        stack = [(n, lv) for n, lv in roots]
        while stack:
            n, lv = stack.pop()
            if n in new_id:
                continue
            new_id[n] = len(order)
            order.append(n)
            levels.append(lv)
            if lv > BASE_LEVEL:
                for c in old_children[n]:
                    if c not in new_id:
                        stack.append((c, lv - 1))
        children: list[tuple] = []
        interned: list[dict] = [{} for _ in self.interned]
        for n, lv in zip(order, levels):
            kids = old_children[n]
            if lv > BASE_LEVEL:
                kids = (new_id[kids[0]], new_id[kids[1]], new_id[kids[2]], new_id[kids[3]])
            interned[lv][kids] = len(children)
            children.append(kids)
        memo = [{new_id[n]: new_id[r] for n, r in table.items() if n in new_id and r in new_id} for table in self.memo]
        base_memo = [{new_id[n]: r for n, r in table.items() if n in new_id} for table in self.base_memo]
        # In place: the closures hold these very objects.
        self.children[:] = children
        for mine, theirs in zip(self.interned, interned):
            mine.clear()
            mine.update(theirs)
        for mine, theirs in zip(self.memo, memo):
            mine.clear()
            mine.update(theirs)
        for mine, theirs in zip(self.base_memo, base_memo):
            mine.clear()
            mine.update(theirs)
        self._empty = []
        self.collections += 1
        return [new_id[n] for n, _ in roots]

    def clear(self) -> None:
        """Drop everything (every id becomes invalid)."""
        self.children.clear()
        for table in (*self.interned, *self.memo, *self.base_memo):
            table.clear()
        self._empty = []

    # -- cells <-> tree ---------------------------------------------------------------
    def from_cells(self, cells: np.ndarray) -> tuple[int, int]:
        """``(root, level)`` of the torus ``cells`` (sides powers of two), tiled to a square of side >= 32."""
        h, w = cells.shape
        side = max(h, w, 1 << MIN_LEVEL)
        cells = _at_least_32(cells)
        h2, w2 = cells.shape
        blocks = cells.reshape(h2 // 16, 16, w2 // 16, 16)
        ys, xs = occupied_leaves(cells)
        leaves = leaf_from_rows(blocks[ys, :, xs, :])
        values: list[int] = [0]
        index: dict[int, int] = {0: 0}
        ids = np.empty(len(leaves), np.int64)
        for t, leaf in enumerate(leaves):
            got = index.get(leaf)
            if got is None:
                got = index[leaf] = len(values)
                values.append(leaf)
            ids[t] = got
        grid = np.zeros((h2 // 16, w2 // 16), np.int64)
        grid[ys, xs] = ids
        grid = np.tile(grid, (side // h2, side // w2))
        level = LEAF_LEVEL
        zero = 0  # the empty square's entry in ``grid`` at this level
        while grid.shape[0] > 1:
            level += 1
            quads = np.stack(
                [grid[0::2, 0::2], grid[0::2, 1::2], grid[1::2, 0::2], grid[1::2, 1::2]], axis=-1
            )
            flat = quads.reshape(-1, 4)
            busy = np.flatnonzero((flat != zero).any(axis=1))
            empty = self.empty(level)
            out = np.full(flat.shape[0], empty, np.int64)
            if busy.size:
                rows, inverse = np.unique(flat[busy], axis=0, return_inverse=True)
                made = np.empty(rows.shape[0], np.int64)
                node = self.node
                if level == BASE_LEVEL:
                    for t, (a, b, c, d) in enumerate(rows.tolist()):
                        made[t] = node(level, values[a], values[b], values[c], values[d])
                else:
                    for t, (a, b, c, d) in enumerate(rows.tolist()):
                        made[t] = node(level, a, b, c, d)
                out[busy] = made[inverse.reshape(-1)]
            grid = out.reshape(quads.shape[:2])
            zero = empty
        return int(grid[0, 0]), level

    def to_cells(self, root: int, level: int, height: int, width: int) -> np.ndarray:
        """The top-left ``height`` x ``width`` cells of the square ``root`` as a uint8 array."""
        grid = np.array([[root]], np.int64)
        children = self.children
        lv = level
        while lv > BASE_LEVEL:
            lv -= 1
            grid = self._expand(grid, children)
            size = 1 << lv
            grid = grid[: -(-height // size), : -(-width // size)]
        # Level 5 ids -> leaf indices.
        uniq, inverse = np.unique(grid, return_inverse=True)
        leaves: list[int] = [0]
        index = {0: 0}
        quads = np.empty((uniq.size, 4), np.int64)
        for t, n in enumerate(uniq.tolist()):
            for q, leaf in enumerate(children[n]):
                got = index.get(leaf)
                if got is None:
                    got = index[leaf] = len(leaves)
                    leaves.append(leaf)
                quads[t, q] = got
        g = quads[inverse.reshape(-1)].reshape(grid.shape[0], grid.shape[1], 2, 2)
        g = g.transpose(0, 2, 1, 3).reshape(grid.shape[0] * 2, grid.shape[1] * 2)
        g = g[: -(-height // 16), : -(-width // 16)]
        gh, gw = g.shape
        out = np.zeros((gh * 16, gw * 16), np.uint8)
        ys, xs = np.nonzero(g)
        if ys.size:
            blocks = leaf_rows(leaves)
            out.reshape(gh, 16, gw, 16)[ys, :, xs, :] = blocks[g[ys, xs]]
        return np.ascontiguousarray(out[:height, :width])

    @staticmethod
    def _expand(grid: np.ndarray, children: list[tuple]) -> np.ndarray:
        uniq, inverse = np.unique(grid, return_inverse=True)
        quads = np.array([children[n] for n in uniq.tolist()], np.int64).reshape(-1, 4)
        g = quads[inverse.reshape(-1)].reshape(grid.shape[0], grid.shape[1], 2, 2)
        return g.transpose(0, 2, 1, 3).reshape(grid.shape[0] * 2, grid.shape[1] * 2)
