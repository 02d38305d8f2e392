# ruff: noqa: F811  (`bot` is the fixture imported from test_approvals, with its approval rules)
"""Approvals decided against today's facts (SPEC 12, issue 14): the deal's current owner never approves, the
approvers are worked out again when someone decides (after `/deal assign`, `/deal claim`, `/deal team`), a
refused click changes nothing anyone else sees, and a pending request moves to the new approvers when the
deal changes hands, or lapses when no one is left to ask; the timeline says which."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, update

from bot.blocks.ids import ActionId
from models.infra.tables import ApprovalCard, Deal, OutboxMessage, TimelineEntry
from tests.scenario.harness import ADMIN, GENERAL, MANAGER, REP, REP2, Bot
from tests.scenario.test_approvals import (  # noqa: F401 - `bot` is the fixture with the approval rules
    FINANCE,
    _buttons,
    _click,
    _deal,
    _deal_needing_approval,
    _requests,
    _text,
    _timeline,
    bot,
)

OTHER_MANAGER = "U0MGR2"


async def _seen(bot: Bot) -> dict[str, Any]:
    """What a click could change that others see or will see: Slack writes, the outbox, the timeline."""
    async with bot.deps.sessions() as session:
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
        timeline = await session.scalar(select(func.count()).select_from(TimelineEntry))
    writes = [c for c in bot.slack.calls if c.method in ("chat.update", "chat.postMessage", "chat.postEphemeral")]
    messages = {channel: [(m.ts, m.text, json.dumps(m.blocks)) for m in found]
                for channel, found in bot.slack.messages.items()}
    requests = [(r.status, r.approvers, r.owner_id, r.decided_by) for r in await _requests(bot)]
    return {"outbox": outbox, "timeline": timeline, "writes": len(writes), "messages": messages,
            "requests": requests}


async def _refused_click(bot: Bot, user: str, request_id: int) -> str:
    """Click Approve as `user`, who must be refused: only they are told, and nothing else changes."""
    before = await _seen(bot)
    text = await _click(bot, user, ActionId.APPROVE, request_id)
    assert text.startswith(":warning:"), text
    assert await _seen(bot) == before, "a refused click changed what others see"
    return text


async def test_a_refused_click_changes_nothing_anyone_else_sees(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    [request] = await _requests(bot)
    assert "Only <@U0MGR> or an admin" in await _refused_click(bot, REP2, request.id)
    assert "You own D-1" in await _refused_click(bot, REP, request.id)
    async with bot.deps.sessions.begin() as session:  # the amount is gone meanwhile: approval must wait
        await session.execute(update(Deal).where(Deal.id == 1).values(amount=None))
    assert "stays open" in await _refused_click(bot, MANAGER, request.id)
    assert {b["action_id"] for b in _buttons(bot, MANAGER)} == {ActionId.APPROVE.value, ActionId.REJECT.value}


async def test_the_current_owner_never_approves_even_when_asked_before_the_deal_was_theirs(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(ADMIN, f"role <@{FINANCE}> finance")
    await bot.command(ADMIN, f"team <@{FINANCE}> manager:<@{MANAGER}>")
    await bot.command(REP, "set D-1 floor:150k")
    await bot.command(REP, "stage D-1 proposal")
    [request] = await _requests(bot)
    assert request.approvers == sorted([MANAGER, FINANCE])

    handed = await bot.command(ADMIN, f"assign D-1 <@{FINANCE}>")  # finance now owns the deal
    assert f"<@{FINANCE}> now owns D-1" in handed.text
    assert f"moved to <@{MANAGER}>" in handed.text
    [request] = await _requests(bot)
    assert (request.status, request.owner_id, request.approvers) == ("pending", FINANCE, [MANAGER])
    assert _buttons(bot, FINANCE) == [], "finance's card lost its buttons"
    assert "Moved, nothing for you to decide" in _text(bot.dms_to(FINANCE))

    refused = await _refused_click(bot, FINANCE, request.id)  # a click on the card before it was redrawn
    assert "You own D-1, so you can't decide its approval" in refused
    assert "Approved" in await _click(bot, MANAGER, ActionId.APPROVE, request.id)
    assert (await _deal(bot)).stage_key == "proposal"


async def test_approvers_are_worked_out_again_when_someone_decides_after_a_team_change(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    [request] = await _requests(bot)
    assert request.approvers == [MANAGER]
    await bot.command(ADMIN, f"team <@{REP}> manager:<@{REP2}>")  # REP2 manages REP from now on

    assert f"Only <@{REP2}> or an admin" in await _refused_click(bot, MANAGER, request.id)
    listed = await bot.command(REP2, "approvals")
    assert "D-1" in listed.all_text and ActionId.APPROVE.value in listed.all_text
    assert f"approvers <@{REP2}>" in listed.all_text
    assert "D-1" not in (await bot.command(MANAGER, "approvals")).all_text

    key = await bot.click(REP2, ActionId.APPROVE.value, str(request.id), channel=GENERAL, ephemeral=True)
    assert "Approved" in (await bot.reply(key)).text
    await bot.settle()
    assert (await _deal(bot)).stage_key == "proposal"


async def test_assigning_the_deal_moves_the_pending_request_to_the_new_owners_manager(bot: Bot) -> None:
    bot.slack.add_user(OTHER_MANAGER, "omar", tz="UTC")
    await _deal_needing_approval(bot)
    await bot.command(ADMIN, f"team <@{REP2}> manager:<@{OTHER_MANAGER}>")
    await bot.command(REP, "stage D-1 proposal")
    [request] = await _requests(bot)
    expires_at = request.expires_at

    handed = await bot.command(ADMIN, f"assign D-1 <@{REP2}>")
    assert f"The approval request to move it to *Proposal* moved to <@{OTHER_MANAGER}>" in handed.text
    [request] = await _requests(bot)
    assert (request.status, request.owner_id, request.approvers) == ("pending", REP2, [OTHER_MANAGER])
    assert request.expires_at == expires_at, "the same request, its expiry unchanged"
    assert {b["action_id"] for b in _buttons(bot, OTHER_MANAGER)} == {ActionId.APPROVE.value, ActionId.REJECT.value}
    assert _buttons(bot, MANAGER) == [] and len(bot.dms_to(MANAGER)) == 1, "the old card redrawn, not a new one"
    assert f"<@{OTHER_MANAGER}> decide now" in _text(bot.dms_to(MANAGER))
    assert (await _timeline(bot))[-1] == (
        f"the approval request to move Lead → Proposal moved to <@{OTHER_MANAGER}>: the deal changed hands")
    said = _text(bot.messages_in(bot.channel_of(1).id))
    assert f"The deal changed hands: the request to move *D-1 · Pilot* from *Lead* to *Proposal* now waits on " \
           f"<@{OTHER_MANAGER}>" in said

    assert "Only" in await _refused_click(bot, MANAGER, request.id)
    assert "Approved" in await _click(bot, OTHER_MANAGER, ActionId.APPROVE, request.id)
    assert (await _deal(bot)).stage_key == "proposal"
    async with bot.deps.sessions() as session:
        cards = list(await session.scalars(select(ApprovalCard.user_id).order_by(ApprovalCard.id)))
    assert cards == [MANAGER, OTHER_MANAGER]


async def test_with_no_one_left_to_ask_the_request_lapses_when_the_deal_changes_hands(bot: Bot) -> None:
    await _deal_needing_approval(bot)
    await bot.command(REP, "stage D-1 proposal")
    [request] = await _requests(bot)

    handed = await bot.command(ADMIN, f"assign D-1 <@{MANAGER}>")  # the approver now owns it, and has no manager
    assert "The approval request to move it to *Proposal* lapsed: no one is left to ask" in handed.text
    [request] = await _requests(bot)
    assert (request.status, request.decided_by) == ("lapsed", ADMIN)
    assert request.reason == "the deal changed hands and no one is left to ask"
    assert (await _timeline(bot))[-1] == (
        "the approval request to move Lead → Proposal lapsed: the deal changed hands and no one is left to ask")
    assert _buttons(bot, MANAGER) == []
    assert "Lapsed, nothing to decide any more: the deal changed hands and no one is left to ask" in _text(
        bot.dms_to(MANAGER))
    assert "lapsed: the deal changed hands" in _text(bot.messages_in(bot.channel_of(1).id))
    card = next(m for m in bot.messages_in(bot.channel_of(1).id) if m.ts in bot.channel_of(1).pins)
    assert "Awaiting approval" not in json.dumps(card.blocks)
    assert "already decided: lapsed" in await _click(bot, MANAGER, ActionId.APPROVE, request.id)
    assert (await _deal(bot)).stage_key == "lead"


async def test_claiming_a_pooled_deal_moves_its_pending_request_to_the_claimants_manager(bot: Bot) -> None:
    bot.slack.add_user(OTHER_MANAGER, "omar", tz="UTC")
    await _deal_needing_approval(bot)
    await bot.command(ADMIN, f"team <@{REP2}> manager:<@{OTHER_MANAGER}>")
    await bot.command(REP, "stage D-1 proposal")
    async with bot.deps.sessions.begin() as session:  # gone quiet and pooled, as the pool sweep does
        await session.execute(update(Deal).where(Deal.id == 1).values(pooled_at=bot.clock.now(),
                                                                      pool_reason="inactive"))

    claimed = await bot.command(REP2, "claim D-1")
    assert "You own D-1 now" in claimed.text and f"moved to <@{OTHER_MANAGER}>" in claimed.text
    [request] = await _requests(bot)
    assert (request.status, request.owner_id, request.approvers) == ("pending", REP2, [OTHER_MANAGER])
    assert _buttons(bot, MANAGER) == [] and _buttons(bot, OTHER_MANAGER)
    assert (await _timeline(bot))[-1].endswith("moved to <@U0MGR2>: the deal changed hands")
