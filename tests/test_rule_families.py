"""The rule families checked against Golly: Hensel letters, parsing, canonical text, and each family's step.

Where Golly's source decides (``gollybase/liferules.cpp``, ``generationsalgo.cpp``,
``superalgo.cpp``) the expected values below are computed by transcriptions of
that code's logic, written here independently of :mod:`lifegame.rules`: the
letter-printing choice of ``liferules::addLetters``, the ``slowcalc`` of the
Generations and History (Super) algorithms.  The letter classes are checked
against their geometric descriptions (LifeWiki's and Golly's help), not
against the module's own table.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lifegame.board import Board
from lifegame.environment import run_generations
from lifegame.rules import (
    CONWAY,
    PRESETS,
    GenerationsRule,
    HistoryRule,
    IsotropicRule,
    Rule,
    RuleBase,
    RuleError,
    format_rule_spec,
    parse_rule,
    parse_rule_spec,
    preset_name,
)
from lifegame.rules.base import QUERY_BITS
from lifegame.rules.hensel import arrangements, letters_for

# -- the 3x3 neighbourhood, written out ----------------------------------------------------------

# Golly's rule3x3 index: bit 8 is nw, 7 n, 6 ne, 5 w, 4 the centre, 3 e, 2 sw, 1 s, 0 se.
BIT_OF = {(-1, -1): 8, (-1, 0): 7, (-1, 1): 6, (0, -1): 5, (0, 0): 4, (0, 1): 3, (1, -1): 2, (1, 0): 1, (1, 1): 0}
CELL_OF = {bit: rc for rc, bit in BIT_OF.items()}  # (row, column) with row -1 at the top


def picture(text: str) -> int:
    """The index of a 3x3 picture (``"o.o/.../..."``; ``o`` live), rows from the top."""
    rows = text.split("/")
    return sum(1 << BIT_OF[(r - 1, c - 1)] for r, row in enumerate(rows) for c, ch in enumerate(row) if ch == "o")


def symmetries(index: int) -> set[int]:
    """The index under the eight rotations and reflections of the square (computed on coordinates)."""
    cells = [CELL_OF[b] for b in range(9) if index >> b & 1]
    out = set()
    for transform in (lambda r, c: (r, c), lambda r, c: (c, -r), lambda r, c: (-r, -c), lambda r, c: (-c, r),
                      lambda r, c: (r, -c), lambda r, c: (-c, -r), lambda r, c: (-r, c), lambda r, c: (c, r)):
        out.add(sum(1 << BIT_OF[transform(r, c)] for r, c in cells))
    return out


NEIGHBOURHOODS = [i for i in range(512) if not i & 0x10]


def orbits(count: int) -> list[frozenset[int]]:
    seen: set[int] = set()
    found = []
    for i in NEIGHBOURHOODS:
        if i.bit_count() == count and i not in seen:
            orbit = frozenset(symmetries(i))
            seen |= orbit
            found.append(orbit)
    return found


# -- Hensel letters -------------------------------------------------------------------------------

def test_there_are_51_classes_and_the_letters_of_each_count_partition_its_arrangements():
    assert sum(len(orbits(n)) for n in range(9)) == 51
    for count in range(9):
        letters = letters_for(count)
        assert len(letters) == (len(orbits(count)) if count not in (0, 8) else 0)
        classes = [arrangements(count, letter) for letter in letters] or [arrangements(count)]
        # each letter is exactly one class (an orbit), and together they are every arrangement, once
        assert sorted(map(sorted, classes)) == sorted(map(sorted, orbits(count)))
        assert sum(map(len, classes)) == len(arrangements(count)) == len(
            [i for i in NEIGHBOURHOODS if i.bit_count() == count])
    assert [len(letters_for(n)) for n in range(9)] == [0, 2, 6, 10, 13, 10, 6, 2, 0]


def test_letters_per_count_are_goldens():
    # Golly's rule_letters, sorted: the letters valid after 1..4 (and 7..5).
    assert letters_for(1) == letters_for(7) == "ce"
    assert letters_for(2) == letters_for(6) == "aceikn"
    assert letters_for(3) == letters_for(5) == "aceijknqry"
    assert letters_for(4) == "aceijknqrtwyz".replace(" ", "")


# One picture per letter: the example arrangement of Golly's rule_neighborhoods (liferules.cpp), drawn
# with rows from the top (bit 8 nw ... bit 0 se).
EXAMPLES = {
    (1, "c"): ".../.../..o", (1, "e"): ".../.../.o.",
    (2, "c"): ".../.../o.o", (2, "e"): ".../..o/.o.", (2, "a"): ".../.../.oo", (2, "i"): ".../o.o/...",
    (2, "k"): ".../o../..o", (2, "n"): "..o/.../o..",
    (3, "c"): "..o/.../o.o", (3, "e"): ".../o.o/.o.", (3, "a"): ".../..o/.oo", (3, "i"): ".../.../ooo",
    (3, "k"): "..o/o../.o.", (3, "n"): ".../..o/o.o", (3, "j"): ".../..o/oo.", (3, "q"): "..o/.../oo.",
    (3, "r"): ".../o.o/..o", (3, "y"): "..o/o../..o",
    (4, "c"): "o.o/.../o.o", (4, "e"): ".o./o.o/.o.", (4, "a"): ".../..o/ooo", (4, "i"): ".../o.o/o.o",
    (4, "k"): "..o/o../.oo", (4, "n"): "..o/.../ooo", (4, "j"): "..o/o.o/.o.", (4, "q"): "..o/o../oo.",
    (4, "r"): ".../o.o/.oo", (4, "y"): "..o/o../o.o", (4, "t"): "..o/o.o/..o", (4, "w"): "..o/..o/oo.",
    (4, "z"): "..o/o.o/o..",
}


@pytest.mark.parametrize("count, letter", sorted(EXAMPLES))
def test_each_letter_is_the_class_of_its_example_arrangement(count, letter):
    example = picture(EXAMPLES[count, letter])
    assert arrangements(count, letter) == frozenset(symmetries(example))
    # 5..7 neighbours: the letter names the complement (in the eight neighbours) of the 3..1 class
    if count < 4:
        complement = example ^ 0x1EF
        assert arrangements(8 - count, letter) == frozenset(symmetries(complement))


@pytest.mark.parametrize("count, letter, description", [
    (1, "c", "a corner"), (1, "e", "an edge"),
    (2, "a", "an edge and a corner touching it"), (2, "c", "two corners of one side"),
    (2, "e", "two edges at a right angle"), (2, "i", "two opposite edges"), (2, "n", "two opposite corners"),
    (3, "i", "a full side"), (4, "c", "the four corners"), (4, "e", "the four edges"),
])
def test_letters_match_their_descriptions(count, letter, description):
    # LifeWiki's words, as predicates on the cells (row, column offsets).
    corners = {(-1, -1), (-1, 1), (1, -1), (1, 1)}
    predicates: dict[str, Callable[[set[tuple[int, int]]], bool]] = {
        "a corner": lambda s: s <= corners,
        "an edge": lambda s: not s & corners,
        "an edge and a corner touching it": lambda s: len(s & corners) == 1 and max(
            abs(a - c) + abs(b - d) for (a, b) in s for (c, d) in s) == 1,
        "two corners of one side": lambda s: s <= corners and len({r for r, _ in s}) * len({c for _, c in s}) == 2,
        "two edges at a right angle": lambda s: not s & corners and (
            sum(r for r, _ in s), sum(c for _, c in s)) != (0, 0),
        "two opposite edges": lambda s: not s & corners and sum(r for r, _ in s) == sum(c for _, c in s) == 0,
        "two opposite corners": lambda s: s <= corners and sum(r for r, _ in s) == sum(c for _, c in s) == 0,
        "a full side": lambda s: len({r for r, _ in s}) == 1 or len({c for _, c in s}) == 1,
        "the four corners": lambda s: s == corners,
        "the four edges": lambda s: not s & corners,
    }
    matching = {i for i in arrangements(count)
                if predicates[description]({CELL_OF[b] for b in range(9) if i >> b & 1})}
    assert matching == arrangements(count, letter)


# -- parsing and printing, against a transcription of Golly --------------------------------------

GOLLY_LETTERS = "ceaiknjqrytwz"  # rule_letters[3]: the bit of each letter
MAX_LETTERS = [0, 2, 6, 10, 13, 10, 6, 2, 0]
ORDER = {2: [0, 1], 6: [2, 0, 1, 3, 4, 5], 10: [2, 0, 1, 3, 6, 4, 5, 7, 8, 9],
         13: [2, 0, 1, 3, 6, 4, 5, 7, 8, 10, 11, 9, 12]}  # order_letters


def golly_count_text(count: int, minus: str, letters: str) -> str:
    """What ``liferules::createCanonicalName`` prints for one count written ``count minus letters``."""
    if not letters:  # a digit alone, or "2-" (no letter bits): the digit
        return str(count)
    bits = {GOLLY_LETTERS.index(c) for c in letters}
    negative = bool(minus)
    maxbits = MAX_LETTERS[count]
    # "do not invert if not negative and seven letters", else invert when more than half
    if not (not negative and len(bits) == 7 and maxbits == 13) and len(bits) + negative > maxbits >> 1:
        bits = set(range(maxbits)) - bits
        if bits:
            negative = not negative
    if negative and not bits:
        return ""  # the count is removed
    return str(count) + ("-" if negative else "") + "".join(GOLLY_LETTERS[j] for j in ORDER[maxbits] if j in bits)


Part = list[tuple[int, str, str]]


@st.composite
def hensel_parts(draw) -> Part:
    """One part of a rule as someone might write it: per count, absent, a digit, letters or ``-`` letters."""
    part = []
    for count in range(9):
        mode = draw(st.sampled_from(["absent", "absent", "digit", "letters", "minus", "bare minus"]))
        valid = letters_for(count)
        if mode == "absent":
            continue
        if mode == "bare minus":  # Golly: "2-" is every arrangement of 2
            part.append((count, "-", ""))
            continue
        if mode == "digit" or not valid:
            part.append((count, "", ""))
            continue
        letters = draw(st.lists(st.sampled_from(valid), min_size=1, unique=True))
        part.append((count, "-" if mode == "minus" else "", "".join(letters)))
    return part


def written(part: Part) -> str:
    return "".join(f"{count}{minus}{letters}" for count, minus, letters in part)


def meant(part: Part) -> frozenset[int]:
    """The arrangements a part names, from the letter classes: digit = all, letters = those, '-' = all but those."""
    out: set[int] = set()
    for count, minus, letters in part:
        chosen = set().union(*(arrangements(count, c) for c in letters))
        out |= (arrangements(count) - chosen) if (minus or not letters) else chosen
    return frozenset(out)


def golly_text(part: Part) -> str:
    return "".join(golly_count_text(count, minus, letters) for count, minus, letters in part)


def births_and_survivals(rule: RuleBase) -> tuple[frozenset[int], frozenset[int]]:
    table = rule.base.neighborhood_table()
    return (frozenset(i for i in NEIGHBOURHOODS if table[i]),
            frozenset(i for i in NEIGHBOURHOODS if table[i | 0x10]))


@settings(max_examples=300, deadline=None)
@given(hensel_parts(), hensel_parts())
def test_random_hensel_rules_parse_as_golly_reads_them_and_print_as_golly_prints_them(birth, survive):
    text = f"B{written(birth)}/S{written(survive)}"
    rule = parse_rule(text)
    assert births_and_survivals(rule) == (meant(birth), meant(survive))
    assert str(rule) == f"B{golly_text(birth)}/S{golly_text(survive)}"
    again = parse_rule(str(rule))
    assert again == rule and str(again) == str(rule) and hash(again) == hash(rule)
    # totalistic text gives the Life-like class, whatever the spelling
    assert isinstance(rule, Rule) == all(c.isdigit() or c in "/BS" for c in str(rule))


@settings(max_examples=150, deadline=None)
@given(hensel_parts(), hensel_parts(), st.integers(2, 256), st.booleans())
def test_random_generations_rules_round_trip_in_golly_order(birth, survive, states, lifeviewer):
    birth = [p for p in birth if p[0] != 0]  # B0 is refused (tested below)
    s, b = written(survive), written(birth)
    text = f"B{b}/S{s}/C{states}" if lifeviewer else f"{s}/{b}/{states}"
    rule = parse_rule(text)
    assert isinstance(rule, GenerationsRule) and rule.states == states
    assert births_and_survivals(rule) == (meant(birth), meant(survive))
    assert str(rule) == f"{golly_text(survive)}/{golly_text(birth)}/{states}"  # Golly: survival/birth/states
    assert parse_rule(str(rule)) == rule


@pytest.mark.parametrize("text, canonical", [
    # Golly's help (Algorithms/QuickLife.html) on canonical non-totalistic rules
    ("B2nic/S", "B2cin/S"), ("B2ceikn/S", "B2-a/S"), ("B4-qjrtwz/S", "B4aceikny/S"),
    ("B2aceikn3/S", "B23/S"), ("B2-3/S", "B23/S"), ("B2-aceikn3/S", "B3/S"), ("B2cekin/S12", "B2-a/S12"),
    # LifeWiki / Golly examples, already canonical
    ("B3/S2-i34q", "B3/S2-i34q"), ("B2-ek/S", "B2-ek/S"), ("B3/S23-a4ei6", "B3/S23-a4ei6"),
    ("B3_S23-a4ei6", "B3/S23-a4ei6"), ("s23-a4ei6/b3", "B3/S23-a4ei6"),
    ("B2n3acijr4cijt5r6i8/S2aek3ijnqr4ei5-ckqy6eHistory", "B2n3acijr4cijt5r6i8/S2aek3ijnqr4ei5-ckqy6eHistory"),
    ("1e2-a3-cij4aijkrtz5cnqr/2ce3aejnr4aj5y6a/3", "1e2-a3-cij4aijkrtz5cnqr/2ce3aejnr4aj5y6a/3"),
    ("/2/3", "/2/3"), ("B2/S/C3", "/2/3"), ("B2/S/3", "/2/3"), ("b2_s_3", "/2/3"), ("345/2/4", "345/2/4"),
    ("B3aceijknqry/S23", "B3/S23"), ("B3/S23History", "LifeHistory"), ("lifehistory", "LifeHistory"),
    ("B36/S23History", "B36/S23History"), ("B3/S2-3", "B3/S23"),
])
def test_golly_examples_print_as_golly_prints_them(text, canonical):
    assert str(parse_rule(text)) == canonical
    assert parse_rule(canonical) == parse_rule(text)


def test_brians_brain_is_lifeviewer_b2_s_c3_and_golly_slash_2_slash_3():
    assert parse_rule("B2/S/C3") == parse_rule("/2/3") == parse_rule("BriansBrain") == PRESETS["Brian's Brain"]
    assert preset_name(PRESETS["Brian's Brain"]) == "Brian's Brain"


@pytest.mark.parametrize("text, words", [
    ("B0/S/3", "Generations rules with B0"), ("/0/5", "Generations rules with B0"),
    ("B0/S8History", "History rules with B0"), ("B0123478/S01234678History", "History rules with B0"),
])
def test_b0_is_refused_for_generations_and_history(text, words):
    with pytest.raises(RuleError, match=words) as err:
        parse_rule(text)
    assert "\n" not in str(err.value)
    with pytest.raises(RuleError):
        GenerationsRule(Rule(frozenset({0, 3}), frozenset()), 3)
    with pytest.raises(RuleError):
        HistoryRule(Rule(frozenset({0}), frozenset({8})))


# -- each family's step: __call__, the tables, and Golly's slowcalc ------------------------------

def ask(rule: RuleBase, state: int, grid: dict[tuple[int, int], int]) -> int:
    """Run ``rule``'s census coroutine on a 3x3 neighbourhood (``grid[(dy, dx)]``), then the rule."""
    census = rule.census(0, 0)
    query = next(census)
    try:
        while True:
            query = census.send(grid[query.y, query.x])
    except StopIteration as done:
        return rule(state, done.value)


def golly_cells(grid: dict[tuple[int, int], int], centre: int) -> list[int]:
    """nw, n, ne, w, c, e, sw, s, se; the protocol's "north" is y + 1 (a reflection: every family is isotropic)."""
    return [grid[-dy, dx] if (dy, dx) != (0, 0) else centre for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def golly_generations(cells: list[int], lookup: np.ndarray, max_states: int) -> int:
    """``generationsalgo::slowcalc``."""
    c = cells[4]
    index = sum((v == 1) << bit for v, bit in zip(cells, (8, 7, 6, 5, 4, 3, 2, 1, 0)))
    if c <= 1 and lookup[index]:
        return 1
    if c > 0 and c + 1 < max_states:
        return c + 1
    return 0


def golly_history(cells: list[int], lookup: np.ndarray) -> int:
    """``superalgo::slowcalc``, the HISTORY branch (Moore neighbourhood)."""
    nw, n, ne, w, c, e, sw, s, se = cells
    result = c
    type_mask = 0
    for v in (nw, n, ne, e, w, sw, s, se):
        type_mask |= 1 << v
    process = True
    if type_mask & (1 << 6):
        process = False
        if c == 1:
            result = 2
        elif c in (3, 5):
            result = 4
        else:
            process = True
    if process:
        index = sum((v & 1) << bit for v, bit in zip(cells, (8, 7, 6, 5, 4, 3, 2, 1, 0)))
        if lookup[index]:
            if (c & 1) == 0:
                if c == 4:
                    result = 3
                elif c != 6:
                    result = 1
        elif (c & 1) != 0:
            result = 4 if c == 5 else c + 1
    return result


def by_contract(rule: RuleBase, state: int, grid: dict[tuple[int, int], int]) -> int:
    """The next state as the base docstring promises: state_table[state, T[live bits], touches boundary]."""
    live = rule.live_mask()
    index = (0x10 if live[state] else 0) | sum(
        1 << BIT_OF[-dy, dx] for (dy, dx), v in grid.items() if live[v])
    touches = rule.boundary_state is not None and rule.boundary_state in grid.values()
    return int(rule.state_table()[state, rule.neighborhood_table()[index], int(touches)])


OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


def grid_of(values: list[int]) -> dict[tuple[int, int], int]:
    return dict(zip(OFFSETS, values))


def hensel_rules() -> st.SearchStrategy[RuleBase]:
    return st.builds(lambda b, s: parse_rule(f"B{written(b)}/S{written(s)}"), hensel_parts(), hensel_parts())


@pytest.mark.parametrize("text", ["B3/S2-i34q", "B2-ek/S", "B3/S23-a4ei6", "B2n3/S23-q", "B3/S23", "B36/S125"])
def test_two_state_call_agrees_with_the_table_on_all_512_arrangements(text):
    rule = parse_rule(text)
    table = rule.neighborhood_table()
    for index in range(512):
        grid = {(-dy, dx): index >> BIT_OF[dy, dx] & 1 for dy, dx in OFFSETS}
        assert ask(rule, index >> 4 & 1, grid) == table[index], (text, index)


@settings(max_examples=40, deadline=None)
@given(hensel_rules())
def test_random_hensel_rules_call_agrees_with_the_table(rule):
    table = rule.neighborhood_table()
    for index in range(512):
        grid = {(-dy, dx): index >> BIT_OF[dy, dx] & 1 for dy, dx in OFFSETS}
        assert ask(rule, index >> 4 & 1, grid) == table[index]


def test_query_order_walks_round_the_cell():
    cells = [CELL_OF[b] for b in QUERY_BITS]
    assert sorted(QUERY_BITS) == [0, 1, 2, 3, 5, 6, 7, 8]
    for (a, b), (c, d) in zip(cells, cells[1:] + cells[:1]):
        assert abs(a - c) + abs(b - d) == 1  # each neighbour is next to the one before: a ring


@settings(max_examples=300, deadline=None)
@given(st.one_of(hensel_rules(), st.sampled_from([CONWAY, parse_rule("B36/S23")])),
       st.integers(2, 9), st.integers(0, 8), st.lists(st.integers(0, 8), min_size=8, max_size=8))
def test_generations_matches_gollys_slowcalc_and_its_state_table(base, states, centre, values):
    if base.has_b0:
        return
    rule = GenerationsRule(base, states)
    centre, values = centre % states, [v % states for v in values]
    grid = grid_of(values)
    expected = golly_generations(golly_cells(grid, centre), base.neighborhood_table(), states)
    assert ask(rule, centre, grid) == expected
    assert by_contract(rule, centre, grid) == expected


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.just(CONWAY), hensel_rules()), st.integers(0, 6),
       st.lists(st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 6]), min_size=8, max_size=8))
def test_history_matches_gollys_slowcalc_and_its_state_table(base, centre, values):
    if base.has_b0:
        return
    rule = HistoryRule(base)
    grid = grid_of(values)
    expected = golly_history(golly_cells(grid, centre), base.neighborhood_table())
    assert ask(rule, centre, grid) == expected
    assert by_contract(rule, centre, grid) == expected


def test_history_every_state_and_boundary_case():
    # Exhaustive over the centre state, the live-neighbour arrangement (as state 1 or 3) and a boundary cell.
    rule = parse_rule("LifeHistory")
    for centre in range(7):
        for index in NEIGHBOURHOODS:
            for live_as, dead_as in ((1, 0), (3, 4), (5, 2)):
                for boundary in (False, True):
                    values = [live_as if index >> BIT_OF[-dy, dx] & 1 else dead_as for dy, dx in OFFSETS]
                    if boundary:
                        dead = [i for i, v in enumerate(values) if v == dead_as]
                        if not dead:
                            continue
                        values[dead[0]] = 6
                    grid = grid_of(values)
                    expected = golly_history(golly_cells(grid, centre), CONWAY.neighborhood_table())
                    assert ask(rule, centre, grid) == expected == by_contract(rule, centre, grid)


def test_the_state_tables_shapes_and_live_states():
    life, gen, hist = CONWAY, parse_rule("345/2/4"), parse_rule("LifeHistory")
    assert life.state_table().shape == (2, 2, 2) and gen.state_table().shape == (4, 2, 2)
    assert hist.state_table().shape == (7, 2, 2)
    assert hist.live_states == {1, 3, 5} and hist.boundary_state == 6 and gen.boundary_state is None
    assert list(np.flatnonzero(hist.live_mask())) == [1, 3, 5] and list(np.flatnonzero(gen.live_mask())) == [1]
    assert gen.totalistic and hist.totalistic and not parse_rule("B2-ek/S").totalistic
    assert gen.base == parse_rule("B2/S345") and hist.base == CONWAY


def _torus_step(rule: RuleBase, cells: np.ndarray) -> np.ndarray:
    """One generation on a torus by the contract's formula, with numpy (row y + 1 is "north")."""
    live = rule.live_mask()[cells]
    index = live.astype(np.int32) << 4
    for (dy, dx), bit in BIT_OF.items():
        if (dy, dx) != (0, 0):
            index |= np.roll(live, (dy, -dx), axis=(0, 1)).astype(np.int32) << bit
    touches = np.zeros(cells.shape, bool)
    if rule.boundary_state is not None:
        for dy, dx in OFFSETS:
            touches |= np.roll(cells, (dy, dx), axis=(0, 1)) == rule.boundary_state
    return rule.state_table()[cells, rule.neighborhood_table()[index], touches.astype(np.int64)]


@pytest.mark.parametrize("text", ["B3/S2-i34q", "B2-ek/S", "345/2/4", "/2/3", "B2n3/S23-q/5", "LifeHistory",
                                  "B3/S23-a4ei6History"])
def test_the_coroutine_protocol_steps_every_family_as_the_tables_say(text):
    rule = parse_rule(text)
    rng = np.random.default_rng(12)
    cells = rng.integers(0, rule.states, size=(7, 9)).astype(np.uint8)
    board = Board.from_array(cells)
    for _ in range(3):
        board = run_generations(board, 1, rule, rule.census)
        cells = _torus_step(rule, cells)
        assert np.array_equal(board.cells, cells), text


# -- values, suffixes, presets --------------------------------------------------------------------

def every_family() -> Iterator[str]:
    yield from ("B3/S23", "B36/S23", "B0124/S025", "B3/S2-i34q", "B2-ek/S", "/2/3", "345/2/4",
                "1e2-a3-cij4aijkrtz5cnqr/2ce3aejnr4aj5y6a/3", "LifeHistory", "B36/S23History",
                "B2n3acijr4cijt5r6i8/S2aek3ijnqr4ei5-ckqy6eHistory")


@pytest.mark.parametrize("text", list(every_family()))
@pytest.mark.parametrize("height, width", [(None, None), (48, 72), (5, 5), (None, 100), (100, None)])
def test_torus_suffix_round_trips_with_every_family(text, height, width):
    rule = parse_rule(text)
    spec = format_rule_spec(rule, height, width)
    assert parse_rule_spec(spec) == (rule, height, width)
    assert format_rule_spec(*parse_rule_spec(spec)) == spec
    if height is not None and width is not None:
        assert spec == f"{text}:T{width},{height}"  # these texts are canonical: Golly writes width first


@settings(max_examples=150, deadline=None)
@given(st.one_of(hensel_rules(), st.builds(lambda b, s, n: parse_rule(f"{written(s)}/{written(b)}/{n}"),
                                          hensel_parts().map(lambda p: [c for c in p if c[0] != 0]),
                                          hensel_parts(), st.integers(2, 256)),
                 hensel_rules().filter(lambda r: not r.has_b0).map(HistoryRule)),
       st.one_of(st.none(), st.integers(1, 4096)), st.one_of(st.none(), st.integers(1, 4096)))
def test_random_rules_of_every_family_round_trip_with_a_torus_suffix(rule, height, width):
    spec = format_rule_spec(rule, height, width)
    assert parse_rule_spec(spec) == (rule, height, width)
    assert format_rule_spec(*parse_rule_spec(spec)) == spec
    again = pickle.loads(pickle.dumps(rule))
    assert again == rule and hash(again) == hash(rule)


@pytest.mark.parametrize("text", list(every_family()))
def test_rules_are_values(text):
    rule = parse_rule(text)
    again = pickle.loads(pickle.dumps(rule))
    assert again == rule and hash(again) == hash(rule) and str(again) == str(rule)
    assert {rule: 1}[parse_rule(str(rule))] == 1
    assert repr(rule) == f"{type(rule).__name__}({str(rule)!r})"
    assert parse_rule(str(rule)) == rule == parse_rule(text)


def test_spellings_of_one_rule_are_equal_and_hash_equal():
    spellings = ["B3/S2-i34q", "S2-i34q/B3", "b3_s2acekn3aceijknqry4q", "2nkecA3-4q/3".replace("A", "a"),
                 "B3S2-i34-aceijknrtwyz"]
    rules = {parse_rule(s) for s in spellings}
    assert len(rules) == 1
    assert parse_rule("B3aceijknqry/S2-3") == parse_rule("23/3") == CONWAY
    assert hash(parse_rule("B3aceijknqry/S23")) == hash(CONWAY)


def test_presets_are_named_ordered_and_read_back():
    names = list(PRESETS)
    order = {"Life-like": 0, "isotropic non-totalistic": 1, "Generations": 2, "History": 3}
    ranks = [order[PRESETS[name].family] for name in names]
    assert ranks == sorted(ranks) and set(ranks) == {0, 1, 2, 3}
    assert names[0] == "Conway"
    for name, rule in PRESETS.items():
        assert preset_name(rule) == name
        assert parse_rule(name) is rule
        assert parse_rule(str(rule)) == rule
    assert len(set(PRESETS.values())) == len(PRESETS)  # no two names for one rule
    golly_generations_help = {"Banners": "2367/3457/5", "Bloomerang": "234/34678/24", "Brian's Brain": "/2/3",
                              "Caterpillars": "124567/378/4", "Cooties": "23/2/8", "Fireworks": "2/13/21",
                              "Frogs": "12/34/3", "Lava": "12345/45678/8", "Lines": "012345/458/3",
                              "Star Wars": "345/2/4", "Sticks": "3456/2/6", "Transers": "345/26/5",
                              "Xtasy": "1456/2356/16"}
    assert {name: str(PRESETS[name]) for name in golly_generations_help} == golly_generations_help
    assert str(PRESETS["tlife"]) == "B3/S2-i34q" and str(PRESETS["LifeHistory"]) == "LifeHistory"
    assert preset_name(parse_rule("B3/S2-i34q")) == "tlife" and preset_name(parse_rule("B2-ek/S")) is None


def test_isotropic_rule_refuses_sets_that_are_not_isotropic_or_not_neighbourhoods():
    with pytest.raises(RuleError, match="rotation"):
        IsotropicRule(frozenset({1}), frozenset())  # one corner, not all four
    with pytest.raises(RuleError, match="centre"):
        IsotropicRule(frozenset({0x10}), frozenset())
