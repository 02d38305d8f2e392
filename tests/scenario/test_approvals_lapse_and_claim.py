# ruff: noqa: F811  (`bot` is the fixture imported from test_approvals, with its approval rules)
"""Approvals meeting won/lost and the public pool (issue 8): closing a deal while a request is pending
lets the request lapse everywhere; claiming a lost deal reopens it only through the approval gate."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.blocks.ids import ActionId
from models.deals import moves
from models.infra.tables import ApprovalCard, StageChange
from models.people.users import load_actor
from scheduler.sweeps_pool import archive_lost
from tests.scenario.harness import ADMIN, MANAGER, REP, REP2, Bot
from tests.scenario.test_approvals import (  # noqa: F401 - `bot` is the fixture with the approval rules
    FINANCE,
    _buttons,
    _click,
    _deal,
    _deal_needing_approval,
    _requests,
    _team,
    _text,
    _timeline,
    bot,
)

DAY = timedelta(days=1)


async def test_lost_while_pending_lapses_the_request_and_every_approver_card_says_so(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(ADMIN, f"role <@{FINANCE}> finance")
    await bot.command(REP, "set D-1 floor:150k")  # both rules match: the manager and finance are asked
    await bot.command(REP, "stage D-1 proposal")
    [request] = await _requests(bot)
    assert sorted(request.approvers) == sorted([MANAGER, FINANCE])
    for who in (MANAGER, FINANCE):
        assert {b["action_id"] for b in _buttons(bot, who)} == {ActionId.APPROVE.value, ActionId.REJECT.value}
    async with bot.deps.sessions() as session:
        assert len(list(await session.scalars(select(ApprovalCard)))) == 2, "each card is kept to redraw it"

    closed = await bot.command(REP, "lost D-1 went with a competitor")
    assert "closed as lost" in closed.text
    assert "approval request to move it to *Proposal* lapsed; its approvers are told" in closed.text

    [request] = await _requests(bot)
    assert (request.status, request.decided_by, request.reason) == ("lapsed", REP, "the deal was closed as lost")
    assert (await _deal(bot)).stage_key == "lost"
    for who in (MANAGER, FINANCE):  # the cards are updated in place: no buttons, and why
        assert _buttons(bot, who) == [], who
        assert "Lapsed, nothing to decide any more: the deal was closed as lost" in _text(bot.dms_to(who)), who
        assert len(bot.dms_to(who)) == 1, "redrawn, not a second message"
    assert len(bot.slack.calls_to("chat.update")) >= 2

    channel = bot.channel_of(1)
    said = _text(bot.messages_in(channel.id))
    assert "lapsed: the deal was closed as lost" in said
    card = next(m for m in bot.messages_in(channel.id) if m.ts in channel.pins)
    assert "Awaiting approval" not in json.dumps(card.blocks)
    assert (await _timeline(bot))[-1] == (
        "the approval request to move Lead → Proposal lapsed: the deal was closed as lost")

    late = await _click(bot, FINANCE, ActionId.APPROVE, request.id)
    assert "already decided: lapsed" in late and (await _deal(bot)).stage_key == "lost"


async def test_won_by_stage_while_pending_lapses_the_request_too(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    won = await bot.command(REP, "stage D-1 won")
    assert "is won" in won.text and "lapsed" in won.text
    [request] = await _requests(bot)
    assert request.status == "lapsed" and request.reason == "the deal was closed as won"
    assert _buttons(bot, MANAGER) == []
    assert "the deal was closed as won" in _text(bot.dms_to(MANAGER))
    assert (await _deal(bot)).stage_key == "won"


async def test_a_decision_redraws_every_approvers_card_not_only_the_clicked_one(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(ADMIN, f"role <@{FINANCE}> finance")
    await bot.command(REP, "set D-1 floor:150k")
    await bot.command(REP, "stage D-1 proposal")
    [request] = await _requests(bot)
    assert "Approved" in await _click(bot, MANAGER, ActionId.APPROVE, request.id)
    assert _buttons(bot, FINANCE) == [], "finance's card no longer offers a decision"
    assert f"Decided: approved (<@{MANAGER}>)" in _text(bot.dms_to(FINANCE))


async def _lost_at_proposal_with_a_discount(bot: Bot) -> None:
    """D-1 reached Proposal before its discount was set, then was lost: in the pool, reached stage Proposal."""
    await _team(bot)
    await bot.command(ADMIN, f"team <@{REP2}> manager:<@{MANAGER}>")
    await bot.command(REP, "new Pilot customer:Acme amount:100k")
    assert "Moved" in (await bot.command(REP, "stage D-1 proposal")).text
    await bot.command(REP, "set D-1 discount:25")
    await bot.command(REP, "lost D-1 budget frozen")
    assert (await _deal(bot)).pooled_at is not None


async def test_claiming_a_lost_deal_reopens_it_only_once_approved(bot: Bot) -> None:
    await _lost_at_proposal_with_a_discount(bot)

    claimed = await bot.command(REP2, "claim D-1")
    assert "You own D-1 now" in claimed.text
    assert "Reopening it at *Proposal* needs approval (discount &gt; 15)" in claimed.text
    assert f"asked <@{MANAGER}> by DM" in claimed.text and "stays lost" in claimed.text
    deal = await _deal(bot)
    assert (deal.owner_id, deal.pooled_at, deal.stage_key) == (REP2, None, "lost"), "the claim stands"
    [request] = await _requests(bot)
    assert (request.status, request.from_stage, request.to_stage, request.requested_by, request.approvers) == (
        "pending", "lost", "proposal", REP2, [MANAGER])
    assert "Approval needed" in _text(bot.dms_to(MANAGER))
    assert REP2 in bot.channel_of(1).members
    assert "Awaiting approval" in _text(bot.messages_in(bot.channel_of(1).id))
    assert "waiting for approval" in (await bot.command(REP2, "stage D-1 lead")).text, "one move at a time"

    assert "Approved" in await _click(bot, MANAGER, ActionId.APPROVE, request.id)
    deal = await _deal(bot)
    assert (deal.stage_key, deal.owner_id, deal.closed_at) == ("proposal", REP2, None)
    async with bot.deps.sessions() as session:
        moves = list(await session.scalars(select(StageChange.to_stage).where(StageChange.deal_id == 1)
                                           .order_by(StageChange.id)))
    assert moves == ["lead", "proposal", "lost", "proposal"]
    history = (await bot.command(REP2, "history D-1")).all_text
    assert "claimed the deal from the public pool" in history and "reopened Lost → Proposal" in history


async def test_a_claim_whose_reopen_is_rejected_leaves_the_deal_lost_with_the_claimant(bot: Bot) -> None:
    await _lost_at_proposal_with_a_discount(bot)
    await bot.command(REP2, "claim D-1")
    [request] = await _requests(bot)
    async with bot.deps.sessions.begin() as session:  # as the reject form does (driven in test_approvals)
        actor = await load_actor(session, MANAGER, bot.deps.ws.admin_ids)
        await moves.decide(session, bot.deps.ws, actor, request.id, approve=False, now=bot.clock.now(),
                               reason="no discount for a reopened deal")
    await bot.settle()
    deal = await _deal(bot)
    assert (deal.stage_key, deal.owner_id, deal.pooled_at) == ("lost", REP2, None)
    assert "no discount for a reopened deal" in _text(bot.dms_to(REP2))
    assert "Reopened" in (await bot.command(REP2, "stage D-1 lead")).text, "no rule on Lead: reopened at once"


async def test_an_archived_lost_deal_is_unarchived_when_claimed_and_kept_while_its_reopen_waits(bot: Bot) -> None:
    await _lost_at_proposal_with_a_discount(bot)
    await bot.advance(31 * DAY)
    assert await bot.sweep(archive_lost) == ["deal:1"]
    await bot.settle()
    channel = bot.channel_of(1)
    assert channel.is_archived

    assert "needs approval" in (await bot.command(REP2, "claim D-1")).text
    assert not channel.is_archived and REP2 in channel.members
    assert "Awaiting approval" in _text(bot.messages_in(channel.id))
    await bot.advance(timedelta(minutes=5))
    assert await bot.sweep(archive_lost) == [], "not while the reopen waits"
    assert (await _deal(bot)).archived_at is None
