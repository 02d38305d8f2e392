"""Words longer than the column that keeps them get a refusal naming the field and its limit, on SQLite
(which does not enforce lengths) and PostgreSQL (which would refuse with a DataError) alike; a value
exactly at the limit is kept whole (issue 14, item 6)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.blocks.ids import BlockId, CallbackId
from models.infra.tables import Deal
from tests.scenario.harness import REP, Bot


async def _deals(bot: Bot) -> list[Deal]:
    async with bot.deps.sessions() as session:
        return list(await session.scalars(select(Deal).order_by(Deal.id)))


async def test_a_title_longer_than_its_column_is_refused_and_one_at_the_limit_is_kept(bot: Bot) -> None:
    reply = await bot.command(REP, "new " + "T" * 600)
    assert "The title may be at most 300 characters; this one has 600." in reply.text, reply.text
    assert await _deals(bot) == []

    assert "Created *D-1*" in (await bot.command(REP, "new " + "T" * 300)).text
    assert [d.title for d in await _deals(bot)] == ["T" * 300]


async def test_set_refuses_a_long_customer_source_or_custom_field_and_changes_nothing(bot: Bot) -> None:
    await bot.command(REP, "new Pilot customer:Acme")
    refusals = {
        "customer:" + "c" * 301: "The customer may be at most 300 characters; this one has 301.",
        "source:" + "s" * 201: "The source may be at most 200 characters; this one has 201.",
        "region:" + "r" * 301: "The custom field region may be at most 300 characters; this one has 301.",
        "k" * 65 + ":emea": "A custom field name may be at most 64 characters",
    }
    for change, said in refusals.items():
        reply = await bot.command(REP, f"set D-1 {change}")
        assert said in reply.text, (change[:20], reply.text)
    deal = (await _deals(bot))[0]
    assert (deal.customer, deal.source, deal.custom_fields) == ("Acme", None, {})
    assert "Updated D-1" in (await bot.command(REP, "set D-1 source:" + "s" * 200)).text


async def test_the_new_deal_form_says_which_field_is_too_long_and_stays_open(bot: Bot) -> None:
    response = await bot.submit(REP, CallbackId.NEW_DEAL.value, {BlockId.TITLE.value: "T" * 600,
                                                                BlockId.CUSTOMER.value: "Acme"})
    answer = await response.json()
    assert answer["response_action"] == "errors", answer
    assert answer["errors"] == {
        BlockId.TITLE.value: "The title may be at most 300 characters; this one has 600."}, answer
    response = await bot.submit(REP, CallbackId.NEW_DEAL.value, {BlockId.TITLE.value: "Pilot",
                                                                BlockId.CUSTOMER.value: "C" * 400})
    assert set((await response.json())["errors"]) == {BlockId.CUSTOMER.value}
    async with bot.deps.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Deal)) == 0
