"""models.transitions: forward/backward/skip/reopen/close rules (SPEC 2, 4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.pipeline import TEMPLATES, Pipeline, Stage, load_pipeline
from models.pipeline.transitions import DealFacts, Move, Refusal, plan_close, plan_move, plan_next

P = load_pipeline("standard")
ALL = [load_pipeline(name) for name in TEMPLATES]


def facts(stage: str, *fields: str, custom: tuple[str, ...] = (), last_open: str | None = None) -> DealFacts:
    flags = {f"{f}_set": True for f in fields}
    return DealFacts(stage_key=stage, custom_keys=frozenset(custom), last_open_stage_key=last_open, **flags)


def move(plan: Move | Refusal) -> Move:
    assert isinstance(plan, Move), plan
    return plan


def refusal(plan: Move | Refusal) -> Refusal:
    assert isinstance(plan, Refusal), plan
    assert "\n" not in plan.reason
    return plan


# --------------------------------------------------------------------------- DealFacts


def test_facts_has() -> None:
    f = facts("lead", "amount", "source", custom=("Discount",))
    assert f.has("amount") and f.has("source") and f.has("AMOUNT")
    assert not f.has("close") and not f.has("score") and not f.has("customer")
    assert f.has("discount") and not f.has("floor")


# --------------------------------------------------------------------------- forward


def test_forward_without_requirements() -> None:
    m = move(plan_move(facts("lead", "score"), P.stage("qualified"), P))
    assert (m.from_stage.key, m.to_stage.key, m.backward, m.reopen) == ("lead", "qualified", False, False)
    assert m.skipped == () and m.invite_roles == () and m.closes is None
    assert [s.key for s in m.entered] == ["qualified"]


def test_forward_refused_names_the_field_and_how() -> None:
    r = refusal(plan_move(facts("discovery"), P.stage("proposal"), P))
    assert r.reason == "Proposal needs an amount first: /deal set amount:150k"
    assert r.missing == ("amount",)
    assert r.code == "requirements"


def test_score_points_to_deal_score() -> None:
    r = refusal(plan_move(facts("lead"), P.stage("qualified"), P))
    assert r.missing == ("score",)
    assert "a lead score" in r.reason and "/deal score budget:" in r.reason
    assert "/deal set" not in r.reason


def test_forward_invites_the_roles() -> None:
    m = move(plan_move(facts("proposal", "amount", "close", "score"), P.stage("negotiation"), P))
    assert m.invite_roles == ("legal", "finance")


def test_skipping_needs_the_skipped_requirements() -> None:
    r = refusal(plan_move(facts("lead", "close"), P.stage("negotiation"), P))
    assert r.missing == ("score", "amount")
    assert r.reason.startswith("Moving to Negotiation needs a lead score (for Qualified) and an amount (for Proposal)")
    assert "/deal set amount:150k" in r.reason and "/deal score" in r.reason

    r = refusal(plan_move(facts("lead"), P.stage("negotiation"), P))
    assert r.missing == ("score", "amount", "close")
    assert "a close date" in r.reason and "close:" in r.reason


def test_skip_allowed_when_met_enters_every_stage() -> None:
    m = move(plan_move(facts("lead", "score", "amount", "close"), P.stage("negotiation"), P))
    assert [s.key for s in m.skipped] == ["qualified", "discovery", "proposal"]
    assert [s.key for s in m.entered] == ["qualified", "discovery", "proposal", "negotiation"]
    assert m.invite_roles == ("presales", "legal", "finance")
    assert not m.backward


def test_custom_requirement() -> None:
    own = Pipeline(
        stages=(
            Stage(key="a", name="A", probability=10),
            Stage(key="b", name="B", probability=50, requires=("discount", "customer")),
            Stage(key="won", name="Won", probability=100, closed="won"),
        )
    )
    r = refusal(plan_move(facts("a"), own.stage("b"), own))
    assert r.missing == ("discount", "customer")
    assert r.reason == 'B needs "discount" and a customer first: /deal set discount:… customer:"Acme Corp"'
    assert isinstance(plan_move(facts("a", "customer", custom=("discount",)), own.stage("b"), own), Move)


def test_same_stage_refused() -> None:
    r = refusal(plan_move(facts("proposal"), P.stage("proposal"), P))
    assert r.code == "same_stage" and "already in Proposal" in r.reason


# --------------------------------------------------------------------------- backward


def test_backward_always_allowed_and_marked() -> None:
    m = move(plan_move(facts("negotiation"), P.stage("lead"), P))
    assert m.backward and not m.reopen and m.skipped == ()
    m = move(plan_move(facts("negotiation"), P.stage("proposal"), P))
    assert m.backward and m.invite_roles == ("presales",)


# --------------------------------------------------------------------------- next


def test_next() -> None:
    m = move(plan_next(facts("lead", "score"), P))
    assert m.to_stage.key == "qualified"
    r = refusal(plan_next(facts("discovery"), P))
    assert r.missing == ("amount",)


def test_next_from_last_open_stage() -> None:
    r = refusal(plan_next(facts("negotiation", "amount", "close", "score"), P))
    assert r.code == "no_next"
    assert "/deal won" in r.reason and "/deal lost" in r.reason


def test_next_from_closed_says_how_to_reopen() -> None:
    r = refusal(plan_next(facts("won", last_open="proposal"), P))
    assert r.code == "closed"
    assert "/deal stage proposal" in r.reason


def test_next_skips_closed_stages_in_the_middle() -> None:
    odd = Pipeline(
        stages=(
            Stage(key="a", name="A", probability=10),
            Stage(key="lost", name="Lost", probability=0, closed="lost"),
            Stage(key="b", name="B", probability=50),
        )
    )
    m = move(plan_next(facts("a"), odd))
    assert m.to_stage.key == "b" and m.skipped == ()


# --------------------------------------------------------------------------- close


@pytest.mark.parametrize("stage", ["lead", "qualified", "discovery", "proposal", "negotiation"])
def test_close_from_any_open_stage_ignores_requirements(stage: str) -> None:
    won = move(plan_close(facts(stage), "won", P))
    assert won.to_stage.key == "won" and won.closes == "won" and not won.backward and not won.reopen
    assert "cs" in won.invite_roles  # SPEC 7: the cs role is invited on won
    lost = move(plan_close(facts(stage), "lost", P))
    assert lost.to_stage.key == "lost" and lost.closes == "lost" and lost.invite_roles == ()


def test_close_when_closed_is_refused() -> None:
    r = refusal(plan_close(facts("won", last_open="negotiation"), "won", P))
    assert r.code == "same_stage"
    r = refusal(plan_close(facts("lost", last_open="negotiation"), "won", P))
    assert r.code == "already_closed" and "/deal stage negotiation" in r.reason


def test_close_without_such_stage() -> None:
    only_won = Pipeline(
        stages=(Stage(key="a", name="A", probability=10), Stage(key="w", name="W", probability=100, closed="won"))
    )
    assert refusal(plan_close(facts("a"), "lost", only_won)).code == "no_outcome"
    with pytest.raises(ValueError):
        plan_close(facts("a"), "maybe", only_won)  # type: ignore[arg-type]


def test_plan_move_to_closed_stage_is_a_close() -> None:
    m = move(plan_move(facts("lead"), P.stage("won"), P))
    assert m.closes == "won" and "cs" in m.invite_roles
    m = move(plan_move(facts("lead"), P.resolve("输单"), P))
    assert m.closes == "lost"
    r = refusal(plan_move(facts("won", last_open="lead"), P.stage("lost"), P))
    assert r.code == "already_closed"


# --------------------------------------------------------------------------- reopen


def test_reopen_at_or_before_last_open_stage_needs_nothing() -> None:
    m = move(plan_move(facts("lost", last_open="negotiation"), P.stage("negotiation"), P))
    assert m.reopen and not m.backward and m.from_stage.key == "lost"
    assert m.invite_roles == ("legal", "finance")
    m = move(plan_move(facts("lost", last_open="negotiation"), P.stage("discovery"), P))
    assert m.reopen and m.backward


def test_reopen_past_last_open_stage_checks_requirements() -> None:
    r = refusal(plan_move(facts("won", last_open="discovery"), P.stage("negotiation"), P))
    assert r.missing == ("amount", "close")
    m = move(plan_move(facts("won", "amount", "close", last_open="discovery"), P.stage("negotiation"), P))
    assert m.reopen and not m.backward and [s.key for s in m.skipped] == ["proposal"]


def test_reopen_without_known_last_stage_counts_from_the_first() -> None:
    r = refusal(plan_move(facts("won"), P.stage("proposal"), P))
    assert r.missing == ("score", "amount")
    m = move(plan_move(facts("won", last_open="gone-from-pipeline"), P.stage("lead"), P))
    assert m.reopen and not m.backward


# --------------------------------------------------------------------------- Chinese


def test_reasons_in_chinese() -> None:
    r = refusal(plan_move(facts("discovery"), P.stage("proposal"), P, locale="zh-CN"))
    assert r.reason == "进入方案报价前需要先设置金额：/deal set amount:150k"
    r = refusal(plan_move(facts("lead"), P.stage("negotiation"), P, locale="zh-CN"))
    assert "跳到商务谈判" in r.reason and "线索评分（资格确认需要）" in r.reason
    assert "已在" in refusal(plan_move(facts("lead"), P.stage("lead"), P, locale="zh-CN")).reason
    assert "/deal won" in refusal(plan_next(facts("negotiation"), P, locale="zh-CN")).reason


# --------------------------------------------------------------------------- properties

_FIELDS = ("amount", "close", "score", "customer", "source")


@given(
    pipeline=st.sampled_from(ALL),
    data=st.data(),
)
def test_move_properties(pipeline: Pipeline, data: st.DataObject) -> None:
    current = data.draw(st.sampled_from(pipeline.stages))
    target = data.draw(st.sampled_from(pipeline.stages))
    present = data.draw(st.sets(st.sampled_from(_FIELDS)))
    last_open = data.draw(st.sampled_from(pipeline.open_stages))
    f = facts(current.key, *present, last_open=last_open.key)
    plan = plan_move(f, target, pipeline)
    if isinstance(plan, Refusal):
        assert plan.reason and "\n" not in plan.reason
        assert set(plan.missing).isdisjoint(present)
        if plan.code == "requirements":
            assert plan.missing
        return
    assert plan.to_stage == target and plan.from_stage == current
    if target.closed:
        return
    if plan.backward:
        assert plan.skipped == ()
        assert pipeline.index(target.key) < pipeline.index((last_open if plan.reopen else current).key)
    elif not plan.reopen:
        # a forward move: every stage entered has its requirements met
        assert pipeline.index(target.key) > pipeline.index(current.key)
        for stage in plan.entered:
            assert set(stage.requires) <= present
    # the same move with every field set is always allowed (unless it goes nowhere / closed → closed)
    full = plan_move(facts(current.key, *_FIELDS, last_open=last_open.key), target, pipeline)
    assert isinstance(full, Move)


@given(
    pipeline=st.sampled_from(ALL),
    data=st.data(),
)
def test_all_fields_set_means_only_structural_refusals(pipeline: Pipeline, data: st.DataObject) -> None:
    current = data.draw(st.sampled_from(pipeline.stages))
    target = data.draw(st.sampled_from(pipeline.stages))
    f = facts(current.key, *_FIELDS, last_open=pipeline.first_open_stage.key)
    plan = plan_move(f, target, pipeline)
    if isinstance(plan, Refusal):
        assert plan.code in {"same_stage", "already_closed"}
        assert current == target or (current.closed and target.closed)
