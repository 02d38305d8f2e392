"""`[[assign]]` rules in the pipeline file: parsed, validated in one line, matched in order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.pipeline import PipelineError, load_pipeline, loads_pipeline
from models.territories.assignment import matching_rule

STANDARD = load_pipeline("standard")
STAGES = """
[[stages]]
key = "lead"
name = "Lead"
probability = 10

[[stages]]
key = "won"
name = "Won"
probability = 100
closed = "won"
"""
RULES = STAGES + """
[[assign]]
source = "web"
to = ["U0A", "U0B"]

[[assign]]
region = ["EMEA", "apac"]
product = "cloud"
to = "U0C"

[[assign]]
to = "U0D"
"""


def test_rules_match_in_order_case_insensitively() -> None:
    pipeline = loads_pipeline(RULES, "rules.toml")
    assert [r.to for r in pipeline.assign] == [("U0A", "U0B"), ("U0C",), ("U0D",)]

    def owner_rule(source: str | None = None, **custom: str) -> int | None:
        rule = matching_rule(pipeline, source=source, custom=custom)
        return rule.number if rule else None

    assert owner_rule(" Web ") == 1
    assert owner_rule("referral", region="emea", product="Cloud") == 2
    assert owner_rule("referral", region="emea") == 3, "every criterion a rule names must match"
    assert owner_rule() == 3
    assert matching_rule(STANDARD, source="web", custom={}) is None


@pytest.mark.parametrize(("rule", "problem"), [
    ('source = "web"', 'missing "to"'),
    ('to = "bob"', '"bob" is not a Slack user ID'),
    ("to = []", '"to" must name at least one person'),
    ('to = "U0A"\nsrc = "web"', 'unknown key "src" (did you mean "source"?)'),
    ('to = "U0A"\nregion = 3', "region must be a list of names"),
])
def test_a_bad_rule_is_one_line_naming_file_and_rule(rule: str, problem: str) -> None:
    with pytest.raises(PipelineError) as raised:
        loads_pipeline(STAGES + "\n[[assign]]\nto = \"U0A\"\n\n[[assign]]\n" + rule, "team.toml")
    message = str(raised.value)
    assert message.startswith("team.toml: assign #2: ") and problem in message
    assert "\n" not in message


def test_an_edited_rule_gets_a_new_counter() -> None:
    first = loads_pipeline(RULES, "a.toml").assign[0]
    edited = loads_pipeline(RULES.replace('"U0B"', '"U0E"'), "a.toml").assign[0]
    assert first.key != edited.key and len(first.key) <= 64


@given(st.text(max_size=30))
def test_a_catch_all_rule_matches_any_source(source: str) -> None:
    pipeline = loads_pipeline(STAGES + '\n[[assign]]\nto = "U0D"\n', "x.toml")
    assert matching_rule(pipeline, source=source, custom={"region": source}) is pipeline.assign[0]
