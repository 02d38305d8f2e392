"""models.pipeline: templates, validation (one-line errors), stage resolution."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.stages import describe_stages
from models.pipeline import (
    TEMPLATES,
    AmbiguousStage,
    ApprovalRule,
    Pipeline,
    PipelineError,
    Stage,
    StageLookupError,
    UnknownStage,
    load_pipeline,
    loads_pipeline,
)

MINIMAL = """
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


def write(tmp_path: Path, text: str, name: str = "pipe.toml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(PipelineError) as info:
        load_pipeline(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


# --------------------------------------------------------------------------- templates


def test_standard_template_is_spec_4() -> None:
    p = load_pipeline("standard")
    got = [(s.key, s.name, s.name_zh, s.probability, s.requires, s.invite_roles, s.closed) for s in p.stages]
    assert got == [
        ("lead", "Lead", "线索", 10, (), (), None),
        ("qualified", "Qualified", "资格确认", 20, ("score",), (), None),
        ("discovery", "Discovery", "需求分析", 30, (), (), None),
        ("proposal", "Proposal", "方案报价", 50, ("amount",), ("presales",), None),
        ("negotiation", "Negotiation", "商务谈判", 70, ("close",), ("legal", "finance"), None),
        ("won", "Won", "赢单", 100, (), (), "won"),
        ("lost", "Lost", "输单", 0, (), (), "lost"),
    ]
    assert p.stage("lead").stale_after_days == 14
    assert all(s.stale_after_days for s in p.open_stages)
    assert [s.number for s in p.stages] == list(range(1, 8))
    assert p.source == "standard"
    assert p.archive_lost_after_days == 30 and p.pool_after_days == 30
    assert p.budget_threshold == Decimal(100000)


@pytest.mark.parametrize("name", TEMPLATES)
def test_templates_are_sound(name: str) -> None:
    p = load_pipeline(name)
    assert p.won_stage is not None and p.won_stage.key == "won"
    assert p.lost_stage is not None and p.lost_stage.key == "lost"
    probs = [s.probability for s in p.open_stages]
    assert probs == sorted(probs) and len(set(probs)) == len(probs)
    assert all(s.name_zh for s in p.stages)
    assert all(s.stale_after_days for s in p.open_stages)
    # every key, name and Chinese name resolves to its own stage
    for s in p.stages:
        for label in (s.key, s.name, s.name_zh, str(s.number)):
            assert p.resolve(label) is s


def test_b2b8_and_project_stages() -> None:
    b = load_pipeline("b2b8")
    assert [s.key for s in b.open_stages] == [
        "prospecting",
        "research",
        "contact",
        "presentation",
        "objections",
        "closing",
        "delivery",
        "referral",
    ]
    assert "amount" in b.stage("presentation").requires
    assert "presales" in b.stage("presentation").invite_roles
    assert b.stage("closing").requires == ("close",)
    assert set(b.stage("closing").invite_roles) == {"legal", "finance"}
    assert b.stage("delivery").invite_roles == ("cs",)

    p = load_pipeline("project")
    assert [s.name for s in p.open_stages] == [
        "Initial talks",
        "Requirements",
        "Quote",
        "Review",
        "Contract",
        "Payment",
    ]
    assert [s.name_zh for s in p.open_stages] == ["初步洽谈", "需求确认", "报价", "评审", "合同", "回款"]
    assert p.resolve("initial talks").key == "initial_talks"
    assert p.resolve("Initial-Talks").key == "initial_talks"


def test_template_name_is_case_insensitive_and_empty_means_standard() -> None:
    assert load_pipeline("  Standard ") == load_pipeline("standard")
    assert load_pipeline("").keys == load_pipeline("standard").keys


def test_lookups() -> None:
    p = load_pipeline("standard")
    assert p.stage("Proposal").key == "proposal"
    assert p.index("lead") == 0 and p.index("lost") == 6
    with pytest.raises(KeyError):
        p.stage("nope")
    assert "won" in p and "nope" not in p
    assert p.first_open_stage.key == "lead"
    assert p.last_open_stage.key == "negotiation"
    assert [s.key for s in p.closed_stages] == ["won", "lost"]
    assert p.next_open_stage("negotiation") is None
    assert p.next_open_stage("lead").key == "qualified"
    assert [s.key for s in p.open_stages_between("lead", "proposal")] == ["qualified", "discovery"]


def test_display_name() -> None:
    s = Stage(key="lead", name="Lead", name_zh="线索", probability=10)
    assert s.display_name("en") == "Lead"
    assert s.display_name("zh-CN") == "线索"
    assert s.display_name("zh_CN") == "线索"
    assert Stage(key="x", name="X").display_name("zh-CN") == "X"


def test_describe_stages() -> None:
    p = load_pipeline("standard")
    lines = describe_stages(p, "en").splitlines()
    assert lines[0] == "1. lead — Lead (线索)"
    assert lines[-1] == "7. lost — Lost (输单)"
    assert describe_stages(p, "zh-CN").splitlines()[3] == "4. `proposal` — 方案报价"
    own = loads_pipeline(MINIMAL)
    assert describe_stages(own, "zh-CN") == "1. `lead` — Lead\n2. `won` — Won"


# --------------------------------------------------------------------------- resolve


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("proposal", "proposal"),
        ("PROPOSAL", "proposal"),
        ("  Proposal  ", "proposal"),
        ("pro", "proposal"),
        ("neg", "negotiation"),
        ("4", "proposal"),
        ("４", "proposal"),  # full-width digit
        ("７", "lost"),
        ("方案报价", "proposal"),
        ("方案", "proposal"),
        ("赢", "won"),
        ("输单", "lost"),
        ("商务谈判", "negotiation"),
        ("ｐｒｏｐｏｓａｌ", "proposal"),  # full-width letters
        ("“方案报价”", "proposal"),
        ("lo", "lost"),
        ("le", "lead"),
        ("w", "won"),
    ],
)
def test_resolve(text: str, key: str) -> None:
    assert load_pipeline("standard").resolve(text).key == key


def test_resolve_ambiguous() -> None:
    p = load_pipeline("standard")
    with pytest.raises(AmbiguousStage) as info:
        p.resolve("l")
    assert [s.key for s in info.value.matches] == ["lead", "lost"]
    assert isinstance(info.value, StageLookupError) and isinstance(info.value, ValueError)
    assert "lead" in str(info.value) and "lost" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("text", ["", "   ", "0", "8", "99", "bogus", "销售"])
def test_resolve_unknown(text: str) -> None:
    p = load_pipeline("standard")
    with pytest.raises(UnknownStage) as info:
        p.resolve(text)
    assert info.value.text == text
    assert "\n" not in str(info.value)


def test_unknown_number_names_the_range_and_typo_gets_a_suggestion() -> None:
    p = load_pipeline("standard")
    with pytest.raises(UnknownStage, match="1–7"):
        p.resolve("8")
    with pytest.raises(UnknownStage) as info:
        p.resolve("propsal")
    assert [s.key for s in info.value.candidates] == ["proposal"]
    assert '"proposal"' in str(info.value)


def test_exact_key_beats_name_and_name_beats_prefix() -> None:
    p = loads_pipeline(
        """
        [[stages]]
        key = "demo"
        name = "Trial"
        probability = 10
        [[stages]]
        key = "trial"
        name = "Demo day"
        probability = 20
        [[stages]]
        key = "won"
        name = "Won"
        probability = 100
        closed = "won"
        """
    )
    assert p.resolve("trial").key == "trial"  # key of #2 beats name of #1
    assert p.resolve("demo").key == "demo"
    assert p.resolve("demo day").key == "trial"
    with pytest.raises(AmbiguousStage):
        p.resolve("d")  # prefix of key "demo" (#1) and of name "Demo day" (#2)
    with pytest.raises(AmbiguousStage):
        p.resolve("tri")  # prefix of name "Trial" (#1) and of key "trial" (#2)


@given(st.text(max_size=20))
def test_resolve_never_crashes(text: str) -> None:
    p = load_pipeline("standard")
    try:
        stage = p.resolve(text)
    except StageLookupError as exc:
        assert "\n" not in str(exc)
    else:
        assert stage in p.stages


# --------------------------------------------------------------------------- loading a file


def test_load_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        archive_lost_after_days = 14
        pool_after_days = 45
        budget_threshold = 50000

        [[stages]]
        key = "lead"
        name = "Lead"
        name_zh = "线索"
        probability = 10
        stale_after_days = 14

        [[stages]]
        key = "proposal"
        name = "Proposal"
        probability = 50
        requires = ["amount", "Discount"]
        invite_roles = ["presales"]

        [[stages.approvals]]
        when = "discount > 15"
        approvers = ["manager"]

        [[stages.approvals]]
        when = "amount >= 1m"
        approvers = ["admin", "finance"]
        expire_after_hours = 24
        remind_before_hours = 2

        [[stages]]
        key = "lost"
        name = "Lost"
        probability = 0
        closed = "lost"
        """,
    )
    p = load_pipeline(path)
    assert p.source == path
    assert (p.archive_lost_after_days, p.pool_after_days, p.budget_threshold) == (14, 45, Decimal(50000))
    proposal = p.stage("proposal")
    assert proposal.requires == ("amount", "discount")
    assert proposal.stale_after_days is None
    assert proposal.approvals == (
        ApprovalRule(when="discount > 15", approvers=("manager",), expire_after_hours=48, remind_before_hours=4),
        ApprovalRule(when="amount >= 1m", approvers=("admin", "finance"), expire_after_hours=24, remind_before_hours=2),
    )
    assert p.won_stage is None and p.lost_stage.key == "lost"


def test_only_won_is_enough(tmp_path: Path) -> None:
    p = load_pipeline(write(tmp_path, MINIMAL))
    assert p.won_stage.key == "won" and p.lost_stage is None


def test_missing_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.toml")
    with pytest.raises(PipelineError) as info:
        load_pipeline(path)
    assert str(info.value).startswith(f"{path}: ")
    assert "no such file" in str(info.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="directory"):
        load_pipeline(str(tmp_path))


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, '[[stages]]\nkey = "lead"\nname = \n')
    assert "not valid TOML" in message and "line 3" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b'[[stages]]\nname = "\xff"\n')
    with pytest.raises(PipelineError, match="UTF-8"):
        load_pipeline(str(path))


def stage_toml(**fields: object) -> str:
    """MINIMAL plus one stage built from fields (TOML literals)."""
    body = "\n".join(f"{k} = {v}" for k, v in fields.items())
    return MINIMAL + "\n[[stages]]\n" + body + "\n"


BASE = {"key": '"proposal"', "name": '"Proposal"', "probability": "50"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({**BASE, "requirez": '["amount"]'}, 'stage "proposal": unknown key "requirez" (did you mean "requires"?)'),
        ({"name": '"Proposal"', "probability": "50"}, 'stage #3: missing "key"'),
        ({"key": '"proposal"', "probability": "50"}, 'stage "proposal": missing "name"'),
        ({"key": '"proposal"', "name": '"P"'}, 'stage "proposal": missing "probability"'),
        ({**BASE, "probability": "101"}, 'stage "proposal": probability must be a whole number from 0 to 100'),
        ({**BASE, "probability": "-1"}, "probability must be a whole number from 0 to 100"),
        ({**BASE, "probability": "50.5"}, "probability must be a whole number from 0 to 100"),
        ({**BASE, "probability": '"50"'}, "probability must be a whole number from 0 to 100"),
        ({**BASE, "probability": "true"}, "probability must be a whole number from 0 to 100"),
        ({**BASE, "closed": '"maybe"'}, 'stage "proposal": closed must be "won" or "lost"'),
        ({**BASE, "key": '"lead"'}, 'stage "lead": duplicate key (stage #1 has it too)'),
        ({**BASE, "key": '"LEAD"'}, 'stage "LEAD": duplicate key'),
        ({**BASE, "key": '"my stage"'}, "key must be a word of letters"),
        ({**BASE, "key": '"3"'}, "key must not be a number"),
        ({**BASE, "name": '""'}, 'stage "proposal": name must be non-empty text'),
        ({**BASE, "name_zh": "3"}, "name_zh must be non-empty text"),
        ({**BASE, "requires": '"amount"'}, "requires must be a list of names"),
        ({**BASE, "requires": '["amount", "not a field"]'}, 'requires: "not a field" is not a field name'),
        ({**BASE, "invite_roles": '["presales", "ceo"]'}, 'invite_roles: unknown role "ceo"'),
        ({**BASE, "stale_after_days": "0"}, "stale_after_days must be a whole number of days, at least 1"),
        ({**BASE, "closed": '"won"', "requires": '["amount"]'}, "requires does not apply to a closed stage"),
        ({**BASE, "closed": '"lost"', "stale_after_days": "3"}, "stale_after_days does not apply to a closed stage"),
        ({**BASE, "approvals": '"x"'}, "approvals must be [[stages.approvals]] tables"),
    ],
)
def test_stage_errors(tmp_path: Path, fields: dict[str, str], expected: str) -> None:
    assert expected in error_of(tmp_path, stage_toml(**fields))


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ('approvers = ["manager"]', 'stage "proposal": approvals #1: missing "when"'),
        ('when = "discount > 15"', 'approvals #1: missing "approvers"'),
        ('when = "  "\napprovers = ["manager"]', '"when" must be a non-empty condition'),
        ('when = "discount > 15"\napprovers = []', '"approvers" must name at least one role'),
        ('when = "discount > 15"\napprovers = ["boss"]', 'unknown approver "boss"'),
        ('when = "d > 1"\napprovers = ["manager"]\nexpire_after_hours = 0', "expire_after_hours must be"),
        ('when = "d > 1"\napprovers = ["manager"]\nremind_before_hours = -1', "remind_before_hours must be"),
        ('when = "d > 1"\napprovers = ["manager"]\nexpire_after_hours = 4', "must be less than expire_after_hours"),
        ('when = "d > 1"\napprovers = ["manager"]\napprover = ["x"]', 'unknown key "approver"'),
        ('when = "discount >> 15"\napprovers = ["manager"]',
         'stage "proposal": approvals #1: bad condition "discount >> 15": expected a field'),
        ('when = "__import__(\'os\')"\napprovers = ["manager"]', 'approvals #1: bad condition'),
    ],
)
def test_approval_errors(tmp_path: Path, rule: str, expected: str) -> None:
    text = stage_toml(**BASE) + "\n[[stages.approvals]]\n" + rule + "\n"
    assert expected in error_of(tmp_path, text)


def test_approvals_on_closed_stage_are_refused(tmp_path: Path) -> None:
    text = MINIMAL + '\n[[stages.approvals]]\nwhen = "amount > 1"\napprovers = ["manager"]\n'
    assert 'stage "won": approvals do not apply to a closed stage' in error_of(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('nmae = "x"\n' + MINIMAL, 'unknown top-level key "nmae"'),
        ("archive_lost_after_days = 0\n" + MINIMAL, "archive_lost_after_days must be a whole number, at least 1"),
        ('pool_after_days = "30"\n' + MINIMAL, "pool_after_days must be a whole number"),
        ("budget_threshold = -5\n" + MINIMAL, "budget_threshold must be a positive number"),
        ('budget_threshold = "lots"\n' + MINIMAL, "budget_threshold must be a positive number"),
        ("archive_lost_after_days = 30\n", "no stages"),
        ("stages = 3\n", '"stages" must be a list'),
        (
            '[[stages]]\nkey = "a"\nname = "A"\nprobability = 1\n[[stages]]\nkey = "b"\nname = "B"\nprobability = 2\n',
            "no won and no lost stage",
        ),
        (
            '[[stages]]\nkey = "w"\nname = "W"\nprobability = 100\nclosed = "won"\n'
            '[[stages]]\nkey = "l"\nname = "L"\nprobability = 0\nclosed = "lost"\n',
            "no open stage",
        ),
        ('[[stages]]\nkey = "w"\nname = "W"\nprobability = 100\nclosed = "won"\n', "at least 2 stages"),
        (
            "".join(f'[[stages]]\nkey = "s{i}"\nname = "S{i}"\nprobability = {i}\n' for i in range(20))
            + '[[stages]]\nkey = "won"\nname = "Won"\nprobability = 100\nclosed = "won"\n',
            "at most 20 stages",
        ),
    ],
)
def test_file_errors(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error_of(tmp_path, text)


def test_budget_threshold_forms(tmp_path: Path) -> None:
    assert loads_pipeline("budget_threshold = 2.5e5\n" + MINIMAL).budget_threshold == Decimal(250000)
    assert loads_pipeline('budget_threshold = "80,000"\n' + MINIMAL).budget_threshold == Decimal(80000)


def test_pipeline_in_code_is_checked_and_numbered() -> None:
    lead = Stage(key="lead", name="Lead", probability=10)
    won = Stage(key="won", name="Won", probability=100, closed="won")
    p = Pipeline(stages=(lead, won))
    assert [s.number for s in p.stages] == [1, 2]
    with pytest.raises(PipelineError, match="no open stage"):
        Pipeline(stages=(won, Stage(key="lost", name="Lost", closed="lost")))
    with pytest.raises(PipelineError, match="duplicate key"):
        Pipeline(stages=(lead, lead, won))


# --------------------------------------------------------------------------- lengths (issue 14)

LONG_KEY = "k" * 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL.replace('key = "lead"', f'key = "{LONG_KEY}"'),
         f'stage "{LONG_KEY[:56]}...: key must be at most 64 characters (has 200)'),
        (MINIMAL + '[[assign]]\nsource = "web"\nto = ["U' + "A" * 40 + '"]\n', "is not a Slack user ID"),
        (MINIMAL + f'[[territories]]\nkey = "{LONG_KEY}"\nregion = ["emea"]\nreps = ["U0ANA"]\n',
         "key must be at most 64 characters (has 200)"),
        (MINIMAL + '[[territories]]\nkey = "emea"\nregion = ["emea"]\nreps = ["U' + "A" * 40 + '"]\n',
         "is not a Slack user ID"),
    ],
    ids=["stage-key", "assign-user", "territory-key", "territory-rep"],
)
def test_keys_and_ids_longer_than_their_columns_are_refused_at_load(tmp_path: Path, text: str,
                                                                     expected: str) -> None:
    message = error_of(tmp_path, text)
    assert expected in message
    assert len(message) < 300, "one readable line, not the whole key twice"


def test_a_stage_key_at_its_column_length_loads(tmp_path: Path) -> None:
    key = "k" * 64
    assert load_pipeline(write(tmp_path, MINIMAL.replace('key = "lead"', f'key = "{key}"'))).stages[0].key == key
