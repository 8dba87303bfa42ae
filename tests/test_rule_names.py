"""Rule names: unknown ones get the nearest known names; other programs' named rules are refused by family."""

import pytest

from lifegame.cli import main
from lifegame.rules import PRESETS, RuleError, parse_rule


@pytest.mark.parametrize("text, nearest", [
    ("HighLif", "'HighLife'"), ("Conwy", "'Conway'"), ("daynight", "'Day & Night'"),
    ("Day and Nite", "'Day & Night'"), ("Seed", "'Seeds'"), ("Replicatr", "'Replicator'"),
])
def test_a_misspelt_name_gets_the_nearest_known_names(text, nearest):
    with pytest.raises(RuleError) as err:
        parse_rule(text)
    message = str(err.value)
    assert message.startswith(f"unknown rule {text!r}; did you mean ") and nearest in message
    assert "not Life-like" not in message and "\n" not in message


def test_a_name_like_no_other_lists_the_known_names():
    with pytest.raises(RuleError) as err:
        parse_rule("foo")
    assert str(err.value).startswith("unknown rule 'foo'; known names: ")
    assert all(name in str(err.value) for name in PRESETS)


@pytest.mark.parametrize("text, family", [
    ("LifeSuper", "Super"), ("JvN29", "von Neumann"), ("WireWorld", "rule table"),
    ("Langtons-Loops", "loop"), ("Bombers", "Generations"), ("Turmite_1202", "Turmite"),
    ("HPPMargolus_emulated", "Margolus"), ("Banks-I", "von Neumann"), ("Worm-1040512", "worms"),
])
def test_other_programs_named_rules_are_refused_with_their_family(text, family):
    with pytest.raises(RuleError) as err:
        parse_rule(text)
    message = str(err.value)
    assert message.startswith(f"rule {text!r} is ") and family in message
    assert "lifegame runs Life-like (B3/S23), isotropic non-totalistic (B2n3/S23-q), Generations (345/2/4) " \
        "and History (LifeHistory) rules" in message
    assert "unknown" not in message and "\n" not in message


@pytest.mark.parametrize("text, preset", [
    ("LifeHistory", "LifeHistory"), ("BriansBrain", "Brian's Brain"), ("Brian's Brain", "Brian's Brain"),
    ("StarWars", "Star Wars"), ("Caterpillars", "Caterpillars"),
])
def test_golly_rule_table_names_of_families_we_run_find_the_preset(text, preset):
    assert parse_rule(text) is PRESETS[preset]


def test_the_cli_says_unknown_rule_in_one_line(capsys):
    assert main(["run", "--rule", "foo"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lifegame run: error: unknown rule 'foo'; known names: Conway, HighLife")
    assert err.count("\n") == 1
    assert main(["run", "--rule", "higlife:T20,20"]) == 2
    assert "unknown rule 'higlife'; did you mean 'HighLife'?" in capsys.readouterr().err
