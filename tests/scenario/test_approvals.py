"""Approvals (SPEC 12), driven as Slack would: signed HTTP in, Web API calls checked in the emulator."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio
from sqlalchemy import select

from bot.blocks.ids import ActionId, BlockId, CallbackId
from models.infra.tables import ApprovalRequest, Deal, StageChange, TimelineEntry
from tests.emulator import SlackEmulator
from tests.scenario.conftest import pipeline_file, started_bot
from tests.scenario.harness import ADMIN, GENERAL, MANAGER, REP, REP2, Bot
from tests.shown import timeline_as_shown

PIPELINE = """\
[[stages]]
key = "lead"
name = "Lead"
probability = 10

[[stages]]
key = "discovery"
name = "Discovery"
probability = 30

[[stages]]
key = "proposal"
name = "Proposal"
probability = 50
requires = ["amount"]

[[stages.approvals]]
when = "discount > 15"
approvers = ["manager"]
expire_after_hours = 24
remind_before_hours = 4

[[stages.approvals]]
when = "amount < floor"
approvers = ["finance"]

[[stages]]
key = "negotiation"
name = "Negotiation"
probability = 70

[[stages]]
key = "won"
name = "Won"
probability = 100
closed = "won"

[[stages]]
key = "lost"
name = "Lost"
probability = 0
closed = "lost"
"""
FINANCE = "U0FIN"


@pytest_asyncio.fixture
async def bot(slack: SlackEmulator, db_url: str, tmp_path: Path) -> AsyncIterator[Bot]:
    async with started_bot(slack, db_url, dealroom_pipeline=pipeline_file(tmp_path, PIPELINE)) as running:
        slack.add_user(FINANCE, "fay", tz="UTC")
        yield running


async def _team(bot: Bot) -> None:
    await bot.command(ADMIN, f"team <@{REP}> manager:<@{MANAGER}>")


async def _deal_needing_approval(bot: Bot, discount: str = "20") -> int:
    await _team(bot)
    await bot.command(REP, "new Pilot customer:Acme amount:100k")
    await bot.command(REP, f"set D-1 discount:{discount}")
    return 1


async def _requests(bot: Bot) -> list[ApprovalRequest]:
    async with bot.deps.sessions() as session:
        return list(await session.scalars(select(ApprovalRequest).order_by(ApprovalRequest.id)))


async def _deal(bot: Bot, number: int = 1) -> Deal:
    async with bot.deps.sessions() as session:
        deal = await session.get(Deal, number)
        assert deal is not None
        return deal


async def _timeline(bot: Bot, number: int = 1) -> list[str]:
    async with bot.deps.sessions() as session:
        return list(await timeline_as_shown(session, TimelineEntry.deal_id == number, TimelineEntry.kind == "approval"))


def _buttons(bot: Bot, user: str) -> list[dict]:  # type: ignore[type-arg]
    found = []
    for message in bot.dms_to(user):
        for block in message.blocks or []:
            found += [e for e in block.get("elements", []) if e.get("type") == "button"]
    return found


def _dm_channel(bot: Bot, user: str) -> str:
    """Where the click comes from: the approval card in the DM, else a `/deal approvals` list in #general."""
    return bot.slack.ims.get(user, GENERAL)


def _text(messages: list) -> str:  # type: ignore[type-arg]
    return "\n".join(m.text + json.dumps(m.blocks or [], ensure_ascii=False) for m in messages)


def _card_ts(bot: Bot, user: str, request_id: int) -> str:
    """The ts of the user's approval card for the request (a made-up one when they have none)."""
    for message in bot.dms_to(user):
        for block in message.blocks or []:
            if any(e.get("value") == str(request_id) for e in block.get("elements", [])):
                return message.ts
    return "1.000001"


async def _click(bot: Bot, user: str, action: ActionId, request_id: int) -> str:
    key = await bot.click(user, action.value, str(request_id), channel=_dm_channel(bot, user),
                          message_ts=_card_ts(bot, user, request_id))
    text = (await bot.reply(key)).text
    await bot.settle()
    return text


async def test_a_matching_rule_holds_the_move_until_the_manager_approves(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    asked = await bot.command(REP, "stage D-1 proposal")
    assert "needs approval to move to *Proposal*" in asked.text and "discount &gt; 15" in asked.text
    assert f"<@{MANAGER}>" in asked.text
    assert (await _deal(bot)).stage_key == "lead"

    channel = bot.channel_of(1)
    said = _text(bot.messages_in(channel.id))
    assert "Awaiting approval" in said and "discount &gt; 15" in said
    card = next(m for m in bot.messages_in(channel.id) if m.ts in channel.pins)
    assert "Awaiting approval to move to Proposal" in json.dumps(card.blocks)

    dm = _text(bot.dms_to(MANAGER))
    assert "Approval needed" in dm and "Pilot" in dm and "discount" in dm and "20" in dm and "100,000" in dm
    assert {b["action_id"] for b in _buttons(bot, MANAGER)} == {ActionId.APPROVE.value, ActionId.REJECT.value}
    request_id = int(_buttons(bot, MANAGER)[0]["value"])

    assert "Approved" in await _click(bot, MANAGER, ActionId.APPROVE, request_id)
    deal = await _deal(bot)
    assert deal.stage_key == "proposal"
    async with bot.deps.sessions() as session:
        changes = list(await session.scalars(select(StageChange.to_stage).where(StageChange.deal_id == 1)))
    assert changes == ["lead", "proposal"]
    said = _text(bot.messages_in(channel.id))
    assert f"<@{MANAGER}> approved moving" in said
    card = next(m for m in bot.messages_in(channel.id) if m.ts in channel.pins)
    assert "Awaiting approval" not in json.dumps(card.blocks)
    assert "approved moving" in _text(bot.dms_to(REP))
    assert [r.status for r in await _requests(bot)] == ["approved"]
    steps = await _timeline(bot)
    assert steps[0].startswith(f"asked <@{MANAGER}> to approve Lead → Proposal") and steps[1] == (
        "approved Lead → Proposal")

    late = await _click(bot, ADMIN, ActionId.APPROVE, request_id)
    assert "already decided: approved" in late and f"<@{MANAGER}>" in late
    assert _buttons(bot, MANAGER) == [], "the clicked card loses its buttons"
    assert f"Decided: approved (<@{MANAGER}>)" in _text(bot.dms_to(MANAGER))


async def test_a_rejection_needs_a_reason_by_modal_which_the_owner_and_channel_get(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "next D-1")
    await bot.command(REP, "stage D-1 proposal")
    request_id = (await _requests(bot))[0].id

    key = await bot.click(MANAGER, ActionId.REJECT.value, str(request_id), channel=_dm_channel(bot, MANAGER),
                          message_ts=_card_ts(bot, MANAGER, request_id))
    await bot.slack.wait_for(lambda: any(c.args.get("trigger_id") == f"trigger-{key}"
                                         for c in bot.slack.calls_to("views.open")))
    view = next(c.args["view"] for c in bot.slack.calls_to("views.open")
                if c.args.get("trigger_id") == f"trigger-{key}")
    assert view["callback_id"] == CallbackId.REJECT_APPROVAL.value

    empty = await bot.submit(MANAGER, CallbackId.REJECT_APPROVAL.value, {BlockId.REJECT_REASON.value: "  "},
                             private_metadata=view["private_metadata"])
    assert (await empty.json())["response_action"] == "errors"
    assert (await _requests(bot))[0].status == "pending"

    response = await bot.submit(MANAGER, CallbackId.REJECT_APPROVAL.value,
                                {BlockId.REJECT_REASON.value: "20% is too deep for a pilot"},
                                private_metadata=view["private_metadata"])
    assert response.status == 200
    await bot.slack.wait_for(lambda: "Rejected" in _text(bot.dms_to(MANAGER)))
    await bot.settle()
    assert (await _deal(bot)).stage_key == "discovery"
    assert "20% is too deep for a pilot" in _text(bot.dms_to(REP))
    assert "rejected moving" in _text(bot.messages_in(bot.channel_of(1).id))
    assert "20% is too deep for a pilot" in _text(bot.messages_in(bot.channel_of(1).id))
    request = (await _requests(bot))[0]
    assert (request.status, request.decided_by, request.reason) == ("rejected", MANAGER, "20% is too deep for a pilot")
    assert (await _timeline(bot))[-1] == "rejected Discovery → Proposal: 20% is too deep for a pilot"
    assert _buttons(bot, MANAGER) == [] and "Decided: rejected" in _text(bot.dms_to(MANAGER))
    # the deal may be asked again once the request is closed
    assert "needs approval" in (await bot.command(REP, "stage D-1 proposal")).text


async def test_two_approvers_at_once_the_first_decision_wins(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    request_id = (await _requests(bot))[0].id
    texts = await asyncio.gather(*(_click(bot, who, ActionId.APPROVE, request_id) for who in (MANAGER, ADMIN)))
    assert sum("Approved" in t for t in texts) == 1, texts
    assert sum("already decided" in t or "same moment" in t for t in texts) == 1, texts
    async with bot.deps.sessions() as session:
        moves = list(await session.scalars(select(StageChange).where(StageChange.to_stage == "proposal")))
    assert len(moves) == 1
    assert (await _deal(bot)).stage_key == "proposal"


async def test_a_request_is_reminded_then_expires_and_everyone_is_told(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    request_id = (await _requests(bot))[0].id
    await bot.wait_until(timedelta(hours=19, minutes=50))
    assert "Reminder" not in _text(bot.dms_to(MANAGER))
    await bot.wait_until(timedelta(minutes=15))
    assert "Reminder: this request expires" in _text(bot.dms_to(MANAGER))
    await bot.wait_until(timedelta(hours=1))
    assert _text(bot.dms_to(MANAGER)).count("Reminder: this request expires") == 1, "reminded once"
    assert (await _requests(bot))[0].status == "pending"

    await bot.wait_until(timedelta(hours=3))
    assert (await _requests(bot))[0].status == "expired"
    for who in (REP, MANAGER):
        assert "expired: nobody decided" in _text(bot.dms_to(who)), who
    assert "expired: nobody decided" in _text(bot.messages_in(bot.channel_of(1).id))
    assert (await _deal(bot)).stage_key == "lead"
    steps = await _timeline(bot)
    assert any(s.startswith("reminded") for s in steps) and "expired" in steps[-1]
    assert "already decided: expired" in await _click(bot, MANAGER, ActionId.APPROVE, request_id)


async def test_a_second_move_while_pending_is_refused_and_won_lapses_the_request(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    for text in ("next D-1", "stage D-1 discovery", "stage D-1 negotiation"):
        refused = await bot.command(REP, text)
        assert refused.text.startswith(":warning:") and "waiting for approval to move to Proposal" in refused.text
    assert (await _deal(bot)).stage_key == "lead" and len(await _requests(bot)) == 1

    assert "won" in (await bot.command(REP, "won D-1")).text
    request = (await _requests(bot))[0]
    assert request.status == "lapsed"
    assert "already decided: lapsed" in await _click(bot, MANAGER, ActionId.APPROVE, request.id)
    assert (await _deal(bot)).stage_key == "won"


async def test_with_no_one_to_ask_the_move_is_refused_with_the_reason(bot: Bot) -> None:
    await bot.command(REP, "new Pilot amount:100k")
    await bot.command(REP, "set D-1 discount:20")
    refused = await bot.command(REP, "stage D-1 proposal")
    assert refused.text.startswith(":warning:") and "no one to ask" in refused.text and "no manager" in refused.text
    assert await _requests(bot) == [] and (await _deal(bot)).stage_key == "lead"


async def test_rules_apply_when_skipping_through_and_moving_back_and_name_every_matched_rule(bot: Bot) -> None:
    await _team(bot)
    await bot.command(ADMIN, f"role <@{FINANCE}> finance")
    await bot.command(REP, "new Pilot amount:100k")
    assert "Moved" in (await bot.command(REP, "stage D-1 negotiation")).text  # nothing matches yet

    await bot.command(REP, "set D-1 discount:30 floor:150k")
    asked = await bot.command(REP, "stage D-1 proposal")  # backward, into the stage
    assert "discount &gt; 15; amount &lt; floor" in asked.text
    request = (await _requests(bot))[0]
    assert request.approvers == sorted([MANAGER, FINANCE]) and request.to_stage == "proposal"
    assert "Approval needed" in _text(bot.dms_to(FINANCE))
    assert "Approved" in await _click(bot, FINANCE, ActionId.APPROVE, request.id)
    assert (await _deal(bot)).stage_key == "proposal"

    await bot.command(REP, "stage D-1 lead")
    asked = await bot.command(REP, "stage D-1 negotiation")  # skipping through proposal
    assert "needs approval to move to *Negotiation*" in asked.text
    assert (await _requests(bot))[-1].to_stage == "negotiation"


async def test_the_owner_never_approves_their_own_request(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    request_id = (await _requests(bot))[0].id
    refused = await _click(bot, REP, ActionId.APPROVE, request_id)
    assert "You own D-1, so you can't decide" in refused
    assert "Only <@U0MGR> or an admin" in await _click(bot, REP2, ActionId.APPROVE, request_id)
    assert (await _requests(bot))[0].status == "pending"
    assert "Approved" in await _click(bot, MANAGER, ActionId.APPROVE, request_id)


async def test_whoever_asked_for_the_move_may_not_approve_it_unless_an_admin(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(ADMIN, f"role <@{FINANCE}> finance")
    await bot.command(REP, "set D-1 floor:150k")  # both rules match: the manager's and finance's
    asked = await bot.command(MANAGER, "stage D-1 proposal")  # the manager moves the rep's deal
    assert f"Asked <@{FINANCE}> by DM" in asked.text, "not the manager who asked"
    [request] = await _requests(bot)
    assert (request.requested_by, request.approvers) == (MANAGER, [FINANCE])
    assert _buttons(bot, MANAGER) == [], "no card for whoever asked"
    refused = await _click(bot, MANAGER, ActionId.APPROVE, request.id)
    assert "You asked for this move of D-1, so you can't decide its approval" in refused
    assert f"only <@{FINANCE}> or an admin can" in refused
    assert (await _requests(bot))[0].status == "pending" and (await _deal(bot)).stage_key == "lead"
    assert "Approved" in await _click(bot, FINANCE, ActionId.APPROVE, request.id)

    await bot.command(REP, "stage D-1 lead")
    await bot.command(ADMIN, f"role <@{FINANCE}> -finance")  # now only the manager's rule has anyone to ask
    refused = await bot.command(MANAGER, "stage D-1 proposal")
    assert refused.text.startswith(":warning:") and "no one to ask" in refused.text
    assert f"the owner's manager <@{MANAGER}> asked for the move" in refused.text
    assert (await _deal(bot)).stage_key == "lead"

    asked = await bot.command(ADMIN, "stage D-1 proposal")  # an admin who asks may still decide
    [*_, request] = await _requests(bot)
    assert request.requested_by == ADMIN and request.approvers == [MANAGER]
    assert "Approved" in await _click(bot, ADMIN, ActionId.APPROVE, request.id)
    assert (await _deal(bot)).stage_key == "proposal"


async def test_deal_approvals_lists_what_the_caller_may_decide_or_waits_on(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    mine = await bot.command(REP, "approvals")
    assert "D-1" in mine.all_text and "yours, waiting" in mine.all_text
    assert ActionId.APPROVE.value not in mine.all_text
    managers = await bot.command(MANAGER, "approvals")
    assert "D-1" in managers.all_text and ActionId.APPROVE.value in managers.all_text
    admins = await bot.command(ADMIN, "approvals")
    assert "D-1" in admins.all_text and ActionId.APPROVE.value in admins.all_text
    others = await bot.command(REP2, "approvals")
    assert "No pending approval requests" in others.text and "D-1" not in others.all_text
    assert "/deal approvals" in (await bot.command(REP, "help")).all_text


async def test_at_approval_the_stages_requirements_are_checked_again(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    request_id = (await _requests(bot))[0].id
    async with bot.deps.sessions.begin() as session:  # the amount is gone meanwhile (say, an import)
        deal = await session.get(Deal, 1)
        assert deal is not None
        deal.amount = None
    refused = await _click(bot, MANAGER, ActionId.APPROVE, request_id)
    assert "can't move to Proposal yet" in refused and "amount" in refused and "stays open" in refused
    assert (await _requests(bot))[0].status == "pending" and (await _deal(bot)).stage_key == "lead"
    await bot.command(REP, "set D-1 amount:90k")
    assert "Approved" in await _click(bot, MANAGER, ActionId.APPROVE, request_id)
    assert (await _deal(bot)).stage_key == "proposal"
