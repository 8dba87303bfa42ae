from __future__ import annotations

import pickle

import pytest

from lifegame.protocol import ALIVE, EMPTY, game_logic
from lifegame.rules import (
    CONWAY,
    PRESETS,
    Rule,
    RuleError,
    format_rule_spec,
    parse_rule,
    parse_rule_spec,
    preset_name,
)


@pytest.mark.parametrize(
    "text, birth, survive",
    [
        ("B3/S23", {3}, {2, 3}),
        ("b36/s23", {3, 6}, {2, 3}),
        ("23/3", {3}, {2, 3}),
        ("S245/B368", {3, 6, 8}, {2, 4, 5}),
        ("B2/S", {2}, set()),
        ("B0124/S025", {0, 1, 2, 4}, {0, 2, 5}),
        ("B3S23", {3}, {2, 3}),
        ("B3_S23", {3}, {2, 3}),
        (" B3678/S34678 ", {3, 6, 7, 8}, {3, 4, 6, 7, 8}),
        ("/3", {3}, set()),
        ("12345/3", {3}, {1, 2, 3, 4, 5}),
        ("B3aceijknqry/S23", {3}, {2, 3}),  # every letter of 3 is 3 (Golly prints B3/S23)
        ("B3/S2-3", {3}, {2, 3}),  # Golly: a '-' with no letters removes none
        ("B2aceikn3/S", {2, 3}, set()),
        ("B2-aceikn3/S", {3}, set()),
    ],
)
def test_parse_both_orders(text, birth, survive):
    rule = parse_rule(text)
    assert isinstance(rule, Rule)
    assert rule.birth == birth and rule.survive == survive


@pytest.mark.parametrize("text", ["B3/S23", "B36/S23", "B2/S", "B0124/S025", "B/S012345678"])
def test_print_parse_round_trip(text):
    assert str(parse_rule(text)) == text
    assert parse_rule(str(parse_rule(text))) == parse_rule(text)


@pytest.mark.parametrize(
    "name, text",
    [("Conway", "B3/S23"), ("HighLife", "B36/S23"), ("Seeds", "B2/S"), ("Day & Night", "B3678/S34678"),
     ("Life without Death", "B3/S012345678"), ("highlife", "B36/S23"), ("day-and-night", "B3678/S34678"),
     ("tlife", "B3/S2-i34q"), ("Brian's Brain", "/2/3"), ("BriansBrain", "/2/3"), ("brians-brain", "/2/3"),
     ("Star Wars", "345/2/4"), ("StarWars", "345/2/4"), ("LifeHistory", "LifeHistory"), ("Life", "B3/S23")],
)
def test_presets(name, text):
    assert str(parse_rule(name)) == text
    assert preset_name(parse_rule(text)) in PRESETS or preset_name(parse_rule(text)) is None


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "empty"),
        ("B9/S23", "0..8"),
        ("B3/S23/1", "2..256 states"),
        ("B3/S23/x", "number of states"),
        ("R5,C2,S33-57,B34-45", "Larger than Life"),
        ("B33/S23", "twice"),
        ("hello world", "B3/S23"),
        ("MAPAAD//zAwPz8AAP", "MAP"),
        ("W110", "Wolfram"),
        ("B3", "only a birth part"),
        ("S23", "only a survival part"),
        ("B3/S23 extra", "space"),
        ("highlife!", "'!'"),
        ("B3/S2,3", "','"),
        ("B1a/S", "letter 'a' is not valid after 1"),
        ("B5z/S", "letter 'z' is not valid after 5"),
        ("B8a/S", "takes no letters"),
        ("B-2/S", "'-' must follow a neighbour count"),
        ("B3/S23V", "von Neumann"),
        ("B2/S34H", "hexagonal"),
        ("345/2/4V", "von Neumann"),
        ("LifeHHistory", "hexagonal"),
        ("B3/S23Super", "Super"),
        ("LifeInvestigator", "Investigator"),
        ("B0/S/3", "B0"),
        ("B0/S8History", "B0"),
        ("345/2/4History", "two-state"),
        ("History", "two-state"),
    ],
)
def test_invalid_rules_say_what_is_wrong(text, words):
    with pytest.raises(RuleError) as err:
        parse_rule(text)
    assert words.lower() in str(err.value).lower()
    assert "\n" not in str(err.value)


def test_torus_suffix_is_width_then_height():
    spec = parse_rule_spec("B3/S23:T72,48")
    assert spec.rule == CONWAY and (spec.width, spec.height) == (72, 48)
    assert parse_rule_spec("B3/S23:T0,128")[1:] == (128, None)
    assert parse_rule_spec("B3/S23:T20")[1:] == (20, 20)
    assert parse_rule_spec("B3/S23") == (CONWAY, None, None)
    assert format_rule_spec(CONWAY, 48, 72) == "B3/S23:T72,48"


@pytest.mark.parametrize("suffix, kind", [(":P40,20", "plane"), (":K40*,20", "Klein"), (":S30", "sphere"),
                                          (":T30+7,20", "shifted torus"), (":T9999999,5", "maximum"),
                                          (":T72x48", "two whole numbers"), (":T", "two whole numbers"),
                                          (":T-1,5", "two whole numbers")])
def test_other_grids_are_refused(suffix, kind):
    with pytest.raises(RuleError, match=kind):
        parse_rule_spec("B3/S23" + suffix)


@pytest.mark.parametrize("neighbors", range(9))
def test_conway_rule_is_the_seed_game_logic(neighbors):
    for state in (ALIVE, EMPTY):
        assert CONWAY(state, neighbors) == game_logic(state, neighbors)


def test_rule_is_a_value():
    assert pickle.loads(pickle.dumps(parse_rule("B36/S23"))) == parse_rule("B36/S23")
    assert hash(parse_rule("23/3")) == hash(CONWAY)
    assert CONWAY.table() == [[0, 0, 0, 1, 0, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0, 0, 0]]
    with pytest.raises(RuleError):
        Rule(frozenset({9}), frozenset())
